// Command caseflow is the one binary: the API, the worker, migrations, local
// development and user tokens.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/caseflow/caseflow/config"
)

const usage = `caseflow runs compliance cases as Temporal workflows.

Usage:
  caseflow serve      API and worker in one process
  caseflow api        the HTTP API only
  caseflow worker     the Temporal worker only
  caseflow migrate    bring the database schema up to date
  caseflow dev        start Temporal and Postgres locally when missing, migrate, serve
  caseflow dev exec -- CMD [ARGS...]
                      provision Postgres as dev does, run CMD with
                      CASEFLOW_TEST_DATABASE_URL set, then stop what was started
  caseflow token create --email E --role R [--first-name F --last-name L]
                      create the user when missing and print a new bearer
                      token, valid for auth.tokenTTL (90 days by default)
  caseflow token list [--email E]
                      every token (or E's): ID, user, role, created,
                      expires, revoked
  caseflow token revoke ID
                      revoke a token at once
  caseflow bench [--concurrency 1,8,32,64] [--duration 5s] [--ops 500]
                 [--seed 1000000] [--open 0] [--scenarios …] [--json FILE]
                      measure caseflow against the raw Temporal SDK, on
                      loopback, with a dev server and a database of its own
  caseflow chaos [--cases 200] [--clients 8] [--faults worker,postgres,api,temporal]
                 [--deadline 15m] [--keep]
                      drive investigations to CLOSED while killing the worker,
                      Postgres, the API and Temporal in turn, then reconcile;
                      last line "N passed, N failed" (see caseflow chaos --help)

Every command reads caseflow.yaml (or --config FILE) and CASEFLOW_* variables.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(ctx, log, os.Args[1:], os.Stdout); err != nil {
		var exit exitCode
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "caseflow:", err)
		os.Exit(1)
	}
}

// exitCode passes a child's exit status through `dev exec`.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("caseflow "+cmd, flag.ContinueOnError)
	configFile := fs.String("config", "", "configuration file (default: ./caseflow.yaml when present)")

	switch cmd {
	case "serve", "api", "worker", "migrate":
		if err := fs.Parse(args); err != nil {
			return err
		}
		cfg, err := config.Load(*configFile)
		if err != nil {
			return err
		}
		if cmd == "migrate" {
			return migrate(ctx, log, cfg)
		}
		return serve(ctx, log, cfg, cmd != "worker", cmd != "api")
	case "dev":
		return dev(ctx, log, fs, args)
	case "token":
		return token(ctx, log, fs, args, stdout)
	case "bench":
		return bench(ctx, log, fs, args)
	case "chaos":
		return chaos(ctx, fs, args, stdout)
	}
	return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
}
