// Package storetest gives tests their own migrated Postgres databases,
// dropped when the test (or the test binary) ends. With
// workflows/temporalclient/devserver it is the tests' environment
// (docs/ARCHITECTURE.md, "Tests in two tiers"): a server that does not
// answer fails the test; only -short, the fast tier, skips it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the driver store.Open uses
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
)

// DefaultURL is the server tests use when CASEFLOW_TEST_DATABASE_URL is
// unset; `make test` sets it, starting a local cluster when none answers.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL is the Postgres server tests create their databases on.
func ServerURL() string {
	if u := os.Getenv("CASEFLOW_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Create makes an empty, migrated database and returns a Store on it, its
// URL, and a function that closes the store and drops the database.
func Create(ctx context.Context) (*store.Store, string, func() error, error) {
	server := ServerURL()
	admin, err := sqlx.Open("postgres", server)
	if err != nil {
		return nil, "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "caseflow_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		return nil, "", nil, fmt.Errorf("create test database on %s (run the tests with `make test`, which provisions Postgres): %w", server, err)
	}
	drop := func() error {
		defer admin.Close()
		_, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		return err
	}
	u, err := url.Parse(server)
	if err != nil {
		return nil, "", nil, errors.Join(err, drop())
	}
	u.Path = "/" + name
	s, err := store.Open(ctx, u.String(), 10)
	if err != nil {
		return nil, "", nil, errors.Join(err, drop())
	}
	if err := store.Migrate(ctx, s, slog.New(slog.DiscardHandler)); err != nil {
		s.Close()
		return nil, "", nil, errors.Join(err, drop())
	}
	cleanup := func() error {
		s.Close()
		return drop()
	}
	return s, u.String(), cleanup, nil
}

// New returns a Store on a fresh, migrated database dropped when t ends.
// It is of the full tier: under -short it skips t.
func New(t testing.TB) (*store.Store, string) {
	t.Helper()
	SkipShort(t)
	s, dbURL, cleanup, err := Create(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := cleanup(); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return s, dbURL
}

// SkipShort skips t under -short: it needs Postgres, which the fast tier
// does without.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Postgres: full tier only (make test), not -short")
	}
}
