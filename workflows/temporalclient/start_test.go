package temporalclient_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// A retried create must reach the running case, and a closed case must
// never start again; the details link back to the case under the base URL
// however it is written.
func TestStartOptions(t *testing.T) {
	nc := contract.NewCase{ID: "0b5c1a52-5a4e-4d4e-9a59-3f1f4a3e9c11", Type: "KYC_REVIEW", Priority: "HIGH"}
	opts := temporalclient.StartOptions(nc, "CASE-2026-00042", "cases", "https://caseflow.example/")
	require.Equal(t, nc.ID, opts.ID)
	require.Equal(t, "cases", opts.TaskQueue)
	require.Equal(t, enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING, opts.WorkflowIDConflictPolicy)
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, opts.WorkflowIDReusePolicy)
	require.Equal(t, temporalclient.StaticSummary(nc, "CASE-2026-00042"), opts.StaticSummary)
	require.Contains(t, opts.StaticDetails, "(https://caseflow.example/api/v1/cases/"+nc.ID+")")
}
