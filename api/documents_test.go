package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows/contract"
)

// attachment is one file of an upload, for the item it answers.
type attachment struct {
	item, name string
	body       []byte
}

// samplePDF is a small PDF whose text is easy to look for in storage.
func samplePDF(text string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// samplePNG is a real PNG of a few pixels.
func samplePNG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.Gray{Y: 255 - shade})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// sampleELF starts like a Linux executable, whatever its name says.
func sampleELF() []byte {
	return append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), bytes.Repeat([]byte{0x90}, 512)...)
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// upload posts files as multipart/form-data, as the portal page and the
// API's clients do, with optional extra fields.
func upload(t *testing.T, url, token string, files []attachment, fields ...[2]string) response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range fields {
		require.NoError(t, w.WriteField(f[0], f[1]))
	}
	for _, f := range files {
		part, err := w.CreateFormFile("file:"+f.item, f.name)
		require.NoError(t, err)
		_, err = part.Write(f.body)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	base, path, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	return callWithHeader(t, "http://"+base, http.MethodPost, "/"+path, token, body.Bytes(),
		map[string]string{"Content-Type": w.FormDataContentType()})
}

// download fetches a document as an officer and checks what every
// download must carry.
func download(t *testing.T, h *harness, role contract.Role, caseID, docID string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.baseURL+"/api/v1/cases/"+caseID+"/documents/"+docID, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+h.users[role].token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	conform(t, req, nil, res.StatusCode, res.Header, body)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	return res.StatusCode, res.Header, body
}

type documentOut struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"caseId"`
	CheckID     string    `json:"checkId"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  *string   `json:"uploadedBy"`
	UploadedAt  time.Time `json:"uploadedAt"`
}

// sentRequest creates an identity verification for client (auto-approved
// once every check is), sends it, and returns it with its portal link.
func sentRequest(t *testing.T, h *harness, client string) (onboardingOut, string) {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(client, " ", ".")) + "-" + uuid.NewString()[:8] + "@example.com"
	body := onboardingBody(client)
	body["client"] = map[string]string{"name": client, "email": email}
	body["dueDate"] = time.Now().Add(5 * 24 * time.Hour).UTC().Format(time.RFC3339)
	c := h.createCase(t, contract.RoleAnalyst, body)
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	link := linkIn(t, h.waitForMail(t, email, 1))
	return h.onboarding(t, c.ID), strings.Replace(link, "/portal/r/", "/portal/api/r/", 1)
}

// A client sends a PDF and a PNG for two items through the portal; an
// officer lists and downloads them (bytes and SHA-256 as sent, each
// download on the timeline), rejects one with a reason, the client sends
// it again, and once every check is approved the case approves itself.
func TestDocumentsFromClientToApproval(t *testing.T) {
	h := suite(t)
	c, portal := sentRequest(t, h, "Dora Document")
	idDoc, address := checkID(t, c, 0, "IDENTITY_DOCUMENT"), checkID(t, c, 0, "PROOF_OF_ADDRESS")
	passport, bill := samplePDF("PASSPORT-OF-DORA-4471"), samplePNG(t, 40)

	r := upload(t, h.baseURL+portal+"/documents", "", []attachment{
		{idDoc, "passport.pdf", passport},
		{address, `C:\scans\bill.png`, bill},
	}, [2]string{"message", "Both attached."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	view := decode[portalOut](t, r)
	require.Empty(t, view.Requested, "both items answered")
	require.Len(t, view.Received, 2, "the page tells the client what was received")
	require.Equal(t, "passport.pdf", view.Received[0].Name)
	require.Equal(t, "Dora Document: Identity document", view.Received[0].Item)
	require.Equal(t, "bill.png", view.Received[1].Name, "the path a browser may send is dropped")
	require.Equal(t, "image/png", view.Received[1].ContentType)

	r = h.do(t, contract.RoleComplianceOfficer, http.MethodGet, "/cases/"+c.ID+"/documents", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	docs := decode[[]documentOut](t, r)
	require.Len(t, docs, 2)
	byItem := map[string]documentOut{}
	for _, d := range docs {
		byItem[d.CheckID] = d
		require.Nil(t, d.UploadedBy, "the client sent it")
	}
	require.Equal(t, "application/pdf", byItem[idDoc].ContentType)
	require.Equal(t, sha(passport), byItem[idDoc].SHA256)
	require.Equal(t, int64(len(bill)), byItem[address].Size)

	for _, want := range []struct {
		doc  documentOut
		body []byte
	}{{byItem[idDoc], passport}, {byItem[address], bill}} {
		status, header, got := download(t, h, contract.RoleComplianceOfficer, c.ID, want.doc.ID)
		require.Equal(t, http.StatusOK, status, "%s", got)
		require.Equal(t, want.body, got, "the bytes as sent")
		require.Equal(t, want.doc.SHA256, sha(got))
		require.Equal(t, want.doc.ContentType, header.Get("Content-Type"))
		require.Contains(t, header.Get("Content-Disposition"), "attachment")
		require.Contains(t, header.Get("Content-Disposition"), want.doc.Name)
	}

	// The stored objects are ciphertext: the passport's text and the PDF
	// signature appear nowhere in the bucket.
	stored := 0
	require.NoError(t, filepath.WalkDir(h.docsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NotContains(t, string(raw), "PASSPORT-OF-DORA-4471", path)
		require.NotContains(t, string(raw), "%PDF", path)
		stored++
		return nil
	}))
	require.GreaterOrEqual(t, stored, 2)

	o := h.onboarding(t, c.ID)
	var uploaded, viewed int
	for _, e := range o.Timeline {
		switch e.EventType {
		case contract.EventDocumentUploaded:
			uploaded++
		case contract.EventDocumentViewed:
			viewed++
			require.Equal(t, h.users[contract.RoleComplianceOfficer].ID, *e.ActorID, "who opened it")
		}
	}
	require.Equal(t, 2, uploaded)
	require.Equal(t, 2, viewed, "each download is on the timeline")
	require.Equal(t, "REVIEWING", *o.Flag)

	// The officer rejects the bill; the client is e-mailed and the same
	// link takes a new one.
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/checks/"+address,
		map[string]string{"status": "REJECTED", "reason": "The bill is older than three months."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "RECOLLECTING", *h.onboarding(t, c.ID).Flag)
	mail := h.waitForMail(t, *o.Client.Email, 2)
	require.Contains(t, mail.Text, "The bill is older than three months.")
	newBill := samplePNG(t, 90)
	r = upload(t, h.baseURL+portal+"/documents", "", []attachment{{address, "bill-may.png", newBill}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Len(t, decode[portalOut](t, r).Received, 3)

	// Approved, with the providers' screenings, the case approves itself.
	for _, id := range []string{idDoc, address} {
		r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/checks/"+id, map[string]string{"status": "APPROVED"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}
	for _, typ := range []string{"SANCTIONS_SCREENING", "PEP_SCREENING"} {
		r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/checks/"+checkID(t, o, 0, typ)+"/result",
			map[string]string{"result": "APPROVED", "provider": "ScreenCo"})
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	}
	require.Eventually(t, func() bool { return h.onboarding(t, c.ID).Status == "APPROVED" }, 15*time.Second, 50*time.Millisecond)

	// The case has ended; its documents can still be read, and each
	// download is still recorded.
	status, _, got := download(t, h, contract.RoleBankAdmin, c.ID, byItem[idDoc].ID)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, passport, got)
	viewed = 0
	for _, e := range h.onboarding(t, c.ID).Timeline {
		if e.EventType == contract.EventDocumentViewed {
			viewed++
		}
	}
	require.Equal(t, 3, viewed)
}

// Officers may upload for the client: the event names them.
func TestDocumentsUploadedByAnOfficer(t *testing.T) {
	h := suite(t)
	c, _ := sentRequest(t, h, "Olga Onbehalf")
	idDoc := checkID(t, c, 0, "IDENTITY_DOCUMENT")
	r := upload(t, h.baseURL+"/api/v1/cases/"+c.ID+"/documents", h.users[contract.RoleComplianceOfficer].token,
		[]attachment{{idDoc, "passport.pdf", samplePDF("olga")}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	docs := decode[[]documentOut](t, r)
	require.Len(t, docs, 1)
	require.Equal(t, h.users[contract.RoleComplianceOfficer].ID, *docs[0].UploadedBy)
	o := h.onboarding(t, c.ID)
	require.Equal(t, "SUBMITTED", o.Entities[0].Checks[0].Status)
	require.Equal(t, "COLLECTING", *o.Flag, "the proof of address is still owed")
}

// What must never be kept: a renamed executable, a file over the limit,
// too many files, a file for an item not asked, and anything sent to a
// revoked link. Each is refused with a clear error and nothing stays in
// the bucket or on the case.
func TestDocumentsRefused(t *testing.T) {
	h := suite(t)
	c, portal := sentRequest(t, h, "Rex Refused")
	idDoc := checkID(t, c, 0, "IDENTITY_DOCUMENT")
	url := h.baseURL + portal + "/documents"

	big := append(samplePDF("big"), bytes.Repeat([]byte("0"), int(h.cfg.Documents.MaxFileBytes))...)
	many := make([]attachment, h.cfg.Documents.MaxFiles+1)
	for i := range many {
		many[i] = attachment{idDoc, "page.png", samplePNG(t, uint8(i))}
	}
	tests := []struct {
		name   string
		files  []attachment
		status int
		code   string
	}{
		{"a renamed executable", []attachment{{idDoc, "passport.pdf", sampleELF()}}, http.StatusUnsupportedMediaType, "DOCUMENT_TYPE_REFUSED"},
		{"a file over the limit", []attachment{{idDoc, "scan.pdf", big}}, http.StatusRequestEntityTooLarge, "DOCUMENT_TOO_LARGE"},
		{"too many files", many, http.StatusUnprocessableEntity, "TOO_MANY_DOCUMENTS"},
		{"an item not asked", []attachment{{uuid.NewString(), "passport.pdf", samplePDF("x")}}, http.StatusUnprocessableEntity, contract.CodeValidation},
		{"a good file after a bad one", []attachment{{idDoc, "ok.pdf", samplePDF("ok")}, {idDoc, "bad.pdf", sampleELF()}},
			http.StatusUnsupportedMediaType, "DOCUMENT_TYPE_REFUSED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := upload(t, url, "", tt.files)
			requireError(t, r, tt.status, tt.code)
			require.NotContains(t, r.env.Error.Message, "\x7fELF")
		})
	}
	requireNothingStored(t, h, c.ID)

	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/revoke", map[string]string{"reason": "Opened in error."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	requireError(t, upload(t, url, "", []attachment{{idDoc, "passport.pdf", samplePDF("late")}}), http.StatusGone, "REQUEST_REVOKED")
	requireNothingStored(t, h, c.ID)
}

func requireNothingStored(t *testing.T, h *harness, caseID string) {
	t.Helper()
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodGet, "/cases/"+caseID+"/documents", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Empty(t, decode[[]documentOut](t, r))
	_, err := os.Stat(filepath.Join(h.docsDir, "cases", caseID))
	if err == nil {
		entries, err := os.ReadDir(filepath.Join(h.docsDir, "cases", caseID))
		require.NoError(t, err)
		require.Empty(t, entries, "nothing of a refused upload is kept")
	}
}

// A document is read only through its own case: another case's ID, or an
// unknown one, is 404, and nothing is recorded.
func TestDocumentOfAnotherCase(t *testing.T) {
	h := suite(t)
	a, portal := sentRequest(t, h, "Anna Owner")
	b, _ := sentRequest(t, h, "Bert Other")
	r := upload(t, h.baseURL+portal+"/documents", "", []attachment{{checkID(t, a, 0, "IDENTITY_DOCUMENT"), "id.pdf", samplePDF("anna")}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodGet, "/cases/"+a.ID+"/documents", nil)
	doc := decode[[]documentOut](t, r)[0]

	for _, path := range []string{"/cases/" + b.ID + "/documents/" + doc.ID, "/cases/" + a.ID + "/documents/" + uuid.NewString()} {
		r := h.do(t, contract.RoleComplianceOfficer, http.MethodGet, path, nil)
		requireError(t, r, http.StatusNotFound, "NOT_FOUND")
	}
	requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodGet, "/cases/"+a.ID+"/documents/not-a-uuid", nil),
		http.StatusBadRequest, "INVALID_ID")
	for _, e := range h.onboarding(t, b.ID).Timeline {
		require.NotEqual(t, contract.EventDocumentViewed, e.EventType)
	}
}

// An information request made of a description alone is answered with a
// file for the request itself.
func TestDocumentAnswersAnInformationRequest(t *testing.T) {
	h := suite(t)
	email := "ira-" + uuid.NewString()[:8] + "@example.com"
	c := h.createCase(t, contract.RoleAnalyst, map[string]any{
		"type": "INFORMATION_REQUEST", "priority": "MEDIUM",
		"client":      map[string]string{"name": "Ira Request", "email": email},
		"description": "Your payslips for the last three months.",
		"dueDate":     time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339),
	})
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	portal := strings.Replace(linkIn(t, h.waitForMail(t, email, 1)), "/portal/r/", "/portal/api/r/", 1)
	r = call(t, h.baseURL, http.MethodGet, portal, "", nil)
	asked := decode[portalOut](t, r).Requested
	require.Len(t, asked, 1)
	r = upload(t, h.baseURL+portal+"/documents", "", []attachment{{asked[0].CheckID, "payslips.pdf", samplePDF("payslips")}},
		[2]string{"message", "Three payslips in one file."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Empty(t, decode[portalOut](t, r).Requested)
	o := h.onboarding(t, c.ID)
	require.Equal(t, "REVIEWING", *o.Flag)
	require.Equal(t, "SUBMITTED", o.Entities[0].Checks[0].Status)
}

// The sweep removes a stored file no case recorded, once it is older than
// the grace period, and leaves recorded ones.
func TestSweepRemovesUnrecordedDocuments(t *testing.T) {
	h := suite(t)
	ctx := context.Background()
	caseID := uuid.NewString()
	orphan := "cases/" + caseID + "/" + uuid.NewString()
	_, err := h.docs.Put(ctx, orphan, bytes.NewReader(samplePDF("orphan")))
	require.NoError(t, err)

	n, err := api.SweepDocuments(ctx, h.docs, h.store, time.Hour)
	require.NoError(t, err)
	require.Zero(t, n, "within the grace period an upload may still be in flight")
	n, err = api.SweepDocuments(ctx, h.docs, h.store, -time.Minute)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	_, err = h.docs.Open(ctx, orphan)
	require.Error(t, err, "the orphan is gone")

	// Recorded documents stay.
	a, portal := sentRequest(t, h, "Sam Sweep")
	r := upload(t, h.baseURL+portal+"/documents", "", []attachment{{checkID(t, a, 0, "IDENTITY_DOCUMENT"), "id.pdf", samplePDF("sam")}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	_, err = api.SweepDocuments(ctx, h.docs, h.store, -time.Minute)
	require.NoError(t, err)
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodGet, "/cases/"+a.ID+"/documents", nil)
	doc := decode[[]documentOut](t, r)[0]
	status, _, _ := download(t, h, contract.RoleComplianceOfficer, a.ID, doc.ID)
	require.Equal(t, http.StatusOK, status)
}

// Once a request's case has ended (a terminal status of its lifecycle:
// here CLOSED), its link takes nothing more.
func TestPortalOfAnEndedRequest(t *testing.T) {
	h := suite(t)
	c, portal := sentRequest(t, h, "Edda Ended")
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/status", map[string]string{"status": "CLOSED"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	requireError(t, call(t, h.baseURL, http.MethodGet, portal, "", nil), http.StatusGone, "REQUEST_CLOSED")
	requireError(t, upload(t, h.baseURL+portal+"/documents", "", []attachment{{checkID(t, c, 0, "IDENTITY_DOCUMENT"), "late.pdf", samplePDF("late")}}),
		http.StatusGone, "REQUEST_CLOSED")
	requireNothingStored(t, h, c.ID)
}
