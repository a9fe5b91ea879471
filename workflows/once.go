package workflows

import (
	"slices"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/sdk/workflow"
)

// Temporal recognises a repeated update ID within one run only. A client
// whose answer was lost retries with the same ID, and when the case has
// continued as new meanwhile the retry lands on a run that never saw it.
// The runs therefore hand on the IDs of the updates they applied, and an
// update seen before is answered again rather than applied twice.

// Which applied IDs a run hands on. A retry of an update comes while its
// caller still waits or retries: within the API's call timeout, or after
// an Idempotency-Key's lease (idempotency.lease, a minute by default) when
// the first attempt was lost. Counting alone is not enough: a busy case
// applies a thousand updates in ten seconds (measured: 105 a second from
// 16 callers), and a retry that came later was applied twice. So a run
// hands on every update of the last appliedFor, at least minApplied and at
// most maxApplied of them: the bound keeps the hand-over's input within
// Temporal's payload limits (about 110 bytes an ID, 550 KB at most).
const (
	appliedFor = 10 * time.Minute
	minApplied = 1_000
	maxApplied = 5_000
)

func (r *caseRun) appliedRef(ctx workflow.Context) (string, bool) {
	info := workflow.GetCurrentUpdateInfo(ctx)
	if info == nil {
		return "", false
	}
	ref, ok := r.appliedIndex[info.ID]
	return ref, ok
}

func (r *caseRun) isApplied(ctx workflow.Context) bool {
	_, ok := r.appliedRef(ctx)
	return ok
}

func (r *caseRun) markApplied(ctx workflow.Context, ref string) {
	info := workflow.GetCurrentUpdateInfo(ctx)
	if info == nil {
		return
	}
	if r.appliedIndex == nil {
		r.appliedIndex = map[string]string{}
	}
	r.applied = append(r.applied, contract.Applied{UpdateID: info.ID, Ref: ref, At: workflow.Now(ctx).UTC()})
	r.appliedIndex[info.ID] = ref
}

// recentApplied is what a run hands on, at now.
func (r *caseRun) recentApplied(now time.Time) []contract.Applied {
	return keepApplied(r.applied, now)
}

// keepApplied is the tail of applied (oldest first) a run hands on: the
// last minApplied, and before them those applied after now-appliedFor, up
// to maxApplied in all.
func keepApplied(applied []contract.Applied, now time.Time) []contract.Applied {
	n := len(applied)
	keep := min(n, minApplied)
	cutoff := now.Add(-appliedFor)
	for keep < n && keep < maxApplied && applied[n-keep-1].At.After(cutoff) {
		keep++
	}
	return slices.Clone(applied[n-keep:])
}

func (r *caseRun) restoreApplied(applied []contract.Applied) {
	r.applied = applied
	r.appliedIndex = make(map[string]string, len(applied))
	for _, a := range applied {
		r.appliedIndex[a.UpdateID] = a.Ref
	}
}

// update is one update as registered: its name, handler and validator.
type update struct {
	name      string
	handler   any
	validator any
}

// guarded makes an update's handler and validator. The validator refuses
// new updates while the run hands over (admit), then holds the update's
// values to the contract (values) and the case's rules (validate). The
// handler applies an update ID once: a repeat gets the answer replay
// builds from what the first produced. Before applying, it waits until the
// case itself is persisted and checks the case's rules again, since another
// handler may have changed the case while this one waited. Values need no
// second look: they do not change while the update waits, and checking
// them in the handler, which Temporal replays, would tie every recorded
// history to today's contract.
func guarded[A, R any](r *caseRun, name string, values, validate func(workflow.Context, A) error,
	handler func(workflow.Context, A) (R, error), ref func(R) string, replay func(string) R) update {
	h := func(ctx workflow.Context, a A) (R, error) {
		if prev, ok := r.appliedRef(ctx); ok {
			return replay(prev), nil
		}
		var zero R
		if err := r.ready(ctx); err != nil {
			return zero, err
		}
		if err := validate(ctx, a); err != nil {
			return zero, err
		}
		res, err := handler(ctx, a)
		// A change whose write Postgres refused is applied all the same
		// (projection.go): a retry must find it applied, not apply it again.
		if err == nil || IsProjectionRefused(err) {
			r.markApplied(ctx, ref(res))
		}
		return res, err
	}
	v := func(ctx workflow.Context, a A) error {
		return r.admit(ctx, func() error {
			if err := values(ctx, a); err != nil {
				return asRejection(err)
			}
			return validate(ctx, a)
		})
	}
	return update{name: name, handler: h, validator: v}
}

// plain adapts a validator that needs no workflow context.
func plain[A any](validate func(A) error) func(workflow.Context, A) error {
	return func(_ workflow.Context, a A) error { return validate(a) }
}

// valueChecker is an update argument that holds its values to the contract.
type valueChecker interface{ Validate() error }

// checked is the values check of an argument that has one.
func checked[A valueChecker](_ workflow.Context, a A) error { return a.Validate() }

// unchecked is the values check of an argument with nothing to check.
func unchecked[A any](workflow.Context, A) error { return nil }

// admit answers an update seen before without validating it (the retry of
// a status change already made must not be refused as a move to the
// status the case is now in), and refuses every new one while the run
// hands over: refused before it is accepted, it leaves no trace, and the
// caller sends it again to the fresh run (temporalclient.SendUpdate does).
func (r *caseRun) admit(ctx workflow.Context, validate func() error) error {
	if r.isApplied(ctx) {
		return nil
	}
	if r.handingOver {
		return reject(contract.CodeRetry, "the case is moving to a fresh run; send the update again")
	}
	return validate()
}

func (r *caseRun) noteEvent(id string) contract.Event { return contract.Event{ID: id, CaseID: r.c.ID} }

func (r *caseRun) entityByID(id string) contract.Entity {
	for _, e := range r.c.Entities {
		if e.ID == id {
			return e
		}
	}
	return contract.Entity{ID: id}
}

func (r *caseRun) checkByID(id string) contract.Check {
	if i, j, err := r.findCheck(id); err == nil {
		return r.c.Entities[i].Checks[j]
	}
	return contract.Check{ID: id}
}
