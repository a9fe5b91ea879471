package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/worker"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/contract"
)

// healable is a worker's projection before and after a fix is deployed:
// until fixed it writes the case as given, as the store does (and
// Postgres refuses a NUL byte); once fixed it drops NUL bytes first.
type healable struct {
	store   *store.Store
	fixed   atomic.Bool
	refused atomic.Int32
}

func (p *healable) Project(ctx context.Context, pr contract.Projection) (string, error) {
	if p.fixed.Load() {
		b, err := json.Marshal(pr)
		if err != nil {
			return "", err
		}
		var clean contract.Projection
		if err := json.Unmarshal(bytes.ReplaceAll(b, []byte(`\u0000`), nil), &clean); err != nil {
			return "", err
		}
		pr = clean
	}
	number, err := p.store.Project(ctx, pr)
	if store.IsRefused(err) {
		p.refused.Add(1)
	}
	return number, err
}

// A provider's result that Postgres cannot store, sent to the case's
// workflow past the API, does not take the case down: the workflow keeps
// running and answering, an update meanwhile is answered at once, and
// once a worker that can write the case is deployed the case takes
// changes through the API again, its projection healed. (A workflow that
// drops such a result before writing it passes too.)
func TestProjectionRefusedSignalLeavesTheCaseWritable(t *testing.T) {
	h := suite(t)
	ctx := t.Context()

	// The case runs on a worker of its own, whose projection can be fixed.
	projection := &healable{store: h.store}
	acts := *h.acts
	acts.Projection = projection
	cfg := h.cfg
	cfg.Temporal.TaskQueue = "projection-" + uuid.NewString()
	cfg.Temporal.CallTimeout = 30 * time.Second
	baseURL, stop, err := listen(api.New(cfg, h.store, h.temporal, slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(stop)
	w := worker.New(h.temporal, cfg.Temporal.TaskQueue, worker.Options{})
	workflows.Register(w)
	acts.Register(w)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	analyst := h.users[contract.RoleAnalyst].token

	r := call(t, baseURL, http.MethodPost, "/api/v1/cases", analyst, onboardingBody("Nul Provider"))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	c := decode[onboardingOut](t, r)
	sanctions := checkID(t, c, 0, "SANCTIONS_SCREENING")

	require.NoError(t, h.temporal.SignalWorkflow(ctx, c.ID, "", contract.SignalCheckResult, contract.CheckResult{
		CheckID: sanctions, Result: contract.CheckApproved, Provider: "Screen\x00Co", Reference: "SC-1"}))
	// A query sees every signal sent before it.
	v, err := h.temporal.QueryWorkflow(ctx, c.ID, "", contract.QueryState)
	require.NoError(t, err)
	var st contract.State
	require.NoError(t, v.Get(&st))
	applied := false
	for _, ch := range st.Case.Entities[0].Checks {
		applied = applied || ch.ID == sanctions && ch.Status == contract.CheckApproved
	}
	t.Logf("the workflow took the result: %v", applied)

	running := func() {
		t.Helper()
		d, err := h.temporal.DescribeWorkflowExecution(ctx, c.ID, "")
		require.NoError(t, err)
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.WorkflowExecutionInfo.Status)
	}
	running()
	note := func(content string) response {
		return call(t, baseURL, http.MethodPost, "/api/v1/cases/"+c.ID+"/notes", analyst, map[string]string{"content": content})
	}

	if applied {
		// The workflow took the result, and Postgres refused it.
		require.Positive(t, projection.refused.Load())
		row, err := h.store.Entities(ctx, c.ID)
		require.NoError(t, err)
		for _, ch := range row[0].Checks {
			if ch.ID == sanctions {
				require.Equal(t, "PENDING", ch.Status, "not written")
			}
		}

		// The case's writes are refused until a fix is deployed; an update
		// meanwhile is answered at once, not at the API's timeout.
		body, _ := json.Marshal(map[string]string{"content": "Sent while the projection was refused."})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/cases/"+c.ID+"/notes", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+analyst)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.GreaterOrEqual(t, res.StatusCode, 400)
		require.Less(t, time.Since(start), 10*time.Second, "answered at once")
		running()

		projection.fixed.Store(true) // a worker that can write the case
	}

	r = note("After the provider's result.")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	running()
	got := h.onboarding(t, c.ID)
	var notes []string
	for _, e := range got.Timeline {
		if e.EventType == contract.EventNoteAdded {
			notes = append(notes, e.Description)
		}
	}
	if !applied {
		require.Equal(t, []string{"After the provider's result."}, notes)
		return
	}
	// Healed: what the case decided meanwhile is all there.
	require.Equal(t, []string{"Sent while the projection was refused.", "After the provider's result."}, notes)
	var healed []string
	for _, ch := range got.Entities[0].Checks {
		if ch.ID == sanctions {
			healed = append(healed, ch.Status, ch.Provider)
		}
	}
	require.Equal(t, []string{"APPROVED", "ScreenCo"}, healed)
}
