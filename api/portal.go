package api

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// The client portal: the page behind the link in a request e-mail, and its
// JSON twin. The token in the path is the client's only credential.

//go:embed templates/portal.html
var portalFiles embed.FS

func portalTemplate() *template.Template {
	funcs := template.FuncMap{
		"mb": func(n int64) int64 { return n >> 20 },
		"kb": func(n int64) int64 { return (n + 1023) >> 10 },
	}
	return template.Must(template.New("portal").Funcs(funcs).ParseFS(portalFiles, "templates/portal.html"))
}

// portalRequest is what a client sees of their request.
type portalRequest struct {
	CaseNumber  string       `json:"caseNumber"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	DueDate     *time.Time   `json:"dueDate"`
	Requested   []portalItem `json:"requested"`
	// Received tells the client what reached us: the files they (or an
	// officer for them) sent, oldest first.
	Received []portalDocument `json:"received"`
	// MaxFiles and MaxFileBytes are the upload limits, for the page.
	MaxFiles     int   `json:"maxFiles"`
	MaxFileBytes int64 `json:"maxFileBytes"`
}

// portalDocument is what a client sees of a file they sent.
type portalDocument struct {
	Name        string    `json:"name"`
	Item        string    `json:"item"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	ReceivedAt  time.Time `json:"receivedAt"`
}

type portalItem struct {
	CheckID string `json:"checkId"`
	Entity  string `json:"entity"`
	Type    string `json:"type"`
	Label   string `json:"label"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
}

type portalSubmission struct {
	CheckIDs []string `json:"checkIds"`
	Message  string   `json:"message"`
}

// portalHeaders keeps portal pages out of caches, referrers and frames:
// they carry personal data and a credential in their URL.
func portalHeaders(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	return c.Next()
}

// portalCase resolves the link's token: 404 when unknown, 410 once the
// request is revoked or the case closed.
func (s *Server) portalCase(c *fiber.Ctx) (store.Case, error) {
	token := c.Params("token")
	if len(token) != 43 {
		return store.Case{}, notFound("request")
	}
	t, err := s.store.PortalTokenCase(c.UserContext(), token)
	if errors.Is(err, store.ErrNotFound) {
		return store.Case{}, notFound("request")
	}
	if err != nil {
		return store.Case{}, err
	}
	row, err := s.store.GetCase(c.UserContext(), t.CaseID)
	if err != nil {
		return store.Case{}, err
	}
	switch {
	case t.RevokedAt.Valid || row.Status == string(contract.StatusRevoked):
		return store.Case{}, apiError(http.StatusGone, "REQUEST_REVOKED", "this request has been revoked")
	case ended(row):
		return store.Case{}, apiError(http.StatusGone, "REQUEST_CLOSED", "this request is closed")
	}
	return row, nil
}

// ended reports whether the case has reached a terminal status of its
// lifecycle: its request takes nothing more.
func ended(row store.Case) bool {
	life, ok := contract.LifecycleFor(contract.Family(row.Family))
	return ok && life.IsTerminal(contract.Status(row.Status))
}

func (s *Server) portalView(c *fiber.Ctx, row store.Case) (portalRequest, error) {
	entities, err := s.store.Entities(c.UserContext(), row.ID)
	if err != nil {
		return portalRequest{}, err
	}
	v := portalRequest{CaseNumber: row.CaseNumber, Title: row.Title, Description: row.Description, DueDate: utc(row.DueDate),
		Requested: []portalItem{}, Received: []portalDocument{}, MaxFiles: s.cfg.Documents.MaxFiles, MaxFileBytes: s.cfg.Documents.MaxFileBytes}
	docs, err := s.store.Documents(c.UserContext(), row.ID)
	if err != nil {
		return portalRequest{}, err
	}
	items := map[string]string{}
	for _, e := range entities {
		for _, ch := range e.Checks {
			items[ch.ID] = e.Name + ": " + contract.CheckLabel(ch.Type)
		}
	}
	for _, d := range docs {
		v.Received = append(v.Received, portalDocument{Name: d.Name, Item: items[d.CheckID], ContentType: d.ContentType,
			Size: d.Size, ReceivedAt: d.UploadedAt.UTC()})
	}
	if row.Status != string(contract.StatusOpen) {
		return v, nil // nothing is asked of the client
	}
	for _, e := range entities {
		for _, ch := range e.Checks {
			if ch.Requested() {
				v.Requested = append(v.Requested, portalItem{CheckID: ch.ID, Entity: e.Name, Type: ch.Type,
					Label: contract.CheckLabel(ch.Type), Status: ch.Status, Reason: ch.Reason})
			}
		}
	}
	return v, nil
}

func (s *Server) portalJSON(c *fiber.Ctx) error {
	row, err := s.portalCase(c)
	if err != nil {
		return err
	}
	v, err := s.portalView(c, row)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, v)
}

func (s *Server) portalSubmitJSON(c *fiber.Ctx) error {
	row, err := s.portalCase(c)
	if err != nil {
		return err
	}
	var req portalSubmission
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sub := contract.Submission{CheckIDs: req.CheckIDs, Message: req.Message}
	if err := s.checkValues(sub); err != nil {
		return err
	}
	if err := s.update(c, row.ID, contract.UpdateSubmit, sub, nil); err != nil {
		return err
	}
	v, err := s.portalView(c, row)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, v)
}

// portalUploadJSON takes files (and optionally a message and ticked
// items) as multipart/form-data: each file in a field file:<checkId>.
func (s *Server) portalUploadJSON(c *fiber.Ctx) error {
	row, err := s.portalCase(c)
	if err != nil {
		return err
	}
	up, err := s.readUpload(c, row.ID)
	if err != nil {
		return err
	}
	if err := s.submitUpload(c, row.ID, up, ""); err != nil {
		return err
	}
	v, err := s.portalView(c, row)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, v)
}

// pageData is what the portal page template shows.
type pageData struct {
	Heading string
	Notice  string
	Request *portalRequest
	// Accept is the file inputs' hint of the types taken (the server
	// decides from the content all the same).
	Accept string
}

func (s *Server) portalPage(c *fiber.Ctx) error {
	row, err := s.portalCase(c)
	if err != nil {
		return s.portalErrorPage(c, err)
	}
	v, err := s.portalView(c, row)
	if err != nil {
		return s.portalErrorPage(c, err)
	}
	return s.renderPortal(c, http.StatusOK, pageData{Heading: v.Title, Request: &v})
}

// portalSubmitForm takes the page's form: the ticked checks and a message.
func (s *Server) portalSubmitForm(c *fiber.Ctx) error {
	row, err := s.portalCase(c)
	if err != nil {
		return s.portalErrorPage(c, err)
	}
	// What the client must correct is shown above the form they filled in.
	again := func(status int, notice string) error {
		v, err := s.portalView(c, row)
		if err != nil {
			return s.portalErrorPage(c, err)
		}
		return s.renderPortal(c, status, pageData{Heading: v.Title, Request: &v, Notice: notice})
	}
	if streamsBody(c) {
		// The page's form: files for the items, and the items ticked.
		up, err := s.readUpload(c, row.ID)
		if err == nil {
			err = s.submitUpload(c, row.ID, up, "")
		}
		if e := classify(err); err != nil && e.Status < 500 && e.Status != http.StatusGone && e.Status != http.StatusTooManyRequests {
			return again(e.Status, "Nothing was sent: "+e.Message+".")
		}
		if err != nil {
			return s.portalErrorPage(c, err)
		}
		return again(http.StatusOK, fmt.Sprintf("Thank you: we have received what you sent (%s).", count(len(up.documents), "file")))
	}
	// A form without files (posted urlencoded, as before uploads).
	var ids []string
	for _, v := range c.Request().PostArgs().PeekMulti("checkId") {
		ids = append(ids, string(v))
	}
	if len(ids) == 0 {
		return again(http.StatusUnprocessableEntity, "Tick at least one item to send.")
	}
	sub := contract.Submission{CheckIDs: ids, Message: c.FormValue("message")}
	if err := s.checkValues(sub); err != nil {
		return again(http.StatusUnprocessableEntity, "Your message could not be taken: "+classify(err).Message+".")
	}
	if err := s.update(c, row.ID, contract.UpdateSubmit, sub, nil); err != nil {
		return s.portalErrorPage(c, err)
	}
	return again(http.StatusOK, "Thank you: we have received what you sent.")
}

// count says "1 file", "2 files".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// portalErrorPage shows a failure as a page a client understands, with
// the status an API would answer.
func (s *Server) portalErrorPage(c *fiber.Ctx, err error) error {
	e := classify(err)
	if e.Status >= 500 {
		s.log.ErrorContext(c.UserContext(), "portal request failed", "path", c.Route().Path, "err", err, "requestId", requestID(c))
	}
	heading := map[int]string{
		http.StatusNotFound:            "This link is not valid",
		http.StatusGone:                "This request is no longer open",
		http.StatusConflict:            "Nothing to send",
		http.StatusUnprocessableEntity: "Something was not right",
		http.StatusTooManyRequests:     "Too many attempts",
	}[e.Status]
	notice := e.Message
	switch e.Code {
	case "REQUEST_REVOKED":
		notice = "This request has been revoked. You do not need to send anything."
	case "REQUEST_CLOSED":
		notice = "This request is closed. You do not need to send anything."
	}
	if heading == "" {
		heading, notice = "Something went wrong", "Please try again later."
	}
	return s.renderPortal(c, e.Status, pageData{Heading: heading, Notice: strings.ToUpper(notice[:1]) + notice[1:]})
}

func (s *Server) renderPortal(c *fiber.Ctx, status int, d pageData) error {
	d.Accept = strings.Join(s.cfg.Documents.Types, ",")
	var b bytes.Buffer
	if err := s.portal.ExecuteTemplate(&b, "page", d); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(b.Bytes())
}
