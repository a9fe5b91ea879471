package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The officers' workspace signs people in by a single-use link e-mailed to
// them, then keeps a server-side session: a row per session, so that
// signing out and deactivating a user end it at once (docs/ARCHITECTURE.md).

// newSecret is 32 random bytes, URL-safe.
func newSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// RecordSignInRequest notes a request for a sign-in link to email and
// returns how many were made for that address within window, this one
// included. Unknown addresses are counted like known ones.
func (s *Store) RecordSignInRequest(ctx context.Context, email string, window time.Duration) (int, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var n int
	err := s.db.GetContext(ctx, &n, `
		WITH ins AS (INSERT INTO sign_in_requests (email) VALUES ($1))
		SELECT count(*) + 1 FROM sign_in_requests
		WHERE email = $1 AND requested_at > now() - make_interval(secs => $2)`, email, window.Seconds())
	if err != nil {
		return 0, fmt.Errorf("record sign-in request: %w", err)
	}
	// Old requests say nothing any more; they go as new ones come.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sign_in_requests WHERE requested_at < now() - interval '1 day'`); err != nil {
		return 0, fmt.Errorf("purge sign-in requests: %w", err)
	}
	return n, nil
}

// UserByEmail finds a user by e-mail, in any case.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, strings.TrimSpace(email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// CreateSignInLink mints a single-use sign-in token for a user, valid for
// ttl. The token is returned once; only its SHA-256 is kept.
func (s *Store) CreateSignInLink(ctx context.Context, userID string, ttl time.Duration) (string, error) {
	token, err := newSecret()
	if err != nil {
		return "", err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO sign_in_links (token_hash, user_id, expires_at)
		VALUES ($1, $2, now() + make_interval(secs => $3))`, hashToken(token), userID, ttl.Seconds())
	if err != nil {
		return "", fmt.Errorf("store sign-in link: %w", err)
	}
	return token, nil
}

// SignInLinkUser reports whose live (unused, unexpired) link this is,
// without using it: the page behind the link asks before signing in, so
// that a mail scanner opening links spends nothing.
func (s *Store) SignInLinkUser(ctx context.Context, token string) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `
		SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.created_at, u.deactivated_at
		FROM sign_in_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() AND u.deactivated_at IS NULL`, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("find sign-in link: %w", err)
	}
	return u, nil
}

// UseSignInLink spends a live link and returns its user: a second use, an
// expired link or a deactivated user is ErrNotFound.
func (s *Store) UseSignInLink(ctx context.Context, token string) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `
		WITH l AS (
			UPDATE sign_in_links SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
			RETURNING user_id
		)
		SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.created_at, u.deactivated_at
		FROM l JOIN users u ON u.id = l.user_id WHERE u.deactivated_at IS NULL`, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("use sign-in link: %w", err)
	}
	return u, nil
}

// Session is a signed-in browser as the server keeps it.
type Session struct {
	UserID    string    `db:"user_id"`
	CSRFToken string    `db:"csrf_token"`
	CreatedAt time.Time `db:"created_at"`
	ExpiresAt time.Time `db:"expires_at"`
}

// CreateSession starts a session for a user that ends at the latest after
// max. It returns the session's token (for the cookie; only its hash is
// kept) and the session with its CSRF token.
func (s *Store) CreateSession(ctx context.Context, userID string, max time.Duration) (string, Session, error) {
	token, err := newSecret()
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := newSecret()
	if err != nil {
		return "", Session{}, err
	}
	var sess Session
	err = s.db.GetContext(ctx, &sess, `INSERT INTO web_sessions (token_hash, user_id, csrf_token, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))
		RETURNING user_id, csrf_token, created_at, expires_at`, hashToken(token), userID, csrf, max.Seconds())
	if err != nil {
		return "", Session{}, fmt.Errorf("store session: %w", err)
	}
	return token, sess, nil
}

// SessionUser finds the live session of token and its user, and marks it
// seen. A session ended, past its absolute expiry, idle longer than idle,
// or of a deactivated user is ErrNotFound. It is marked seen at most once
// a minute: a page read is then a read only, with nothing to flush to the
// write-ahead log, and idleness is measured to the minute.
func (s *Store) SessionUser(ctx context.Context, token string, idle time.Duration) (User, Session, error) {
	var row struct {
		User
		SessUserID string    `db:"user_id"`
		CSRFToken  string    `db:"csrf_token"`
		SessAt     time.Time `db:"session_created_at"`
		ExpiresAt  time.Time `db:"expires_at"`
	}
	err := s.get(ctx, &row, `
		WITH ses AS (
			SELECT token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at FROM web_sessions
			WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > now()
				AND last_seen_at > now() - make_interval(secs => $2)
		), seen AS (
			UPDATE web_sessions w SET last_seen_at = now() FROM ses
			WHERE w.token_hash = ses.token_hash AND ses.last_seen_at < now() - interval '1 minute'
		)
		SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.created_at, u.deactivated_at,
			ses.user_id, ses.csrf_token, ses.created_at AS session_created_at, ses.expires_at
		FROM ses JOIN users u ON u.id = ses.user_id WHERE u.deactivated_at IS NULL`, hashToken(token), idle.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, Session{}, ErrNotFound
	}
	if err != nil {
		return User{}, Session{}, fmt.Errorf("find session: %w", err)
	}
	return row.User, Session{UserID: row.SessUserID, CSRFToken: row.CSRFToken, CreatedAt: row.SessAt, ExpiresAt: row.ExpiresAt}, nil
}

// EndSession signs a session out; ending an ended or unknown one is no error.
func (s *Store) EndSession(ctx context.Context, token string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE web_sessions SET ended_at = coalesce(ended_at, now()) WHERE token_hash = $1`, hashToken(token))
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
