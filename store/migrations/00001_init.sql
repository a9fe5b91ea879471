-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,
    first_name  text NOT NULL DEFAULT '',
    last_name   text NOT NULL DEFAULT '',
    role        text NOT NULL CHECK (role IN ('BANK_ADMIN', 'COMPLIANCE_OFFICER', 'ANALYST')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Only a SHA-256 of each bearer token is kept: a leaked table opens nothing.
CREATE TABLE api_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE SEQUENCE case_number_seq;

-- The projection of each case workflow. Only the projection activity writes
-- it; version is the sequence number of the case's latest event.
CREATE TABLE cases (
    id                          uuid PRIMARY KEY,
    case_number                 text NOT NULL UNIQUE,
    type                        text NOT NULL,
    family                      text NOT NULL,
    priority                    text NOT NULL,
    title                       text NOT NULL DEFAULT '',
    description                 text NOT NULL DEFAULT '',
    status                      text NOT NULL,
    flag                        text,
    assigned_to                 uuid REFERENCES users (id),
    client_name                 text,
    client_email                text,
    client_external_id          text,
    risk_level                  text,
    external_id                 text,
    metadata                    jsonb NOT NULL DEFAULT '{}',
    properties                  jsonb NOT NULL DEFAULT '{}',
    tags                        text[] NOT NULL DEFAULT '{}',
    related_transaction_id      uuid,
    related_kyc_application_id  uuid,
    due_date                    timestamptz,
    created_by                  uuid REFERENCES users (id),
    resolved_at                 timestamptz,
    resolution_note             text,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    version                     bigint NOT NULL
);

-- CASE-<year>-<5+ digits>: the year is the case's own, the number global.
-- +goose StatementBegin
CREATE FUNCTION cases_assign_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.case_number IS NULL THEN
        NEW.case_number := 'CASE-' || to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY') || '-'
            || lpad(nextval('case_number_seq')::text, 5, '0');
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER cases_assign_number BEFORE INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_assign_number();

-- Every list filter has an index; the default order is newest first.
CREATE INDEX cases_created_idx ON cases (created_at DESC, id DESC);
CREATE INDEX cases_status_idx ON cases (status, created_at DESC);
CREATE INDEX cases_type_idx ON cases (type, created_at DESC);
CREATE INDEX cases_priority_idx ON cases (priority, created_at DESC);
CREATE INDEX cases_assigned_idx ON cases (assigned_to, created_at DESC);
CREATE INDEX cases_flag_idx ON cases (flag, created_at DESC);
CREATE INDEX cases_created_by_idx ON cases (created_by);
CREATE INDEX cases_case_number_trgm ON cases USING gin (case_number gin_trgm_ops);
CREATE INDEX cases_client_name_trgm ON cases USING gin (client_name gin_trgm_ops);
CREATE INDEX cases_client_email_trgm ON cases USING gin (client_email gin_trgm_ops);

-- The audit timeline: append-only, refused UPDATE and DELETE by trigger.
CREATE TABLE case_events (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    seq             bigint NOT NULL,
    event_type      text NOT NULL,
    actor_id        uuid REFERENCES users (id),
    description     text NOT NULL DEFAULT '',
    previous_value  jsonb,
    new_value       jsonb,
    metadata        jsonb,
    created_at      timestamptz NOT NULL,
    UNIQUE (case_id, seq)
);

-- +goose StatementBegin
CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only();

-- +goose Down
DROP TABLE case_events;
DROP FUNCTION case_events_append_only();
DROP TABLE cases;
DROP FUNCTION cases_assign_number();
DROP SEQUENCE case_number_seq;
DROP TABLE api_tokens;
DROP TABLE users;
