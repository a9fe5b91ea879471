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
--     index-only range of 1,001 entries (10 buffers, 0.45 ms instead of
--     4-9 ms), a word's newest cases are the first entries of its range
--     (a page in ~0.2 ms), two words' cases meet in a merge join of two
--     ranges already in order ("corp.example": 51 buffers, 1.5 ms,
--     instead of a walk of 6,000 entries), and a prefix is a range of
--     words ("gonz": 2,002 entries, ~1 ms).
--   - Writes: a case's words are written when it is created and when its
--     client's name or e-mail changes (four or five entries), never by
--     the projection's steady writes (notes, moves), which the triggers'
--     conditions pass over. 255 MB of table and 211 MB of index over the
--     million.
--   - The words are C-collated so that a prefix is a range of the index
--     (LIKE 'gonz%' becomes word >= 'gonz' AND word < 'gon{').
CREATE TABLE case_words (
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
-- workers cost more to start than they save; and two words joined are
-- estimated at a single row, which made the planner reach for them.
ALTER TABLE case_words SET (parallel_workers = 0);

-- A case's entries follow its words (search_vector, kept by 00013's
-- trigger, which runs before this one) and its place in the list.
-- +goose StatementBegin
CREATE FUNCTION case_words_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM case_words
        WHERE word = ANY (tsvector_to_array(OLD.search_vector)) AND created_at = OLD.created_at AND case_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- Sorted, so two writes of the same words cannot wait on each
        -- other crosswise.
        INSERT INTO case_words (word, created_at, case_id)
        SELECT w, NEW.created_at, NEW.id FROM unnest(tsvector_to_array(NEW.search_vector)) AS w ORDER BY w
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION case_words_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE case_words;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- AFTER: an insert that meets an existing case (ON CONFLICT DO NOTHING)
-- fires nothing.
CREATE TRIGGER case_words_insert AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION case_words_sync();
CREATE TRIGGER case_words_update AFTER UPDATE OF client_name, client_email, created_at ON cases
    FOR EACH ROW WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION case_words_sync();
CREATE TRIGGER case_words_delete AFTER DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION case_words_sync();
CREATE TRIGGER case_words_truncate AFTER TRUNCATE ON cases
    FOR EACH STATEMENT EXECUTE FUNCTION case_words_truncate();

-- The cases there are, ten thousand a transaction, each batch's rows held
-- (FOR SHARE) until its words are in: a rename committed before is read,
-- one after waits and then replaces the words through the trigger.
-- Written this way a million cases take about a minute, and no write
-- waits longer than one batch.
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
DROP TRIGGER case_words_update ON cases;
DROP TRIGGER case_words_insert ON cases;
DROP FUNCTION case_words_truncate();
DROP FUNCTION case_words_sync();
DROP TABLE case_words;
