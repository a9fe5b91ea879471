-- +goose Up
-- What each document a case received is: the workflow records it, the
-- projection copies it here for lists and for the sweep that removes
-- stored files no case recorded. The file itself is in the document store,
-- encrypted, under cases/<case>/<id>; never in Postgres.
CREATE TABLE case_documents (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    check_id     uuid NOT NULL,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL CHECK (size > 0),
    sha256       text NOT NULL,
    uploaded_by  uuid,
    uploaded_at  timestamptz NOT NULL
);
CREATE INDEX case_documents_case_idx ON case_documents (case_id, uploaded_at);

-- +goose Down
DROP TABLE case_documents;
