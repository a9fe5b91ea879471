package temporalclient

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// SendUpdate sends a case an update and waits for its outcome, sending it
// again under the same update ID while Resend says it may. Every caller of
// case updates should use it.
func SendUpdate(ctx context.Context, tc client.Client, opts client.UpdateWorkflowOptions, result any) error {
	if opts.UpdateID == "" {
		opts.UpdateID = uuid.NewString()
	}
	return Resend(ctx, func() error {
		handle, err := tc.UpdateWorkflow(ctx, opts)
		if err != nil {
			return err
		}
		return handle.Get(ctx, result)
	})
}

// Resend runs send, an update under a fixed update ID, again until ctx's
// deadline while its update was not applied and may be sent again: the
// case is moving to a fresh run (the workflow answers RETRY), the workflow
// task that carried it failed (Temporal answers WorkflowNotReady), or one
// long poll for it ran out before ctx did (a very busy case).
func Resend(ctx context.Context, send func() error) error {
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := send()
		var appErr *temporal.ApplicationError
		var notReady *serviceerror.WorkflowNotReady
		var pollEnded *client.WorkflowUpdateServiceTimeoutOrCanceledError
		again := errors.As(err, &appErr) && appErr.Type() == contract.CodeRetry || errors.As(err, &notReady) ||
			errors.As(err, &pollEnded) && ctx.Err() == nil
		if !again {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// Unavailable reports whether err says Temporal could not be reached or
// did not answer in time, so the caller may try again later.
func Unavailable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	var canceled *serviceerror.Canceled
	var timeout *temporal.TimeoutError
	return errors.As(err, &unavailable) || errors.As(err, &deadline) || errors.As(err, &canceled) ||
		errors.As(err, &timeout) || errors.Is(err, context.DeadlineExceeded)
}

// WorkflowGone reports whether an update or signal found the case's
// workflow completed: the case reached a terminal status.
func WorkflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf) || errors.Is(err, errEnded) ||
		strings.Contains(err.Error(), "workflow execution already completed")
}
