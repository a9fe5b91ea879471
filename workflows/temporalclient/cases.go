package temporalclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// ErrNoWorkflow is what State answers when Temporal keeps no workflow for
// the case: it never existed, or its history is past retention.
var ErrNoWorkflow = errors.New("no workflow for the case")

// errEnded marks a start refused because the case's workflow already ran
// and ended (the reuse policy rejects a duplicate ID); WorkflowGone
// reports it.
var errEnded = errors.New("the case's workflow has ended")

// createUpdateID is the one ID every create of a case is sent under, so a
// repeated create reaches the case the first one started
// (docs/ARCHITECTURE.md, "The update path").
const createUpdateID = "create"

// Cases is the typed client of case workflows: what a caller (the API)
// asks of a case, in the contract's terms, without naming the workflow,
// its task queue or the SDK's calls. Errors come back as the SDK returns
// them, wrapped; WorkflowGone and Unavailable tell them apart, and a
// validator's refusal is a *temporal.ApplicationError whose type is a
// contract.Code*.
type Cases struct {
	tc          client.Client
	taskQueue   string
	caseflowURL string
	// firstWrites, when set, says this process hosts a worker: a new
	// case's workflow starts on it (EnableEagerStart), its first task runs
	// here at once instead of waiting for a poll, and its first write is
	// the answer (docs/ARCHITECTURE.md, "The update path").
	firstWrites *FirstWrites
}

// NewCases is the client of the cases on taskQueue, whose workflows'
// details link back to caseflowURL (the API's base URL).
func NewCases(tc client.Client, taskQueue, caseflowURL string) *Cases {
	return &Cases{tc: tc, taskQueue: taskQueue, caseflowURL: caseflowURL}
}

// StartEagerly makes Create start a case's workflow on a worker of this
// process, which must poll the same task queue with the same client and
// tell written of its projection writes (as `caseflow serve` does).
// Without such a worker the SDK starts it as usual.
func (c *Cases) StartEagerly(written *FirstWrites) { c.firstWrites = written }

// Create starts the case's workflow, or reaches the one already running
// under its ID, and sends it the create update, resent by Resend's rules:
// the update ID and the conflict policy make a repeat reach the same case.
// It answers the case as the workflow holds it once created; under
// StartEagerly, a new case as its first task wrote it.
func (c *Cases) Create(ctx context.Context, in contract.Input) (contract.Case, error) {
	if c.firstWrites != nil {
		return c.createEagerly(ctx, in)
	}
	var created contract.Case
	err := Resend(ctx, func() error {
		start := c.tc.NewWithStartWorkflowOperation(c.startOptions(in), contract.WorkflowName, in)
		handle, err := c.tc.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start,
			UpdateOptions: client.UpdateWorkflowOptions{
				UpdateID:     createUpdateID,
				UpdateName:   contract.UpdateCreate,
				WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		if err != nil {
			return err
		}
		return handle.Get(ctx, &created)
	})
	return created, err
}

// firstWriteWait bounds the wait for a new case's first write once its
// first task runs here, and so does half of what is left of the call's
// deadline: past it (the task ended without writing, say a workflow that
// refused its input), the create update asks the workflow, which answers
// the case or why there is none.
const firstWriteWait = 2 * time.Second

// createEagerly is Create with the workflow started eagerly: the case is
// answered as its first task wrote it (FirstWrites), with no second
// workflow task, and with the create update only when the start did not
// hand that task to this process (update-with-start cannot start
// eagerly). A repeat reaches the same case as Create's does: the conflict
// policy returns the running workflow, and the create update answers the
// case as it stands; a case whose workflow ended is refused for
// WorkflowGone to tell.
func (c *Cases) createEagerly(ctx context.Context, in contract.Input) (contract.Case, error) {
	var created contract.Case
	err := Resend(ctx, func() error {
		written, done := c.firstWrites.expect(in.New.ID)
		defer done()
		opts := c.startOptions(in)
		opts.EnableEagerStart = true
		// Set by observeEagerStart, on this goroutine: gRPC runs a unary
		// interceptor on the caller's.
		var eager bool
		if _, err := c.tc.ExecuteWorkflow(context.WithValue(ctx, eagerStartKey{}, &eager), opts, contract.WorkflowName, in); err != nil {
			var started *serviceerror.WorkflowExecutionAlreadyStarted
			if errors.As(err, &started) {
				return fmt.Errorf("%w: %w", errEnded, err)
			}
			return err
		}
		if eager && written != nil {
			wait := firstWriteWait
			if deadline, ok := ctx.Deadline(); ok {
				wait = min(wait, time.Until(deadline)/2)
			}
			select {
			case w := <-written:
				if w.ok {
					created = w.c
					return nil
				}
			case <-ctx.Done():
				return fmt.Errorf("case %s: wait for its first write: %w", in.New.ID, ctx.Err())
			case <-time.After(wait):
			}
		}
		handle, err := c.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   in.New.ID,
			UpdateID:     createUpdateID,
			UpdateName:   contract.UpdateCreate,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		return handle.Get(ctx, &created)
	})
	return created, err
}

// Update sends the case the update name (a contract.Update* name) with arg
// under updateID (a fresh one when empty) and waits for its outcome,
// decoded into result unless result is nil. It is sent again by Resend's
// rules.
func (c *Cases) Update(ctx context.Context, caseID, name, updateID string, arg, result any) error {
	return SendUpdate(ctx, c.tc, client.UpdateWorkflowOptions{
		WorkflowID:   caseID,
		UpdateID:     updateID,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}, result)
}

// Signal sends the case the signal name (a contract.Signal* name) with arg.
func (c *Cases) Signal(ctx context.Context, caseID, name string, arg any) error {
	return c.tc.SignalWorkflow(ctx, caseID, "", name, arg)
}

// SignalWithStart sends the signal name with arg to the case in.New
// names, starting its workflow first when it has none. A case whose
// workflow already ended is not started again: the error says so to
// WorkflowGone.
func (c *Cases) SignalWithStart(ctx context.Context, in contract.Input, name string, arg any) error {
	_, err := c.tc.SignalWithStartWorkflow(ctx, in.New.ID, name, arg, c.startOptions(in), contract.WorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return fmt.Errorf("%w: %w", errEnded, err)
	}
	return err
}

// State asks the case's workflow for its live state. Queries reach
// completed workflows too, until Temporal's retention removes their
// history; after that the error is ErrNoWorkflow.
func (c *Cases) State(ctx context.Context, caseID string) (contract.State, error) {
	var st contract.State
	v, err := c.tc.QueryWorkflow(ctx, caseID, "", contract.QueryState)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return st, fmt.Errorf("%w: %w", ErrNoWorkflow, err)
	}
	if err != nil {
		return st, err
	}
	if err := v.Get(&st); err != nil {
		return st, fmt.Errorf("decode case state: %w", err)
	}
	return st, nil
}

// CheckHealth reports whether Temporal answers.
func (c *Cases) CheckHealth(ctx context.Context) error {
	_, err := c.tc.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

func (c *Cases) startOptions(in contract.Input) client.StartWorkflowOptions {
	return StartOptions(in.New, in.CaseNumber, c.taskQueue, c.caseflowURL)
}
