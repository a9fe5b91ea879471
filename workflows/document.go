package workflows

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/workflows/contract"
)

// Documents (docs/ARCHITECTURE.md, "Documents"): a submission's files are
// recorded with the answer they come with (onSubmit); an officer opening
// one is recorded here. The case holds what each file is, never its bytes.

// validateDocuments checks a submission's files against the case: each
// answers an item the client owes, is new to the case, and the case stays
// within its bound.
func (r *caseRun) validateDocuments(s contract.Submission) error {
	if len(r.c.Documents)+len(s.Documents) > contract.MaxDocuments {
		return invalid(contract.FieldError{Field: "documents", Message: fmt.Sprintf("a case holds at most %d documents", contract.MaxDocuments)})
	}
	for n, d := range s.Documents {
		field := fmt.Sprintf("documents[%d]", n)
		i, j, err := r.findCheck(d.CheckID)
		if err != nil || !requested(r.c.Entities[i].Checks[j]) {
			return invalid(contract.FieldError{Field: field + ".checkId", Message: "is not an item requested from the client"})
		}
		if r.hasDocument(d.ID) || slices.ContainsFunc(s.Documents[:n], func(o contract.Document) bool { return o.ID == d.ID }) {
			return invalid(contract.FieldError{Field: field + ".id", Message: "is a document the case has already"})
		}
	}
	return nil
}

func (r *caseRun) hasDocument(id string) bool {
	return slices.ContainsFunc(r.c.Documents, func(d contract.Document) bool { return d.ID == id })
}

// recordDocuments adds a submission's files to the case, one
// DOCUMENT_UPLOADED event each, and returns the events.
func (r *caseRun) recordDocuments(ctx workflow.Context, s contract.Submission) []contract.Event {
	var actor *string
	if s.ActorID != "" {
		actor = &s.ActorID
	}
	now := workflow.Now(ctx).UTC()
	events := make([]contract.Event, 0, len(s.Documents))
	for _, d := range s.Documents {
		d.UploadedBy, d.UploadedAt = actor, now
		r.c.Documents = append(r.c.Documents, d)
		i, j, _ := r.findCheck(d.CheckID)
		ev := r.event(contract.EventDocumentUploaded, actor,
			fmt.Sprintf("Document received for %s of %s (%s, %d bytes)", contract.CheckLabel(r.c.Entities[i].Checks[j].Type), r.c.Entities[i].Name, d.ContentType, d.Size), nil, nil)
		ev.Metadata = contract.JSONValue(map[string]any{"documentId": d.ID, "checkId": d.CheckID, "name": d.Name,
			"contentType": d.ContentType, "size": d.Size, "sha256": d.SHA256})
		events = append(events, ev)
	}
	return events
}

func (r *caseRun) validateViewDocument(v contract.DocumentView) error {
	if !r.hasDocument(v.DocumentID) {
		return reject(contract.CodeNotFound, "document not found")
	}
	return nil
}

// onViewDocument records an officer opening a document before the API
// hands it over: no access goes unrecorded.
func (r *caseRun) onViewDocument(ctx workflow.Context, v contract.DocumentView) (contract.Event, error) {
	ev := r.event(contract.EventDocumentViewed, &v.ActorID, "Document opened", nil, nil)
	ev.Metadata = contract.JSONValue(map[string]string{"documentId": v.DocumentID})
	if err := r.commit(ctx, []contract.Event{ev}); err != nil {
		return contract.Event{}, err
	}
	return ev, nil
}
