-- +goose Up
-- Tokens expire after auth.tokenTTL. Those issued before keep working until
-- revoked: a NULL expiry is none.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
