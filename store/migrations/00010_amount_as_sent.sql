-- +goose Up
-- A transaction's amount as the screening system sent it ("5000000", not
-- numeric's "5000000.0000"): integrators compare it with their own. The
-- numeric column stays for sums and ranges; rows from before keep theirs,
-- shown without trailing zeros.
ALTER TABLE transactions ADD COLUMN amount_text text;

-- +goose Down
ALTER TABLE transactions DROP COLUMN amount_text;
