package api

import (
	"net/url"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"go.temporal.io/sdk/converter"
)

// routes is the whole HTTP surface and who may use each route.
func (s *Server) routes(app *fiber.App) {
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics.handler())
	app.Get("/api/v1/openapi.json", s.openAPI()) // before the group: no token needed

	var (
		anyone   = allow(contract.RoleBankAdmin, contract.RoleComplianceOfficer, contract.RoleAnalyst)
		officers = allow(contract.RoleBankAdmin, contract.RoleComplianceOfficer)
	)

	v1 := app.Group("/api/v1", s.authenticate)
	v1.Post("/cases", anyone, s.idempotent, s.createCase)
	v1.Get("/cases", anyone, s.listCases)
	v1.Get("/cases/:id", anyone, s.getCase)
	v1.Get("/cases/:id/state", anyone, s.caseState)
	v1.Patch("/cases/:id", anyone, s.idempotent, s.caseUpdate(contract.UpdateEdit, s.edit))
	v1.Post("/cases/:id/claim", officers, s.idempotent, s.caseUpdate(contract.UpdateAssign, s.claim))
	v1.Post("/cases/:id/transactions", anyone, s.idempotent, s.caseUpdate(contract.UpdateLink, s.link))
	// Every write takes an Idempotency-Key (idempotent).
	v1.Patch("/cases/:id/status", officers, s.idempotent, s.caseUpdate(contract.UpdateStatus, s.statusChange))
	v1.Patch("/cases/:id/assign", officers, s.idempotent, s.caseUpdate(contract.UpdateAssign, s.assignment))
	v1.Post("/cases/:id/notes", anyone, s.idempotent, s.addNote)
	v1.Post("/cases/:id/send", anyone, s.idempotent, s.caseUpdate(contract.UpdateSend, s.sendRequest))
	v1.Post("/cases/:id/entities", anyone, s.idempotent, s.addEntity)
	// Submitting on the client's behalf is anyone's; approving or
	// rejecting is checked in the handler, by the status asked for.
	v1.Patch("/cases/:id/checks/:checkId", anyone, s.idempotent, s.caseUpdate(contract.UpdateCheck, s.checkChange))
	v1.Post("/cases/:id/checks/:checkId/result", officers, s.idempotent, s.checkResult)
	v1.Patch("/cases/:id/due-date", anyone, s.idempotent, s.caseUpdate(contract.UpdateDueDate, s.dueDateChange))
	v1.Post("/cases/:id/revoke", officers, s.idempotent, s.caseUpdate(contract.UpdateRevoke, s.revocation))
	// Documents: an upload streams its files (not idempotent by key: a
	// retried upload is new files), each download is audited.
	v1.Get("/cases/:id/documents", anyone, s.listDocuments)
	v1.Post("/cases/:id/documents", anyone, s.uploadDocuments)
	v1.Get("/cases/:id/documents/:documentId", anyone, s.downloadDocument)
	// Verdicts come from a screening system's service account.
	v1.Post("/screenings", officers, s.idempotent, s.screening)

	// Who is who: anyone sees themself and whom a case may be given to;
	// admins manage users and tokens.
	admins := allow(contract.RoleBankAdmin)
	v1.Get("/me", anyone, s.me)
	v1.Get("/users", anyone, s.listUsers)
	v1.Post("/users", admins, s.createUser)
	v1.Patch("/users/:id", admins, s.changeUser)
	v1.Get("/users/:id/tokens", admins, s.userTokens)
	v1.Post("/users/:id/tokens", admins, s.issueToken)
	v1.Post("/tokens/:id/revoke", admins, s.revokeToken)
	v1.Get("/notifications", anyone, s.notifications)
	v1.Post("/notifications/read", anyone, s.markRead)
	v1.Post("/notifications/:id/read", anyone, s.markRead)

	// The remote codec the Temporal UI decodes payloads through. It reveals
	// personal data, so it wants an officer's token unless configured off
	// for local use. (The CORS middleware answers preflights itself.)
	if s.codec != nil {
		codec := app.Group("/codec", s.codecCORS())
		if s.cfg.Codec.EndpointAuth == "token" {
			codec.Use(s.authenticate, officers)
		}
		handler := adaptor.HTTPHandler(converter.NewPayloadCodecHTTPHandler(s.codec))
		codec.Post("/encode", handler)
		codec.Post("/decode", handler)
	}

	// The client portal: no account, the link's token is the credential.
	portal := app.Group("/portal", s.portalRateLimit())
	portal.Get("/r/:token", s.portalPage)
	portal.Post("/r/:token", s.portalSubmitForm)
	portal.Get("/api/r/:token", s.portalJSON)
	portal.Post("/api/r/:token/submit", s.portalSubmitJSON)
	portal.Post("/api/r/:token/documents", s.portalUploadJSON)

	s.dashboardRoutes(app, anyone, officers, admins)
}

// codecCORS lets the Temporal UI, on its own origin, call the codec.
func (s *Server) codecCORS() fiber.Handler {
	origin := s.cfg.Temporal.UIURL
	if u, err := url.Parse(origin); err == nil {
		origin = u.Scheme + "://" + u.Host
	}
	return cors.New(cors.Config{
		AllowOrigins:     origin,
		AllowMethods:     "POST,OPTIONS",
		AllowHeaders:     "Content-Type,X-Namespace,Authorization",
		AllowCredentials: true,
	})
}

// portalRateLimit bounds portal requests per client address, so tokens
// cannot be guessed at speed and one client cannot flood the workflows.
func (s *Server) portalRateLimit() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        s.cfg.Portal.RateLimit,
		Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string {
			return s.clientIP(c)
		},
		LimitReached: func(c *fiber.Ctx) error {
			err := apiError(fiber.StatusTooManyRequests, codeRateLimited, "too many requests; try again in a minute")
			if strings.HasPrefix(c.Path(), "/portal/r/") {
				return s.portalErrorPage(c, err)
			}
			return err
		},
	})
}
