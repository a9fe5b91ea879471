-- +goose Up
-- Transactions as screening systems deliver them: the latest verdict on
-- the row, every distinct verdict (and how often it came) beside it.
CREATE TABLE transactions (
    id                uuid PRIMARY KEY,
    external_id       text NOT NULL,
    amount            numeric(19, 4) NOT NULL,
    currency          text NOT NULL,
    sender            jsonb NOT NULL,
    receiver          jsonb NOT NULL,
    outcome           text NOT NULL,
    risk_level        text NOT NULL,
    aggregate_score   double precision NOT NULL,
    total_latency_ms  bigint NOT NULL,
    hits              jsonb NOT NULL DEFAULT '[]',
    case_id           uuid,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transactions_external_idx ON transactions (external_id);

CREATE TABLE screening_verdicts (
    transaction_id  uuid NOT NULL REFERENCES transactions (id),
    verdict_id      text NOT NULL,
    payload         jsonb NOT NULL,
    deliveries      int NOT NULL DEFAULT 1,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (transaction_id, verdict_id)
);

-- Idempotency-Key: per caller and key, the request's hash and, once
-- answered, the answer to replay. An unanswered row is a lease: a request
-- still in flight, or one whose process died (taken over once it lapses).
CREATE TABLE idempotency_keys (
    user_id         uuid NOT NULL REFERENCES users (id),
    key             text NOT NULL,
    request_hash    bytea NOT NULL,
    -- the ID the first attempt chose for what it creates, so a retry after
    -- a crash creates (or finds) the same thing
    resource_id     uuid NOT NULL,
    response_status int,
    response_body   bytea,
    lease_until     timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE screening_verdicts;
DROP TABLE transactions;
