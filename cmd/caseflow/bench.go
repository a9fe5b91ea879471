package main

import (
	"context"
	"flag"
	"log/slog"

	// Named apart: main.go dispatches to this file's bench.
	benchcmd "github.com/caseflow/caseflow/cmd/caseflow/bench"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// bench runs `caseflow bench` (package bench) on the provisioning `caseflow
// dev` uses. It keeps the signature main dispatches to.
func bench(ctx context.Context, log *slog.Logger, fs *flag.FlagSet, args []string) error {
	return benchcmd.Run(ctx, log, fs, args, benchcmd.Setup{
		EnsurePostgres:           ensurePostgres,
		EnsureDatabase:           ensureDatabase,
		EnsureTemporal:           ensureTemporal,
		DialTemporal:             temporalclient.Dial,
		RegisterSearchAttributes: temporalclient.RegisterSearchAttributes,
		FreePort:                 freePort,
		WaitReady:                waitReady,
	})
}
