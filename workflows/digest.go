package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The daily digest: a Temporal Schedule starts this workflow each day; it
// e-mails each officer the overdue cases they own.
const (
	DigestWorkflowName = "OverdueDigest"
	DigestActivity     = "SendOverdueDigests"
	// DigestScheduleID names the Schedule, created at start-up when missing.
	DigestScheduleID = "caseflow-overdue-digest"
)

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
	err := workflow.ExecuteActivity(ctx, DigestActivity, day).Get(ctx, &sent)
	return sent, err
}
