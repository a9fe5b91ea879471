package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/jmoiron/sqlx"
)

// RecordVerdict stores a delivered verdict: the transaction takes the
// latest verdict's fields, and the verdict is kept once, with a count of
// its deliveries. caseID is the case it opens, if any.
func (s *Store) RecordVerdict(ctx context.Context, v contract.Verdict, caseID *string) error {
	payload, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sender, _ := json.Marshal(v.Sender)
	receiver, _ := json.Marshal(v.Receiver)
	hits, _ := json.Marshal(v.Hits)
	if v.Hits == nil {
		hits = []byte(`[]`)
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO transactions (id, external_id, amount, amount_text, currency, sender, receiver, outcome, risk_level,
				aggregate_score, total_latency_ms, hits, case_id)
			VALUES ($1, $2, $3, $13, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (id) DO UPDATE SET external_id = $2, amount = $3, amount_text = $13, currency = $4, sender = $5,
				receiver = $6, outcome = $7, risk_level = $8, aggregate_score = $9, total_latency_ms = $10,
				hits = $11, case_id = coalesce(transactions.case_id, $12), last_seen_at = now()`,
			v.TransactionID, v.ExternalID, v.Amount, v.Currency, sender, receiver, v.Outcome, v.RiskLevel,
			v.AggregateScore, v.TotalLatencyMs, hits, caseID, v.Amount)
		if err != nil {
			return fmt.Errorf("record transaction: %w", err)
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO screening_verdicts (transaction_id, verdict_id, payload) VALUES ($1, $2, $3)
			ON CONFLICT (transaction_id, verdict_id) DO UPDATE SET deliveries = screening_verdicts.deliveries + 1`,
			v.TransactionID, contract.VerdictID(v), payload)
		if err != nil {
			return fmt.Errorf("record verdict: %w", err)
		}
		return nil
	})
}

// Transaction is a screened transaction with its verdicts.
type Transaction struct {
	ID             string          `db:"id"`
	ExternalID     string          `db:"external_id"`
	Amount         string          `db:"amount"`
	Currency       string          `db:"currency"`
	Sender         JSON            `db:"sender"`
	Receiver       JSON            `db:"receiver"`
	Outcome        string          `db:"outcome"`
	RiskLevel      string          `db:"risk_level"`
	AggregateScore float64         `db:"aggregate_score"`
	TotalLatencyMs int64           `db:"total_latency_ms"`
	Hits           JSON            `db:"hits"`
	CaseID         sql.NullString  `db:"case_id"`
	FirstSeenAt    time.Time       `db:"first_seen_at"`
	LastSeenAt     time.Time       `db:"last_seen_at"`
	Verdicts       []VerdictRecord `db:"-"`
}

// VerdictRecord is one distinct verdict of a transaction.
type VerdictRecord struct {
	VerdictID  string    `db:"verdict_id"`
	Payload    JSON      `db:"payload"`
	Deliveries int       `db:"deliveries"`
	ReceivedAt time.Time `db:"received_at"`
}

// GetTransaction reads a transaction and its verdicts, oldest first.
func (s *Store) GetTransaction(ctx context.Context, id string) (Transaction, error) {
	var t Transaction
	err := s.db.GetContext(ctx, &t, `
		SELECT id, external_id, coalesce(amount_text, trim_scale(amount)::text) AS amount, currency, sender, receiver, outcome, risk_level,
			aggregate_score, total_latency_ms, hits, case_id, first_seen_at, last_seen_at
		FROM transactions WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Transaction{}, ErrNotFound
	}
	if err != nil {
		return Transaction{}, fmt.Errorf("get transaction: %w", err)
	}
	t.Verdicts = []VerdictRecord{}
	err = s.db.SelectContext(ctx, &t.Verdicts, `
		SELECT verdict_id, payload, deliveries, received_at FROM screening_verdicts
		WHERE transaction_id = $1 ORDER BY received_at, verdict_id`, id)
	if err != nil {
		return Transaction{}, fmt.Errorf("verdicts: %w", err)
	}
	return t, nil
}
