package main

// Start-up set-up of the Temporal namespace: the digest Schedule (the
// search attributes are temporalclient.RegisterSearchAttributes).

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/workflows/contract"
)

// ensureDigestSchedule creates the daily digest's Schedule when missing,
// and brings an existing one in line with the configured cron and queue.
func ensureDigestSchedule(ctx context.Context, tc client.Client, cfg config.Config) error {
	spec := client.ScheduleSpec{CronExpressions: []string{cfg.Digest.Cron}}
	action := &client.ScheduleWorkflowAction{
		ID:        "overdue-digest",
		Workflow:  contract.DigestWorkflowName,
		TaskQueue: cfg.Temporal.TaskQueue,
	}
	_, err := tc.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:     contract.DigestScheduleID,
		Spec:   spec,
		Action: action,
	})
	if err == nil || !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("create digest schedule: %w", err)
		}
		return nil
	}
	err = tc.ScheduleClient().GetHandle(ctx, contract.DigestScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &spec, action
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update digest schedule: %w", err)
	}
	return nil
}
