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

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/lib/pq"
)

// User is someone who may call the API.
type User struct {
	ID        string        `db:"id"`
	Email     string        `db:"email"`
	FirstName string        `db:"first_name"`
	LastName  string        `db:"last_name"`
	Role      contract.Role `db:"role"`
	CreatedAt time.Time     `db:"created_at"`
	// DeactivatedAt is set once the user may no longer sign in.
	DeactivatedAt sql.NullTime `db:"deactivated_at"`
}

// Active reports whether the user may sign in and own cases.
func (u User) Active() bool { return !u.DeactivatedAt.Valid }

// Name is how the user appears in a timeline.
func (u User) Name() string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Email
}

const userColumns = `id, email, first_name, last_name, role, created_at, deactivated_at`

// EnsureUser returns the user with this e-mail, creating it when missing.
// An existing user keeps its role and name: tokens are issued, not roles.
func (s *Store) EnsureUser(ctx context.Context, email string, role contract.Role, firstName, lastName string) (User, bool, error) {
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

// Token is an issued bearer token as an operator sees it: never the token
// itself, which is not stored.
type Token struct {
	ID        string        `db:"id"`
	UserID    string        `db:"user_id"`
	Email     string        `db:"email"`
	Role      contract.Role `db:"role"`
	CreatedAt time.Time     `db:"created_at"`
	// ExpiresAt is nil for a token that never expires.
	ExpiresAt *time.Time `db:"expires_at"`
	RevokedAt *time.Time `db:"revoked_at"`
}

// UsersByID finds the users with these IDs, in no order; an unknown ID
// is left out. A page of cases reads its assignees with it, at once.
func (s *Store) UsersByID(ctx context.Context, ids []string) ([]User, error) {
	out := []User{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.list(ctx, &out, `SELECT `+userColumns+` FROM users WHERE id = ANY($1::uuid[])`, pq.StringArray(ids))
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	return out, nil
}

// ErrExists is a user that exists already.
var ErrExists = errors.New("already exists")

// CreateUser adds a user; an e-mail already taken (in any case) is
// ErrExists.
func (s *Store) CreateUser(ctx context.Context, email string, role contract.Role, firstName, lastName string) (User, error) {
	u, created, err := s.EnsureUser(ctx, email, role, firstName, lastName)
	if err != nil {
		return User{}, err
	}
	if !created {
		return User{}, ErrExists
	}
	return u, nil
}

// Users lists users by e-mail, of one role when role is not empty; the
// deactivated ones are left out unless inactive is set.
func (s *Store) Users(ctx context.Context, role contract.Role, inactive bool) ([]User, error) {
	out := []User{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+userColumns+` FROM users
		WHERE ($1 = '' OR role = $1) AND (deactivated_at IS NULL OR $2)
		ORDER BY lower(email)`, string(role), inactive)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserChange is what UpdateUser changes; nil fields stay as they are.
type UserChange struct {
	Role   *contract.Role
	Active *bool
}

// UpdateUser changes a user's role or whether they are active. Deactivating
// keeps the first deactivation's time; an unknown ID is ErrNotFound.
func (s *Store) UpdateUser(ctx context.Context, id string, ch UserChange) (User, error) {
	var role *string
	if ch.Role != nil {
		r := string(*ch.Role)
		role = &r
	}
	var u User
	err := s.db.GetContext(ctx, &u, `
		UPDATE users SET role = coalesce($2, role),
			deactivated_at = CASE WHEN $3::boolean IS NULL THEN deactivated_at
				WHEN $3 THEN NULL ELSE coalesce(deactivated_at, now()) END
		WHERE id = $1 RETURNING `+userColumns, id, role, ch.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("update user: %w", err)
	}
	return u, nil
}

// CreateToken issues a bearer token for a user, valid for ttl (0: until
// revoked). The token itself is returned once and never stored; only its
// SHA-256 is.
func (s *Store) CreateToken(ctx context.Context, userID string, ttl time.Duration) (string, Token, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Token{}, fmt.Errorf("token: %w", err)
	}
	token := "cf_" + base64.RawURLEncoding.EncodeToString(raw)
	// The expiry is reckoned on Postgres's clock, the one UserByToken
	// checks it against; NULL when the token never expires.
	var ttlSeconds *float64
	if ttl > 0 {
		secs := ttl.Seconds()
		ttlSeconds = &secs
	}
	var t Token
	err := s.db.GetContext(ctx, &t, `
		WITH t AS (
			INSERT INTO api_tokens (id, user_id, token_hash, expires_at)
			VALUES ($1, $2, $3, now() + make_interval(secs => $4))
			RETURNING id, user_id, created_at, expires_at, revoked_at
		)
		SELECT t.id, t.user_id, u.email, u.role, t.created_at, t.expires_at, t.revoked_at
		FROM t JOIN users u ON u.id = t.user_id`,
		uuid.Must(uuid.NewV7()).String(), userID, hashToken(token), ttlSeconds)
	if err != nil {
		return "", Token{}, fmt.Errorf("store token: %w", err)
	}
	return token, t, nil
}

// UserByToken finds the user a live bearer token belongs to: neither
// revoked nor expired.
func (s *Store) UserByToken(ctx context.Context, token string) (User, error) {
	var u User
	err := s.get(ctx, &u, `
		SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.created_at, u.deactivated_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.deactivated_at IS NULL
		  AND (t.expires_at IS NULL OR t.expires_at > now())`, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("find token: %w", err)
	}
	return u, nil
}

// Tokens lists issued tokens, oldest first, revoked and expired ones
// included; only the user's with this e-mail when it is not empty.
func (s *Store) Tokens(ctx context.Context, email string) ([]Token, error) {
	tokens := []Token{}
	err := s.db.SelectContext(ctx, &tokens, `
		SELECT t.id, t.user_id, u.email, u.role, t.created_at, t.expires_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE $1 = '' OR lower(u.email) = lower($1)
		ORDER BY t.created_at, t.id`, email)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return tokens, nil
}

// RevokeToken revokes a token at once: the next request with it is
// refused. Revoking a revoked token keeps its first revocation time;
// an unknown ID is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id string) (Token, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Token{}, ErrNotFound
	}
	var t Token
	err := s.db.GetContext(ctx, &t, `
		WITH t AS (
			UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
			WHERE id = $1
			RETURNING id, user_id, created_at, expires_at, revoked_at
		)
		SELECT t.id, t.user_id, u.email, u.role, t.created_at, t.expires_at, t.revoked_at
		FROM t JOIN users u ON u.id = t.user_id`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("revoke token: %w", err)
	}
	return t, nil
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
