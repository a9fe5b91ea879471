package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/caseflow/caseflow/workflows/contract"
)

// Document is a row of case_documents: what a file a case received is.
type Document struct {
	ID          string         `db:"id"`
	CaseID      string         `db:"case_id"`
	CheckID     string         `db:"check_id"`
	Name        string         `db:"name"`
	ContentType string         `db:"content_type"`
	Size        int64          `db:"size"`
	SHA256      string         `db:"sha256"`
	UploadedBy  sql.NullString `db:"uploaded_by"`
	UploadedAt  time.Time      `db:"uploaded_at"`
}

// projectDocuments copies the case's documents; a document, once
// recorded, never changes, so a retried write adds nothing.
func (s *Store) projectDocuments(ctx context.Context, tx *sqlx.Tx, c contract.Case) error {
	if len(c.Documents) == 0 {
		return nil
	}
	docs, err := json.Marshal(c.Documents)
	if err != nil {
		return fmt.Errorf("project documents of case %s: %w", c.ID, err)
	}
	if _, err := s.txExec(ctx, tx, insertDocuments, c.ID, docs); err != nil {
		return fmt.Errorf("project documents of case %s: %w", c.ID, err)
	}
	return nil
}

// insertDocuments adds case $1's documents from the JSON array $2, as
// contract.Document marshals them; one already there is left as it is.
const insertDocuments = `
	INSERT INTO case_documents (id, case_id, check_id, name, content_type, size, sha256, uploaded_by, uploaded_at)
	SELECT d.id, $1, d."checkId", d.name, d."contentType", d.size, d.sha256, d."uploadedBy", d."uploadedAt"
	FROM jsonb_to_recordset($2::jsonb) AS d(id uuid, "checkId" uuid, name text, "contentType" text,
		size bigint, sha256 text, "uploadedBy" uuid, "uploadedAt" timestamptz)
	ON CONFLICT (id) DO NOTHING`

const documentColumns = `id, case_id, check_id, name, content_type, size, sha256, uploaded_by, uploaded_at`

// Documents lists the documents of a case, oldest first.
func (s *Store) Documents(ctx context.Context, caseID string) ([]Document, error) {
	docs := []Document{}
	if err := s.list(ctx, &docs, `SELECT `+documentColumns+` FROM case_documents WHERE case_id = $1 ORDER BY uploaded_at, id`, caseID); err != nil {
		return nil, fmt.Errorf("documents of case %s: %w", caseID, err)
	}
	return docs, nil
}

// Document is one document of one case: ErrNotFound when the case has no
// such document, whichever case it belongs to.
func (s *Store) Document(ctx context.Context, caseID, id string) (Document, error) {
	var d Document
	err := s.get(ctx, &d, `SELECT `+documentColumns+` FROM case_documents WHERE case_id = $1 AND id = $2`, caseID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, ErrNotFound
	}
	if err != nil {
		return Document{}, fmt.Errorf("document %s of case %s: %w", id, caseID, err)
	}
	return d, nil
}

// DocumentRecorded reports whether a case recorded the document: the sweep
// removes a stored file only when none did.
func (s *Store) DocumentRecorded(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.get(ctx, &n, `SELECT count(*) FROM case_documents WHERE id = $1`, id); err != nil {
		return false, fmt.Errorf("document %s: %w", id, err)
	}
	return n > 0, nil
}

// RecordDocumentView appends a DOCUMENT_VIEWED event to the timeline of a
// case whose workflow has ended: nothing else writes that timeline any
// more, so the event takes the next number. Two downloads at once race
// for it; the loser takes the one after.
func (s *Store) RecordDocumentView(ctx context.Context, caseID, actorID, documentID string) error {
	meta, err := json.Marshal(map[string]string{"documentId": documentID})
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		_, err = s.db.ExecContext(ctx, `
			INSERT INTO case_events (id, case_id, seq, event_type, actor_id, description, metadata, created_at)
			SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, $4, 'Document opened', $5, now()
			FROM case_events WHERE case_id = $2`,
			uuid.NewString(), caseID, contract.EventDocumentViewed, actorID, meta)
		if err == nil || !isUniqueViolation(err) || attempt == 5 {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("record a view of document %s: %w", documentID, err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505"
}
