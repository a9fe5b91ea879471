package temporalclient

import (
	"context"
	"sync"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// FirstWrites hands a new case's first projection write from this
// process's worker to the API call that started the case, when both share
// a process (`caseflow serve`). A case's workflow creates it in its first
// task, before any update could reach it, and that task writes the case
// to Postgres by a local activity; a case started eagerly runs that task
// here. The write is what the 201 must show, so the call can answer as
// soon as it has it, instead of sending an update and waiting for a second
// workflow task (docs/ARCHITECTURE.md, "The update path").
//
// Answering before the task is committed is safe: the start is committed
// before the task runs, and the task decides the case from the workflow's
// input alone, timestamps aside, so a retried task writes the same case
// again (its write is fenced, and wins) and the answer stays true but for
// its updatedAt.
type FirstWrites struct {
	mu      sync.Mutex
	waiting map[string]chan firstWrite
}

// firstWrite is a case as its first write put it in Postgres, or ok false
// when that write failed (the caller then asks the workflow).
type firstWrite struct {
	c  contract.Case
	ok bool
}

// NewFirstWrites is an empty hand-off: no call waits yet.
func NewFirstWrites() *FirstWrites {
	return &FirstWrites{waiting: map[string]chan firstWrite{}}
}

// expect registers the caller's wait for caseID's next write before its
// workflow starts. done must be called once the caller stops waiting.
// Only one call waits for a case: another already waiting (a repeated
// create racing the first) keeps the write, and written is nil, so this
// one asks the workflow.
func (f *FirstWrites) expect(caseID string) (written <-chan firstWrite, done func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, taken := f.waiting[caseID]; taken {
		return nil, func() {}
	}
	ch := make(chan firstWrite, 1)
	f.waiting[caseID] = ch
	return ch, func() {
		f.mu.Lock()
		if f.waiting[caseID] == ch {
			delete(f.waiting, caseID)
		}
		f.mu.Unlock()
	}
}

// Projected is told of every projection write this process's worker
// tried, with the case number Postgres answered or the write's error
// (activities.Activities.Projected): a call waiting for the case gets it
// as written, or stops waiting when the write failed. It never blocks the
// worker.
func (f *FirstWrites) Projected(p contract.Projection, caseNumber string, err error) {
	f.mu.Lock()
	ch, ok := f.waiting[p.Case.ID]
	delete(f.waiting, p.Case.ID)
	f.mu.Unlock()
	if !ok {
		return
	}
	c := p.Case
	if caseNumber != "" {
		// The row's number, as the workflow takes it (projection.go).
		c.CaseNumber = caseNumber
	}
	ch <- firstWrite{c: c, ok: err == nil}
}

// eagerStartKey carries, in a start's context, the flag the connection's
// observer (observeEagerStart) sets when Temporal answered the start with
// the workflow's first task: that task then runs on this process's worker,
// and its first write comes to FirstWrites. Any other start (no local
// worker free, eager start off on the server, a case already running) is
// answered by the create update at once.
type eagerStartKey struct{}

// observeEagerStart is a gRPC interceptor on the client's connection; a
// start's response is the only place the SDK shows whether it started
// eagerly.
func observeEagerStart(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if granted, ok := ctx.Value(eagerStartKey{}).(*bool); ok && err == nil {
		if r, ok := reply.(*workflowservice.StartWorkflowExecutionResponse); ok && r.GetEagerWorkflowTask() != nil {
			*granted = true
		}
	}
	return err
}
