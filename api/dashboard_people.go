package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// The notifications page (the bell's) and, for bank admins, the users
// page. Their forms run the JSON API's handlers, as a case's do.

var peopleNotices = map[string]string{
	"read":    "Marked as read.",
	"invited": "The user is added, and a sign-in link is on its way to them.",
	"user":    "The user has changed.",
}

type notificationsData struct {
	Items []store.Inbox
}

func (s *Server) notificationsPage(c *fiber.Ctx) error {
	return s.renderNotifications(c, http.StatusOK, peopleNotices[c.Query("done")], "")
}

func (s *Server) renderNotifications(c *fiber.Ctx, status int, notice, failure string) error {
	items, _, err := s.store.UserNotifications(c.UserContext(), currentUser(c).ID, maxNotifications)
	if err != nil {
		return s.pageError(c, err)
	}
	return s.render(c, status, "notifications", view{Title: "Notifications", Nav: "notifications", Notice: notice,
		Error: failure, Data: notificationsData{Items: items}})
}

// notificationForm marks read through the JSON API's handler.
func (s *Server) notificationForm() fiber.Handler {
	return s.formAction(emptyBody,
		func(c *fiber.Ctx, _ url.Values, _ json.RawMessage) error {
			return c.Redirect("/ui/notifications?done=read", http.StatusSeeOther)
		},
		func(c *fiber.Ctx, _ url.Values, status int, e *Error) error {
			return s.renderNotifications(c, status, "", failureText(e))
		})
}

type usersData struct {
	Users []store.User
	Roles []string
	Me    string
}

// usersPage lists every user, the deactivated too, for admins.
func (s *Server) usersPage(c *fiber.Ctx) error {
	return s.renderUsers(c, http.StatusOK, peopleNotices[c.Query("done")], "")
}

func (s *Server) renderUsers(c *fiber.Ctx, status int, notice, failure string) error {
	if currentUser(c).Role != contract.RoleBankAdmin {
		return s.render(c, http.StatusForbidden, "error", view{Title: "Users are for bank admins",
			Error: "Only a bank admin manages users."})
	}
	users, err := s.store.Users(c.UserContext(), "", true)
	if err != nil {
		return s.pageError(c, err)
	}
	return s.render(c, status, "users", view{Title: "Users", Nav: "users", Notice: notice, Error: failure,
		Data: usersData{Users: users, Me: currentUser(c).ID,
			Roles: []string{string(contract.RoleBankAdmin), string(contract.RoleComplianceOfficer), string(contract.RoleAnalyst)}}})
}

func inviteBody(_ *fiber.Ctx, f url.Values) (any, error) {
	return map[string]any{"email": strings.TrimSpace(f.Get("email")), "role": f.Get("role"),
		"firstName": strings.TrimSpace(f.Get("firstName")), "lastName": strings.TrimSpace(f.Get("lastName"))}, nil
}

func userChangeBody(_ *fiber.Ctx, f url.Values) (any, error) {
	switch f.Get("active") {
	case "true":
		return map[string]any{"active": true}, nil
	case "false":
		return map[string]any{"active": false}, nil
	}
	return map[string]any{"role": f.Get("role")}, nil
}

// userForm runs a users form through the JSON API's handler; an invite
// then mails the new user a sign-in link.
func (s *Server) userForm(toJSON func(*fiber.Ctx, url.Values) (any, error), invite bool) fiber.Handler {
	return s.formAction(toJSON,
		func(c *fiber.Ctx, _ url.Values, data json.RawMessage) error {
			if !invite {
				return c.Redirect("/ui/users?done=user", http.StatusSeeOther)
			}
			var created struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(data, &created); err != nil {
				return s.pageError(c, err)
			}
			if err := s.invite(c.UserContext(), created.ID, currentUser(c)); err != nil {
				return s.renderUsers(c, classify(err).Status, "", "The user is added, but the sign-in link could not be sent: "+sentence(classify(err).Message))
			}
			return c.Redirect("/ui/users?done=invited", http.StatusSeeOther)
		},
		func(c *fiber.Ctx, _ url.Values, status int, e *Error) error {
			return s.renderUsers(c, status, "", failureText(e))
		})
}

// invite mails a new user their first sign-in link.
func (s *Server) invite(ctx context.Context, id string, by store.User) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	return s.mailSignInLink(ctx, u, "You are invited to caseflow", by.Name()+" has added you to caseflow, the bank's case workspace.")
}
