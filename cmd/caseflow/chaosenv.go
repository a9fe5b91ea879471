package main

// The processes `caseflow chaos` runs and breaks: a Postgres cluster of its
// own, the Temporal dev server, the API and the worker as separate
// processes, and an SMTP sink in this process. Everything listens on
// loopback, on free ports, under one temporary directory.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/caseflow/caseflow/activities/mailtest"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// chaosConfig is what the children are told beyond the addresses: empty
// values leave caseflow's defaults.
type chaosConfig struct {
	temporalBin string
	callTimeout time.Duration
	lease       time.Duration
	// serve runs the API and the worker as one `caseflow serve` process,
	// as `make run` does (new cases start eagerly on its worker): a
	// worker or API fault kills that one process.
	serve bool
}

// chaosEnv is everything a chaos run stands on.
type chaosEnv struct {
	dir          string
	log          *slog.Logger
	pg           *pgCluster
	temporal     *proc
	temporalAddr string
	api, worker  *proc
	apiURL       string
	workerURL    string
	sink         *mailtest.Server
	store        *store.Store
	// The officer assigns, moves cases and delivers screenings; the
	// analyst creates cases and writes notes. Officers counts the users
	// told of every screening case (officers and admins).
	officerToken, analystToken string
	officerID                  string
	officers                   int
}

func startChaosEnv(ctx context.Context, log *slog.Logger, cfg chaosConfig) (env *chaosEnv, err error) {
	dir, err := os.MkdirTemp("", "caseflow-chaos-")
	if err != nil {
		return nil, fmt.Errorf("chaos: temp dir: %w", err)
	}
	// MkdirTemp makes it 0700; the postgres user must reach its cluster inside.
	if err := os.Chmod(dir, 0o755); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("chaos: temp dir: %w", err)
	}
	e := &chaosEnv{dir: dir, log: log}
	defer func() {
		if err != nil {
			e.stop()
			e.removeDir()
		}
	}()

	if e.sink, err = mailtest.Serve(); err != nil {
		return nil, fmt.Errorf("chaos: smtp sink: %w", err)
	}
	if e.pg, err = newPGCluster(ctx, log, filepath.Join(dir, "postgres")); err != nil {
		return nil, err
	}
	if err := e.pg.start(ctx); err != nil {
		return nil, err
	}
	dbURL := e.pg.url("caseflow_chaos")
	if err := ensureDatabase(ctx, dbURL); err != nil {
		return nil, err
	}
	if e.store, err = store.Open(ctx, dbURL, 8); err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx, e.store, slog.New(slog.DiscardHandler)); err != nil {
		return nil, err
	}
	if err := e.makeUsers(ctx); err != nil {
		return nil, err
	}

	ports := make([]int, 4)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	temporalPort, uiPort, apiPort, workerPort := ports[0], ports[1], ports[2], ports[3]
	e.temporalAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(temporalPort))
	// The data file outlives every restart: a restarted server must find
	// every case where it left it.
	temporalArgs := append(startDevArgs("127.0.0.1", strconv.Itoa(temporalPort), uiPort, filepath.Join(dir, "temporal.db"), "default"),
		"--headless")
	e.temporal = newProc(log, "temporal", cfg.temporalBin, temporalArgs, os.Environ(), dir)
	if err := e.temporal.start(); err != nil {
		return nil, err
	}
	if err := e.waitTemporal(ctx, time.Minute); err != nil {
		return nil, err
	}

	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("chaos: find own binary: %w", err)
	}
	settings := []string{
		"CASEFLOW_DATABASE_URL=" + dbURL,
		"CASEFLOW_TEMPORAL_ADDRESS=" + e.temporalAddr,
		"CASEFLOW_TEMPORAL_NAMESPACE=default",
		"CASEFLOW_TEMPORAL_TASKQUEUE=chaos",
		"CASEFLOW_CODEC_KEYS=" + temporalclient.NewCodecKey("chaos"),
		"CASEFLOW_MAIL_TRANSPORT=smtp",
		"CASEFLOW_MAIL_SMTP_HOST=" + e.sink.Host,
		"CASEFLOW_MAIL_SMTP_PORT=" + strconv.Itoa(e.sink.Port),
		"CASEFLOW_MAIL_SMTP_TLS=none",
		"CASEFLOW_PORTAL_BASEURL=http://127.0.0.1:" + strconv.Itoa(apiPort),
		// The daily digest would add e-mails at 07:00 UTC; a run never
		// spans New Year's midnight and the digest has its own tests.
		"CASEFLOW_DIGEST_CRON=0 0 1 1 *",
	}
	if cfg.callTimeout > 0 {
		settings = append(settings, "CASEFLOW_TEMPORAL_CALLTIMEOUT="+cfg.callTimeout.String())
	}
	if cfg.lease > 0 {
		settings = append(settings, "CASEFLOW_IDEMPOTENCY_LEASE="+cfg.lease.String())
	}
	e.apiURL = fmt.Sprintf("http://127.0.0.1:%d", apiPort)
	e.workerURL = fmt.Sprintf("http://127.0.0.1:%d", workerPort)
	if cfg.serve {
		e.workerURL = e.apiURL
		e.api = newProc(log, "serve", self, []string{"serve"},
			childEnv(settings, fmt.Sprintf("CASEFLOW_HTTP_ADDR=127.0.0.1:%d", apiPort)), dir)
		e.worker = e.api
	} else {
		e.worker = newProc(log, "worker", self, []string{"worker"},
			childEnv(settings, fmt.Sprintf("CASEFLOW_HTTP_ADDR=127.0.0.1:%d", workerPort)), dir)
		e.api = newProc(log, "api", self, []string{"api"},
			childEnv(settings, fmt.Sprintf("CASEFLOW_HTTP_ADDR=127.0.0.1:%d", apiPort)), dir)
	}
	for _, p := range e.children() {
		if err := p.start(); err != nil {
			return nil, err
		}
	}
	if err := e.waitServing(ctx, time.Minute); err != nil {
		return nil, err
	}
	return e, nil
}

// childEnv is this process's environment without any CASEFLOW_ setting of
// the caller's, which would change what the run measures, plus the run's.
func childEnv(settings []string, more ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CASEFLOW_") {
			env = append(env, kv)
		}
	}
	return append(append(env, settings...), more...)
}

// makeUsers creates the run's users: an officer and an analyst with
// tokens, and an admin who is only e-mailed.
func (e *chaosEnv) makeUsers(ctx context.Context) error {
	officer, _, err := e.store.EnsureUser(ctx, "chaos.officer@bank.example", contract.RoleComplianceOfficer, "Chaos", "Officer")
	if err != nil {
		return fmt.Errorf("chaos: officer: %w", err)
	}
	analyst, _, err := e.store.EnsureUser(ctx, "chaos.analyst@bank.example", contract.RoleAnalyst, "Chaos", "Analyst")
	if err != nil {
		return fmt.Errorf("chaos: analyst: %w", err)
	}
	if _, _, err := e.store.EnsureUser(ctx, "chaos.admin@bank.example", contract.RoleBankAdmin, "Chaos", "Admin"); err != nil {
		return fmt.Errorf("chaos: admin: %w", err)
	}
	e.officers = 2
	e.officerID = officer.ID
	if e.officerToken, _, err = e.store.CreateToken(ctx, officer.ID, 0); err != nil {
		return fmt.Errorf("chaos: officer token: %w", err)
	}
	if e.analystToken, _, err = e.store.CreateToken(ctx, analyst.ID, 0); err != nil {
		return fmt.Errorf("chaos: analyst token: %w", err)
	}
	return nil
}

// waitTemporal waits until the dev server takes connections.
func (e *chaosEnv) waitTemporal(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for !temporalAnswers(e.temporalAddr, time.Second) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chaos: temporal does not answer at %s after %s\nlog:\n%s", e.temporalAddr, limit, tailFile(e.temporal.logPath))
		}
		pause(ctx, 100*time.Millisecond)
	}
	return nil
}

// children are caseflow's processes: the API and the worker, or the one
// serve process that is both.
func (e *chaosEnv) children() []*proc {
	if e.api == e.worker {
		return []*proc{e.api}
	}
	return []*proc{e.api, e.worker}
}

// waitServing waits until the API and the worker both report ready:
// Postgres and Temporal answer each of them.
func (e *chaosEnv) waitServing(ctx context.Context, limit time.Duration) error {
	for _, t := range []struct {
		p   *proc
		url string
	}{{e.api, e.apiURL}, {e.worker, e.workerURL}} {
		if err := waitReady(ctx, t.url+"/readyz", limit); err != nil {
			return fmt.Errorf("chaos: %s at %s: %w\nlog:\n%s", t.p.name, t.url, err, tailFile(t.p.logPath))
		}
	}
	return nil
}

// crashes lists every exit of a child the run did not cause.
func (e *chaosEnv) crashes() []string {
	var out []string
	for _, p := range append([]*proc{e.temporal}, e.children()...) {
		if p != nil {
			out = append(out, p.crashes()...)
		}
	}
	return out
}

// logTails is the end of every log, for a failed run's report.
func (e *chaosEnv) logTails() string {
	var b strings.Builder
	for _, p := range append(e.children(), e.temporal) {
		if p != nil {
			fmt.Fprintf(&b, "--- %s (%s)\n%s\n", p.name, p.logPath, tailFile(p.logPath))
		}
	}
	if e.pg != nil {
		fmt.Fprintf(&b, "--- postgres (%s)\n%s\n", e.pg.logFile, tailFile(e.pg.logFile))
	}
	return b.String()
}

// stop ends every process the run started and, unless keep, removes its
// directory. It runs on every exit path, Ctrl-C included, so it uses no
// context the signal has cancelled.
func (e *chaosEnv) stop() {
	for _, p := range append(e.children(), e.temporal) {
		if p != nil {
			p.stop()
		}
	}
	if e.store != nil {
		e.store.Close()
	}
	if e.pg != nil {
		e.pg.stop()
	}
	if e.sink != nil {
		_ = e.sink.Close()
	}
}

func (e *chaosEnv) removeDir() { _ = os.RemoveAll(e.dir) }

// pgCluster is a throwaway Postgres cluster: the run's own, never the
// machine's, so stopping it hurts nobody else. As root it belongs to and
// runs as the postgres user (initdb refuses root).
type pgCluster struct {
	log     *slog.Logger
	bin     string
	dir     string
	pgdata  string
	logFile string
	port    int
	asRoot  bool
}

func newPGCluster(ctx context.Context, log *slog.Logger, dir string) (*pgCluster, error) {
	bin, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &pgCluster{log: log, bin: bin, dir: dir, pgdata: filepath.Join(dir, "pgdata"),
		logFile: filepath.Join(dir, "postgres.log"), port: port, asRoot: os.Geteuid() == 0}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("chaos: postgres dir: %w", err)
	}
	if p.asRoot {
		if err := chownToPostgres(dir); err != nil {
			return nil, err
		}
	}
	out, err := p.command(ctx, "initdb", "-D", p.pgdata, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("chaos: initdb: %w: %s", err, tail(out))
	}
	return p, nil
}

func (p *pgCluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	path := filepath.Join(p.bin, name)
	if p.asRoot {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.CommandContext(ctx, path, args...)
}

// start starts the cluster on its port and waits until it takes
// connections; after an immediate stop that includes crash recovery.
func (p *pgCluster) start(ctx context.Context) error {
	// The socket stays in the run's directory; pg_ctl hands -o to a
	// shell, hence the quotes. fsync stays on: the outage is a crash.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k '%s'", p.port, p.dir)
	out, err := p.command(ctx, "pg_ctl", "-D", p.pgdata, "-l", p.logFile, "-o", opts, "-w", "-t", "60", "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("chaos: pg_ctl start: %w: %s\nserver log:\n%s", err, tail(out), tailFile(p.logFile))
	}
	deadline := time.Now().Add(30 * time.Second)
	for !postgresAnswers(ctx, p.url("postgres"), time.Second) {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("chaos: postgres on port %d does not answer\nserver log:\n%s", p.port, tailFile(p.logFile))
		}
		pause(ctx, 100*time.Millisecond)
	}
	return nil
}

// crash stops the cluster as a power cut would look to its clients:
// `pg_ctl stop -m immediate` kills every backend without a checkpoint,
// and the next start recovers from the WAL.
func (p *pgCluster) crash(ctx context.Context) error {
	out, err := p.command(ctx, "pg_ctl", "-D", p.pgdata, "-m", "immediate", "-w", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("chaos: pg_ctl stop -m immediate: %w: %s", err, tail(out))
	}
	return nil
}

// stop ends the cluster at the end of a run, whatever state it is in.
func (p *pgCluster) stop() {
	if err := p.command(context.Background(), "pg_ctl", "-D", p.pgdata, "status").Run(); err != nil {
		return // not running
	}
	if out, err := p.command(context.Background(), "pg_ctl", "-D", p.pgdata, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
		p.log.Warn("chaos: pg_ctl stop failed", "err", err, "output", tail(out))
	}
}

// url names database db on the cluster.
func (p *pgCluster) url(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}
