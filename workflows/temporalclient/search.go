package temporalclient

import (
	"go.temporal.io/sdk/temporal"
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
