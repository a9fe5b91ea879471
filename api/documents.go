package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// Documents (docs/ARCHITECTURE.md, "Documents"): files a client sends
// through the portal, or an officer on their behalf, for the items a
// request asks. An upload streams each file into the document store,
// encrypted, and then sends the case one submission naming them; the
// workflow records them. A file stored whose submission the case refused
// is deleted at once, and one left behind by a crash is swept later.

// Refusal codes of uploads.
const (
	codeDocumentTooLarge = "DOCUMENT_TOO_LARGE"
	codeDocumentType     = "DOCUMENT_TYPE_REFUSED"
	codeTooManyDocuments = "TOO_MANY_DOCUMENTS"
	codeDocumentsOff     = "DOCUMENTS_UNAVAILABLE"
)

// filePrefix names a multipart file field by the item it answers:
// file:<checkId>. A field per item lets one plain HTML form carry a file
// input for each requested item.
const filePrefix = "file:"

// Bounds on what an upload carries besides its files (which the document
// store bounds): each field, all of them together, and the items ticked.
const (
	maxFormField  = 64 << 10
	maxFormFields = 1 << 20
	// uploadTimeout is how long an upload's body may take to arrive: the
	// server's read timeout (30 s) is for ordinary requests, and twenty
	// 20 MB files from a phone take minutes.
	uploadTimeout = 15 * time.Minute
)

// uploadPaths are the routes whose body is a stream of files, read by the
// handler instead of limitBody.
var uploadPaths = regexp.MustCompile(`^/(api/v1/cases/[^/]+/documents|portal/api/r/[^/]+/documents|portal/r/[^/]+)$`)

// streamsBody reports whether the request is an upload: a multipart POST
// to an upload route.
func streamsBody(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost || !uploadPaths.MatchString(c.Path()) {
		return false
	}
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	return err == nil && mt == "multipart/form-data"
}

// documentJSON is a document as the API shows it.
type documentJSON struct {
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

func toDocumentJSON(d store.Document) documentJSON {
	out := documentJSON{ID: d.ID, CaseID: d.CaseID, CheckID: d.CheckID, Name: d.Name, ContentType: d.ContentType,
		Size: d.Size, SHA256: d.SHA256, UploadedAt: d.UploadedAt.UTC()}
	if d.UploadedBy.Valid {
		out.UploadedBy = &d.UploadedBy.String
	}
	return out
}

// objectKey is where a document's bytes are kept: under its case, so a
// key copied to another case fails to decrypt.
func objectKey(caseID, documentID string) string { return "cases/" + caseID + "/" + documentID }

// upload is what a multipart upload carried.
type upload struct {
	// items are the items ticked without a file (checkId fields).
	items     []string
	message   string
	documents []contract.Document
}

// readUpload streams a multipart body's files into the document store,
// each under a new ID, and reads its other fields. On any failure the
// files it stored are deleted and nothing is kept.
func (s *Server) readUpload(c *fiber.Ctx, caseID string) (upload, error) {
	if s.docs == nil {
		return upload{}, apiError(http.StatusServiceUnavailable, codeDocumentsOff, "document storage is not configured (it needs codec.keys)")
	}
	_, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || params["boundary"] == "" {
		return upload{}, apiError(http.StatusBadRequest, codeMalformed, "want a multipart/form-data body")
	}
	body := c.Context().RequestBodyStream()
	if body == nil {
		return upload{}, apiError(http.StatusBadRequest, codeMalformed, "want a multipart/form-data body")
	}
	// The body arrives as the client sends it: allow it the time a large
	// upload takes, on this connection alone.
	if err := c.Context().Conn().SetReadDeadline(time.Now().Add(uploadTimeout)); err != nil {
		return upload{}, fmt.Errorf("upload deadline: %w", err)
	}
	var up upload
	fail := func(err error) (upload, error) {
		s.discard(c, caseID, up.documents)
		// The rest of the body is not read: the connection goes with it
		// (limitBody marks every upload's connection to close).
		return upload{}, err
	}
	fields := 0 // bytes of the fields that are not files
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(apiError(http.StatusBadRequest, codeMalformed, "the multipart body could not be read"))
		}
		name := part.FormName()
		switch {
		case strings.HasPrefix(name, filePrefix) && part.FileName() != "":
			if len(up.documents) == s.cfg.Documents.MaxFiles {
				return fail(apiError(http.StatusUnprocessableEntity, codeTooManyDocuments,
					"at most %d files can be sent at once", s.cfg.Documents.MaxFiles))
			}
			d, err := s.storeFile(c, caseID, strings.TrimPrefix(name, filePrefix), part)
			if err != nil {
				return fail(err)
			}
			if d.ID != "" {
				up.documents = append(up.documents, d)
			}
		default:
			// A field, an empty file input (a browser sends one for each
			// left blank) or a part the API does not take: each, and all
			// of them together, bounded, so that no part streams on
			// unread.
			v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return fail(apiError(http.StatusBadRequest, codeMalformed, "the multipart body could not be read"))
			}
			if fields += len(v); len(v) > maxFormField || fields > maxFormFields {
				return fail(apiError(http.StatusUnprocessableEntity, contract.CodeValidation, "%s is too long", clip(name, 40)))
			}
			switch name {
			case "message":
				up.message = string(v)
			case "checkId":
				if len(up.items) == contract.MaxSubmittedChecks {
					return fail(invalid(contract.FieldError{Field: "checkId", Message: fmt.Sprintf("at most %d", contract.MaxSubmittedChecks)}))
				}
				up.items = append(up.items, string(v))
			}
		}
	}
	return up, nil
}

// storeFile streams one file part into the document store. A part with no
// bytes (an empty file input) is skipped: zero Document, no error.
func (s *Server) storeFile(c *fiber.Ctx, caseID, checkID string, part *multipart.Part) (contract.Document, error) {
	if _, err := uuid.Parse(checkID); err != nil {
		return contract.Document{}, invalid(contract.FieldError{Field: "file:" + clip(checkID, 40), Message: "must name a requested item"})
	}
	id := uuid.Must(uuid.NewV7()).String()
	st, err := s.docs.Put(c.UserContext(), objectKey(caseID, id), part)
	var typeErr *documents.TypeError
	switch {
	case errors.Is(err, documents.ErrEmpty):
		return contract.Document{}, nil
	case errors.Is(err, documents.ErrTooLarge):
		return contract.Document{}, apiError(http.StatusRequestEntityTooLarge, codeDocumentTooLarge,
			"%s is over %d MB", fileLabel(part), s.cfg.Documents.MaxFileBytes>>20)
	case errors.As(err, &typeErr):
		return contract.Document{}, apiError(http.StatusUnsupportedMediaType, codeDocumentType,
			"%s is %s, which is not accepted: send %s", fileLabel(part), typeErr.Type, strings.Join(s.cfg.Documents.Types, ", "))
	case err != nil:
		return contract.Document{}, fmt.Errorf("store a document of case %s: %w", caseID, err)
	}
	return contract.Document{ID: id, CheckID: checkID, Name: fileName(part.FileName()), ContentType: st.ContentType,
		Size: st.Size, SHA256: st.SHA256}, nil
}

// fileName keeps a file's name storable and short: the contract's Line,
// without the path a browser may send or characters the contract refuses.
func fileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || (r >= 0xd800 && r <= 0xdfff) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = clip(strings.TrimSpace(name), contract.MaxLine)
	if contract.Line.Problem(name) != "" || name == "" {
		return "document"
	}
	return name
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func fileLabel(part *multipart.Part) string {
	return fmt.Sprintf("%q", fileName(part.FileName()))
}

// discard deletes the files of an upload the case did not take. What a
// failure here leaves behind, the sweep removes.
func (s *Server) discard(c *fiber.Ctx, caseID string, docs []contract.Document) {
	for _, d := range docs {
		if err := s.docs.Delete(c.UserContext(), objectKey(caseID, d.ID)); err != nil {
			s.log.WarnContext(c.UserContext(), "an unrecorded document is left for the sweep", "document", d.ID, "err", err)
		}
	}
}

// submitUpload sends the case the upload as one submission; actorID is
// the officer uploading for the client, or "" for the client.
func (s *Server) submitUpload(c *fiber.Ctx, caseID string, up upload, actorID string) error {
	// A file answers its item; the items ticked without one are answered
	// too (a client may say they sent it another way).
	items := up.items
	if len(items) == 0 && len(up.documents) == 0 {
		return invalid(contract.FieldError{Field: "files", Message: "send at least one file or tick an item"})
	}
	sub := contract.Submission{CheckIDs: items, Message: up.message, Documents: up.documents, ActorID: actorID}
	if sub.CheckIDs == nil {
		sub.CheckIDs = []string{}
		for _, d := range up.documents {
			sub.CheckIDs = append(sub.CheckIDs, d.CheckID)
		}
	}
	err := s.checkValues(sub)
	if err == nil {
		err = s.update(c, caseID, contract.UpdateSubmit, sub, nil)
	}
	// A refusal (4xx) took nothing: the files go now. Any other failure
	// (Temporal out of reach, a timeout) may yet be applied by the case,
	// which would then name the files: the sweep decides, once the case
	// can say (SweepDocuments).
	if err != nil && classify(err).Status < http.StatusInternalServerError {
		s.discard(c, caseID, up.documents)
	}
	return err
}

// uploadDocuments takes files an officer sends for the client.
func (s *Server) uploadDocuments(c *fiber.Ctx) error {
	row, err := s.existingCase(c)
	if err != nil {
		return err
	}
	up, err := s.readUpload(c, row.ID)
	if err != nil {
		return err
	}
	if err := s.submitUpload(c, row.ID, up, currentUser(c).ID); err != nil {
		return err
	}
	out := make([]documentJSON, 0, len(up.documents))
	for _, d := range up.documents {
		doc, err := s.store.Document(c.UserContext(), row.ID, d.ID)
		if err != nil {
			return fmt.Errorf("read back document %s: %w", d.ID, err)
		}
		out = append(out, toDocumentJSON(doc))
	}
	return ok(c, http.StatusCreated, out)
}

// listDocuments lists a case's documents, oldest first.
func (s *Server) listDocuments(c *fiber.Ctx) error {
	row, err := s.existingCase(c)
	if err != nil {
		return err
	}
	docs, err := s.store.Documents(c.UserContext(), row.ID)
	if err != nil {
		return err
	}
	out := make([]documentJSON, len(docs))
	for i, d := range docs {
		out[i] = toDocumentJSON(d)
	}
	return ok(c, http.StatusOK, out)
}

// downloadDocument hands an officer one document, after recording who
// opened it: access to identity documents must be traceable, so no record,
// no document.
func (s *Server) downloadDocument(c *fiber.Ctx) error {
	row, err := s.existingCase(c)
	if err != nil {
		return err
	}
	docID, err := pathUUID(c, "documentId", "document")
	if err != nil {
		return err
	}
	doc, err := s.store.Document(c.UserContext(), row.ID, docID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("document")
	}
	if err != nil {
		return err
	}
	if s.docs == nil {
		return apiError(http.StatusServiceUnavailable, codeDocumentsOff, "document storage is not configured (it needs codec.keys)")
	}
	if err := s.recordView(c, row, docID); err != nil {
		return err
	}
	rc, err := s.docs.Open(c.UserContext(), objectKey(row.ID, docID))
	if err != nil {
		return fmt.Errorf("open document %s: %w", docID, err)
	}
	c.Set(fiber.HeaderContentType, doc.ContentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": doc.Name}))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	c.Set("X-Document-SHA256", doc.SHA256)
	return c.Status(http.StatusOK).SendStream(rc, int(doc.Size))
}

// recordView records the download as a DOCUMENT_VIEWED event: through the
// case's workflow while it runs, straight into the timeline once it has
// ended (nothing else writes an ended case's timeline).
func (s *Server) recordView(c *fiber.Ctx, row store.Case, docID string) error {
	actor := currentUser(c).ID
	view := contract.DocumentView{ActorID: actor, DocumentID: docID}
	err := s.update(c, row.ID, contract.UpdateViewDocument, view, nil)
	var e *Error
	if errors.As(err, &e) && e.Code == contract.CodeCaseClosed {
		return s.store.RecordDocumentView(c.UserContext(), row.ID, actor, docID)
	}
	return err
}

// SweepDocuments deletes stored files no case recorded, once older than
// grace: the leftovers of uploads whose submission was refused or never
// taken (a crash between the store and the update), and the partial
// files of a write cut off. A file younger than grace may belong to an
// upload still in flight. The case's workflow is the authority on what it
// recorded; the projection may lag it (a write Postgres refused is retried
// for an hour and more), so a file the projection does not name is kept
// while the workflow names it, or cannot be asked. It returns how many it
// deleted.
func SweepDocuments(ctx context.Context, docs *documents.Store, s *store.Store, cases *temporalclient.Cases, grace time.Duration) (int, error) {
	cutoff := time.Now().Add(-grace)
	deleted := 0
	for obj, err := range docs.List(ctx, "cases/") {
		if err != nil {
			return deleted, fmt.Errorf("sweep documents: %w", err)
		}
		if obj.ModTime.After(cutoff) {
			continue
		}
		orphan, err := unrecorded(ctx, obj.Key, s, cases)
		if err != nil {
			return deleted, fmt.Errorf("sweep documents: %w", err)
		}
		if !orphan {
			continue
		}
		if err := docs.Delete(ctx, obj.Key); err != nil {
			return deleted, fmt.Errorf("sweep documents: %w", err)
		}
		deleted++
	}
	return deleted, nil
}

// unrecorded reports whether the stored object key belongs to no case:
// cases/<case>/<document>, or a partial write beside it (<…>.tmp).
func unrecorded(ctx context.Context, key string, s *store.Store, cases *temporalclient.Cases) (bool, error) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 {
		return false, nil // not written by an upload
	}
	caseID, id := parts[1], parts[2]
	if strings.HasSuffix(id, ".tmp") {
		return true, nil // a write that never finished
	}
	if _, err := uuid.Parse(id); err != nil {
		return false, nil
	}
	recorded, err := s.DocumentRecorded(ctx, id)
	if err != nil || recorded {
		return false, err
	}
	st, err := cases.State(ctx, caseID)
	switch {
	case errors.Is(err, temporalclient.ErrNoWorkflow):
		// No workflow any more: the projection is all there is, and it
		// does not name the file.
		return true, nil
	case err != nil:
		// The case cannot say now: keep the file for the next sweep.
		return false, nil
	}
	return !slices.ContainsFunc(st.Case.Documents, func(d contract.Document) bool { return d.ID == id }), nil
}
