package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Every write takes an Idempotency-Key, as a create does: the same key and
// body answer the first answer again byte for byte, another body is 422,
// and the change is applied once. Even with the key store lost, a retry
// reaches the workflow as the same update and is not applied twice.
func TestEveryWriteIsIdempotent(t *testing.T) {
	h := suite(t)
	inv := h.createCase(t, contract.RoleAnalyst, investigation("Retry Person"))
	onb, _ := h.sentRequest(t, "Retry Client")
	idDoc := checkID(t, onb, 0, "IDENTITY_DOCUMENT")
	sanctions := checkID(t, onb, 0, "SANCTIONS_SCREENING")
	due := time.Now().Add(20 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)

	writes := []struct {
		name, method, path string
		body, other        any
		status             int
	}{
		{"note", http.MethodPost, "/cases/" + inv.ID + "/notes", map[string]string{"content": "Called the branch."}, map[string]string{"content": "Another note."}, http.StatusCreated},
		{"assign", http.MethodPatch, "/cases/" + inv.ID + "/assign", map[string]any{"assigneeId": h.officer2.ID}, map[string]any{"assigneeId": nil}, http.StatusOK},
		{"status", http.MethodPatch, "/cases/" + inv.ID + "/status", map[string]string{"status": "IN_PROGRESS"}, map[string]string{"status": "PENDING_REVIEW"}, http.StatusOK},
		{"due date", http.MethodPatch, "/cases/" + inv.ID + "/due-date", map[string]any{"dueDate": due}, map[string]any{"dueDate": nil}, http.StatusOK},
		{"entity", http.MethodPost, "/cases/" + onb.ID + "/entities", map[string]any{"kind": "COMPANY", "name": "Roe Ltd", "role": "employer"}, map[string]any{"kind": "COMPANY", "name": "Other Ltd"}, http.StatusCreated},
		{"check", http.MethodPatch, "/cases/" + onb.ID + "/checks/" + idDoc, map[string]string{"status": "SUBMITTED"}, map[string]string{"status": "APPROVED"}, http.StatusOK},
		{"check result", http.MethodPost, "/cases/" + onb.ID + "/checks/" + sanctions + "/result", map[string]string{"result": "APPROVED", "provider": "ScreenCo", "reference": "SC-1"}, map[string]string{"result": "REJECTED", "provider": "ScreenCo"}, http.StatusAccepted},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			key := map[string]string{"Idempotency-Key": w.name + "-" + uuid.NewString()}
			token := h.users[contract.RoleBankAdmin].token
			first := callWithHeader(t, h.baseURL, w.method, "/api/v1"+w.path, token, w.body, key)
			require.Equal(t, w.status, first.status, "%s", first.body)
			again := callWithHeader(t, h.baseURL, w.method, "/api/v1"+w.path, token, w.body, key)
			require.Equal(t, w.status, again.status)
			require.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
			require.Equal(t, string(first.body), string(again.body), "the first answer, byte for byte")
			requireError(t, callWithHeader(t, h.baseURL, w.method, "/api/v1"+w.path, token, w.other, key),
				http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED")
		})
	}

	// Each change above is in its case's timeline once.
	count := func(id, typ string) int {
		n := 0
		for _, e := range h.onboarding(t, id).Timeline {
			if e.EventType == typ {
				n++
			}
		}
		return n
	}
	require.Equal(t, 1, count(inv.ID, contract.EventNoteAdded))
	require.Equal(t, 1, count(inv.ID, contract.EventAssigned))
	require.Equal(t, 1, count(inv.ID, contract.EventStatusChanged))
	require.Equal(t, 1, count(inv.ID, contract.EventDueDateChanged))
	require.Equal(t, 1, count(onb.ID, contract.EventEntityAdded))

	// The key store lost: the retry still reaches the workflow as the same
	// update, which answers it without applying it again.
	key := map[string]string{"Idempotency-Key": "lost-" + uuid.NewString()}
	note := map[string]string{"content": "Asked the client for payslips."}
	token := h.users[contract.RoleAnalyst].token
	first := callWithHeader(t, h.baseURL, http.MethodPost, "/api/v1/cases/"+inv.ID+"/notes", token, note, key)
	require.Equal(t, http.StatusCreated, first.status, "%s", first.body)
	_, err := h.store.DB().Exec(`DELETE FROM idempotency_keys WHERE key = $1`, key["Idempotency-Key"])
	require.NoError(t, err)
	again := callWithHeader(t, h.baseURL, http.MethodPost, "/api/v1/cases/"+inv.ID+"/notes", token, note, key)
	require.Equal(t, http.StatusCreated, again.status, "%s", again.body)
	require.Empty(t, again.header.Get("Idempotent-Replayed"), "answered by the workflow, not the key store")
	require.Equal(t, decode[eventOut](t, first).ID, decode[eventOut](t, again).ID, "the same note")
	require.Equal(t, 2, count(inv.ID, contract.EventNoteAdded), "the first note and this one, once")

	// Without a key, a write is a new change each time.
	for range 2 {
		r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+inv.ID+"/notes", map[string]string{"content": "No key."})
		require.Equal(t, http.StatusCreated, r.status)
	}
	require.Equal(t, 4, count(inv.ID, contract.EventNoteAdded))
}
