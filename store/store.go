// Package store is caseflow's Postgres: the projection of case workflows,
// users and API tokens. The SQL lives next to the code that runs it.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/json"
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

	// Fixed SQL on the hot paths (an update's projection write and its
	// transaction's statements, the token check, a case's detail) runs as
	// statements prepared once per pooled connection: one round trip each
	// instead of two, and no planning.
	mu    sync.Mutex
	stmts map[string]*sqlx.Stmt
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
	for _, stmt := range s.stmts {
		stmt.Close()
	}
	return s.db.Close()
}

// prepared returns query as a prepared statement, preparing it on first
// use (the schema must exist by then). Only for fixed SQL: each distinct
// text is kept for the life of the Store.
func (s *Store) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	s.mu.Lock()
	stmt, ok := s.stmts[query]
	s.mu.Unlock()
	if ok {
		return stmt, nil
	}
	// Prepared outside the lock: a slow or unreachable Postgres holds up
	// this caller only, not every read of an already prepared statement.
	stmt, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if first, ok := s.stmts[query]; ok {
		stmt.Close() // another caller prepared it meanwhile
		return first, nil
	}
	if s.stmts == nil {
		s.stmts = map[string]*sqlx.Stmt{}
	}
	s.stmts[query] = stmt
	return stmt, nil
}

// get and list run fixed SQL as prepared statements, like sqlx's Get and
// Select.
func (s *Store) get(ctx context.Context, dest any, query string, args ...any) error {
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	return stmt.GetContext(ctx, dest, args...)
}

func (s *Store) list(ctx context.Context, dest any, query string, args ...any) error {
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	return stmt.SelectContext(ctx, dest, args...)
}

// prepareAll prepares queries that a transaction will run (txExec and
// txGet), before it begins.
func (s *Store) prepareAll(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, err := s.prepared(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// txExec and txGet run fixed SQL inside tx, as the statement prepareAll
// prepared (prepared again on tx's connection at its first use there,
// which needs no other connection). SQL not prepared beforehand runs
// unprepared rather than take a second connection from the pool while
// tx holds one.
func (s *Store) txExec(ctx context.Context, tx *sqlx.Tx, query string, args ...any) (sql.Result, error) {
	if stmt := s.preparedOnly(query); stmt != nil {
		return tx.StmtxContext(ctx, stmt).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

func (s *Store) txGet(ctx context.Context, tx *sqlx.Tx, dest any, query string, args ...any) error {
	if stmt := s.preparedOnly(query); stmt != nil {
		return tx.StmtxContext(ctx, stmt).GetContext(ctx, dest, args...)
	}
	return tx.GetContext(ctx, dest, query, args...)
}

// preparedOnly is query's prepared statement, or nil when it has none yet.
func (s *Store) preparedOnly(query string) *sqlx.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stmts[query]
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

// IsRefused reports whether err means Postgres refused a value for good,
// so that writing the same thing again can only fail the same way: a data
// exception (SQLSTATE class 22: a NUL byte in text, "\u0000" in jsonb, a
// number or date out of range) or a program limit (class 54: a row or
// index entry too large), or a row no retry makes valid (a reference to
// a user who does not exist, a missing or out-of-range value: 23503,
// 23502, 23514). So is a value that cannot even be encoded as JSON. Anything else, a Postgres that is unreachable or restarting
// (IsUnavailable), a serialization failure or a deadlock (class 40), may
// pass when tried again, and is not a refusal.
func IsRefused(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "22", "54": // data exception, program limit exceeded
			return true
		}
		switch pqErr.Code {
		// A reference to a user who does not exist (an assignee sent
		// straight to Temporal), a missing or out-of-range value: no retry
		// can make the same row valid.
		case "23502", "23503", "23514": // not_null, foreign_key, check violations
			return true
		}
		return false
	}
	var marshalErr *json.MarshalerError
	var unsupported *json.UnsupportedValueError
	return errors.As(err, &marshalErr) || errors.As(err, &unsupported)
}

// SQLState returns the SQLSTATE of the Postgres error in err and the name
// of its condition ("untranslatable_character"), or "" and "" when err
// holds none.
func SQLState(err error) (code, condition string) {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return "", ""
	}
	return string(pqErr.Code), pqErr.Code.Name()
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
