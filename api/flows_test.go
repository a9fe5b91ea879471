package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

type flowCase struct {
	caseOut
	Priority     string  `json:"priority"`
	RiskLevel    *string `json:"riskLevel"`
	Transactions []struct {
		ID string `json:"id"`
	} `json:"transactions"`
}

// The manual flow integrators describe: an analyst opens a
// REGULATORY_INQUIRY case, attaches related transactions, adds notes; an
// officer claims it, edits it, and escalates it to a senior officer in one
// step, who is told by e-mail and in their notifications.
func TestInvestigationFlows(t *testing.T) {
	h := suite(t)
	officer, senior, admin := h.users[contract.RoleComplianceOfficer], h.officer2, h.users[contract.RoleBankAdmin]
	body := investigation("Flow Person")
	body["type"] = "REGULATORY_INQUIRY"
	c := h.createCase(t, contract.RoleAnalyst, body)
	get := func() flowCase {
		return decode[flowCase](t, h.do(t, contract.RoleAnalyst, http.MethodGet, "/cases/"+c.ID, nil))
	}
	events := func(typ string) []eventOut {
		var out []eventOut
		for _, e := range get().Timeline {
			if e.EventType == typ {
				out = append(out, e)
			}
		}
		return out
	}

	t.Run("attach transactions", func(t *testing.T) {
		screened := verdictBody("REVIEW", "LOW")
		h.screen(t, screened)
		r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/transactions", map[string]any{"transactionId": screened["transactionId"]})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		fresh := verdictBody("ESCALATE", "HIGH")
		requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/transactions", map[string]any{"verdict": fresh}),
			http.StatusForbidden, "FORBIDDEN") // a verdict is a screening account's to deliver
		r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/transactions", map[string]any{"verdict": fresh})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		d := decode[flowCase](t, r)
		require.Len(t, d.Transactions, 2)
		require.Equal(t, screened["transactionId"], d.Transactions[0].ID)
		require.Equal(t, fresh["transactionId"], d.Transactions[1].ID)
		linked := events(contract.EventTxLinked)
		require.Len(t, linked, 2)
		require.Equal(t, h.users[contract.RoleAnalyst].ID, *linked[0].ActorID)

		requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/transactions", map[string]any{"transactionId": screened["transactionId"]}),
			http.StatusConflict, contract.CodeAlreadyLinked)
		requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/transactions", map[string]any{"transactionId": uuid.NewString()}),
			http.StatusNotFound, "NOT_FOUND")
		requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+uuid.NewString()+"/transactions", map[string]any{"verdict": verdictBody("REVIEW", "LOW")}),
			http.StatusNotFound, "NOT_FOUND") // no case: nothing kept
		// The verdict given with the link is kept, with no case of its own.
		var kept int
		require.NoError(t, h.store.DB().Get(&kept, `SELECT count(*) FROM transactions WHERE id = $1 AND case_id IS NULL`, fresh["transactionId"]))
		require.Equal(t, 1, kept)
	})

	t.Run("claim", func(t *testing.T) {
		r := h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/claim", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, officer.ID, *decode[caseOut](t, r).AssignedTo)
		require.Equal(t, "Case claimed", events(contract.EventAssigned)[0].Description)
		r = call(t, h.baseURL, http.MethodPost, "/api/v1/cases/"+c.ID+"/claim", senior.token, nil)
		requireError(t, r, http.StatusConflict, contract.CodeAlreadyAssigned)
		require.Equal(t, http.StatusOK, h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/claim", nil).status,
			"claiming your own case again changes nothing")
		require.Len(t, events(contract.EventAssigned), 1)
	})

	t.Run("edit", func(t *testing.T) {
		r := h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID, map[string]any{
			"title": "Regulator's inquiry into account 4411", "priority": "CRITICAL", "riskLevel": "HIGH", "tags": []string{"regulator"}})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		d := decode[flowCase](t, r)
		require.Equal(t, "Regulator's inquiry into account 4411", d.Title)
		require.Equal(t, "CRITICAL", d.Priority)
		updated := events(contract.EventCaseUpdated)
		require.Len(t, updated, 1)
		require.Equal(t, "Case updated: title, priority, riskLevel, tags", updated[0].Description)
		require.JSONEq(t, `{"title":"Structuring on account 4411","priority":"HIGH","riskLevel":null,"tags":["cash","structuring"]}`, string(updated[0].PreviousValue))
		require.JSONEq(t, `{"title":"Regulator's inquiry into account 4411","priority":"CRITICAL","riskLevel":"HIGH","tags":["regulator"]}`, string(updated[0].NewValue))

		r = h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID, map[string]any{"riskLevel": nil})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Nil(t, decode[flowCase](t, r).RiskLevel, "null clears the risk level")

		requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID, map[string]any{"title": "  "}),
			http.StatusUnprocessableEntity, contract.CodeValidation)
		requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID, map[string]any{"title": "x\u0000"}),
			http.StatusUnprocessableEntity, contract.CodeValidation)
		requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID, map[string]any{"priority": "CRITICAL"}),
			http.StatusUnprocessableEntity, contract.CodeValidation) // nothing to change
		requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID, map[string]any{"client": map[string]string{"name": "X"}}),
			http.StatusConflict, contract.CodeInvalidTransition) // not a draft
	})

	t.Run("escalate to a senior officer in one step", func(t *testing.T) {
		before := len(h.mail.To(senior.Email))
		for _, s := range []string{"IN_PROGRESS", "PENDING_REVIEW"} {
			require.Equal(t, http.StatusOK, h.move(t, c.ID, s, "").status)
		}
		r := h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID+"/status",
			map[string]any{"status": "ESCALATED", "assigneeId": senior.ID})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		d := decode[caseOut](t, r)
		require.Equal(t, "ESCALATED", d.Status)
		require.Equal(t, senior.ID, *d.AssignedTo)
		n := len(d.Timeline)
		require.Equal(t, contract.EventStatusChanged, d.Timeline[n-2].EventType)
		require.Equal(t, contract.EventAssigned, d.Timeline[n-1].EventType)

		// The senior officer is told, by e-mail and in their notifications.
		h.waitForSubject(t, senior.Email, before, "Assigned to you: "+c.CaseNumber)
		require.Eventually(t, func() bool {
			inbox := decode[inboxOut](t, call(t, h.baseURL, http.MethodGet, "/api/v1/notifications", senior.token, nil))
			for _, it := range inbox.Items {
				if it.Kind == contract.MailAssigned && it.CaseID != nil && *it.CaseID == c.ID {
					return true
				}
			}
			return false
		}, 10*time.Second, 50*time.Millisecond)

		// An admin takes it over.
		r = call(t, h.baseURL, http.MethodPost, "/api/v1/cases/"+c.ID+"/claim", admin.token, nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, admin.ID, *decode[caseOut](t, r).AssignedTo)
	})

	t.Run("closed", func(t *testing.T) {
		require.Equal(t, http.StatusOK, h.move(t, c.ID, "RESOLVED_FALSE_POSITIVE", "Answered the regulator.").status)
		require.Equal(t, http.StatusOK, h.move(t, c.ID, "CLOSED", "Done.").status)
		requireError(t, h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+c.ID, map[string]any{"title": "Too late"}),
			http.StatusConflict, contract.CodeCaseClosed)
	})
}

// The client's answer reaches the officer who owns the case, by e-mail
// and in their notifications.
func TestClientAnswerTellsTheAssignee(t *testing.T) {
	h := suite(t)
	senior := h.officer2
	onb, link := h.sentRequest(t, "Answer Client")
	before := len(h.mail.To(senior.Email))
	r := h.do(t, contract.RoleComplianceOfficer, http.MethodPatch, "/cases/"+onb.ID+"/assign", map[string]any{"assigneeId": senior.ID})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	jsonPath := link[:len("/portal/")] + "api/" + link[len("/portal/"):] + "/submit"
	r = call(t, h.baseURL, http.MethodPost, jsonPath, "", map[string]any{"message": "All attached."})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	h.waitForSubject(t, senior.Email, before, "Assigned to you: "+onb.CaseNumber)
	h.waitForSubject(t, senior.Email, before, "The client answered: "+onb.CaseNumber+" "+onb.Title)
}

// waitForSubject waits for an e-mail to an address, among those after the
// first skip, whose subject starts so: other cases' e-mails may come
// between.
func (h *harness) waitForSubject(t *testing.T, to string, skip int, subject string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, m := range h.mail.To(to)[skip:] {
			if strings.HasPrefix(m.Subject, subject) {
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "an e-mail to %s: %q", to, subject)
}

// A draft's client and entities change before its request goes out; the
// entities come with fresh checks from the catalogue, and new IDs.
func TestEditADraft(t *testing.T) {
	h := suite(t)
	c := h.createCase(t, contract.RoleAnalyst, onboardingBody("Draft Person"))
	first := h.onboarding(t, c.ID).Entities[0].ID
	r := h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID, map[string]any{
		"client":   map[string]string{"name": "Dana Draft", "email": "dana@example.com"},
		"entities": []map[string]any{{"kind": "INDIVIDUAL", "name": "Dana Draft", "role": "applicant"}, {"kind": "COMPANY", "name": "Draft Ltd"}},
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	d := decode[onboardingOut](t, r)
	require.Equal(t, "Dana Draft", *d.Client.Name)
	require.Len(t, d.Entities, 2)
	require.NotEqual(t, first, d.Entities[0].ID, "a replaced entity's ID is not reused")
	require.Len(t, d.Entities[1].Checks, 3, "the company's checks from the catalogue")
	updated := d.Timeline[len(d.Timeline)-1]
	require.Equal(t, contract.EventCaseUpdated, updated.EventType)
	require.Equal(t, "Case updated: client, entities", updated.Description)

	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID, map[string]any{"entities": []map[string]any{{"kind": "COMPANY", "name": "Only Ltd"}}}),
		http.StatusUnprocessableEntity, contract.CodeValidation) // an identity verification needs an individual
	require.Equal(t, http.StatusOK, h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases/"+c.ID+"/send", nil).status)
	requireError(t, h.do(t, contract.RoleAnalyst, http.MethodPatch, "/cases/"+c.ID, map[string]any{"entities": []map[string]any{{"kind": "INDIVIDUAL", "name": "Late"}}}),
		http.StatusConflict, contract.CodeInvalidTransition)
}
