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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// serverBinaries are the Temporal server and its SQL tool `make cluster`
// (and `make test`) build into ./bin.
func serverBinaries(t *testing.T) (server, sqlTool string) {
	t.Helper()
	dir := os.Getenv("CASEFLOW_TEMPORAL_SERVER_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin")
	}
	server, sqlTool = filepath.Join(dir, "temporal-server"), filepath.Join(dir, "temporal-sql-tool")
	for _, b := range []string{server, sqlTool} {
		_, err := os.Stat(b)
		require.NoError(t, err, "the cluster suite needs %s: `make test` builds it", b)
	}
	return server, sqlTool
}

// buildCaseflow builds this binary for the cluster's processes.
func buildCaseflow(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "caseflow")
	cmd := exec.Command("go", "build", "-o", out, ".")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	return out
}

// clusterClient talks to one of the cluster's APIs.
type clusterClient struct {
	t     *testing.T
	base  string
	token string
}

// do sends one request under a fresh Idempotency-Key; send sends it under
// the caller's, as a client retrying a request must.
func (c clusterClient) do(method, path string, body any) (int, json.RawMessage) {
	c.t.Helper()
	return c.send(uuid.NewString(), method, path, body)
}

func (c clusterClient) send(key, method, path string, body any) (int, json.RawMessage) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+"/api/v1"+path, rd)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", key)
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, json.RawMessage(strconv.Quote(err.Error()))
	}
	defer res.Body.Close()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &env); err != nil || env.Data == nil {
		return res.StatusCode, raw // the error envelope, whole
	}
	return res.StatusCode, env.Data
}

// TestCluster runs caseflow as it is deployed: the real Temporal server
// on Postgres, two APIs and three workers, each its own process. Cases
// are created through one API and changed through the other; a worker is
// SIGKILLed under load and the others carry on; the Temporal server is
// restarted and clients see 503 meanwhile, and nothing acknowledged is
// lost or doubled; the real server's visibility answers `temporal
// workflow list --query` on the case search attributes; the codec
// endpoint decodes the real server's histories.
func TestCluster(t *testing.T) {
	storetest.SkipShort(t)
	serverBin, sqlTool := serverBinaries(t)
	ctx := context.Background()
	s, dbURL := storetest.New(t)
	officer, _, err := s.EnsureUser(ctx, "officer@bank.example", contract.RoleComplianceOfficer, "Olive", "Officer")
	require.NoError(t, err)
	token, _, err := s.CreateToken(ctx, officer.ID, 0)
	require.NoError(t, err)

	adminURL, err := clusterDatabaseURL(dbURL, "postgres")
	require.NoError(t, err)
	prefix := "t" + strings.ReplaceAll(uuid.NewString()[:8], "-", "") + "_"
	t.Cleanup(func() { _ = dropTemporalDatabases(context.Background(), adminURL, prefix) })
	keys := temporalclient.NewCodecKey("cluster")
	c, err := startCluster(ctx, slog.New(slog.DiscardHandler), clusterSpec{
		serverBin: serverBin, sqlToolBin: sqlTool, caseflowBin: buildCaseflow(t),
		adminURL: adminURL, dbPrefix: prefix, caseflowDB: dbURL, dir: t.TempDir(), apis: 2, workers: 3,
		namespace: "default", retention: 24 * time.Hour,
		env: []string{"CASEFLOW_CODEC_KEYS=" + keys, "CASEFLOW_TEMPORAL_TASKQUEUE=cluster", "CASEFLOW_TEMPORAL_CALLTIMEOUT=5s",
			"CASEFLOW_IDEMPOTENCY_LEASE=30s"},
	})
	require.NoError(t, err)
	t.Cleanup(c.stop)
	api1, api2 := clusterClient{t, c.apiURLs[0], token}, clusterClient{t, c.apiURLs[1], token}

	// Created through one API, moved through the other.
	const cases = 12
	ids := make([]string, cases)
	for i := range ids {
		status, data := api1.do(http.MethodPost, "/cases", map[string]any{"type": "AML_ALERT", "priority": "HIGH",
			"title": fmt.Sprintf("Cluster case %d", i), "description": "Run on the real server."})
		require.Equal(t, http.StatusCreated, status, "%s", data)
		var out struct{ ID string }
		require.NoError(t, json.Unmarshal(data, &out))
		ids[i] = out.ID
		status, data = api2.do(http.MethodPatch, "/cases/"+out.ID+"/status", map[string]string{"status": "IN_PROGRESS"})
		require.Equal(t, http.StatusOK, status, "%s", data)
	}

	// Notes under load while a worker is SIGKILLed: every note answers
	// within a bound, the other workers taking its cases on.
	var acked atomic.Int64
	perCase := make([]atomic.Int64, cases)
	note := func(api clusterClient, i int) {
		start, key := time.Now(), uuid.NewString()
		for time.Since(start) < 60*time.Second {
			status, _ := api.send(key, http.MethodPost, "/cases/"+ids[i]+"/notes", map[string]string{"content": "load"})
			if status == http.StatusCreated {
				acked.Add(1)
				perCase[i].Add(1)
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Errorf("a note on case %d took over a minute: the case stalled", i)
	}
	var wg sync.WaitGroup
	for round := range 6 {
		if round == 2 {
			c.workers[0].kill()
		}
		for i := range ids {
			api := api1
			if i%2 == 1 {
				api = api2
			}
			wg.Go(func() { note(api, i) })
		}
		wg.Wait()
	}
	require.Equal(t, int64(6*cases), acked.Load())

	// The server restarts: meanwhile the APIs answer 503, quickly.
	c.temporal.stop()
	status, _ := api1.do(http.MethodPost, "/cases/"+ids[0]+"/notes", map[string]string{"content": "while down"})
	require.Equal(t, http.StatusServiceUnavailable, status, "Temporal down is 503")
	require.NoError(t, c.temporal.start())
	require.NoError(t, c.waitTemporal(ctx, 2*time.Minute))

	// Every case closes; each has exactly the notes acknowledged.
	for i, id := range ids {
		api := []clusterClient{api1, api2}[i%2]
		for _, to := range []string{"PENDING_REVIEW", "RESOLVED_FALSE_POSITIVE", "CLOSED"} {
			var last json.RawMessage
			var status int
			key := uuid.NewString()
			require.Eventually(t, func() bool {
				status, last = api.send(key, http.MethodPatch, "/cases/"+id+"/status", map[string]string{"status": to, "resolutionNote": "Done."})
				return status == http.StatusOK
			}, 90*time.Second, 500*time.Millisecond, "case %d moves to %s after the restart: %d %s", i, to, status, last)
		}
	}
	for i, id := range ids {
		require.Eventually(t, func() bool {
			var n int64
			require.NoError(t, s.DB().Get(&n, `SELECT count(*) FROM case_events WHERE case_id = $1 AND event_type = 'NOTE_ADDED'`, id))
			require.LessOrEqual(t, n, perCase[i].Load(), "case %d: a note applied twice", i)
			return n == perCase[i].Load()
		}, 30*time.Second, 100*time.Millisecond, "case %d's notes", i)
	}

	// The real server's visibility store answers the case search attributes.
	tc, err := client.Dial(client.Options{HostPort: c.temporalAddr, Logger: quietSDKLogger()})
	require.NoError(t, err)
	defer tc.Close()
	require.Eventually(t, func() bool {
		out, err := exec.Command(temporalCLI(t), "workflow", "list", "--address", c.temporalAddr, "-o", "json",
			"--query", "CaseStatus = 'CLOSED' AND CaseType = 'AML_ALERT'").Output()
		if err != nil {
			return false
		}
		return strings.Count(string(out), `"workflowId"`) >= cases
	}, 30*time.Second, 500*time.Millisecond, "temporal workflow list --query on the real server")

	// The codec endpoint decodes what the real server stores.
	hist := tc.GetWorkflowHistory(ctx, ids[0], "", false, 0)
	require.True(t, hist.HasNext())
	first, err := hist.Next()
	require.NoError(t, err)
	payload := first.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()[0]
	require.Equal(t, "binary/encrypted", string(payload.GetMetadata()["encoding"]), "histories are encrypted")
	body, err := json.Marshal(map[string]any{"payloads": []any{map[string]any{
		"metadata": map[string]string{"encoding": b64(payload.GetMetadata()["encoding"]), "encryption-key-id": b64(payload.GetMetadata()["encryption-key-id"])},
		"data":     b64(payload.GetData())}}})
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, c.apiURLs[1]+"/codec/decode", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	decoded, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", decoded)
	var out struct {
		Payloads []struct {
			Metadata map[string][]byte `json:"metadata"`
			Data     []byte            `json:"data"`
		} `json:"payloads"`
	}
	require.NoError(t, json.Unmarshal(decoded, &out))
	require.Equal(t, "json/plain", string(out.Payloads[0].Metadata["encoding"]))
	require.Contains(t, string(out.Payloads[0].Data), `"title":"Cluster case 0"`, "the case's start, decoded")
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
