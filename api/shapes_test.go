package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/stretchr/testify/require"
)

// The answer shapes integrators code against: a list item carries its
// assignee, a timeline event its actor, a related transaction its sender's
// name, its latest verdict in short and its amount as it was sent.
func TestPromisedShapes(t *testing.T) {
	h := suite(t)
	officer := h.officer2
	c := h.createCase(t, contract.RoleAnalyst, investigation("Shape Person"))
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/assign", map[string]any{"assigneeId": officer.ID})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	t.Run("a list item carries its assignee", func(t *testing.T) {
		page := decode[struct {
			Items []struct {
				ID       string          `json:"id"`
				Assignee json.RawMessage `json:"assignee"`
			} `json:"items"`
			Total int `json:"total"`
		}](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?q="+c.ID, nil))
		require.Equal(t, 1, page.Total, "a case ID finds its case")
		require.Equal(t, c.ID, page.Items[0].ID)
		var assignee map[string]any
		require.NoError(t, json.Unmarshal(page.Items[0].Assignee, &assignee))
		require.Equal(t, officer.ID, assignee["id"])
		require.Equal(t, officer.Email, assignee["email"])
		require.Equal(t, officer.FirstName, assignee["firstName"])

		other := h.createCase(t, contract.RoleAnalyst, investigation("Shape Unassigned"))
		page2 := decode[struct {
			Items []map[string]json.RawMessage `json:"items"`
		}](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?q="+other.ID, nil))
		require.Len(t, page2.Items, 1)
		require.JSONEq(t, "null", string(page2.Items[0]["assignee"]))
		require.NotContains(t, page2.Items[0], "metadata", "lists leave the free-form objects to the detail")
	})

	t.Run("a timeline event carries its actor", func(t *testing.T) {
		var timeline []struct {
			EventType string `json:"eventType"`
			ActorID   *string
			Actor     *struct {
				ID        string `json:"id"`
				Email     string `json:"email"`
				FirstName string `json:"firstName"`
				LastName  string `json:"lastName"`
			} `json:"actor"`
		}
		detail := decode[map[string]json.RawMessage](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil))
		require.NoError(t, json.Unmarshal(detail["timeline"], &timeline))
		analyst := h.users[contract.RoleAnalyst]
		require.Equal(t, "CASE_CREATED", timeline[0].EventType)
		require.NotNil(t, timeline[0].Actor)
		require.Equal(t, analyst.ID, timeline[0].Actor.ID)
		require.Equal(t, analyst.Email, timeline[0].Actor.Email)
		require.Equal(t, analyst.FirstName, timeline[0].Actor.FirstName)
		require.Equal(t, analyst.LastName, timeline[0].Actor.LastName)

		note := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/notes", map[string]string{"content": "Shapes."})
		require.Equal(t, http.StatusCreated, note.status)
		ev := decode[map[string]json.RawMessage](t, note)
		require.JSONEq(t, `{"id":"`+analyst.ID+`","email":"`+analyst.Email+`","firstName":"`+analyst.FirstName+`","lastName":"`+analyst.LastName+`"}`,
			string(ev["actor"]), "the note's 201 carries its actor too")
	})

	t.Run("a related transaction, as promised", func(t *testing.T) {
		body := verdictBody("REVIEW", "MEDIUM")
		body["amount"], body["currency"] = "5000000", "NGN"
		body["sender"] = map[string]string{"name": "John Doe"}
		body["totalLatencyMs"] = 13447
		id := *h.screen(t, body).CaseID
		h.waitForCase(t, id)
		detail := decode[struct {
			RelatedTransaction map[string]json.RawMessage `json:"relatedTransaction"`
			Timeline           []struct {
				EventType string           `json:"eventType"`
				Actor     *json.RawMessage `json:"actor"`
			} `json:"timeline"`
		}](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+id, nil))
		tx := detail.RelatedTransaction
		require.JSONEq(t, `"5000000"`, string(tx["amount"]), "the amount as sent")
		require.JSONEq(t, `"John Doe"`, string(tx["senderName"]))
		require.JSONEq(t, `{"outcome":"REVIEW","riskLevel":"MEDIUM","aggregateScore":87.5,"totalLatencyMs":13447}`, string(tx["verdict"]))
		require.Contains(t, tx, "verdicts", "today's fields stay")
		require.Nil(t, detail.Timeline[0].Actor, "the system has no actor")
	})

	t.Run("an investigation needs a priority", func(t *testing.T) {
		body := investigation("Shape Priority")
		delete(body, "priority")
		r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases", body)
		requireError(t, r, http.StatusUnprocessableEntity, contract.CodeValidation)
		require.Contains(t, string(r.env.Error.Details[0]), `"field":"priority"`)

		onb := onboardingBody("Shape Onboarding")
		delete(onb, "priority")
		require.Equal(t, "MEDIUM", h.createCase(t, contract.RoleAnalyst, onb).Priority, "onboarding keeps its default")
	})

	t.Run("an unknown list parameter is refused", func(t *testing.T) {
		r := h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases?stauts=OPEN", nil)
		requireError(t, r, http.StatusUnprocessableEntity, contract.CodeValidation)
		require.Contains(t, string(r.env.Error.Details[0]), `"field":"stauts"`)
	})
}
