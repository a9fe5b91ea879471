package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Claim is the outcome of presenting an Idempotency-Key.
type Claim struct {
	// Acquired: this request runs, creating ResourceID if it creates.
	Acquired   bool
	ResourceID string
	// Replay holds the earlier answer to the same request.
	Replay *StoredResponse
	// InFlight: the same request is running now.
	InFlight bool
	// Mismatch: the key was used for another request.
	Mismatch bool
}

// StoredResponse is an answer kept for replay.
type StoredResponse struct {
	Status int
	Body   []byte
}

// ClaimIdempotencyKey decides what a request with this key may do. A new
// key (or one past its expiry) is acquired with resourceID; an unanswered
// one whose lease lapsed (its process died) is taken over, keeping the
// resource ID the first attempt chose.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, userID, key string, hash []byte, resourceID string, lease, ttl time.Duration) (Claim, error) {
	var claim Claim
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO idempotency_keys (user_id, key, request_hash, resource_id, lease_until, expires_at)
			VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond', now() + $6 * interval '1 millisecond')
			ON CONFLICT DO NOTHING`, userID, key, hash, resourceID, lease.Milliseconds(), ttl.Milliseconds())
		if err != nil {
			return fmt.Errorf("claim idempotency key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			claim = Claim{Acquired: true, ResourceID: resourceID}
			return nil
		}
		var row struct {
			Hash       []byte        `db:"request_hash"`
			ResourceID string        `db:"resource_id"`
			Status     sql.NullInt64 `db:"response_status"`
			Body       []byte        `db:"response_body"`
			Leased     bool          `db:"leased"`
			Expired    bool          `db:"expired"`
		}
		err = tx.GetContext(ctx, &row, `
			SELECT request_hash, resource_id, response_status, response_body,
				lease_until > now() AS leased, expires_at < now() AS expired
			FROM idempotency_keys WHERE user_id = $1 AND key = $2 FOR UPDATE`, userID, key)
		if err != nil {
			return fmt.Errorf("read idempotency key: %w", err)
		}
		switch {
		case row.Expired:
			claim = Claim{Acquired: true, ResourceID: resourceID}
			_, err = tx.ExecContext(ctx, `
				UPDATE idempotency_keys SET request_hash = $3, resource_id = $4, response_status = NULL,
					response_body = NULL, lease_until = now() + $5 * interval '1 millisecond',
					expires_at = now() + $6 * interval '1 millisecond', created_at = now()
				WHERE user_id = $1 AND key = $2`, userID, key, hash, resourceID, lease.Milliseconds(), ttl.Milliseconds())
		case !bytes.Equal(row.Hash, hash):
			claim = Claim{Mismatch: true}
		case row.Status.Valid:
			claim = Claim{Replay: &StoredResponse{Status: int(row.Status.Int64), Body: row.Body}}
		case row.Leased:
			claim = Claim{InFlight: true}
		default:
			claim = Claim{Acquired: true, ResourceID: row.ResourceID}
			_, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET lease_until = now() + $3 * interval '1 millisecond'
				WHERE user_id = $1 AND key = $2`, userID, key, lease.Milliseconds())
		}
		return err
	})
	return claim, err
}

// FinishIdempotencyKey keeps the answer to replay.
func (s *Store) FinishIdempotencyKey(ctx context.Context, userID, key string, status int, body []byte) error {
	_, err := s.db.ExecContext(ctx, `UPDATE idempotency_keys SET response_status = $3, response_body = $4
		WHERE user_id = $1 AND key = $2`, userID, key, status, body)
	if err != nil {
		return fmt.Errorf("finish idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a key whose request failed on our side,
// so a retry runs again (and, by the resource ID, converges).
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID, key string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE idempotency_keys SET lease_until = now() WHERE user_id = $1 AND key = $2
		AND response_status IS NULL`, userID, key)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotencyKeys deletes keys past their expiry.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE expires_at < now()`)
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
