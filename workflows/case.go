// Package workflows holds the case workflow: one long-lived workflow per
// case, the single authority on its state. It is deterministic and does no
// I/O; side effects are activities called by name.
package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Input starts a case workflow.
type Input struct {
	New NewCase `json:"new"`
}

// CaseWorkflow runs one case from creation to its terminal status.
func CaseWorkflow(ctx workflow.Context, in Input) (Case, error) {
	if err := ValidateNewCase(in.New); err != nil {
		return Case{}, temporal.NewNonRetryableApplicationError(err.Error(), CodeValidation, err)
	}
	life, _ := LifecycleFor(in.New.Family)
	now := workflow.Now(ctx).UTC()
	r := &caseRun{
		life: life,
		c: Case{
			NewCase:   in.New,
			Status:    life.Initial,
			CreatedAt: now,
			UpdatedAt: now,
		},
	}
	// Handlers are registered before the first blocking call so the create
	// update that came with the start is never refused as unknown.
	if err := r.register(ctx); err != nil {
		return Case{}, err
	}

	created := r.event(EventCaseCreated, &r.c.CreatedBy, "Case created", nil, jsonValue(r.c.Status))
	if err := r.persist(ctx, created); err != nil {
		return Case{}, err
	}
	r.created = true

	if err := workflow.Await(ctx, func() bool { return r.life.IsTerminal(r.c.Status) }); err != nil {
		return Case{}, err
	}
	// Let in-flight handlers finish their projection writes and reply
	// before the run completes.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Case{}, err
	}
	return r.c, nil
}

// projectionOptions retry a projection write until Postgres takes it: the
// change is already decided, so giving up would lose it.
func projectionOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
		},
	}
}

// caseRun is the state of one run of the workflow.
type caseRun struct {
	life Lifecycle
	c    Case
	// created is set once CASE_CREATED is in Postgres; handlers wait for it
	// so the projection never sees a change before the case itself.
	created bool
}

func (r *caseRun) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, r.state); err != nil {
		return err
	}
	updates := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateCreate, r.onCreate, nil},
		{UpdateStatus, r.onStatus, r.validateStatus},
		{UpdateAssign, r.onAssign, r.validateAssign},
		{UpdateNote, r.onNote, r.validateNote},
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return fmt.Errorf("register update %s: %w", u.name, err)
		}
	}
	return nil
}

func (r *caseRun) state() (State, error) {
	return State{Case: r.c, AllowedTransitions: r.life.Allowed(r.c.Status)}, nil
}

// onCreate answers the update that came with the workflow's start: the case
// once it is persisted, with its case number.
func (r *caseRun) onCreate(ctx workflow.Context) (Case, error) {
	if err := workflow.Await(ctx, func() bool { return r.created }); err != nil {
		return Case{}, err
	}
	return r.c, nil
}

func (r *caseRun) validateOpen() error {
	if r.life.IsTerminal(r.c.Status) {
		return reject(CodeCaseClosed, fmt.Sprintf("case is %s and accepts no more changes", r.c.Status))
	}
	return nil
}

func (r *caseRun) validateStatus(ch StatusChange) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if !slices.Contains(r.life.Statuses(), ch.Status) {
		return invalid(FieldError{Field: "status", Message: fmt.Sprintf("unknown status %q for this case type", ch.Status)})
	}
	if !r.life.CanMove(r.c.Status, ch.Status) {
		allowed := r.life.Allowed(r.c.Status)
		names := make([]string, len(allowed))
		for i, s := range allowed {
			names[i] = string(s)
		}
		return reject(CodeInvalidTransition,
			fmt.Sprintf("cannot move a case from %s to %s; allowed next states: %s", r.c.Status, ch.Status, strings.Join(names, ", ")),
			map[string]any{"from": r.c.Status, "to": ch.Status, "allowed": allowed})
	}
	if r.life.NeedsNote(ch.Status) && strings.TrimSpace(ch.ResolutionNote) == "" {
		return invalid(FieldError{Field: "resolutionNote", Message: fmt.Sprintf("is required to move a case to %s", ch.Status)})
	}
	if len([]rune(ch.ResolutionNote)) > MaxNote {
		return invalid(FieldError{Field: "resolutionNote", Message: fmt.Sprintf("must be at most %d characters", MaxNote)})
	}
	return nil
}

func (r *caseRun) onStatus(ctx workflow.Context, ch StatusChange) (Case, error) {
	if err := r.ready(ctx); err != nil {
		return Case{}, err
	}
	// Another handler may have moved the case while this one waited.
	if err := r.validateStatus(ch); err != nil {
		return Case{}, err
	}
	from := r.c.Status
	r.c.Status = ch.Status
	if r.life.Resolves(ch.Status) {
		at := workflow.Now(ctx).UTC()
		r.c.ResolvedAt = &at
	}
	var meta json.RawMessage
	if note := strings.TrimSpace(ch.ResolutionNote); note != "" {
		r.c.ResolutionNote = note
		meta = jsonValue(map[string]string{"resolutionNote": note})
	}
	ev := r.event(EventStatusChanged, &ch.ActorID, fmt.Sprintf("Status changed from %s to %s", from, ch.Status), jsonValue(from), jsonValue(ch.Status))
	ev.Metadata = meta
	if err := r.persist(ctx, ev); err != nil {
		return Case{}, err
	}
	return r.c, nil
}

func (r *caseRun) validateAssign(a Assignment) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if a.AssigneeID != nil && !a.AssigneeRole.CanBeAssigned() {
		return reject(CodeInvalidAssignee, "a case can only be assigned to a compliance officer or a bank admin",
			FieldError{Field: "assigneeId", Message: "is not a compliance officer or bank admin"})
	}
	return nil
}

func (r *caseRun) onAssign(ctx workflow.Context, a Assignment) (Case, error) {
	if err := r.ready(ctx); err != nil {
		return Case{}, err
	}
	if err := r.validateAssign(a); err != nil {
		return Case{}, err
	}
	if equalIDs(r.c.AssignedTo, a.AssigneeID) {
		return r.c, nil // already so: nothing to record
	}
	prev := r.c.AssignedTo
	r.c.AssignedTo = a.AssigneeID
	desc := "Case unassigned"
	if a.AssigneeID != nil {
		desc = "Case assigned"
	}
	ev := r.event(EventAssigned, &a.ActorID, desc, jsonValue(prev), jsonValue(a.AssigneeID))
	if err := r.persist(ctx, ev); err != nil {
		return Case{}, err
	}
	return r.c, nil
}

func (r *caseRun) validateNote(n Note) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	return asRejection(ValidateNote(n.Content))
}

func (r *caseRun) onNote(ctx workflow.Context, n Note) (Event, error) {
	if err := r.ready(ctx); err != nil {
		return Event{}, err
	}
	if err := r.validateNote(n); err != nil {
		return Event{}, err
	}
	ev := r.event(EventNoteAdded, &n.ActorID, strings.TrimSpace(n.Content), nil, nil)
	if err := r.persist(ctx, ev); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// ready waits until the case itself is persisted.
func (r *caseRun) ready(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return r.created })
}

// event records the next timeline event. It must be called before the
// handler blocks, so sequence numbers are handed out in order.
func (r *caseRun) event(typ string, actor *string, desc string, prev, next json.RawMessage) Event {
	r.c.Version++
	return Event{
		ID:            EventID(r.c.ID, r.c.Version),
		CaseID:        r.c.ID,
		Seq:           r.c.Version,
		Type:          typ,
		ActorID:       actor,
		Description:   desc,
		PreviousValue: prev,
		NewValue:      next,
	}
}

// persist writes the case as it stands now with the given events, and
// stamps them with the workflow's clock.
func (r *caseRun) persist(ctx workflow.Context, events ...Event) error {
	now := workflow.Now(ctx).UTC()
	r.c.UpdatedAt = now
	for i := range events {
		events[i].CreatedAt = now
	}
	var number string
	ctx = workflow.WithLocalActivityOptions(ctx, projectionOptions())
	err := workflow.ExecuteLocalActivity(ctx, ProjectActivity, Projection{Case: r.snapshot(), Events: events}).Get(ctx, &number)
	if err != nil {
		return fmt.Errorf("project case %s: %w", r.c.ID, err)
	}
	if r.c.CaseNumber == "" {
		r.c.CaseNumber = number
	}
	return nil
}

// snapshot copies the case deeply enough that the local activity, which
// gets its arguments without serialisation, never shares memory the
// workflow goes on changing.
func (r *caseRun) snapshot() Case {
	c := r.c
	c.Tags = slices.Clone(r.c.Tags)
	c.Properties = maps.Clone(r.c.Properties)
	c.Metadata = slices.Clone(r.c.Metadata)
	return c
}

// reject builds the error a validator or handler refuses with. Its one
// detail is the list the API puts in the error envelope's details.
func reject(code, msg string, details ...any) error {
	if details == nil {
		details = []any{}
	}
	return temporal.NewApplicationErrorWithOptions(msg, code, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{details}})
}

func invalid(fields ...FieldError) error {
	details := make([]any, len(fields))
	for i, f := range fields {
		details[i] = f
	}
	return reject(CodeValidation, ValidationError(fields).Error(), details...)
}

func asRejection(err error) error {
	var v ValidationError
	if errors.As(err, &v) {
		return invalid(v...)
	}
	return err
}

func equalIDs(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// jsonValue encodes a timeline value. The values are plain data, so
// encoding cannot fail.
func jsonValue(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// Register puts the case workflow on a worker under its contract name.
func Register(r interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}) {
	r.RegisterWorkflowWithOptions(CaseWorkflow, workflow.RegisterOptions{Name: WorkflowName})
}
