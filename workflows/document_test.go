package workflows_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/contract"
)

func document(checkID, body string) contract.Document {
	sum := sha256.Sum256([]byte(body))
	return contract.Document{ID: uuid.NewString(), CheckID: checkID, Name: "payslips.pdf",
		ContentType: "application/pdf", Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}
}

// A client answers an information request with a file: the case records
// what the file is (never its bytes) with a DOCUMENT_UPLOADED event, the
// item becomes SUBMITTED, and an officer opening it is a DOCUMENT_VIEWED
// event. A file for an item not asked, or one the case has already, is
// refused before anything is written.
func TestDocumentsAnswerARequest(t *testing.T) {
	h := newHarness(t, nil)
	h.newCase.Type = "INFORMATION_REQUEST"
	h.newCase.Family = contract.FamilyOnboarding
	h.newCase.Description = "Your payslips for the last three months."
	item := contract.CheckID(contract.EntityID(h.newCase.ID, 0), contract.CheckRequestedInformation)
	payslips := document(item, "%PDF-1.7 payslips")

	h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	notAsked := h.send(contract.UpdateSubmit, contract.Submission{Documents: []contract.Document{document(uuid.NewString(), "x")}})
	answered := h.send(contract.UpdateSubmit, contract.Submission{Message: "Attached.", Documents: []contract.Document{payslips}})
	again := h.send(contract.UpdateSubmit, contract.Submission{Documents: []contract.Document{payslips}})
	viewed := h.send(contract.UpdateViewDocument, contract.DocumentView{ActorID: h.officer.ID, DocumentID: payslips.ID})
	unknown := h.send(contract.UpdateViewDocument, contract.DocumentView{ActorID: h.officer.ID, DocumentID: uuid.NewString()})
	var st contract.State
	h.at(time.Minute, func() { queryInto(h, &st) })
	h.closeAt(time.Hour)
	h.run()
	require.NoError(t, h.env.GetWorkflowError())

	require.ErrorContains(t, notAsked.rejected, "documents[0].checkId")
	require.NoError(t, answered.rejected)
	require.NoError(t, answered.err)
	require.ErrorContains(t, again.rejected, "nothing is requested", "answered: the item is no longer owed")
	require.NoError(t, viewed.rejected)
	require.NoError(t, viewed.err)
	require.ErrorContains(t, unknown.rejected, "document not found")

	require.Len(t, st.Case.Documents, 1)
	got := st.Case.Documents[0]
	require.Equal(t, payslips.SHA256, got.SHA256)
	require.Nil(t, got.UploadedBy, "the client sent it")
	require.False(t, got.UploadedAt.IsZero())
	require.Equal(t, contract.CheckSubmitted, st.Case.Entities[0].Checks[0].Status)

	var uploaded, seen int
	for _, e := range h.timeline() {
		switch e.EventType {
		case contract.EventDocumentUploaded:
			uploaded++
			require.Contains(t, string(e.Metadata), payslips.ID)
			require.Contains(t, string(e.Metadata), payslips.SHA256)
		case contract.EventDocumentViewed:
			seen++
			require.Equal(t, h.officer.ID, e.ActorID.String)
		}
	}
	require.Equal(t, 1, uploaded)
	require.Equal(t, 1, seen)
	docs, err := h.store.Documents(context.Background(), h.newCase.ID)
	require.NoError(t, err)
	require.Len(t, docs, 1, "the projection lists it")
	require.Equal(t, payslips.SHA256, docs[0].SHA256)
}
