-- +goose Up
-- One row per e-mail the workflow decided to send, keyed by what the
-- workflow decided (case, kind, event sequence, recipient): a retried
-- activity finds its row and does not send again.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    case_id     uuid REFERENCES cases (id),
    kind        text NOT NULL,
    seq         bigint NOT NULL,
    recipient   text NOT NULL,
    to_address  text NOT NULL DEFAULT '',
    subject     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE UNIQUE INDEX notifications_key ON notifications (coalesce(case_id, '00000000-0000-0000-0000-000000000000'), kind, seq, recipient);

-- Links to the client portal. Each e-mail with a link mints its own token;
-- only the SHA-256 of each is kept. Revoking a request revokes them all.
CREATE TABLE portal_tokens (
    token_hash      bytea PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    notification_id uuid REFERENCES notifications (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);
CREATE INDEX portal_tokens_case_idx ON portal_tokens (case_id);

-- Overdue is decided by the workflow's due-date timers and projected.
ALTER TABLE cases ADD COLUMN overdue boolean NOT NULL DEFAULT false;
CREATE INDEX cases_overdue_idx ON cases (overdue, created_at DESC) WHERE overdue;

-- +goose Down
DROP INDEX cases_overdue_idx;
ALTER TABLE cases DROP COLUMN overdue;
DROP TABLE portal_tokens;
DROP TABLE notifications;
