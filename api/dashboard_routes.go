package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// dashboardRoutes are the officers' workspace: pages under /ui. The
// guards are the JSON API's (routes.go), given the session's user.
func (s *Server) dashboardRoutes(app *fiber.App, anyone, officers, admins fiber.Handler) {
	ui := app.Group("/ui", dashboardHeaders)
	ui.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/ui/cases", http.StatusSeeOther) })
	ui.Get("/app.css", s.stylesheet)
	ui.Get("/sign-in", s.signInPage)
	ui.Post("/sign-in", s.checkPreSessionCSRF, s.requestSignIn)
	ui.Get("/sign-in/:token", s.linkPage)
	ui.Post("/sign-in/:token", s.checkPreSessionCSRF, s.useLink)
	ui.Post("/sign-out", s.signedIn, s.checkCSRF, s.signOut)

	ui.Get("/cases", s.signedIn, s.casesPage)
}
