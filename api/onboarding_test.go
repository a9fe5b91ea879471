package api_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/workflows/contract"
)

type entityOut struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Checks []struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Status   string `json:"status"`
		Reason   string `json:"reason"`
		Provider string `json:"provider"`
	} `json:"checks"`
}

type onboardingOut struct {
	caseOut
	Flag        *string     `json:"flag"`
	AutoApprove bool        `json:"autoApprove"`
	Entities    []entityOut `json:"entities"`
}

func onboardingBody(client string) map[string]any {
	return map[string]any{
		"type":      "IDENTITY_VERIFICATION",
		"priority":  "MEDIUM",
		"client":    map[string]string{"name": client, "email": "client@example.com"},
		"entities":  []map[string]any{{"kind": "INDIVIDUAL", "name": client, "role": "applicant", "details": map[string]string{"nationality": "GB"}}},
		"riskLevel": "LOW", "externalId": "KYC-" + client,
		"properties":  map[string]string{"channel": "app"},
		"autoApprove": true,
	}
}

func (h *harness) onboarding(t *testing.T, id string) onboardingOut {
	t.Helper()
	r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+id, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	return decode[onboardingOut](t, r)
}

func checkID(t *testing.T, c onboardingOut, entity int, typ string) string {
	t.Helper()
	for _, ch := range c.Entities[entity].Checks {
		if ch.Type == typ {
			return ch.ID
		}
	}
	t.Fatalf("no %s check on entity %d", typ, entity)
	return ""
}

func TestOnboardingEndToEnd(t *testing.T) {
	h := suite(t)
	analyst, officer := h.users[contract.RoleAnalyst], h.users[contract.RoleComplianceOfficer]

	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases", onboardingBody("Jane Onboard"))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	c := decode[onboardingOut](t, r)
	require.Equal(t, "DRAFT", c.Status)
	require.Equal(t, "Identity verification: Jane Onboard", c.Title, "title defaults from type and client")
	require.True(t, c.AutoApprove)
	require.Nil(t, c.Flag, "nothing provided yet")
	require.Equal(t, []string{"CLOSED"}, c.AllowedTransitions)
	require.Len(t, c.Entities, 1)
	var types []string
	for _, ch := range c.Entities[0].Checks {
		types = append(types, ch.Type)
		require.Equal(t, "PENDING", ch.Status)
	}
	require.Equal(t, []string{"IDENTITY_DOCUMENT", "PROOF_OF_ADDRESS", "SANCTIONS_SCREENING", "PEP_SCREENING"}, types, "from the check catalogue")

	// A draft opens only by sending its request.
	requireError(t, h.move(t, c.ID, "OPEN", ""), http.StatusConflict, contract.CodeInvalidTransition)
	r = h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "OPEN", decode[onboardingOut](t, r).Status)
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil), http.StatusConflict, contract.CodeInvalidTransition)

	// A company joins; its checks come from the catalogue too.
	r = h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/entities", map[string]any{"kind": "COMPANY", "name": "Onboard Ltd", "role": "employer"})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	company := decode[entityOut](t, r)
	require.Equal(t, "Onboard Ltd", company.Name)
	require.Len(t, company.Checks, 3)

	c = h.onboarding(t, c.ID)
	idDoc := checkID(t, c, 0, "IDENTITY_DOCUMENT")
	patch := func(role contract.Role, check, status, reason string) response {
		t.Helper()
		return h.do(t, role, http.MethodPatch, "/cases/"+c.ID+"/checks/"+check, map[string]string{"status": status, "reason": reason})
	}
	// The client provides everything (an analyst submits on their behalf).
	for i, e := range c.Entities {
		for _, ch := range e.Checks {
			r := patch(contract.RoleAnalyst, ch.ID, "SUBMITTED", "")
			require.Equal(t, http.StatusOK, r.status, "entity %d %s: %s", i, ch.Type, r.body)
		}
	}
	require.Equal(t, "REVIEWING", *h.onboarding(t, c.ID).Flag)

	// Impossible moves and analyst reviews are refused.
	requireError(t, patch(contract.RoleAnalyst, idDoc, "APPROVED", ""), http.StatusForbidden, "FORBIDDEN")
	requireError(t, patch(contract.RoleComplianceOfficer, idDoc, "SUBMITTED", ""), http.StatusConflict, contract.CodeInvalidTransition)
	requireError(t, patch(contract.RoleComplianceOfficer, idDoc, "REJECTED", ""), http.StatusUnprocessableEntity, contract.CodeValidation)

	// The officer rejects the ID document: the client is asked again.
	r = patch(contract.RoleComplianceOfficer, idDoc, "REJECTED", "The photo is unreadable.")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "RECOLLECTING", *decode[onboardingOut](t, r).Flag)
	list := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?"+url.Values{"flag": {"RECOLLECTING"}, "q": {"Jane Onboard"}}.Encode(), nil)
	require.Equal(t, 1, decode[pageOut](t, list).Total, "the flag filters the list")
	r = patch(contract.RoleAnalyst, idDoc, "SUBMITTED", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "REVIEWING", *decode[onboardingOut](t, r).Flag)

	// Providers deliver screening results; the officer approves the rest.
	c = h.onboarding(t, c.ID)
	screenings := []string{checkID(t, c, 0, "SANCTIONS_SCREENING"), checkID(t, c, 0, "PEP_SCREENING"), checkID(t, c, 1, "SANCTIONS_SCREENING")}
	for _, id := range screenings {
		r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/checks/"+id+"/result",
			map[string]string{"result": "APPROVED", "provider": "ScreenCo", "reference": "SC-" + id[:8]})
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	}
	require.Eventually(t, func() bool {
		approved := 0
		for _, e := range h.onboarding(t, c.ID).Entities {
			for _, ch := range e.Checks {
				if ch.Status == "APPROVED" && ch.Provider == "ScreenCo" {
					approved++
				}
			}
		}
		return approved == len(screenings)
	}, 10*time.Second, 20*time.Millisecond, "the signals apply")

	for _, typ := range []struct {
		entity int
		typ    string
	}{{0, "IDENTITY_DOCUMENT"}, {0, "PROOF_OF_ADDRESS"}, {1, "COMPANY_REGISTRY"}, {1, "UBO_DECLARATION"}} {
		r := patch(contract.RoleComplianceOfficer, checkID(t, c, typ.entity, typ.typ), "APPROVED", "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}
	done := h.onboarding(t, c.ID)
	require.Equal(t, "APPROVED", done.Status, "auto-approved")
	require.Equal(t, "ALL_APPROVED", *done.Flag)
	require.NotNil(t, done.ResolvedAt)

	// The timeline, event by event.
	type step struct {
		typ   string
		actor string // "" for the system
		next  string
	}
	want := []step{
		{"CASE_CREATED", analyst.ID, `"DRAFT"`},
		{"REQUEST_SENT", analyst.ID, `"OPEN"`},
		{"ENTITY_ADDED", analyst.ID, ""},
	}
	for i := range 7 { // every check submitted
		want = append(want, step{"CHECK_UPDATED", analyst.ID, `"SUBMITTED"`})
		switch i {
		case 0:
			want = append(want, step{"FLAG_CHANGED", "", `"COLLECTING"`})
		case 5: // the company's UBO declaration: the client owes nothing more
			want = append(want, step{"FLAG_CHANGED", "", `"REVIEWING"`})
		}
	}
	want = append(want,
		step{"CHECK_UPDATED", officer.ID, `"REJECTED"`},
		step{"FLAG_CHANGED", "", `"RECOLLECTING"`},
		step{"CHECK_UPDATED", analyst.ID, `"SUBMITTED"`},
		step{"FLAG_CHANGED", "", `"REVIEWING"`},
		step{"CHECK_UPDATED", "", `"APPROVED"`},
		step{"CHECK_UPDATED", "", `"APPROVED"`},
		step{"CHECK_UPDATED", "", `"APPROVED"`},
		step{"CHECK_UPDATED", officer.ID, `"APPROVED"`},
		step{"CHECK_UPDATED", officer.ID, `"APPROVED"`},
		step{"CHECK_UPDATED", officer.ID, `"APPROVED"`},
		step{"CHECK_UPDATED", officer.ID, `"APPROVED"`},
		step{"FLAG_CHANGED", "", `"ALL_APPROVED"`},
		step{"AUTO_APPROVED", "", `"APPROVED"`},
	)
	require.Len(t, done.Timeline, len(want))
	for i, w := range want {
		ev := done.Timeline[i]
		require.Equal(t, w.typ, ev.EventType, "event %d", i)
		if w.actor == "" {
			require.Nil(t, ev.ActorID, "event %d is the system's", i)
		} else {
			require.Equal(t, w.actor, *ev.ActorID, "event %d", i)
		}
		if w.next != "" {
			require.JSONEq(t, w.next, string(ev.NewValue), "event %d", i)
		}
	}

	// A person may still change their mind, until the case is closed.
	require.Equal(t, http.StatusOK, h.move(t, c.ID, "REJECTED", "Adverse media found later.").status)
	require.Equal(t, http.StatusOK, h.move(t, c.ID, "CLOSED", "").status)
	requireError(t, patch(contract.RoleAnalyst, idDoc, "SUBMITTED", ""), http.StatusConflict, contract.CodeCaseClosed)
}

func TestOnboardingAutoApproveOff(t *testing.T) {
	h := suite(t)
	body := onboardingBody("Manual Person")
	body["autoApprove"] = false
	body["entities"] = []map[string]any{{"kind": "COMPANY", "name": "Manual Ltd"}}
	body["type"] = "ONBOARDING"
	c := h.createCase(t, contract.RoleAnalyst, body)
	require.Equal(t, http.StatusOK, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil).status)
	o := h.onboarding(t, c.ID)
	for _, ch := range o.Entities[0].Checks {
		require.Equal(t, http.StatusOK, h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID+"/checks/"+ch.ID, map[string]string{"status": "SUBMITTED"}).status)
		require.Equal(t, http.StatusOK, h.do(t, contract.RoleBankAdmin, http.MethodPatch, "/cases/"+c.ID+"/checks/"+ch.ID, map[string]string{"status": "APPROVED"}).status)
	}
	o = h.onboarding(t, c.ID)
	require.Equal(t, "ALL_APPROVED", *o.Flag)
	require.Equal(t, "OPEN", o.Status, "a person decides")
	require.Equal(t, http.StatusOK, h.move(t, c.ID, "APPROVED", "").status)
}

func TestOnboardingBadInput(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, onboardingBody("Bad Input Person"))
	o := h.onboarding(t, c.ID)
	check := o.Entities[0].Checks[0].ID
	with := func(edit func(map[string]any)) map[string]any {
		b := onboardingBody("Bad Input Person")
		edit(b)
		return b
	}
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"identity verification without an individual", http.MethodPost, "/cases", with(func(b map[string]any) {
			b["entities"] = []map[string]string{{"kind": "COMPANY", "name": "X Ltd"}}
		}), 422, "VALIDATION_ERROR", "entities"},
		{"onboarding without client e-mail", http.MethodPost, "/cases", with(func(b map[string]any) { b["client"] = map[string]string{"name": "X"} }), 422, "VALIDATION_ERROR", "client.email"},
		{"onboarding without client", http.MethodPost, "/cases", with(func(b map[string]any) { delete(b, "client") }), 422, "VALIDATION_ERROR", "client.email"},
		{"unknown entity kind", http.MethodPost, "/cases", with(func(b map[string]any) {
			b["entities"] = []map[string]string{{"kind": "TRUST", "name": "X"}}
		}), 422, "VALIDATION_ERROR", "entities"},
		{"entity without a name", http.MethodPost, "/cases", with(func(b map[string]any) {
			b["entities"] = []map[string]string{{"kind": "INDIVIDUAL"}}
		}), 422, "VALIDATION_ERROR", "entities[0].name"},
		{"autoApprove as a string", http.MethodPost, "/cases", with(func(b map[string]any) { b["autoApprove"] = "yes" }), 422, "VALIDATION_ERROR", "autoApprove"},
		{"entities on an investigation", http.MethodPost, "/cases", func() map[string]any {
			b := investigation("X")
			b["entities"] = []map[string]string{{"kind": "INDIVIDUAL", "name": "X"}}
			return b
		}(), 422, "VALIDATION_ERROR", "entities"},
		{"autoApprove on an investigation", http.MethodPost, "/cases", func() map[string]any {
			b := investigation("X")
			b["autoApprove"] = true
			return b
		}(), 422, "VALIDATION_ERROR", "autoApprove"},
		{"add entity of unknown kind", http.MethodPost, "/cases/" + c.ID + "/entities", map[string]string{"kind": "TRUST", "name": "X"}, 422, "VALIDATION_ERROR", "kind"},
		{"add entity null body", http.MethodPost, "/cases/" + c.ID + "/entities", `null`, 400, "MALFORMED_REQUEST", ""},
		{"non-UUID check", http.MethodPatch, "/cases/" + c.ID + "/checks/doc-1", map[string]string{"status": "SUBMITTED"}, 400, "INVALID_ID", ""},
		{"unknown check", http.MethodPatch, "/cases/" + c.ID + "/checks/" + uuid.NewString(), map[string]string{"status": "SUBMITTED"}, 404, "NOT_FOUND", ""},
		{"check status unknown", http.MethodPatch, "/cases/" + c.ID + "/checks/" + check, map[string]string{"status": "DONE"}, 422, "VALIDATION_ERROR", "status"},
		{"check back to pending", http.MethodPatch, "/cases/" + c.ID + "/checks/" + check, map[string]string{"status": "PENDING"}, 422, "VALIDATION_ERROR", "status"},
		{"check approved unseen", http.MethodPatch, "/cases/" + c.ID + "/checks/" + check, map[string]string{"status": "APPROVED"}, 409, "INVALID_TRANSITION", ""},
		{"result unknown", http.MethodPost, "/cases/" + c.ID + "/checks/" + check + "/result", map[string]string{"result": "MAYBE", "provider": "P"}, 422, "VALIDATION_ERROR", "result"},
		{"result without provider", http.MethodPost, "/cases/" + c.ID + "/checks/" + check + "/result", map[string]string{"result": "APPROVED"}, 422, "VALIDATION_ERROR", "provider"},
		{"result for unknown check", http.MethodPost, "/cases/" + c.ID + "/checks/" + uuid.NewString() + "/result", map[string]string{"result": "APPROVED", "provider": "P"}, 404, "NOT_FOUND", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(t, contract.RoleBankAdmin, tt.method, tt.path, tt.body)
			requireError(t, r, tt.status, tt.code)
			if tt.field != "" {
				require.Contains(t, string(r.body), `"field":"`+tt.field, "%s", r.body)
			}
		})
	}
	require.Len(t, h.onboarding(t, c.ID).Timeline, 1, "nothing was written")

	// Investigations have no client request.
	inv := h.createCase(t, contract.RoleAnalyst, investigation("No Request"))
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+inv.ID+"/send", nil), http.StatusConflict, contract.CodeInvalidTransition)
}

// TestOnboardingRoleMatrix sends the onboarding endpoints as every role.
func TestOnboardingRoleMatrix(t *testing.T) {
	h := suite(t)
	roles := []contract.Role{contract.RoleBankAdmin, contract.RoleComplianceOfficer, contract.RoleAnalyst}
	officers := map[contract.Role]bool{contract.RoleBankAdmin: true, contract.RoleComplianceOfficer: true}
	type endpoint struct {
		name     string
		officers bool // only officers and admins
		ok       int
		send     func(t *testing.T, role contract.Role, c onboardingOut) response
	}
	endpoints := []endpoint{
		{"send", false, http.StatusOK, func(t *testing.T, role contract.Role, c onboardingOut) response {
			return h.do(t, role, http.MethodPost, "/cases/"+c.ID+"/send", nil)
		}},
		{"add entity", false, http.StatusCreated, func(t *testing.T, role contract.Role, c onboardingOut) response {
			return h.do(t, role, http.MethodPost, "/cases/"+c.ID+"/entities", map[string]string{"kind": "INDIVIDUAL", "name": "Director"})
		}},
		{"submit check", false, http.StatusOK, func(t *testing.T, role contract.Role, c onboardingOut) response {
			return h.do(t, role, http.MethodPatch, "/cases/"+c.ID+"/checks/"+c.Entities[0].Checks[0].ID, map[string]string{"status": "SUBMITTED"})
		}},
		{"approve check", true, http.StatusOK, func(t *testing.T, role contract.Role, c onboardingOut) response {
			id := c.Entities[0].Checks[0].ID
			require.Equal(t, http.StatusOK, h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID+"/checks/"+id, map[string]string{"status": "SUBMITTED"}).status)
			return h.do(t, role, http.MethodPatch, "/cases/"+c.ID+"/checks/"+id, map[string]string{"status": "APPROVED"})
		}},
		{"provider result", true, http.StatusAccepted, func(t *testing.T, role contract.Role, c onboardingOut) response {
			return h.do(t, role, http.MethodPost, "/cases/"+c.ID+"/checks/"+c.Entities[0].Checks[2].ID+"/result", map[string]string{"result": "APPROVED", "provider": "P"})
		}},
	}
	for _, ep := range endpoints {
		for _, role := range roles {
			t.Run(fmt.Sprintf("%s as %s", ep.name, role), func(t *testing.T) {
				created := h.createCase(t, contract.RoleAnalyst, onboardingBody("Matrix Onboard"))
				r := ep.send(t, role, h.onboarding(t, created.ID))
				if !ep.officers || officers[role] {
					require.Equal(t, ep.ok, r.status, "%s", r.body)
					return
				}
				requireError(t, r, http.StatusForbidden, "FORBIDDEN")
			})
		}
	}
}

// onboardingOut must decode what the detail returns; a guard on the shape.
func TestEntityShape(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, onboardingBody("Shape Person"))
	r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil)
	var raw struct {
		Entities []map[string]json.RawMessage `json:"entities"`
	}
	require.NoError(t, json.Unmarshal(r.env.Data, &raw))
	for _, key := range []string{"id", "kind", "name", "role", "details", "checks"} {
		require.Contains(t, raw.Entities[0], key)
	}
	require.JSONEq(t, `{"nationality":"GB"}`, string(raw.Entities[0]["details"]))
}

// TestFourEyesRule runs an API with cases.fourEyes on: whoever submits a
// case for review, or sends its request, cannot decide it.
func TestFourEyesRule(t *testing.T) {
	h := suite(t)
	cfg := h.cfg
	cfg.Cases.FourEyes = true
	baseURL, stop, err := listen(api.New(cfg, h.store, h.temporal, slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	defer stop()
	officer, admin := h.users[contract.RoleComplianceOfficer].token, h.users[contract.RoleBankAdmin].token

	r := call(t, baseURL, http.MethodPost, "/api/v1/cases", officer, investigation("Four Eyes"))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	id := decode[caseOut](t, r).ID
	for _, s := range []string{"IN_PROGRESS", "PENDING_REVIEW"} {
		r := call(t, baseURL, http.MethodPatch, "/api/v1/cases/"+id+"/status", officer, map[string]string{"status": s})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	}
	resolve := map[string]string{"status": "RESOLVED_FALSE_POSITIVE", "resolutionNote": "Known payee."}
	requireError(t, call(t, baseURL, http.MethodPatch, "/api/v1/cases/"+id+"/status", officer, resolve), http.StatusForbidden, contract.CodeFourEyes)
	require.Equal(t, http.StatusOK, call(t, baseURL, http.MethodPatch, "/api/v1/cases/"+id+"/status", admin, resolve).status)

	r = call(t, baseURL, http.MethodPost, "/api/v1/cases", officer, onboardingBody("Four Eyes Client"))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	id = decode[caseOut](t, r).ID
	require.Equal(t, http.StatusOK, call(t, baseURL, http.MethodPost, "/api/v1/cases/"+id+"/send", officer, nil).status)
	approve := map[string]string{"status": "APPROVED"}
	requireError(t, call(t, baseURL, http.MethodPatch, "/api/v1/cases/"+id+"/status", officer, approve), http.StatusForbidden, contract.CodeFourEyes)
	require.Equal(t, http.StatusOK, call(t, baseURL, http.MethodPatch, "/api/v1/cases/"+id+"/status", admin, approve).status)
}
