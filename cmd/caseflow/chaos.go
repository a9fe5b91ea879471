package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// chaosFaultKinds are the faults a run can inject, in their default order.
func chaosFaultKinds() []string { return []string{"worker", "postgres", "api", "temporal"} }

// chaosOptions bound and shape a run.
type chaosOptions struct {
	cases, clients int
	faults         []string
	// deadline bounds the whole run, set-up and reconciliation aside;
	// closeWithin is how long after the last fault every case must be
	// CLOSED; recoverWithin how long after each fault every client must
	// be moving again before the next one.
	deadline, closeWithin, recoverWithin time.Duration
	// pgOutage is how long Postgres stays down; down how long a killed
	// worker, API or Temporal server does.
	pgOutage, down time.Duration
	settle         time.Duration
	keep           bool
	cfg            chaosConfig
}

// chaos proves the write path's promises under faults: many clients drive
// investigations to CLOSED through the API, each write retried with its
// Idempotency-Key until acknowledged, while the worker, Postgres, the API
// and the Temporal server are killed and brought back in turn. Then it
// reconciles what the clients were told with what the API, Postgres and
// an SMTP sink hold. Its last line is "N passed, N failed", N counting
// the promises reconciled (see reconcile); it fails when one fails.
func chaos(ctx context.Context, o chaosOptions, faults string, stdout io.Writer) error {
	var err error
	if o.faults, err = parseFaults(faults); err != nil {
		return err
	}
	// The children run in the run's directory, not here.
	if o.cfg.temporalBin, err = filepath.Abs(o.cfg.temporalBin); err != nil {
		return fmt.Errorf("chaos: --temporal: %w", err)
	}
	if o.cases < 1 || o.clients < 1 {
		return fmt.Errorf("chaos: --cases and --clients must be positive")
	}
	// Progress for a person watching; the report goes to stdout.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	t0 := time.Now()
	res, env, err := runChaos(ctx, log, o)
	if env != nil {
		if res != nil && res.failed() > 0 && !res.interrupted {
			fmt.Fprintf(os.Stderr, "\nlogs of the failed run:\n%s\n", env.logTails())
		}
		env.stop()
		if o.keep {
			fmt.Fprintf(os.Stderr, "chaos: the run's directory is kept: %s\n", env.dir)
		} else {
			env.removeDir()
		}
	}
	if err != nil {
		fmt.Fprintf(stdout, "%v\n0 passed, 1 failed\n", err)
		return exitCode(1)
	}
	res.elapsed = time.Since(t0)
	res.print(stdout)
	if res.failed() > 0 {
		return exitCode(1)
	}
	return nil
}

func parseFaults(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "" || f == "none":
		case slices.Contains(chaosFaultKinds(), f):
			out = append(out, f)
		default:
			return nil, fmt.Errorf("chaos: unknown fault %q (want %s)", f, strings.Join(chaosFaultKinds(), ", "))
		}
	}
	return out, nil
}

// chaosFault is one fault as it happened.
type chaosFault struct {
	kind string
	// inflight is how many requests were in flight when it struck.
	inflight int64
	// injected: the process killed or Postgres stopped; restarted: started
	// again; ready: the API and the worker report ready; recovered: every
	// client holding a case has had a write acknowledged since restarted.
	injected, restarted, ready, recovered time.Time
	problems                              []string
}

func (f *chaosFault) describe() string {
	switch f.kind {
	case "worker":
		return "worker SIGKILLed"
	case "postgres":
		return "Postgres stopped -m immediate"
	case "api":
		return "API SIGKILLed mid-request"
	case "temporal":
		return "Temporal dev server SIGKILLed"
	}
	return f.kind
}

// chaosResult is everything the report is made of.
type chaosResult struct {
	opts    chaosOptions
	run     string
	cases   []*chaosCase
	faults  []*chaosFault
	checks  []chaosCheck
	figures chaosFigures
	elapsed time.Duration
	// interrupted: Ctrl-C or SIGTERM ended the run before reconciliation.
	interrupted bool
}

func (r *chaosResult) failed() int {
	n := 0
	for _, c := range r.checks {
		if !c.ok {
			n++
		}
	}
	return n
}

// runChaos sets up, drives, injects and reconciles. The environment comes
// back whatever happened, for the caller to stop.
func runChaos(ctx context.Context, log *slog.Logger, o chaosOptions) (*chaosResult, *chaosEnv, error) {
	runCtx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()

	log.Info("chaos: setting up: Postgres cluster, Temporal dev server, worker, API, SMTP sink")
	env, err := startChaosEnv(runCtx, log, o.cfg)
	if err != nil {
		return nil, nil, err
	}
	run := strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	res := &chaosResult{opts: o, run: run,
		cases: planCases(run, o.cases, env.officerToken, env.analystToken, env.officerID)}
	d := newChaosDriver(env.apiURL, env.officerToken, o.clients, res.cases, released(-1, o.cases, len(o.faults)))
	log.Info("chaos: driving", "cases", o.cases, "clients", o.clients, "faults", strings.Join(o.faults, ","), "dir", env.dir)

	// The clients stop at the run's deadline, or closeWithin after the
	// last fault, whichever comes first.
	driveCtx, stopDriving := context.WithCancel(runCtx)
	defer stopDriving()
	var clients sync.WaitGroup
	for c := range o.clients {
		clients.Go(func() { d.client(driveCtx, c) })
	}
	allDone := make(chan struct{})
	go func() { clients.Wait(); close(allDone) }()

	res.faults = injectFaults(driveCtx, log, env, d, o, allDone)
	lastFault := time.Now()
	if n := len(res.faults); n > 0 && !res.faults[n-1].restarted.IsZero() {
		lastFault = res.faults[n-1].restarted
	}
	select {
	case <-allDone:
	case <-time.After(time.Until(lastFault.Add(o.closeWithin))):
		log.Warn("chaos: cases still open after --close-within; stopping the clients", "close_within", o.closeWithin)
		stopDriving()
		<-allDone
	case <-runCtx.Done():
		if ctx.Err() == nil {
			log.Warn("chaos: the run's --deadline passed; stopping the clients", "deadline", o.deadline)
		}
		<-allDone
	}
	res.figures = figures(res, lastFault)
	if ctx.Err() != nil {
		res.interrupted = true
		res.checks = []chaosCheck{{name: "interrupted", summary: "stopped before the run could reconcile"}}
		return res, env, nil
	}
	_, closed := d.progress.counts()
	log.Info("chaos: clients done; reconciling", "cases_closed", closed, "in", time.Since(lastFault).Round(time.Millisecond))

	checkCtx, cancelCheck := context.WithTimeout(ctx, o.settle+5*time.Minute)
	defer cancelCheck()
	res.checks = reconcile(checkCtx, log, env, d, res, o.settle)
	return res, env, nil
}

// The run goes in batches, one per fault and one after the last: the
// clients may start the cases of batch i only once fault i-1 is over, and
// fault i strikes when half of batch i's writes are acknowledged. So each
// fault finds cases in flight at every step of their lifecycle, however
// long the previous one took to recover from, and the last batch runs on a
// system that has been through them all.

// batchSize is how many cases each batch holds.
func batchSize(cases, faults int) int {
	return max(1, cases/(faults+1))
}

// released is how many cases the clients may start once fault i (0-based;
// -1 before any) is over.
func released(i, cases, faults int) int {
	if i+1 >= faults {
		return cases
	}
	return min(cases, (i+2)*batchSize(cases, faults))
}

// strikeAt is how many writes are acknowledged when fault i (0-based) is
// due: the middle of its batch.
func strikeAt(i, cases, faults, writesPerCase int) int {
	b := batchSize(cases, faults)
	return i*b*writesPerCase + b*writesPerCase/2
}

// injectFaults injects each fault in turn, in the middle of its batch.
func injectFaults(ctx context.Context, log *slog.Logger, env *chaosEnv, d *chaosDriver, o chaosOptions, allDone <-chan struct{}) []*chaosFault {
	var out []*chaosFault
	done := func() bool {
		select {
		case <-allDone:
			return true
		default:
			return ctx.Err() != nil
		}
	}
	writesPerCase := len(d.cases[0].writes)
	defer d.progress.release(o.cases)
	for i, kind := range o.faults {
		due := strikeAt(i, o.cases, len(o.faults), writesPerCase)
		for d.progress.ackedWrites() < due && !done() {
			pause(ctx, 5*time.Millisecond)
		}
		f := &chaosFault{kind: kind}
		out = append(out, f)
		if done() {
			f.problems = append(f.problems, "not injected: the clients had finished, or the run was stopped")
			continue
		}
		// Strike mid-request: wait for one in flight (there nearly always is).
		for wait := time.Now().Add(30 * time.Second); d.progress.inflight.Load() == 0 && time.Now().Before(wait) && !done(); {
			pause(ctx, 5*time.Millisecond)
		}
		f.inflight = d.progress.inflight.Load()
		started, closed := d.progress.counts()
		log.Info("chaos: fault", "n", i+1, "of", len(o.faults), "fault", f.describe(), "requests_in_flight", f.inflight,
			"cases_started", started, "cases_closed", closed, "writes_acknowledged", d.progress.ackedWrites())
		if err := inject(ctx, env, f, o); err != nil {
			f.problems = append(f.problems, err.Error())
			log.Error("chaos: fault injection failed", "fault", kind, "err", err)
			continue
		}
		if err := env.waitServing(ctx, 2*time.Minute); err != nil {
			f.problems = append(f.problems, fmt.Sprintf("API and worker not ready again: %v", err))
			continue
		}
		f.ready = time.Now()
		for limit := f.restarted.Add(o.recoverWithin); !d.progress.moving(f.restarted) && !done(); {
			if time.Now().After(limit) {
				f.problems = append(f.problems, fmt.Sprintf("clients not all moving %s after the restart", o.recoverWithin))
				break
			}
			pause(ctx, 20*time.Millisecond)
		}
		f.recovered = time.Now()
		log.Info("chaos: recovered", "fault", f.describe(), "ready_after_restart", f.ready.Sub(f.restarted).Round(time.Millisecond),
			"moving_after_restart", f.recovered.Sub(f.restarted).Round(time.Millisecond))
		d.progress.release(released(i, o.cases, len(o.faults)))
	}
	return out
}

// inject breaks one component and brings it back.
func inject(ctx context.Context, env *chaosEnv, f *chaosFault, o chaosOptions) error {
	f.injected = time.Now()
	switch f.kind {
	case "worker":
		env.worker.kill()
		pause(ctx, o.down)
		f.restarted = time.Now()
		return env.worker.start()
	case "api":
		env.api.kill()
		pause(ctx, o.down)
		f.restarted = time.Now()
		return env.api.start()
	case "postgres":
		if err := env.pg.crash(ctx); err != nil {
			return err
		}
		pause(ctx, o.pgOutage)
		f.restarted = time.Now()
		return env.pg.start(ctx)
	case "temporal":
		// SIGKILL, not a clean stop: its SQLite file (WAL) must hold
		// every acknowledged change through a crash.
		env.temporal.kill()
		pause(ctx, o.down)
		f.restarted = time.Now()
		if err := env.temporal.start(); err != nil {
			return err
		}
		return env.waitTemporal(ctx, time.Minute)
	}
	return fmt.Errorf("unknown fault %q", f.kind)
}
