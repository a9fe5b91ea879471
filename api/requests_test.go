package api_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/activities/mailtest"
	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows/contract"
)

var portalLink = regexp.MustCompile(`http://portal\.test(/portal/r/[A-Za-z0-9_-]{43})`)

// waitForMail waits for the n-th e-mail to an address and returns it.
func (h *harness) waitForMail(t *testing.T, to string, n int) mailtest.Message {
	t.Helper()
	require.Eventually(t, func() bool { return len(h.mail.To(to)) >= n }, 15*time.Second, 20*time.Millisecond,
		"e-mail %d to %s", n, to)
	return h.mail.To(to)[n-1]
}

func linkIn(t *testing.T, m mailtest.Message) string {
	t.Helper()
	match := portalLink.FindStringSubmatch(m.Text)
	require.NotNil(t, match, "a portal link in %q", m.Text)
	return match[1]
}

// page fetches a portal page as a browser would.
func (h *harness) page(t *testing.T, method, path string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	var raw []byte
	if form != nil {
		raw = []byte(form.Encode())
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.baseURL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	conform(t, req, raw, res.StatusCode, res.Header, b)
	require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"), "every portal answer")
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"), "every portal answer")
	return res.StatusCode, res.Header, string(b)
}

type portalOut struct {
	CaseNumber string     `json:"caseNumber"`
	DueDate    *time.Time `json:"dueDate"`
	Requested  []struct {
		CheckID string `json:"checkId"`
		Label   string `json:"label"`
		Status  string `json:"status"`
		Reason  string `json:"reason"`
	} `json:"requested"`
	Received []struct {
		Name        string `json:"name"`
		Item        string `json:"item"`
		ContentType string `json:"contentType"`
		Size        int64  `json:"size"`
	} `json:"received"`
}

func TestClientRequestEndToEnd(t *testing.T) {
	h := suite(t)
	client := "req-" + uuid.NewString()[:8] + "@example.com"
	due := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	body := onboardingBody("Rita Request")
	body["client"] = map[string]string{"name": "Rita Request", "email": client}
	body["dueDate"] = due.Format(time.RFC3339)
	body["autoApprove"] = false
	body["description"] = "Annual review of your account."
	c := h.createCase(t, contract.RoleAnalyst, body)
	require.Empty(t, h.mail.To(client), "a draft sends nothing")

	// Send: the client gets the request with a link.
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	request := h.waitForMail(t, client, 1)
	require.Equal(t, "Information requested: Identity verification: Rita Request", request.Subject)
	require.Contains(t, request.Text, "Annual review of your account.")
	require.Contains(t, request.Text, "Rita Request: Identity document")
	require.Contains(t, request.Text, due.Format("2 January 2006"))
	link := linkIn(t, request)

	// The page shows what is asked and when.
	status, header, html := h.page(t, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, header.Get("Content-Type"), "text/html")
	require.Equal(t, "DENY", header.Get("X-Frame-Options"))
	require.Contains(t, html, "Identity verification: Rita Request")
	require.Contains(t, html, "Annual review of your account.")
	require.Contains(t, html, "Proof of address")
	require.NotContains(t, html, "screening", "screenings are the providers', not the client's")
	require.Contains(t, html, "<form method=\"post\"")

	jsonPath := strings.Replace(link, "/portal/r/", "/portal/api/r/", 1)
	r = call(t, h.baseURL, http.MethodGet, jsonPath, "", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	view := decode[portalOut](t, r)
	require.Len(t, view.Requested, 2, "identity document and proof of address")
	require.Equal(t, c.CaseNumber, view.CaseNumber)
	require.True(t, due.Equal(*view.DueDate))

	// The client sends one item with the form...
	form := url.Values{"checkId": {view.Requested[0].CheckID}, "message": {"My passport."}}
	status, _, html = h.page(t, http.MethodPost, link, form)
	require.Equal(t, http.StatusOK, status, html)
	require.Contains(t, html, "we have received what you sent")
	o := h.onboarding(t, c.ID)
	require.Equal(t, "COLLECTING", *o.Flag)
	last := o.Timeline[len(o.Timeline)-3:]
	require.Equal(t, []string{"CLIENT_SUBMITTED", "CHECK_UPDATED", "FLAG_CHANGED"},
		[]string{last[0].EventType, last[1].EventType, last[2].EventType})
	require.Nil(t, last[0].ActorID, "the client has no user account")

	// ...and the rest through the JSON twin; then nothing is left to send.
	r = call(t, h.baseURL, http.MethodPost, jsonPath+"/submit", "", map[string]any{"message": "The rest."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Empty(t, decode[portalOut](t, r).Requested)
	require.Equal(t, "REVIEWING", *h.onboarding(t, c.ID).Flag, "the client owes nothing more; the screenings are with the providers")
	requireError(t, call(t, h.baseURL, http.MethodPost, jsonPath+"/submit", "", map[string]any{}), http.StatusConflict, contract.CodeInvalidTransition)
	status, _, html = h.page(t, http.MethodGet, link, nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, html, "Nothing is needed from you")

	// The officer rejects the ID document: the client is asked again, and
	// the first link works again.
	idDoc := view.Requested[0].CheckID
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/checks/"+idDoc, map[string]string{"status": "REJECTED", "reason": "The passport has expired."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	again := h.waitForMail(t, client, 2)
	require.Equal(t, "Please provide again: Identity verification: Rita Request", again.Subject)
	require.Contains(t, again.Text, "The passport has expired.")
	for _, l := range []string{link, linkIn(t, again)} {
		r = call(t, h.baseURL, http.MethodGet, strings.Replace(l, "/portal/r/", "/portal/api/r/", 1), "", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		v := decode[portalOut](t, r)
		require.Len(t, v.Requested, 1)
		require.Equal(t, "The passport has expired.", v.Requested[0].Reason)
	}

	// Due date: moved, refused in the past, cleared.
	later := due.Add(7 * 24 * time.Hour)
	r = h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID+"/due-date", map[string]any{"dueDate": later.Format(time.RFC3339)})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	o = h.onboarding(t, c.ID)
	ev := o.Timeline[len(o.Timeline)-1]
	require.Equal(t, "DUE_DATE_CHANGED", ev.EventType)
	require.JSONEq(t, `"`+later.Format(time.RFC3339)+`"`, string(ev.NewValue))
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID+"/due-date", map[string]any{"dueDate": "2020-01-01T00:00:00Z"}),
		http.StatusUnprocessableEntity, contract.CodeValidation)
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID+"/due-date", map[string]any{"due": "x"}),
		http.StatusUnprocessableEntity, contract.CodeValidation)
	r = h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID+"/due-date", map[string]any{"dueDate": nil})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Nil(t, decode[map[string]any](t, r)["dueDate"])

	// Revocation: officers only, with a reason.
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/revoke", map[string]string{"reason": "x"}), http.StatusForbidden, "FORBIDDEN")
	requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/revoke", map[string]string{}), http.StatusUnprocessableEntity, contract.CodeValidation)
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/revoke", map[string]string{"reason": "The client closed the account."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "REVOKED", decode[caseOut](t, r).Status)
	withdrawn := h.waitForMail(t, client, 3)
	require.Equal(t, "Request withdrawn: Identity verification: Rita Request", withdrawn.Subject)
	require.Contains(t, withdrawn.Text, "The client closed the account.")

	// Every link now says so, and takes nothing.
	status, header, html = h.page(t, http.MethodGet, link, nil)
	require.Equal(t, http.StatusGone, status)
	require.Equal(t, "no-store", header.Get("Cache-Control"), "a revoked link is not cached either")
	require.Contains(t, html, "This request has been revoked")
	status, _, _ = h.page(t, http.MethodPost, link, url.Values{"checkId": {idDoc}})
	require.Equal(t, http.StatusGone, status)
	r = call(t, h.baseURL, http.MethodPost, jsonPath+"/submit", "", map[string]any{})
	requireError(t, r, http.StatusGone, "REQUEST_REVOKED")
	require.Equal(t, "no-store", r.header.Get("Cache-Control"))
	requireError(t, call(t, h.baseURL, http.MethodGet, jsonPath, "", nil), http.StatusGone, "REQUEST_REVOKED")

	// The case is over: later writes are refused, and the timeline tells it all.
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/notes", map[string]string{"content": "late"}), http.StatusConflict, contract.CodeCaseClosed)
	o = h.onboarding(t, c.ID)
	require.Equal(t, "REQUEST_REVOKED", o.Timeline[len(o.Timeline)-1].EventType)
	require.Len(t, h.mail.To(client), 3, "request, recollection, withdrawal: nothing twice")
}

func TestPortalUnknownLinks(t *testing.T) {
	h := suite(t)
	for _, path := range []string{"/portal/r/" + strings.Repeat("A", 43), "/portal/r/short"} {
		status, _, html := h.page(t, http.MethodGet, path, nil)
		require.Equal(t, http.StatusNotFound, status)
		require.Contains(t, html, "This link is not valid")
	}
	requireError(t, call(t, h.baseURL, http.MethodGet, "/portal/api/r/"+strings.Repeat("A", 43), "", nil), http.StatusNotFound, "NOT_FOUND")
}

// TestOverdueForReal lets a due date pass on the real dev server: the
// timer fires, the case is listed as overdue, and the assignee is told.
func TestOverdueForReal(t *testing.T) {
	h := suite(t)
	officer := h.users[contract.RoleComplianceOfficer]
	body := investigation("Sla Person")
	c := h.createCase(t, contract.RoleAnalyst, body)
	require.Equal(t, http.StatusOK, h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]string{"assigneeId": officer.ID}).status)
	due := time.Now().Add(2 * time.Second).UTC()
	r := h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID+"/due-date", map[string]any{"dueDate": due.Format(time.RFC3339Nano)})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	st := decode[struct {
		NextTimer struct {
			Kind string    `json:"kind"`
			At   time.Time `json:"at"`
		} `json:"nextTimer"`
	}](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID+"/state", nil))
	require.Equal(t, "OVERDUE", st.NextTimer.Kind, "an SLA's one timer")
	require.WithinDuration(t, due, st.NextTimer.At, time.Millisecond)

	overdue := func() bool {
		r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?"+url.Values{"overdue": {"true"}, "q": {c.CaseNumber}}.Encode(), nil)
		return decode[pageOut](t, r).Total == 1
	}
	require.False(t, overdue())
	require.Eventually(t, overdue, 15*time.Second, 100*time.Millisecond)
	o := h.onboarding(t, c.ID)
	require.Equal(t, "OVERDUE", o.Timeline[len(o.Timeline)-1].EventType)
	require.Eventually(t, func() bool {
		for _, m := range h.mail.To(officer.Email) {
			if strings.Contains(m.Subject, c.CaseNumber) {
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the assignee hears of it")
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?overdue=maybe", nil), http.StatusUnprocessableEntity, contract.CodeValidation)
}

func TestPortalRateLimit(t *testing.T) {
	h := suite(t)
	cfg := h.cfg
	cfg.Portal.RateLimit = 3
	baseURL, stop, err := listen(api.New(cfg, h.store, h.temporal, slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer stop()
	path := "/portal/api/r/" + strings.Repeat("B", 43)
	for range 3 {
		requireError(t, call(t, baseURL, http.MethodGet, path, "", nil), http.StatusNotFound, "NOT_FOUND")
	}
	requireError(t, call(t, baseURL, http.MethodGet, path, "", nil), http.StatusTooManyRequests, "RATE_LIMITED")
	// The staff API is not limited by the portal's budget.
	r := call(t, baseURL, http.MethodGet, "/api/v1/cases?limit=1", h.users[contract.RoleAnalyst].token, nil)
	require.Equal(t, http.StatusOK, r.status)
}
