-- +goose NO TRANSACTION
-- +goose Up
-- q searched three trigram indexes joined by OR with a subquery for the
-- author, and the planner walked the whole table: a common surname took
-- 2 s over a million cases. Now:
--   - the client's name and e-mail share one trigram index; the expression
--     is a function so the index and the store's query name it once (the
--     planner inlines it);
--   - a q that starts like a case number ("CASE-...") can only match one at
--     its start, so it seeks a prefix in a pattern index: its trigrams,
--     shared by every case number, cost 50 ms in the trigram index;
--   - other case-number fragments keep the case number's trigram index.
CREATE FUNCTION client_search_text(client_name text, client_email text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(coalesce(client_name, '') || ' ' || coalesce(client_email, ''));
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_client_trgm
    ON cases USING gin (client_search_text(client_name, client_email) gin_trgm_ops);
-- Finer statistics of the name and e-mail let the planner see that a common
-- surname matches thousands: it then walks the newest cases and stops at a
-- page (5 ms) instead of fetching and sorting every match (15 ms).
ALTER INDEX cases_client_trgm ALTER COLUMN 1 SET STATISTICS 1000;
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_case_number_prefix ON cases (case_number text_pattern_ops);
DROP INDEX CONCURRENTLY IF EXISTS cases_client_name_trgm;
DROP INDEX CONCURRENTLY IF EXISTS cases_client_email_trgm;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_client_name_trgm ON cases USING gin (client_name gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_client_email_trgm ON cases USING gin (client_email gin_trgm_ops);
DROP INDEX CONCURRENTLY IF EXISTS cases_case_number_prefix;
DROP INDEX CONCURRENTLY IF EXISTS cases_client_trgm;
DROP FUNCTION client_search_text(text, text);
