// Package devserver starts Temporal dev servers for tests: from the
// temporal CLI named by CASEFLOW_TEMPORAL_BIN (bin/temporal at the module
// root when unset, as `make test` builds it), on free ports, tuned as
// caseflow runs it, with the case search attributes registered. Postgres
// comes from store/storetest; the worker is wired by the tests that need
// one (docs/ARCHITECTURE.md, "Tests in two tiers").
//
// A missing CLI is an error, never a skip. The one skip is the tier
// boundary: under `go test -short` (the fast tier, no services) New skips
// its test.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// BinaryEnv names the temporal CLI the tests run.
const BinaryEnv = "CASEFLOW_TEMPORAL_BIN"

// Options adjust a dev server.
type Options struct {
	// Bare leaves the case search attributes unregistered, for the tests
	// of their registration.
	Bare bool
	// Log takes the SDK client's log; nil discards it.
	Log *slog.Logger
}

// Binary is the temporal CLI: CASEFLOW_TEMPORAL_BIN, or bin/temporal at
// the module root. It must exist.
func Binary() (string, error) {
	bin := os.Getenv(BinaryEnv)
	if bin == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		bin = filepath.Join(root, "bin", "temporal")
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("no temporal CLI at %s (set %s, or run the tests with `make test`, which builds it): %w", bin, BinaryEnv, err)
	}
	return bin, nil
}

// moduleRoot is the directory of go.mod above the working directory (a
// test runs in its package's directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start starts a dev server on free ports, with its "default" namespace;
// the caller stops it. A TestMain uses it; a test uses New.
func Start(ctx context.Context, opts Options) (*testsuite.DevServer, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	devOpts := testsuite.DevServerOptions{
		ExistingPath:  bin,
		ClientOptions: &client.Options{Namespace: "default", Logger: tlog.NewStructuredLogger(log)},
		LogLevel:      "error",
		Stdout:        io.Discard,
		ExtraArgs:     temporalclient.DevServerArgs(),
	}
	if !opts.Bare {
		// In production the worker registers them at start-up.
		devOpts.SearchAttributes = SearchAttributes()
	}
	dev, err := testsuite.StartDevServer(ctx, devOpts)
	if err != nil {
		return nil, fmt.Errorf("start a temporal dev server from %s: %w", bin, err)
	}
	return dev, nil
}

// New starts a dev server for t, stopped when t ends. It is of the full
// tier: under -short it skips t.
func New(t testing.TB, opts Options) *testsuite.DevServer {
	t.Helper()
	SkipShort(t)
	dev, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dev.Stop() })
	return dev
}

// SkipShort skips t under -short: it needs a Temporal dev server, which
// the fast tier does without.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a Temporal dev server: full tier only (make test), not -short")
	}
}

// SearchAttributes are the case search attributes as the dev server takes
// them: it registers the key of whatever value it is given.
func SearchAttributes() temporal.SearchAttributes {
	var updates []temporal.SearchAttributeUpdate
	for _, k := range temporalclient.SearchAttributeKeys() {
		switch k := k.(type) {
		case temporal.SearchAttributeKeyKeyword:
			updates = append(updates, k.ValueSet("x"))
		case temporal.SearchAttributeKeyTime:
			updates = append(updates, k.ValueSet(time.Unix(0, 0)))
		case temporal.SearchAttributeKeyBool:
			updates = append(updates, k.ValueSet(false))
		}
	}
	return temporal.NewSearchAttributes(updates...)
}
