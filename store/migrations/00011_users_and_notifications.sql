-- +goose Up
-- A deactivated user keeps their place in every timeline and case they
-- touched, but is let in no more: each of their tokens stops at once.
ALTER TABLE users ADD COLUMN deactivated_at timestamptz;

-- An officer's notifications are the e-mails they were sent: the activity
-- that sends one records whom it was for (under the e-mail's own key, so
-- once), and the officer marks it read.
ALTER TABLE notifications ADD COLUMN user_id uuid REFERENCES users (id);
ALTER TABLE notifications ADD COLUMN read_at timestamptz;
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC) WHERE user_id IS NOT NULL;

-- +goose Down
DROP INDEX notifications_user_idx;
ALTER TABLE notifications DROP COLUMN read_at;
ALTER TABLE notifications DROP COLUMN user_id;
ALTER TABLE users DROP COLUMN deactivated_at;
