package workflows

import (
	"fmt"
	"slices"
	"time"

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

// localProjectionChange names the change for workflow.GetVersion.
const localProjectionChange = "local-projection"

// CodeProjectionRefused is the error type of a projection write Postgres
// refused for good (activities.ProjectCase), and of the error an update
// whose change it could not write is answered with.
const CodeProjectionRefused = "PROJECTION_REFUSED"

// confirmAfter is how long a case waits at most to prove its workflow
// tasks committed by a timer, when no later task came to prove it sooner;
// the last events of a case that falls quiet reach the audit timeline
// within twice this.
const confirmAfter = 5 * time.Second

// pendingEvent is an event of a workflow task that may not be committed
// yet, with the history length when it was decided.
type pendingEvent struct {
	Event
	decidedAt int
}

// projection is the projection state of one run.
type projection struct {
	byActivity bool
	// historyBase is the history events of the runs before this one.
	historyBase int64
	committed   []Event
	uncommitted []pendingEvent
	// wanted counts the changes asked for, written those in Postgres.
	wanted, written int64
	err             error
}

// projectionRetry retries a projection write until Postgres takes it: the
// change is already decided, so giving up would lose it.
func projectionRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    100 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Second,
	}
}

// writeOptions are for a write to Postgres as a regular activity, which
// runs once the task that asked for it is committed.
func writeOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second, RetryPolicy: projectionRetry()}
}

// startProjection decides how this run writes, once, before the run's
// first command (so histories recorded before local writes replay).
func (r *caseRun) startProjection(ctx workflow.Context, from *Resume) {
	v := workflow.GetVersion(ctx, localProjectionChange, workflow.DefaultVersion, 1)
	r.p.byActivity = v == workflow.DefaultVersion
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
func (r *caseRun) persist(ctx workflow.Context, events ...Event) error {
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
func (r *caseRun) persistStarted(ctx workflow.Context, created Event) error {
	if r.p.byActivity {
		return r.persist(ctx, created)
	}
	r.c.UpdatedAt = workflow.Now(ctx).UTC()
	created.CreatedAt = r.c.CreatedAt
	r.p.committed = append(r.p.committed, created)
	return r.awaitWritten(ctx)
}

// awaitWritten asks the projector for a write and returns once Postgres
// shows the case as it stands now.
func (r *caseRun) awaitWritten(ctx workflow.Context) error {
	r.p.wanted++
	want := r.p.wanted
	if err := workflow.Await(ctx, func() bool { return r.p.written >= want || r.p.err != nil }); err != nil {
		return err
	}
	if r.p.err != nil {
		return r.p.err
	}
	return r.upsertSearch(ctx)
}

// projector is the one writer of a run: it writes whatever changed since
// its last write in one local activity, and moves committed events to the
// timeline, waking a quiet case with a timer to do so.
func (r *caseRun) projector(ctx workflow.Context) {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         projectionRetry(),
	})
	// One timer at a time, left to fire rather than cancelled and started
	// again on every change: a busy case pays one extra task per
	// confirmAfter, not two timer commands per update.
	var t *confirmTimer
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
		if err := workflow.Await(ctx, func() bool { return work() || fired() }); err != nil {
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
		if !work() {
			continue
		}
		if err := r.write(lctx); err != nil {
			workflow.GetLogger(ctx).Error("projection write failed", "error", err)
			r.p.err = fmt.Errorf("project case %s: %w", r.c.ID, err)
			return
		}
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
	return &confirmTimer{fired: workflow.NewTimer(tctx, wait), cancel: cancel,
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
	p := Projection{
		Case:    r.snapshot(),
		Events:  committed,
		Pending: eventsOf(r.p.uncommitted),
		Fence:   r.p.historyBase + int64(workflow.GetInfo(ctx).GetCurrentHistoryLength()),
	}
	var number string
	if err := workflow.ExecuteLocalActivity(ctx, ProjectActivity, p).Get(ctx, &number); err != nil {
		return err
	}
	// Handlers may have added to the lists meanwhile, never taken away.
	r.p.committed = r.p.committed[len(committed):]
	if r.c.CaseNumber == "" {
		r.c.CaseNumber = number
	}
	r.p.written = target
	return nil
}

// snapshot is the case as the local activity gets it: a copy, since the
// activity runs on a goroutine of its own and the workflow changes checks
// in place (race detector, onboarding test).
func (r *caseRun) snapshot() Case {
	c := r.c
	if r.c.Entities != nil {
		c.Entities = make([]Entity, len(r.c.Entities))
		for i, e := range r.c.Entities {
			e.Checks = slices.Clone(e.Checks)
			c.Entities[i] = e
		}
	}
	c.Plan = slices.Clone(r.c.Plan)
	c.Verdicts = slices.Clone(r.c.Verdicts)
	return c
}

// projected reports that Postgres shows everything this run decided, the
// audit timeline included.
func (r *caseRun) projected() bool {
	return r.p.byActivity || (r.p.written >= r.p.wanted && len(r.p.committed) == 0 && len(r.p.uncommitted) == 0)
}

// handOver is what the next run needs: whatever this run decided is
// committed with its Continue-As-New.
func (r *caseRun) handOver(ctx workflow.Context, res *Resume) {
	res.Unconfirmed = append(append([]Event(nil), r.p.committed...), eventsOf(r.p.uncommitted)...)
	res.HistoryBase = r.p.historyBase + int64(workflow.GetInfo(ctx).GetCurrentHistoryLength())
}

func eventsOf(p []pendingEvent) []Event {
	events := make([]Event, len(p))
	for i, e := range p {
		events[i] = e.Event
	}
	return events
}

// persistByActivity is how histories from before local writes projected:
// a regular activity after the change, which runs once its task is
// committed.
func (r *caseRun) persistByActivity(ctx workflow.Context, events []Event) error {
	ctx = workflow.WithActivityOptions(ctx, writeOptions())
	var number string
	err := workflow.ExecuteActivity(ctx, ProjectActivity, Projection{Case: r.c, Events: events}).Get(ctx, &number)
	if err != nil {
		return fmt.Errorf("project case %s: %w", r.c.ID, err)
	}
	if r.c.CaseNumber == "" {
		r.c.CaseNumber = number
	}
	return r.upsertSearch(ctx)
}
