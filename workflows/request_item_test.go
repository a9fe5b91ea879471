package workflows_test

import (
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/stretchr/testify/require"
)

// An information request made of a description and a due date, as the
// user guide makes one: the description is what the client owes. The
// reminders run until they answer; an officer asks again with a reason
// (the client is e-mailed, the same link works) and then accepts, and
// the flag moves as for any check.
func TestInformationRequestWithOnlyADescription(t *testing.T) {
	h := newHarness(t, nil)
	h.newCase.Type = "INFORMATION_REQUEST"
	h.newCase.Family = contract.FamilyOnboarding
	h.newCase.Title = "Information request: Jane Roe"
	h.newCase.Description = "Your payslips for the last three months."
	h.newCase.AutoApprove = true
	due := h.start.Add(7 * day)
	h.newCase.DueDate = &due
	h.newCase.AssignedTo = &h.officer.ID
	h.newCase.Reminders = contract.ReminderPolicy{Before: []time.Duration{72 * time.Hour, 24 * time.Hour}, OverdueEvery: 2 * day, OverdueMax: 2}
	item := contract.CheckID(contract.EntityID(h.newCase.ID, 0), contract.CheckRequestedInformation)

	h.updateAt(time.Second, contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	var sent, answered, rejected contract.State
	h.at(time.Minute, func() { queryInto(h, &sent) })
	// Two reminders go out (days 4 and 6); the client answers on day 6½.
	h.updateAt(6*day+12*time.Hour, contract.UpdateSubmit, contract.Submission{Message: "Attached."})
	h.at(6*day+13*time.Hour, func() { queryInto(h, &answered) })
	h.updateAt(6*day+14*time.Hour, contract.UpdateCheck, contract.CheckChange{ActorID: h.officer.ID, CheckID: item,
		Status: contract.CheckRejected, Reason: "The March payslip is missing."})
	h.at(6*day+15*time.Hour, func() { queryInto(h, &rejected) })
	h.updateAt(8*day, contract.UpdateSubmit, contract.Submission{Message: "March attached too."})
	h.updateAt(8*day+time.Hour, contract.UpdateCheck, contract.CheckChange{ActorID: h.officer.ID, CheckID: item, Status: contract.CheckApproved})
	var approved contract.State
	h.at(8*day+2*time.Hour, func() { queryInto(h, &approved) })
	h.closeAt(9 * day)
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())

	require.Len(t, sent.Case.Entities, 1, "the request itself")
	require.Equal(t, contract.KindRequest, sent.Case.Entities[0].Kind)
	require.Equal(t, "Jane Roe", sent.Case.Entities[0].Name)
	require.Equal(t, contract.CheckRequestedInformation, sent.Case.Entities[0].Checks[0].Type)
	require.True(t, sent.Case.AwaitingClient)
	require.NotEmpty(t, sent.Case.Plan, "reminders are armed")
	require.Equal(t, contract.FlagReviewing, answered.Case.Flag)
	require.Empty(t, answered.Case.Plan, "answered: no more reminders")
	require.Equal(t, contract.FlagRecollecting, rejected.Case.Flag)
	require.True(t, rejected.Case.AwaitingClient, "asked again")

	// Reminders before the due date, then the overdue notice while the
	// client owed the answer again (day 7), then none once answered.
	require.Equal(t, []fired{reminder(4 * day), reminder(6 * day), overdue(7 * day)}, h.timers())
	require.Equal(t, map[string]int{"Information requested": 1, "Please provide again": 1, "Reminder": 2, "Overdue": 1, "Case overdue": 1,
		"The client answered": 2}, h.subjects())
	require.Equal(t, contract.StatusApproved, approved.Case.Status, "auto-approved once accepted")
	require.Equal(t, contract.FlagAllApproved, approved.Case.Flag)
}
