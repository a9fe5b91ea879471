-- +goose Up
-- The case row is written inside the workflow task that changes the case
-- (a local activity, no extra round trip to Temporal), before that task is
-- committed. So the row carries the task's events as pending, and a fence
-- that orders writes across retried tasks and runs; the append-only
-- timeline only ever receives events of committed tasks.
ALTER TABLE cases
    ADD COLUMN projection_fence bigint NOT NULL DEFAULT 0,
    ADD COLUMN pending_events jsonb NOT NULL DEFAULT '[]';
-- A write replaces a case's entities as a whole.
CREATE INDEX case_entities_case_idx ON case_entities (case_id);

-- +goose Down
DROP INDEX case_entities_case_idx;
ALTER TABLE cases DROP COLUMN projection_fence, DROP COLUMN pending_events;
