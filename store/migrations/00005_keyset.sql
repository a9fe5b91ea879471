-- +goose Up
-- Lists page by keyset (created_at, id) as well as by offset: every filter's
-- index ends in the same order, so a deep page is a seek, not a scan.
DROP INDEX cases_status_idx;
DROP INDEX cases_type_idx;
DROP INDEX cases_priority_idx;
DROP INDEX cases_assigned_idx;
DROP INDEX cases_flag_idx;
DROP INDEX cases_overdue_idx;
CREATE INDEX cases_status_idx ON cases (status, created_at DESC, id DESC);
CREATE INDEX cases_type_idx ON cases (type, created_at DESC, id DESC);
CREATE INDEX cases_priority_idx ON cases (priority, created_at DESC, id DESC);
CREATE INDEX cases_assigned_idx ON cases (assigned_to, created_at DESC, id DESC);
CREATE INDEX cases_flag_idx ON cases (flag, created_at DESC, id DESC);
CREATE INDEX cases_overdue_idx ON cases (overdue, created_at DESC, id DESC) WHERE overdue;

-- +goose Down
DROP INDEX cases_status_idx;
DROP INDEX cases_type_idx;
DROP INDEX cases_priority_idx;
DROP INDEX cases_assigned_idx;
DROP INDEX cases_flag_idx;
DROP INDEX cases_overdue_idx;
CREATE INDEX cases_status_idx ON cases (status, created_at DESC);
CREATE INDEX cases_type_idx ON cases (type, created_at DESC);
CREATE INDEX cases_priority_idx ON cases (priority, created_at DESC);
CREATE INDEX cases_assigned_idx ON cases (assigned_to, created_at DESC);
CREATE INDEX cases_flag_idx ON cases (flag, created_at DESC);
CREATE INDEX cases_overdue_idx ON cases (overdue, created_at DESC) WHERE overdue;
