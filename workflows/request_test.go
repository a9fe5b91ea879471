package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
)

const day = 24 * time.Hour

// fired is one due-date timer as the timeline shows it: its event, and
// when it happened, counted from the workflow's start.
type fired struct {
	typ string
	at  time.Duration
}

// requestHarness is an onboarding case with a due date a week out, its
// request sent one second in, reminders three days and one day before,
// and two overdue reminders two days apart. The client owes an identity
// document and a proof of address; the sanctions screening is a provider's.
func requestHarness(t *testing.T) *harness {
	h, _, _ := onboardingHarness(t, false)
	asRequest(h)
	return h
}

// asRequest gives h's onboarding case that request and its reminders.
func asRequest(h *harness) {
	h.newCase.Entities[0].Checks = append(h.newCase.Entities[0].Checks, "PROOF_OF_ADDRESS")
	due := h.start.Add(7 * day)
	h.newCase.DueDate = &due
	h.newCase.AssignedTo = &h.officer.ID
	h.newCase.Reminders = contract.ReminderPolicy{Before: []time.Duration{72 * time.Hour, 24 * time.Hour}, OverdueEvery: 2 * day, OverdueMax: 2}
	requireLater(h, h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID}))
}

// at runs fn at a moment of simulated time, counted from the start.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// updateAt sends an update at a moment and checks it was accepted.
func (h *harness) updateAt(d time.Duration, name string, arg any) {
	h.at(d, func() {
		h.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { h.t.Errorf("%s at %s refused: %v", name, d, err) },
			OnAccept:   func() {},
			OnComplete: func(_ any, err error) { require.NoError(h.t, err) },
		}, arg)
	})
}

// closeAt ends the case, so the run completes.
func (h *harness) closeAt(d time.Duration) {
	h.updateAt(d, contract.UpdateStatus, contract.StatusChange{ActorID: h.officer.ID, Status: contract.StatusClosed})
}

func (h *harness) timers() []fired {
	var out []fired
	for _, e := range h.timeline() {
		if e.EventType == contract.EventReminderSent || e.EventType == contract.EventOverdue {
			out = append(out, fired{e.EventType, e.CreatedAt.Sub(h.start).Round(time.Minute)})
		}
	}
	return out
}

// subjects counts the e-mails that reached the mail server, by the start
// of their subject.
func (h *harness) subjects() map[string]int {
	counts := map[string]int{}
	for _, m := range h.smtp.Messages() {
		counts[strings.SplitN(m.Subject, ":", 2)[0]]++
	}
	return counts
}

func reminder(d time.Duration) fired { return fired{contract.EventReminderSent, d} }
func overdue(d time.Duration) fired  { return fired{contract.EventOverdue, d} }

func TestDueDateTimers(t *testing.T) {
	tests := []struct {
		name   string
		act    func(h *harness)
		want   []fired
		emails map[string]int
	}{
		{
			name: "kept",
			act:  func(h *harness) { h.closeAt(20 * day) },
			want: []fired{reminder(4 * day), reminder(6 * day), overdue(7 * day), reminder(9 * day), reminder(11 * day)},
			// The overdue notice and both overdue reminders share a subject.
			emails: map[string]int{"Information requested": 1, "Reminder": 2, "Overdue": 3, "Case overdue": 1},
		},
		{
			name: "moved earlier",
			act: func(h *harness) {
				h.updateAt(1*day, contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID, DueDate: ptr(h.start.Add(3 * day))})
				h.closeAt(20 * day)
			},
			// Three days before the new date is already past: skipped.
			want:   []fired{reminder(2 * day), overdue(3 * day), reminder(5 * day), reminder(7 * day)},
			emails: map[string]int{"Information requested": 1, "Reminder": 1, "Overdue": 3, "Case overdue": 1},
		},
		{
			name: "moved later",
			act: func(h *harness) {
				h.updateAt(5*day, contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID, DueDate: ptr(h.start.Add(14 * day))})
				h.closeAt(20 * day)
			},
			want:   []fired{reminder(4 * day), reminder(11 * day), reminder(13 * day), overdue(14 * day), reminder(16 * day), reminder(18 * day)},
			emails: map[string]int{"Information requested": 1, "Reminder": 3, "Overdue": 3, "Case overdue": 1},
		},
		{
			name: "moved later once overdue",
			act: func(h *harness) {
				h.updateAt(8*day, contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID, DueDate: ptr(h.start.Add(12 * day))})
				h.closeAt(20 * day)
			},
			// The first overdue reminder (day 9) is replaced by the new plan;
			// the new date earns a new overdue notice.
			want: []fired{reminder(4 * day), reminder(6 * day), overdue(7 * day),
				reminder(9 * day), reminder(11 * day), overdue(12 * day), reminder(14 * day), reminder(16 * day)},
			emails: map[string]int{"Information requested": 1, "Reminder": 4, "Overdue": 4, "Case overdue": 2},
		},
		{
			name: "cleared",
			act: func(h *harness) {
				h.updateAt(5*day, contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID})
				h.closeAt(20 * day)
			},
			want:   []fired{reminder(4 * day)},
			emails: map[string]int{"Information requested": 1, "Reminder": 1},
		},
		{
			name: "met by a submission",
			act: func(h *harness) {
				h.updateAt(5*day, contract.UpdateSubmit, contract.Submission{Message: "All attached."})
				h.closeAt(20 * day)
			},
			want:   []fired{reminder(4 * day)},
			emails: map[string]int{"Information requested": 1, "Reminder": 1, "The client answered": 1}, // the last to the assignee
		},
		{
			name: "partly met: the reminders go on",
			act: func(h *harness) {
				idDoc := contract.CheckID(contract.EntityID(h.newCase.ID, 0), "IDENTITY_DOCUMENT")
				h.updateAt(5*day, contract.UpdateSubmit, contract.Submission{CheckIDs: []string{idDoc}})
				h.closeAt(20 * day)
			},
			want:   []fired{reminder(4 * day), reminder(6 * day), overdue(7 * day), reminder(9 * day), reminder(11 * day)},
			emails: map[string]int{"Information requested": 1, "Reminder": 2, "Overdue": 3, "Case overdue": 1, "The client answered": 1},
		},
		{
			name: "revoked",
			act: func(h *harness) {
				h.updateAt(5*day, contract.UpdateRevoke, contract.Revocation{ActorID: h.officer.ID, Reason: "Client left the bank."})
			},
			want:   []fired{reminder(4 * day)},
			emails: map[string]int{"Information requested": 1, "Reminder": 1, "Request withdrawn": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := requestHarness(t)
			tt.act(h)
			h.run()
			require.True(t, h.env.IsWorkflowCompleted(), "the run ends")
			require.NoError(t, h.env.GetWorkflowError())
			require.Equal(t, tt.want, h.timers())
			require.Equal(t, tt.emails, h.subjects())
			require.False(t, mustCase(t, h).Overdue, "an ended case is not overdue")
		})
	}
}

func TestOverdueIsProjectedAndCleared(t *testing.T) {
	h := requestHarness(t)
	var during, after contract.State
	h.at(7*day+time.Hour, func() { queryInto(h, &during) })
	h.updateAt(8*day, contract.UpdateSubmit, contract.Submission{})
	h.at(8*day+time.Hour, func() { queryInto(h, &after) })
	h.closeAt(9 * day)
	h.run()
	require.True(t, during.Case.Overdue)
	require.False(t, after.Case.Overdue, "the client answered")
	require.Empty(t, after.Case.Plan, "nothing left to remind")

	types := eventTypes(h.timeline())
	require.Contains(t, types, contract.EventClientSubmit)
	// The client provided their two items, not the provider's screening.
	entity := after.Case.Entities[0]
	require.Equal(t, contract.CheckSubmitted, entity.Checks[0].Status)
	require.Equal(t, contract.CheckPending, entity.Checks[1].Status, "the sanctions screening is not the client's")
	require.Equal(t, contract.CheckSubmitted, entity.Checks[2].Status)
	// The assignee heard of the overdue case once, then of the answer.
	var subjects []string
	for _, m := range h.smtp.To(h.officer.Email) {
		subjects = append(subjects, strings.SplitN(m.Subject, ":", 2)[0])
	}
	require.Equal(t, []string{"Case overdue", "The client answered"}, subjects)
}

func TestInvestigationDeadline(t *testing.T) {
	h := newHarness(t, nil)
	due := h.start.Add(3 * day)
	h.newCase.DueDate = &due
	h.newCase.AssignedTo = &h.officer.ID
	h.newCase.Reminders = contract.ReminderPolicy{Before: []time.Duration{24 * time.Hour}, OverdueEvery: day, OverdueMax: 3}
	h.at(10*day, func() { h.env.CancelWorkflow() })
	h.run()
	// An SLA deadline has no client to remind: only the overdue notice, to
	// the assignee.
	require.Equal(t, []fired{overdue(3 * day)}, h.timers())
	require.Equal(t, map[string]int{"Case overdue": 1}, h.subjects())
	require.True(t, mustCase(t, h).Overdue)
}

func TestRevokedRequestRefusesTheClient(t *testing.T) {
	h := requestHarness(t)
	h.updateAt(time.Hour, contract.UpdateRevoke, contract.Revocation{ActorID: h.officer.ID, Reason: "Opened by mistake."})
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	row := mustCase(t, h)
	require.Equal(t, "REVOKED", row.Status)
	var live int
	require.NoError(t, h.store.DB().Get(&live, `SELECT count(*) FROM portal_tokens WHERE case_id = $1 AND revoked_at IS NULL`, h.newCase.ID))
	require.Zero(t, live, "every link is revoked")
	types := eventTypes(h.timeline())
	require.Equal(t, contract.EventRequestRevoked, types[len(types)-1])
}

func TestSubmitValidators(t *testing.T) {
	h := requestHarness(t)
	var unknown, afterAll, badDate outcome
	h.at(time.Hour, func() {
		h.env.UpdateWorkflow(contract.UpdateSubmit, "unknown", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { unknown.rejected = err }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, contract.Submission{CheckIDs: []string{uuid.NewString()}})
		h.env.UpdateWorkflow(contract.UpdateDueDate, "past", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { badDate.rejected = err }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, contract.DueDateChange{ActorID: h.officer.ID, DueDate: ptr(h.start.Add(-day))})
	})
	h.updateAt(2*time.Hour, contract.UpdateSubmit, contract.Submission{})
	h.at(3*time.Hour, func() {
		h.env.UpdateWorkflow(contract.UpdateSubmit, "again", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { afterAll.rejected = err }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, contract.Submission{})
	})
	h.closeAt(4 * time.Hour)
	h.run()
	requireRejected(t, &unknown, contract.CodeValidation)
	requireRejected(t, &badDate, contract.CodeValidation)
	requireRejected(t, &afterAll, contract.CodeInvalidTransition)
}

func queryInto(h *harness, st *contract.State) {
	v, err := h.env.QueryWorkflow(contract.QueryState)
	require.NoError(h.t, err)
	require.NoError(h.t, v.Get(st))
}

func ptr[T any](v T) *T { return &v }

func TestReminderPlan(t *testing.T) {
	due := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	p := contract.ReminderPolicy{Before: []time.Duration{24 * time.Hour, 72 * time.Hour}, OverdueEvery: 2 * day, OverdueMax: 2}
	kinds := func(plan []contract.Reminder) []string {
		var out []string
		for _, r := range plan {
			out = append(out, r.Kind+"@"+r.At.Sub(due).String())
		}
		return out
	}
	require.Equal(t, []string{"REMINDER@-72h0m0s", "REMINDER@-24h0m0s", "OVERDUE@0s", "OVERDUE_REMINDER@48h0m0s", "OVERDUE_REMINDER@96h0m0s"},
		kinds(contract.ReminderPlan(due, due.Add(-10*day), p, true, false)), "sorted, whatever the configured order")
	require.Equal(t, []string{"OVERDUE@1h0m0s", "OVERDUE_REMINDER@48h0m0s", "OVERDUE_REMINDER@96h0m0s"},
		kinds(contract.ReminderPlan(due, due.Add(time.Hour), p, true, false)), "a passed date is overdue at once")
	require.Equal(t, []string{"OVERDUE_REMINDER@96h0m0s"},
		kinds(contract.ReminderPlan(due, due.Add(3*day), p, true, true)), "the notice is not sent twice")
	require.Equal(t, []string{"OVERDUE@0s"},
		kinds(contract.ReminderPlan(due, due.Add(-10*day), p, false, false)), "no client, no reminders")
}

func TestDigestWorkflowSendsTheDaysDigest(t *testing.T) {
	h := newHarness(t, nil)
	due := h.start.Add(-day)
	c := contract.Case{NewCase: h.newCase, Status: contract.StatusInProgress, Overdue: true, CreatedAt: due, UpdatedAt: due, Version: 1}
	c.DueDate, c.AssignedTo = &due, &h.officer.ID
	_, err := h.store.Project(context.Background(), contract.Projection{Case: c})
	require.NoError(t, err)

	h.env.ExecuteWorkflow(workflows.DigestWorkflow)
	require.NoError(t, h.env.GetWorkflowError())
	var sent int
	require.NoError(t, h.env.GetWorkflowResult(&sent))
	require.Equal(t, 1, sent)
	digest := h.smtp.To(h.officer.Email)
	require.Len(t, digest, 1)
	require.Contains(t, digest[0].Subject, h.start.UTC().Format(time.DateOnly), "the workflow's own date")
	require.Contains(t, digest[0].Text, h.newCase.Title)
}
