package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// createCaseRequest is the body of POST /cases.
type createCaseRequest struct {
	Type                    string            `json:"type"`
	Priority                string            `json:"priority"`
	Title                   string            `json:"title"`
	Description             string            `json:"description"`
	Client                  *contract.Client  `json:"client"`
	RiskLevel               *string           `json:"riskLevel"`
	ExternalID              string            `json:"externalId"`
	Metadata                json.RawMessage   `json:"metadata"`
	Properties              map[string]string `json:"properties"`
	Tags                    []string          `json:"tags"`
	RelatedTransactionID    *string           `json:"relatedTransactionId"`
	RelatedKycApplicationID *string           `json:"relatedKycApplicationId"`
	DueDate                 *time.Time        `json:"dueDate"`
	Entities                []entityRequest   `json:"entities"`
	AutoApprove             *bool             `json:"autoApprove"`
}

// entityRequest is an entity in POST /cases or POST /cases/:id/entities.
type entityRequest struct {
	Kind    string          `json:"kind"`
	Name    string          `json:"name"`
	Role    string          `json:"role"`
	Details json.RawMessage `json:"details"`
}

// newEntity adds the checks the configuration requires of this entity.
func (s *Server) newEntity(caseType string, e entityRequest) contract.NewEntity {
	checks := s.cfg.Cases.RequiredChecks(caseType, e.Kind)
	var fromProvider []string
	for _, c := range checks {
		if slices.Contains(s.cfg.Cases.ProviderChecks, c) {
			fromProvider = append(fromProvider, c)
		}
	}
	return contract.NewEntity{
		Kind: e.Kind, Name: e.Name, Role: e.Role, Details: e.Details,
		Checks: checks, ProviderChecks: fromProvider,
	}
}

func (s *Server) createCase(c *fiber.Ctx) error {
	var req createCaseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	user := currentUser(c)
	family, known := s.cfg.Cases.Types[req.Type]
	if req.Type == "" {
		return invalid(contract.FieldError{Field: "type", Message: "is required"})
	}
	if !known {
		return invalid(contract.FieldError{Field: "type", Message: fmt.Sprintf("unknown case type %q", req.Type)})
	}
	if req.Priority == "" && family == contract.FamilyOnboarding {
		// An investigation's priority is the author's call; an onboarding
		// case's is routine unless said otherwise.
		req.Priority = "MEDIUM"
	}
	if string(req.Metadata) == "null" {
		req.Metadata = nil
	}
	var due *time.Time
	if req.DueDate != nil {
		d := req.DueDate.UTC()
		due = &d
	}
	autoApprove := s.cfg.Cases.AutoApprove[req.Type]
	if req.AutoApprove != nil {
		autoApprove = *req.AutoApprove
	}
	if req.AutoApprove != nil && *req.AutoApprove && family != contract.FamilyOnboarding {
		return invalid(contract.FieldError{Field: "autoApprove", Message: "only onboarding cases approve automatically"})
	}
	entities := make([]contract.NewEntity, len(req.Entities))
	for i, e := range req.Entities {
		entities[i] = s.newEntity(req.Type, e)
	}
	title := strings.TrimSpace(req.Title)
	if title == "" && family == contract.FamilyOnboarding && req.Client != nil && strings.TrimSpace(req.Client.Name) != "" {
		title = defaultTitle(req.Type, req.Client.Name)
	}
	nc := contract.NewCase{
		ID:                      resourceID(c),
		Type:                    req.Type,
		Family:                  family,
		NeedsIndividual:         slices.Contains(s.cfg.Cases.NeedsIndividual, req.Type),
		Priority:                contract.Priority(req.Priority),
		Title:                   title,
		Description:             strings.TrimSpace(req.Description),
		Client:                  req.Client,
		RiskLevel:               req.RiskLevel,
		ExternalID:              req.ExternalID,
		Metadata:                req.Metadata,
		Properties:              req.Properties,
		Tags:                    req.Tags,
		RelatedTransactionID:    req.RelatedTransactionID,
		RelatedKycApplicationID: req.RelatedKycApplicationID,
		DueDate:                 due,
		CreatedBy:               user.ID,
		Entities:                entities,
		AutoApprove:             autoApprove,
		FourEyes:                s.cfg.Cases.FourEyes,
		Reminders:               s.reminderPolicy(),
		HistoryLimit:            s.cfg.Temporal.HistoryLimit,
		MaxDueYears:             s.cfg.Cases.MaxDueYears,
	}
	if err := contract.ValidateNewCase(nc, time.Now()); err != nil {
		return asInvalid(err)
	}
	// The number is drawn before the start: the workflow's summary in the
	// Temporal UI is fixed then, and names the case by it. A retry that
	// reaches the case already started leaves its number unused, a gap.
	number, err := s.store.NextCaseNumber(c.UserContext(), time.Now())
	if err != nil {
		return err
	}

	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	// A repeat reaches the same case (temporalclient.Cases.Create).
	created, err := s.cases.Create(ctx, contract.Input{New: nc, CaseNumber: number})
	if err != nil {
		return fmt.Errorf("create case: %w", err)
	}
	return s.respondCase(c, http.StatusCreated, created.ID)
}

// defaultTitle names an onboarding case after its type and client:
// "Identity verification: Jane Roe".
func defaultTitle(caseType, client string) string {
	words := strings.ToLower(strings.ReplaceAll(caseType, "_", " "))
	words = strings.Replace(words, "kyc", "KYC", 1)
	return strings.ToUpper(words[:1]) + words[1:] + ": " + strings.TrimSpace(client)
}

// reminderPolicy is the configured policy, copied into each new case.
func (s *Server) reminderPolicy() contract.ReminderPolicy {
	return contract.ReminderPolicy{
		Before:       s.cfg.Reminders.Before,
		OverdueEvery: s.cfg.Reminders.OverdueEvery,
		OverdueMax:   s.cfg.Reminders.OverdueMax,
	}
}

func (s *Server) listCases(c *fiber.Ctx) error {
	f, err := s.caseFilter(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.ListCases(c.UserContext(), f)
	if err != nil {
		return err
	}
	items := make([]caseJSON, len(rows))
	for i, r := range rows {
		items[i] = toCaseJSON(r)
	}
	if err := s.withAssignees(c.UserContext(), items); err != nil {
		return err
	}
	out := fiber.Map{"items": items, "limit": f.Limit, "nextCursor": nil,
		"total": nil, "totalCapped": nil, "page": nil, "totalPages": nil}
	if len(rows) == f.Limit {
		last := rows[len(rows)-1]
		out["nextCursor"] = EncodeCursor(store.Position{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	if f.After == nil {
		capped := total > f.CountLimit
		total = min(total, f.CountLimit)
		out["total"], out["totalCapped"], out["page"] = total, capped, f.Page
		out["totalPages"] = int(math.Ceil(float64(total) / float64(f.Limit)))
	}
	return ok(c, http.StatusOK, out)
}

// withAssignees fills in each case's assignee, all read in one query.
func (s *Server) withAssignees(ctx context.Context, items []caseJSON) error {
	var ids []string
	for _, it := range items {
		if it.AssignedTo != nil && !slices.Contains(ids, *it.AssignedTo) {
			ids = append(ids, *it.AssignedTo)
		}
	}
	users, err := s.store.UsersByID(ctx, ids)
	if err != nil {
		return err
	}
	for i, it := range items {
		for _, u := range users {
			if it.AssignedTo != nil && u.ID == *it.AssignedTo {
				items[i].Assignee = toUserJSON(u)
			}
		}
	}
	return nil
}

// EncodeCursor writes a case's place in the list as a cursor, opaque to clients.
func EncodeCursor(p store.Position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(p.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + p.ID))
}

func decodeCursor(s string) (store.Position, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.Position{}, false
	}
	at, id, ok := strings.Cut(string(raw), "|")
	if !ok {
		return store.Position{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return store.Position{}, false
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return store.Position{}, false
	}
	return store.Position{CreatedAt: t, ID: u.String()}, true
}

const (
	defaultLimit = 20
	maxLimit     = 100
	// ListCountLimit caps a list's total: past it the answer says "at
	// least" (totalCapped), and deep pages go by cursor. Counting is most
	// of a filtered list's cost over a million cases: to 10,000, two
	// filters took 10 ms and a common surname 15-35 ms; to 1,000, a tenth.
	ListCountLimit = 1_000
)

func (s *Server) caseFilter(c *fiber.Ctx) (store.CaseFilter, error) {
	f := store.CaseFilter{
		Status: c.Query("status"), Type: c.Query("type"), Priority: c.Query("priority"),
		AssigneeID: c.Query("assigneeId"), Flag: c.Query("flag"), Q: c.Query("q"),
		Page: 1, Limit: defaultLimit, CountLimit: ListCountLimit,
	}
	var errs []contract.FieldError
	bad := func(field, msg string) { errs = append(errs, contract.FieldError{Field: field, Message: msg}) }
	// Any other parameter is a 422, not silently ignored: a misspelt
	// filter would otherwise list everything.
	params := []string{"status", "type", "priority", "assigneeId", "flag", "overdue", "q", "page", "limit", "cursor"}
	for _, name := range slices.Sorted(maps.Keys(c.Queries())) {
		if !slices.Contains(params, name) {
			bad(name, "is not a parameter of this list; it takes "+strings.Join(params, ", "))
		}
	}
	if f.Status != "" && !contract.ValidStatus(f.Status) {
		bad("status", "unknown status")
	}
	if _, ok := s.cfg.Cases.Types[f.Type]; f.Type != "" && !ok {
		bad("type", "unknown case type")
	}
	if f.Priority != "" && !contract.ValidPriority(f.Priority) {
		bad("priority", "must be LOW, MEDIUM, HIGH or CRITICAL")
	}
	if f.Flag != "" && !contract.ValidFlag(f.Flag) {
		bad("flag", "must be COLLECTING, REVIEWING, RECOLLECTING or ALL_APPROVED")
	}
	if f.AssigneeID != "" {
		if _, err := uuid.Parse(f.AssigneeID); err != nil {
			bad("assigneeId", "must be a UUID")
		}
	}
	switch o := c.Query("overdue"); o {
	case "":
	case "true", "false":
		v := o == "true"
		f.Overdue = &v
	default:
		bad("overdue", "must be true or false")
	}
	if msg := contract.Query.Problem(f.Q); msg != "" {
		bad("q", msg)
	}
	if p := c.Query("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000 {
			bad("page", "must be a whole number from 1")
		}
		f.Page = n
	}
	if cur := c.Query("cursor"); cur != "" {
		pos, ok := decodeCursor(cur)
		switch {
		case !ok:
			bad("cursor", "is not a cursor this API gave out")
		case c.Query("page") != "":
			bad("cursor", "goes without page: a cursor pages by itself")
		default:
			f.After = &pos
		}
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			bad("limit", fmt.Sprintf("must be a whole number from 1 to %d", maxLimit))
		}
		f.Limit = n
	}
	if len(errs) > 0 {
		return f, invalid(errs...)
	}
	return f, nil
}

func (s *Server) getCase(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	return s.respondCase(c, http.StatusOK, id)
}

// caseState asks the workflow itself: the projection is read only when
// Temporal has no such workflow, to tell an unknown case from an old one.
func (s *Server) caseState(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	st, err := s.cases.State(ctx, id)
	if errors.Is(err, temporalclient.ErrNoWorkflow) {
		if _, err := s.store.GetCase(c.UserContext(), id); err != nil {
			return caseMissing(err)
		}
		// Queries reach completed workflows too, until Temporal's retention
		// removes their history.
		return apiError(http.StatusNotFound, codeNotFound, "case %s has ended and its live state is no longer kept; GET /cases/%s shows it", id, id)
	}
	if err != nil {
		return fmt.Errorf("query case: %w", err)
	}
	return ok(c, http.StatusOK, toStateJSON(st))
}

type statusRequest struct {
	Status         string `json:"status"`
	ResolutionNote string `json:"resolutionNote"`
	// AssigneeID gives the case to this user in the same change: an
	// escalation to a senior officer.
	AssigneeID *string `json:"assigneeId"`
}

// caseUpdate is the shape of most writes: let build turn the request into
// the update's argument (refusing what the API can tell is wrong), send
// the update to the case, and answer with the case as it now stands.
func (s *Server) caseUpdate(name string, build func(c *fiber.Ctx, id string) (any, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := caseID(c)
		if err != nil {
			return err
		}
		arg, err := build(c, id)
		if err != nil {
			return err
		}
		if err := s.checkValues(arg); err != nil {
			return err
		}
		if err := s.update(c, id, name, arg, nil); err != nil {
			return err
		}
		return s.respondCase(c, http.StatusOK, id)
	}
}

func (s *Server) statusChange(c *fiber.Ctx, _ string) (any, error) {
	var req statusRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	if req.Status == "" {
		return nil, invalid(contract.FieldError{Field: "status", Message: "is required"})
	}
	if !contract.ValidStatus(req.Status) {
		return nil, invalid(contract.FieldError{Field: "status", Message: fmt.Sprintf("unknown status %q", req.Status)})
	}
	ch := contract.StatusChange{ActorID: currentUser(c).ID, Status: contract.Status(req.Status), ResolutionNote: req.ResolutionNote}
	if req.AssigneeID != nil {
		assignee, err := s.assignee(c, *req.AssigneeID)
		if err != nil {
			return nil, err
		}
		ch.AssigneeID, ch.AssigneeRole = &assignee.ID, assignee.Role
	}
	return ch, nil
}

type assignRequest struct {
	// AssigneeID is required; null takes the case back from its assignee.
	AssigneeID *string `json:"assigneeId"`
}

func (s *Server) assignment(c *fiber.Ctx, _ string) (any, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return nil, err
	}
	if _, present := raw["assigneeId"]; !present {
		return nil, invalid(contract.FieldError{Field: "assigneeId", Message: "is required (null to unassign)"})
	}
	var req assignRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	a := contract.Assignment{ActorID: currentUser(c).ID}
	if req.AssigneeID != nil {
		assignee, err := s.assignee(c, *req.AssigneeID)
		if err != nil {
			return nil, err
		}
		a.AssigneeID, a.AssigneeRole = &assignee.ID, assignee.Role
	}
	return a, nil
}

// assignee looks up the user a case is to be given to: an existing,
// active user (the workflow checks that their role may own cases).
func (s *Server) assignee(c *fiber.Ctx, id string) (store.User, error) {
	refuse := func(msg string) error {
		return &Error{Status: http.StatusUnprocessableEntity, Code: contract.CodeInvalidAssignee,
			Message: msg, Details: []any{contract.FieldError{Field: "assigneeId", Message: msg}}}
	}
	if _, err := uuid.Parse(id); err != nil {
		return store.User{}, invalid(contract.FieldError{Field: "assigneeId", Message: "must be a UUID"})
	}
	u, err := s.store.UserByID(c.UserContext(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, refuse("no such user")
	case err != nil:
		return store.User{}, err
	case !u.Active():
		return store.User{}, refuse("is deactivated")
	}
	return u, nil
}

// claim gives the case to the caller: refused when it is someone else's,
// unless the caller is a bank admin.
func (s *Server) claim(c *fiber.Ctx, _ string) (any, error) {
	me := currentUser(c)
	return contract.Assignment{ActorID: me.ID, AssigneeID: &me.ID, AssigneeRole: me.Role, Claim: true}, nil
}

type noteRequest struct {
	Content string `json:"content"`
}

func (s *Server) addNote(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	var req noteRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	note := contract.Note{ActorID: currentUser(c).ID, Content: req.Content}
	if err := s.checkValues(note); err != nil {
		return err
	}
	var ev contract.Event
	if err := s.update(c, id, contract.UpdateNote, note, &ev); err != nil {
		return err
	}
	if ev.Type == "" {
		// A repeated update is answered with the first one's event ID only.
		stored, err := s.store.GetEvent(c.UserContext(), id, ev.ID)
		if err != nil {
			return err
		}
		return ok(c, http.StatusCreated, toEventJSON(stored))
	}
	// The event as the workflow recorded it, by the caller: what the
	// timeline shows, without reading it back.
	author := currentUser(c)
	name := author.Name()
	return ok(c, http.StatusCreated, eventJSON{ID: ev.ID, CaseID: ev.CaseID, EventType: ev.Type, ActorID: &author.ID,
		Actor: toActorJSON(author), ActorName: &name, Description: ev.Description, CreatedAt: ev.CreatedAt.UTC().Round(time.Microsecond)}) // as Postgres keeps it
}

// checkValues holds an update's argument to the contract, with the same
// function the workflow's validator calls, so a bad value is a 422 without
// a round trip to Temporal.
func (s *Server) checkValues(arg any) error {
	var err error
	switch a := arg.(type) {
	case contract.DueDateChange:
		err = a.ValidateAt(time.Now(), s.cfg.Cases.MaxDueYears)
	case interface{ Validate() error }:
		err = a.Validate()
	}
	return asInvalid(err)
}

// update sends a case workflow an update and waits for its outcome. A
// validator's refusal comes back as the 409/422 it names. The workflow
// is the authority on whether the case takes changes, so the projection
// is read only when Temporal has no running workflow for it.
func (s *Server) update(c *fiber.Ctx, id string, name string, arg, result any) error {
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	err := s.cases.Update(ctx, id, name, updateID(c, id, name), arg, result)
	if err != nil && temporalclient.WorkflowGone(err) {
		row, err := s.store.GetCase(c.UserContext(), id)
		if err != nil {
			return caseMissing(err)
		}
		return apiError(http.StatusConflict, contract.CodeCaseClosed, "case is %s and accepts no more changes", row.Status)
	}
	if err != nil {
		return fmt.Errorf("update %s on case %s: %w", name, id, err)
	}
	return nil
}

func caseID(c *fiber.Ctx) (string, error) { return pathUUID(c, "id", "case") }

// existingCase reads the case named in the path from the projection, so
// an unknown case is a 404 without a round trip to Temporal.
func (s *Server) existingCase(c *fiber.Ctx) (store.Case, error) {
	id, err := caseID(c)
	if err != nil {
		return store.Case{}, err
	}
	row, err := s.store.GetCase(c.UserContext(), id)
	if err != nil {
		return store.Case{}, caseMissing(err)
	}
	return row, nil
}

// caseMissing answers a failed read of the case's row: 404 when there is
// no such case.
func caseMissing(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound("case")
	}
	return err
}

// respondCase answers with the case's full detail from the projection.
// Updates return only after their projection write, so this reads them.
func (s *Server) respondCase(c *fiber.Ctx, status int, id string) error {
	ctx := c.UserContext()
	row, err := s.store.GetCase(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("case")
	}
	if err != nil {
		return err
	}
	events, err := s.store.Timeline(ctx, id)
	if err != nil {
		return err
	}
	entities, err := s.store.Entities(ctx, id)
	if err != nil {
		return err
	}
	d := caseDetailJSON{caseJSON: toCaseJSON(row), Entities: make([]entityJSON, len(entities)), AllowedTransitions: []string{}}
	for i, e := range entities {
		d.Entities[i] = toEntityJSON(e)
	}
	d.Timeline = make([]eventJSON, len(events))
	for i, e := range events {
		d.Timeline[i] = toEventJSON(e)
	}
	if life, ok := contract.LifecycleFor(contract.Family(row.Family)); ok {
		for _, st := range life.Allowed(contract.Status(row.Status)) {
			d.AllowedTransitions = append(d.AllowedTransitions, string(st))
		}
	}
	// Every transaction of the case: its related one first, then each
	// linked since, as the timeline recorded them.
	var txIDs []string
	if row.RelatedTransactionID.Valid {
		txIDs = append(txIDs, row.RelatedTransactionID.String)
	}
	for _, e := range events {
		var tx string
		if e.EventType == contract.EventTxLinked && json.Unmarshal(e.NewValue, &tx) == nil && !slices.Contains(txIDs, tx) {
			txIDs = append(txIDs, tx)
		}
	}
	d.Transactions = []*transactionJSON{}
	for _, tx := range txIDs {
		t, err := s.store.GetTransaction(ctx, tx)
		if errors.Is(err, store.ErrNotFound) {
			continue // linked by a verdict not kept here: nothing more to show
		}
		if err != nil {
			return err
		}
		tj := toTransactionJSON(t)
		d.Transactions = append(d.Transactions, tj)
		if row.RelatedTransactionID.Valid && tx == row.RelatedTransactionID.String {
			d.RelatedTransaction = tj
		}
	}
	if row.AssignedTo.Valid {
		u, err := s.store.UserByID(ctx, row.AssignedTo.String)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			d.Assignee = toUserJSON(u)
		}
	}
	d.TemporalURL = s.temporalURL(row.ID)
	return ok(c, status, d)
}

// temporalURL is the case's workflow in the Temporal UI, or "" without one.
func (s *Server) temporalURL(id string) string {
	base := strings.TrimRight(s.cfg.Temporal.UIURL, "/")
	if base == "" {
		return ""
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", base, url.PathEscape(s.cfg.Temporal.Namespace), url.PathEscape(id))
}

func (s *Server) sendRequest(c *fiber.Ctx, _ string) (any, error) {
	return contract.Send{ActorID: currentUser(c).ID}, nil
}

func (s *Server) addEntity(c *fiber.Ctx) error {
	row, err := s.existingCase(c)
	if err != nil {
		return err
	}
	var req entityRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	add := contract.AddEntity{ActorID: currentUser(c).ID, Entity: s.newEntity(row.Type, req)}
	if err := s.checkValues(add); err != nil {
		return err
	}
	var added contract.Entity
	if err := s.update(c, row.ID, contract.UpdateEntity, add, &added); err != nil {
		return err
	}
	entities, err := s.store.Entities(c.UserContext(), row.ID)
	if err != nil {
		return err
	}
	for _, e := range entities {
		if e.ID == added.ID {
			return ok(c, http.StatusCreated, toEntityJSON(e))
		}
	}
	return fmt.Errorf("entity %s of case %s is not in the projection", added.ID, row.ID)
}

type checkRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// checkChange moves a check: anyone who may create cases may submit it on
// the client's behalf; only officers and admins approve or reject.
func (s *Server) checkChange(c *fiber.Ctx, id string) (any, error) {
	check, err := s.caseCheck(c, id)
	if err != nil {
		return nil, err
	}
	var req checkRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	if !contract.ValidCheckStatus(req.Status) || req.Status == string(contract.CheckPending) {
		return nil, invalid(contract.FieldError{Field: "status", Message: "must be SUBMITTED, APPROVED or REJECTED"})
	}
	user := currentUser(c)
	if req.Status != string(contract.CheckSubmitted) && !user.Role.CanBeAssigned() {
		return nil, apiError(http.StatusForbidden, codeForbidden, "role %s may submit a check but not approve or reject it", user.Role)
	}
	return contract.CheckChange{ActorID: user.ID, CheckID: check.ID, Status: contract.CheckStatus(req.Status), Reason: req.Reason}, nil
}

type resultRequest struct {
	Result    string `json:"result"`
	Provider  string `json:"provider"`
	Reference string `json:"reference"`
}

// checkResult takes a provider's verdict. It is a signal: the answer (202)
// says it was delivered, and the case's timeline shows when it applied.
func (s *Server) checkResult(c *fiber.Ctx) error {
	row, check, err := s.existingCheck(c)
	if err != nil {
		return err
	}
	var req resultRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res := contract.CheckResult{CheckID: check.ID, Result: contract.CheckStatus(req.Result), Provider: req.Provider, Reference: req.Reference}
	if err := s.checkValues(res); err != nil {
		return err
	}
	if life, ok := contract.LifecycleFor(contract.Family(row.Family)); ok && life.IsTerminal(contract.Status(row.Status)) {
		return apiError(http.StatusConflict, contract.CodeCaseClosed, "case is %s and accepts no more changes", row.Status)
	}
	if st := contract.CheckStatus(check.Status); st != contract.CheckPending && st != contract.CheckSubmitted {
		return &Error{Status: http.StatusConflict, Code: contract.CodeInvalidTransition,
			Message: fmt.Sprintf("a %s check takes no provider result", st),
			Details: []any{map[string]any{"from": st, "to": req.Result, "allowed": contract.CheckAllowed(st)}}}
	}
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	if err := s.cases.Signal(ctx, row.ID, contract.SignalCheckResult, res); err != nil {
		if temporalclient.WorkflowGone(err) {
			return apiError(http.StatusConflict, contract.CodeCaseClosed, "case accepts no more changes; its workflow has completed")
		}
		return fmt.Errorf("signal check result: %w", err)
	}
	return ok(c, http.StatusAccepted, fiber.Map{"caseId": row.ID, "checkId": check.ID, "result": req.Result})
}

// existingCheck reads the case and the check named in the path.
func (s *Server) existingCheck(c *fiber.Ctx) (store.Case, store.Check, error) {
	row, err := s.existingCase(c)
	if err != nil {
		return store.Case{}, store.Check{}, err
	}
	check, err := s.caseCheck(c, row.ID)
	return row, check, err
}

// caseCheck reads the check named in the path, of this case.
func (s *Server) caseCheck(c *fiber.Ctx, forCase string) (store.Check, error) {
	id, err := pathUUID(c, "checkId", "check")
	if err != nil {
		return store.Check{}, err
	}
	check, err := s.store.GetCheck(c.UserContext(), forCase, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Check{}, notFound("check")
	}
	return check, err
}

func (s *Server) dueDateChange(c *fiber.Ctx, _ string) (any, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON(c, &raw); err != nil {
		return nil, err
	}
	value, present := raw["dueDate"]
	if !present || len(raw) != 1 {
		return nil, invalid(contract.FieldError{Field: "dueDate", Message: "is required: an RFC 3339 date-time, or null to clear it"})
	}
	var due *time.Time
	if err := json.Unmarshal(value, &due); err != nil {
		return nil, invalid(contract.FieldError{Field: "dueDate", Message: "must be an RFC 3339 date-time or null"})
	}
	return contract.DueDateChange{ActorID: currentUser(c).ID, DueDate: due}, nil
}

type revokeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) revocation(c *fiber.Ctx, _ string) (any, error) {
	var req revokeRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	return contract.Revocation{ActorID: currentUser(c).ID, Reason: req.Reason}, nil
}
