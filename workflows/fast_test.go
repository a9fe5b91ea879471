package workflows_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// The fast tier: the case workflow in the SDK's test environment with its
// activities mocked through the SDK (OnActivity), so these tests need no
// Postgres and no dev server and run under `go test -short`. The mocks
// keep what the workflow asked of its activities (the projections it
// wrote, the e-mails it asked for, the portal revocations), and the tests
// read that where the full tier's tests read Postgres and the mail server.
// What the activities themselves do is the full tier's to prove.

// fakeNumber is the case number the mocked projection gives a case that
// starts without one, as Postgres's sequence would.
const fakeNumber = "CASE-2026-04711"

// recorded is what the workflow asked of its mocked activities.
type recorded struct {
	mu sync.Mutex
	// events are the committed timeline events by ID: a retried write
	// sends the same events again, and the store keeps each once.
	events map[string]contract.Event
	// last is the case as the latest projection write had it.
	last   contract.Case
	writes int
	// failWrites refuses the first n projection writes, as a Postgres
	// outage would.
	failWrites int
	mails      []contract.Notify
	revoked    []string
}

func (r *recorded) project(_ context.Context, p contract.Projection) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failWrites > 0 {
		r.failWrites--
		return "", errors.New("connection refused")
	}
	r.writes++
	for _, e := range p.Events {
		r.events[e.ID] = e
	}
	r.last = p.Case
	if p.Case.CaseNumber != "" {
		return p.Case.CaseNumber, nil
	}
	return fakeNumber, nil
}

func (r *recorded) notify(_ context.Context, n contract.Notify) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mails = append(r.mails, n)
	return nil
}

func (r *recorded) revoke(_ context.Context, caseID string, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked = append(r.revoked, caseID)
	return nil
}

// timeline is the committed events in order, shaped as the store reads
// them back (no actor names: those are joined in by the store).
func (r *recorded) timeline() []store.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []store.Event
	for _, e := range r.events {
		se := store.Event{ID: e.ID, CaseID: e.CaseID, Seq: e.Seq, EventType: e.Type, Description: e.Description,
			PreviousValue: store.JSON(e.PreviousValue), NewValue: store.JSON(e.NewValue), Metadata: store.JSON(e.Metadata),
			CreatedAt: e.CreatedAt}
		if e.ActorID != nil {
			se.ActorID = sql.NullString{String: *e.ActorID, Valid: true}
		}
		out = append(out, se)
	}
	slices.SortFunc(out, func(a, b store.Event) int { return int(a.Seq - b.Seq) })
	return out
}

// mailKinds counts the e-mails asked for, by kind.
func (r *recorded) mailKinds() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	counts := map[string]int{}
	for _, m := range r.mails {
		counts[m.Kind]++
	}
	return counts
}

func (r *recorded) lastCase() contract.Case {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// unmocked stands in for an activity until OnActivity mocks it: the
// workflow calls activities by name, so the environment must know the
// names first.
func unmocked(name string) error { return errors.New(name + " is not mocked") }

// newFastHarness is newHarness's case in a test environment whose
// activities are mocked.
func newFastHarness(t *testing.T) (*harness, *recorded) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	rec := &recorded{events: map[string]contract.Event{}}

	env.RegisterActivityWithOptions(func(context.Context, contract.Projection) (string, error) {
		return "", unmocked(contract.ProjectActivity)
	}, activity.RegisterOptions{Name: contract.ProjectActivity})
	env.RegisterActivityWithOptions(func(context.Context, contract.Notify) error {
		return unmocked(contract.NotifyActivity)
	}, activity.RegisterOptions{Name: contract.NotifyActivity})
	env.RegisterActivityWithOptions(func(context.Context, string, time.Time) error {
		return unmocked(contract.RevokePortalActivity)
	}, activity.RegisterOptions{Name: contract.RevokePortalActivity})
	env.OnActivity(contract.ProjectActivity, mock.Anything, mock.Anything).Return(rec.project)
	env.OnActivity(contract.NotifyActivity, mock.Anything, mock.Anything).Return(rec.notify)
	env.OnActivity(contract.RevokePortalActivity, mock.Anything, mock.Anything, mock.Anything).Return(rec.revoke)

	officer := store.User{ID: uuid.NewString(), Email: "officer@example.com", FirstName: "Olivia", LastName: "Officer", Role: contract.RoleComplianceOfficer}
	analyst := store.User{ID: uuid.NewString(), Email: "analyst@example.com", FirstName: "Andy", LastName: "Analyst", Role: contract.RoleAnalyst}
	return &harness{
		t: t, env: env, officer: officer, analyst: analyst, start: env.Now(),
		newCase: contract.NewCase{
			ID:          uuid.Must(uuid.NewV7()).String(),
			Type:        "SUSPICIOUS_TRANSACTION",
			Family:      contract.FamilyInvestigation,
			Priority:    "HIGH",
			Title:       "Structuring on account 4411",
			Description: "Nine cash deposits just under the reporting threshold.",
			Client:      &contract.Client{Name: "Jane Roe", Email: "jane@example.com"},
			Tags:        []string{"cash"},
			CreatedBy:   analyst.ID,
		},
	}, rec
}

func TestFastInvestigationLifecycle(t *testing.T) {
	h, rec := newFastHarness(t)
	created := h.send(contract.UpdateCreate, nil)
	assigned := h.send(contract.UpdateAssign, contract.Assignment{ActorID: h.officer.ID, AssigneeID: &h.officer.ID, AssigneeRole: h.officer.Role})
	noted := h.send(contract.UpdateNote, contract.Note{ActorID: h.analyst.ID, Content: "Called the branch."})
	steps := []*outcome{
		h.status(contract.StatusInProgress, ""),
		h.status(contract.StatusPendingReview, ""),
		h.status(contract.StatusInProgress, ""), // sent back
		h.status(contract.StatusPendingReview, ""),
		h.status(contract.StatusEscalated, ""),
		h.status(contract.StatusResolvedTruePositive, "SAR filed."),
		h.status(contract.StatusClosed, "Closed after filing."),
	}
	h.run()

	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	for _, o := range append([]*outcome{created, assigned, noted}, steps...) {
		requireAccepted(t, o)
	}
	createdCase := created.result.(contract.Case)
	require.Equal(t, fakeNumber, createdCase.CaseNumber, "the create answers with the number the projection gave")
	require.Equal(t, contract.StatusOpen, createdCase.Status)

	var final contract.Case
	require.NoError(t, h.env.GetWorkflowResult(&final))
	require.Equal(t, contract.StatusClosed, final.Status)
	require.Equal(t, fakeNumber, final.CaseNumber)
	require.NotNil(t, final.ResolvedAt)
	require.Equal(t, "Closed after filing.", final.ResolutionNote)
	require.Equal(t, &h.officer.ID, final.AssignedTo)

	last := rec.lastCase()
	require.Equal(t, contract.StatusClosed, last.Status, "the last write shows the case as it ended")
	require.Equal(t, int64(10), last.Version, "one version per event")

	events := rec.timeline()
	require.Equal(t, []string{"CASE_CREATED", "ASSIGNED", "NOTE_ADDED", "STATUS_CHANGED", "STATUS_CHANGED",
		"STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"}, eventTypes(events))
	for i, e := range events {
		require.Equal(t, int64(i+1), e.Seq, "the timeline has no gap")
		require.Equal(t, contract.EventID(h.newCase.ID, e.Seq), e.ID, "event IDs are derived, so a retried write names the same row")
	}
	require.Equal(t, "Called the branch.", events[2].Description)
	require.Equal(t, h.analyst.ID, events[0].ActorID.String, "creation is recorded as its author's")
	require.JSONEq(t, `"PENDING_REVIEW"`, string(events[7].PreviousValue))
	require.JSONEq(t, `"ESCALATED"`, string(events[7].NewValue))
}

func TestFastRefusals(t *testing.T) {
	h, rec := newFastHarness(t)
	skip := h.status(contract.StatusClosed, "done")
	unknown := h.status("ARCHIVED", "")
	same := h.status(contract.StatusOpen, "")
	analystAssignee := h.send(contract.UpdateAssign, contract.Assignment{ActorID: h.officer.ID, AssigneeID: &h.analyst.ID, AssigneeRole: h.analyst.Role})
	emptyNote := h.send(contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: "  "})
	onboardingOnly := h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	h.status(contract.StatusInProgress, "")
	h.status(contract.StatusPendingReview, "")
	noNote := h.status(contract.StatusResolvedTruePositive, " ")
	h.status(contract.StatusResolvedTruePositive, "Confirmed.")
	closed := h.status(contract.StatusClosed, "Done.")
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	requireAccepted(t, closed)

	requireRejected(t, skip, contract.CodeInvalidTransition)
	require.ErrorContains(t, skip.rejected, "allowed next states: IN_PROGRESS")
	requireRejected(t, unknown, contract.CodeValidation)
	requireRejected(t, same, contract.CodeInvalidTransition)
	requireRejected(t, analystAssignee, contract.CodeInvalidAssignee)
	requireRejected(t, emptyNote, contract.CodeValidation)
	requireRejected(t, onboardingOnly, contract.CodeInvalidTransition) // an investigation sends no information request
	requireRejected(t, noNote, contract.CodeValidation)
	require.ErrorContains(t, noNote.rejected, "resolutionNote")

	// A refusal is decided before anything is written: only the accepted
	// changes reached the timeline.
	require.Equal(t, []string{"CASE_CREATED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"},
		eventTypes(rec.timeline()))
	require.Equal(t, int64(5), rec.lastCase().Version)
}

func TestFastRefusesChangesOnceClosed(t *testing.T) {
	h, rec := newFastHarness(t)
	for _, s := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview, contract.StatusResolvedFalsePositive} {
		requireLater(h, h.status(s, "reason"))
	}
	// The closing change and a note race: the note's validator runs while
	// CLOSED is being written, and must refuse.
	h.steps++
	var late outcome
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(contract.UpdateStatus, "close", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { h.t.Errorf("close refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, contract.StatusChange{ActorID: h.officer.ID, Status: contract.StatusClosed, ResolutionNote: "Closed."})
		h.env.UpdateWorkflow(contract.UpdateNote, "late", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { late.rejected = err },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, contract.Note{ActorID: h.officer.ID, Content: "too late"})
	}, time.Duration(h.steps)*time.Second)
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	requireRejected(t, &late, contract.CodeCaseClosed)
	require.NotContains(t, eventTypes(rec.timeline()), "NOTE_ADDED")
	require.Equal(t, contract.StatusClosed, rec.lastCase().Status)
}

func TestFastOnboardingFlag(t *testing.T) {
	h, rec := newFastHarness(t)
	idDoc, sanctions := asOnboarding(h, true)
	created := h.send(contract.UpdateCreate, nil)
	sent := h.send(contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	collecting := h.queryAt()
	steps := []*outcome{
		// The client provides all they owe: REVIEWING, though the
		// provider's screening is still pending.
		h.check(idDoc, contract.CheckSubmitted, ""),
	}
	h.providerResult(sanctions, contract.CheckApproved) // still REVIEWING: one to review
	reviewing := h.queryAt()
	steps = append(steps,
		h.check(idDoc, contract.CheckRejected, "The photo is unreadable."), // RECOLLECTING
	)
	recollecting := h.queryAt()
	steps = append(steps,
		h.check(idDoc, contract.CheckSubmitted, ""), // REVIEWING again
		h.check(idDoc, contract.CheckApproved, ""),  // ALL_APPROVED, auto-approved
	)
	approved := h.queryAt()
	closeIt := h.status(contract.StatusClosed, "")
	h.run()

	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	for _, o := range append([]*outcome{created, sent, closeIt}, steps...) {
		requireAccepted(t, o)
	}
	require.Equal(t, contract.StatusDraft, created.result.(contract.Case).Status)
	require.Equal(t, contract.Flag(""), collecting.Case.Flag, "asked, and nothing provided yet")
	require.Equal(t, contract.FlagReviewing, reviewing.Case.Flag)
	require.Equal(t, contract.FlagRecollecting, recollecting.Case.Flag)
	require.Equal(t, contract.StatusApproved, approved.Case.Status)
	require.Equal(t, contract.FlagAllApproved, approved.Case.Flag)
	require.NotNil(t, approved.Case.ResolvedAt)

	requireTimeline(t, rec.timeline(), []flagStep{
		{typ: "CASE_CREATED"},
		{typ: "REQUEST_SENT"},
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "REVIEWING"},
		{typ: "CHECK_UPDATED"}, {typ: "CHECK_UPDATED"}, // provider: PENDING → SUBMITTED → APPROVED
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "RECOLLECTING"},
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "REVIEWING"},
		{typ: "CHECK_UPDATED"}, {typ: "FLAG_CHANGED", flag: "ALL_APPROVED"}, {typ: "AUTO_APPROVED"},
		{typ: "STATUS_CHANGED"},
	})
	last := rec.lastCase()
	require.Equal(t, contract.FlagAllApproved, last.Flag)
	require.Equal(t, contract.StatusClosed, last.Status)
	for _, c := range last.Entities[0].Checks {
		require.Equal(t, contract.CheckApproved, c.Status, c.Type)
	}
	// The client was asked once, and asked again once after the rejection.
	require.Equal(t, map[string]int{contract.MailRequest: 1, contract.MailRecollect: 1}, rec.mailKinds())
}

// TestFastRequestReminders runs TestDueDateTimers's request in simulated
// time: a week's due date, reminders three days and one day before, two
// overdue reminders two days apart.
func TestFastRequestReminders(t *testing.T) {
	tests := []struct {
		name  string
		act   func(h *harness)
		want  []fired
		mails map[string]int
	}{
		{
			name: "kept",
			act:  func(h *harness) { h.closeAt(20 * day) },
			want: []fired{reminder(4 * day), reminder(6 * day), overdue(7 * day), reminder(9 * day), reminder(11 * day)},
			mails: map[string]int{contract.MailRequest: 1, contract.MailReminder: 2, contract.MailOverdue: 1,
				contract.MailOverdueReminder: 2, contract.MailOverdueAssignee: 1},
		},
		{
			name: "moved earlier",
			act: func(h *harness) {
				h.updateAt(1*day, contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID, DueDate: ptr(h.start.Add(3 * day))})
				h.closeAt(20 * day)
			},
			// Three days before the new date is already past: skipped.
			want: []fired{reminder(2 * day), overdue(3 * day), reminder(5 * day), reminder(7 * day)},
			mails: map[string]int{contract.MailRequest: 1, contract.MailReminder: 1, contract.MailOverdue: 1,
				contract.MailOverdueReminder: 2, contract.MailOverdueAssignee: 1},
		},
		{
			name: "cleared",
			act: func(h *harness) {
				h.updateAt(5*day, contract.UpdateDueDate, contract.DueDateChange{ActorID: h.officer.ID})
				h.closeAt(20 * day)
			},
			want:  []fired{reminder(4 * day)},
			mails: map[string]int{contract.MailRequest: 1, contract.MailReminder: 1},
		},
		{
			name: "met by a submission",
			act: func(h *harness) {
				h.updateAt(5*day, contract.UpdateSubmit, contract.Submission{Message: "All attached."})
				h.closeAt(20 * day)
			},
			want:  []fired{reminder(4 * day)},
			mails: map[string]int{contract.MailRequest: 1, contract.MailReminder: 1, contract.MailClientSubmitted: 1},
		},
		{
			name: "revoked",
			act: func(h *harness) {
				h.updateAt(5*day, contract.UpdateRevoke, contract.Revocation{ActorID: h.officer.ID, Reason: "Client left the bank."})
			},
			want:  []fired{reminder(4 * day)},
			mails: map[string]int{contract.MailRequest: 1, contract.MailReminder: 1, contract.MailRevoked: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rec := newFastHarness(t)
			asOnboarding(h, false)
			asRequest(h)
			tt.act(h)
			h.run()
			require.True(t, h.env.IsWorkflowCompleted(), "the run ends")
			require.NoError(t, h.env.GetWorkflowError())
			var timers []fired
			for _, e := range rec.timeline() {
				if e.EventType == contract.EventReminderSent || e.EventType == contract.EventOverdue {
					timers = append(timers, fired{e.EventType, e.CreatedAt.Sub(h.start).Round(time.Minute)})
				}
			}
			require.Equal(t, tt.want, timers)
			require.Equal(t, tt.mails, rec.mailKinds())
			require.False(t, rec.lastCase().Overdue, "an ended case is not overdue")
			if tt.name == "revoked" {
				require.Equal(t, []string{h.newCase.ID}, rec.revoked, "the client's portal links end with the request")
			}
		})
	}
}

// A projection write that fails is retried until it lands, and each event
// lands once: the case answers meanwhile from its own state.
func TestFastProjectionRetried(t *testing.T) {
	h, rec := newFastHarness(t)
	rec.failWrites = 3
	created := h.send(contract.UpdateCreate, nil)
	noted := h.send(contract.UpdateNote, contract.Note{ActorID: h.analyst.ID, Content: "Called the branch."})
	for _, s := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview, contract.StatusResolvedFalsePositive, contract.StatusClosed} {
		requireLater(h, h.status(s, "reason"))
	}
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	requireAccepted(t, created)
	requireAccepted(t, noted)
	require.Zero(t, rec.failWrites, "every refused write was tried")
	require.Equal(t, []string{"CASE_CREATED", "NOTE_ADDED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"},
		eventTypes(rec.timeline()))
	require.Equal(t, contract.StatusClosed, rec.lastCase().Status)
}
