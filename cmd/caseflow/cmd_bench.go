package main

import (
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	// Named apart from the command it serves.
	benchcmd "github.com/caseflow/caseflow/cmd/caseflow/bench"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// benchCommand runs package bench on the provisioning `caseflow dev` uses,
// so the figures stand on what a developer runs.
func (c *cli) benchCommand() *cobra.Command {
	var o benchcmd.Options
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
the table to stdout, and the results to --json when given.

Scenarios: raw, create, update, state, lifecycle, onboarding, detail, list
(over --seed cases); none runs none of them (with --open alone).`,
		Example: examples(
			"caseflow bench --concurrency 1,8 --seed 0     # a quick run",
			"caseflow bench --scenarios list --concurrency 1,8",
			"caseflow bench --open 10000 --scenarios none --seed 0",
		),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return benchcmd.Run(cmd.Context(), c.log, o, benchcmd.Setup{
				EnsurePostgres:           ensurePostgres,
				EnsureDatabase:           ensureDatabase,
				EnsureTemporal:           ensureTemporal,
				DialTemporal:             temporalclient.Dial,
				RegisterSearchAttributes: temporalclient.RegisterSearchAttributes,
				FreePort:                 freePort,
				WaitReady:                waitReady,
			})
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
	f.StringVar(&o.Database, "database", "", "a database to run on and keep (created when missing): seeded once, a million cases serve every later run")
	f.StringVar(&o.TemporalBin, "temporal", envOr("CASEFLOW_TEMPORAL_BIN", filepath.Join("bin", "temporal")), "the temporal CLI")
	return cmd
}
