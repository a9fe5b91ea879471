package api

import (
	"net/http"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/workflows/contract"
)

// dashboardRoutes are the officers' workspace: pages under /ui. The
// guards are the JSON API's (routes.go), given the session's user.
func (s *Server) dashboardRoutes(app *fiber.App, anyone, officers, admins fiber.Handler) {
	ui := app.Group("/ui", s.dashboardHeaders)
	ui.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/ui/cases", http.StatusSeeOther) })
	ui.Get("/app.css", s.stylesheet)
	ui.Get("/sign-in", s.signInPage)
	ui.Post("/sign-in", s.checkPreSessionCSRF, s.requestSignIn)
	ui.Get("/sign-in/:token", s.linkPage)
	ui.Post("/sign-in/:token", s.checkPreSessionCSRF, s.useLink)
	ui.Post("/sign-out", s.signedIn, s.checkCSRF, s.signOut)

	ui.Get("/cases", s.signedIn, s.casesPage)
	// Create Case and a draft's edit: the JSON create and edit, then the
	// send when Send Request was pressed.
	ui.Get("/cases/new", s.signedIn, s.newCasePage)
	ui.Post("/cases", s.signedIn, s.checkCSRF, s.createForm(), anyone, s.idempotent, s.createCase)
	ui.Get("/cases/:id/edit", s.signedIn, s.editDraftPage)
	ui.Post("/cases/:id/edit", s.signedIn, s.checkCSRF, s.editForm(), anyone, s.idempotent, s.freshForm,
		s.caseUpdate(contract.UpdateEdit, s.edit))
	ui.Get("/cases/:id", s.signedIn, s.casePage)
	// The audited download of the JSON API, for the session's user.
	ui.Get("/cases/:id/documents/:documentId", s.signedIn, s.pageErrors(s.downloadDocument))

	// A case's forms: each runs the JSON API route's guard, idempotency
	// and handler (routes.go); those that change the case refuse a form
	// shown for an older version of it (freshForm).
	form := func(done string, toJSON func(*fiber.Ctx, url.Values) (any, error)) []fiber.Handler {
		return []fiber.Handler{s.signedIn, s.checkCSRF, s.caseForm(done, toJSON)}
	}
	post := func(path string, chain []fiber.Handler, rest ...fiber.Handler) {
		ui.Post(path, append(chain, rest...)...)
	}
	post("/cases/:id/status", form("status", statusBody), officers, s.idempotent, s.freshForm, s.caseUpdate(contract.UpdateStatus, s.statusChange))
	post("/cases/:id/assign", form("assign", assignBody), officers, s.idempotent, s.freshForm, s.caseUpdate(contract.UpdateAssign, s.assignment))
	post("/cases/:id/claim", form("claim", emptyBody), officers, s.idempotent, s.freshForm, s.caseUpdate(contract.UpdateAssign, s.claim))
	post("/cases/:id/notes", form("note", noteBody), anyone, s.idempotent, s.addNote)
	post("/cases/:id/checks/:checkId", form("check", checkBody), anyone, s.idempotent, s.freshForm, s.caseUpdate(contract.UpdateCheck, s.checkChange))
	post("/cases/:id/due-date", form("due", dueBody), anyone, s.idempotent, s.freshForm, s.caseUpdate(contract.UpdateDueDate, s.dueDateChange))
	post("/cases/:id/revoke", form("revoke", revokeBody), officers, s.idempotent, s.freshForm, s.caseUpdate(contract.UpdateRevoke, s.revocation))
	ui.Get("/notifications", s.signedIn, s.notificationsPage)
	ui.Post("/notifications/read", s.signedIn, s.checkCSRF, s.notificationForm(), s.markRead)
	ui.Post("/notifications/:id/read", s.signedIn, s.checkCSRF, s.notificationForm(), s.markRead)
	ui.Get("/users", s.signedIn, s.usersPage)
	ui.Post("/users", s.signedIn, s.checkCSRF, s.userForm(inviteBody, true), admins, s.idempotent, s.createUser)
	ui.Post("/users/:id", s.signedIn, s.checkCSRF, s.userForm(userChangeBody, false), admins, s.changeUser)
	post("/cases/:id/send", form("send", emptyBody), anyone, s.idempotent, s.freshForm, s.caseUpdate(contract.UpdateSend, s.sendRequest))
}
