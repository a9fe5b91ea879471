package contract

import (
	"encoding/hex"
	"time"

	"github.com/google/uuid"
)

// Documents: files a client (or an officer on their behalf) sends for a
// requested item. The bytes are stored apart, encrypted (store/documents);
// a case records what each document is, so the history and the
// projection say who sent what, for which item, and its SHA-256, without
// ever holding the file.

// Document is one file sent for one requested item (a check, or the
// request item itself).
type Document struct {
	ID string `json:"id"`
	// CheckID is the requested item the document answers.
	CheckID string `json:"checkId"`
	// Name is the file's name as sent, for people; the type is decided
	// from the content (ContentType), never from the name.
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	// SHA256 is the hex digest of the file's plaintext.
	SHA256 string `json:"sha256"`
	// UploadedBy is the officer who sent it for the client; nil when the
	// client sent it.
	UploadedBy *string   `json:"uploadedBy,omitempty"`
	UploadedAt time.Time `json:"uploadedAt"`
}

// DocumentView records an officer opening one document: access to
// identity documents must be traceable.
type DocumentView struct {
	ActorID    string `json:"actorId"`
	DocumentID string `json:"documentId"`
}

// Bounds on documents, so that one case cannot bloat its history: what a
// deployment allows is configured lower (documents.maxFiles).
const (
	MaxDocumentsPerAnswer = 100
	MaxDocuments          = 1_000
	// MaxDocumentBytes bounds one file whatever the configuration says.
	MaxDocumentBytes = 1 << 30
	// MaxContentType bounds a media type's name.
	MaxContentType = 100
)

// DefaultDocumentBytes is the largest file accepted unless configured
// otherwise (documents.maxFileBytes).
const DefaultDocumentBytes = 20 << 20

// DefaultDocumentTypes are the media types accepted unless configured
// otherwise (documents.types): what a KYC team receives, scans and photos of
// identity documents and proofs of address (HEIC/HEIF from phones).
func DefaultDocumentTypes() []string {
	return []string{"application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "image/tiff", "image/webp"}
}

// validate holds what the API recorded of a stored document to the
// contract.
func (d Document) validate(errs *Errors, field string) {
	if _, err := uuid.Parse(d.ID); err != nil {
		errs.Add(field+".id", "must be a UUID")
	}
	errs.Text(field+".checkId", d.CheckID, RequiredLine)
	errs.Text(field+".name", d.Name, Line)
	errs.Text(field+".contentType", d.ContentType, Text{Max: MaxContentType, Required: true})
	if d.Size <= 0 || d.Size > MaxDocumentBytes {
		errs.Add(field+".size", "must be from 1 to %d bytes", MaxDocumentBytes)
	}
	if b, err := hex.DecodeString(d.SHA256); err != nil || len(b) != 32 {
		errs.Add(field+".sha256", "must be a SHA-256 in hex")
	}
	if d.UploadedBy != nil {
		if _, err := uuid.Parse(*d.UploadedBy); err != nil {
			errs.Add(field+".uploadedBy", "must be a UUID")
		}
	}
}

// Validate holds a document view's IDs to the contract.
func (v DocumentView) Validate() error {
	var errs Errors
	if _, err := uuid.Parse(v.ActorID); err != nil {
		errs.Add("actorId", "must be a UUID")
	}
	if _, err := uuid.Parse(v.DocumentID); err != nil {
		errs.Add("documentId", "must be a UUID")
	}
	return errs.Err()
}
