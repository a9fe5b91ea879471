package main

// Start-up set-up of the Temporal namespace: search attributes and the
// digest Schedule.

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/workflows"
)

// ensureDigestSchedule creates the daily digest's Schedule when missing,
// and brings an existing one in line with the configured cron and queue.
func ensureDigestSchedule(ctx context.Context, tc client.Client, cfg config.Config) error {
	spec := client.ScheduleSpec{CronExpressions: []string{cfg.Digest.Cron}}
	action := &client.ScheduleWorkflowAction{
		ID:        "overdue-digest",
		Workflow:  workflows.DigestWorkflowName,
		TaskQueue: cfg.Temporal.TaskQueue,
	}
	_, err := tc.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:     workflows.DigestScheduleID,
		Spec:   spec,
		Action: action,
	})
	if err == nil || !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		if err != nil {
			return fmt.Errorf("create digest schedule: %w", err)
		}
		return nil
	}
	err = tc.ScheduleClient().GetHandle(ctx, workflows.DigestScheduleID).Update(ctx, client.ScheduleUpdateOptions{
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

// registerSearchAttributes adds the case search attributes the namespace
// lacks. One already registered with another type is an error an operator
// must settle: caseflow will not guess.
func registerSearchAttributes(ctx context.Context, tc client.Client, namespace string) error {
	have, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, k := range workflows.SearchAttributeKeys() {
		t, ok := have.GetCustomAttributes()[k.GetName()]
		switch {
		case !ok:
			missing[k.GetName()] = k.GetValueType()
		case t != k.GetValueType():
			return fmt.Errorf("search attribute %s is registered as %s; caseflow needs %s", k.GetName(), t, k.GetValueType())
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = tc.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}
