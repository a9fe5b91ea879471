package api

import (
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// Users and their tokens: anyone sees who they are and who may be given a
// case; bank admins add users, change roles, deactivate users and issue
// and revoke tokens, without a terminal.

type tokenJSON struct {
	ID        string     `json:"id"`
	UserID    string     `json:"userId"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt"`
	RevokedAt *time.Time `json:"revokedAt"`
	// Token is the bearer token itself: in the answer that issues it only.
	Token string `json:"token,omitempty"`
}

func toTokenJSON(t store.Token) tokenJSON {
	return tokenJSON{ID: t.ID, UserID: t.UserID, Email: t.Email, Role: string(t.Role), CreatedAt: t.CreatedAt.UTC(),
		ExpiresAt: utcPtr(t.ExpiresAt), RevokedAt: utcPtr(t.RevokedAt)}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Server) me(c *fiber.Ctx) error {
	return ok(c, http.StatusOK, toUserJSON(currentUser(c)))
}

// listUsers lists users, for assignment pickers among others: ?role=
// narrows to one role, ?inactive=true shows the deactivated too.
func (s *Server) listUsers(c *fiber.Ctx) error {
	var errs contract.Errors
	role, known := contract.ParseRole(c.Query("role"))
	if c.Query("role") != "" && !known {
		errs.Add("role", "must be BANK_ADMIN, COMPLIANCE_OFFICER or ANALYST")
	}
	inactive := false
	switch v := c.Query("inactive"); v {
	case "", "false":
	case "true":
		inactive = true
	default:
		errs.Add("inactive", "must be true or false")
	}
	if err := errs.Err(); err != nil {
		return asInvalid(err)
	}
	users, err := s.store.Users(c.UserContext(), role, inactive)
	if err != nil {
		return err
	}
	items := make([]*userJSON, len(users))
	for i, u := range users {
		items[i] = toUserJSON(u)
	}
	return ok(c, http.StatusOK, fiber.Map{"items": items})
}

type newUserRequest struct {
	Email     string `json:"email"`
	Role      string `json:"role"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

func (s *Server) createUser(c *fiber.Ctx) error {
	var req newUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var errs contract.Errors
	errs.Text("email", req.Email, contract.Email)
	if a, err := mail.ParseAddress(req.Email); err != nil || a.Address != req.Email {
		errs.Add("email", "must be an e-mail address")
	}
	role, known := contract.ParseRole(req.Role)
	if !known {
		errs.Add("role", "must be BANK_ADMIN, COMPLIANCE_OFFICER or ANALYST")
	}
	errs.Text("firstName", req.FirstName, contract.Line)
	errs.Text("lastName", req.LastName, contract.Line)
	if err := errs.Err(); err != nil {
		return asInvalid(err)
	}
	u, err := s.store.CreateUser(c.UserContext(), req.Email, role, req.FirstName, req.LastName)
	if errors.Is(err, store.ErrExists) {
		return apiError(http.StatusConflict, "USER_EXISTS", "a user with this e-mail exists already")
	}
	if err != nil {
		return err
	}
	return ok(c, http.StatusCreated, toUserJSON(u))
}

type userChangeRequest struct {
	Role   *string `json:"role"`
	Active *bool   `json:"active"`
}

// changeUser changes a user's role or deactivates (or reactivates) them. A
// deactivated user's tokens stop working at once; an admin cannot lock
// themself out.
func (s *Server) changeUser(c *fiber.Ctx) error {
	id, err := pathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	var req userChangeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var ch store.UserChange
	if req.Role != nil {
		role, known := contract.ParseRole(*req.Role)
		if !known {
			return invalid(contract.FieldError{Field: "role", Message: "must be BANK_ADMIN, COMPLIANCE_OFFICER or ANALYST"})
		}
		ch.Role = &role
	}
	ch.Active = req.Active
	if ch.Role == nil && ch.Active == nil {
		return invalid(contract.FieldError{Field: "body", Message: "give a role, active, or both"})
	}
	if me := currentUser(c); id == me.ID && (req.Active != nil && !*req.Active || ch.Role != nil && *ch.Role != me.Role) {
		return apiError(http.StatusConflict, "SELF_CHANGE", "you cannot deactivate yourself or change your own role; ask another admin")
	}
	u, err := s.store.UpdateUser(c.UserContext(), id, ch)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("user")
	}
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, toUserJSON(u))
}

func (s *Server) existingUser(c *fiber.Ctx) (store.User, error) {
	id, err := pathUUID(c, "id", "user")
	if err != nil {
		return store.User{}, err
	}
	u, err := s.store.UserByID(c.UserContext(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, notFound("user")
	}
	return u, err
}

func (s *Server) userTokens(c *fiber.Ctx) error {
	u, err := s.existingUser(c)
	if err != nil {
		return err
	}
	tokens, err := s.store.Tokens(c.UserContext(), u.Email)
	if err != nil {
		return err
	}
	items := make([]tokenJSON, len(tokens))
	for i, t := range tokens {
		items[i] = toTokenJSON(t)
	}
	return ok(c, http.StatusOK, fiber.Map{"items": items})
}

// issueToken issues a bearer token for a user (auth.tokenTTL); the token
// is in this answer and nowhere else.
func (s *Server) issueToken(c *fiber.Ctx) error {
	u, err := s.existingUser(c)
	if err != nil {
		return err
	}
	if !u.Active() {
		return apiError(http.StatusConflict, "USER_DEACTIVATED", "the user is deactivated; reactivate them first")
	}
	token, t, err := s.store.CreateToken(c.UserContext(), u.ID, s.cfg.Auth.TokenTTL)
	if err != nil {
		return err
	}
	out := toTokenJSON(t)
	out.Token = token
	return ok(c, http.StatusCreated, out)
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	id, err := pathUUID(c, "id", "token")
	if err != nil {
		return err
	}
	t, err := s.store.RevokeToken(c.UserContext(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("token")
	}
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, toTokenJSON(t))
}

type notificationJSON struct {
	ID         string     `json:"id"`
	CaseID     *string    `json:"caseId"`
	CaseNumber *string    `json:"caseNumber"`
	Kind       string     `json:"kind"`
	Subject    string     `json:"subject"`
	SentAt     time.Time  `json:"sentAt"`
	ReadAt     *time.Time `json:"readAt"`
}

// maxNotifications bounds the list: the unread come first.
const maxNotifications = 100

// notifications lists the e-mails the caller was sent, unread first, with
// how many are unread.
func (s *Server) notifications(c *fiber.Ctx) error {
	rows, unread, err := s.store.UserNotifications(c.UserContext(), currentUser(c).ID, maxNotifications)
	if err != nil {
		return err
	}
	items := make([]notificationJSON, len(rows))
	for i, n := range rows {
		items[i] = notificationJSON{ID: n.ID, CaseID: str(n.CaseID), CaseNumber: str(n.CaseNumber), Kind: n.Kind,
			Subject: n.Subject, SentAt: n.SentAt.UTC(), ReadAt: utc(n.ReadAt)}
	}
	return ok(c, http.StatusOK, fiber.Map{"items": items, "unread": unread})
}

// markRead marks one of the caller's notifications read, or (without an
// ID in the path) all of them.
func (s *Server) markRead(c *fiber.Ctx) error {
	id := ""
	if c.Params("id") != "" {
		var err error
		if id, err = pathUUID(c, "id", "notification"); err != nil {
			return err
		}
	}
	err := s.store.MarkNotificationsRead(c.UserContext(), currentUser(c).ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("notification")
	}
	if err != nil {
		return err
	}
	return s.notifications(c)
}

// pathUUID reads a UUID path parameter: 400 when it is not one.
func pathUUID(c *fiber.Ctx, param, what string) (string, error) {
	raw, _ := url.PathUnescape(c.Params(param))
	id, err := uuid.Parse(raw)
	if err != nil {
		return "", apiError(http.StatusBadRequest, codeInvalidID, "%s ID %q is not a UUID", what, raw)
	}
	return id.String(), nil
}
