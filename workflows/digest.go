package workflows

import (
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The daily digest: a Temporal Schedule starts this workflow each day; it
// e-mails each officer the overdue cases they own.

// DigestWorkflow sends the day's digests. The day is the workflow's own
// date, so a retried or re-run workflow sends each officer that day's
// digest once.
func DigestWorkflow(ctx workflow.Context) (int, error) {
	day := workflow.Now(ctx).UTC().Format(time.DateOnly)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: 5 * time.Minute, MaximumAttempts: 20},
		Summary:             "e-mail each officer the overdue cases they own, for " + day,
	})
	var sent int
	err := workflow.ExecuteActivity(ctx, contract.DigestActivity, day).Get(ctx, &sent)
	return sent, err
}
