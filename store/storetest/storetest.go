// Package storetest gives each test its own migrated Postgres database,
// dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
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

// NewDatabase creates an empty database and returns its URL. It is dropped
// when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL()
	admin, err := sqlx.Open("postgres", server)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close() })

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "caseflow_test_" + hex.EncodeToString(b)
	_, err = admin.Exec(`CREATE DATABASE ` + name)
	require.NoError(t, err, "create test database on %s", server)
	t.Cleanup(func() {
		_, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})

	u, err := url.Parse(server)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// New returns a Store on a fresh, migrated database.
func New(t testing.TB) (*store.Store, string) {
	t.Helper()
	dbURL := NewDatabase(t)
	ctx := context.Background()
	s, err := store.Open(ctx, dbURL, 10)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, store.Migrate(ctx, s, slog.New(slog.DiscardHandler)))
	return s, dbURL
}
