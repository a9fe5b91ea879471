-- +goose Up
-- A case's number can be drawn before its row exists: the API draws it to
-- name the case in Temporal (its workflow's static summary is fixed at
-- start) and the first projection write stores it. One function makes
-- every number, for the API and for the trigger that still numbers a row
-- inserted without one (cases started before this).
-- +goose StatementBegin
CREATE FUNCTION next_case_number(opened timestamptz) RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT 'CASE-' || to_char(opened AT TIME ZONE 'UTC', 'YYYY') || '-'
        || lpad(nextval('case_number_seq')::text, 5, '0')
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cases_assign_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.case_number IS NULL THEN
        NEW.case_number := next_case_number(NEW.created_at);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cases_assign_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.case_number IS NULL THEN
        NEW.case_number := 'CASE-' || to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY') || '-'
            || lpad(nextval('case_number_seq')::text, 5, '0');
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
DROP FUNCTION next_case_number(timestamptz);
