package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/contract"
)

var signInLink = regexp.MustCompile(`https?://[^\s/]+(/ui/sign-in/[A-Za-z0-9_-]{43})`)

// officerBrowser is a Chromium tab that records every console message, so
// that a test can require there were no errors on any page it opened.
type officerBrowser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
	// expected are URLs the test means to answer with an error status:
	// Chromium logs each such answer.
	expected []string
}

// expect says that loading url is meant to fail (a spent link, a refused form).
func (b *officerBrowser) expect(url string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expected = append(b.expected, url)
}

func newOfficerBrowser(t *testing.T) *officerBrowser {
	t.Helper()
	b := &officerBrowser{ctx: browser(t)}
	messages := chromedp.Console(b.ctx)
	_, err := chromedp.Call(b.ctx, log.Enable, cdp.Empty{})
	require.NoError(t, err)
	_, err = chromedp.Call(b.ctx, runtime.Enable, cdp.Empty{})
	require.NoError(t, err)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				b.mu.Lock()
				if !(m.Source == "network" && slices.Contains(b.expected, m.URL)) {
					b.problems = append(b.problems, m.String()+" ("+m.URL+")")
				}
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		// Messages arrive on their own goroutine; give the last a moment.
		time.Sleep(200 * time.Millisecond)
		b.mu.Lock()
		defer b.mu.Unlock()
		require.Empty(t, b.problems, "console errors on the workspace's pages")
	})
	return b
}

func (b *officerBrowser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(b.ctx, actions...))
}

func (b *officerBrowser) text(t *testing.T, selector string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(selector)))
	require.NoError(t, err)
	return strings.TrimSpace(v)
}

// open loads a workspace page and waits for its heading.
func (b *officerBrowser) open(t *testing.T, h *harness, path string) {
	t.Helper()
	b.do(t, chromedp.Navigate(h.baseURL+path), chromedp.WaitVisible(chromedp.CSS(`h1`)))
}

// submit clicks a form's button and waits for the next page's heading.
func (b *officerBrowser) submit(t *testing.T, button string) {
	t.Helper()
	// Marks this document, to tell the page the click leads to from it.
	_, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.caseflowOld = true`))
	require.NoError(t, err)
	b.do(t, chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
	require.Eventually(t, func() bool {
		old, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.caseflowOld === true && document.readyState === "complete"`))
		return err == nil && !old
	}, 20*time.Second, 50*time.Millisecond, "the form at %s leads to a new page", button)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`main h1`)))
}

// signIn asks for a link as the user would, reads it from the mail sink,
// opens it and confirms.
func (b *officerBrowser) signIn(t *testing.T, h *harness, email string) {
	t.Helper()
	before := len(h.mail.To(email))
	b.open(t, h, "/ui/sign-in")
	b.do(t, chromedp.SendKeys(chromedp.CSS(`#email`), email))
	b.submit(t, `form button[type=submit]`)
	require.Contains(t, b.text(t, `p.notice`), "a sign-in link is on its way")
	b.do(t, chromedp.Navigate(h.baseURL+waitForSignInLink(t, h, email, before)),
		chromedp.WaitVisible(chromedp.CSS(`main button[type=submit]`)))
	b.submit(t, `main button[type=submit]`)
	require.Equal(t, "Cases", b.text(t, `main h1`))
}

// waitForSignInLink waits for a sign-in link among the e-mails to email
// after the first before (other e-mails may come between).
func waitForSignInLink(t *testing.T, h *harness, email string, before int) string {
	t.Helper()
	var link string
	require.Eventually(t, func() bool {
		for _, m := range h.mail.To(email)[before:] {
			if match := signInLink.FindStringSubmatch(m.Text); match != nil {
				link = match[1]
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "a sign-in link to %s", email)
	return link
}

// An officer signs in from the e-mailed link: a session cookie that
// scripts cannot read and other sites do not send with their posts. The
// link signs in once; signing out ends the session.
func TestDashboardSignIn(t *testing.T) {
	h := suite(t)
	officer := h.users[contract.RoleComplianceOfficer]
	b := newOfficerBrowser(t)

	b.open(t, h, "/ui/cases")
	require.Equal(t, "Sign in", b.text(t, `main h1`), "no session: the sign-in page")
	b.shoot(t, "dashboard-sign-in")

	// By keyboard alone: the skip link, then the address, then Enter.
	before := len(h.mail.To(officer.Email))
	b.do(t, chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.activeElement.textContent`))
	require.NoError(t, err)
	require.Equal(t, "Skip to content", focused)
	b.do(t, chromedp.KeyEvent("\t"))
	focused, err = chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	require.NoError(t, err)
	require.Equal(t, "email", focused)
	_, err = chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.caseflowOld = true`))
	require.NoError(t, err)
	b.do(t, chromedp.KeyEvent(officer.Email), chromedp.KeyEvent("\r"))
	require.Eventually(t, func() bool {
		old, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.caseflowOld === true`))
		return err == nil && !old
	}, 20*time.Second, 50*time.Millisecond, "Enter sends the form")
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	link := waitForSignInLink(t, h, officer.Email, before)
	b.do(t, chromedp.Navigate(h.baseURL+link), chromedp.WaitVisible(chromedp.CSS(`main button[type=submit]`)))
	require.Contains(t, b.text(t, `main`), officer.Email)
	b.shoot(t, "dashboard-sign-in-confirm")
	b.submit(t, `main button[type=submit]`)
	require.Equal(t, "Cases", b.text(t, `main h1`))
	b.shoot(t, "dashboard-cases")

	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{h.baseURL + "/ui/cases"}})
	require.NoError(t, err)
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "caseflow_session" {
			session = c
		}
	}
	require.NotNil(t, session)
	require.True(t, session.HTTPOnly)
	require.Equal(t, network.CookieSameSiteLax, session.SameSite)
	require.Equal(t, "/ui", session.Path)
	require.False(t, session.Secure, "served over plain http in the test")

	// The link is spent.
	b.expect(h.baseURL + link)
	b.do(t, chromedp.Navigate(h.baseURL+link), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	require.Contains(t, b.text(t, `p.error`), "has been used or has expired")

	b.open(t, h, "/ui/cases")
	b.submit(t, `form.signout button`)
	require.Contains(t, b.text(t, `p.notice`), "You are signed out")
	b.open(t, h, "/ui/cases")
	require.Equal(t, "Sign in", b.text(t, `main h1`), "signed out: the session is over")
}

// uiClient is a browser without a browser: cookies, no redirects followed,
// every exchange checked against api/openapi.yaml.
type uiClient struct {
	h      *harness
	client *http.Client
}

func newUIClient(t *testing.T, h *harness) *uiClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &uiClient{h: h, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (u *uiClient) send(t *testing.T, method, path string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var raw []byte
	var body io.Reader
	if form != nil {
		raw = []byte(form.Encode())
		body = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, u.h.baseURL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := u.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	conform(t, req, raw, res.StatusCode, res.Header, b)
	return res.StatusCode, res.Header, string(b)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	require.NotNil(t, m, "a CSRF field in the page")
	return m[1]
}

// askLink asks for a sign-in link for email and returns the page's notice.
func (u *uiClient) askLink(t *testing.T, email string) string {
	t.Helper()
	_, _, page := u.send(t, http.MethodGet, "/ui/sign-in", nil)
	status, _, page := u.send(t, http.MethodPost, "/ui/sign-in", url.Values{"_csrf": {csrfOf(t, page)}, "email": {email}})
	require.Equal(t, http.StatusOK, status, page)
	return page
}

// signIn signs the client in as email, by a link minted as the e-mailed
// ones are (the browser tests read theirs from the mail; a link each time
// would pass the per-address limit).
func (u *uiClient) signIn(t *testing.T, email string) {
	t.Helper()
	user, err := u.h.store.UserByEmail(t.Context(), email)
	require.NoError(t, err)
	token, err := u.h.store.CreateSignInLink(t.Context(), user.ID, time.Minute)
	require.NoError(t, err)
	link := "/ui/sign-in/" + token
	status, _, page := u.send(t, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, status, page)
	status, header, page := u.send(t, http.MethodPost, link, url.Values{"_csrf": {csrfOf(t, page)}})
	require.Equal(t, http.StatusSeeOther, status, page)
	require.Equal(t, "/ui/cases", header.Get("Location"))
}

// The rules of signing in: the answer never tells a known address from an
// unknown one, an address gets so many links an hour, a form without its
// CSRF token is refused, and deactivating a user ends their session.
func TestDashboardSignInRules(t *testing.T) {
	h := suite(t)
	u := newUIClient(t, h)

	known := u.askLink(t, h.users[contract.RoleAnalyst].Email)
	unknown := u.askLink(t, "nobody-"+strings.ToLower(t.Name())+"@example.com")
	require.Equal(t, known, unknown, "the same page for a known and an unknown address")
	time.Sleep(300 * time.Millisecond)
	require.Empty(t, h.mail.To("nobody-"+strings.ToLower(t.Name())+"@example.com"))

	// Rate-limited per address: past the limit, no more links go out.
	r := h.do(t, contract.RoleBankAdmin, http.MethodPost, "/users", map[string]string{
		"email": "rita.ratelimit@example.com", "role": "ANALYST", "firstName": "Rita", "lastName": "Limit"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	for range h.cfg.Dashboard.SignInPerHour + 2 {
		u.askLink(t, "Rita.Ratelimit@example.com")
	}
	h.waitForMail(t, "rita.ratelimit@example.com", h.cfg.Dashboard.SignInPerHour)
	time.Sleep(300 * time.Millisecond)
	require.Len(t, h.mail.To("rita.ratelimit@example.com"), h.cfg.Dashboard.SignInPerHour)

	// A path that names no page answers with a page.
	res, err := http.Get(h.baseURL + "/ui/no-such-page")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "text/html")
	require.Contains(t, string(body), "There is no such page")

	// A form without the CSRF token: refused, before anything is done.
	status, _, page := u.send(t, http.MethodPost, "/ui/sign-in", url.Values{"email": {"ada.admin@example.com"}})
	require.Equal(t, http.StatusForbidden, status, page)
	require.Contains(t, page, "This form has expired")

	// Deactivated: the session ends at once.
	r = h.do(t, contract.RoleBankAdmin, http.MethodPost, "/users", map[string]string{
		"email": "dee.deactivated@example.com", "role": "COMPLIANCE_OFFICER", "firstName": "Dee", "lastName": "Actived"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	dee := decode[struct {
		ID string `json:"id"`
	}](t, r)
	u.signIn(t, "dee.deactivated@example.com")
	status, _, page = u.send(t, http.MethodGet, "/ui/cases", nil)
	require.Equal(t, http.StatusOK, status, page)
	signedIn := csrfOf(t, page)
	status, _, page = u.send(t, http.MethodPost, "/ui/sign-out", url.Values{"_csrf": {"not-the-token"}})
	require.Equal(t, http.StatusForbidden, status, "a wrong CSRF token is refused too: %s", page)
	r = h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/users/"+dee.ID, map[string]any{"active": false})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	status, header, _ := u.send(t, http.MethodGet, "/ui/cases", nil)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/ui/sign-in?ended=1", header.Get("Location"))
	status, _, _ = u.send(t, http.MethodPost, "/ui/sign-out", url.Values{"_csrf": {signedIn}})
	require.Equal(t, http.StatusSeeOther, status, "to the sign-in page: there is no session to end")
}

// shoot saves the page at a desktop's width and a phone's.
func (b *officerBrowser) shoot(t *testing.T, name string) {
	t.Helper()
	// Each page shown is held to the basics: one heading, and a label
	// for every control a keyboard reaches.
	require.Equal(t, 1, countNodes(t, b.ctx, `h1`), "%s: one h1", name)
	unlabelled, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(
		'input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML)`))
	require.NoError(t, err)
	require.Empty(t, unlabelled, "%s: controls without a label", name)
	first, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => { const f = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')][0]; return f ? f.className + ":" + f.textContent : "" })()`))
	require.NoError(t, err)
	require.Equal(t, "skip:Skip to content", first, "%s: the keyboard's first stop skips to the content", name)
	b.do(t, chromedp.EmulateViewport(390, 844))
	wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	require.NoError(t, err)
	require.LessOrEqual(t, wide, 390, "%s: a phone's width holds the page, without scrolling sideways", name)
	screenshot(t, b.ctx, name+"-390")
	b.do(t, chromedp.EmulateViewport(1280, 900))
	screenshot(t, b.ctx, name)
}

// offered lists the statuses the case page offers to move to.
func (b *officerBrowser) offered(t *testing.T) []string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('form.status input[name=status]')].map(i => i.value)`))
	require.NoError(t, err)
	return v
}

// formIn reads the hidden fields of the form posting to action in page.
func formIn(t *testing.T, page, action string) url.Values {
	t.Helper()
	start := strings.Index(page, `action="`+action+`"`)
	require.GreaterOrEqual(t, start, 0, "a form posting to %s", action)
	end := strings.Index(page[start:], "</form>")
	f := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page[start:start+end], -1) {
		f.Set(m[1], m[2])
	}
	return f
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// An investigation walked through its lifecycle from its page: claimed,
// noted, moved one step at a time with the resolution notes it asks for,
// never offered a status the lifecycle skips, to CLOSED. Its title holds
// markup, shown as text. A form shown before the case changed is refused
// with a message; a form sent twice acts once.
func TestDashboardInvestigation(t *testing.T) {
	h := suite(t)
	officer := h.users[contract.RoleComplianceOfficer]
	body := investigation("Ivy Investigated")
	body["title"] = `<script>alert("owned")</script> Structuring <b>4411</b>`
	created := h.createCase(t, contract.RoleAnalyst, body)

	b := newOfficerBrowser(t)
	b.signIn(t, h, officer.Email)
	b.open(t, h, "/ui/cases/"+created.ID)
	require.Equal(t, body["title"], b.text(t, `main h1`), "the title is text, not markup")
	require.Zero(t, countNodes(t, b.ctx, `script`), "no script on the page, the title's included")
	require.Zero(t, countNodes(t, b.ctx, `main h1 b`))
	require.Equal(t, []string{"IN_PROGRESS"}, b.offered(t))
	require.Contains(t, b.text(t, `main`), "Nine cash deposits just under the reporting threshold.")
	b.shoot(t, "dashboard-investigation-open")

	b.submit(t, `form[action$="/claim"] button`)
	require.Contains(t, b.text(t, `p.notice`), "The case is now yours.")
	b.do(t, chromedp.SendKeys(chromedp.CSS(`#content`), "Called the branch: deposits by one person."))
	b.submit(t, `form[action$="/notes"] button`)
	require.Contains(t, b.text(t, `ol.timeline`), "Olivia Example")
	require.Contains(t, b.text(t, `ol.timeline`), "Called the branch")

	// One step at a time: what the page offers is the lifecycle's next
	// statuses, never one it skips (CLOSED only once resolved).
	walk := []struct {
		to    string
		offer []string
		note  string
	}{
		{"IN_PROGRESS", []string{"IN_PROGRESS"}, ""},
		{"PENDING_REVIEW", []string{"PENDING_REVIEW"}, ""},
		{"ESCALATED", []string{"ESCALATED", "RESOLVED_TRUE_POSITIVE", "RESOLVED_FALSE_POSITIVE", "IN_PROGRESS"}, ""},
		{"RESOLVED_FALSE_POSITIVE", []string{"RESOLVED_TRUE_POSITIVE", "RESOLVED_FALSE_POSITIVE", "IN_PROGRESS"}, "Salary paid in cash; documented."},
		{"CLOSED", []string{"CLOSED"}, "Closed after review."},
	}
	for _, step := range walk {
		require.Equal(t, step.offer, b.offered(t), "offered before %s", step.to)
		form := `form.status:has(input[name=status][value="` + step.to + `"])`
		if step.note != "" {
			b.do(t, chromedp.SendKeys(chromedp.CSS(form+` textarea`), step.note))
		}
		if step.to == "PENDING_REVIEW" {
			b.shoot(t, "dashboard-investigation-in-progress")
		}
		if step.to == "ESCALATED" {
			// Escalated with an assignee: to a second officer.
			b.do(t, chromedp.SetValue(chromedp.CSS(`#escalate-to`), h.officer2.ID))
		}
		b.submit(t, form+` button`)
		require.Contains(t, b.text(t, `p.notice`), "The status has changed.", "to %s", step.to)
	}
	require.Empty(t, b.offered(t), "CLOSED ends the case")
	require.Zero(t, countNodes(t, b.ctx, `form[action$="/notes"]`))
	b.shoot(t, "dashboard-investigation-closed")
	got := decode[caseOut](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+created.ID, nil))
	require.Equal(t, "CLOSED", got.Status)
	require.Equal(t, "Closed after review.", *got.ResolutionNote)
	require.Equal(t, h.officer2.ID, *got.AssignedTo, "escalated to the second officer")
}

// A form shown before the case changed acts on nothing and says why; the
// same form sent twice acts once.
func TestDashboardStaleAndRepeatedForms(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, investigation("Sam Stale"))
	u := newUIClient(t, h)
	u.signIn(t, h.users[contract.RoleComplianceOfficer].Email)
	_, _, page := u.send(t, http.MethodGet, "/ui/cases/"+c.ID, nil)

	// The same note form, twice: one note.
	note := formIn(t, page, "/ui/cases/"+c.ID+"/notes")
	note.Set("content", "Only once, however often it is sent.")
	for range 2 {
		status, header, body := u.send(t, http.MethodPost, "/ui/cases/"+c.ID+"/notes", note)
		require.Equal(t, http.StatusSeeOther, status, body)
		require.Equal(t, "/ui/cases/"+c.ID+"?done=note", header.Get("Location"))
	}
	got := decode[caseOut](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil))
	notes := 0
	for _, e := range got.Timeline {
		if strings.Contains(e.Description, "Only once") || e.EventType == "NOTE_ADDED" {
			notes++
		}
	}
	require.Equal(t, 1, notes, "%+v", got.Timeline)

	// A note changes nothing a form acts on; an assignment does. The
	// status form of the page shown before it does nothing, and says why.
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/claim", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	move := formIn(t, page, "/ui/cases/"+c.ID+"/status")
	move.Set("status", "IN_PROGRESS")
	status, _, body := u.send(t, http.MethodPost, "/ui/cases/"+c.ID+"/status", move)
	require.Equal(t, http.StatusConflict, status, body)
	require.Contains(t, body, "This case changed while your form was open")
	require.Equal(t, "OPEN", decode[caseOut](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil)).Status)

	// A form without its CSRF token: refused, nothing done.
	_, _, page = u.send(t, http.MethodGet, "/ui/cases/"+c.ID, nil)
	move = formIn(t, page, "/ui/cases/"+c.ID+"/status")
	move.Del("_csrf")
	status, _, body = u.send(t, http.MethodPost, "/ui/cases/"+c.ID+"/status", move)
	require.Equal(t, http.StatusForbidden, status, body)
	require.Equal(t, "OPEN", decode[caseOut](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil)).Status)
	// With it, the same form goes through.
	move = formIn(t, page, "/ui/cases/"+c.ID+"/status")
	status, _, body = u.send(t, http.MethodPost, "/ui/cases/"+c.ID+"/status", move)
	require.Equal(t, http.StatusSeeOther, status, body)
	require.Equal(t, "IN_PROGRESS", decode[caseOut](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil)).Status)
}

// The user guide's request, in a browser: Create Case (an Identity
// Verification for a new client), Save Changes, edit the draft, Send
// Request; the client answers through the portal; the officer reads the
// documents, rejects the proof of address with a reason, the client
// answers again, the officer approves and the case approves itself.
func TestDashboardIdentityVerification(t *testing.T) {
	h := suite(t)
	officer := h.users[contract.RoleComplianceOfficer]
	email := "nora.newclient-" + uuid.NewString()[:8] + "@example.com"
	firstDue, due := time.Now().AddDate(0, 0, 10).Format("2006-01-02"), time.Now().AddDate(0, 0, 14).Format("2006-01-02")

	b := newOfficerBrowser(t)
	b.signIn(t, h, officer.Email)
	b.submit(t, `main a[href="/ui/cases/new"]`)
	require.Equal(t, "Create Case", b.text(t, `main h1`))
	b.do(t,
		chromedp.SetValue(chromedp.CSS(`#type`), "IDENTITY_VERIFICATION"),
		chromedp.SendKeys(chromedp.CSS(`#clientEmail`), email),
		chromedp.SendKeys(chromedp.CSS(`#entityName`), "Nora Newclient"))
	b.shoot(t, "dashboard-create-step-1")
	b.submit(t, `main form button[type=submit]`)
	require.Equal(t, "2. What is requested", b.text(t, `[aria-current=step]`))
	b.do(t,
		chromedp.SendKeys(chromedp.CSS(`#description`), "Your passport."),
		chromedp.SetValue(chromedp.CSS(`#dueDate`), firstDue),
		chromedp.Click(chromedp.CSS(`input[name=autoApprove]`)))
	b.shoot(t, "dashboard-create-step-2")
	b.submit(t, `button[value=save]`)
	require.Contains(t, b.text(t, `p.notice`), "The draft is saved")
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(t, err)
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], h.baseURL+"/ui/cases/")
	c := h.onboarding(t, id)
	require.Equal(t, "DRAFT", c.Status)
	require.Equal(t, "Identity verification: Nora Newclient", c.Title)
	require.True(t, c.AutoApprove)
	require.Equal(t, email, *c.Client.Email)
	require.Len(t, c.Entities, 1)
	b.shoot(t, "dashboard-draft")

	// Back to the draft: a fuller description, a later date.
	b.submit(t, `main a[href$="/edit"]`)
	require.Contains(t, b.text(t, `main h1`), "Edit draft")
	b.do(t,
		chromedp.SetValue(chromedp.CSS(`#description`), "Your passport, and a utility bill from the last three months."),
		chromedp.SetValue(chromedp.CSS(`#dueDate`), due))
	b.shoot(t, "dashboard-draft-edit")
	b.submit(t, `button[value=save]`)
	require.Contains(t, b.text(t, `p.notice`), "The draft is saved")
	c = h.onboarding(t, id)
	require.Equal(t, "DRAFT", c.Status)
	require.Equal(t, "Your passport, and a utility bill from the last three months.", c.Description)
	state := decode[struct {
		DueDate time.Time `json:"dueDate"`
	}](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+id+"/state", nil))
	require.Equal(t, due, state.DueDate.Format("2006-01-02"))
	require.Empty(t, h.mail.To(email), "a draft sends nothing")

	b.submit(t, `form[action$="/send"] button`)
	require.Contains(t, b.text(t, `p.notice`), "The request is sent")
	require.Contains(t, b.text(t, `main`), "Next reminder")
	portal := linkIn(t, h.waitForMail(t, email, 1))
	portalAPI := strings.Replace(portal, "/portal/r/", "/portal/api/r/", 1)

	// The client sends a passport and a bill.
	c = h.onboarding(t, id)
	idDoc, address := checkID(t, c, 0, "IDENTITY_DOCUMENT"), checkID(t, c, 0, "PROOF_OF_ADDRESS")
	r := upload(t, h.baseURL+portalAPI+"/documents", "", []attachment{
		{idDoc, "passport.pdf", samplePDF("NORA-PASSPORT")}, {address, "bill.png", samplePNG(t, 30)}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	b.open(t, h, "/ui/cases/"+id)
	docs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('ul.documents a')].map(a => a.textContent + " " + a.getAttribute("href"))`))
	require.NoError(t, err)
	require.Len(t, docs, 2)
	require.Contains(t, docs[0], "passport.pdf /ui/cases/"+id+"/documents/")
	b.shoot(t, "dashboard-identity-submitted")

	// The audited download, from the page's link.
	u := newUIClient(t, h)
	u.signIn(t, officer.Email)
	status, _, pdf := u.send(t, http.MethodGet, strings.TrimPrefix(docs[0], "passport.pdf "), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, string(samplePDF("NORA-PASSPORT")), pdf)
	viewed := false
	for _, e := range h.onboarding(t, id).Timeline {
		viewed = viewed || e.EventType == "DOCUMENT_VIEWED" && e.ActorID != nil && *e.ActorID == officer.ID
	}
	require.True(t, viewed, "the download is on the timeline, by whom")

	b.do(t, chromedp.SendKeys(chromedp.CSS(`#reason-`+address), "The bill is not in your name."))
	b.submit(t, `#check-`+address+` form.reject button`)
	require.Contains(t, b.text(t, `p.notice`), "The check has been updated")
	require.Contains(t, h.waitForMail(t, email, 2).Text, "The bill is not in your name.")
	require.Contains(t, b.text(t, `ol.timeline`), "Olivia Example")

	// The client answers again; the officer approves both.
	r = upload(t, h.baseURL+portalAPI+"/documents", "", []attachment{{address, "bill-mine.png", samplePNG(t, 90)}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	b.open(t, h, "/ui/cases/"+id)
	for _, check := range []string{idDoc, address} {
		b.submit(t, `#check-`+check+` form.approve button`)
		require.Contains(t, b.text(t, `p.notice`), "The check has been updated")
	}
	// The screening provider answers its checks through the API.
	for _, typ := range []string{"SANCTIONS_SCREENING", "PEP_SCREENING"} {
		r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+id+"/checks/"+checkID(t, c, 0, typ)+"/result",
			map[string]string{"result": "APPROVED", "provider": "ScreenCo"})
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	}
	require.Eventually(t, func() bool { return h.onboarding(t, id).Status == "APPROVED" }, 15*time.Second, 50*time.Millisecond)
	b.open(t, h, "/ui/cases/"+id)
	require.Contains(t, b.text(t, `main .head`), "Approved")
	require.Contains(t, b.text(t, `main .head`), "All approved")
	b.shoot(t, "dashboard-identity-approved")

	// The client's next case: the individual is there to choose again.
	b.open(t, h, "/ui/cases/new?"+url.Values{"type": {"IDENTITY_VERIFICATION"}, "clientEmail": {email}}.Encode())
	b.submit(t, `main form button[type=submit]`)
	offered, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#individuals option')].map(o => o.value)`))
	require.NoError(t, err)
	require.Equal(t, []string{"Nora Newclient"}, offered)
	list, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector('#entityName').getAttribute('list')`))
	require.NoError(t, err)
	require.Equal(t, "individuals", list)
	b.shoot(t, "dashboard-create-choose-individual")
}

// Revoke Request, top right, behind a confirmation and a reason: the
// client's link then shows that the request is revoked.
func TestDashboardRevoke(t *testing.T) {
	h := suite(t)
	c, _ := sentRequest(t, h, "Rhea Revoke")
	link := h.baseURL + linkIn(t, h.waitForMail(t, *c.Client.Email, 1))

	b := newOfficerBrowser(t)
	b.signIn(t, h, h.officer2.Email)
	b.open(t, h, "/ui/cases/"+c.ID)
	b.do(t, chromedp.Click(chromedp.CSS(`details.revoke summary`)), chromedp.WaitVisible(chromedp.CSS(`#revoke-reason`)),
		chromedp.SendKeys(chromedp.CSS(`#revoke-reason`), "Opened for the wrong client."),
		chromedp.Click(chromedp.CSS(`details.revoke input[name=confirm]`)))
	b.shoot(t, "dashboard-revoke-confirm")
	b.submit(t, `details.revoke button[type=submit]`)
	require.Contains(t, b.text(t, `p.notice`), "The request is revoked")
	require.Equal(t, "REVOKED", h.onboarding(t, c.ID).Status)
	require.Zero(t, countNodes(t, b.ctx, `details.revoke`), "nothing more to revoke")
	b.shoot(t, "dashboard-revoked")

	b.expect(link) // 410: the request is gone
	b.do(t, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	require.Contains(t, b.text(t, `body`), "This request has been revoked")
	screenshot(t, b.ctx, "dashboard-revoked-portal")
}

// The bell counts what is unread: a screening verdict opens a case and
// every officer hears of it; the notifications page links to the case and
// marks it read.
func TestDashboardNotifications(t *testing.T) {
	h := suite(t)
	officer := h.officer2
	b := newOfficerBrowser(t)
	b.signIn(t, h, officer.Email)
	b.open(t, h, "/ui/notifications")
	if countNodes(t, b.ctx, `form[action="/ui/notifications/read"]`) > 0 {
		b.submit(t, `form[action="/ui/notifications/read"] button`)
	}
	require.Equal(t, "0", b.text(t, `.bell .count`))

	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/screenings", verdictBody("BLOCK", "HIGH", "SANCTIONS"))
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	opened := decode[screeningOut](t, r)
	require.NotNil(t, opened.CaseID)
	require.Eventually(t, func() bool {
		b.open(t, h, "/ui/cases")
		return b.text(t, `.bell .count`) != "0"
	}, 15*time.Second, 200*time.Millisecond, "the bell rings")
	b.shoot(t, "dashboard-bell")

	b.submit(t, `.bell`)
	require.Equal(t, "Notifications", b.text(t, `main h1`))
	item := `ul.notifications li.unread:has(a[href="/ui/cases/` + *opened.CaseID + `"])`
	require.Contains(t, b.text(t, item), "New case")
	b.shoot(t, "dashboard-notifications")
	b.submit(t, item+` form button`)
	require.Contains(t, b.text(t, `p.notice`), "Marked as read")
	require.Zero(t, countNodes(t, b.ctx, item))
	b.submit(t, `ul.notifications a[href="/ui/cases/`+*opened.CaseID+`"]`)
	require.Contains(t, b.text(t, `main .sub`), "CASE-")
	require.Contains(t, b.text(t, `main`), "Transactions")
}

// A bank admin invites someone (who gets a sign-in link), changes their
// role and deactivates them; an officer may not see the page.
func TestDashboardUsers(t *testing.T) {
	h := suite(t)
	b := newOfficerBrowser(t)
	b.signIn(t, h, h.users[contract.RoleBankAdmin].Email)
	b.submit(t, `nav a[href="/ui/users"]`)
	require.Equal(t, "Users", b.text(t, `main h1`))
	email := "ines.invited-" + uuid.NewString()[:8] + "@example.com"
	b.do(t,
		chromedp.SendKeys(chromedp.CSS(`#invite-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#invite-first`), "Ines"),
		chromedp.SendKeys(chromedp.CSS(`#invite-last`), "Invited"),
		chromedp.SetValue(chromedp.CSS(`#invite-role`), "ANALYST"))
	b.submit(t, `form[action="/ui/users"] button`)
	require.Contains(t, b.text(t, `p.notice`), "a sign-in link is on its way")
	invite := h.waitForMail(t, email, 1)
	require.Contains(t, invite.Text, "has added you to caseflow")
	require.NotEmpty(t, signInLink.FindStringSubmatch(invite.Text))

	user, err := h.store.UserByEmail(t.Context(), email)
	require.NoError(t, err)
	require.Equal(t, contract.RoleAnalyst, user.Role)
	row := `#user-` + user.ID
	b.do(t, chromedp.SetValue(chromedp.CSS(row+` select`), "COMPLIANCE_OFFICER"))
	b.submit(t, row+` form.role button`)
	require.Contains(t, b.text(t, `p.notice`), "The user has changed")
	b.submit(t, row+` form.active button`)
	require.Contains(t, b.text(t, row), "Deactivated")
	b.shoot(t, "dashboard-users")
	user, err = h.store.UserByEmail(t.Context(), email)
	require.NoError(t, err)
	require.Equal(t, contract.RoleComplianceOfficer, user.Role)
	require.False(t, user.Active())

	u := newUIClient(t, h)
	u.signIn(t, h.users[contract.RoleComplianceOfficer].Email)
	status, _, page := u.send(t, http.MethodGet, "/ui/users", nil)
	require.Equal(t, http.StatusForbidden, status)
	require.NotContains(t, page, "ada.admin@example.com")
}

var caseLink = regexp.MustCompile(`<td data-label="Case"><a href="/ui/cases/([0-9a-f-]{36})">`)

// listed reads the Cases tab at query: the cases it lists, in order, and
// the page.
func (u *uiClient) listed(t *testing.T, query url.Values) ([]string, string) {
	t.Helper()
	status, _, page := u.send(t, http.MethodGet, "/ui/cases?"+query.Encode(), nil)
	require.Equal(t, http.StatusOK, status, page)
	var ids []string
	for _, m := range caseLink.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return ids, page
}

// The Cases tab searches, filters, sorts and pages with the JSON list's
// query: by client name, status, type, priority, assignee (mine,
// unassigned), overdue; by due date; and past the first page by cursor.
func TestDashboardCasesTab(t *testing.T) {
	h := suite(t)
	officer := h.users[contract.RoleComplianceOfficer]
	tag := "Tabby" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	mk := func(name, priority string, due time.Time) caseOut {
		body := investigation(tag + " " + name)
		body["priority"] = priority
		if !due.IsZero() {
			body["dueDate"] = due.UTC().Format(time.RFC3339)
		}
		return h.createCase(t, contract.RoleAnalyst, body)
	}
	late := mk("Late", "CRITICAL", time.Now().Add(-time.Hour))
	soon := mk("Soon", "LOW", time.Now().Add(24*time.Hour))
	later := mk("Later", "LOW", time.Now().Add(72*time.Hour))
	mine := mk("Mine", "HIGH", time.Time{})
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+mine.ID+"/claim", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	draft := onboardingBody(tag + " Draft")
	draft["client"] = map[string]string{"name": tag + " Draft", "email": strings.ToLower(tag) + "@example.com"}
	kyc := h.createCase(t, contract.RoleAnalyst, draft)

	u := newUIClient(t, h)
	u.signIn(t, officer.Email)
	q := func(kv ...string) url.Values {
		v := url.Values{"q": {tag}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	all, page := u.listed(t, q())
	require.ElementsMatch(t, []string{late.ID, soon.ID, later.ID, mine.ID, kyc.ID}, all)
	require.Equal(t, []string{kyc.ID, mine.ID, later.ID, soon.ID, late.ID}, all, "newest first")
	require.Contains(t, page, "5 cases")

	tests := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"status", q("status", "DRAFT"), []string{kyc.ID}},
		{"type", q("type", "IDENTITY_VERIFICATION"), []string{kyc.ID}},
		{"priority", q("priority", "CRITICAL"), []string{late.ID}},
		{"mine", q("assignee", "mine"), []string{mine.ID}},
		{"by ID", q("assignee", officer.ID), []string{mine.ID}},
		{"unassigned", q("assignee", "unassigned"), []string{kyc.ID, later.ID, soon.ID, late.ID}},
		{"by case ID", url.Values{"q": {soon.ID}}, []string{soon.ID}},
		{"by author", q("q", "Andy Example", "priority", "CRITICAL", "assignee", "unassigned"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := u.listed(t, tt.query)
			if tt.want == nil {
				require.Contains(t, got, late.ID, "the author's cases, this one among them")
				return
			}
			require.Equal(t, tt.want, got)
		})
	}

	// Sorted by due date, soonest first, undated last: the cases of one
	// assignee, given to someone of their own for this.
	dora, _, err := h.store.EnsureUser(t.Context(), strings.ToLower(tag)+".due@example.com", contract.RoleComplianceOfficer, "Dora", tag)
	require.NoError(t, err)
	for _, c := range []caseOut{mine, later, late, soon} {
		r := h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]any{"assigneeId": dora.ID})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}
	got, _ := u.listed(t, url.Values{"assignee": {dora.ID}, "sort": {"due"}})
	require.Equal(t, []string{late.ID, soon.ID, later.ID, mine.ID}, got)
	got, _ = u.listed(t, url.Values{"assignee": {dora.ID}})
	require.Equal(t, []string{mine.ID, later.ID, soon.ID, late.ID}, got, "newest first")

	// Overdue once its due date has passed: marked, and found by the filter.
	require.Eventually(t, func() bool {
		got, _ := u.listed(t, q("overdue", "true"))
		return slices.Equal(got, []string{late.ID})
	}, 15*time.Second, 100*time.Millisecond)
	_, page = u.listed(t, q("priority", "CRITICAL"))
	require.Contains(t, page, `<span class="overdue">Overdue</span>`)

	// A value the list does not know is said, and that filter dropped.
	got, page = u.listed(t, q("status", "NOPE"))
	require.Len(t, got, 5)
	require.Contains(t, page, `Status &#34;NOPE&#34; is not one this list knows`)

	// Past a page: the next by cursor, as the JSON list pages.
	for i := range 16 {
		mk(fmt.Sprintf("Page %02d", i), "MEDIUM", time.Time{})
	}
	first, page := u.listed(t, q())
	require.Len(t, first, 20)
	next := regexp.MustCompile(`<a href="(/ui/cases\?[^"]+)" rel="next">`).FindStringSubmatch(page)
	require.NotNil(t, next)
	require.Contains(t, next[1], "cursor=")
	status, _, rest := u.send(t, http.MethodGet, strings.ReplaceAll(next[1], "&amp;", "&"), nil)
	require.Equal(t, http.StatusOK, status)
	second := caseLink.FindAllStringSubmatch(rest, -1)
	require.Len(t, second, 1)
	require.Equal(t, late.ID, second[0][1], "the oldest last")
	require.Contains(t, rest, "First page")
}
