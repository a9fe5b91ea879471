-- +goose Up
-- The officers' workspace signs in by e-mailed link and keeps a session
-- cookie. Neither the link's token nor the session's is stored: only their
-- SHA-256, so a copy of the database signs no one in.
CREATE TABLE sign_in_links (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- Every request for a link, known address or not, so that the rate limit
-- per address says nothing about who has an account.
CREATE TABLE sign_in_requests (
    email        text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_requests_email_idx ON sign_in_requests (email, requested_at);

CREATE TABLE web_sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);

-- +goose Down
DROP TABLE web_sessions;
DROP TABLE sign_in_requests;
DROP TABLE sign_in_links;
