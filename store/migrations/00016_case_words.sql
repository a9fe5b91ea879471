-- +goose NO TRANSACTION
-- +goose Up
-- A search's count and a one-word page read a table of words, in
-- order, without visiting the cases (docs/ARCHITECTURE.md, "Search").
--
-- Why, by EXPLAIN (ANALYZE, BUFFERS) over the bench's 1,000,000 seeded
-- cases (two shared cores; each figure the mean of a few hundred runs):
--   - After 00013 a search's page cost 1-3 ms and its capped count 4-9
--     ms: the GIN index answers which cases hold a word, but a count of
--     1,001 of them still reads ~960 heap blocks (a GIN match is always
--     rechecked on the row, so the visibility map cannot spare the
--     visit). Eight officers searching at once queued behind those counts.
--   - Here each (word, case) is one entry of a B-tree in the list's order
--     (word, created_at, case_id): a common word's capped count is an
--     index-only range of 1,001 entries (10 buffers, 0.4 ms instead of
--     4-9 ms), and its page is the first entries of the same range, read
--     by the same statement; two words' cases meet in a merge join of two
--     ranges already in order ("corp.example": 51 buffers, 1.5 ms,
--     instead of a walk of 6,000 entries, or 4.9 ms through GIN); a
--     prefix is a range of words ("gonz": 1,001 entries counted distinct,
--     ~1 ms); the newest cases of a typo's near word are the first
--     entries of its range (0.3 ms, where the walk took 2-3 ms).
--   - Writes: a case's words are written when it is created and when its
--     client's name or e-mail changes (four or five entries), never by
--     the projection's steady writes (notes, moves), which meet no new
--     trigger. 255 MB of table and 274 MB of index over the
--     million (4.4 million entries).
--   - The words are C-collated, compared byte by byte, so that the words
--     starting with "gonz" are one range of the index: from "gonz" up to
--     "gonz" followed by the highest character.
CREATE TABLE IF NOT EXISTS case_words (
    word       text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    case_id    uuid NOT NULL,
    PRIMARY KEY (word, created_at, case_id)
);
-- The reads are index-only: they need the visibility map current for the
-- newest entries too, which an insert-only table otherwise gets only
-- after a fifth of its size in new rows.
ALTER TABLE case_words SET (autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000);
-- Every read of it stops within a few thousand entries, where parallel
-- workers cost more to start than they save; yet two words' ranges joined
-- are estimated at a single row, which made the planner start workers
-- for a merge join that then read to its limit in 2 ms.
ALTER TABLE case_words SET (parallel_workers = 0);

-- A case's entries follow its words (search_vector, which 00013's
-- trigger computes). A new case's are filed after its row is in: an
-- insert that meets an existing case (ON CONFLICT DO NOTHING) fires no
-- AFTER trigger. A changed name, e-mail or creation time replaces them in
-- 00013's BEFORE UPDATE trigger, which already runs for exactly those
-- changes: the projection's steady writes (notes, moves) pass over it as
-- they did, with no further trigger to consider. Every statement here can
-- run again: a migration without a transaction that stopped halfway is
-- finished by running it again.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION case_words_file() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_words (word, created_at, case_id)
    SELECT w, NEW.created_at, NEW.id FROM unnest(tsvector_to_array(NEW.search_vector)) AS w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cases_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := array_to_tsvector(search_words(NEW.client_name, NEW.client_email));
    INSERT INTO search_dictionary (word)
    SELECT DISTINCT w FROM unnest(tsvector_to_array(NEW.search_vector)) AS w WHERE w !~ '[0-9]' ORDER BY w
    ON CONFLICT (word) DO NOTHING;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM case_words
        WHERE word = ANY (tsvector_to_array(OLD.search_vector)) AND created_at = OLD.created_at AND case_id = OLD.id;
        INSERT INTO case_words (word, created_at, case_id)
        SELECT w, NEW.created_at, NEW.id FROM unnest(tsvector_to_array(NEW.search_vector)) AS w
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION case_words_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE case_words;
    ELSE
        DELETE FROM case_words
        WHERE word = ANY (tsvector_to_array(OLD.search_vector)) AND created_at = OLD.created_at AND case_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- Forgetting first and filing last: no case can leave entries behind, and
-- one filed before its trigger is the backfill's. The rename trigger is
-- replaced in place, never absent.
CREATE OR REPLACE TRIGGER case_words_delete AFTER DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION case_words_forget();
CREATE OR REPLACE TRIGGER case_words_truncate AFTER TRUNCATE ON cases
    FOR EACH STATEMENT EXECUTE FUNCTION case_words_forget();
CREATE OR REPLACE TRIGGER cases_search_words_update BEFORE UPDATE OF client_name, client_email, created_at ON cases
    FOR EACH ROW WHEN (OLD.client_name IS DISTINCT FROM NEW.client_name OR OLD.client_email IS DISTINCT FROM NEW.client_email
        OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION cases_search_words();
CREATE OR REPLACE TRIGGER case_words_insert AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION case_words_file();

-- The cases there are, ten thousand a transaction, each batch's rows held
-- (FOR SHARE) until its words are in: a rename committed before is read,
-- one after waits and then replaces the words through the trigger.
-- Written this way a million cases take about two minutes on two shared
-- cores, and no write waits longer than one batch.
-- +goose StatementBegin
DO $$
DECLARE
    last uuid := '00000000-0000-0000-0000-000000000000';
    upto uuid;
BEGIN
    LOOP
        upto := NULL;
        SELECT id INTO upto FROM (SELECT id FROM cases WHERE id > last ORDER BY id LIMIT 10000) batch ORDER BY id DESC LIMIT 1;
        EXIT WHEN upto IS NULL;
        INSERT INTO case_words (word, created_at, case_id)
        SELECT w, c.created_at, c.id
        FROM (SELECT id, created_at, search_vector FROM cases WHERE id > last AND id <= upto FOR SHARE) c,
            unnest(tsvector_to_array(c.search_vector)) AS w
        ON CONFLICT DO NOTHING;
        last := upto;
        COMMIT;
    END LOOP;
END $$;
-- +goose StatementEnd
VACUUM ANALYZE case_words;

-- +goose Down
DROP TRIGGER case_words_truncate ON cases;
DROP TRIGGER case_words_delete ON cases;
DROP TRIGGER case_words_insert ON cases;
CREATE OR REPLACE TRIGGER cases_search_words_update BEFORE UPDATE OF client_name, client_email ON cases
    FOR EACH ROW WHEN (OLD.client_name IS DISTINCT FROM NEW.client_name OR OLD.client_email IS DISTINCT FROM NEW.client_email)
    EXECUTE FUNCTION cases_search_words();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION cases_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := array_to_tsvector(search_words(NEW.client_name, NEW.client_email));
    INSERT INTO search_dictionary (word)
    SELECT DISTINCT w FROM unnest(tsvector_to_array(NEW.search_vector)) AS w WHERE w !~ '[0-9]' ORDER BY w
    ON CONFLICT (word) DO NOTHING;
    RETURN NEW;
END $$;
-- +goose StatementEnd
DROP FUNCTION case_words_forget();
DROP FUNCTION case_words_file();
DROP TABLE case_words;
