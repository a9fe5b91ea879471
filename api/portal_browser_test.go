package api_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// browser starts a headless Chromium for one test. `make test` installs
// Debian's chromium; CASEFLOW_CHROMIUM names another.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CASEFLOW_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	_, err := os.Stat(path)
	require.NoError(t, err, "the portal's browser test needs Chromium at %s: `make test` installs Debian's chromium", path)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
	)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// A client opens the e-mailed link in a real browser, leaves one item for
// later, sends the other with a message, and sees the page say so; once
// the request is revoked the same link says that instead of a form.
func TestPortalInABrowser(t *testing.T) {
	h := suite(t)
	client := "browser-" + uuid.NewString()[:8] + "@example.com"
	body := onboardingBody("Bea Browser")
	body["client"] = map[string]string{"name": "Bea Browser", "email": client}
	body["dueDate"] = time.Now().Add(5 * 24 * time.Hour).UTC().Format(time.RFC3339)
	c := h.createCase(t, contract.RoleAnalyst, body)
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	link := h.baseURL + linkIn(t, h.waitForMail(t, client, 1))

	ctx := browser(t)
	items := `[...document.querySelectorAll('input[name=checkId]')].map(i => i.parentElement.textContent.trim())`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`form button[type=submit]`)),
	))
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	require.NoError(t, err)
	require.Equal(t, "Identity verification: Bea Browser", heading)
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	require.NoError(t, err)
	require.Contains(t, page, "Please respond by")
	asked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](items))
	require.NoError(t, err)
	require.Equal(t, []string{"Bea Browser: Identity document", "Bea Browser: Proof of address"}, asked)

	// Untick the proof of address, write a message, send.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//label[contains(., "Proof of address")]/input`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS(`#message`), "My passport, scanned."),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	))
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.notice`)))
	require.NoError(t, err)
	require.Contains(t, notice, "we have received what you sent")
	left, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](items))
	require.NoError(t, err)
	require.Equal(t, []string{"Bea Browser: Proof of address"}, left, "the page asks only for what is still owed")

	o := h.onboarding(t, c.ID)
	require.Equal(t, "COLLECTING", *o.Flag)
	var submitted *eventOut
	for i := range o.Timeline {
		if o.Timeline[i].EventType == "CLIENT_SUBMITTED" {
			submitted = &o.Timeline[i]
		}
	}
	require.NotNil(t, submitted, "the submission is on the timeline")
	require.Equal(t, "The client provided 1 item(s)", submitted.Description)
	require.Contains(t, string(submitted.Metadata), "My passport, scanned.")

	// Revoked: the same link, in the same browser, takes nothing more.
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/revoke", map[string]string{"reason": "Opened in error."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	))
	page, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	require.NoError(t, err)
	require.True(t, strings.Contains(page, "This request has been revoked"), page)
	forms, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.forms.length`))
	require.NoError(t, err)
	require.Zero(t, forms)
}
