package api

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// The officers' workspace: server-rendered pages under /ui, signed in by
// an e-mailed single-use link and a session cookie. Every action a page
// takes runs the JSON API's own handler chain (formAction), so no rule
// has a second implementation (docs/ARCHITECTURE.md).

//go:embed templates/dashboard
var dashboardFiles embed.FS

const (
	sessionCookie = "caseflow_session"
	// preSessionCookie carries the CSRF token of the forms shown before
	// sign-in (double-submit: the cookie and the field must agree).
	preSessionCookie = "caseflow_presession"
	sessionKey       = "caseflow.session"
	sessionTokenKey  = "caseflow.sessionToken"
	formValuesKey    = "caseflow.form"
	csrfField        = "_csrf"
)

// dashboard holds the workspace's templates and its mail transport (the
// sign-in links go out from the API, not from a case workflow).
type dashboard struct {
	pages  map[string]*template.Template
	mailer activities.Mailer
}

func newDashboard(cfg config.Config, log *slog.Logger) *dashboard {
	funcs := template.FuncMap{
		"key":    func() string { return uuid.NewString() },
		"when":   when,
		"day":    day,
		"words":  words,
		"label":  contract.CheckLabel,
		"isoDay": isoDay,
		"deref": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
	}
	d := &dashboard{pages: map[string]*template.Template{}}
	entries, err := dashboardFiles.ReadDir("templates/dashboard")
	if err != nil {
		panic(err) // embedded at build time
	}
	for _, e := range entries {
		name, isPage := strings.CutSuffix(e.Name(), ".html")
		if !isPage || name == "layout" {
			continue
		}
		d.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(dashboardFiles,
			"templates/dashboard/layout.html", "templates/dashboard/"+e.Name()))
	}
	mailer, err := activities.NewMailer(cfg.Mail, log.With("component", "mail"))
	if err != nil {
		// Start-up validated the transport; without one no link can go.
		log.Error("mail transport unusable; sign-in links cannot be sent", "err", err)
	}
	d.mailer = mailer
	return d
}

func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if v != nil {
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	return ""
}

func day(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2 Jan 2006")
	case *time.Time:
		if v != nil {
			return v.UTC().Format("2 Jan 2006")
		}
	}
	return ""
}

func isoDay(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2006-01-02")
	case *time.Time:
		if v != nil {
			return v.UTC().Format("2006-01-02")
		}
	}
	return ""
}

// acronyms are put back in capitals once a code is in words. A Replacer
// is built once: building one for each of a page's hundreds of codes was
// most of the time a page took to render.
var acronyms = strings.NewReplacer("kyc", "KYC", "aml", "AML", "pep", "PEP")

// words shows a code as words: PENDING_REVIEW is "Pending review".
func words(code string) string {
	s := strings.ToLower(strings.ReplaceAll(code, "_", " "))
	s = acronyms.Replace(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// view is what every page's layout shows around the page's own Data.
type view struct {
	Title   string
	Nav     string
	User    *store.User
	CSRF    string
	Unread  int
	Notice  string
	Error   string
	Data    any
	IsAdmin bool
}

// dashboardHeaders are the portal's, with a policy that lets the pages
// load their one stylesheet and nothing else: no script at all. A path
// under /ui that names no page is a page too.
func (s *Server) dashboardHeaders(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy,
		"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	err := c.Next()
	var fe *fiber.Error
	if errors.As(err, &fe) && (fe.Code == http.StatusNotFound || fe.Code == http.StatusMethodNotAllowed) {
		return s.render(c, fe.Code, "error", view{Title: "There is no such page", Error: "This address names no page of caseflow."})
	}
	return err
}

// render shows a page with the status given.
func (s *Server) render(c *fiber.Ctx, status int, page string, v view) error {
	if u, ok := c.Locals(userKey).(store.User); ok {
		v.User = &u
		v.IsAdmin = u.Role == contract.RoleBankAdmin
		if sess, ok := c.Locals(sessionKey).(store.Session); ok {
			v.CSRF = sess.CSRFToken
		}
		unread, err := s.store.UnreadNotifications(c.UserContext(), u.ID)
		if err != nil {
			return err
		}
		v.Unread = unread
	}
	var b bytes.Buffer
	if err := s.dash.pages[page].ExecuteTemplate(&b, "layout", v); err != nil {
		return fmt.Errorf("render %s: %w", page, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(b.Bytes())
}

// pageError shows a failure as a page, with the status the API would answer.
func (s *Server) pageError(c *fiber.Ctx, err error) error {
	e := classify(err)
	if e.Status >= 500 {
		s.log.ErrorContext(c.UserContext(), "page failed", "path", c.Path(), "err", err, "requestId", requestID(c))
	}
	msg := e.Message
	if e.Status >= 500 && e.Status != http.StatusServiceUnavailable {
		msg = "Something went wrong on our side; please try again."
	}
	return s.render(c, e.Status, "error", view{Title: "Something was not right", Error: sentence(msg)})
}

// sentence starts a message with a capital and ends it with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// signedIn admits a request with a live session: the user is then the
// API's current user, for every handler the pages run. Without one, a page
// sends the browser to sign in.
func (s *Server) signedIn(c *fiber.Ctx) error {
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Redirect("/ui/sign-in", http.StatusSeeOther)
	}
	u, sess, err := s.store.SessionUser(c.UserContext(), token, s.cfg.Dashboard.SessionIdle)
	if errors.Is(err, store.ErrNotFound) {
		s.clearCookie(c, sessionCookie)
		return c.Redirect("/ui/sign-in?ended=1", http.StatusSeeOther)
	}
	if err != nil {
		return s.pageError(c, err)
	}
	c.Locals(userKey, u)
	c.Locals(sessionKey, sess)
	c.Locals(sessionTokenKey, token)
	return c.Next()
}

// checkCSRF refuses a form without the session's CSRF token: another site
// can make a signed-in browser post, but cannot read the token.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	sess, _ := c.Locals(sessionKey).(store.Session)
	if !sameSecret(c.FormValue(csrfField), sess.CSRFToken) {
		return s.render(c, http.StatusForbidden, "error", view{Title: "This form has expired",
			Error: "The form was not sent from this page of caseflow, or it has expired. Open the page again and resubmit."})
	}
	return c.Next()
}

func sameSecret(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// secureCookies reports whether cookies carry Secure: when officers reach
// caseflow over https, as configured or as this request came.
func (s *Server) secureCookies(c *fiber.Ctx) bool {
	return strings.HasPrefix(s.cfg.Dashboard.BaseURL, "https://") || c.Protocol() == "https"
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/ui", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.secureCookies(c), MaxAge: int(maxAge.Seconds())})
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/ui", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: s.secureCookies(c), MaxAge: -1, Expires: time.Unix(0, 0)})
}

// preSessionCSRF is the CSRF token of the forms shown before sign-in,
// from its cookie or new.
func (s *Server) preSessionCSRF(c *fiber.Ctx) string {
	if v := c.Cookies(preSessionCookie); len(v) == 36 {
		return v
	}
	v := uuid.NewString()
	s.setCookie(c, preSessionCookie, v, time.Hour)
	return v
}

func (s *Server) checkPreSessionCSRF(c *fiber.Ctx) error {
	if !sameSecret(c.FormValue(csrfField), c.Cookies(preSessionCookie)) {
		return s.render(c, http.StatusForbidden, "error", view{Title: "This form has expired",
			Error: "The form was not sent from this page of caseflow, or it has expired. Open the page again and resubmit."})
	}
	return c.Next()
}

// signInPage asks for an e-mail address.
func (s *Server) signInPage(c *fiber.Ctx) error {
	v := view{Title: "Sign in", CSRF: s.preSessionCSRF(c)}
	if c.Query("ended") != "" {
		v.Notice = "Your session has ended. Sign in again."
	}
	if c.Query("out") != "" {
		v.Notice = "You are signed out."
	}
	return s.render(c, http.StatusOK, "signin", v)
}

// signInSent is the answer to every request for a link, whoever asked:
// it never says whether the address has an account.
const signInSent = "If this address belongs to a caseflow user, a sign-in link is on its way. It works once, within %s."

// requestSignIn e-mails a sign-in link to a known, active user, within the
// per-address limit. The answer is the same in every case.
func (s *Server) requestSignIn(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	v := view{Title: "Check your e-mail", CSRF: s.preSessionCSRF(c),
		Notice: fmt.Sprintf(signInSent, s.cfg.Dashboard.SignInTTL)}
	if email == "" || len(email) > 254 || !strings.Contains(email, "@") {
		v.Title, v.Notice, v.Error = "Sign in", "", "Enter the e-mail address you use at work."
		return s.render(c, http.StatusUnprocessableEntity, "signin", v)
	}
	if err := s.sendSignInLink(c.UserContext(), email); err != nil {
		return s.pageError(c, err)
	}
	return s.render(c, http.StatusOK, "signin", v)
}

// sendSignInLink mails a link to the user with this address, if there is
// one, active, and the address has not asked too often.
func (s *Server) sendSignInLink(ctx context.Context, email string) error {
	n, err := s.store.RecordSignInRequest(ctx, email, time.Hour)
	if err != nil {
		return err
	}
	if n > s.cfg.Dashboard.SignInPerHour {
		s.log.WarnContext(ctx, "sign-in links: too many requests for one address; none sent", "requests", n)
		return nil
	}
	// The rest runs apart from the answer, so that how long it takes
	// (a known address costs a link and an e-mail) says nothing either.
	// Fiber reuses the request's memory once it has answered: a copy.
	email = strings.Clone(email)
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		u, err := s.store.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) || err == nil && !u.Active() {
			return
		}
		if err == nil {
			err = s.mailSignInLink(ctx, u, "Your caseflow sign-in link", "Here is your link to sign in to caseflow.")
		}
		if err != nil {
			s.log.ErrorContext(ctx, "sign-in link not sent", "err", err)
		}
	}()
	return nil
}

// mailSignInLink mints a link for u and mails it.
func (s *Server) mailSignInLink(ctx context.Context, u store.User, subject, intro string) error {
	if s.dash.mailer == nil {
		return errors.New("sign-in link: no mail transport")
	}
	token, err := s.store.CreateSignInLink(ctx, u.ID, s.cfg.Dashboard.SignInTTL)
	if err != nil {
		return err
	}
	link := strings.TrimRight(s.cfg.Dashboard.BaseURL, "/") + "/ui/sign-in/" + token
	text := fmt.Sprintf("Hello %s,\n\n%s\n\n%s\n\nThe link works once, within %s. If you did not ask for it, ignore this e-mail.\n",
		u.Name(), intro, link, s.cfg.Dashboard.SignInTTL)
	var html bytes.Buffer
	if err := signInMail.Execute(&html, map[string]string{"Name": u.Name(), "Intro": intro, "Link": link,
		"TTL": s.cfg.Dashboard.SignInTTL.String()}); err != nil {
		return err
	}
	return s.dash.mailer.Send(ctx, activities.Email{To: u.Email, Subject: subject, Text: text, HTML: html.String(),
		MessageID: uuid.NewString() + "@caseflow"})
}

var signInMail = template.Must(template.New("mail").Parse(`<p>Hello {{.Name}},</p><p>{{.Intro}}</p>` +
	`<p><a href="{{.Link}}">Sign in to caseflow</a></p><p>The link works once, within {{.TTL}}. If you did not ask for it, ignore this e-mail.</p>`))

// linkPage is where an e-mailed link lands: it asks before signing in, so
// that a mail scanner opening the link does not spend it.
func (s *Server) linkPage(c *fiber.Ctx) error {
	token := c.Params("token")
	u, err := s.store.SignInLinkUser(c.UserContext(), token)
	if errors.Is(err, store.ErrNotFound) {
		return s.render(c, http.StatusNotFound, "signin", view{Title: "Sign in", CSRF: s.preSessionCSRF(c),
			Error: "This sign-in link has been used or has expired. Ask for a new one."})
	}
	if err != nil {
		return s.pageError(c, err)
	}
	return s.render(c, http.StatusOK, "confirm", view{Title: "Sign in", CSRF: s.preSessionCSRF(c),
		Data: map[string]string{"Email": u.Email, "Token": token}})
}

// useLink spends the link and starts a session.
func (s *Server) useLink(c *fiber.Ctx) error {
	u, err := s.store.UseSignInLink(c.UserContext(), c.Params("token"))
	if errors.Is(err, store.ErrNotFound) {
		return s.render(c, http.StatusNotFound, "signin", view{Title: "Sign in", CSRF: s.preSessionCSRF(c),
			Error: "This sign-in link has been used or has expired. Ask for a new one."})
	}
	if err != nil {
		return s.pageError(c, err)
	}
	token, _, err := s.store.CreateSession(c.UserContext(), u.ID, s.cfg.Dashboard.SessionMax)
	if err != nil {
		return s.pageError(c, err)
	}
	s.setCookie(c, sessionCookie, token, s.cfg.Dashboard.SessionMax)
	s.clearCookie(c, preSessionCookie)
	return c.Redirect("/ui/cases", http.StatusSeeOther)
}

func (s *Server) signOut(c *fiber.Ctx) error {
	token, _ := c.Locals(sessionTokenKey).(string)
	if err := s.store.EndSession(c.UserContext(), token); err != nil {
		return s.pageError(c, err)
	}
	s.clearCookie(c, sessionCookie)
	return c.Redirect("/ui/sign-in?out=1", http.StatusSeeOther)
}

func (s *Server) stylesheet(c *fiber.Ctx) error {
	css, err := dashboardFiles.ReadFile("templates/dashboard/app.css")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	return c.Send(css)
}

// formValues are a posted form's fields.
func formValues(c *fiber.Ctx) url.Values {
	if f, ok := c.Locals(formValuesKey).(url.Values); ok {
		return f
	}
	f := url.Values{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { f.Add(string(k), string(v)) })
	c.Locals(formValuesKey, f)
	return f
}

// formAction runs the JSON API's handler chain (the handlers after it on
// the route) on a page's form: toJSON turns the form into the body that
// chain takes, the form's key (one per rendered form) becomes its
// Idempotency-Key, so a form sent twice acts once, and the API's answer
// becomes a page: done on success, failed with the API's message.
func (s *Server) formAction(toJSON func(c *fiber.Ctx, f url.Values) (any, error),
	done func(c *fiber.Ctx, f url.Values, data json.RawMessage) error,
	failed func(c *fiber.Ctx, f url.Values, status int, e *Error) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f := formValues(c)
		body, err := toJSON(c, f)
		if err != nil {
			e := classify(err)
			return failed(c, f, e.Status, e)
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return s.pageError(c, err)
		}
		c.Request().SetBody(raw)
		c.Request().Header.SetContentType(fiber.MIMEApplicationJSON)
		if key := f.Get("key"); key != "" {
			c.Request().Header.Set(idempotencyHeader, key)
		}
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				return herr
			}
		}
		status := c.Response().StatusCode()
		var env struct {
			Data  json.RawMessage `json:"data"`
			Error *Error          `json:"error"`
		}
		_ = json.Unmarshal(c.Response().Body(), &env)
		c.Response().ResetBody()
		c.Response().Header.Del("Idempotent-Replayed")
		// The same form sent again while the first is still at work: the
		// first will do what was asked.
		if status < 300 || env.Error != nil && env.Error.Code == "REQUEST_IN_PROGRESS" {
			return done(c, f, env.Data)
		}
		if env.Error == nil {
			env.Error = apiError(status, codeInternal, "internal error")
		}
		return failed(c, f, status, env.Error)
	}
}
