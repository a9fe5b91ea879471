package workflows_test

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
	"github.com/caseflow/caseflow/workflows/temporalclient/devserver"
)

// Replay tests guard determinism: a change to the workflow that would
// break a case already running fails here, in CI, not in production.
//
// testdata/histories holds histories recorded from every lifecycle path.
// TestReplayRecordedHistories replays them with the current code.
// TestHistories runs the same paths on a real dev server now and replays
// what they write; with -update it also replaces the recorded files:
//
//	go test ./workflows -run TestHistories -update
//
// Record anew only when a change is meant to leave old histories behind
// (see README: versioning a workflow change); otherwise a failing replay
// is the bug. Histories a versioned change left behind stay, in a folder
// named for what they recorded, and replay too: cases started then may
// still be running. documents-1.json records the document updates (a
// submission with files, viewDocument). activity-projection/ holds cases
// that wrote to Postgres with a regular activity after each change
// (projection.go).
// local-projection/ holds cases that wrote with a local activity before
// the contract, flag, e-mail and request-item changes and before timers,
// activities and cases had summaries (case.go's versions, metadata.go):
// cases started then may still be running, and replay as recorded.
// one-marker-per-change/ holds cases that asked for each of those changes
// by a version marker of its own, before the baseline marker stood for
// them all (case.go's baselineChange).

var update = flag.Bool("update", false, "record the histories in testdata/histories anew")

const historyDir = "testdata/histories"

func replayer(t *testing.T) worker.WorkflowReplayer {
	r := worker.NewWorkflowReplayer()
	workflows.Register(r)
	return r
}

func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(historyDir, "*.json"))
	require.NoError(t, err)
	older, err := filepath.Glob(filepath.Join(historyDir, "*", "*.json"))
	require.NoError(t, err)
	files = append(files, older...)
	require.NotEmpty(t, files, "recorded histories are part of the repository")
	r := replayer(t)
	quiet := log.NewStructuredLogger(slog.New(slog.DiscardHandler))
	for _, f := range files {
		name, _ := filepath.Rel(historyDir, f)
		t.Run(name, func(t *testing.T) {
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(quiet, f))
		})
	}
}

// scenario drives one lifecycle path against a real server and returns
// the workflow IDs whose histories to keep.
type scenario struct {
	name string
	run  func(t *testing.T, s *live) []string
}

// live is a dev server with a worker on real activities.
type live struct {
	ctx     context.Context
	tc      client.Client
	store   *store.Store
	queue   string
	officer store.User
	analyst store.User
}

func TestHistories(t *testing.T) {
	s := startLive(t)
	scenarios := []scenario{
		{"investigation-lifecycle", func(t *testing.T, s *live) []string {
			id := s.start(t, s.investigation(0))
			s.update(t, id, contract.UpdateAssign, contract.Assignment{ActorID: s.officer.ID, AssigneeID: &s.officer.ID, AssigneeRole: s.officer.Role})
			s.update(t, id, contract.UpdateNote, contract.Note{ActorID: s.analyst.ID, Content: "Called the branch."})
			for _, st := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview, contract.StatusEscalated} {
				s.status(t, id, st, "")
			}
			s.status(t, id, contract.StatusResolvedTruePositive, "SAR filed.")
			s.status(t, id, contract.StatusClosed, "Done.")
			return []string{id}
		}},
		{"investigation-sent-back", func(t *testing.T, s *live) []string {
			id := s.start(t, s.investigation(0))
			for _, st := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview, contract.StatusInProgress, contract.StatusPendingReview} {
				s.status(t, id, st, "")
			}
			s.status(t, id, contract.StatusResolvedFalsePositive, "Salary.")
			s.status(t, id, contract.StatusClosed, "Done.")
			return []string{id}
		}},
		{"onboarding-auto-approve", func(t *testing.T, s *live) []string {
			nc := s.onboarding()
			id := s.start(t, nc)
			idDoc, sanctions := s.checkIDs(nc)
			s.update(t, id, contract.UpdateSend, contract.Send{ActorID: s.analyst.ID})
			s.check(t, id, idDoc, contract.CheckSubmitted, "")
			require.NoError(t, s.tc.SignalWorkflow(s.ctx, id, "", contract.SignalCheckResult,
				contract.CheckResult{CheckID: sanctions, Result: contract.CheckApproved, Provider: "ScreenCo", Reference: "SC-1"}))
			s.check(t, id, idDoc, contract.CheckRejected, "Unreadable.")
			s.update(t, id, contract.UpdateSubmit, contract.Submission{Message: "Again."})
			s.waitFor(t, id, func(c contract.Case) bool { return c.Entities[0].Checks[1].Status == contract.CheckApproved })
			s.check(t, id, idDoc, contract.CheckApproved, "")
			s.waitFor(t, id, func(c contract.Case) bool { return c.Status == contract.StatusApproved })
			s.status(t, id, contract.StatusClosed, "")
			return []string{id}
		}},
		{"client-request-timers", func(t *testing.T, s *live) []string {
			nc := s.onboarding()
			due := time.Now().Add(3 * time.Second)
			nc.DueDate = &due
			nc.AssignedTo = &s.officer.ID
			nc.Reminders = contract.ReminderPolicy{Before: []time.Duration{2 * time.Second}, OverdueEvery: time.Second, OverdueMax: 1}
			id := s.start(t, nc)
			s.update(t, id, contract.UpdateSend, contract.Send{ActorID: s.analyst.ID})
			s.waitFor(t, id, func(c contract.Case) bool { return c.Overdue && len(c.Plan) == 0 })
			later := time.Now().Add(time.Hour)
			s.update(t, id, contract.UpdateDueDate, contract.DueDateChange{ActorID: s.officer.ID, DueDate: &later})
			s.update(t, id, contract.UpdateSubmit, contract.Submission{Message: "Here."})
			s.status(t, id, contract.StatusClosed, "")
			return []string{id}
		}},
		{"documents", func(t *testing.T, s *live) []string {
			nc := s.onboarding()
			id := s.start(t, nc)
			idDoc, _ := s.checkIDs(nc)
			s.update(t, id, contract.UpdateSend, contract.Send{ActorID: s.analyst.ID})
			doc := contract.Document{ID: uuid.NewString(), CheckID: idDoc, Name: "passport.pdf", ContentType: "application/pdf",
				Size: 1234, SHA256: strings.Repeat("ab", 32)}
			s.update(t, id, contract.UpdateSubmit, contract.Submission{Message: "Attached.", Documents: []contract.Document{doc}})
			s.update(t, id, contract.UpdateViewDocument, contract.DocumentView{ActorID: s.officer.ID, DocumentID: doc.ID})
			s.check(t, id, idDoc, contract.CheckRejected, "Expired.")
			again := doc
			again.ID, again.Name = uuid.NewString(), "passport-2026.pdf"
			s.update(t, id, contract.UpdateSubmit, contract.Submission{ActorID: s.officer.ID, Documents: []contract.Document{again}})
			s.status(t, id, contract.StatusClosed, "")
			return []string{id}
		}},
		{"request-revoked", func(t *testing.T, s *live) []string {
			id := s.start(t, s.onboarding())
			s.update(t, id, contract.UpdateSend, contract.Send{ActorID: s.analyst.ID})
			s.update(t, id, contract.UpdateRevoke, contract.Revocation{ActorID: s.officer.ID, Reason: "Account closed."})
			return []string{id}
		}},
		{"screening", func(t *testing.T, s *live) []string {
			v := contract.Verdict{TransactionID: uuid.NewString(), ExternalID: "TX-9", Amount: "100.00", Currency: "EUR",
				Sender: &contract.Party{Name: "A"}, Receiver: &contract.Party{Name: "B"}, Outcome: contract.OutcomeBlock,
				RiskLevel: "HIGH", AggregateScore: 90, Hits: []contract.Hit{{Type: "SANCTIONS"}}}
			nc := contract.ScreeningCase("SANCTIONS_HIT", contract.FamilyInvestigation, v)
			opts, in := s.startAsAPI(t, nc)
			_, err := s.tc.SignalWithStartWorkflow(s.ctx, nc.ID, contract.SignalVerdict, v.Link(), opts, contract.WorkflowName, in)
			require.NoError(t, err)
			v.AggregateScore = 95
			require.NoError(t, s.tc.SignalWorkflow(s.ctx, nc.ID, "", contract.SignalVerdict, v.Link()))
			s.waitFor(t, nc.ID, func(c contract.Case) bool { return len(c.Verdicts) == 2 })
			for _, st := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview} {
				s.status(t, nc.ID, st, "")
			}
			s.status(t, nc.ID, contract.StatusResolvedFalsePositive, "Known payee.")
			s.status(t, nc.ID, contract.StatusClosed, "Done.")
			return []string{nc.ID}
		}},
		{"continue-as-new", func(t *testing.T, s *live) []string {
			nc := s.investigation(200)
			id := s.start(t, nc)
			for i := range 60 {
				s.update(t, id, contract.UpdateNote, contract.Note{ActorID: s.officer.ID, Content: fmt.Sprintf("note %d", i)})
			}
			for _, st := range []contract.Status{contract.StatusInProgress, contract.StatusPendingReview} {
				s.status(t, id, st, "")
			}
			s.status(t, id, contract.StatusResolvedFalsePositive, "Nothing found.")
			s.status(t, id, contract.StatusClosed, "Done.")
			return []string{id}
		}},
		{"overdue-digest", func(t *testing.T, s *live) []string {
			id := "digest-" + uuid.NewString()
			run, err := s.tc.ExecuteWorkflow(s.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.queue}, contract.DigestWorkflowName)
			require.NoError(t, err)
			require.NoError(t, run.Get(s.ctx, nil))
			return []string{id}
		}},
	}
	r := replayer(t)
	quiet := log.NewStructuredLogger(slog.New(slog.DiscardHandler))
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, id := range sc.run(t, s) {
				for i, h := range s.histories(t, id) {
					require.NoError(t, r.ReplayWorkflowHistory(quiet, h), "run %d", i+1)
					// A case's run started today asks for the baseline
					// alone (a change made after it goes here too); the
					// digest workflow asks for none.
					if sc.name != "overdue-digest" {
						require.Equal(t, []string{workflows.BaselineChange}, askedChanges(t, h),
							"run %d records one version marker, the baseline's", i+1)
					}
					if *update {
						writeHistory(t, fmt.Sprintf("%s-%d.json", sc.name, i+1), h)
					}
				}
			}
		})
	}
}

// askedChanges are the changes a history's version markers name, in order.
func askedChanges(t *testing.T, h *historypb.History) []string {
	t.Helper()
	var changes []string
	for _, e := range h.GetEvents() {
		m := e.GetMarkerRecordedEventAttributes()
		if m.GetMarkerName() != "Version" {
			continue
		}
		var change string
		require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(m.GetDetails()["change-id"], &change))
		changes = append(changes, change)
	}
	return changes
}

func startLive(t *testing.T) *live {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	dev := devserver.New(t, devserver.Options{Log: quiet})

	s, _ := storetest.New(t)
	officer, _, err := s.EnsureUser(ctx, "officer@bank.example", contract.RoleComplianceOfficer, "Olivia", "Officer")
	require.NoError(t, err)
	analyst, _, err := s.EnsureUser(ctx, "analyst@bank.example", contract.RoleAnalyst, "Andy", "Analyst")
	require.NoError(t, err)
	mailer, err := activities.NewMailer(config.Mail{Transport: "log"}, quiet)
	require.NoError(t, err)
	acts, err := activities.New(s, mailer, "https://portal.bank.example")
	require.NoError(t, err)
	queue := "replay-" + uuid.NewString()
	w := worker.New(dev.Client(), queue, worker.Options{})
	workflows.Register(w)
	acts.Register(w)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return &live{ctx: ctx, tc: dev.Client(), store: s, queue: queue, officer: officer, analyst: analyst}
}

func (s *live) investigation(historyLimit int) contract.NewCase {
	return contract.NewCase{ID: uuid.Must(uuid.NewV7()).String(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
		Priority: "HIGH", Title: "Alert", Description: "Unusual activity.", CreatedBy: s.analyst.ID, HistoryLimit: historyLimit}
}

func (s *live) onboarding() contract.NewCase {
	return contract.NewCase{ID: uuid.Must(uuid.NewV7()).String(), Type: "IDENTITY_VERIFICATION", Family: contract.FamilyOnboarding,
		Priority: "MEDIUM", Title: "Identity verification: Jane Roe", AutoApprove: true, CreatedBy: s.analyst.ID,
		Client: &contract.Client{Name: "Jane Roe", Email: "jane@example.com"},
		Entities: []contract.NewEntity{{Kind: contract.KindIndividual, Name: "Jane Roe", Role: "applicant",
			Checks: []string{"IDENTITY_DOCUMENT", "SANCTIONS_SCREENING"}, ProviderChecks: []string{"SANCTIONS_SCREENING"}}}}
}

func (s *live) checkIDs(nc contract.NewCase) (idDoc, sanctions string) {
	e := contract.EntityID(nc.ID, 0)
	return contract.CheckID(e, "IDENTITY_DOCUMENT"), contract.CheckID(e, "SANCTIONS_SCREENING")
}

func (s *live) start(t *testing.T, nc contract.NewCase) string {
	t.Helper()
	opts, in := s.startAsAPI(t, nc)
	_, err := s.tc.ExecuteWorkflow(s.ctx, opts, contract.WorkflowName, in)
	require.NoError(t, err)
	return nc.ID
}

// startAsAPI is how the API starts a case: with a number drawn first, and
// the API's own start options, with the summary and details that name it
// in the Temporal UI.
func (s *live) startAsAPI(t *testing.T, nc contract.NewCase) (client.StartWorkflowOptions, contract.Input) {
	t.Helper()
	number, err := s.store.NextCaseNumber(s.ctx, time.Now())
	require.NoError(t, err)
	return temporalclient.StartOptions(nc, number, s.queue, "http://localhost:8080"), contract.Input{New: nc, CaseNumber: number}
}

func (s *live) update(t *testing.T, id, name string, arg any) {
	t.Helper()
	// Through the sender the API uses: it sends again while a case hands over.
	require.NoError(t, temporalclient.SendUpdate(s.ctx, s.tc, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted}, nil), name)
}

func (s *live) status(t *testing.T, id string, to contract.Status, note string) {
	t.Helper()
	s.update(t, id, contract.UpdateStatus, contract.StatusChange{ActorID: s.officer.ID, Status: to, ResolutionNote: note})
}

func (s *live) check(t *testing.T, id, check string, to contract.CheckStatus, reason string) {
	t.Helper()
	s.update(t, id, contract.UpdateCheck, contract.CheckChange{ActorID: s.officer.ID, CheckID: check, Status: to, Reason: reason})
}

func (s *live) waitFor(t *testing.T, id string, cond func(contract.Case) bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		v, err := s.tc.QueryWorkflow(s.ctx, id, "", contract.QueryState)
		if err != nil {
			return false
		}
		var st contract.State
		return v.Get(&st) == nil && cond(st.Case)
	}, 30*time.Second, 50*time.Millisecond)
}

// histories fetches every run of a workflow, oldest first, once the last
// has closed.
func (s *live) histories(t *testing.T, id string) []*historypb.History {
	t.Helper()
	var runs []string
	require.Eventually(t, func() bool {
		resp, err := s.tc.ListWorkflow(s.ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = %q", id)})
		require.NoError(t, err)
		runs = runs[:0]
		for _, e := range resp.GetExecutions() {
			if e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				return false
			}
			runs = append([]string{e.GetExecution().GetRunId()}, runs...) // the list is newest first
		}
		return len(runs) > 0
	}, 30*time.Second, 50*time.Millisecond, "every run of %s closes", id)
	var out []*historypb.History
	for _, run := range runs {
		h := &historypb.History{}
		it := s.tc.GetWorkflowHistory(s.ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			h.Events = append(h.Events, ev)
		}
		out = append(out, h)
	}
	return out
}

func writeHistory(t *testing.T, name string, h *historypb.History) {
	t.Helper()
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(historyDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(historyDir, name), append(b, '\n'), 0o644))
	t.Logf("recorded %s (%d events)", name, len(h.Events))
}
