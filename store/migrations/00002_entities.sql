-- +goose Up
-- Entities and checks of onboarding cases, projected like the case row:
-- only by the projection activity, only from a newer workflow state.
CREATE TABLE case_entities (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    position    int NOT NULL,
    kind        text NOT NULL,
    name        text NOT NULL,
    role        text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}',
    UNIQUE (case_id, position)
);

CREATE TABLE case_checks (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    entity_id   uuid NOT NULL REFERENCES case_entities (id),
    position    int NOT NULL,
    type        text NOT NULL,
    status      text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    provider    text NOT NULL DEFAULT '',
    reference   text NOT NULL DEFAULT '',
    -- answered by a screening provider, never asked of the client
    from_provider boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL,
    UNIQUE (entity_id, type)
);
CREATE INDEX case_checks_case_idx ON case_checks (case_id);

ALTER TABLE cases ADD COLUMN auto_approve boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE cases DROP COLUMN auto_approve;
DROP TABLE case_checks;
DROP TABLE case_entities;
