package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// NotificationKey names one e-mail as the workflow decided it. CaseID is
// empty for e-mails about no single case (the daily digest).
type NotificationKey struct {
	CaseID    string
	Kind      string
	Seq       int64
	Recipient string
}

// ClaimNotification returns the ID of the notification row for key,
// creating it on first use, and whether it was already sent.
func (s *Store) ClaimNotification(ctx context.Context, key NotificationKey) (string, bool, error) {
	var caseID *string
	if key.CaseID != "" {
		caseID = &key.CaseID
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO notifications (id, case_id, kind, seq, recipient) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, uuid.Must(uuid.NewV7()).String(), caseID, key.Kind, key.Seq, key.Recipient)
	if err != nil {
		return "", false, fmt.Errorf("claim notification: %w", err)
	}
	var row struct {
		ID     string       `db:"id"`
		SentAt sql.NullTime `db:"sent_at"`
	}
	err = s.db.GetContext(ctx, &row, `
		SELECT id, sent_at FROM notifications
		WHERE coalesce(case_id, '00000000-0000-0000-0000-000000000000') = coalesce($1::uuid, '00000000-0000-0000-0000-000000000000')
			AND kind = $2 AND seq = $3 AND recipient = $4`, caseID, key.Kind, key.Seq, key.Recipient)
	if err != nil {
		return "", false, fmt.Errorf("read notification: %w", err)
	}
	return row.ID, row.SentAt.Valid, nil
}

// MarkNotificationSent records that the e-mail went out, and to which user
// when it went to one (userID empty otherwise): it is then in their
// notification list too.
func (s *Store) MarkNotificationSent(ctx context.Context, id, to, subject, userID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE notifications SET sent_at = now(), to_address = $2, subject = $3,
		user_id = NULLIF($4, '')::uuid WHERE id = $1`, id, to, subject, userID)
	if err != nil {
		return fmt.Errorf("mark notification sent: %w", err)
	}
	return nil
}

// Notification is a sent or pending e-mail, for tests and audits.
type Notification struct {
	ID        string         `db:"id"`
	CaseID    sql.NullString `db:"case_id"`
	Kind      string         `db:"kind"`
	Seq       int64          `db:"seq"`
	Recipient string         `db:"recipient"`
	ToAddress string         `db:"to_address"`
	Subject   string         `db:"subject"`
	SentAt    sql.NullTime   `db:"sent_at"`
}

// Notifications lists a case's e-mails in the order they were decided.
func (s *Store) Notifications(ctx context.Context, caseID string) ([]Notification, error) {
	out := []Notification{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id, case_id, kind, seq, recipient, to_address, subject, sent_at
		FROM notifications WHERE case_id = $1 ORDER BY seq, kind, recipient`, caseID)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return out, nil
}

// CreatePortalToken mints a link token for a case: 32 random bytes, of
// which only the SHA-256 is stored. The token is returned once.
func (s *Store) CreatePortalToken(ctx context.Context, caseID, notificationID string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("portal token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	_, err := s.db.ExecContext(ctx, `INSERT INTO portal_tokens (token_hash, case_id, notification_id) VALUES ($1, $2, $3)`,
		hashToken(token), caseID, notificationID)
	if err != nil {
		return "", fmt.Errorf("store portal token: %w", err)
	}
	return token, nil
}

// PortalToken is what a portal link resolves to.
type PortalToken struct {
	CaseID    string       `db:"case_id"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

// PortalTokenCase finds the case a portal link belongs to.
func (s *Store) PortalTokenCase(ctx context.Context, token string) (PortalToken, error) {
	var t PortalToken
	err := s.db.GetContext(ctx, &t, `SELECT case_id, revoked_at FROM portal_tokens WHERE token_hash = $1`, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return PortalToken{}, ErrNotFound
	}
	if err != nil {
		return PortalToken{}, fmt.Errorf("portal token: %w", err)
	}
	return t, nil
}

// RevokePortalTokens ends every link of a case.
func (s *Store) RevokePortalTokens(ctx context.Context, caseID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE portal_tokens SET revoked_at = $2 WHERE case_id = $1 AND revoked_at IS NULL`, caseID, at)
	if err != nil {
		return fmt.Errorf("revoke portal tokens: %w", err)
	}
	return nil
}

// OverdueCase is one line of an officer's digest.
type OverdueCase struct {
	ID         string         `db:"id"`
	CaseNumber string         `db:"case_number"`
	Title      string         `db:"title"`
	DueDate    sql.NullTime   `db:"due_date"`
	AssignedTo sql.NullString `db:"assigned_to"`
}

// OverdueCases lists every overdue case, oldest due date first.
func (s *Store) OverdueCases(ctx context.Context) ([]OverdueCase, error) {
	out := []OverdueCase{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT id, case_number, title, due_date, assigned_to FROM cases
		WHERE overdue ORDER BY due_date, case_number`)
	if err != nil {
		return nil, fmt.Errorf("overdue cases: %w", err)
	}
	return out, nil
}

// Officers lists the users who may own cases: compliance officers and
// bank admins.
func (s *Store) Officers(ctx context.Context) ([]User, error) {
	out := []User{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+userColumns+` FROM users
		WHERE role IN ('COMPLIANCE_OFFICER', 'BANK_ADMIN') AND deactivated_at IS NULL ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("officers: %w", err)
	}
	return out, nil
}

// Inbox is one entry of a user's notification list: an e-mail they were
// sent, and whether they have read it.
type Inbox struct {
	ID         string         `db:"id"`
	CaseID     sql.NullString `db:"case_id"`
	CaseNumber sql.NullString `db:"case_number"`
	Kind       string         `db:"kind"`
	Subject    string         `db:"subject"`
	SentAt     time.Time      `db:"sent_at"`
	ReadAt     sql.NullTime   `db:"read_at"`
}

// UserNotifications lists a user's notifications, unread first, newest
// first within each, at most limit; and how many are unread in all.
func (s *Store) UserNotifications(ctx context.Context, userID string, limit int) ([]Inbox, int, error) {
	out := []Inbox{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT n.id, n.case_id, c.case_number, n.kind, n.subject, n.sent_at, n.read_at
		FROM notifications n LEFT JOIN cases c ON c.id = n.case_id
		WHERE n.user_id = $1 AND n.sent_at IS NOT NULL
		ORDER BY n.read_at IS NOT NULL, n.created_at DESC, n.id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("user notifications: %w", err)
	}
	var unread int
	err = s.db.GetContext(ctx, &unread, `SELECT count(*) FROM notifications
		WHERE user_id = $1 AND sent_at IS NOT NULL AND read_at IS NULL`, userID)
	if err != nil {
		return nil, 0, fmt.Errorf("unread notifications: %w", err)
	}
	return out, unread, nil
}

// UnreadNotifications counts a user's unread notifications: the bell.
func (s *Store) UnreadNotifications(ctx context.Context, userID string) (int, error) {
	var unread int
	err := s.get(ctx, &unread, `SELECT count(*) FROM notifications
		WHERE user_id = $1 AND sent_at IS NOT NULL AND read_at IS NULL`, userID)
	if err != nil {
		return 0, fmt.Errorf("unread notifications: %w", err)
	}
	return unread, nil
}

// MarkNotificationsRead marks a user's notifications read: the one named,
// or all when id is empty. Another user's notification is ErrNotFound.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID, id string) error {
	if id == "" {
		_, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = now()
			WHERE user_id = $1 AND read_at IS NULL`, userID)
		if err != nil {
			return fmt.Errorf("mark notifications read: %w", err)
		}
		return nil
	}
	res, err := s.db.ExecContext(ctx, `UPDATE notifications SET read_at = coalesce(read_at, now())
		WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
