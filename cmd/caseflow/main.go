// Command caseflow is the one binary: the API, the worker, migrations, local
// development, user tokens, the bench and the chaos suite. Each subcommand
// is one cmd_*.go file; cmd_root.go builds the tree.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

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

// exitCode is a status main exits with as it is, printing nothing: a
// child's through `dev exec`, chaos's when a promise fails.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run runs the command args name, as main does, but in process: help and
// command output go to stdout, and every failure comes back as an error.
func run(ctx context.Context, log *slog.Logger, args []string, stdout io.Writer) error {
	root := newRootCommand(log, stdout)
	root.SetArgs(args)
	// cobra reports an unknown command while finding it, before any
	// hook of ours runs; the hint to --help is added here.
	if cmd, _, err := root.Find(args); err != nil {
		return usageError(cmd, err)
	}
	return root.ExecuteContext(ctx)
}
