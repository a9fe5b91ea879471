package main

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func (c *cli) chaosCommand() *cobra.Command {
	var (
		o      chaosOptions
		faults string
	)
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "drive investigations to CLOSED while killing the parts, then reconcile",
		Long: `chaos drives investigations through the API to CLOSED from concurrent
clients, each write retried with its Idempotency-Key until acknowledged,
while the worker, Postgres, the API and the Temporal dev server are killed
and brought back in turn (a Postgres cluster and a dev server of its own,
on loopback). Then it reconciles, from the API and from Postgres: every
acknowledged change in the audit timeline exactly once, every case CLOSED,
every e-mail delivered once to an SMTP sink, no answer but 2xx, 503 and
the 409s a retry expects, every key replaying its answer. The last line is
"N passed, N failed", N counting those promises; the exit status is 1 when
one fails.`,
		Example: examples(
			"caseflow chaos                          # make chaos",
			"caseflow chaos --cases 20 --clients 8 --lease 15s   # make test",
			"caseflow chaos --faults none            # a baseline without faults",
		),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return chaos(cmd.Context(), o, faults, c.stdout)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.cases, "cases", 200, "investigations to drive to CLOSED")
	f.IntVar(&o.clients, "clients", 8, "concurrent clients")
	f.StringVar(&faults, "faults", strings.Join(chaosFaultKinds(), ","),
		"faults to inject, in order, comma-separated: worker, postgres, api, temporal (repeat for more; none for a baseline)")
	f.DurationVar(&o.deadline, "deadline", 15*time.Minute, "the most the run may take, set-up included, to the last case CLOSED")
	f.DurationVar(&o.closeWithin, "close-within", 3*time.Minute, "every case must be CLOSED this long after the last fault")
	f.DurationVar(&o.recoverWithin, "recover-within", 3*time.Minute, "every client must be moving again this long after a fault")
	f.DurationVar(&o.pgOutage, "postgres-outage", 10*time.Second, "how long Postgres stays stopped")
	// Longer than temporal.callTimeout, so each outage shows what the API
	// answers once its calls time out, not only requests that wait.
	f.DurationVar(&o.down, "down", 12*time.Second, "how long a killed worker, API or Temporal server stays down")
	f.DurationVar(&o.settle, "settle", 2*time.Minute, "how long to wait for the last timeline events and e-mails before reconciling")
	f.DurationVar(&o.cfg.callTimeout, "call-timeout", 0, "temporal.callTimeout of the API (0: caseflow's default)")
	f.DurationVar(&o.cfg.lease, "lease", 0, "idempotency.lease of the API (0: caseflow's default)")
	f.BoolVar(&o.cfg.serve, "serve", false, "run the API and the worker as one caseflow serve process (as make run does); worker and api faults kill it")
	f.BoolVar(&o.keep, "keep", false, "keep the run's directory (logs, data) and print where it is")
	f.StringVar(&o.cfg.temporalBin, "temporal", envOr("CASEFLOW_TEMPORAL_BIN", filepath.Join("bin", "temporal")), "the temporal CLI")
	return cmd
}
