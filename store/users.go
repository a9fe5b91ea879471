package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/caseflow/caseflow/workflows"
)

// User is someone who may call the API.
type User struct {
	ID        string         `db:"id"`
	Email     string         `db:"email"`
	FirstName string         `db:"first_name"`
	LastName  string         `db:"last_name"`
	Role      workflows.Role `db:"role"`
	CreatedAt time.Time      `db:"created_at"`
}

// Name is how the user appears in a timeline.
func (u User) Name() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Email
}

const userColumns = `id, email, first_name, last_name, role, created_at`

// EnsureUser returns the user with this e-mail, creating it when missing.
// An existing user keeps its role and name: tokens are issued, not roles.
func (s *Store) EnsureUser(ctx context.Context, email string, role workflows.Role, firstName, lastName string) (User, bool, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `
		INSERT INTO users (id, email, first_name, last_name, role)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (lower(email)) DO NOTHING
		RETURNING `+userColumns,
		uuid.Must(uuid.NewV7()).String(), email, firstName, lastName, string(role))
	if err == nil {
		return u, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return User{}, false, fmt.Errorf("create user: %w", err)
	}
	err = s.db.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, email)
	if err != nil {
		return User{}, false, fmt.Errorf("find user: %w", err)
	}
	return u, false, nil
}

// UserByID finds a user.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	var u User
	err := s.get(ctx, &u, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// CreateToken issues a bearer token for a user. The token itself is
// returned once and never stored; only its SHA-256 is.
func (s *Store) CreateToken(ctx context.Context, userID string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	token := "cf_" + base64.RawURLEncoding.EncodeToString(raw)
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO api_tokens (id, user_id, token_hash) VALUES ($1, $2, $3)`,
		uuid.Must(uuid.NewV7()).String(), userID, hashToken(token))
	if err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	return token, nil
}

// UserByToken finds the user a live bearer token belongs to.
func (s *Store) UserByToken(ctx context.Context, token string) (User, error) {
	var u User
	err := s.get(ctx, &u, `
		SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("find token: %w", err)
	}
	return u, nil
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
