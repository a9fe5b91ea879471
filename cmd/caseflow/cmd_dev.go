package main

import (
	"path/filepath"

	"github.com/spf13/cobra"
)

func (c *cli) devCommand() *cobra.Command {
	var temporalBin string
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "start Temporal and Postgres locally when missing, migrate, serve",
		Long: `dev runs everything on one machine with one command (make run runs it):
the Temporal dev server when none answers at temporal.address, with the UI
decoding payloads through caseflow's codec; a Postgres cluster in .data
when none answers at database.url; migrations; then the API and the worker
in one process. Without codec.keys it encrypts local histories under a key
kept in .data/codec.keys. Ctrl-C stops everything it started.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dev(cmd.Context(), c.log, c.configFile, temporalBin)
		},
	}
	// Persistent, as `dev exec` has always accepted it (and ignores it).
	cmd.PersistentFlags().StringVar(&temporalBin, "temporal", envOr("CASEFLOW_TEMPORAL_BIN", filepath.Join("bin", "temporal")),
		"the temporal CLI, to start a dev server when none answers (dev exec ignores it)")
	cmd.AddCommand(c.devExecCommand())
	return cmd
}

func (c *cli) devExecCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec [flags] [--] CMD [ARGS...]",
		Short: "run CMD with CASEFLOW_TEST_DATABASE_URL set to a Postgres server",
		Long: `dev exec provisions Postgres as dev does (the server the tests use when
one answers, else a cluster in .data), runs CMD with
CASEFLOW_TEST_DATABASE_URL set, then stops what it started. caseflow exits
with CMD's exit status. Flags of caseflow come before CMD; everything from
CMD (or after --) is CMD's.`,
		Example: examples(
			"caseflow dev exec -- go test -count=1 ./...",
			"caseflow dev exec -- sh -c 'go test ./store/...'",
		),
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return devExec(cmd.Context(), c.log, args)
		},
	}
	// CMD's own flags are CMD's, even without --.
	cmd.Flags().SetInterspersed(false)
	return cmd
}
