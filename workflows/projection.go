package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// How a case reaches Postgres.
//
// A change is written by a local activity inside the workflow task that
// makes it, so an update is answered after one round trip to Temporal,
// with the projection already showing it. But a local activity runs before
// its task is committed, and a task can fail after it ran (a worker dies,
// or the server drops a task, as it does now and then under updates) and
// be retried with the updates in another order: the write then described
// a change that never happened. So the write is split by what is certain:
//
//   - the case row, its entities and the current task's events ("pending")
//     form a snapshot that the next write replaces; a fence (history events
//     so far, across runs) makes a retried task's write win over the failed
//     attempt's;
//   - events of tasks already committed go to the append-only timeline.
//
// An event is known committed once a later workflow task runs: the history
// has grown past the task that made it, or a timer started with it has
// fired. A case with events to confirm keeps such a timer (confirmAfter),
// so its timeline is complete within seconds of falling quiet; the API
// shows pending events meanwhile, from the case row.
//
// Histories from before this design wrote with a regular activity after
// each change (persistByActivity); they replay as they were recorded.
//
// A write Postgres refuses for good (a value it cannot store, such as a
// NUL byte or a date out of range) fails at once with CodeProjectionRefused
// instead of being retried. The workflow keeps the change: it is the
// case's authority, and the change's audit events are decided. The
// updates waiting on that write are answered with the refusal, a signal's
// or timer's change is logged and the run goes on, and queries and later
// updates are served as ever. The projector does not spin: it tries again,
// with everything still unwritten, when a newer change asks for a write or
// when its back-off timer fires (refusedRetry, doubling up to
// refusedRetryMax), so a worker able to write the value, deployed later,
// brings the projection level. Until then every write of such a case is
// refused, and a terminal one stays open until it is written; a case whose
// first write is refused fails, having never existed in Postgres. No
// recorded history holds a refusal, so this needs no version.

// localProjectionChange names the change for workflow.GetVersion
// (versions, case.go).
const localProjectionChange = "local-projection"

// refusedRetry is how long the projector waits after a refused write
// before trying again with no newer change to write; each refusal that
// follows doubles it, up to refusedRetryMax.
const (
	refusedRetry    = 5 * time.Minute
	refusedRetryMax = time.Hour
)

// confirmAfter is how long a case waits at most to prove its workflow
// tasks committed by a timer, when no later task came to prove it sooner;
// the last events of a case that falls quiet reach the audit timeline
// within twice this.
const confirmAfter = 5 * time.Second

// pendingEvent is an event of a workflow task that may not be committed
// yet, with the history length when it was decided.
type pendingEvent struct {
	contract.Event
	decidedAt int
}

// projection is the projection state of one run.
type projection struct {
	byActivity bool
	// historyBase is the history events of the runs before this one.
	historyBase int64
	committed   []contract.Event
	uncommitted []pendingEvent
	// wanted counts the changes asked for, written those in Postgres.
	wanted, written int64
	// shown is the version of the case Postgres last took, so each
	// write's summary names the events new to it.
	shown int64
	err   error
	// refused counts the changes the last refused write covered, refusal
	// is what they are answered with; stalled holds the projector after it
	// until a newer change or its back-off (stall).
	refused int64
	refusal error
	stalled bool
	backoff time.Duration
}

// projectionRetry retries a projection write until Postgres takes it: the
// change is already decided, so giving up would lose it. A write Postgres
// refuses for good fails at once instead, and the projector holds it
// (stall).
func projectionRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    100 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Second,
	}
}

// projectionRetryFor is how long a local projection write is retried
// while Postgres cannot be reached. The workflow task stays open meanwhile
// (the SDK heartbeats it), so it is bounded; an outage longer than this is
// answered as a refusal, and the projector tries again on its back-off.
const projectionRetryFor = time.Hour

// writeOptions are for a write to Postgres as a regular activity, which
// runs once the task that asked for it is committed.
func writeOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second, RetryPolicy: projectionRetry()}
}

// startProjection sets up how this run writes: by a regular activity for
// histories recorded before local writes (runVersions.localWrites).
func (r *caseRun) startProjection(ctx workflow.Context, from *contract.Resume) {
	r.p.byActivity = !r.localWrites
	if from != nil {
		r.p.historyBase = from.HistoryBase
		// Whatever the last run decided is in its history now.
		r.p.committed = from.Unconfirmed
	}
	if !r.p.byActivity {
		workflow.Go(ctx, r.projector)
	}
}

// persist writes the case as it stands now with the given events, and
// stamps them with the workflow's clock. It returns once Postgres shows the
// change.
func (r *caseRun) persist(ctx workflow.Context, events ...contract.Event) error {
	now := workflow.Now(ctx).UTC()
	r.c.UpdatedAt = now
	for i := range events {
		events[i].CreatedAt = now
	}
	if r.p.byActivity {
		return r.persistByActivity(ctx, events)
	}
	at := workflow.GetInfo(ctx).GetCurrentHistoryLength()
	for _, e := range events {
		r.p.uncommitted = append(r.p.uncommitted, pendingEvent{Event: e, decidedAt: at})
	}
	return r.awaitWritten(ctx)
}

// persistStarted writes the case as it opens. Its first event follows from
// the workflow's input alone, which is committed with the start, so it goes
// straight to the audit timeline: no timer, no extra task for a new case.
// It is stamped with the case's creation time, the workflow's start, which
// every attempt of the first workflow task agrees on.
func (r *caseRun) persistStarted(ctx workflow.Context, created contract.Event) error {
	if r.p.byActivity {
		return r.persist(ctx, created)
	}
	r.c.UpdatedAt = workflow.Now(ctx).UTC()
	created.CreatedAt = r.c.CreatedAt
	r.p.committed = append(r.p.committed, created)
	return r.awaitWritten(ctx)
}

// awaitWritten asks the projector for a write and returns once Postgres
// shows the case as it stands now, or with the refusal (a
// CodeProjectionRefused error) once Postgres refused that write.
func (r *caseRun) awaitWritten(ctx workflow.Context) error {
	r.p.wanted++
	want := r.p.wanted
	if err := workflow.Await(ctx, func() bool { return r.p.written >= want || r.p.refused >= want || r.p.err != nil }); err != nil {
		return err
	}
	if r.p.err != nil {
		return r.p.err
	}
	if r.p.written < want {
		return r.p.refusal
	}
	return r.upsertSearch(ctx)
}

// settled reports that no write is under way: every change asked for is
// written, or its write was refused.
func (r *caseRun) settled() bool {
	return r.p.written >= r.p.wanted || r.p.refused >= r.p.wanted || r.p.err != nil
}

// IsProjectionRefused reports whether err is a write Postgres refused for
// good: the change it carried is kept, and written later (projector).
func IsProjectionRefused(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == contract.CodeProjectionRefused
}

// carryOn lets the run go on past a change (a signal's, a timer's) whose
// write was refused: the change is kept, and logged here since no caller
// waits for it. Any other error is returned.
func (r *caseRun) carryOn(ctx workflow.Context, what string, err error) error {
	if err == nil || !IsProjectionRefused(err) {
		return err
	}
	workflow.GetLogger(ctx).Error("projection refused: the case keeps the change and writes it later",
		"caseId", r.c.ID, "change", what, "error", err)
	return nil
}

// projector is the one writer of a run: it writes whatever changed since
// its last write in one local activity, and moves committed events to the
// timeline, waking a quiet case with a timer to do so.
func (r *caseRun) projector(ctx workflow.Context) {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		// Unset, the SDK bounds a local activity's retries, all of them, by
		// its StartToCloseTimeout: a Postgres outage past 10 s then came
		// back as an error the projector takes for a refusal, and the
		// waiting updates were answered with it (a 500 for a lost
		// connection) while the case held its writes for refusedRetry.
		ScheduleToCloseTimeout: projectionRetryFor,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy:            projectionRetry(),
	})
	// One timer at a time, left to fire rather than cancelled and started
	// again on every change: a busy case pays one extra task per
	// confirmAfter, not two timer commands per update.
	var t *confirmTimer
	// retry is the back-off after a refused write, nil on the normal path.
	var retry *backoffTimer
	for {
		if t != nil && !t.short && r.life.IsTerminal(r.c.Status) {
			t.cancel() // the run ends once its timeline is complete: no waiting
			t = nil
		}
		if t == nil && len(r.p.uncommitted) > 0 {
			t = r.armConfirm(ctx)
		}
		fired := func() bool { return t != nil && t.fired.IsReady() }
		work := func() bool {
			return r.p.wanted > r.p.written || len(r.p.committed) > 0 || r.promotable(ctx) > 0
		}
		// held: the last write was refused, and neither a newer change nor
		// the back-off has come to try again (never on the normal path).
		held := func() bool {
			return r.p.stalled && r.p.wanted <= r.p.refused && (retry == nil || !retry.fired.IsReady())
		}
		if err := workflow.Await(ctx, func() bool { return (work() && !held()) || fired() }); err != nil {
			return
		}
		if fired() {
			// The timer fired, so this is a later task: what was decided
			// before the timer started is committed.
			n := 0
			for n < len(r.p.uncommitted) && r.p.uncommitted[n].Seq <= t.upTo {
				n++
			}
			r.commitFirst(n)
			t = nil
		}
		r.commitFirst(r.promotable(ctx))
		if !work() || held() {
			continue
		}
		target := r.p.wanted // the changes this write covers
		err := r.write(lctx)
		switch {
		case err == nil:
			if r.p.stalled {
				r.unstall(ctx, retry)
				retry = nil
			}
		case temporal.IsCanceledError(err):
			workflow.GetLogger(ctx).Error("projection write failed", "error", err)
			r.p.err = fmt.Errorf("project case %s: %w", r.c.ID, err)
			return
		default:
			retry = r.stall(ctx, target, err, retry)
		}
	}
}

// backoffTimer is the projector's wait after a refused write.
type backoffTimer struct {
	fired  workflow.Future
	cancel workflow.CancelFunc
}

// stall answers the changes up to target with the refusal of their write,
// and holds the projector: it keeps everything unwritten and tries again
// with the next change, or once the back-off timer fires. A timer still
// running is kept; one that fired is followed by a longer one.
func (r *caseRun) stall(ctx workflow.Context, target int64, err error, retry *backoffTimer) *backoffTimer {
	cause := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		cause = appErr.Message()
	}
	r.p.stalled, r.p.refused = true, target
	r.p.refusal = temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"the case keeps the change, but its record was refused: %s; it is written once Postgres takes it", cause),
		contract.CodeProjectionRefused, nil)
	log := workflow.GetLogger(ctx)
	if retry != nil && !retry.fired.IsReady() {
		log.Error("projection refused", "caseId", r.c.ID, "error", err)
		r.describe(ctx)
		return retry
	}
	r.p.backoff = min(max(2*r.p.backoff, refusedRetry), refusedRetryMax)
	log.Error("projection refused", "caseId", r.c.ID, "retryIn", r.p.backoff, "error", err)
	r.describe(ctx)
	tctx, cancel := workflow.WithCancel(ctx)
	fired := workflow.NewTimerWithOptions(tctx, r.p.backoff, workflow.TimerOptions{Summary: retrySummary(r.p.backoff)})
	return &backoffTimer{fired: fired, cancel: cancel}
}

// unstall ends a stall once a write went through. The search attributes
// follow: when the back-off wrote, no update is waiting to bring them in
// line.
func (r *caseRun) unstall(ctx workflow.Context, retry *backoffTimer) {
	if retry != nil && !retry.fired.IsReady() {
		retry.cancel()
	}
	r.p.stalled, r.p.backoff = false, 0
	log := workflow.GetLogger(ctx)
	log.Info("projection written again after a refusal", "caseId", r.c.ID)
	if err := r.upsertSearch(ctx); err != nil {
		log.Error("search attributes not updated", "caseId", r.c.ID, "error", err)
	}
}

// confirmTimer proves, once fired, that the events up to upTo are in
// committed workflow tasks.
type confirmTimer struct {
	fired  workflow.Future
	cancel workflow.CancelFunc
	upTo   int64
	short  bool
}

func (r *caseRun) armConfirm(ctx workflow.Context) *confirmTimer {
	wait, short := confirmAfter, r.life.IsTerminal(r.c.Status)
	if short {
		wait = time.Millisecond
	}
	tctx, cancel := workflow.WithCancel(ctx)
	return &confirmTimer{fired: workflow.NewTimerWithOptions(tctx, wait, workflow.TimerOptions{Summary: confirmSummary}), cancel: cancel,
		upTo: r.p.uncommitted[len(r.p.uncommitted)-1].Seq, short: short}
}

// promotable counts the uncommitted events decided in earlier workflow
// tasks: the history has grown since.
func (r *caseRun) promotable(ctx workflow.Context) int {
	now := workflow.GetInfo(ctx).GetCurrentHistoryLength()
	n := 0
	for n < len(r.p.uncommitted) && r.p.uncommitted[n].decidedAt < now {
		n++
	}
	return n
}

// commitFirst moves the first n uncommitted events to committed.
func (r *caseRun) commitFirst(n int) {
	r.p.committed = append(r.p.committed, eventsOf(r.p.uncommitted[:n])...)
	r.p.uncommitted = r.p.uncommitted[n:]
}

func (r *caseRun) write(ctx workflow.Context) error {
	target := r.p.wanted
	committed := r.p.committed
	p := contract.Projection{
		Case:    r.snapshot(),
		Events:  committed,
		Pending: eventsOf(r.p.uncommitted),
		Fence:   r.p.historyBase + int64(workflow.GetInfo(ctx).GetCurrentHistoryLength()),
	}
	opts := workflow.GetLocalActivityOptions(ctx)
	opts.Summary = projectionSummary(p.Case.Version, r.p.shown, p.Events, p.Pending)
	var number string
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, opts), contract.ProjectActivity, p).Get(ctx, &number); err != nil {
		return err
	}
	r.p.shown = p.Case.Version
	// Handlers may have added to the lists meanwhile, never taken away.
	r.p.committed = r.p.committed[len(committed):]
	// The case's number is the one its row has: the number it started
	// with, or Postgres's when it started without one, or when that one
	// was taken (store.Project).
	if number != "" {
		r.c.CaseNumber = number
	}
	r.p.written = target
	return nil
}

// snapshot is the case as the local activity gets it: a copy, since the
// activity runs on a goroutine of its own and the workflow changes checks
// in place (race detector, onboarding test).
func (r *caseRun) snapshot() contract.Case {
	c := r.c
	if r.c.Entities != nil {
		c.Entities = make([]contract.Entity, len(r.c.Entities))
		for i, e := range r.c.Entities {
			e.Checks = slices.Clone(e.Checks)
			c.Entities[i] = e
		}
	}
	c.Plan = slices.Clone(r.c.Plan)
	c.Verdicts = slices.Clone(r.c.Verdicts)
	c.Linked = slices.Clone(r.c.Linked)
	return c
}

// projected reports that Postgres shows everything this run decided, the
// audit timeline included.
func (r *caseRun) projected() bool {
	return r.p.byActivity || (r.p.written >= r.p.wanted && len(r.p.committed) == 0 && len(r.p.uncommitted) == 0)
}

// handOver is what the next run needs: whatever this run decided is
// committed with its Continue-As-New.
func (r *caseRun) handOver(ctx workflow.Context, res *contract.Resume) {
	res.Unconfirmed = append(append([]contract.Event(nil), r.p.committed...), eventsOf(r.p.uncommitted)...)
	res.HistoryBase = r.p.historyBase + int64(workflow.GetInfo(ctx).GetCurrentHistoryLength())
}

func eventsOf(p []pendingEvent) []contract.Event {
	events := make([]contract.Event, len(p))
	for i, e := range p {
		events[i] = e.Event
	}
	return events
}

// persistByActivity is how histories from before local writes projected:
// a regular activity after the change, which runs once its task is
// committed.
//
// Its events go with this write only, so those of a write Postgres
// refused are held in committed and go with the next one (recorded
// histories hold no refusal, so they replay with committed empty).
func (r *caseRun) persistByActivity(ctx workflow.Context, events []contract.Event) error {
	if len(r.p.committed) > 0 {
		events = slices.Concat(r.p.committed, events)
	}
	opts := writeOptions()
	opts.Summary = projectionSummary(r.c.Version, r.p.shown, events, nil)
	ctx = workflow.WithActivityOptions(ctx, opts)
	var number string
	err := workflow.ExecuteActivity(ctx, contract.ProjectActivity, contract.Projection{Case: r.c, Events: events}).Get(ctx, &number)
	if err != nil {
		if IsProjectionRefused(err) {
			r.p.committed = events
		}
		return fmt.Errorf("project case %s: %w", r.c.ID, err)
	}
	r.p.committed, r.p.shown = nil, r.c.Version
	if r.c.CaseNumber == "" {
		r.c.CaseNumber = number
	}
	return r.upsertSearch(ctx)
}
