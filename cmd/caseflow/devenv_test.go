package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/temporalclient/devserver"
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// pgDataDir returns a fresh directory the postgres OS user can reach: t.TempDir() creates its
// parent with mode 0700, which would stop initdb (run as postgres when we are root) at the door.
func pgDataDir(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	require.NoError(t, os.Chmod(dir, 0o755))
	return filepath.Join(dir, "dev")
}

// startFallback runs ensurePostgres against a closed port, so it must create and start its own cluster.
func startFallback(t *testing.T, dataDir, database string) (string, func()) {
	port, err := freePort()
	require.NoError(t, err)
	closedURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, database)
	require.False(t, postgresAnswers(t.Context(), closedURL, time.Second))

	pgURL, stop, err := ensurePostgres(t.Context(), testLogger(t), closedURL, dataDir)
	require.NoError(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return pgURL, func() { stopped = true; stop() }
}

func TestEnsurePostgresStartsLocalCluster(t *testing.T) {
	storetest.SkipShort(t)
	ctx := t.Context()
	dataDir := pgDataDir(t)

	pgURL, stop := startFallback(t, dataDir, "devtest")
	u, err := url.Parse(pgURL)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", u.Hostname())
	require.Equal(t, "postgres", u.User.Username())
	require.Equal(t, "/devtest", u.Path)
	require.Equal(t, "disable", u.Query().Get("sslmode"))
	require.FileExists(t, filepath.Join(dataDir, "pgdata", "PG_VERSION"))

	require.NoError(t, ensureDatabase(ctx, pgURL))
	require.NoError(t, ensureDatabase(ctx, pgURL), "must be idempotent")
	db, err := sql.Open("postgres", pgURL)
	require.NoError(t, err)
	var one int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT 1").Scan(&one))
	require.Equal(t, 1, one)
	require.NoError(t, db.Close())

	stop()
	require.Eventually(t, func() bool { return !postgresAnswers(ctx, pgURL, time.Second) }, 15*time.Second, 100*time.Millisecond)

	// A later run reuses the cluster: the database created above is still there.
	pgURL2, stop2 := startFallback(t, dataDir, "devtest")
	db, err = sql.Open("postgres", pgURL2)
	require.NoError(t, err)
	require.NoError(t, db.PingContext(ctx), "devtest should survive a restart")
	require.NoError(t, db.Close())
	stop2()
	require.Eventually(t, func() bool { return !postgresAnswers(ctx, pgURL2, time.Second) }, 15*time.Second, 100*time.Millisecond)
}

func TestEnsurePostgresKeepsAnsweringURL(t *testing.T) {
	storetest.SkipShort(t)
	ctx := t.Context()
	running := os.Getenv("CASEFLOW_TEST_DATABASE_URL")
	if running == "" {
		running = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	if !postgresAnswers(ctx, running, 3*time.Second) {
		// Machines without a system Postgres still exercise this path, against a cluster of our own.
		running, _ = startFallback(t, pgDataDir(t), "postgres")
	}

	dataDir := t.TempDir()
	got, stop, err := ensurePostgres(ctx, testLogger(t), running, dataDir)
	require.NoError(t, err)
	stop()
	require.Equal(t, running, got)
	entries, err := os.ReadDir(dataDir)
	require.NoError(t, err)
	require.Empty(t, entries, "no cluster should be created when url answers")
	require.True(t, postgresAnswers(ctx, running, 3*time.Second), "the no-op stop must leave the server alone")
}

func TestEnsureTemporal(t *testing.T) {
	devserver.SkipShort(t)
	bin, err := filepath.Abs(temporalCLI(t))
	require.NoError(t, err)
	port, err := freePort()
	require.NoError(t, err)
	uiPort, err := freePort()
	require.NoError(t, err)
	address := "127.0.0.1:" + strconv.Itoa(port)
	dataDir := filepath.Join(t.TempDir(), "temporal")

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	stop, err := ensureTemporal(ctx, testLogger(t), bin, address, uiPort, "caseflow-test", dataDir)
	require.NoError(t, err)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	require.True(t, temporalAnswers(address, time.Second))
	require.FileExists(t, filepath.Join(dataDir, "temporal.db"))
	require.FileExists(t, filepath.Join(dataDir, "temporal.log"))

	// Already running: nothing new is started and the returned stop must not touch the server.
	noop, err := ensureTemporal(ctx, testLogger(t), bin, address, uiPort, "caseflow-test", dataDir)
	require.NoError(t, err)
	noop()
	require.True(t, temporalAnswers(address, time.Second))

	stopped = true
	stop()
	require.Eventually(t, func() bool { return !temporalAnswers(address, 200*time.Millisecond) }, 15*time.Second, 100*time.Millisecond)
}
