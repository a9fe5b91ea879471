package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// metadataQuery is the query the Temporal UI and `temporal workflow
// metadata` read a workflow's current details with (the SDK answers it).
const metadataQuery = "__temporal_workflow_metadata"

// seen is what Temporal shows of a case besides its payloads: the static
// summary and details, the current details, every summary in its history,
// and the search attributes. Temporal may store all of it in clear.
type seen struct {
	summary, details, current string
	// history holds each summary in the history, by event type.
	history map[enumspb.EventType][]string
	// raw is every payload of it as stored, to search for personal data.
	raw []string
}

// look reads a case the way the Temporal UI does: describe, the metadata
// query and the history.
func (h *harness) look(t *testing.T, id string) seen {
	t.Helper()
	ctx := context.Background()
	dc := converter.GetDefaultDataConverter()
	s := seen{history: map[enumspb.EventType][]string{}}
	payload := func(p *commonpb.Payload) string {
		t.Helper()
		if p == nil {
			return ""
		}
		s.raw = append(s.raw, string(p.GetData()))
		var text string
		require.NoError(t, dc.FromPayload(p, &text))
		return text
	}

	d, err := h.temporal.DescribeWorkflow(ctx, id, "")
	require.NoError(t, err)
	s.summary, err = d.GetStaticSummary()
	require.NoError(t, err)
	s.details, err = d.GetStaticDetails()
	require.NoError(t, err)
	raw, err := h.temporal.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	payload(raw.GetExecutionConfig().GetUserMetadata().GetSummary())
	payload(raw.GetExecutionConfig().GetUserMetadata().GetDetails())
	for _, p := range raw.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields() {
		s.raw = append(s.raw, string(p.GetData()))
	}

	v, err := h.temporal.QueryWorkflow(ctx, id, "", metadataQuery)
	require.NoError(t, err)
	var md sdkpb.WorkflowMetadata
	require.NoError(t, v.Get(&md))
	s.current = md.GetCurrentDetails()
	s.raw = append(s.raw, s.current)

	it := h.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if text := payload(ev.GetUserMetadata().GetSummary()); text != "" {
			s.history[ev.GetEventType()] = append(s.history[ev.GetEventType()], text)
		}
		payload(ev.GetUserMetadata().GetDetails())
	}
	return s
}

// noPersonalData fails when any of what Temporal shows holds one of the
// case's personal values, in any case.
func (s seen) noPersonalData(t *testing.T, personal ...string) {
	t.Helper()
	for _, text := range s.raw {
		for _, p := range personal {
			require.NotContains(t, strings.ToLower(text), strings.ToLower(p), "personal data shown by Temporal")
		}
	}
}

func (s seen) has(t *testing.T, typ enumspb.EventType, summary string) {
	t.Helper()
	require.Contains(t, s.history[typ], summary, "%s summaries: %q", typ, s.history[typ])
}

var caseNumber = regexp.MustCompile(`^CASE-\d{4}-\d{5,}$`)

// An operator finds a case in the Temporal UI by its number and reads
// from the UI alone which case a workflow is and what it waits for, and
// none of it is personal data: summaries, details and search attributes
// may be stored in clear.
func TestTemporalUIShowsTheCase(t *testing.T) {
	h := suite(t)
	officer := h.users[contract.RoleComplianceOfficer]
	// Personal values, each unlike anything else a case holds.
	const (
		name   = "Zebedee Quartermaine"
		email  = "zq.private@example.org"
		desc   = "Quarterly review of the Quartermaine family trust."
		note   = "Spoke to Zebedee on his mobile."
		reason = "The passport scan of Mr Quartermaine is blurred."
	)
	personal := []string{"Zebedee", "Quartermaine", email, desc, note, reason, "nationality"}

	due := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	body := onboardingBody(name)
	body["client"] = map[string]string{"name": name, "email": email, "externalId": "KYC-zq"}
	body["description"], body["dueDate"], body["autoApprove"] = desc, due.Format(time.RFC3339), false
	r := h.do(t, contract.RoleAnalyst, http.MethodPost, "/cases", body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	c := decode[onboardingOut](t, r)
	require.Regexp(t, caseNumber, c.CaseNumber)

	// The summary names the case from the start, by the number Postgres shows.
	s := h.look(t, c.ID)
	require.Equal(t, c.CaseNumber+" · IDENTITY_VERIFICATION · MEDIUM", s.summary)
	require.Contains(t, s.details, "**"+c.CaseNumber+"**: IDENTITY_VERIFICATION (onboarding), priority MEDIUM")
	require.Contains(t, s.details, "(http://localhost:8080/api/v1/cases/"+c.ID+")")
	require.Contains(t, s.details, "opened by user `"+h.users[contract.RoleAnalyst].ID+"`")
	require.Contains(t, s.current, "**"+c.CaseNumber+"** is DRAFT")
	require.Contains(t, s.current, "waiting for: its request to be sent to the client")

	// The search box of the UI takes the same query as the CLI's list.
	require.Eventually(t, func() bool {
		resp, err := h.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("CaseNumber = %q", c.CaseNumber)})
		require.NoError(t, err)
		return len(resp.GetExecutions()) == 1 && resp.GetExecutions()[0].GetExecution().GetWorkflowId() == c.ID
	}, 10*time.Second, 50*time.Millisecond, "the case is found by its number")

	// The case moves: sent, assigned, a note, a check provided and refused.
	idDoc := checkID(t, c, 0, "IDENTITY_DOCUMENT")
	for _, step := range []struct {
		role         contract.Role
		method, path string
		body         any
	}{
		{contract.RoleAnalyst, http.MethodPost, "/send", nil},
		{contract.RoleComplianceOfficer, http.MethodPatch, "/assign", map[string]any{"assigneeId": officer.ID}},
		{contract.RoleAnalyst, http.MethodPost, "/notes", map[string]any{"content": note}},
		{contract.RoleAnalyst, http.MethodPatch, "/checks/" + idDoc, map[string]any{"status": "SUBMITTED"}},
		{contract.RoleComplianceOfficer, http.MethodPatch, "/checks/" + idDoc, map[string]any{"status": "REJECTED", "reason": reason}},
	} {
		r := h.do(t, step.role, step.method, "/cases/"+c.ID+step.path, step.body)
		require.Less(t, r.status, 300, "%s %s: %s", step.method, step.path, r.body)
	}
	h.waitForMail(t, email, 2) // the request, then what to provide again

	s = h.look(t, c.ID)
	require.Equal(t, c.CaseNumber+" · IDENTITY_VERIFICATION · MEDIUM", s.summary, "fixed at start")
	require.Contains(t, s.current, "**"+c.CaseNumber+"** is OPEN, flag RECOLLECTING, assigned to user `"+officer.ID+"`")
	require.Contains(t, s.current, "waiting for: the client (2 items), a provider (2 checks)")
	next := due.Add(-72 * time.Hour).Format(time.DateTime)
	require.Contains(t, s.current, "next: reminder 72h before due at "+next+" UTC")
	require.Contains(t, s.current, "due: "+due.Format(time.DateTime)+" UTC")

	// The history reads as the case's story.
	s.has(t, enumspb.EVENT_TYPE_TIMER_STARTED, "reminder 72h before due")
	s.has(t, enumspb.EVENT_TYPE_TIMER_STARTED, "confirm projection")
	s.has(t, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, "e-mail: request to the client (event 2)")
	s.has(t, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, "e-mail: request to provide again to the client (event 7)")
	s.has(t, enumspb.EVENT_TYPE_MARKER_RECORDED, "projection v1: CASE_CREATED")
	s.has(t, enumspb.EVENT_TYPE_MARKER_RECORDED, "projection v4: NOTE_ADDED")
	s.noPersonalData(t, personal...)

	// Revoked, the case has ended, and says so.
	r = h.do(t, contract.RoleComplianceOfficer, http.MethodPost, "/cases/"+c.ID+"/revoke", map[string]any{"reason": reason})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Eventually(t, func() bool {
		d, err := h.temporal.DescribeWorkflow(context.Background(), c.ID, "")
		require.NoError(t, err)
		return d.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, 15*time.Second, 50*time.Millisecond)
	s = h.look(t, c.ID)
	require.Equal(t, "**"+c.CaseNumber+"** is REVOKED, flag RECOLLECTING: the case has ended.", s.current)
	s.has(t, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, "revoke the client's portal links")
	s.noPersonalData(t, personal...)
}

// A case opened by screening is named the same way, and a verdict
// delivered again draws no number: the case's own is read first.
func TestTemporalUIShowsAScreeningCase(t *testing.T) {
	h := suite(t)
	body := verdictBody("BLOCK", "HIGH", "SANCTIONS")
	body["sender"] = map[string]string{"name": "Zebedee Quartermaine", "account": "GB29NWBK60161331926819", "country": "GB"}
	out := h.screen(t, body)
	d := h.waitForCase(t, *out.CaseID)

	s := h.look(t, d.ID)
	require.Equal(t, d.CaseNumber+" · SANCTIONS_HIT · HIGH · from screening", s.summary)
	require.Contains(t, s.details, "opened by transaction screening")
	require.Contains(t, s.current, "**"+d.CaseNumber+"** is OPEN")
	require.Contains(t, s.current, "waiting for: an officer to take it")
	s.has(t, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, "e-mail: new case to every officer (event 1)")
	s.noPersonalData(t, "Zebedee", "Quartermaine", "GB29NWBK60161331926819", body["externalId"].(string))

	drawn := func() int64 {
		var n int64
		require.NoError(t, h.store.DB().Get(&n, `SELECT last_value FROM case_number_seq`))
		return n
	}
	before := drawn()
	body["aggregateScore"] = 91.0
	require.Equal(t, d.ID, *h.screen(t, body).CaseID)
	require.Equal(t, before, drawn(), "a delivery to a case that exists draws no number")
	require.Equal(t, d.CaseNumber, h.waitForCase(t, d.ID).CaseNumber)
}

// A case started without a number in its input (every case started
// before numbers were drawn first) gets one from Postgres at its first
// write and shows it once it has it.
func TestTemporalUIShowsACaseStartedWithoutNumber(t *testing.T) {
	h := suite(t)
	nc := contract.NewCase{ID: uuid.NewString(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
		Priority: "LOW", Title: "Alert", Description: "Unusual activity.", CreatedBy: h.users[contract.RoleAnalyst].ID}
	opts := client.StartWorkflowOptions{ID: nc.ID, TaskQueue: h.cfg.Temporal.TaskQueue}
	_, err := h.temporal.ExecuteWorkflow(context.Background(), opts, contract.WorkflowName, contract.Input{New: nc})
	require.NoError(t, err)
	d := h.waitForCase(t, nc.ID)
	require.Regexp(t, caseNumber, d.CaseNumber)
	require.Eventually(t, func() bool {
		return strings.HasPrefix(h.look(t, nc.ID).current, "**"+d.CaseNumber+"** is OPEN")
	}, 10*time.Second, 50*time.Millisecond)
}
