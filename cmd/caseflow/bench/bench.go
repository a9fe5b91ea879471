// Package bench is `caseflow bench`: caseflow measured end to end against
// the raw Temporal SDK. It is no part of serving, so it lives apart from
// the binary's production commands, which lend it their provisioning
// (Setup).
package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/seed"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// Setup is what a run borrows from the binary: how `caseflow dev`
// provisions Postgres and Temporal and connects, so a bench stands on what
// a developer runs.
type Setup struct {
	EnsurePostgres           func(ctx context.Context, log *slog.Logger, url, dataDir string) (pgURL string, stop func(), err error)
	EnsureDatabase           func(ctx context.Context, url string) error
	EnsureTemporal           func(ctx context.Context, log *slog.Logger, bin, address string, uiPort int, namespace, dataDir string, extraArgs ...string) (stop func(), err error)
	DialTemporal             func(ctx context.Context, log *slog.Logger, opts client.Options) (client.Client, error)
	RegisterSearchAttributes func(ctx context.Context, tc client.Client, namespace string) error
	FreePort                 func() (int, error)
	WaitReady                func(ctx context.Context, url string, limit time.Duration) error
}

// Options bound and shape a run; `caseflow bench` sets them from its
// flags, whose help says what each means.
type Options struct {
	// Concurrency is a comma-separated list of levels, each run in turn.
	Concurrency string
	// Duration and Ops bound each step, whichever comes first.
	Duration time.Duration
	Ops      int
	// Seed is how many cases to seed for the list steps (0: none); Open
	// how many open cases to hold while reading the worker's memory.
	Seed, Open int
	// Scenarios is a comma-separated list; empty runs all.
	Scenarios   string
	JSON        string
	TemporalBin string
	// Database is a database to run on and keep (created when missing):
	// seeded once, its million cases serve every later run instead of
	// minutes of COPY each time.
	Database string
	// Serve runs the API and the worker in one process (caseflow serve)
	// instead of two.
	Serve bool
}

// Scenarios are the steps --scenarios chooses from, in the order a run
// takes them at each concurrency (list last, over all of them).
func Scenarios() []string {
	return []string{"raw", "create", "update", "state", "screening", "request", "lifecycle", "onboarding", "detail", "list", "search"}
}

// CheckScenarios refuses a --scenarios naming a step there is not: a
// misspelt one would otherwise run nothing, and say nothing of it.
func CheckScenarios(list string) error {
	if list == "" {
		return nil
	}
	for _, s := range strings.Split(list, ",") {
		if s != "none" && !slices.Contains(Scenarios(), s) {
			return fmt.Errorf("--scenarios: unknown scenario %q (want %s, or none)", s, strings.Join(Scenarios(), ", "))
		}
	}
	return nil
}

// Run measures caseflow on this machine, end to end and on loopback
// only: a Temporal dev server and a database of its own, the API and the
// worker as child processes (so each one's CPU and memory can be read),
// and, on the same server, the same operations done straight with the
// Temporal SDK on a minimal workflow, the baseline every figure is
// compared with. Every step is bounded in operations and in time.
func Run(ctx context.Context, log *slog.Logger, o Options, setup Setup) error {
	var levels []int
	for _, s := range strings.Split(o.Concurrency, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("--concurrency: %q", s)
		}
		levels = append(levels, n)
	}
	if err := CheckScenarios(o.Scenarios); err != nil {
		return err
	}
	want := func(name string) bool {
		return o.Scenarios == "" || slices.Contains(strings.Split(o.Scenarios, ","), name)
	}

	env, err := startBenchEnv(ctx, log, setup, o.TemporalBin, o.Database, o.Serve)
	if err != nil {
		return err
	}
	defer env.stop()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 0                                  // no limit across hosts
	transport.MaxIdleConnsPerHost = max(slices.Max(levels), 32) // 32: --open's creates
	b := &bencher{env: env, duration: o.Duration, ops: o.Ops, http: &http.Client{Transport: transport}}

	var results []benchResult
	record := func(r benchResult) {
		results = append(results, r)
		if r.HistoryBytes > 0 {
			fmt.Fprintf(os.Stderr, "%-26s c=%-3d %8.0f history bytes and %.1f events an operation\n", r.Scenario, r.Concurrency, r.HistoryBytes, r.HistoryEvents)
			return
		}
		fmt.Fprintf(os.Stderr, "%-26s c=%-3d %8.1f/s  p50 %-8s p99 %-8s errors %d\n", r.Scenario, r.Concurrency, r.Throughput,
			ms(r.P50), ms(r.P99), r.Errors)
	}
	for _, c := range levels {
		if want("raw") || want("create") || want("update") || want("state") {
			raw, calls := b.rawBaseline(ctx, c)
			for _, r := range raw {
				record(r)
			}
			if want("create") {
				record(b.compare(b.step(ctx, "api create", c, b.apiCreate), raw[0]))
			}
			if want("update") {
				note := b.apiNote(ctx, c)
				record(b.compare(b.step(ctx, "api update (note)", c, note), raw[1]))
				if c == 1 {
					record(b.paired(ctx, "note paired with raw update", calls.update, note))
					for _, r := range b.historyAdded(ctx, calls) {
						record(r)
					}
				}
			}
			if want("state") {
				state := b.apiState(ctx, c)
				record(b.compare(b.step(ctx, "api state (query)", c, state), raw[2]))
				if c == 1 {
					record(b.paired(ctx, "state paired with raw query", calls.query, state))
				}
			}
		}
		// After the updates and queries: its hundreds of new workflows,
		// and the verdicts' cases, would otherwise be in the dev server's
		// store while those are measured.
		if want("raw") || want("screening") {
			rawSignal, run := b.rawSignalWithStart(ctx, c)
			record(rawSignal)
			record(run)
			if want("screening") {
				verdicts, opened := b.apiScreening(ctx, c)
				record(b.compare(verdicts, rawSignal))
				record(opened)
			}
		}
		if want("request") {
			r, err := b.requestStep(ctx, c)
			if err != nil {
				return err
			}
			record(r)
		}
		if want("lifecycle") {
			raw := b.step(ctx, "raw lifecycle (10 calls)", c, b.rawLifecycle)
			record(raw)
			record(b.compare(b.step(ctx, "investigation lifecycle", c, b.apiLifecycle), raw))
		}
		if want("onboarding") {
			record(b.step(ctx, "onboarding to approval", c, b.apiOnboarding))
		}
		if want("detail") {
			record(b.step(ctx, "api detail", c, b.apiDetail(ctx)))
		}
	}
	if o.Seed > 0 && (want("list") || want("search")) {
		lists, err := b.listSteps(ctx, log, o.Seed, levels, !want("list"))
		if err != nil {
			return err
		}
		for _, r := range lists {
			record(r)
		}
	}
	if o.Open > 0 {
		r, err := b.openCases(ctx, o.Open)
		if err != nil {
			return err
		}
		record(r)
	}

	printBench(os.Stdout, results)
	if o.JSON != "" {
		data, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.JSON, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// benchEnv is everything a run stands on.
type benchEnv struct {
	dir     string
	store   *store.Store
	tc      client.Client
	apiURL  string
	officer string
	analyst string
	// analystPages is the analyst's workspace session cookie, for the
	// Cases tab (/ui/cases) beside the JSON list.
	analystPages string
	officerID    string
	api, worker  *exec.Cmd
	stopTemporal func()
	stopPostgres func()
	dropDatabase func()
	// workerLog is the worker's output, where its e-mails go.
	workerLog    string
	rawQueue     string
	rawWorker    worker.Worker
	temporalAddr string
}

func startBenchEnv(ctx context.Context, log *slog.Logger, setup Setup, temporalBin, keep string, serve bool) (*benchEnv, error) {
	dir, err := os.MkdirTemp("", "caseflow-bench-")
	if err != nil {
		return nil, err
	}
	e := &benchEnv{dir: dir, rawQueue: "bench-raw"}
	ok := false
	defer func() {
		if !ok {
			e.stop()
		}
	}()

	server, stopPG, err := setup.EnsurePostgres(ctx, log, storetest.ServerURL(), filepath.Join(dir, "postgres"))
	if err != nil {
		return nil, err
	}
	e.stopPostgres = stopPG
	dbURL, err := url.Parse(server)
	if err != nil {
		return nil, err
	}
	name := cmp.Or(keep, "caseflow_bench_"+strings.ReplaceAll(uuid.NewString()[:8], "-", ""))
	dbURL.Path = "/" + name
	if err := setup.EnsureDatabase(ctx, dbURL.String()); err != nil {
		return nil, err
	}
	if keep == "" {
		e.dropDatabase = func() {
			if admin, err := store.Open(context.Background(), server, 1); err == nil {
				_, _ = admin.DB().Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
				admin.Close()
			}
		}
	}
	if e.store, err = store.Open(ctx, dbURL.String(), 20); err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, e.store, slog.New(slog.DiscardHandler)); err != nil {
		return nil, err
	}

	port, err := setup.FreePort()
	if err != nil {
		return nil, err
	}
	uiPort, err := setup.FreePort()
	if err != nil {
		return nil, err
	}
	e.temporalAddr = fmt.Sprintf("127.0.0.1:%d", port)
	if e.stopTemporal, err = setup.EnsureTemporal(ctx, log, temporalBin, e.temporalAddr, uiPort, "default", dir); err != nil {
		return nil, err
	}
	// The baseline connects as the API and the worker do (uncompressed, set
	// below), so the ratios measure caseflow, not a transport setting.
	e.tc, err = setup.DialTemporal(ctx, log, client.Options{HostPort: e.temporalAddr, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}}})
	if err != nil {
		return nil, err
	}
	if err := setup.RegisterSearchAttributes(ctx, e.tc, "default"); err != nil {
		return nil, err
	}

	officer, _, err := e.store.EnsureUser(ctx, "bench.officer@bank.example", contract.RoleComplianceOfficer, "Bench", "Officer")
	if err != nil {
		return nil, err
	}
	analyst, _, err := e.store.EnsureUser(ctx, "bench.analyst@bank.example", contract.RoleAnalyst, "Bench", "Analyst")
	if err != nil {
		return nil, err
	}
	e.officerID = officer.ID
	if e.officer, _, err = e.store.CreateToken(ctx, officer.ID, 0); err != nil {
		return nil, err
	}
	if e.analyst, _, err = e.store.CreateToken(ctx, analyst.ID, 0); err != nil {
		return nil, err
	}
	if e.analystPages, _, err = e.store.CreateSession(ctx, analyst.ID, 24*time.Hour); err != nil {
		return nil, err
	}

	// The API and the worker as production runs them: separate processes.
	apiPort, err := setup.FreePort()
	if err != nil {
		return nil, err
	}
	workerPort, err := setup.FreePort()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	common := append(os.Environ(),
		"CASEFLOW_DATABASE_URL="+dbURL.String(),
		"CASEFLOW_TEMPORAL_ADDRESS="+e.temporalAddr,
		"CASEFLOW_TEMPORAL_TASKQUEUE=bench",
		"CASEFLOW_CODEC_KEYS="+temporalclient.NewCodecKey("bench"),
		"CASEFLOW_MAIL_TRANSPORT=log",
		"CASEFLOW_DATABASE_MAXOPENCONNS=40",
		"CASEFLOW_TEMPORAL_GRPCCOMPRESSION=none",
		// Every portal request comes from this one address, where in
		// production each client has their own: the per-address budget
		// would measure the limiter, not the portal.
		"CASEFLOW_PORTAL_RATELIMIT=1000000000",
	)
	start := func(role string, port int) (*exec.Cmd, error) {
		out, err := os.Create(filepath.Join(dir, role+".log"))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(self, role)
		cmd.Env = append(slices.Clone(common), fmt.Sprintf("CASEFLOW_HTTP_ADDR=127.0.0.1:%d", port))
		cmd.Stdout, cmd.Stderr = out, out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return cmd, cmd.Start()
	}
	if serve {
		// One process, as `caseflow serve` (and make run) runs it: new
		// cases start eagerly on its own worker. Its CPU and memory show
		// in both the API's and the worker's columns.
		if e.api, err = start("serve", apiPort); err != nil {
			return nil, err
		}
		e.worker, workerPort = e.api, apiPort
		e.workerLog = filepath.Join(dir, "serve.log")
	} else {
		if e.worker, err = start("worker", workerPort); err != nil {
			return nil, err
		}
		e.workerLog = filepath.Join(dir, "worker.log")
		if e.api, err = start("api", apiPort); err != nil {
			return nil, err
		}
	}
	e.apiURL = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	for _, u := range []string{e.apiURL, fmt.Sprintf("http://127.0.0.1:%d", workerPort)} {
		if err := setup.WaitReady(ctx, u+"/readyz", time.Minute); err != nil {
			return nil, fmt.Errorf("%s: %w (logs in %s)", u, err, dir)
		}
	}

	// The baseline: a minimal workflow, worked in this process.
	e.rawWorker = worker.New(e.tc, e.rawQueue, worker.Options{})
	e.rawWorker.RegisterWorkflowWithOptions(rawWorkflow, workflow.RegisterOptions{Name: "BenchRaw"})
	if err := e.rawWorker.Start(); err != nil {
		return nil, err
	}
	ok = true
	return e, nil
}

func (e *benchEnv) stop() {
	if e.rawWorker != nil {
		e.rawWorker.Stop()
	}
	for i, cmd := range []*exec.Cmd{e.api, e.worker} {
		if i == 1 && cmd == e.api {
			break // serve: one process
		}
		if cmd != nil && cmd.Process != nil {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		}
	}
	if e.tc != nil {
		e.tc.Close()
	}
	if e.store != nil {
		e.store.Close()
	}
	if e.stopTemporal != nil {
		e.stopTemporal()
	}
	if e.dropDatabase != nil {
		e.dropDatabase()
	}
	if e.stopPostgres != nil {
		e.stopPostgres()
	}
	_ = os.RemoveAll(e.dir)
}

// rawWorkflow is the smallest workflow with an update, a signal and a
// query: what Temporal alone costs.
func rawWorkflow(ctx workflow.Context) error {
	n := 0
	poke := workflow.GetSignalChannel(ctx, "poke")
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var by int
			poke.Receive(ctx, &by)
			n += by
		}
	})
	if err := workflow.SetUpdateHandler(ctx, "touch", func(ctx workflow.Context, by int) (int, error) {
		n += by
		return n, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, "get", func() (int, error) { return n, nil }); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return n < 0 })
}

// benchResult is one step's figures.
type benchResult struct {
	Scenario    string        `json:"scenario"`
	Concurrency int           `json:"concurrency"`
	Ops         int           `json:"ops"`
	Errors      int           `json:"errors"`
	Throughput  float64       `json:"throughputPerSec"`
	P50         time.Duration `json:"p50"`
	P95         time.Duration `json:"p95"`
	P99         time.Duration `json:"p99"`
	// Ratio is the throughput over the raw SDK baseline's; P50Added the
	// p50 it adds to the raw call's.
	Ratio     float64       `json:"ratioToBaseline,omitempty"`
	P50Added  time.Duration `json:"p50AddedToBaseline,omitempty"`
	APIMB     float64       `json:"apiPeakMB"`
	APICPU    float64       `json:"apiCPUPercent"`
	WorkerMB  float64       `json:"workerPeakMB"`
	WorkerCPU float64       `json:"workerCPUPercent"`
	// MachineCPU is every process's CPU, the Temporal server, Postgres and
	// this load generator with the two above: 100 a core, so the machine
	// is saturated at 100 times its cores.
	MachineCPU float64 `json:"machineCPUPercent"`
	// CPUPerOp is the machine's CPU one operation cost, and Ceiling the
	// rate that cost allows with every core busy: about what more callers
	// can buy, if an operation costs as much under load. A ratio to raw at
	// saturation is about the ratio of their CPU costs.
	CPUPerOp time.Duration `json:"machineCPUPerOp,omitempty"`
	Ceiling  float64       `json:"ceilingPerSec,omitempty"`
	FirstErr string        `json:"firstError,omitempty"`
	// HistoryBytes and HistoryEvents are what one operation adds to its
	// workflow's Temporal history, for the history steps.
	HistoryBytes  float64 `json:"historyBytesPerOp,omitempty"`
	HistoryEvents float64 `json:"historyEventsPerOp,omitempty"`
}

type bencher struct {
	env      *benchEnv
	duration time.Duration
	ops      int
	// http keeps a connection per concurrent caller alive, as an
	// integrator's client does: the default keeps two, and at c=8 and
	// above every other call paid a new TCP connection and the API an
	// accept, which the figures then counted as caseflow's.
	http *http.Client
}

// step runs op from c goroutines until the step's operations or time
// run out, and measures it and the two processes.
func (b *bencher) step(ctx context.Context, name string, c int, run op) benchResult {
	apiSampler, workerSampler := sampleProcess(b.env.api.Process.Pid), sampleProcess(b.env.worker.Process.Pid)
	machineSampler := sampleMachine()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  string
		issued    atomic.Int64
	)
	deadline := time.Now().Add(b.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			for issued.Add(1) <= int64(b.ops) && time.Now().Before(deadline) {
				t0 := time.Now()
				err := run(ctx, w)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				} else {
					latencies = append(latencies, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := benchResult{Scenario: name, Concurrency: c, Ops: len(latencies), Errors: errs, FirstErr: firstErr,
		Throughput: float64(len(latencies)) / elapsed.Seconds()}
	r.P50, r.P95, r.P99 = Percentile(latencies, 50), Percentile(latencies, 95), Percentile(latencies, 99)
	r.APIMB, r.APICPU = apiSampler()
	r.WorkerMB, r.WorkerCPU = workerSampler()
	var cores int
	r.MachineCPU, cores = machineSampler()
	r.CPUPerOp, r.Ceiling = cpuBound(r.MachineCPU, r.Throughput, cores)
	return r
}

// cpuBound is what a step's machine CPU (100 a core) and rate say about
// the machine: the CPU one operation cost, and the rate that cost allows
// on cores cores all busy.
func cpuBound(machineCPU, perSecond float64, cores int) (time.Duration, float64) {
	if machineCPU <= 0 || perSecond <= 0 {
		return 0, 0
	}
	perOp := time.Duration(machineCPU / 100 / perSecond * float64(time.Second))
	return perOp, float64(cores) * perSecond * 100 / machineCPU
}

// warmStep is step after warmOps unmeasured operations on each of c
// workers: a read's step measures the pools and plans it runs on in
// steady state, not the first use of a connection (a Postgres backend
// started, its catalog read, each prepared statement planned; tens of
// milliseconds, which among 500 reads would be the p99).
func (b *bencher) warmStep(ctx context.Context, name string, c int, run op) benchResult {
	const warmOps = 6 // a prepared statement is planned afresh for its first five runs
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			for range warmOps {
				_ = run(ctx, w) // errors are the measured step's to count
			}
		})
	}
	wg.Wait()
	return b.step(ctx, name, c, run)
}

// compare sets an API step's ratio to its raw baseline.
func (b *bencher) compare(r, raw benchResult) benchResult {
	if raw.Throughput > 0 {
		r.Ratio = r.Throughput / raw.Throughput
	}
	r.P50Added = r.P50 - raw.P50
	return r
}

// op is one operation of a step, run by worker w of the step's goroutines.
type op func(ctx context.Context, w int) error

// rawCalls are the baseline's update and query, on the workflows its
// update-with-start step started (one per worker).
type rawCalls struct {
	update, query op
	// ids are the workflows, worker w's at w.
	ids []string
}

// rawBaseline measures update-with-start, update and query straight with
// the SDK on the minimal workflow, at concurrency c.
func (b *bencher) rawBaseline(ctx context.Context, c int) ([]benchResult, rawCalls) {
	ids := make([]string, c)
	start := b.step(ctx, "raw update-with-start", c, func(ctx context.Context, w int) error {
		id, err := b.rawStart(ctx)
		if err == nil {
			ids[w] = id
		}
		return err
	})
	calls := rawCalls{
		ids: ids,
		update: func(ctx context.Context, w int) error {
			return b.rawTouch(ctx, ids[w], 1)
		},
		query: func(ctx context.Context, w int) error {
			_, err := b.env.tc.QueryWorkflow(ctx, ids[w], "", "get")
			return err
		},
	}
	update := b.step(ctx, "raw update", c, calls.update)
	query := b.step(ctx, "raw query", c, calls.query)
	return []benchResult{start, update, query}, calls
}

// rawSignalWithStart is the baseline of a screening verdict: a signal
// that starts the minimal workflow it names, a new one each time, as each
// distinct transaction opens a case of its own. As with the verdicts, the
// workflows then run (their first task) at the worker's pace: the second
// result is that pace, and waiting for it keeps their backlog out of the
// steps after.
func (b *bencher) rawSignalWithStart(ctx context.Context, c int) (benchResult, benchResult) {
	var (
		mu  sync.Mutex
		ids []string
	)
	t0 := time.Now()
	r := b.step(ctx, "raw signal-with-start", c, func(ctx context.Context, _ int) error {
		id := "raw-" + uuid.NewString()
		if _, err := b.env.tc.SignalWithStartWorkflow(ctx, id, "poke", 1,
			client.StartWorkflowOptions{TaskQueue: b.env.rawQueue}, "BenchRaw"); err != nil {
			return err
		}
		mu.Lock()
		ids = append(ids, id)
		mu.Unlock()
		return nil
	})
	done := 0
	return b.awaitRun(ctx, r, "raw workflows run", t0, len(ids), func(ctx context.Context) (int, time.Time, error) {
		// The workflows run in about the order they started: until the
		// last one has, one question a poll; then the others are counted,
		// as of that moment, not of the hundreds of questions after it.
		at := time.Now()
		ran := func(id string) (bool, error) {
			d, err := b.env.tc.DescribeWorkflowExecution(ctx, id, "")
			if err != nil {
				return false, fmt.Errorf("describe %s: %w", id, err)
			}
			return d.GetPendingWorkflowTask() == nil, nil
		}
		if ok, err := ran(ids[len(ids)-1]); err != nil || !ok {
			return done, at, err
		}
		for done < len(ids) {
			ok, err := ran(ids[done])
			if err != nil || !ok {
				return done, at, err
			}
			done++
		}
		return done, at, nil
	})
}

// historyUpdates is how many updates the history figures are averaged over.
const historyUpdates = 20

// historyAdded measures the Temporal history a case and its updates
// add, beside the raw update's on the minimal workflow: a new case's
// history once it is idle, then a note and an edit (an update that
// changes the case as a whole) on a case of their own, each the growth
// of the history over historyUpdates of them, divided by their number.
// What each added is broken down by event type on stderr. A measurement
// that fails is a result with an error, as a step's would be.
func (b *bencher) historyAdded(ctx context.Context, raw rawCalls) []benchResult {
	failed := func(name string, err error) benchResult {
		return benchResult{Scenario: name, Concurrency: 1, Errors: 1, FirstErr: err.Error()}
	}
	measure := func(name, what string, workflowID func() (string, error), update func(ctx context.Context, id string, i int) error) benchResult {
		id, err := workflowID()
		if err != nil {
			return failed(name, err)
		}
		i := 0
		r, from, err := b.historyGrowth(ctx, name, id, func(ctx context.Context) error { i++; return update(ctx, id, i) })
		if err == nil {
			err = b.printHistoryBreakdown(ctx, os.Stderr, historyUpdates, what, id, from)
		}
		if err != nil {
			return failed(name, err)
		}
		return r
	}
	rawResult := measure("history per raw update", "raw updates on the minimal workflow", func() (string, error) {
		if raw.ids[0] == "" {
			return "", errors.New("the raw baseline started no workflow to update")
		}
		return raw.ids[0], nil
	}, func(ctx context.Context, _ string, _ int) error {
		return raw.update(ctx, 0)
	})
	created := func() benchResult {
		const name = "history per create"
		id, err := b.create(ctx)
		if err != nil {
			return failed(name, err)
		}
		size, events, err := b.idleHistory(ctx, id)
		if err == nil {
			err = b.printHistoryBreakdown(ctx, os.Stderr, 1, "new case, once idle", id, 1)
		}
		if err != nil {
			return failed(name, err)
		}
		return benchResult{Scenario: name, Concurrency: 1, Ops: 1, HistoryBytes: float64(size), HistoryEvents: float64(events)}
	}()
	note := measure("history per note", "notes on one case", func() (string, error) {
		return b.create(ctx)
	}, func(ctx context.Context, id string, _ int) error {
		return b.call(ctx, http.MethodPost, "/cases/"+id+"/notes", b.env.analyst, map[string]string{"content": "bench note"}, http.StatusCreated, nil)
	})
	edit := measure("history per edit", "edits of one case's priority", func() (string, error) {
		return b.create(ctx)
	}, func(ctx context.Context, id string, i int) error {
		priority := []string{"HIGH", "LOW"}[i%2]
		return b.call(ctx, http.MethodPatch, "/cases/"+id, b.env.analyst, map[string]string{"priority": priority}, http.StatusOK, nil)
	})
	return []benchResult{rawResult, created, note, edit}
}

// historyGrowth runs update historyUpdates times on the workflow and
// reads its history size before and after, each once the workflow is
// idle (what an update sets off after it completes, a projection say, is
// its cost too). It also gives the first event the updates added.
func (b *bencher) historyGrowth(ctx context.Context, name, workflowID string, update func(context.Context) error) (benchResult, int64, error) {
	beforeBytes, beforeEvents, err := b.idleHistory(ctx, workflowID)
	if err != nil {
		return benchResult{}, 0, err
	}
	for range historyUpdates {
		if err := update(ctx); err != nil {
			return benchResult{}, 0, fmt.Errorf("%s: %w", name, err)
		}
	}
	afterBytes, afterEvents, err := b.idleHistory(ctx, workflowID)
	if err != nil {
		return benchResult{}, 0, err
	}
	return benchResult{Scenario: name, Concurrency: 1, Ops: historyUpdates,
		HistoryBytes:  float64(afterBytes-beforeBytes) / historyUpdates,
		HistoryEvents: float64(afterEvents-beforeEvents) / historyUpdates}, beforeEvents + 1, nil
}

// idleHistory waits, up to 30s, for the workflow to have nothing pending
// (no task, activity or timer: a case confirms its last events by a timer
// seconds after it falls quiet) and its history to stop growing, and
// gives the history's size in bytes and in events.
func (b *bencher) idleHistory(ctx context.Context, workflowID string) (int64, int64, error) {
	var lastLen int64 = -1
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		d, err := b.env.tc.DescribeWorkflowExecution(ctx, workflowID, "")
		if err != nil {
			return 0, 0, fmt.Errorf("describe %s: %w", workflowID, err)
		}
		info := d.GetWorkflowExecutionInfo()
		busy := len(d.GetPendingActivities()) > 0 || d.GetPendingWorkflowTask() != nil
		if !busy && info.GetHistoryLength() == lastLen {
			timers, err := b.openTimers(ctx, workflowID)
			if err != nil {
				return 0, 0, err
			}
			if timers == 0 {
				return info.GetHistorySizeBytes(), info.GetHistoryLength(), nil
			}
		}
		lastLen = info.GetHistoryLength()
		if busy {
			lastLen = -1
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return 0, 0, fmt.Errorf("workflow %s not idle within 30s", workflowID)
}

// openTimers counts the timers the workflow started that have neither
// fired nor been cancelled and are due within a minute: a case's
// due-date and reminder timers, days away, are no part of an update.
func (b *bencher) openTimers(ctx context.Context, workflowID string) (int, error) {
	open := map[int64]bool{}
	it := b.env.tc.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return 0, fmt.Errorf("history of %s: %w", workflowID, err)
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			if ev.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration() <= time.Minute {
				open[ev.GetEventId()] = true
			}
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			delete(open, ev.GetTimerFiredEventAttributes().GetStartedEventId())
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			delete(open, ev.GetTimerCanceledEventAttributes().GetStartedEventId())
		}
	}
	return len(open), nil
}

// printHistoryBreakdown sums the serialized size of the workflow's
// history events from event from on, by event type (a marker's by name,
// an activity's by type), for n operations of what.
func (b *bencher) printHistoryBreakdown(ctx context.Context, w io.Writer, n int, what, workflowID string, from int64) error {
	type total struct {
		count, bytes, payloads int
	}
	byType := map[string]*total{}
	var all total
	it := b.env.tc.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return fmt.Errorf("history of %s: %w", workflowID, err)
		}
		if ev.GetEventId() < from {
			continue
		}
		name := strings.TrimPrefix(ev.GetEventType().String(), "EVENT_TYPE_")
		if m := ev.GetMarkerRecordedEventAttributes(); m != nil {
			name += " " + m.GetMarkerName()
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			name += " " + a.GetActivityType().GetName()
		}
		t := byType[name]
		if t == nil {
			t = &total{}
			byType[name] = t
		}
		size, payloads := proto.Size(ev), payloadBytes(ev.ProtoReflect())
		t.count++
		t.bytes += size
		t.payloads += payloads
		all.count++
		all.bytes += size
		all.payloads += payloads
	}
	names := slices.Collect(maps.Keys(byType))
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(byType[b].bytes, byType[a].bytes), strings.Compare(a, b))
	})
	fmt.Fprintf(w, "history of %d %s, by event type (serialized bytes):\n", n, what)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "event\tevents\tbytes\tper operation\tshare\tof which payloads\t")
	for _, name := range append(names, "total") {
		t := byType[name]
		if name == "total" {
			t = &all
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f%%\t%d\t\n", name, t.count, t.bytes, float64(t.bytes)/float64(n),
			float64(t.bytes)/float64(max(all.bytes, 1))*100, t.payloads)
	}
	return tw.Flush()
}

// payloadBytes is the serialized size of the payloads in m (the data a
// workflow sends and receives, encrypted in caseflow's, with their
// metadata), the rest of an event being Temporal's own.
func payloadBytes(m protoreflect.Message) int {
	if m.Descriptor().FullName() == "temporal.api.common.v1.Payload" {
		return proto.Size(m.Interface())
	}
	n := 0
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		switch {
		case fd.IsList():
			for i := range v.List().Len() {
				n += payloadBytes(v.List().Get(i).Message())
			}
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					n += payloadBytes(mv.Message())
					return true
				})
			}
		default:
			n += payloadBytes(v.Message())
		}
		return true
	})
	return n
}

// paired runs a raw call and the API call built on it one after the other,
// ops times, on one goroutine: both see the same moments of a dev server
// whose speed drifts between steps by more than the API adds. Its P50 is
// the API call's, its P50Added the median of the pairs' differences.
func (b *bencher) paired(ctx context.Context, name string, raw, api op) benchResult {
	var apiTimes, added []time.Duration
	errs, firstErr := 0, ""
	deadline := time.Now().Add(2 * b.duration)
	for i := 0; i < b.ops && time.Now().Before(deadline); i++ {
		t0 := time.Now()
		rawErr := raw(ctx, 0)
		t1 := time.Now()
		apiErr := api(ctx, 0)
		t2 := time.Now()
		if err := errors.Join(rawErr, apiErr); err != nil {
			errs++
			if firstErr == "" {
				firstErr = err.Error()
			}
			continue
		}
		apiTimes = append(apiTimes, t2.Sub(t1))
		added = append(added, t2.Sub(t1)-t1.Sub(t0))
	}
	r := benchResult{Scenario: name, Concurrency: 1, Ops: len(apiTimes), Errors: errs, FirstErr: firstErr}
	r.P50, r.P95, r.P99 = Percentile(apiTimes, 50), Percentile(apiTimes, 95), Percentile(apiTimes, 99)
	r.P50Added = Percentile(added, 50)
	return r
}

// call sends one API request and wants the given status.
func (b *bencher) call(ctx context.Context, method, path, token string, body any, want int, out any) error {
	return b.request(ctx, method, "/api/v1"+path, token, body, want, out)
}

// request sends one JSON request, with the bearer token when there is
// one (the client portal's link is its own credential), and wants the
// given status.
func (b *bencher) request(ctx context.Context, method, path, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.env.apiURL+path, rd)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			return err
		}
		return json.Unmarshal(env.Data, out)
	}
	return nil
}

// page reads a workspace page as a signed-in browser would.
func (b *bencher) page(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.env.apiURL+path, nil)
	if err != nil {
		return err
	}
	req.AddCookie(&http.Cookie{Name: "caseflow_session", Value: b.env.analystPages})
	res, err := b.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, res.StatusCode, bytes.TrimSpace(data))
	}
	return nil
}

func benchInvestigation() map[string]any {
	return map[string]any{"type": "AML_ALERT", "priority": "HIGH", "title": "Bench alert",
		"description": "Generated by caseflow bench.", "client": map[string]string{"name": "Bench Client", "email": "bench@example.com"}}
}

type benchCase struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Entities []struct {
		Checks []struct {
			ID           string `json:"id"`
			FromProvider bool   `json:"fromProvider"`
		} `json:"checks"`
	} `json:"entities"`
}

func (b *bencher) create(ctx context.Context) (string, error) {
	var c benchCase
	err := b.call(ctx, http.MethodPost, "/cases", b.env.analyst, benchInvestigation(), http.StatusCreated, &c)
	return c.ID, err
}

func (b *bencher) apiCreate(ctx context.Context, _ int) error {
	_, err := b.create(ctx)
	return err
}

// perWorker gives each of c goroutines a case of its own to write to.
func (b *bencher) perWorker(ctx context.Context, c int) []string {
	ids := make([]string, c)
	for i := range ids {
		ids[i], _ = b.create(ctx)
	}
	return ids
}

func (b *bencher) apiNote(ctx context.Context, c int) op {
	ids := b.perWorker(ctx, c)
	return func(ctx context.Context, w int) error {
		return b.call(ctx, http.MethodPost, "/cases/"+ids[w]+"/notes", b.env.analyst, map[string]string{"content": "bench note"}, http.StatusCreated, nil)
	}
}

func (b *bencher) apiState(ctx context.Context, c int) op {
	ids := b.perWorker(ctx, c)
	return func(ctx context.Context, w int) error {
		return b.call(ctx, http.MethodGet, "/cases/"+ids[w]+"/state", b.env.analyst, nil, http.StatusOK, nil)
	}
}

func (b *bencher) apiDetail(ctx context.Context) op {
	ids := b.perWorker(ctx, 64)
	return func(ctx context.Context, w int) error {
		return b.call(ctx, http.MethodGet, "/cases/"+ids[w%len(ids)], b.env.analyst, nil, http.StatusOK, nil)
	}
}

// benchVerdict is a screening system's verdict on a transaction of its
// own: a distinct verdict that opens a case, as a blocked sanctions hit
// does.
func benchVerdict() map[string]any {
	return map[string]any{
		"transactionId": uuid.NewString(), "externalId": "TX-" + uuid.NewString()[:8],
		"amount": "12500.00", "currency": "EUR",
		"sender":   map[string]string{"name": "Jane Roe", "account": "GB29NWBK60161331926819", "country": "GB"},
		"receiver": map[string]string{"name": "Acme Trading FZE", "country": "AE"},
		"outcome":  contract.OutcomeBlock, "riskLevel": "HIGH", "aggregateScore": 87.5, "totalLatencyMs": 42,
		"hits": []map[string]any{{"type": "SANCTIONS", "score": 0.93, "details": map[string]string{"list": "OFAC SDN"}}},
	}
}

// apiScreening posts distinct verdicts at concurrency c. The API answers
// 202 before the case takes the verdict in, so a second result tells how
// many of the cases the verdicts named reached the projection, and how
// fast, from the step's start until the last one appeared: a verdict
// whose case never does is an error of the first (awaitRun).
func (b *bencher) apiScreening(ctx context.Context, c int) (benchResult, benchResult) {
	var (
		mu  sync.Mutex
		ids []string
	)
	t0 := time.Now()
	r := b.step(ctx, "api screening (verdict)", c, func(ctx context.Context, _ int) error {
		var out struct {
			CaseID *string `json:"caseId"`
		}
		if err := b.call(ctx, http.MethodPost, "/screenings", b.env.officer, benchVerdict(), http.StatusAccepted, &out); err != nil {
			return err
		}
		if out.CaseID == nil {
			return errors.New("the verdict opened no case")
		}
		mu.Lock()
		ids = append(ids, *out.CaseID)
		mu.Unlock()
		return nil
	})
	return b.awaitRun(ctx, r, "screening cases opened", t0, len(ids), func(ctx context.Context) (int, time.Time, error) {
		var n int
		at := time.Now()
		if err := b.env.store.DB().GetContext(ctx, &n, `SELECT count(*) FROM cases WHERE id = ANY($1::uuid[])`, pq.Array(ids)); err != nil {
			return 0, at, fmt.Errorf("counting the opened cases: %w", err)
		}
		return n, at, nil
	})
}

// awaitRun waits, up to 30s, for the n workflows step r started to have
// run, as counted by done (with the moment its count holds for), and
// gives r, with those that never did counted as its errors, and a result
// named name: how many ran, and how fast from the step's start (t0) to
// the last one.
func (b *bencher) awaitRun(ctx context.Context, r benchResult, name string, t0 time.Time, n int,
	done func(context.Context) (int, time.Time, error)) (benchResult, benchResult) {
	const limit = 30 * time.Second
	found, last := 0, time.Now()
	var err error
	for deadline := time.Now().Add(limit); found < n && err == nil; {
		k, at, doneErr := done(ctx)
		if k > found {
			found, last = k, at
		}
		switch {
		case doneErr != nil:
			err = doneErr
		case found == n:
		case time.Now().After(deadline):
			err = fmt.Errorf("%d of %d not run after %s", n-found, n, limit)
		default:
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	run := benchResult{Scenario: name, Concurrency: r.Concurrency, Ops: found, Errors: n - found}
	if d := last.Sub(t0); found > 0 && d > 0 {
		run.Throughput = float64(found) / d.Seconds()
	}
	if err != nil {
		r.Errors += n - found
		r.FirstErr = cmp.Or(r.FirstErr, err.Error())
		run.FirstErr = err.Error()
	}
	return r, run
}

// rawStart starts a minimal workflow by update-with-start, as a create
// does, and gives its ID once the update is answered.
func (b *bencher) rawStart(ctx context.Context) (string, error) {
	id := "raw-" + uuid.NewString()
	startOp := b.env.tc.NewWithStartWorkflowOperation(client.StartWorkflowOptions{ID: id, TaskQueue: b.env.rawQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}, "BenchRaw")
	h, err := b.env.tc.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: startOp,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: "touch", Args: []any{1}, WaitForStage: client.WorkflowUpdateStageCompleted}})
	if err != nil {
		return "", err
	}
	return id, h.Get(ctx, nil)
}

// rawTouch adds by to the minimal workflow's count by update and waits
// for the answer; a count below zero ends the workflow.
func (b *bencher) rawTouch(ctx context.Context, id string, by int) error {
	h, err := b.env.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: "touch", Args: []any{by},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

// rawLifecycle is the baseline of a lifecycle: as many calls on the
// minimal workflow, one after the other, an update-with-start, eight
// updates, and a last update that completes it, as a close does.
func (b *bencher) rawLifecycle(ctx context.Context, _ int) error {
	id, err := b.rawStart(ctx)
	for i := 0; i < 8 && err == nil; i++ {
		err = b.rawTouch(ctx, id, 1)
	}
	if err != nil {
		return err
	}
	return b.rawTouch(ctx, id, -1_000_000)
}

// apiLifecycle is an investigation from creation to CLOSED: create,
// assign, three notes, five moves.
func (b *bencher) apiLifecycle(ctx context.Context, _ int) error {
	id, err := b.create(ctx)
	if err != nil {
		return err
	}
	steps := []struct {
		method, path string
		token        string
		body         any
		want         int
	}{
		{http.MethodPatch, "/assign", b.env.officer, map[string]string{"assigneeId": b.env.officerID}, http.StatusOK},
		{http.MethodPost, "/notes", b.env.analyst, map[string]string{"content": "first"}, http.StatusCreated},
		{http.MethodPost, "/notes", b.env.analyst, map[string]string{"content": "second"}, http.StatusCreated},
		{http.MethodPost, "/notes", b.env.analyst, map[string]string{"content": "third"}, http.StatusCreated},
		{http.MethodPatch, "/status", b.env.officer, map[string]string{"status": "IN_PROGRESS"}, http.StatusOK},
		{http.MethodPatch, "/status", b.env.officer, map[string]string{"status": "PENDING_REVIEW"}, http.StatusOK},
		{http.MethodPatch, "/status", b.env.officer, map[string]string{"status": "ESCALATED"}, http.StatusOK},
		{http.MethodPatch, "/status", b.env.officer, map[string]string{"status": "RESOLVED_TRUE_POSITIVE", "resolutionNote": "Filed."}, http.StatusOK},
		{http.MethodPatch, "/status", b.env.officer, map[string]string{"status": "CLOSED", "resolutionNote": "Done."}, http.StatusOK},
	}
	for _, s := range steps {
		if err := b.call(ctx, s.method, "/cases/"+id+s.path, s.token, s.body, s.want, nil); err != nil {
			return err
		}
	}
	return nil
}

// apiOnboarding takes an identity verification from creation to its
// automatic approval: send, the client's two documents submitted and
// approved, the two screenings answered by a provider.
func (b *bencher) apiOnboarding(ctx context.Context, _ int) error {
	var c benchCase
	body := map[string]any{"type": "IDENTITY_VERIFICATION", "autoApprove": true,
		"client":   map[string]string{"name": "Bench Client", "email": "bench@example.com"},
		"entities": []map[string]string{{"kind": "INDIVIDUAL", "name": "Bench Client", "role": "applicant"}}}
	if err := b.call(ctx, http.MethodPost, "/cases", b.env.analyst, body, http.StatusCreated, &c); err != nil {
		return err
	}
	if err := b.call(ctx, http.MethodPost, "/cases/"+c.ID+"/send", b.env.analyst, nil, http.StatusOK, nil); err != nil {
		return err
	}
	for _, ch := range c.Entities[0].Checks {
		path := "/cases/" + c.ID + "/checks/" + ch.ID
		if ch.FromProvider {
			if err := b.call(ctx, http.MethodPost, path+"/result", b.env.officer, map[string]string{"result": "APPROVED", "provider": "bench"}, http.StatusAccepted, nil); err != nil {
				return err
			}
			continue
		}
		for _, to := range []string{"SUBMITTED", "APPROVED"} {
			if err := b.call(ctx, http.MethodPatch, path, b.env.officer, map[string]string{"status": to}, http.StatusOK, nil); err != nil {
				return err
			}
		}
	}
	// The provider results are signals: wait for the approval they bring.
	var st benchCase
	return b.awaitCase(ctx, c.ID, "the approval", &st, func() bool { return st.Status == string(contract.StatusApproved) })
}

// awaitCase reads the case's detail into detail until done says it shows
// what is awaited, for up to 30 s: what a signal or the client brings
// reaches the case after the call that sent it has answered.
func (b *bencher) awaitCase(ctx context.Context, id, what string, detail any, done func() bool) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if err := b.call(ctx, http.MethodGet, "/cases/"+id, b.env.analyst, nil, http.StatusOK, detail); err != nil {
			return err
		}
		if done() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not on case %s within 30s", what, id)
}

// requestStep measures an information request answered by its client:
// created, sent, its link read from the e-mail, the portal read and
// answered, until the case shows the answer.
func (b *bencher) requestStep(ctx context.Context, c int) (benchResult, error) {
	mail, err := followMail(b.env.workerLog)
	if err != nil {
		return benchResult{}, err
	}
	defer mail.close()
	return b.step(ctx, "information request answered", c, func(ctx context.Context, _ int) error {
		return b.apiRequest(ctx, mail)
	}), nil
}

type benchRequest struct {
	ID       string `json:"id"`
	Entities []struct {
		Checks []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"checks"`
	} `json:"entities"`
}

func (b *bencher) apiRequest(ctx context.Context, mail *mailbox) error {
	// An address of its own, so the e-mail is this request's.
	client := "bench-" + uuid.NewString() + "@example.com"
	body := map[string]any{"type": "INFORMATION_REQUEST", "client": map[string]string{"name": "Bench Client", "email": client},
		"description": "Your payslips for the last three months.",
		"dueDate":     time.Now().Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339)}
	var c benchRequest
	if err := b.call(ctx, http.MethodPost, "/cases", b.env.analyst, body, http.StatusCreated, &c); err != nil {
		return err
	}
	if err := b.call(ctx, http.MethodPost, "/cases/"+c.ID+"/send", b.env.analyst, nil, http.StatusOK, nil); err != nil {
		return err
	}
	token, err := mail.token(ctx, client, 30*time.Second)
	if err != nil {
		return err
	}
	var view struct {
		Requested []struct {
			CheckID string `json:"checkId"`
		} `json:"requested"`
	}
	portal := "/portal/api/r/" + token
	if err := b.request(ctx, http.MethodGet, portal, "", nil, http.StatusOK, &view); err != nil {
		return err
	}
	if len(view.Requested) == 0 {
		return errors.New("the portal asks the client for nothing")
	}
	answer := map[string]any{"checkIds": []string{view.Requested[0].CheckID}, "message": "Three payslips attached."}
	if err := b.request(ctx, http.MethodPost, portal+"/submit", "", answer, http.StatusOK, nil); err != nil {
		return err
	}
	var st benchRequest
	return b.awaitCase(ctx, c.ID, "the client's answer", &st, func() bool {
		return len(st.Entities) > 0 && len(st.Entities[0].Checks) > 0 && st.Entities[0].Checks[0].Status == string(contract.CheckSubmitted)
	})
}

// listSteps seeds the projection and measures each list filter through
// the API and as the raw SQL the store runs, and the deep page.
func (b *bencher) listSteps(ctx context.Context, log *slog.Logger, n int, levels []int, searchesOnly bool) ([]benchResult, error) {
	var have int
	if err := b.env.store.DB().GetContext(ctx, &have, `SELECT count(*) FROM cases`); err != nil {
		return nil, err
	}
	if have < n {
		log.Info("seeding the projection by COPY", "cases", n-have)
		t0 := time.Now()
		if err := seed.Cases(ctx, b.env.store, n-have, []string{b.env.officerID}, b.env.officerID, func(done int) {
			log.Info("seeded", "cases", done)
		}); err != nil {
			return nil, err
		}
		// As autovacuum would after a bulk load (it may be off on a
		// development Postgres, as on this project's machines): index-only
		// scans (the capped counts, the table of words) need the
		// visibility map VACUUM sets, and the planner the statistics.
		if _, err := b.env.store.DB().ExecContext(ctx, `VACUUM ANALYZE cases, case_words`); err != nil {
			return nil, err
		}
		log.Info("seeded", "cases", n-have, "in", time.Since(t0).Round(time.Millisecond))
	}
	var deep struct {
		CreatedAt time.Time `db:"created_at"`
		ID        string    `db:"id"`
	}
	// The cursor of page 50,000 (20 a page) of a million: the row before it.
	offset := max(n-21, 0)
	if err := b.env.store.DB().GetContext(ctx, &deep, `SELECT created_at, id FROM cases ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`, offset); err != nil {
		return nil, err
	}
	cursor := api.EncodeCursor(store.Position{CreatedAt: deep.CreatedAt, ID: deep.ID})
	var number string
	if err := b.env.store.DB().GetContext(ctx, &number, `SELECT case_number FROM cases ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`, n/2); err != nil {
		return nil, err
	}
	// The cursor of a common surname's 50th page (20 a page).
	var deepSearch store.Position
	if err := b.env.store.DB().GetContext(ctx, &deepSearch, `SELECT created_at AS "createdat", id FROM cases
		WHERE client_name LIKE '% Garcia' ORDER BY created_at DESC, id DESC OFFSET 979 LIMIT 1`); err != nil {
		return nil, err
	}
	yes := true
	// A list step: the API's query and the store's filter for it.
	type listStep struct {
		name  string
		query url.Values
		f     store.CaseFilter
	}
	filters := []listStep{
		{"unfiltered", url.Values{}, store.CaseFilter{}},
		{"status", url.Values{"status": {"OPEN"}}, store.CaseFilter{Status: "OPEN"}},
		{"type", url.Values{"type": {"AML_ALERT"}}, store.CaseFilter{Type: "AML_ALERT"}},
		{"priority", url.Values{"priority": {"CRITICAL"}}, store.CaseFilter{Priority: "CRITICAL"}},
		{"assignee", url.Values{"assigneeId": {b.env.officerID}}, store.CaseFilter{AssigneeID: b.env.officerID}},
		{"flag", url.Values{"flag": {"REVIEWING"}}, store.CaseFilter{Flag: "REVIEWING"}},
		{"overdue", url.Values{"overdue": {"true"}}, store.CaseFilter{Overdue: &yes}},
		{"status+priority", url.Values{"status": {"OPEN"}, "priority": {"HIGH"}}, store.CaseFilter{Status: "OPEN", Priority: "HIGH"}},
		{"type+flag+assignee", url.Values{"type": {"KYC_UPDATE_REQUEST"}, "flag": {"COLLECTING"}, "assigneeId": {b.env.officerID}},
			store.CaseFilter{Type: "KYC_UPDATE_REQUEST", Flag: "COLLECTING", AssigneeID: b.env.officerID}},
		// Searches, each named with the query shape the store runs for it
		// (docs/ARCHITECTURE.md, "Search"): a common surname (about 0.6%
		// of the cases), a rare one (0.02%), the start of a name, an
		// e-mail domain (a sixth of the cases), one case number, and a
		// surname with a letter missing.
		{"q common surname [word's entries]", url.Values{"q": {"Garcia"}}, store.CaseFilter{Q: "Garcia"}},
		{"q rare surname [word's entries]", url.Values{"q": {seed.SeedRareSurname}}, store.CaseFilter{Q: seed.SeedRareSurname}},
		{"q name prefix [range of words, walk]", url.Values{"q": {"Gonz"}}, store.CaseFilter{Q: "Gonz"}},
		{"q e-mail domain [entries merged]", url.Values{"q": {"corp.example"}}, store.CaseFilter{Q: "corp.example"}},
		{"q case number [number prefix]", url.Values{"q": {number}}, store.CaseFilter{Q: number}},
		{"q typo [near words' entries]", url.Values{"q": {"Jonson"}}, store.CaseFilter{Q: "Jonson"}},
		{"q surname, page 50 (cursor)", url.Values{"q": {"Garcia"}, "cursor": {api.EncodeCursor(deepSearch)}},
			store.CaseFilter{Q: "Garcia", After: &deepSearch}},
		{"deep page (cursor)", url.Values{"cursor": {cursor}}, store.CaseFilter{After: &store.Position{CreatedAt: deep.CreatedAt, ID: deep.ID}}},
	}
	if searchesOnly {
		filters = slices.DeleteFunc(filters, func(f listStep) bool { return !strings.HasPrefix(f.name, "q ") })
	}
	var out []benchResult
	for _, c := range levels {
		for _, f := range filters {
			q := f.query
			q.Set("limit", "20")
			out = append(out, b.warmStep(ctx, "list "+f.name, c, func(ctx context.Context, _ int) error {
				return b.call(ctx, http.MethodGet, "/cases?"+q.Encode(), b.env.analyst, nil, http.StatusOK, nil)
			}))
			// The Cases tab, from the same store.ListCases: the page's
			// names for the same filters (a page is always 20 cases).
			page := url.Values{}
			for k, v := range f.query {
				if k == "assigneeId" {
					k = "assignee"
				}
				if k != "limit" {
					page[k] = v
				}
			}
			out = append(out, b.warmStep(ctx, "page "+f.name, c, func(ctx context.Context, _ int) error {
				return b.page(ctx, "/ui/cases?"+page.Encode())
			}))
			sf := f.f
			sf.Page, sf.Limit, sf.CountLimit = 1, 20, api.ListCountLimit
			out = append(out, b.warmStep(ctx, "sql "+f.name, c, func(ctx context.Context, _ int) error {
				_, _, err := b.env.store.ListCases(ctx, sf)
				return err
			}))
		}
	}
	return out, nil
}

// openCases opens n cases and reads the worker's memory holding them.
func (b *bencher) openCases(ctx context.Context, n int) (benchResult, error) {
	saved := b.ops
	b.ops = n
	defer func() { b.ops = saved }()
	d := b.duration
	b.duration = time.Hour
	defer func() { b.duration = d }()
	r := b.step(ctx, fmt.Sprintf("hold %d open cases", n), 32, b.apiCreate)
	if r.Errors > 0 {
		return r, fmt.Errorf("opening cases: %s", r.FirstErr)
	}
	return r, nil
}

// sampleProcess samples a process's resident memory every 50 ms until the
// returned function is called, which gives the peak (MB) and the CPU it
// used meanwhile (percent of one core).
func sampleProcess(pid int) func() (float64, float64) {
	cpu0, t0 := cpuTicks(pid), time.Now()
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := rssKB(pid); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		const ticksPerSecond = 100 // USER_HZ on Linux
		cpu := float64(cpuTicks(pid)-cpu0) / ticksPerSecond / time.Since(t0).Seconds() * 100
		return float64(peak.Load()) / 1024, cpu
	}
}

// sampleMachine starts measuring the CPU every process uses; the function
// it returns stops and reports it, in percent of one core, and the cores
// it was counted over (the machine's, whatever this process may run on).
func sampleMachine() func() (float64, int) {
	busy0, total0, _ := machineTicks()
	return func() (float64, int) {
		busy, total, cores := machineTicks()
		if total <= total0 {
			return 0, cores
		}
		return float64(busy-busy0) / float64(total-total0) * float64(cores) * 100, cores
	}
}

// machineTicks reads the busy and total CPU time of all cores from
// /proc/stat's first line (user nice system idle iowait irq softirq
// steal), and counts the cores: the machine's, not this process's share.
func machineTicks() (busy, total int64, cores int) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0
	}
	lines := strings.Split(string(data), "\n")
	fields := strings.Fields(lines[0])
	for i, f := range fields[1:min(len(fields), 9)] {
		n, _ := strconv.ParseInt(f, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle and iowait
			busy += n
		}
	}
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "cpu") {
			cores++
		}
	}
	return busy, total, cores
}

func rssKB(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

func cpuTicks(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

// Percentile is the p-th percentile of d (0 for none).
func Percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func printBench(w io.Writer, results []benchResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "scenario\tc\tops\tper s\tp50\tp95\tp99\terrors\tvs raw\t+p50\tAPI MB\tAPI CPU%\tworker MB\tworker CPU%\tmachine CPU%\tCPU/op\tceiling/s\thistory B/op\tevents/op\t")
	for _, r := range results {
		ratio, added, history, events, perOp, ceiling := "", "", "", "", "", ""
		if r.CPUPerOp > 0 {
			perOp, ceiling = ms(r.CPUPerOp), fmt.Sprintf("%.1f", r.Ceiling)
		}
		if r.HistoryBytes > 0 {
			history, events = fmt.Sprintf("%.0f", r.HistoryBytes), fmt.Sprintf("%.1f", r.HistoryEvents)
		}
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.0f%%", r.Ratio*100)
		}
		if r.Ratio > 0 || r.P50Added != 0 {
			added = ms(r.P50Added)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%d\t%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t\n", r.Scenario, r.Concurrency, r.Ops,
			r.Throughput, ms(r.P50), ms(r.P95), ms(r.P99), r.Errors, ratio, added, r.APIMB, r.APICPU, r.WorkerMB, r.WorkerCPU, r.MachineCPU,
			perOp, ceiling, history, events)
	}
	tw.Flush()
}
