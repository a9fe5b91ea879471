package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestHostileInputNeverWedgesACase replays what a security probe sent to
// break cases for good: NUL bytes, lone surrogates, numbers no double
// holds, a due date past year 9999, oversized objects. Before the contract,
// each was applied by the workflow and refused by Postgres, and the case
// answered 500 to every later write. Now each is a 4xx naming the field,
// answered before anything reaches the workflow, and the cases stay
// writable, their workflow and projection agreeing.
func TestHostileInputNeverWedgesACase(t *testing.T) {
	h := suite(t)
	inv := h.createCase(t, contract.RoleAnalyst, investigation("Hostile Person"))
	onb, link := h.sentRequest(t, "Hostile Client")
	checkPath := "/cases/" + onb.ID + "/checks/" + checkID(t, onb, 0, "IDENTITY_DOCUMENT")
	apiLink := "/api/v1" // the portal's JSON twin lives outside /api/v1
	portalJSON := strings.Replace(link, "/portal/r/", "/portal/api/r/", 1) + "/submit"

	create := func(edit string) string {
		// A valid investigation with one member replaced, as raw JSON so
		// escapes reach the API as an attacker writes them.
		b, err := json.Marshal(investigation("Hostile Person"))
		require.NoError(t, err)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(b, &m))
		key, value, _ := strings.Cut(edit, "=")
		m[key] = json.RawMessage(value)
		out, err := json.Marshal(m)
		require.NoError(t, err)
		return string(out)
	}
	bigMetadata := `{"blob":"` + strings.Repeat("x", 20<<10) + `"}`
	deepMetadata := strings.Repeat(`{"a":`, 9) + "1" + strings.Repeat("}", 9)

	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"NUL in a note", http.MethodPost, "/cases/" + inv.ID + "/notes", `{"content":"hello\u0000world"}`, 422, "content"},
		{"lone surrogate in a note", http.MethodPost, "/cases/" + inv.ID + "/notes", `{"content":"hello \ud800"}`, 422, "content"},
		{"escape character in a note", http.MethodPost, "/cases/" + inv.ID + "/notes", `{"content":"\u001b[31mred"}`, 422, "content"},
		{"NUL in a resolution note", http.MethodPatch, "/cases/" + inv.ID + "/status", `{"status":"IN_PROGRESS","resolutionNote":"x\u0000"}`, 422, "resolutionNote"},
		{"NUL in a rejection reason", http.MethodPatch, checkPath, `{"status":"REJECTED","reason":"blurred\u0000"}`, 422, "reason"},
		{"NUL in a revoke reason", http.MethodPost, "/cases/" + onb.ID + "/revoke", `{"reason":"withdrawn\u0000"}`, 422, "reason"},
		{"NUL in an entity name", http.MethodPost, "/cases/" + onb.ID + "/entities", `{"kind":"INDIVIDUAL","name":"Jo\u0000"}`, 422, "name"},
		{"lone surrogate in entity details", http.MethodPost, "/cases/" + onb.ID + "/entities", `{"kind":"INDIVIDUAL","name":"Jo","details":{"a":"\ud800"}}`, 422, "details.a"},
		{"huge number in entity details", http.MethodPost, "/cases/" + onb.ID + "/entities", `{"kind":"INDIVIDUAL","name":"Jo","details":{"n":1e1000000}}`, 422, "details.n"},
		{"NUL in a provider", http.MethodPost, checkPath + "/result", `{"result":"APPROVED","provider":"P\u0000","reference":"r"}`, 422, "provider"},
		{"due date past year 9999 in UTC", http.MethodPatch, "/cases/" + inv.ID + "/due-date", `{"dueDate":"9999-12-31T23:00:00-05:00"}`, 422, "dueDate"},
		{"due date decades ahead", http.MethodPatch, "/cases/" + inv.ID + "/due-date", `{"dueDate":"2090-01-01T00:00:00Z"}`, 422, "dueDate"},

		{"NUL in a title", http.MethodPost, "/cases", create(`title="Structuring\u0000"`), 422, "title"},
		{"newline in a title", http.MethodPost, "/cases", create(`title="Structuring\nnow"`), 422, "title"},
		{"NUL in a tag", http.MethodPost, "/cases", create(`tags=["cash\u0000"]`), 422, "tags[0]"},
		{"NUL in a property", http.MethodPost, "/cases", create(`properties={"branch":"Leeds\u0000"}`), 422, "properties.branch"},
		{"too many properties", http.MethodPost, "/cases", create(`properties=` + manyProperties(51)), 422, "properties"},
		{"NUL in the external ID", http.MethodPost, "/cases", create(`externalId="X\u0000"`), 422, "externalId"},
		{"NUL in the client's name", http.MethodPost, "/cases", create(`client={"name":"Jo\u0000","email":"jo@example.com"}`), 422, "client.name"},
		{"overlong client external ID", http.MethodPost, "/cases", create(`client={"name":"Jo","externalId":"` + strings.Repeat("x", 201) + `"}`), 422, "client.externalId"},
		{"NUL in metadata", http.MethodPost, "/cases", create(`metadata={"source":"x\u0000"}`), 422, "metadata.source"},
		{"lone surrogate in metadata", http.MethodPost, "/cases", create(`metadata={"source":"\udc00"}`), 422, "metadata.source"},
		{"huge number in metadata", http.MethodPost, "/cases", create(`metadata={"score":1e1000000}`), 422, "metadata.score"},
		{"oversized metadata", http.MethodPost, "/cases", create(`metadata=` + bigMetadata), 422, "metadata"},
		{"deep metadata", http.MethodPost, "/cases", create(`metadata=` + deepMetadata), 422, "metadata.a.a.a.a.a.a.a.a"},
		{"far due date on create", http.MethodPost, "/cases", create(`dueDate="9999-12-31T23:00:00-05:00"`), 422, "dueDate"},

		{"NUL in a search", http.MethodGet, "/cases?q=%00", "", 422, "q"},
		{"invalid UTF-8 in a search", http.MethodGet, "/cases?q=%ff", "", 422, "q"},
		{"truncated UTF-8 in a search", http.MethodGet, "/cases?q=%c3%28", "", 422, "q"},
		{"invalid UTF-8 in a body", http.MethodPost, "/cases/" + inv.ID + "/notes", "{\"content\":\"\xff\"}", 400, ""},

		{"NUL in a verdict's hit", http.MethodPost, "/screenings", hostileVerdict(`{"list":"OFAC\u0000"}`), 422, "hits[0].details.list"},
		{"NUL in a verdict's party", http.MethodPost, "/screenings", strings.Replace(hostileVerdict(`null`), `"Jane Roe"`, `"Jane\u0000"`, 1), 422, "sender.name"},

		{"NUL in a portal answer", http.MethodPost, portalJSON, `{"message":"hi\u0000"}`, 422, "message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			path := apiLink + tt.path
			if strings.HasPrefix(tt.path, "/portal/") {
				path = tt.path
			}
			start := time.Now()
			r := call(t, h.baseURL, tt.method, path, h.users[contract.RoleBankAdmin].token, body)
			require.Less(t, time.Since(start), 2*time.Second, "refused before anything is sent to the workflow")
			require.Equal(t, tt.status, r.status, "%s", r.body)
			require.NotNil(t, r.env.Error, "%s", r.body)
			if tt.field != "" {
				require.NotEmpty(t, r.env.Error.Details, "%s", r.body)
				var fe contract.FieldError
				require.NoError(t, json.Unmarshal(r.env.Error.Details[0], &fe))
				require.Equal(t, tt.field, fe.Field, "%s", r.body)
			}
		})
	}

	t.Run("the portal form", func(t *testing.T) {
		status, _, html := h.page(t, http.MethodPost, link, url.Values{"checkId": {checkID(t, onb, 0, "IDENTITY_DOCUMENT")}, "message": {"a\x00b"}})
		require.Equal(t, http.StatusUnprocessableEntity, status, html)
		require.Contains(t, html, "Your message could not be taken")
		require.Contains(t, html, "<form method=\"post\"", "the client can correct it and send again")
	})

	// Both cases still take changes, and what the workflow holds is what
	// the projection shows.
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+inv.ID+"/notes", map[string]string{"content": "Still writable.\n\tIndented."})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	require.Equal(t, http.StatusOK, h.move(t, inv.ID, "IN_PROGRESS", "").status)
	r = call(t, h.baseURL, http.MethodPost, portalJSON, "", map[string]any{"message": "My passport, as asked."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	for _, id := range []string{inv.ID, onb.ID} {
		h.requireAgreement(t, id)
	}
}

// sentRequest creates an onboarding case, sends its request and returns
// the case with the portal link its client was e-mailed.
func (h *harness) sentRequest(t *testing.T, name string) (onboardingOut, string) {
	t.Helper()
	email := "hostile-" + uuid.NewString()[:8] + "@example.com"
	body := onboardingBody(name)
	body["client"] = map[string]string{"name": name, "email": email}
	body["autoApprove"] = false
	c := h.createCase(t, contract.RoleAnalyst, body)
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	return h.onboarding(t, c.ID), linkIn(t, h.waitForMail(t, email, 1))
}

// requireAgreement checks that a case's workflow and its projection show
// the same case: status, flag and every event the workflow counted.
func (h *harness) requireAgreement(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := h.temporal.QueryWorkflow(ctx, id, "", contract.QueryState)
	require.NoError(t, err)
	var st contract.State
	require.NoError(t, v.Get(&st))
	d := h.onboarding(t, id)
	require.Equal(t, string(st.Case.Status), d.Status)
	if st.Case.Flag == "" {
		require.Nil(t, d.Flag)
	} else {
		require.NotNil(t, d.Flag)
		require.Equal(t, string(st.Case.Flag), *d.Flag)
	}
	require.Len(t, d.Timeline, int(st.Case.Version), "one timeline event for each the workflow recorded")
	desc, err := h.temporal.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	require.Equal(t, "Running", desc.WorkflowExecutionInfo.Status.String())
}

func manyProperties(n int) string {
	m := map[string]string{}
	for i := range n {
		m["p"+strings.Repeat("x", i%5)+uuid.NewString()[:6]] = "v"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// hostileVerdict is a valid REVIEW verdict whose one hit has the given
// details, as raw JSON.
func hostileVerdict(details string) string {
	b, _ := json.Marshal(verdictBody("REVIEW", "MEDIUM", "PEP"))
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	m["hits"] = json.RawMessage(`[{"type":"PEP","score":0.5,"details":` + details + `}]`)
	out, _ := json.Marshal(m)
	return string(out)
}
