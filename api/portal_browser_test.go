package api_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/chromedp/chromedp"
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

// screenshot saves the page as the test's artifact, to be looked at:
// $CASEFLOW_ARTIFACTS (or the system's temporary directory)/screenshots.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CASEFLOW_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "caseflow-artifacts")
	}
	dir = filepath.Join(dir, "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
}

// A client opens the e-mailed link in a real browser and attaches a PDF
// and a PNG to the two items asked; an officer downloads both (bytes and
// SHA-256 as sent) and rejects the bill with a reason; the client, e-mailed,
// opens the same link, sees why, and sends a new one; the officer
// approves and the case approves itself. A revoked link shows a page that
// takes nothing.
func TestPortalInABrowser(t *testing.T) {
	h := suite(t)
	c, _ := sentRequest(t, h, "Bea Browser")
	link := h.baseURL + linkIn(t, h.waitForMail(t, *c.Client.Email, 1))
	idDoc, address := checkID(t, c, 0, "IDENTITY_DOCUMENT"), checkID(t, c, 0, "PROOF_OF_ADDRESS")
	dir := t.TempDir()
	passport, bill, newBill := samplePDF("bea-passport"), samplePNG(t, 10), samplePNG(t, 200)
	for name, b := range map[string][]byte{"passport.pdf": passport, "bill.png": bill, "bill-new.png": newBill} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
	}

	ctx := browser(t)
	items := `[...document.querySelectorAll('fieldset.item legend')].map(l => l.textContent.trim())`
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`form button[type=submit]`)),
	))
	screenshot(t, ctx, "portal-request")
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	require.NoError(t, err)
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	require.NoError(t, err)
	asked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](items))
	require.NoError(t, err)
	require.Equal(t, "Identity verification: Bea Browser", heading)
	require.Contains(t, page, "Please respond by")
	require.Equal(t, []string{"Bea Browser: Identity document", "Bea Browser: Proof of address"}, asked)

	// A file for each item, a message, send.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`#file-`+idDoc), []string{filepath.Join(dir, "passport.pdf")}),
		chromedp.SetUploadFiles(chromedp.CSS(`#file-`+address), []string{filepath.Join(dir, "bill.png")}),
		chromedp.SendKeys(chromedp.CSS(`#message`), "My passport and a bill."),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	))
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.notice`)))
	require.NoError(t, err)
	screenshot(t, ctx, "portal-sent")
	require.Contains(t, notice, "we have received what you sent (2 files)")
	received, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('ul.received li')].map(l => l.textContent)`))
	require.NoError(t, err)
	require.Len(t, received, 2)
	require.Contains(t, received[0], "passport.pdf")
	require.Zero(t, countNodes(t, ctx, `fieldset.item`), "nothing more is asked")

	// The officer reads both, as sent.
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodGet, "/cases/"+c.ID+"/documents", nil)
	docs := decode[[]documentOut](t, r)
	require.Len(t, docs, 2)
	for _, d := range docs {
		status, _, got := download(t, h, contract.RoleComplianceOfficer, c.ID, d.ID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, d.SHA256, sha(got))
		want := passport
		if d.CheckID == address {
			want = bill
		}
		require.Equal(t, want, got)
	}

	// Rejected with a reason: the client is e-mailed, and the same link
	// asks for the bill again, saying why.
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/checks/"+address,
		map[string]string{"status": "REJECTED", "reason": "The bill is not in your name."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Contains(t, h.waitForMail(t, *c.Client.Email, 2).Text, "The bill is not in your name.")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(`#file-`+address)),
	))
	page, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	require.NoError(t, err)
	screenshot(t, ctx, "portal-asked-again")
	require.Contains(t, page, "Asked again: The bill is not in your name.")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`#file-`+address), []string{filepath.Join(dir, "bill-new.png")}),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	))
	notice, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.notice`)))
	require.NoError(t, err)
	require.Contains(t, notice, "(1 file)")

	// Approved, with the providers' screenings: the case approves itself.
	for _, id := range []string{idDoc, address} {
		r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/checks/"+id, map[string]string{"status": "APPROVED"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}
	for _, typ := range []string{"SANCTIONS_SCREENING", "PEP_SCREENING"} {
		r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/checks/"+checkID(t, c, 0, typ)+"/result",
			map[string]string{"result": "APPROVED", "provider": "ScreenCo"})
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	}
	require.Eventually(t, func() bool { return h.onboarding(t, c.ID).Status == "APPROVED" }, 15*time.Second, 50*time.Millisecond)

	// Another request, revoked: its link, in the same browser, takes
	// nothing.
	other, _ := sentRequest(t, h, "Rob Revoked")
	otherLink := h.baseURL + linkIn(t, h.waitForMail(t, *other.Client.Email, 1))
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+other.ID+"/revoke", map[string]string{"reason": "Opened in error."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(otherLink),
		chromedp.WaitVisible(chromedp.CSS(`h1`)),
	))
	page, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`body`)))
	require.NoError(t, err)
	screenshot(t, ctx, "portal-revoked")
	require.True(t, strings.Contains(page, "This request has been revoked"), page)
	require.Zero(t, countNodes(t, ctx, `form`))
}

func countNodes(t *testing.T, ctx context.Context, selector string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(selector)+`).length`))
	require.NoError(t, err)
	return n
}
