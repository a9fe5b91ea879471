package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/sync/errgroup"
)

// Case is one row of the projection.
type Case struct {
	ID                      string         `db:"id"`
	CaseNumber              string         `db:"case_number"`
	Type                    string         `db:"type"`
	Family                  string         `db:"family"`
	Priority                string         `db:"priority"`
	Title                   string         `db:"title"`
	Description             string         `db:"description"`
	Status                  string         `db:"status"`
	Flag                    sql.NullString `db:"flag"`
	AssignedTo              sql.NullString `db:"assigned_to"`
	ClientName              sql.NullString `db:"client_name"`
	ClientEmail             sql.NullString `db:"client_email"`
	ClientExternalID        sql.NullString `db:"client_external_id"`
	RiskLevel               sql.NullString `db:"risk_level"`
	ExternalID              sql.NullString `db:"external_id"`
	Metadata                JSON           `db:"metadata"`
	Properties              JSON           `db:"properties"`
	Tags                    pq.StringArray `db:"tags"`
	RelatedTransactionID    sql.NullString `db:"related_transaction_id"`
	RelatedKycApplicationID sql.NullString `db:"related_kyc_application_id"`
	DueDate                 sql.NullTime   `db:"due_date"`
	CreatedBy               sql.NullString `db:"created_by"`
	ResolvedAt              sql.NullTime   `db:"resolved_at"`
	ResolutionNote          sql.NullString `db:"resolution_note"`
	CreatedAt               time.Time      `db:"created_at"`
	UpdatedAt               time.Time      `db:"updated_at"`
	Version                 int64          `db:"version"`
	AutoApprove             bool           `db:"auto_approve"`
	Overdue                 bool           `db:"overdue"`
}

// listColumns are what a list shows of each case: everything but the
// free-form metadata and properties, so a page of cases stays small
// however much each case holds (the detail has them).
const listColumns = `c.id, c.case_number, c.type, c.family, c.priority, c.title, c.description,
	c.status, c.flag, c.assigned_to, c.client_name, c.client_email, c.client_external_id,
	c.risk_level, c.external_id, c.tags, c.related_transaction_id,
	c.related_kyc_application_id, c.due_date, c.created_by, c.resolved_at, c.resolution_note,
	c.created_at, c.updated_at, c.version, c.auto_approve, c.overdue`

// caseColumns are the whole case, for its detail.
const caseColumns = listColumns + `, c.metadata, c.properties`

// Event is one timeline row with its actor, as the user is now.
type Event struct {
	ID             string         `db:"id"`
	CaseID         string         `db:"case_id"`
	Seq            int64          `db:"seq"`
	EventType      string         `db:"event_type"`
	ActorID        sql.NullString `db:"actor_id"`
	ActorName      sql.NullString `db:"actor_name"`
	ActorEmail     sql.NullString `db:"actor_email"`
	ActorFirstName sql.NullString `db:"actor_first_name"`
	ActorLastName  sql.NullString `db:"actor_last_name"`
	Description    string         `db:"description"`
	PreviousValue  JSON           `db:"previous_value"`
	NewValue       JSON           `db:"new_value"`
	Metadata       JSON           `db:"metadata"`
	CreatedAt      time.Time      `db:"created_at"`
}

// Project writes a case workflow's state and events, and returns the case
// number. It is idempotent and order-proof:
//   - committed events go to the append-only timeline, keyed by the IDs the
//     workflow chose, so a retried write adds nothing;
//   - the case row, its pending events and its entities move only forward
//     in (Fence, Version): a write from a workflow task that was retried, or
//     a late one, leaves a newer row as it is.
func (s *Store) Project(ctx context.Context, p contract.Projection) (string, error) {
	c := p.Case
	pendingJSON, err := eventArray(p.Pending)
	if err != nil {
		return "", fmt.Errorf("project case %s: %w", c.ID, err)
	}
	eventsJSON, err := eventArray(p.Events)
	if err != nil {
		return "", fmt.Errorf("project case %s: %w", c.ID, err)
	}
	args := append(caseArgs(c), p.Fence, pendingJSON)
	if c.CaseNumber != "" && c.Version == 1 && c.Family != contract.FamilyOnboarding && len(c.Documents) == 0 {
		// A case's first write, with the number the API drew: the row and
		// its first event in one statement, one round trip inside the
		// create's workflow task where the transaction below takes five.
		number, err := s.insertRow(ctx, slices.Concat(args, []any{c.CaseNumber, eventsJSON}))
		if err != nil {
			return "", fmt.Errorf("project case %s: %w", c.ID, err)
		}
		if number != "" {
			return number, nil
		}
		// The row is there: a retried first task wrote it. The events went
		// in with this statement (the transaction's insert of them adds
		// nothing); the transaction moves the row forward if it may.
	}
	if c.CaseNumber != "" && c.Version > 1 && c.Family != contract.FamilyOnboarding {
		// Past its first event (whose write inserts the row, number and
		// all) the row exists, and there are no entities to keep in step:
		// one statement, one round trip's worth of work inside the
		// workflow task instead of a transaction's.
		number, err := s.projectRow(ctx, slices.Concat(args, []any{eventsJSON}))
		if err != nil && !isForeignKeyViolation(err) {
			return "", fmt.Errorf("project case %s: %w", c.ID, err)
		}
		if number != "" {
			return number, nil
		}
		// A newer write holds the row, or the row is gone (a projection
		// restored from before the case): the transaction tells which.
	}
	// Prepared before the transaction holds a connection: preparing takes
	// one from the pool, and transactions each waiting for a second would
	// leave none.
	if err := s.prepareAll(ctx, projectStatements()...); err != nil {
		return "", fmt.Errorf("project case %s: %w", c.ID, err)
	}
	var number string
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		// Update first: the insert's numbering trigger would spend a case
		// number on every write that conflicts.
		err := s.txGet(ctx, tx, &number, updateCase, args...)
		if errors.Is(err, sql.ErrNoRows) {
			// The number the case was started with (NextCaseNumber), or
			// none: then the trigger numbers the row. So does it when the
			// number is taken, which only a projection restored from a
			// backup, its sequence behind the cases started since, can
			// bring about: a case never fails for want of its number.
			err = s.txGet(ctx, tx, &number, insertCase, slices.Concat(args, []any{nonEmpty(c.CaseNumber)})...)
		}
		newest := true
		if errors.Is(err, sql.ErrNoRows) {
			// The row is already newer than this write.
			newest = false
			err = s.txGet(ctx, tx, &number, caseNumberOf, c.ID)
		}
		if err != nil {
			return fmt.Errorf("project case %s: %w", c.ID, err)
		}
		if newest {
			if err := s.projectEntities(ctx, tx, c); err != nil {
				return err
			}
			if err := s.projectDocuments(ctx, tx, c); err != nil {
				return err
			}
		}
		if len(p.Events) > 0 {
			if _, err := s.txExec(ctx, tx, insertEvents("$1"), eventsJSON); err != nil {
				return fmt.Errorf("project events of case %s: %w", c.ID, err)
			}
		}
		return nil
	})
	return number, err
}

// NextCaseNumber draws the number of a case opened at opened,
// CASE-<year>-<5+ digits>, from the sequence and in the format the
// projection numbers rows with (next_case_number). The API draws it
// before starting the case's workflow, so the workflow's static summary
// in the Temporal UI can name the case, and the first projection write
// stores it. A number drawn for a case that never starts is a gap in the
// sequence, as a rolled-back insert always was.
func (s *Store) NextCaseNumber(ctx context.Context, opened time.Time) (string, error) {
	var number string
	if err := s.get(ctx, &number, `SELECT next_case_number($1)`, opened); err != nil {
		return "", fmt.Errorf("draw a case number: %w", err)
	}
	return number, nil
}

// updateCase moves case $1's row forward to the workflow's state, unless
// a write with a higher (fence, version) got there first.
const updateCase = `
	UPDATE cases SET type = $2, family = $3, priority = $4, title = $5, description = $6,
		status = $7, assigned_to = $8, client_name = $9, client_email = $10,
		client_external_id = $11, risk_level = $12, external_id = $13, metadata = $14,
		properties = $15, tags = $16, related_transaction_id = $17,
		related_kyc_application_id = $18, due_date = $19, created_by = $20,
		resolved_at = $21, resolution_note = $22, created_at = $23, updated_at = $24,
		version = $25, flag = $26, auto_approve = $27, overdue = $28,
		projection_fence = $29, pending_events = $30
	WHERE id = $1 AND (projection_fence, version) <= ($29, $25)
	RETURNING case_number`

// projectStatements are the statements Project's transaction may run.
func projectStatements() []string {
	return []string{updateCase, insertCase, caseNumberOf, deleteStaleChecks, deleteStaleEntities,
		upsertEntities, upsertChecks, insertDocuments, insertEvents("$1")}
}

const caseNumberOf = `SELECT case_number FROM cases WHERE id = $1`

// insertCase adds case $1's row unless it exists, with the case number
// $31 when it is free: when it is not, or none is given, the numbering
// trigger draws one.
const insertCase = `
	INSERT INTO cases (id, type, family, priority, title, description, status,
		assigned_to, client_name, client_email, client_external_id, risk_level,
		external_id, metadata, properties, tags, related_transaction_id,
		related_kyc_application_id, due_date, created_by, resolved_at,
		resolution_note, created_at, updated_at, version, flag, auto_approve, overdue,
		projection_fence, pending_events, case_number)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
		$17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30,
		(SELECT $31::text WHERE NOT EXISTS (SELECT 1 FROM cases WHERE case_number = $31::text)))
	ON CONFLICT (id) DO NOTHING
	RETURNING case_number`

// insertEvents appends the events in the JSON array param (as
// contract.Event marshals them) to the audit timeline; an event already
// there is left as it is.
func insertEvents(param string) string {
	return `INSERT INTO case_events (id, case_id, seq, event_type, actor_id, description,
			previous_value, new_value, metadata, created_at)
		SELECT p.id, p."caseId", p.seq, p."eventType", p."actorId", p.description,
			p."previousValue", p."newValue", p.metadata, p."createdAt"
		FROM jsonb_to_recordset(` + param + `::jsonb) AS ` + eventRecord + `
		ON CONFLICT (id) DO NOTHING`
}

// eventRecord is the row type of a JSON array of events as
// contract.Event marshals them: jsonb_to_recordset(array) AS eventRecord.
const eventRecord = `p(id uuid, "caseId" uuid, seq bigint, "eventType" text, "actorId" uuid,
	description text, "previousValue" jsonb, "newValue" jsonb, metadata jsonb, "createdAt" timestamptz)`

// projectRow is the write of a case whose row exists and has no entities:
// the row and the committed events ($31) in one statement. It returns ""
// when it updated no row.
func (s *Store) projectRow(ctx context.Context, args []any) (string, error) {
	var number string
	err := s.get(ctx, &number, `WITH appended AS (`+insertEvents("$31")+`)`+updateCase, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return number, err
}

// insertRow is the first write of a case with no entities or documents:
// the row and its events ($32) in one statement. The events' foreign key
// is checked at the statement's end, when the row is in. It returns ""
// when the row was already there.
func (s *Store) insertRow(ctx context.Context, args []any) (string, error) {
	var number string
	err := s.get(ctx, &number, `WITH appended AS (`+insertEvents("$32")+`)`+insertCase, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return number, err
}

// eventArray is events as the JSON array eventRecord reads.
func eventArray(events []contract.Event) ([]byte, error) {
	if events == nil {
		events = []contract.Event{}
	}
	return json.Marshal(events)
}

func isNoRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}

func isForeignKeyViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23503"
}

// projectEntities writes the entities and checks as they stand, a
// statement for each table whatever their number. The newest write's are
// the whole state: rows that only a failed workflow task wrote, or that a
// draft's edit replaced, are dropped, the rest upserted. No two rows of a
// write share an ID (the workflow derives them, and an entity's checks
// are of distinct types), which an upsert of many rows needs.
func (s *Store) projectEntities(ctx context.Context, tx *sqlx.Tx, c contract.Case) error {
	if len(c.Entities) == 0 && c.Family != contract.FamilyOnboarding {
		return nil
	}
	entities := make([]entityRow, 0, len(c.Entities))
	checks := []checkRow{}
	for i, e := range c.Entities {
		details := e.Details
		if len(details) == 0 || string(details) == "null" {
			details = json.RawMessage(`{}`)
		}
		entities = append(entities, entityRow{ID: e.ID, Position: i, Kind: e.Kind, Name: e.Name, Role: e.Role, Details: details})
		for j, ch := range e.Checks {
			checks = append(checks, checkRow{ID: ch.ID, EntityID: e.ID, Position: j, Type: ch.Type, Status: string(ch.Status),
				Reason: ch.Reason, Provider: ch.Provider, Reference: ch.Reference, UpdatedAt: ch.UpdatedAt, FromProvider: ch.FromProvider})
		}
	}
	entitiesJSON, err := json.Marshal(entities)
	if err != nil {
		return fmt.Errorf("project entities of case %s: %w", c.ID, err)
	}
	checksJSON, err := json.Marshal(checks)
	if err != nil {
		return fmt.Errorf("project checks of case %s: %w", c.ID, err)
	}
	if c.Family == contract.FamilyOnboarding {
		if _, err := s.txExec(ctx, tx, deleteStaleChecks, c.ID, checksJSON); err != nil {
			return fmt.Errorf("project checks of case %s: %w", c.ID, err)
		}
		if _, err := s.txExec(ctx, tx, deleteStaleEntities, c.ID, entitiesJSON); err != nil {
			return fmt.Errorf("project entities of case %s: %w", c.ID, err)
		}
	}
	if len(entities) == 0 {
		return nil
	}
	if _, err := s.txExec(ctx, tx, upsertEntities, c.ID, entitiesJSON); err != nil {
		return fmt.Errorf("project entities of case %s: %w", c.ID, err)
	}
	if len(checks) == 0 {
		return nil
	}
	if _, err := s.txExec(ctx, tx, upsertChecks, c.ID, checksJSON); err != nil {
		return fmt.Errorf("project checks of case %s: %w", c.ID, err)
	}
	return nil
}

// The statements of projectEntities: $1 is the case, $2 a JSON array of
// entityRow or checkRow.
const (
	deleteStaleChecks = `DELETE FROM case_checks c WHERE case_id = $1 AND NOT EXISTS (
		SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(id uuid) WHERE k.id = c.id)`
	deleteStaleEntities = `DELETE FROM case_entities e WHERE case_id = $1 AND NOT EXISTS (
		SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(id uuid) WHERE k.id = e.id)`
	upsertEntities = `
		INSERT INTO case_entities (id, case_id, position, kind, name, role, details)
		SELECT e.id, $1, e.position, e.kind, e.name, e.role, e.details
		FROM jsonb_to_recordset($2::jsonb) AS e(id uuid, position int, kind text, name text, role text, details jsonb)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, role = excluded.role,
			details = excluded.details`
	upsertChecks = `
		INSERT INTO case_checks (id, case_id, entity_id, position, type, status, reason, provider, reference, updated_at, from_provider)
		SELECT k.id, $1, k."entityId", k.position, k.type, k.status, k.reason, k.provider, k.reference, k."updatedAt", k."fromProvider"
		FROM jsonb_to_recordset($2::jsonb) AS k(id uuid, "entityId" uuid, position int, type text, status text,
			reason text, provider text, reference text, "updatedAt" timestamptz, "fromProvider" boolean)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason = excluded.reason, provider = excluded.provider,
			reference = excluded.reference, updated_at = excluded.updated_at`
)

// entityRow and checkRow are an entity and a check as the projection's
// statements read them from a JSON array: every column, none omitted.
type entityRow struct {
	ID       string          `json:"id"`
	Position int             `json:"position"`
	Kind     string          `json:"kind"`
	Name     string          `json:"name"`
	Role     string          `json:"role"`
	Details  json.RawMessage `json:"details"`
}

type checkRow struct {
	ID           string    `json:"id"`
	EntityID     string    `json:"entityId"`
	Position     int       `json:"position"`
	Type         string    `json:"type"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason"`
	Provider     string    `json:"provider"`
	Reference    string    `json:"reference"`
	UpdatedAt    time.Time `json:"updatedAt"`
	FromProvider bool      `json:"fromProvider"`
}

// Entity is a projected entity with its checks.
type Entity struct {
	ID      string  `db:"id"`
	CaseID  string  `db:"case_id"`
	Kind    string  `db:"kind"`
	Name    string  `db:"name"`
	Role    string  `db:"role"`
	Details JSON    `db:"details"`
	Checks  []Check `db:"-"`
}

// Check is a projected check.
type Check struct {
	ID        string `db:"id"`
	CaseID    string `db:"case_id"`
	EntityID  string `db:"entity_id"`
	Type      string `db:"type"`
	Status    string `db:"status"`
	Reason    string `db:"reason"`
	Provider  string `db:"provider"`
	Reference string `db:"reference"`
	// FromProvider checks are answered by a screening provider.
	FromProvider bool      `db:"from_provider"`
	UpdatedAt    time.Time `db:"updated_at"`
}

// Requested reports whether the client still has to provide this check:
// the same rule as the workflow's, over the projection.
func (c Check) Requested() bool {
	return contract.ClientOwes(contract.CheckStatus(c.Status), c.FromProvider)
}

const checkColumns = `id, case_id, entity_id, type, status, reason, provider, reference, from_provider, updated_at`

// Entities reads a case's entities, each with its checks, in the order
// they were added.
func (s *Store) Entities(ctx context.Context, caseID string) ([]Entity, error) {
	entities := []Entity{}
	err := s.list(ctx, &entities, `
		SELECT id, case_id, kind, name, role, details FROM case_entities
		WHERE case_id = $1 ORDER BY position`, caseID)
	if err != nil {
		return nil, fmt.Errorf("entities: %w", err)
	}
	var checks []Check
	err = s.list(ctx, &checks, `SELECT `+checkColumns+` FROM case_checks
		WHERE case_id = $1 ORDER BY entity_id, position`, caseID)
	if err != nil {
		return nil, fmt.Errorf("checks: %w", err)
	}
	for i := range entities {
		entities[i].Checks = []Check{}
		for _, c := range checks {
			if c.EntityID == entities[i].ID {
				entities[i].Checks = append(entities[i].Checks, c)
			}
		}
	}
	return entities, nil
}

// GetCheck reads one check of a case.
func (s *Store) GetCheck(ctx context.Context, caseID, checkID string) (Check, error) {
	var c Check
	err := s.get(ctx, &c, `SELECT `+checkColumns+` FROM case_checks WHERE case_id = $1 AND id = $2`, caseID, checkID)
	if errors.Is(err, sql.ErrNoRows) {
		return Check{}, ErrNotFound
	}
	if err != nil {
		return Check{}, fmt.Errorf("get check: %w", err)
	}
	return c, nil
}

func caseArgs(c contract.Case) []any {
	var clientName, clientEmail, clientExt *string
	if c.Client != nil {
		clientName, clientEmail, clientExt = nonEmpty(c.Client.Name), nonEmpty(c.Client.Email), nonEmpty(c.Client.ExternalID)
	}
	metadata := c.Metadata
	if len(metadata) == 0 {
		metadata = json.RawMessage(`{}`)
	}
	props, _ := json.Marshal(c.Properties)
	if c.Properties == nil {
		props = []byte(`{}`)
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	var resolutionNote *string
	if c.ResolutionNote != "" {
		resolutionNote = &c.ResolutionNote
	}
	return []any{
		c.ID, c.Type, string(c.Family), string(c.Priority), c.Title, c.Description,
		string(c.Status), c.AssignedTo, clientName, clientEmail, clientExt, c.RiskLevel,
		nonEmpty(c.ExternalID), []byte(metadata), props, pq.StringArray(tags), c.RelatedTransactionID,
		c.RelatedKycApplicationID, c.DueDate, nonEmpty(c.CreatedBy), c.ResolvedAt, resolutionNote,
		c.CreatedAt, c.UpdatedAt, c.Version, nonEmpty(string(c.Flag)), c.AutoApprove, c.Overdue,
	}
}

// GetCase reads one case.
func (s *Store) GetCase(ctx context.Context, id string) (Case, error) {
	var c Case
	err := s.get(ctx, &c, `SELECT `+caseColumns+` FROM cases c WHERE c.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, ErrNotFound
	}
	if err != nil {
		return Case{}, fmt.Errorf("get case: %w", err)
	}
	return c, nil
}

// Timeline reads a case's events in the order they happened, with the name
// of each actor: the audit timeline's committed events, then the events of
// the workflow task being committed now (pending on the case row).
func (s *Store) Timeline(ctx context.Context, caseID string) ([]Event, error) {
	events := []Event{}
	err := s.list(ctx, &events, timelineSelect+` ORDER BY seq`, caseID)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return events, nil
}

// GetEvent reads one event of a case's timeline.
func (s *Store) GetEvent(ctx context.Context, caseID, id string) (Event, error) {
	var e Event
	err := s.get(ctx, &e, timelineSelect+` WHERE ev.id = $2`, caseID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, ErrNotFound
	}
	if err != nil {
		return Event{}, fmt.Errorf("get event: %w", err)
	}
	return e, nil
}

// timelineSelect is the timeline of case $1: committed events and, after
// them, the pending ones not committed yet (a write confirms an event in
// the same transaction that drops it from pending, so the two overlap at
// most while a stale row waits to be overwritten).
const timelineSelect = `
	SELECT ev.*, coalesce(NULLIF(trim(u.first_name || ' ' || u.last_name), ''), u.email) AS actor_name,
		u.email AS actor_email, u.first_name AS actor_first_name, u.last_name AS actor_last_name
	FROM (
		SELECT e.id, e.case_id, e.seq, e.event_type, e.actor_id, e.description, e.previous_value,
			e.new_value, e.metadata, e.created_at
		FROM case_events e WHERE e.case_id = $1
		UNION ALL
		SELECT p.id, c.id, p.seq, p."eventType", p."actorId", p.description, p."previousValue",
			p."newValue", p.metadata, p."createdAt"
		FROM cases c, jsonb_to_recordset(c.pending_events) AS ` + eventRecord + `
		WHERE c.id = $1 AND p.seq > (SELECT coalesce(max(seq), 0) FROM case_events WHERE case_id = $1)
	) ev LEFT JOIN users u ON u.id = ev.actor_id`

// CaseFilter selects cases for a list. Empty fields do not filter.
type CaseFilter struct {
	Status     string
	Type       string
	Priority   string
	AssigneeID string
	Flag       string
	// Unassigned keeps only cases no one is assigned.
	Unassigned bool
	// Overdue, when set, keeps only cases that are (or are not) overdue.
	Overdue *bool
	// ByDue orders the list by due date, soonest first and undated last,
	// instead of newest first; it pages by Page only, not by After. A
	// search (Q) keeps its ranking.
	ByDue bool
	// Q searches the client's name and e-mail by words, ignoring case
	// and accents and forgiving a letter's typo, and the case number and
	// the author's name or e-mail anywhere in them, best match first
	// (searchCases); a case ID finds that case.
	Q     string
	Page  int
	Limit int
	// After, when set, pages by keyset instead of Page: the cases that
	// come after this one in the list's order (newest first, or a
	// search's ranking).
	After *Position
	// CountLimit, when set, stops the count at CountLimit+1: an exact
	// count of a million rows costs a hundred milliseconds and more, a
	// capped one reads at most that many index entries. A total above
	// CountLimit means "more than CountLimit".
	CountLimit int
}

// Position is a case's place in the list's order.
type Position struct {
	CreatedAt time.Time
	ID        string
}

// ListCases returns one page of cases and how many match (-1 when paging
// by keyset, which does not count): newest first, or, searched by Q
// (not a case ID), best match first and newest first among equals.
func (s *Store) ListCases(ctx context.Context, f CaseFilter) ([]Case, int, error) {
	q := strings.TrimSpace(f.Q)
	var byID string
	if id, err := uuid.Parse(q); err == nil {
		// A case ID names one case: the primary key finds it.
		byID = id.String()
	} else if q != "" {
		return s.searchCases(ctx, f, q)
	}
	var a sqlArgs
	where := filterConds(f, &a)
	if byID != "" {
		where = append(where, "c.id = "+a.add(byID))
	}
	total := -1
	// The count and the page are independent reads: on connections of
	// their own they overlap, and a list waits for the slower one only.
	g, gctx := errgroup.WithContext(ctx)
	if f.After == nil {
		count, countArgs := countQuery(where, cmp.Or(f.CountLimit, -1)), slices.Clone(a)
		g.Go(func() error {
			if err := s.db.GetContext(gctx, &total, count, countArgs...); err != nil {
				return fmt.Errorf("count cases: %w", err)
			}
			return nil
		})
	} else {
		where = append(where, keysetCond(*f.After, &a))
	}
	page := ` LIMIT ` + a.add(f.Limit)
	if f.After == nil {
		page += ` OFFSET ` + a.add((f.Page-1)*f.Limit)
	}
	items := []Case{}
	order := ` ORDER BY c.created_at DESC, c.id DESC`
	if f.ByDue {
		order = ` ORDER BY c.due_date ASC NULLS LAST, c.created_at DESC, c.id DESC`
	}
	query := `SELECT ` + listColumns + ` FROM cases c` + whereClause(where) + order + page
	g.Go(func() error {
		if err := s.db.SelectContext(gctx, &items, query, a...); err != nil {
			return fmt.Errorf("list cases: %w", err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

// sqlArgs collects a query's parameters as its text names them.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// filterConds are f's equality filters, each a condition on cases c.
func filterConds(f CaseFilter, a *sqlArgs) []string {
	var where []string
	for _, eq := range []struct{ column, value string }{
		{"c.status", f.Status}, {"c.type", f.Type}, {"c.priority", f.Priority},
		{"c.assigned_to", f.AssigneeID}, {"c.flag", f.Flag},
	} {
		if eq.value != "" {
			where = append(where, eq.column+" = "+a.add(eq.value))
		}
	}
	if f.Overdue != nil {
		where = append(where, "c.overdue = "+a.add(*f.Overdue))
	}
	if f.Unassigned {
		where = append(where, "c.assigned_to IS NULL")
	}
	return where
}

// keysetCond keeps the cases after p in (created_at, id) DESC order: a row
// comparison the (…, created_at DESC, id DESC) indexes seek to.
func keysetCond(p Position, a *sqlArgs) string {
	return "(c.created_at, c.id) < (" + a.add(p.CreatedAt) + ", " + a.add(p.ID) + "::uuid)"
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// countQuery counts the cases where holds, stopping at limit+1 unless
// limit is negative: an exact count of a million rows costs a hundred
// milliseconds and more, a capped one reads at most that many index
// entries.
func countQuery(where []string, limit int) string {
	if limit >= 0 {
		return `SELECT count(*) FROM (SELECT 1 FROM cases c` + whereClause(where) + ` LIMIT ` + strconv.Itoa(limit+1) + `) capped`
	}
	return `SELECT count(*) FROM cases c` + whereClause(where)
}

func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
