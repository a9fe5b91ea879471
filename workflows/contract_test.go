package workflows_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

// Values sent straight to a case, past the API, are held to the same
// contract: an update breaking it is refused by its validator, before it is
// written to the history; a signal breaking it is dropped; and the case
// goes on taking good changes.
func TestCaseRefusesValuesBreakingTheContract(t *testing.T) {
	h, idDoc, sanctions := onboardingHarness(t, false)
	future := h.start.Add(30 * 24 * time.Hour)
	farAway := h.start.AddDate(50, 0, 0)
	refused := []*outcome{
		h.send(contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: "hello\x00world"}),
		h.send(contract.UpdateCheck, contract.CheckChange{ActorID: h.officer.ID, CheckID: idDoc, Status: contract.CheckRejected, Reason: "x\x00"}),
		h.send(contract.UpdateEntity, contract.AddEntity{ActorID: h.officer.ID, Entity: contract.NewEntity{
			Kind: contract.KindIndividual, Name: "Jo", Details: json.RawMessage(`{"a":"\ud800"}`)}}),
		h.send(contract.UpdateEntity, contract.AddEntity{ActorID: h.officer.ID, Entity: contract.NewEntity{
			Kind: contract.KindIndividual, Name: "Jo", Details: json.RawMessage(`{"n":1e1000000}`)}}),
		h.send(contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID, DueDate: &farAway}),
		h.send(contract.UpdateRevoke, contract.Revocation{ActorID: h.officer.ID, Reason: "gone\x00"}),
	}
	// A provider's result with a NUL, as any Temporal client could send it.
	h.steps++
	h.at(time.Duration(h.steps)*time.Second, func() {
		h.env.SignalWorkflow(contract.SignalCheckResult, contract.CheckResult{CheckID: sanctions, Result: contract.CheckApproved, Provider: "P\x00", Reference: "r"})
	})
	accepted := []*outcome{
		h.send(contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: "Line one.\r\n\tLine two."}),
		h.send(contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID, DueDate: &future}),
	}
	h.providerResult(sanctions, contract.CheckApproved)
	st := h.queryAt()
	h.closeAt(time.Hour)
	h.run()
	require.NoError(t, h.env.GetWorkflowError(), "nothing fails the case")

	for i, o := range refused {
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, o.rejected, &appErr, "update %d", i)
		require.Equal(t, contract.CodeValidation, appErr.Type(), "update %d: %v", i, o.rejected)
	}
	for _, o := range accepted {
		requireAccepted(t, o)
	}
	var sanctionsCheck contract.Check
	for _, c := range st.Case.Entities[0].Checks {
		if c.ID == sanctions {
			sanctionsCheck = c
		}
	}
	require.Equal(t, contract.CheckApproved, sanctionsCheck.Status, "the good result applied, the bad one dropped")
	require.Equal(t, "ScreenCo", sanctionsCheck.Provider)
	require.Len(t, st.Case.Entities, 1, "no entity was added")

	notes := 0
	for _, e := range h.timeline() {
		if e.EventType == contract.EventNoteAdded {
			notes++
			require.Equal(t, "Line one.\r\n\tLine two.", e.Description)
		}
	}
	require.Equal(t, 1, notes)
}

// A case whose start breaks the contract never starts: a workflow started
// straight with such a case fails at once, before writing anything.
func TestCaseWorkflowRefusesAStartBreakingTheContract(t *testing.T) {
	for name, edit := range map[string]func(*contract.NewCase){
		"NUL in the title": func(c *contract.NewCase) { c.Title = "x\x00" },
		"metadata too deep": func(c *contract.NewCase) {
			c.Metadata = json.RawMessage(`{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}`)
		},
		"escape in a tag": func(c *contract.NewCase) { c.Tags = []string{"\x1b[0m"} },
		"due date past 9999": func(c *contract.NewCase) {
			d := time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("EST", -5*3600))
			c.DueDate = &d
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, nil)
			edit(&h.newCase)
			h.run()
			require.True(t, h.env.IsWorkflowCompleted())
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, h.env.GetWorkflowError(), &appErr)
			require.Equal(t, contract.CodeValidation, appErr.Type())
			var rows int
			require.NoError(t, h.store.DB().Get(&rows, `SELECT count(*) FROM cases WHERE id = $1`, h.newCase.ID))
			require.Zero(t, rows)
		})
	}
}
