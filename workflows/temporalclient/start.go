package temporalclient

import (
	"net/url"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/workflows"
)

// StartOptions start a case's workflow on taskQueue, or reach the one
// already running under its ID (a retry); a finished case is never started
// again. The static summary and details name the case in the Temporal UI,
// by its number, type and priority, and link it back to caseflow at
// caseflowURL (the API's base URL); like every summary of a case they hold
// no personal data (workflows/metadata.go).
func StartOptions(nc workflows.NewCase, number, taskQueue, caseflowURL string) client.StartWorkflowOptions {
	caseURL := strings.TrimRight(caseflowURL, "/") + "/api/v1/cases/" + url.PathEscape(nc.ID)
	return client.StartWorkflowOptions{
		ID:                       nc.ID,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            workflows.StaticSummary(nc, number),
		StaticDetails:            workflows.StaticDetails(nc, number, caseURL),
	}
}
