package temporalclient

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/workflows/contract"
)

// The API answers 409 CASE_CLOSED or 503 on these classifications, so
// each error Temporal answers with must land in the right one.
func TestErrorsAreToldApart(t *testing.T) {
	ended := fmt.Errorf("%w: %w", errEnded, serviceerror.NewWorkflowExecutionAlreadyStarted("started", "", ""))
	tests := []struct {
		name              string
		err               error
		gone, unavailable bool
	}{
		{name: "no such workflow", err: serviceerror.NewNotFound("workflow not found"), gone: true},
		{name: "completed while the update was sent", err: errors.New("workflow execution already completed"), gone: true},
		{name: "a signal-with-start on an ended case", err: fmt.Errorf("deliver: %w", ended), gone: true},
		{name: "frontend down", err: serviceerror.NewUnavailable("connection refused"), unavailable: true},
		{name: "call deadline", err: fmt.Errorf("update: %w", context.DeadlineExceeded), unavailable: true},
		{name: "a validator's refusal", err: temporal.NewApplicationError("no", contract.CodeInvalidTransition)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.gone, WorkflowGone(tt.err), "WorkflowGone")
			require.Equal(t, tt.unavailable, Unavailable(tt.err), "Unavailable")
		})
	}
}

// Resend sends again while the case answers RETRY (a fresh run is
// starting), and stops at the first other answer.
func TestResendRetriesOnlyWhatMayBeSentAgain(t *testing.T) {
	refusal := temporal.NewApplicationError("no", contract.CodeInvalidTransition)
	answers := []error{temporal.NewApplicationError("moving on", contract.CodeRetry),
		serviceerror.NewWorkflowNotReady("task failed"), refusal, nil}
	sent := 0
	err := Resend(context.Background(), func() error {
		sent++
		return answers[sent-1]
	})
	require.ErrorIs(t, err, refusal)
	require.Equal(t, 3, sent, "the refusal ends it; nothing after it is sent")
}
