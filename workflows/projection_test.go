package workflows_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
)

// refusing stands in for a Postgres that refuses some writes for good, as
// it refuses a value it cannot store: the real activity gets the error
// Postgres gives for a NUL byte, and must give up on the write.
type refusing struct {
	activities.Projector
	mu sync.Mutex
	// refuse says whether to refuse a write; it runs under mu.
	refuse   func(contract.Projection) bool
	attempts int
	refusals int
}

func (f *refusing) Project(ctx context.Context, p contract.Projection) (string, error) {
	f.mu.Lock()
	f.attempts++
	bad := f.refuse(p)
	if bad {
		f.refusals++
	}
	f.mu.Unlock()
	if bad {
		return "", fmt.Errorf("project case %s: %w", p.Case.ID,
			&pq.Error{Severity: "ERROR", Code: "22021", Message: `invalid byte sequence for encoding "UTF8": 0x00`})
	}
	return f.Projector.Project(ctx, p)
}

func (f *refusing) counts() (attempts, refusals int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts, f.refusals
}

func newRefusingHarness(t *testing.T, h func(*testing.T, func(activities.Projector) activities.Projector) *harness) (*harness, *refusing) {
	f := &refusing{refuse: func(contract.Projection) bool { return false }}
	return h(t, func(p activities.Projector) activities.Projector {
		f.Projector = p
		return f
	}), f
}

// timed is an update's outcome, with when it was sent and answered in
// simulated time since the start.
type timed struct {
	outcome
	sentAt, doneAt time.Duration
}

func (h *harness) sendAt(d time.Duration, name string, arg any) *timed {
	o := &timed{sentAt: d, doneAt: -1}
	h.at(d, func() {
		h.env.UpdateWorkflow(name, uuid.NewString(), &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { o.rejected = err },
			OnAccept:   func() {},
			OnComplete: func(result any, err error) { o.result, o.err, o.doneAt = result, err, h.env.Now().Sub(h.start) },
		}, arg)
	})
	return o
}

func (h *harness) stateAt(d time.Duration) *contract.State {
	st := &contract.State{}
	h.at(d, func() { queryInto(h, st) })
	return st
}

func (h *harness) noteAt(d time.Duration, content string) *timed {
	return h.sendAt(d, contract.UpdateNote, contract.Note{ActorID: h.officer.ID, Content: content})
}

func (h *harness) statusAt(d time.Duration, to contract.Status, note string) *timed {
	return h.sendAt(d, contract.UpdateStatus, contract.StatusChange{ActorID: h.officer.ID, Status: to, ResolutionNote: note})
}

// requireRefused asserts an update was accepted and answered at once with
// the refusal of its write: not retried, not left hanging.
func requireRefused(t *testing.T, o *timed) {
	t.Helper()
	require.NoError(t, o.rejected, "the validator accepted it")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, o.err, &appErr)
	require.Equal(t, contract.CodeProjectionRefused, appErr.Type(), "%v", o.err)
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Message(), "22021")
	require.GreaterOrEqual(t, o.doneAt, o.sentAt, "answered")
	require.Less(t, o.doneAt-o.sentAt, time.Second, "answered at once")
}

func requireDone(t *testing.T, o *timed) {
	t.Helper()
	require.NoError(t, o.rejected)
	require.NoError(t, o.err)
	require.GreaterOrEqual(t, o.doneAt, o.sentAt, "answered")
}

func descriptions(h *harness) []string {
	var out []string
	for _, e := range h.timeline() {
		out = append(out, e.Description)
	}
	return out
}

// One write Postgres refuses does not stop the case: the update that
// waited on it is answered with the refusal at once, the case answers
// queries, validates and applies later updates, and a provider's result
// whose write is refused does not fail the run. What was refused is kept
// and written with the next change.
func TestProjectionRefusedWriteLeavesTheCaseAnswering(t *testing.T) {
	h, f := newRefusingHarness(t, newHarness)
	h.newCase.Type = "IDENTITY_VERIFICATION"
	h.newCase.Family = contract.FamilyOnboarding
	h.newCase.Title = "Identity verification: Jane Roe"
	h.newCase.Description = ""
	h.newCase.AutoApprove = true
	h.newCase.Entities = []contract.NewEntity{{
		Kind: contract.KindIndividual, Name: "Jane Roe", Role: "applicant",
		Checks: []string{"IDENTITY_DOCUMENT", "SANCTIONS_SCREENING"}, ProviderChecks: []string{"SANCTIONS_SCREENING"},
	}}
	entity := contract.EntityID(h.newCase.ID, 0)
	idDoc, sanctions := contract.CheckID(entity, "IDENTITY_DOCUMENT"), contract.CheckID(entity, "SANCTIONS_SCREENING")

	noteRefused, signalRefused := false, false
	f.refuse = func(p contract.Projection) bool {
		if !noteRefused && slices.ContainsFunc(p.Pending, func(e contract.Event) bool { return e.Description == "Refused once." }) {
			noteRefused = true
			return true
		}
		if !signalRefused && len(p.Case.Entities) > 0 && p.Case.Entities[0].Checks[1].Status == contract.CheckApproved {
			signalRefused = true
			return true
		}
		return false
	}

	s := time.Second
	created := h.sendAt(1*s, contract.UpdateCreate, nil)
	sent := h.sendAt(2*s, contract.UpdateSend, contract.Send{ActorID: h.analyst.ID})
	refused := h.noteAt(3*s, "Refused once.")
	afterRefusal := h.stateAt(4 * s)
	later := h.noteAt(5*s, "Written after the refusal.")
	invalid := h.sendAt(6*s, contract.UpdateCheck, contract.CheckChange{ActorID: h.officer.ID, CheckID: idDoc, Status: "BOGUS"})
	submitted := h.sendAt(7*s, contract.UpdateCheck, contract.CheckChange{ActorID: h.officer.ID, CheckID: idDoc, Status: contract.CheckSubmitted})
	approved := h.sendAt(8*s, contract.UpdateCheck, contract.CheckChange{ActorID: h.officer.ID, CheckID: idDoc, Status: contract.CheckApproved})
	h.at(9*s, func() {
		h.env.SignalWorkflow(contract.SignalCheckResult, contract.CheckResult{CheckID: sanctions, Result: contract.CheckApproved, Provider: "ScreenCo", Reference: "SC-1"})
	})
	afterSignal := h.stateAt(10 * s)
	var projectedAfterSignal string
	h.at(10*s+500*time.Millisecond, func() { projectedAfterSignal = mustCase(t, h).Status })
	closed := h.statusAt(11*s, contract.StatusClosed, "")
	h.run()

	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError(), "a refused write never fails the run")
	for _, o := range []*timed{created, sent, later, submitted, approved, closed} {
		requireDone(t, o)
	}
	requireRefused(t, refused)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, invalid.rejected, &appErr)
	require.Equal(t, contract.CodeValidation, appErr.Type(), "later updates are validated as ever")

	require.Equal(t, contract.StatusOpen, afterRefusal.Case.Status, "the query answers")
	require.Equal(t, int64(3), afterRefusal.Case.Version, "the case keeps the refused note")
	require.Equal(t, contract.StatusApproved, afterSignal.Case.Status, "the provider's result is applied: all approved")
	require.Equal(t, "OPEN", projectedAfterSignal, "its write was refused")

	_, refusals := f.counts()
	require.Equal(t, 2, refusals)
	// The next change wrote what was refused: nothing decided is lost.
	require.Equal(t, []string{"CASE_CREATED", "REQUEST_SENT", "NOTE_ADDED", "NOTE_ADDED",
		"CHECK_UPDATED", "FLAG_CHANGED", "CHECK_UPDATED", // the identity document
		"CHECK_UPDATED", "CHECK_UPDATED", "FLAG_CHANGED", "AUTO_APPROVED", // the provider's result, refused once
		"STATUS_CHANGED"}, eventTypes(h.timeline()))
	require.Contains(t, descriptions(h), "Refused once.")
	row := mustCase(t, h)
	require.Equal(t, "CLOSED", row.Status)
	require.Equal(t, "ALL_APPROVED", row.Flag.String)
	entities, err := h.store.Entities(context.Background(), h.newCase.ID)
	require.NoError(t, err)
	require.Equal(t, "APPROVED", entities[0].Checks[1].Status)
	require.Equal(t, "ScreenCo", entities[0].Checks[1].Provider)
}

// A case whose writes Postgres keeps refusing (a value in it that no
// worker can store yet) holds its projection without spinning: every
// update is answered with the refusal and applied, a timer whose write is
// refused leaves the run going, and the projector tries again only with
// a newer change or on its back-off. Once a worker can write the case,
// the back-off brings the projection level, every event included, and
// the case, closed meanwhile, completes.
func TestProjectionStallsUntilAWorkerCanWriteIt(t *testing.T) {
	h, f := newRefusingHarness(t, newHarness)
	due := h.start.Add(time.Hour)
	h.newCase.DueDate = &due
	h.newCase.AssignedTo = &h.officer.ID
	broken := false
	f.refuse = func(contract.Projection) bool { return broken }
	setBroken := func(b bool) {
		f.mu.Lock()
		defer f.mu.Unlock()
		broken = b
	}

	s := time.Second
	created := h.sendAt(1*s, contract.UpdateCreate, nil)
	h.at(1500*time.Millisecond, func() { setBroken(true) })
	refused := []*timed{h.noteAt(2*s, "First refused."), h.noteAt(3*s, "Second refused.")}
	// At 1h the case falls overdue: a timer whose write is refused.
	overdue := h.stateAt(time.Hour + s)
	for i, st := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview,
		contract.StatusResolvedTruePositive, contract.StatusClosed} {
		refused = append(refused, h.statusAt(2*time.Hour+time.Duration(i)*s, st, "Confirmed."))
	}
	closedInCase := h.stateAt(2*time.Hour + 10*s)
	var projectedStatus string
	var attemptsBroken int
	h.at(3*time.Hour, func() {
		projectedStatus = mustCase(t, h).Status
		attemptsBroken, _ = f.counts()
		setBroken(false) // a worker that can write the case is deployed
	})
	h.run()

	require.True(t, h.env.IsWorkflowCompleted(), "the closed case completes once its projection is written")
	require.NoError(t, h.env.GetWorkflowError())
	requireDone(t, created)
	for _, o := range refused {
		requireRefused(t, o)
	}
	require.True(t, overdue.Case.Overdue, "the timer's change is kept")
	require.Equal(t, contract.StatusClosed, closedInCase.Case.Status, "updates are applied though not written")
	require.Equal(t, "OPEN", projectedStatus)

	// One write per change (2 notes, the overdue timer, 4 moves), one per
	// back-off (at 5, 15, 35, 75 and 135 minutes), the case created: no
	// spinning.
	require.Equal(t, 1+7+5, attemptsBroken)
	// The next back-off (195 minutes) finds Postgres taking the case.
	end := h.env.Now().Sub(h.start)
	require.Greater(t, end, 3*time.Hour+14*time.Minute)
	require.Less(t, end, 3*time.Hour+16*time.Minute)

	row := mustCase(t, h)
	require.Equal(t, "CLOSED", row.Status)
	require.True(t, row.ResolvedAt.Valid)
	var audited []string
	require.NoError(t, h.store.DB().Select(&audited, `SELECT event_type FROM case_events WHERE case_id = $1 ORDER BY seq`, h.newCase.ID))
	require.Equal(t, []string{"CASE_CREATED", "NOTE_ADDED", "NOTE_ADDED", "OVERDUE",
		"STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED", "STATUS_CHANGED"}, audited, "every event decided reached the audit timeline")
}

// A case that continues as new with writes refused hands every event not
// yet written to the next run, which writes them once Postgres takes them.
func TestProjectionRefusedEventsCarryOverContinueAsNew(t *testing.T) {
	h, f := newRefusingHarness(t, newHarness)
	h.newCase.HistoryLimit = 5_000
	f.refuse = func(p contract.Projection) bool { return p.Case.Version > 1 }
	created := h.sendAt(time.Second, contract.UpdateCreate, nil)
	refused := h.noteAt(2*time.Second, "Refused before the hand-over.")
	h.at(time.Hour, func() { h.env.SetCurrentHistoryLength(3_750) })
	h.run()
	requireDone(t, created)
	requireRefused(t, refused)

	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)
	var next contract.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Resume)
	require.Len(t, next.Resume.Unconfirmed, 1)
	require.Equal(t, "Refused before the hand-over.", next.Resume.Unconfirmed[0].Description)
	require.Equal(t, []string{"CASE_CREATED"}, eventTypes(h.timeline()), "not written yet")

	// The next run, on a worker whose Postgres takes the case.
	h2 := newHarnessOn(t, h)
	var audited []string
	h2.at(time.Minute, func() {
		require.NoError(t, h.store.DB().Select(&audited, `SELECT description FROM case_events WHERE case_id = $1 ORDER BY seq`, h.newCase.ID))
		h2.env.CancelWorkflow()
	})
	h2.env.ExecuteWorkflow(workflows.CaseWorkflow, next)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.Equal(t, []string{"Case created", "Refused before the hand-over."}, audited)
}

// A case whose very first write is refused never existed in Postgres: it
// fails at once with the refusal.
func TestProjectionRefusedCreateFailsTheCase(t *testing.T) {
	h, f := newRefusingHarness(t, newHarness)
	f.refuse = func(contract.Projection) bool { return true }
	h.run()
	require.True(t, h.env.IsWorkflowCompleted())
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, h.env.GetWorkflowError(), &appErr)
	require.Equal(t, contract.CodeProjectionRefused, appErr.Type())
	_, err := h.store.GetCase(context.Background(), h.newCase.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	attempts, _ := f.counts()
	require.Equal(t, 1, attempts, "a refusal is not retried as is")
}
