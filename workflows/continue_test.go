package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
)

// TestContinueAsNewCarriesTheCase lets a case's history grow past its
// limit mid-way through a request, then resumes it in a fresh run: the
// state, the timers still to fire and the unsent e-mails all carry over.
func TestContinueAsNewCarriesTheCase(t *testing.T) {
	h := requestHarness(t)
	h.newCase.HistoryLimit = 5_000
	note := h.send(contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: "before"})
	h.at(5*day, func() { h.env.SetCurrentHistoryLength(3_750) }) // three quarters of the limit
	h.run()
	requireAccepted(t, note)

	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next contract.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Resume)
	carried := next.Resume.Case
	require.Equal(t, contract.StatusOpen, carried.Status)
	require.True(t, carried.AwaitingClient)
	require.Len(t, carried.Entities[0].Checks, 3)
	require.Equal(t, []fired{reminder(4 * day)}, h.timers(), "the first reminder fired in the first run")
	require.Len(t, carried.Plan, 4, "the second reminder, the overdue notice and two overdue reminders are still to come")
	require.True(t, h.start.Add(6*day).Round(time.Second).Equal(carried.Plan[0].At.Round(time.Second)), "%s", carried.Plan[0].At)
	version := carried.Version

	// A fresh run, with an e-mail the first run had not yet delivered.
	next.Resume.Outbox = []contract.Notify{{CaseID: carried.ID, Kind: contract.MailRecollect, Seq: version, Recipient: contract.RecipientClient}}
	h2 := newHarnessOn(t, h)
	h2.at(20*day, func() {
		h2.env.UpdateWorkflow(contract.UpdateStatus, "close", noopCallbacks(), contract.StatusChange{ActorID: h.officer.ID, Status: contract.StatusClosed})
	})
	h2.env.ExecuteWorkflow(workflows.CaseWorkflow, next)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError())

	// The timers went on from where they were, and the carried e-mail went
	// out once.
	require.Equal(t, []fired{reminder(4 * day), reminder(6 * day), overdue(7 * day), reminder(9 * day), reminder(11 * day)}, h.timers())
	require.Equal(t, 1, h2.subjects()["Please provide again"], "the carried e-mail went out, once")
	require.Equal(t, 2, h2.subjects()["Reminder"], "day 4 from the first run, day 6 from the second")
	var final contract.Case
	require.NoError(t, h2.env.GetWorkflowResult(&final))
	require.Greater(t, final.Version, version, "the sequence goes on: no event ID is reused")
	require.Equal(t, "CLOSED", mustCase(t, h).Status)
}

// newHarnessOn is a second test environment over the same database, mail
// server and case, as a new run on another worker would be.
func newHarnessOn(t *testing.T, h *harness) *harness {
	h2 := *h
	h2.env = newEnv(t, h.store, h.smtp, nil)
	return &h2
}

func noopCallbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{OnReject: func(error) {}, OnAccept: func() {}, OnComplete: func(any, error) {}}
}
