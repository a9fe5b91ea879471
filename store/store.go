// Package store is caseflow's Postgres: the projection of case workflows,
// users and API tokens. The SQL lives next to the code that runs it.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the Postgres handle every caseflow process shares.
type Store struct {
	db *sqlx.DB

	// The statements on every request's path, prepared on first use (the
	// schema must exist first): one round trip each instead of two, and no
	// planning. rowWrite is the write every investigation update runs
	// inside its workflow task; tokenUser the API's check of every call.
	mu                  sync.Mutex
	rowWrite, tokenUser *sqlx.Stmt
}

// Open connects to Postgres and checks that it answers.
func Open(ctx context.Context, url string, maxOpenConns int) (*Store, error) {
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{db: db}, nil
}

// Close releases the connections.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, stmt := range []*sqlx.Stmt{s.rowWrite, s.tokenUser} {
		if stmt != nil {
			stmt.Close()
		}
	}
	return s.db.Close()
}

// prepared returns stmt prepared from query, preparing it on first use.
func (s *Store) prepared(ctx context.Context, stmt **sqlx.Stmt, query string) (*sqlx.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *stmt == nil {
		p, err := s.db.PreparexContext(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*stmt = p
	}
	return *stmt, nil
}

// Ping reports whether Postgres answers, for readiness checks.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// DB exposes the handle to tests and tools in this module.
func (s *Store) DB() *sqlx.DB { return s.db }

// Migrate brings the schema up to date with the migrations embedded in the
// binary.
func Migrate(ctx context.Context, s *Store, log *slog.Logger) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.db.DB, dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// IsUnavailable reports whether err means Postgres could not be reached,
// as opposed to a query it refused. The API answers such errors with 503.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention
			return true
		}
	}
	return false
}

// JSON is a jsonb column that may be NULL; NULL reads as JSON null.
type JSON []byte

// Scan implements sql.Scanner.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append((*j)[:0], v...)
	case string:
		*j = JSON(v)
	default:
		return fmt.Errorf("store.JSON: cannot scan %T", src)
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}
