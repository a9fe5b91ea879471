package workflows

import (
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// searchValues is what a case shows in its search attributes.
type searchValues struct {
	number, typ, status, flag, priority, assignee string
	dueAt                                         time.Time
	overdue                                       bool
}

func searchValuesOf(c contract.Case) searchValues {
	v := searchValues{number: c.CaseNumber, typ: c.Type, status: string(c.Status), flag: string(c.Flag),
		priority: string(c.Priority), overdue: c.Overdue}
	if c.AssignedTo != nil {
		v.assignee = *c.AssignedTo
	}
	if c.DueDate != nil {
		v.dueAt = c.DueDate.UTC()
	}
	return v
}

// upsertSearch brings the search attributes and the current details in
// line with the case once Postgres shows it: every written change, a
// resumed run and a write taken after a refusal pass here. It upserts
// nothing when the attributes already agree: each upsert is a history
// event.
func (r *caseRun) upsertSearch(ctx workflow.Context) error {
	r.describe(ctx)
	v := searchValuesOf(r.c)
	if r.search != nil && *r.search == v {
		return nil
	}
	keyword := func(k temporal.SearchAttributeKeyKeyword, s string) temporal.SearchAttributeUpdate {
		if s == "" {
			return k.ValueUnset()
		}
		return k.ValueSet(s)
	}
	due := temporalclient.SearchCaseDueAt.ValueUnset()
	if !v.dueAt.IsZero() {
		due = temporalclient.SearchCaseDueAt.ValueSet(v.dueAt)
	}
	err := workflow.UpsertTypedSearchAttributes(ctx,
		keyword(temporalclient.SearchCaseNumber, v.number), keyword(temporalclient.SearchCaseType, v.typ), keyword(temporalclient.SearchCaseStatus, v.status),
		keyword(temporalclient.SearchCaseFlag, v.flag), keyword(temporalclient.SearchCasePriority, v.priority), keyword(temporalclient.SearchCaseAssignee, v.assignee),
		due, temporalclient.SearchCaseOverdue.ValueSet(v.overdue))
	if err != nil {
		return err
	}
	r.search = &v
	return nil
}
