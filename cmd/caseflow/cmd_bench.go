package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	// Named apart from the command it serves.
	benchcmd "github.com/caseflow/caseflow/cmd/caseflow/bench"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// benchCommand runs package bench on the provisioning `caseflow dev` uses,
// so the figures stand on what a developer runs.
func (c *cli) benchCommand() *cobra.Command {
	var o benchcmd.Options
	var engine, serverBin string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "measure caseflow against the raw Temporal SDK, on loopback",
		Long: `bench measures caseflow on this machine (make bench runs it), on loopback
only: a Temporal dev server and a database of its own, the API and the
worker as child processes (so each one's CPU and peak memory are read from
/proc), the HTTP API driven at each --concurrency, and the same operations
done straight with the Temporal SDK on a minimal workflow beside it, the
baseline every figure is compared with. Every step stops at --ops
operations or --duration, whichever comes first. Progress goes to stderr,
the table to stdout, and the results to --json when given. CPU/op is the
CPU every process on the machine spent per operation, and ceiling/s the
rate that cost allows with every core busy: about what more callers can
buy, if an operation costs as much under load.

Scenarios: raw, create, update (also the Temporal history a new case
holds and one note and one edit add, beside a raw update's), state,
screening (distinct verdicts, each opening a case by signal-with-start,
beside the raw signal-with-start; then the cases counted in the
projection), request (an information request created, sent, and
answered by its client through the portal, its link read from the
e-mail), lifecycle (beside ten raw calls in a row), onboarding, detail,
list (over --seed cases), search (the list's searches alone); none runs
none of them (with --open alone).`,
		Example: examples(
			"caseflow bench --concurrency 1,8 --seed 0     # a quick run",
			"caseflow bench --scenarios list --concurrency 1,8",
			"caseflow bench --open 10000 --scenarios none --seed 0",
		),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := benchcmd.CheckScenarios(o.Scenarios); err != nil {
				return usageError(cmd, err)
			}
			engines := strings.Split(engine, ",")
			if engine == "both" {
				engines = []string{"dev", "server"}
			}
			for _, e := range engines {
				setup := benchcmd.Setup{
					EnsurePostgres:           ensurePostgres,
					EnsureDatabase:           ensureDatabase,
					EnsureTemporal:           ensureTemporal,
					DialTemporal:             temporalclient.Dial,
					RegisterSearchAttributes: temporalclient.RegisterSearchAttributes,
					FreePort:                 freePort,
					WaitReady:                waitReady,
				}
				switch e {
				case "dev":
				case "server":
					// The Postgres the bench stands on (bench.go asks for
					// the same server).
					setup.EnsureTemporal = realServer(storetest.ServerURL(), serverBin)
					// Temporal keeps its services' ports in a smallint.
					setup.FreePort = func() (int, error) {
						p, err := lowPorts(1)
						if err != nil {
							return 0, err
						}
						return p[0], nil
					}
				default:
					return usageError(cmd, fmt.Errorf("--engine: want dev, server or both, got %q", e))
				}
				fmt.Fprintf(cmd.OutOrStdout(), "\n== engine: %s ==\n", engineName(e))
				if err := benchcmd.Run(cmd.Context(), c.log, o, setup); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Concurrency, "concurrency", "1,8,32,64", "concurrency levels")
	f.DurationVar(&o.Duration, "duration", 5*time.Second, "most time per step")
	f.IntVar(&o.Ops, "ops", 500, "most operations per step")
	f.IntVar(&o.Seed, "seed", 1_000_000, "cases seeded by COPY for the list steps (0: no list steps)")
	f.IntVar(&o.Open, "open", 0, "open cases to hold while reading the worker's memory (0: skip)")
	f.StringVar(&o.Scenarios, "scenarios", "", "comma-separated scenarios to run (default all)")
	f.StringVar(&o.JSON, "json", "", "also write the results as JSON to this file")
	f.BoolVar(&o.Serve, "serve", false, "run the API and the worker in one process (caseflow serve: new cases start eagerly on its worker) instead of two")
	f.StringVar(&o.Database, "database", "", "a database to run on and keep (created when missing): seeded once, a million cases serve every later run")
	f.StringVar(&engine, "engine", "dev", "the Temporal to measure on: dev (the dev server, SQLite), server (the real server on Postgres), both")
	f.StringVar(&serverBin, "server-bin", "bin", "where temporal-server and temporal-sql-tool are, for --engine server")
	f.StringVar(&o.TemporalBin, "temporal", envOr("CASEFLOW_TEMPORAL_BIN", filepath.Join("bin", "temporal")), "the temporal CLI")
	return cmd
}

func engineName(e string) string {
	if e == "server" {
		return "Temporal server " + temporalclient.ServerVersion + " on Postgres"
	}
	return "Temporal dev server (SQLite)"
}

// realServer starts, for the bench, the real Temporal server on the
// Postgres server of dbURL (its databases named bench_temporal…), where the bench
// would start a dev server.
func realServer(dbURL, bin string) func(ctx context.Context, log *slog.Logger, _, address string, _ int, namespace, dataDir string, _ ...string) (func(), error) {
	return func(ctx context.Context, log *slog.Logger, _, address string, _ int, namespace, dataDir string, _ ...string) (func(), error) {
		_, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		frontend, err := strconv.Atoi(port)
		if err != nil {
			return nil, err
		}
		adminURL, err := clusterDatabaseURL(dbURL, "postgres")
		if err != nil {
			return nil, err
		}
		bin, err = filepath.Abs(bin)
		if err != nil {
			return nil, err
		}
		// A fresh server each run: what earlier runs left would be measured too.
		if err := dropTemporalDatabases(ctx, adminURL, "bench_"); err != nil {
			return nil, err
		}
		dir := filepath.Join(dataDir, "temporal-server")
		p, _, err := startServer(ctx, log, serverSpec{serverBin: filepath.Join(bin, "temporal-server"),
			sqlToolBin: filepath.Join(bin, "temporal-sql-tool"), adminURL: adminURL, dbPrefix: "bench_", dir: dir,
			namespace: namespace, retention: 24 * time.Hour, frontendPort: frontend})
		if err != nil {
			return nil, err
		}
		return p.stop, nil
	}
}
