-- +goose NO TRANSACTION
-- +goose Up
-- q is ranked, accent- and case-blind and forgives a typo of one letter
-- (docs/ARCHITECTURE.md, "Search"). Every case carries the words of its
-- client's name and e-mail, folded (unaccented, lower case, split at
-- spaces and punctuation: "José Müller", jose.muller42@bank.example ->
-- jose muller muller42 bank example) as a tsvector, and the store asks in
-- tiers, each newest first and stopped at the page:
--   0  every word of q is a word of the client (or q is in the case
--      number, or names the author),
--   1  every word of q starts a word of the client,
--   2  every word of q starts a word of the client or is one letter away
--      from one (search_dictionary).
--
-- Why this plan, by EXPLAIN (ANALYZE, BUFFERS) over the bench's 1,000,000
-- seeded cases (two shared cores, so times swing; buffers do not):
--   - A page must be the newest matches, and a GIN index answers which
--     rows match but not in order. Under 00008 a common surname (0.6%)
--     either walked cases_created_idx and read the table for every row
--     it passed (3,838 rows, 3,880 buffers, 14-24 ms) or fetched all
--     5,998 matches and sorted them (5,712 heap blocks, 34 ms).
--   - Now cases_created_idx (the list's order) carries the tsvector, the
--     case number and the author: the same walk is an index-only scan
--     that tests each entry and never reads the table (3,838 entries,
--     1,977 buffers, 0 heap fetches, 1.1-1.3 ms), and only the page's 20
--     rows are fetched. A rare word (200 matches) is read from the GIN
--     index and sorted instead (210 buffers, 0.7 ms); the planner picks
--     by the column's word statistics (STATISTICS 1000 below).
--   - The words are a stored column, not an expression: a walk tests
--     every entry it passes, and making the words (unaccent, split) costs
--     10-15 us a row.
--   - A typo is not a GIN lookup over a million rows: the store corrects
--     q's words against search_dictionary first (Levenshtein <= 1) and
--     searches the corrected words like any other. The dictionary holds
--     words of letters only (362 over the million): with the e-mails'
--     numbered words (17,409) the lookup was a 20-36 ms scan.
--   - The capped count of a common word stays the costliest part: 1,001
--     matches read from the GIN index and checked in 957 heap blocks
--     (4-6 ms). It runs beside the page, not after it.
--   - Writes: the index of the list's order now carries the tsvector
--     (129 MB instead of 39 MB over the million) and the client text's
--     trigram index goes (about forty GIN entries a row, replaced by four
--     or five word entries). The words are computed by a trigger only when
--     the client's name or e-mail changes: as a generated column they
--     were computed on every write, and the projection write's benchmark
--     was 10-49% slower (README.md, "Search").
--   - The column is added empty (no table rewrite) and filled ten
--     thousand rows a transaction: six minutes for a million cases on two
--     shared cores, during which no write waits longer than a batch;
--     vacuum afterwards, as the backfill leaves a dead row for each case.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- The one definition of a word, for the rows and for q alike. The
-- unaccent dictionary is named, so the function is immutable and a row's
-- words never depend on a session's search_path.
CREATE FUNCTION search_words(client_name text, client_email text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_remove(regexp_split_to_array(
        lower(public.unaccent('public.unaccent'::regdictionary, coalesce(client_name, '') || ' ' || coalesce(client_email, ''))),
        '[[:space:][:punct:]]+'), '');

-- A plain column the trigger below keeps, not a generated one: a
-- generated column is computed again on every write, and the projection
-- writes a case on every event while its client's name and e-mail rarely
-- change (see "Writes" above). Added empty, it costs no table rewrite.
ALTER TABLE cases ADD COLUMN IF NOT EXISTS search_vector tsvector;
-- Every word of letters a client's name or e-mail ever held, to correct a
-- typo against. Words with digits (peter.johnson42) are left out: nobody
-- mistypes a number into a name, and they were most of the words (17,000
-- of 17,400 over the seeded million), which made the lookup a 20 ms scan.
-- A word outlives its cases: it then corrects to a word that finds
-- nothing, which costs nothing.
CREATE TABLE search_dictionary (word text PRIMARY KEY);
CREATE INDEX search_dictionary_trgm ON search_dictionary USING gin (word gin_trgm_ops);

-- The words of the row, and in the dictionary any it brings, in sorted
-- order so two writes adding the same new words cannot wait on each other
-- crosswise.
-- +goose StatementBegin
CREATE FUNCTION cases_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := array_to_tsvector(search_words(NEW.client_name, NEW.client_email));
    INSERT INTO search_dictionary (word)
    SELECT DISTINCT w FROM unnest(tsvector_to_array(NEW.search_vector)) AS w WHERE w !~ '[0-9]' ORDER BY w
    ON CONFLICT (word) DO NOTHING;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- Only a new client name or e-mail: the projection's steady writes (notes,
-- moves) change neither, and pay a comparison of two columns.
CREATE TRIGGER cases_search_words_insert BEFORE INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_search_words();
CREATE TRIGGER cases_search_words_update BEFORE UPDATE OF client_name, client_email ON cases
    FOR EACH ROW WHEN (OLD.client_name IS DISTINCT FROM NEW.client_name OR OLD.client_email IS DISTINCT FROM NEW.client_email)
    EXECUTE FUNCTION cases_search_words();

-- The rows there are, ten thousand a transaction, so no write waits on
-- the backfill for long.
-- +goose StatementBegin
DO $$
DECLARE
    done int;
BEGIN
    LOOP
        UPDATE cases SET search_vector = array_to_tsvector(search_words(client_name, client_email))
        WHERE id IN (SELECT id FROM cases WHERE search_vector IS NULL LIMIT 10000);
        GET DIAGNOSTICS done = ROW_COUNT;
        EXIT WHEN done = 0;
        COMMIT;
    END LOOP;
END $$;
-- +goose StatementEnd
-- The planner weighs a word by its frequency: with the default 100 most
-- common words a common surname is missed and its tier read from the GIN
-- index in full instead of walked newest first.
ALTER TABLE cases ALTER COLUMN search_vector SET STATISTICS 1000;
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_search_vector ON cases USING gin (search_vector);
-- The list's order carries what a tier is tested on, so a walk for a
-- common word reads index entries only, never the table. It replaces the
-- plain index of that order (same name, so plans and tests that name it
-- hold), and the trigram index of the client's text goes: q is matched by
-- words now, and that index's forty-odd entries a row were most of what a
-- write paid into GIN.
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_created_search_idx ON cases (created_at DESC, id DESC)
    INCLUDE (search_vector, case_number, created_by);
DROP INDEX CONCURRENTLY IF EXISTS cases_created_idx;
ALTER INDEX cases_created_search_idx RENAME TO cases_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS cases_client_trgm;

INSERT INTO search_dictionary (word)
SELECT DISTINCT w FROM cases, unnest(tsvector_to_array(search_vector)) AS w WHERE w !~ '[0-9]'
ON CONFLICT (word) DO NOTHING;
ANALYZE cases;
ANALYZE search_dictionary;

-- +goose Down
DROP TRIGGER cases_search_words_update ON cases;
DROP TRIGGER cases_search_words_insert ON cases;
DROP FUNCTION cases_search_words();
DROP TABLE search_dictionary;
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_client_trgm
    ON cases USING gin (client_search_text(client_name, client_email) gin_trgm_ops);
ALTER INDEX cases_client_trgm ALTER COLUMN 1 SET STATISTICS 1000;
CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_created_plain_idx ON cases (created_at DESC, id DESC);
DROP INDEX CONCURRENTLY IF EXISTS cases_created_idx;
ALTER INDEX cases_created_plain_idx RENAME TO cases_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS cases_search_vector;
ALTER TABLE cases DROP COLUMN search_vector;
DROP FUNCTION search_words(text, text);
