package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/google/uuid"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
	"github.com/caseflow/caseflow/workflows/temporalclient/devserver"
)

// temporalCLI is the temporal CLI the tests run (devserver.Binary).
func temporalCLI(t *testing.T) string {
	t.Helper()
	bin, err := devserver.Binary()
	require.NoError(t, err)
	return bin
}

// startDevServer runs a Temporal dev server with nothing registered.
func startDevServer(t *testing.T) *testsuite.DevServer {
	t.Helper()
	return devserver.New(t, devserver.Options{Bare: true})
}

func TestDigestScheduleIsCreatedThenKeptInLine(t *testing.T) {
	ctx := context.Background()
	dev := startDevServer(t)

	t.Chdir(t.TempDir())
	cfg, err := config.Load("")
	require.NoError(t, err)
	require.NoError(t, ensureDigestSchedule(ctx, dev.Client(), cfg))

	handle := dev.Client().ScheduleClient().GetHandle(ctx, contract.DigestScheduleID)
	d, err := handle.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"minute 0 hour 7 weekday 0-6"}, calendarOf(d))
	action := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.Equal(t, contract.DigestWorkflowName, action.Workflow)
	require.Equal(t, "cases", action.TaskQueue)

	// A second start-up with another time updates the one schedule.
	cfg.Digest.Cron = "30 6 * * 1-5"
	require.NoError(t, ensureDigestSchedule(ctx, dev.Client(), cfg))
	d, err = handle.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"minute 30 hour 6 weekday 1-5"}, calendarOf(d))
}

// calendarOf reads the schedule's times back: the server keeps a cron
// expression as calendar specs.
func calendarOf(d *client.ScheduleDescription) []string {
	ranges := func(rs []client.ScheduleRange) string {
		var parts []string
		for _, r := range rs {
			if r.End > r.Start {
				parts = append(parts, fmt.Sprintf("%d-%d", r.Start, r.End))
			} else {
				parts = append(parts, fmt.Sprint(r.Start))
			}
		}
		return strings.Join(parts, ",")
	}
	var out []string
	for _, c := range d.Schedule.Spec.Calendars {
		out = append(out, fmt.Sprintf("minute %s hour %s weekday %s", ranges(c.Minute), ranges(c.Hour), ranges(c.DayOfWeek)))
	}
	return out
}

// TestSearchAttributesWithTheTemporalCLI registers the search attributes on
// a bare dev server, runs cases, and asks the real temporal CLI for them.
func TestSearchAttributesWithTheTemporalCLI(t *testing.T) {
	ctx := context.Background()
	dev := startDevServer(t)
	tc := dev.Client()
	require.NoError(t, temporalclient.RegisterSearchAttributes(ctx, tc, "default"))
	require.NoError(t, temporalclient.RegisterSearchAttributes(ctx, tc, "default"), "a second start-up finds them there")

	s, _ := storetest.New(t)
	author, _, err := s.EnsureUser(ctx, "author@bank.example", contract.RoleAnalyst, "A", "Uthor")
	require.NoError(t, err)
	queue := startCaseWorker(t, tc, s)

	open := func(priority string) string {
		nc := contract.NewCase{ID: uuid.Must(uuid.NewV7()).String(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
			Priority: contract.Priority(priority), Title: "Alert", Description: "Jane Roe sent funds to Acme.",
			Client: &contract.Client{Name: "Jane Roe", Email: "jane.roe@example.com"}, CreatedBy: author.ID}
		_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: nc.ID, TaskQueue: queue}, contract.WorkflowName, contract.Input{New: nc})
		require.NoError(t, err)
		return nc.ID
	}
	critical := open("CRITICAL")
	open("LOW")

	var ids []string
	require.Eventually(t, func() bool {
		out, err := exec.Command(temporalCLI(t), "workflow", "list", "--address", dev.FrontendHostPort(), "--namespace", "default",
			"--query", `CaseStatus="OPEN" AND CasePriority="CRITICAL"`, "--output", "json").Output()
		require.NoError(t, err)
		var rows []struct {
			Execution struct {
				WorkflowID string `json:"workflowId"`
			} `json:"execution"`
		}
		require.NoError(t, json.Unmarshal(out, &rows), "%s", out)
		ids = ids[:0]
		for _, r := range rows {
			ids = append(ids, r.Execution.WorkflowID)
		}
		return len(ids) > 0
	}, 20*time.Second, 100*time.Millisecond)
	require.Equal(t, []string{critical}, ids)

	// The attributes hold codes and IDs, never the client's name or e-mail.
	desc, err := tc.DescribeWorkflowExecution(ctx, critical, "")
	require.NoError(t, err)
	fields := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	for _, k := range []string{"CaseNumber", "CaseType", "CaseStatus", "CasePriority", "CaseOverdue"} {
		require.Contains(t, fields, k)
	}
	for name, p := range fields {
		require.NotContains(t, string(p.GetData()), "Jane", name)
		require.NotContains(t, string(p.GetData()), "example.com", name)
	}
}

// startCaseWorker runs caseflow's worker (real activities on s, e-mails
// to the log) on a task queue of its own until the test ends.
func startCaseWorker(t *testing.T, tc client.Client, s *store.Store) string {
	t.Helper()
	acts, err := activities.New(s, logMailer(), "http://localhost")
	require.NoError(t, err)
	queue := "cases-" + uuid.NewString()
	w := worker.New(tc, queue, worker.Options{})
	workflows.Register(w)
	acts.Register(w)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return queue
}

func logMailer() activities.Mailer {
	m, _ := activities.NewMailer(config.Mail{Transport: "log"}, slog.New(slog.DiscardHandler))
	return m
}

// TestPayloadsAreEncrypted runs a case through a real dev server with the
// client caseflow builds, then reads the history as Temporal stores it.
func TestPayloadsAreEncrypted(t *testing.T) {
	ctx := context.Background()
	dev := startDevServer(t)
	t.Chdir(t.TempDir())
	t.Setenv("CASEFLOW_CODEC_KEYS", temporalclient.NewCodecKey("k1"))
	t.Setenv("CASEFLOW_TEMPORAL_ADDRESS", dev.FrontendHostPort())
	cfg, err := config.Load("")
	require.NoError(t, err)
	opts, err := temporalOptions(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	tc, err := client.Dial(opts)
	require.NoError(t, err)
	defer tc.Close()
	require.NoError(t, temporalclient.RegisterSearchAttributes(ctx, tc, "default"))

	s, _ := storetest.New(t)
	author, _, err := s.EnsureUser(ctx, "author@bank.example", contract.RoleComplianceOfficer, "A", "Uthor")
	require.NoError(t, err)
	tok, _, err := s.CreateToken(ctx, author.ID, 0)
	require.NoError(t, err)
	queue := startCaseWorker(t, tc, s)

	nc := contract.NewCase{ID: uuid.Must(uuid.NewV7()).String(), Type: "KYC_REVIEW", Family: contract.FamilyInvestigation,
		Priority: "LOW", Title: "Periodic review", Description: "Review of Jane Roe.",
		Client: &contract.Client{Name: "Jane Roe", Email: "jane.roe@example.com"}, CreatedBy: author.ID}
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: nc.ID, TaskQueue: queue}, contract.WorkflowName, contract.Input{New: nc})
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := s.GetCase(ctx, nc.ID); return err == nil }, 10*time.Second, 20*time.Millisecond)

	// Through the codec, the workflow reads its input as given...
	st, err := tc.QueryWorkflow(ctx, nc.ID, "", contract.QueryState)
	require.NoError(t, err)
	var state contract.State
	require.NoError(t, st.Get(&state))
	require.Equal(t, "jane.roe@example.com", state.Case.Client.Email)

	// ...but what Temporal stores is ciphertext.
	var first *commonpb.Payload
	iter := dev.Client().GetWorkflowHistory(ctx, nc.ID, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		raw, err := protojson.Marshal(ev)
		require.NoError(t, err)
		require.NotContains(t, string(raw), "Jane", "event %s", ev.GetEventType())
		require.NotContains(t, string(raw), base64.StdEncoding.EncodeToString([]byte(`"Jane`))[:8], "event %s", ev.GetEventType())
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			first = a.GetInput().GetPayloads()[0]
		}
	}
	require.NotNil(t, first)
	require.Equal(t, "binary/encrypted", string(first.GetMetadata()["encoding"]))

	// The UI decodes through /codec, which wants an officer's token.
	app := api.New(cfg, s, tc, slog.New(slog.DiscardHandler))
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{first}})
	require.NoError(t, err)
	decode := func(token string) *http.Response {
		req := httptest.NewRequest(http.MethodPost, "/codec/decode", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Namespace", "default")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := app.Test(req, -1)
		require.NoError(t, err)
		return res
	}
	require.Equal(t, http.StatusUnauthorized, decode("").StatusCode)
	res := decode(tok)
	require.Equal(t, http.StatusOK, res.StatusCode)
	out, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(out, &decoded))
	var input contract.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(decoded.GetPayloads()[0], &input))
	require.Equal(t, "Jane Roe", input.New.Client.Name)
}

// TestLongLivedCaseContinuesAsNew sends one case 10,000 notes and
// assignments from 16 callers at once, on a real dev server, with a small
// history limit: every update answers, every note lands, and no run's
// history passes the limit.
func TestLongLivedCaseContinuesAsNew(t *testing.T) {
	updates, limit := 10_000, 2_000
	// CASEFLOW_TEST_LONG_UPDATES makes a shorter run while working on this.
	if n, err := strconv.Atoi(os.Getenv("CASEFLOW_TEST_LONG_UPDATES")); err == nil {
		updates = n
	}
	const callers = 16
	ctx := context.Background()
	dev := startDevServer(t)
	tc := dev.Client()
	require.NoError(t, temporalclient.RegisterSearchAttributes(ctx, tc, "default"))
	s, _ := storetest.New(t)
	officer, _, err := s.EnsureUser(ctx, "officer@bank.example", contract.RoleComplianceOfficer, "O", "Fficer")
	require.NoError(t, err)
	queue := startCaseWorker(t, tc, s)

	nc := contract.NewCase{ID: uuid.Must(uuid.NewV7()).String(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
		Priority: "HIGH", Title: "Busy case", Description: "A case with a long life.", CreatedBy: officer.ID, HistoryLimit: limit}
	_, err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: nc.ID, TaskQueue: queue}, contract.WorkflowName, contract.Input{New: nc})
	require.NoError(t, err)

	start := time.Now()
	var (
		mu     sync.Mutex
		failed []error
		notes  int
	)
	work := make(chan int)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for i := range work {
				name, arg := contract.UpdateNote, any(contract.Note{ActorID: officer.ID, Content: fmt.Sprintf("note %d", i)})
				if i%10 == 9 { // every tenth update moves the case instead
					var to *string
					if i%20 == 9 {
						to = &officer.ID
					}
					name, arg = contract.UpdateAssign, contract.Assignment{ActorID: officer.ID, AssigneeID: to, AssigneeRole: officer.Role}
				}
				err := temporalclient.SendUpdate(ctx, tc, client.UpdateWorkflowOptions{WorkflowID: nc.ID, UpdateName: name, Args: []any{arg},
					WaitForStage: client.WorkflowUpdateStageCompleted}, nil)
				mu.Lock()
				if err != nil {
					failed = append(failed, fmt.Errorf("update %d: %w", i, err))
				} else if name == contract.UpdateNote {
					notes++
				}
				mu.Unlock()
			}
		})
	}
	for i := range updates {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d updates from %d callers in %s (%.0f/s)", updates, callers, elapsed.Round(time.Millisecond), float64(updates)/elapsed.Seconds())
	require.Empty(t, failed, "every update answers")

	// Every note is in the audit timeline once, when the last workflow task
	// is known committed (within seconds of falling quiet).
	require.Eventually(t, func() bool {
		var recorded int
		require.NoError(t, s.DB().Get(&recorded, `SELECT count(*) FROM case_events WHERE case_id = $1 AND event_type = 'NOTE_ADDED'`, nc.ID))
		require.LessOrEqual(t, recorded, notes)
		return recorded == notes
	}, 30*time.Second, 50*time.Millisecond)

	// The case went through several runs, none past the limit.
	runs := 0
	var next []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", Query: fmt.Sprintf("WorkflowId = %q", nc.ID), NextPageToken: next})
		require.NoError(t, err)
		for _, e := range resp.GetExecutions() {
			runs++
			require.LessOrEqual(t, e.GetHistoryLength(), int64(limit), "run %s", e.GetExecution().GetRunId())
		}
		if next = resp.GetNextPageToken(); len(next) == 0 {
			break
		}
	}
	require.Greater(t, runs, 2, "the case continued as new along the way")
	t.Logf("%d runs", runs)

	// And it still answers.
	v, err := tc.QueryWorkflow(ctx, nc.ID, "", contract.QueryState)
	require.NoError(t, err)
	var st contract.State
	require.NoError(t, v.Get(&st))
	require.Equal(t, contract.StatusOpen, st.Case.Status)
	var events, maxSeq int64
	require.Eventually(t, func() bool {
		require.NoError(t, s.DB().QueryRow(`SELECT count(*), max(seq) FROM case_events WHERE case_id = $1`, nc.ID).Scan(&events, &maxSeq))
		return maxSeq == st.Case.Version
	}, 30*time.Second, 50*time.Millisecond, "the workflow and the projection agree")
	require.Equal(t, maxSeq, events, "no sequence number skipped or reused")
}

// TestGracefulShutdown stops an API process while a request is in flight:
// the request still gets its answer, and serve returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	dev := startDevServer(t)
	_, dbURL := storetest.New(t)
	port, err := freePort()
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	t.Setenv("CASEFLOW_DATABASE_URL", dbURL)
	t.Setenv("CASEFLOW_TEMPORAL_ADDRESS", dev.FrontendHostPort())
	t.Setenv("CASEFLOW_HTTP_ADDR", fmt.Sprintf("127.0.0.1:%d", port))
	t.Setenv("CASEFLOW_TEMPORAL_CALLTIMEOUT", "2s")
	t.Setenv("CASEFLOW_TEMPORAL_TASKQUEUE", "nobody-polls-"+uuid.NewString())
	cfg, err := config.Load("")
	require.NoError(t, err)

	s, err := store.Open(context.Background(), dbURL, 2)
	require.NoError(t, err)
	defer s.Close()
	u, _, err := s.EnsureUser(context.Background(), "a@bank.example", contract.RoleAnalyst, "A", "B")
	require.NoError(t, err)
	tok, _, err := s.CreateToken(context.Background(), u.ID, 0)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, slog.New(slog.DiscardHandler), cfg, true, false) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)

	// With no worker on its queue, a create waits for its call deadline.
	answered := make(chan int, 1)
	go func() {
		body := `{"type":"AML_ALERT","priority":"LOW","title":"t","description":"d"}`
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/cases", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	// In flight: its workflow has started and the API waits on its update.
	require.Eventually(t, func() bool {
		resp, err := dev.Client().ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: `WorkflowType = "CaseWorkflow"`})
		return err == nil && len(resp.GetExecutions()) == 1
	}, 5*time.Second, 10*time.Millisecond)
	cancel() // SIGTERM
	require.Equal(t, http.StatusServiceUnavailable, <-answered, "the request in flight is answered, not cut")
	require.NoError(t, <-served, "serve returns cleanly")
}

// caseflow sends Temporal uncompressed requests unless told gzip; every
// end-to-end test here runs the default against a real server.
func TestTemporalOptionsCompression(t *testing.T) {
	for _, tc := range []struct {
		setting string
		want    client.GrpcCompression
	}{
		{"none", &client.GrpcCompressionNone{}},
		{"gzip", nil}, // the SDK's default: gzip
	} {
		t.Run(tc.setting, func(t *testing.T) {
			t.Chdir(t.TempDir())
			t.Setenv("CASEFLOW_TEMPORAL_GRPCCOMPRESSION", tc.setting)
			cfg, err := config.Load("")
			require.NoError(t, err)
			opts, err := temporalOptions(cfg, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			require.Equal(t, tc.want, opts.ConnectionOptions.GrpcCompression)
		})
	}
}
