package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes on every case workflow, for `temporal workflow list
// --query` and the Temporal UI. Temporal stores them in clear, so they
// carry no personal data: IDs, codes and dates.
var (
	SearchCaseNumber   = temporal.NewSearchAttributeKeyKeyword("CaseNumber")
	SearchCaseType     = temporal.NewSearchAttributeKeyKeyword("CaseType")
	SearchCaseStatus   = temporal.NewSearchAttributeKeyKeyword("CaseStatus")
	SearchCaseFlag     = temporal.NewSearchAttributeKeyKeyword("CaseFlag")
	SearchCasePriority = temporal.NewSearchAttributeKeyKeyword("CasePriority")
	SearchCaseAssignee = temporal.NewSearchAttributeKeyKeyword("CaseAssignee")
	SearchCaseDueAt    = temporal.NewSearchAttributeKeyTime("CaseDueAt")
	SearchCaseOverdue  = temporal.NewSearchAttributeKeyBool("CaseOverdue")
)

// SearchAttributeKeys lists them, for registering with a namespace.
func SearchAttributeKeys() []temporal.SearchAttributeKey {
	return []temporal.SearchAttributeKey{SearchCaseNumber, SearchCaseType, SearchCaseStatus, SearchCaseFlag,
		SearchCasePriority, SearchCaseAssignee, SearchCaseDueAt, SearchCaseOverdue}
}

// searchValues is what a case shows in its search attributes.
type searchValues struct {
	number, typ, status, flag, priority, assignee string
	dueAt                                         time.Time
	overdue                                       bool
}

func searchValuesOf(c Case) searchValues {
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
	due := SearchCaseDueAt.ValueUnset()
	if !v.dueAt.IsZero() {
		due = SearchCaseDueAt.ValueSet(v.dueAt)
	}
	err := workflow.UpsertTypedSearchAttributes(ctx,
		keyword(SearchCaseNumber, v.number), keyword(SearchCaseType, v.typ), keyword(SearchCaseStatus, v.status),
		keyword(SearchCaseFlag, v.flag), keyword(SearchCasePriority, v.priority), keyword(SearchCaseAssignee, v.assignee),
		due, SearchCaseOverdue.ValueSet(v.overdue))
	if err != nil {
		return err
	}
	r.search = &v
	return nil
}
