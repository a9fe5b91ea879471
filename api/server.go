// Package api is caseflow's HTTP API: it starts case workflows and sends
// them updates and queries, and reads lists and details from the Postgres
// projection. It never writes case state itself.
package api

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// Server holds what the handlers need.
type Server struct {
	cfg     config.Config
	store   *store.Store
	cases   *temporalclient.Cases
	log     *slog.Logger
	portal  *template.Template
	codec   *temporalclient.Codec
	metrics *Metrics
	docs    *documents.Store
	// trustedProxies name the client in X-Forwarded-For (clientip.go).
	trustedProxies []netip.Prefix
	// authFailures counts bad bearer tokens by client address.
	authFailures *authFailures
	// dash is the officers' workspace (dashboard.go).
	dash *dashboard
}

// Option adjusts the server New builds.
type Option func(*Server)

// WithMetrics shares a metrics registry (the one the Temporal client
// reports into) with the API's /metrics.
func WithMetrics(m *Metrics) Option { return func(s *Server) { s.metrics = m } }

// WithLocalWorker says a worker of this process polls the cases' task
// queue with the API's Temporal client and tells written of its
// projection writes (caseflow serve): new cases start on it eagerly,
// sparing their first task the wait for a poll, and are answered as that
// task wrote them.
func WithLocalWorker(written *temporalclient.FirstWrites) Option {
	return func(s *Server) { s.cases.StartEagerly(written) }
}

// WithDocuments gives the API its document store; without one, uploads
// and downloads answer 503.
func WithDocuments(d *documents.Store) Option { return func(s *Server) { s.docs = d } }

// New builds the Fiber app with every route.
func New(cfg config.Config, s *store.Store, tc client.Client, log *slog.Logger, opts ...Option) *fiber.App {
	codec, err := temporalclient.CodecFromConfig(cfg.Codec.Keys, cfg.Codec.ActiveKey)
	if err != nil {
		// Start-up parses the same keys first and stops on this error.
		log.Error("codec keys unusable; /codec disabled", "err", err)
	}
	srv := &Server{cfg: cfg, store: s, cases: caseClient(cfg, tc), log: log, portal: portalTemplate(), codec: codec,
		authFailures: newAuthFailures(cfg.HTTP.AuthFailuresPerMinute, time.Minute), dash: newDashboard(cfg, log)}
	// The configuration is validated when loaded; a list it let through
	// cannot fail here.
	srv.trustedProxies, _ = parseTrustedProxies(cfg.HTTP.TrustedProxies)
	for _, o := range opts {
		o(srv)
	}
	if srv.metrics == nil {
		srv.metrics = NewMetrics()
	}
	app := fiber.New(fiber.Config{
		AppName: "caseflow",
		// fasthttp answers a body over its own limit by closing the
		// connection with the body unread, and the client, still sending,
		// sees a reset instead of the 413. So it streams bodies, and
		// limitBody reads them. Streaming, BodyLimit only shapes fasthttp's
		// first read of a body: within it, that read stops at the body's end.
		StreamRequestBody: true,
		BodyLimit:         discardLimit(cfg.HTTP.BodyLimit),
		// Would read a multipart body whole, before limitBody sees it.
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 errorHandler(log),
		DisableStartupMessage:        true,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 30 * time.Second,
		IdleTimeout:                  2 * time.Minute,
	})
	app.Use(recover.New())
	app.Use(requestIDs)
	app.Use(secureHeaders)
	app.Use(srv.accessLog)
	app.Use(srv.metrics.observe)
	// Before the body limit, so that even a refused portal request is
	// never cached.
	app.Use("/portal", portalHeaders)
	app.Use(limitBody(cfg.HTTP.BodyLimit))
	srv.routes(app)
	return app
}

// secureHeaders keeps every answer out of shared and browser caches (they
// carry personal data and are per caller) and stops browsers from sniffing
// a JSON or text answer into something they would render or run. Set
// before any handler runs, so that errors carry them too.
func secureHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Next()
}

// discardLimit bounds how much of a body over the limit is read and thrown
// away, so that a client that writes its whole body before reading the
// answer, as most do, gets its 413. A larger body has its connection cut.
func discardLimit(limit int) int { return max(64<<20, limit) }

// limitBody reads the request body before any handler asks for it (they
// and the idempotency middleware use c.Body()): whole when within limit
// bytes; otherwise it is read off the wire and discarded, and answered
// 413 on a connection then closed. Nothing over the limit is held in
// memory.
func limitBody(limit int) fiber.Handler {
	discard := int64(discardLimit(limit))
	return func(c *fiber.Ctx) error {
		stream := c.Context().RequestBodyStream()
		if stream == nil {
			return c.Next()
		}
		if streamsBody(c) {
			// An upload's handler reads its stream, file by file, within
			// the document limits (documents.go). Whatever it leaves
			// unread (a refusal before the body, a file over the limit)
			// must not be read as the connection's next request: an
			// upload's connection always closes after its answer.
			c.Context().SetConnectionClose()
			return c.Next()
		}
		var body []byte
		declared := c.Request().Header.ContentLength() // -1 when chunked
		if declared <= limit {
			var err error
			body, err = io.ReadAll(io.LimitReader(stream, int64(limit)+1))
			if err != nil {
				c.Set(fiber.HeaderConnection, "close")
				return apiError(http.StatusBadRequest, codeMalformed, "the request body could not be read")
			}
		}
		if declared > limit || len(body) > limit {
			// A body declared past the bound ends in a reset however much
			// of it is read, so none is.
			if int64(declared) <= discard {
				_, _ = io.CopyN(io.Discard, stream, discard)
			}
			c.Set(fiber.HeaderConnection, "close")
			return apiError(http.StatusRequestEntityTooLarge, codeTooLarge, "request body is over %d bytes", limit)
		}
		body, err := uncompressBody(c, body, limit)
		if err != nil {
			return err
		}
		c.Request().SetBodyRaw(body)
		return c.Next()
	}
}

// uncompressBody undoes a Content-Encoding, as c.Body() would on every call,
// but stops past limit decoded bytes: a compressed body within the limit
// can expand a thousandfold, more when encoded twice. The header goes with
// it, so that nothing decodes the body again.
func uncompressBody(c *fiber.Ctx, body []byte, limit int) ([]byte, error) {
	header := c.Get(fiber.HeaderContentEncoding)
	if header == "" {
		return body, nil
	}
	codings := strings.Split(header, ",")
	// Undone in the reverse of the order they were applied and listed in.
	for i := len(codings) - 1; i >= 0; i-- {
		out := &cappedBuffer{max: limit}
		var err error
		switch coding := strings.ToLower(strings.TrimSpace(codings[i])); coding {
		case "identity":
			continue
		case "gzip", "x-gzip":
			_, err = fasthttp.WriteGunzip(out, body)
		case "deflate":
			_, err = fasthttp.WriteInflate(out, body)
		case "br":
			_, err = fasthttp.WriteUnbrotli(out, body)
		default:
			return nil, apiError(http.StatusBadRequest, codeMalformed, "unsupported Content-Encoding %q; send gzip, deflate, br or none", coding)
		}
		if errors.Is(err, errOverLimit) {
			return nil, apiError(http.StatusRequestEntityTooLarge, codeTooLarge, "request body is over %d bytes once decoded", limit)
		}
		if err != nil {
			return nil, apiError(http.StatusBadRequest, codeMalformed, "the request body does not decode as its Content-Encoding says")
		}
		body = out.Bytes()
	}
	c.Request().Header.Del(fiber.HeaderContentEncoding)
	return body, nil
}

var errOverLimit = errors.New("over the limit")

// cappedBuffer takes up to max bytes, and fails the write that would pass
// them.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errOverLimit
	}
	return b.Buffer.Write(p)
}

// NewOps builds the app a worker-only process serves: health, readiness
// and metrics, nothing else.
func NewOps(cfg config.Config, s *store.Store, tc client.Client, log *slog.Logger, m *Metrics) *fiber.App {
	srv := &Server{cfg: cfg, store: s, cases: caseClient(cfg, tc), log: log, metrics: m}
	app := fiber.New(fiber.Config{AppName: "caseflow worker", ErrorHandler: errorHandler(log), DisableStartupMessage: true})
	app.Use(recover.New(), requestIDs, secureHeaders)
	app.Get("/healthz", srv.healthz)
	app.Get("/readyz", srv.readyz)
	app.Get("/metrics", m.handler())
	return app
}

func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = classify(err).Status
	}
	s.log.InfoContext(c.UserContext(), "request", "method", c.Method(), "path", c.Path(),
		"status", status, "duration", time.Since(start), "requestId", requestID(c))
	return err
}

const (
	requestIDKey = "caseflow.requestId"
	maxRequestID = 64
)

// requestIDs gives every request an ID for its answer and its log lines.
// A caller's X-Request-ID is kept only when short and plain: it is echoed
// and logged, where a long one could flood the log and an odd one forge or
// break its lines.
func requestIDs(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !plainRequestID(id) {
		id = uuid.NewString()
	}
	c.Set(fiber.HeaderXRequestID, id)
	c.Locals(requestIDKey, id)
	return c.Next()
}

func plainRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)
		if !ok {
			return false
		}
	}
	return true
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// caseClient is the typed client of the configured task queue's cases.
func caseClient(cfg config.Config, tc client.Client) *temporalclient.Cases {
	return temporalclient.NewCases(tc, cfg.Temporal.TaskQueue, cfg.Temporal.CaseflowURL)
}

// temporalCtx bounds a call to Temporal so an outage answers 503 instead
// of holding the client.
func (s *Server) temporalCtx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.cfg.Temporal.CallTimeout)
}

func (s *Server) healthz(c *fiber.Ctx) error {
	return ok(c, fiber.StatusOK, fiber.Map{"status": "ok"})
}

// readyz reports whether both Postgres and Temporal answer. It is
// anonymous, so it names what is down and nothing more: the errors, with
// addresses and driver messages, go to the log.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{"postgres": "ok", "temporal": "ok"}
	ready := true
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready: postgres", "err", err, "requestId", requestID(c))
		checks["postgres"], ready = "unavailable", false
	}
	if err := s.cases.CheckHealth(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready: temporal", "err", err, "requestId", requestID(c))
		checks["temporal"], ready = "unavailable", false
	}
	if !ready {
		return c.Status(fiber.StatusServiceUnavailable).JSON(envelope{Success: false, Data: checks,
			Error: apiError(fiber.StatusServiceUnavailable, codeUnavailable, "not ready")})
	}
	return ok(c, fiber.StatusOK, checks)
}
