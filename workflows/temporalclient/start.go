package temporalclient

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/caseflow/caseflow/workflows/contract"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// StartOptions start a case's workflow on taskQueue, or reach the one
// already running under its ID (a retry); a finished case is never started
// again. The static summary and details name the case in the Temporal UI,
// by its number, type and priority, and link it back to caseflow at
// caseflowURL (the API's base URL); like every summary of a case they hold
// no personal data (workflows/metadata.go).
func StartOptions(nc contract.NewCase, number, taskQueue, caseflowURL string) client.StartWorkflowOptions {
	caseURL := strings.TrimRight(caseflowURL, "/") + "/api/v1/cases/" + url.PathEscape(nc.ID)
	return client.StartWorkflowOptions{
		ID:                       nc.ID,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:            StaticSummary(nc, number),
		StaticDetails:            StaticDetails(nc, number, caseURL),
	}
}

// StaticSummary is a case workflow's one-line summary, fixed at its start:
// "CASE-2026-00042 · SUSPICIOUS_TRANSACTION · HIGH".
func StaticSummary(nc contract.NewCase, number string) string {
	name := number
	if name == "" {
		name = "case " + nc.ID
	}
	parts := []string{name, nc.Type, string(nc.Priority)}
	if nc.FromScreening {
		parts = append(parts, "from screening")
	}
	return strings.Join(parts, " · ")
}

// StaticDetails are a case workflow's fixed details: what the case is, who
// opened it, and where caseflow shows it (caseURL, the case's detail in
// the API).
func StaticDetails(nc contract.NewCase, number, caseURL string) string {
	var b strings.Builder
	if number != "" {
		fmt.Fprintf(&b, "**%s**: ", number)
	}
	fmt.Fprintf(&b, "%s (%s), priority %s, ", nc.Type, nc.Family, nc.Priority)
	if nc.CreatedBy != "" {
		fmt.Fprintf(&b, "opened by user `%s`.", nc.CreatedBy)
	} else {
		b.WriteString("opened by transaction screening.")
	}
	fmt.Fprintf(&b, "\n\nIn caseflow (the API, with a bearer token): [the case and its audit timeline](%s), [its live state](%s/state).",
		caseURL, caseURL)
	return b.String()
}
