// Package workflows holds the case workflow: one long-lived workflow per
// case, the single authority on its state. It is deterministic and does no
// I/O; side effects are activities called by name.
package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/workflows/contract"
)

// contractChange names, for workflow.GetVersion, the change that holds a
// new case and every signal to the contract (package contract) inside the
// workflow. Both are replayed, and a case started before it may hold a
// value the contract now refuses: its history must replay as it ran.
// Update validators need no version: Temporal does not replay them.
const contractChange = "storable-values"

// flagChange names the change that keeps checks a provider answers out of
// what the client owes when the flag is derived: a case whose client has
// provided everything, with only screenings pending, is REVIEWING, where
// runs before it said COLLECTING. The flag decides FLAG_CHANGED events, so
// those runs must replay as they ran.
const flagChange = "flag-client-owes"

// officerMailsChange names the change that e-mails an officer when a case
// is assigned to them and when their case's client answers: new
// activities, which runs before it never scheduled.
const officerMailsChange = "officer-mails"

// requestItemChange names the change that makes a request's description
// something the client owes when nothing else is asked of them
// (requestItem): runs before it sent such a request with nothing to answer.
const requestItemChange = "request-item"

// baselineChange names the changes above and localProjectionChange at
// once, for runs that follow them all: every run started since. Each
// change a new run asks for records a marker and upserts the
// TemporalChangeVersion search attribute in its first workflow task: five
// of them cost a new case eight events more than one does
// (docs/ARCHITECTURE.md, "Versioning markers"). A change made after it
// gets a marker of its own, as before.
const baselineChange = "baseline-2026-11"

// CaseWorkflow runs one case from creation to its terminal status.
func CaseWorkflow(ctx workflow.Context, in contract.Input) (contract.Case, error) {
	v := versions(ctx)
	if in.Resume != nil {
		return resume(ctx, in.Resume, v)
	}
	var errs contract.Errors
	contract.ValidateCaseShape(&errs, in.New)
	contract.ValidateCaseEntities(&errs, in.New)
	if v.strict {
		contract.ValidateCaseValues(&errs, in.New, workflow.GetInfo(ctx).WorkflowStartTime)
	}
	if in.CaseNumber != "" && !contract.ValidCaseNumber(in.CaseNumber) {
		errs.Add("caseNumber", "must be CASE-<year>-<5+ digits>")
	}
	if err := errs.Err(); err != nil {
		return contract.Case{}, temporal.NewNonRetryableApplicationError(err.Error(), contract.CodeValidation, err)
	}
	life, _ := contract.LifecycleFor(in.New.Family)
	now := workflow.Now(ctx).UTC()
	r := &caseRun{
		life:        life,
		runVersions: v,
		c: contract.Case{
			NewCase:    in.New,
			CaseNumber: in.CaseNumber,
			Status:     life.Initial,
			// When the case was asked for; every attempt of the first
			// workflow task agrees on it (projection.go).
			CreatedAt: workflow.GetInfo(ctx).WorkflowStartTime.UTC(),
			UpdatedAt: now,
		},
	}
	for _, e := range in.New.Entities {
		r.addEntity(e, now)
	}
	r.c.NewCase.Entities = nil // the state keeps one copy: c.Entities
	r.c.Flag = r.flag()
	r.replan(now)
	r.startProjection(ctx, nil)
	// Handlers are registered before the first blocking call so the create
	// update that came with the start is never refused as unknown.
	if err := r.register(ctx); err != nil {
		return contract.Case{}, err
	}

	var author *string
	desc := "Case created"
	if r.c.CreatedBy != "" {
		author = &r.c.CreatedBy
	} else {
		desc = "Case opened by transaction screening"
	}
	created := r.event(contract.EventCaseCreated, author, desc, nil, contract.JSONValue(r.c.Status))
	var mails []contract.Notify
	if r.c.FromScreening {
		mails = append(mails, r.mail(contract.MailNewCase, contract.RecipientOfficers, created.Seq, ""))
	}
	if err := r.persistStarted(ctx, created); err != nil {
		return contract.Case{}, err
	}
	r.outbox = append(r.outbox, mails...)
	r.created = true
	return r.live(ctx)
}

// resume picks a case up where the previous run left it: its timers are
// re-armed from the stored plan, its unsent e-mails queued again.
func resume(ctx workflow.Context, from *contract.Resume, v runVersions) (contract.Case, error) {
	life, _ := contract.LifecycleFor(from.Case.Family)
	r := &caseRun{life: life, c: from.Case, created: true, outbox: from.Outbox, runVersions: v}
	r.restoreApplied(from.Applied)
	r.startProjection(ctx, from)
	if err := r.register(ctx); err != nil {
		return contract.Case{}, err
	}
	if err := r.upsertSearch(ctx); err != nil {
		return contract.Case{}, err
	}
	return r.live(ctx)
}

// live runs the case until it ends or its history is long enough to
// continue as new.
func (r *caseRun) live(ctx workflow.Context) (contract.Case, error) {
	workflow.Go(ctx, r.sendMail)

	// The main loop sleeps until the next due-date timer, a provider's
	// result (a signal, handled here in order), or a change of plan.
	results := workflow.GetSignalChannel(ctx, contract.SignalCheckResult)
	verdicts := workflow.GetSignalChannel(ctx, contract.SignalVerdict)
	for !r.life.IsTerminal(r.c.Status) {
		r.planChanged = false
		wake := func() bool {
			return r.life.IsTerminal(r.c.Status) || results.Len() > 0 || verdicts.Len() > 0 || r.planChanged || r.historyFull(ctx)
		}
		if len(r.c.Plan) > 0 {
			if wait := r.c.Plan[0].At.Sub(workflow.Now(ctx)); wait > 0 {
				// The timer's summary says what it is for in the history.
				opts := workflow.AwaitOptions{Timeout: wait, TimerOptions: workflow.TimerOptions{Summary: timerSummary(r.c, r.c.Plan[0])}}
				if _, err := workflow.AwaitWithOptions(ctx, opts, wake); err != nil {
					return contract.Case{}, err
				}
			}
			if err := r.carryOn(ctx, "timer", r.fireDue(ctx)); err != nil {
				return contract.Case{}, err
			}
		} else if err := workflow.Await(ctx, wake); err != nil {
			return contract.Case{}, err
		}
		var res contract.CheckResult
		for !r.life.IsTerminal(r.c.Status) && results.ReceiveAsync(&res) {
			if err := r.carryOn(ctx, "check result", r.onCheckResult(ctx, res)); err != nil {
				return contract.Case{}, err
			}
		}
		var v contract.VerdictLink
		for !r.life.IsTerminal(r.c.Status) && verdicts.ReceiveAsync(&v) {
			if err := r.carryOn(ctx, "verdict", r.onVerdict(ctx, v)); err != nil {
				return contract.Case{}, err
			}
		}
		if !r.life.IsTerminal(r.c.Status) && r.historyFull(ctx) {
			return r.continueAsNew(ctx, results, verdicts)
		}
	}
	// Let in-flight handlers finish and reply, the last e-mails (the
	// revocation notice) go out and the timeline be complete, before the
	// run completes.
	if err := workflow.Await(ctx, func() bool {
		return workflow.AllHandlersFinished(ctx) && len(r.outbox) == 0 && r.projected()
	}); err != nil {
		return contract.Case{}, err
	}
	return r.c, nil
}

// caseRun is the state of one run of the workflow.
type caseRun struct {
	life contract.Lifecycle
	c    contract.Case
	// created is set once CASE_CREATED is in Postgres; handlers wait for it
	// so the projection never sees a change before the case itself.
	created bool
	// outbox holds e-mails decided and not yet delivered.
	outbox []contract.Notify
	// planChanged wakes the main loop to re-arm its timer.
	planChanged bool
	// search is what the search attributes last showed.
	search *searchValues
	// applied are the updates applied lately (once.go), in order and by ID.
	applied      []contract.Applied
	appliedIndex map[string]string
	// handingOver refuses new updates while the run continues as new.
	handingOver bool
	// p is how the run writes to Postgres (projection.go).
	p projection
	runVersions
}

// runVersions are the changes a run follows, each false for a case whose
// history was recorded before it (workflow.GetVersion).
type runVersions struct {
	// strict holds the case's start and signals to the contract
	// (contractChange).
	strict bool
	// providersApart keeps provider checks out of the flag (flagChange).
	providersApart bool
	// officerMails tells officers of assignments and answers
	// (officerMailsChange).
	officerMails bool
	// describedOwed makes a request's description owed (requestItemChange).
	describedOwed bool
	// localWrites writes Postgres by a local activity inside the workflow
	// task that made the change (localProjectionChange).
	localWrites bool
}

// versions asks, before the run's first command, which changes this run
// follows. A run that records baselineChange follows every change before
// it and asks for none of them; a run recorded before it asks for each,
// in the order it always has. A change made after the baseline is asked
// for below it, by every run.
func versions(ctx workflow.Context) runVersions {
	since := func(change string) bool {
		return workflow.GetVersion(ctx, change, workflow.DefaultVersion, 1) >= 1
	}
	// The baseline's changes, all followed; only those belong here.
	v := runVersions{strict: true, providersApart: true, officerMails: true, describedOwed: true, localWrites: true}
	if !since(baselineChange) {
		v = runVersions{
			strict:         since(contractChange),
			providersApart: since(flagChange),
			officerMails:   since(officerMailsChange),
			describedOwed:  since(requestItemChange),
			localWrites:    since(localProjectionChange),
		}
	}
	return v
}

// changed is how an update that changes the case as a whole is answered.
func (r *caseRun) changed() contract.Changed {
	return contract.Changed{Version: r.c.Version, Status: r.c.Status}
}

func (r *caseRun) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.QueryState, r.state); err != nil {
		return err
	}
	// Every update but create (idempotent by itself) is guarded: applied
	// once per update ID, across Continue-As-New too (once.go).
	noRef := func(contract.Changed) string { return "" }
	standing := func(string) contract.Changed { return r.changed() }
	updates := []update{
		{name: contract.UpdateCreate, handler: r.onCreate},
		guarded(r, contract.UpdateStatus, checked[contract.StatusChange], plain(r.validateStatus), r.onStatus, noRef, standing),
		guarded(r, contract.UpdateAssign, checked[contract.Assignment], plain(r.validateAssign), r.onAssign, noRef, standing),
		guarded(r, contract.UpdateNote, checked[contract.Note], plain(r.validateNote), r.onNote, func(e contract.Event) string { return e.ID }, r.noteEvent),
		guarded(r, contract.UpdateSend, unchecked[contract.Send], plain(r.validateSend), r.onSend, noRef, standing),
		guarded(r, contract.UpdateEntity, checked[contract.AddEntity], plain(r.validateAddEntity), r.onAddEntity, func(e contract.Entity) string { return e.ID }, r.entityByID),
		guarded(r, contract.UpdateCheck, checked[contract.CheckChange], plain(r.validateCheck), r.onCheck, func(c contract.Check) string { return c.ID }, r.checkByID),
		guarded(r, contract.UpdateSubmit, checked[contract.Submission], plain(r.validateSubmit), r.onSubmit, noRef, standing),
		guarded(r, contract.UpdateDueDate, r.dueDateValues, r.validateDueDate, r.onDueDate, noRef, standing),
		guarded(r, contract.UpdateRevoke, checked[contract.Revocation], plain(r.validateRevoke), r.onRevoke, noRef, standing),
		guarded(r, contract.UpdateEdit, r.editValues, plain(r.validateEdit), r.onEdit, noRef, standing),
		guarded(r, contract.UpdateLink, checked[contract.TransactionLink], plain(r.validateLink), r.onLink, noRef, standing),
		guarded(r, contract.UpdateViewDocument, checked[contract.DocumentView], plain(r.validateViewDocument), r.onViewDocument,
			func(e contract.Event) string { return e.ID }, r.noteEvent),
	}
	for _, u := range updates {
		opts := workflow.UpdateHandlerOptions{Validator: u.validator}
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, opts); err != nil {
			return fmt.Errorf("register update %s: %w", u.name, err)
		}
	}
	return nil
}

func (r *caseRun) state() (contract.State, error) {
	return contract.State{Case: r.c, AllowedTransitions: r.life.Allowed(r.c.Status)}, nil
}

// onCreate answers the update that came with the workflow's start: the case
// once it is persisted, with its case number.
func (r *caseRun) onCreate(ctx workflow.Context) (contract.Case, error) {
	if err := workflow.Await(ctx, func() bool { return r.created }); err != nil {
		return contract.Case{}, err
	}
	return r.c, nil
}

func (r *caseRun) validateOpen() error {
	if r.life.IsTerminal(r.c.Status) {
		return reject(contract.CodeCaseClosed, fmt.Sprintf("case is %s and accepts no more changes", r.c.Status))
	}
	return nil
}

func (r *caseRun) validateStatus(ch contract.StatusChange) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if !slices.Contains(r.life.Statuses(), ch.Status) {
		return invalid(contract.FieldError{Field: "status", Message: fmt.Sprintf("unknown status %q for this case type", ch.Status)})
	}
	if !r.life.CanMove(r.c.Status, ch.Status) {
		allowed := r.life.Allowed(r.c.Status)
		names := make([]string, len(allowed))
		for i, s := range allowed {
			names[i] = string(s)
		}
		msg := fmt.Sprintf("cannot move a case from %s to %s; allowed next states: %s", r.c.Status, ch.Status, strings.Join(names, ", "))
		if r.c.Status == contract.StatusDraft && ch.Status == contract.StatusOpen {
			msg += "; a draft opens when its request is sent"
		}
		return reject(contract.CodeInvalidTransition, msg, map[string]any{"from": r.c.Status, "to": ch.Status, "allowed": allowed})
	}
	if err := validAssignee(ch.AssigneeID, ch.AssigneeRole); err != nil {
		return err
	}
	if r.c.FourEyes && r.life.Resolves(ch.Status) && r.c.SubmittedBy != nil && *r.c.SubmittedBy == ch.ActorID {
		return reject(contract.CodeFourEyes, "four-eyes rule: the person who submitted this case for review cannot also decide it")
	}
	if r.life.NeedsNote(ch.Status) && strings.TrimSpace(ch.ResolutionNote) == "" {
		return invalid(contract.FieldError{Field: "resolutionNote", Message: fmt.Sprintf("is required to move a case to %s", ch.Status)})
	}
	return nil
}

func (r *caseRun) onStatus(ctx workflow.Context, ch contract.StatusChange) (contract.Changed, error) {
	from := r.c.Status
	r.c.Status = ch.Status
	if r.life.Resolves(ch.Status) {
		at := workflow.Now(ctx).UTC()
		r.c.ResolvedAt = &at
	}
	if ch.Status == contract.StatusPendingReview {
		actor := ch.ActorID
		r.c.SubmittedBy = &actor
	}
	var meta json.RawMessage
	if note := strings.TrimSpace(ch.ResolutionNote); note != "" {
		r.c.ResolutionNote = note
		meta = contract.JSONValue(map[string]string{"resolutionNote": note})
	}
	ev := r.event(contract.EventStatusChanged, &ch.ActorID, fmt.Sprintf("Status changed from %s to %s", from, ch.Status), contract.JSONValue(from), contract.JSONValue(ch.Status))
	ev.Metadata = meta
	events, mails := []contract.Event{ev}, []contract.Notify(nil)
	// Escalating to a senior officer names them in the same change.
	if ch.AssigneeID != nil && !contract.SameID(r.c.AssignedTo, ch.AssigneeID) {
		assigned, m := r.assign(ch.ActorID, ch.AssigneeID, "")
		events, mails = append(events, assigned), m
	}
	if r.life.IsTerminal(ch.Status) {
		r.c.Overdue = false
	}
	r.replan(workflow.Now(ctx).UTC())
	if err := r.commit(ctx, events, mails...); err != nil {
		return contract.Changed{}, err
	}
	return r.changed(), nil
}

func (r *caseRun) validateAssign(a contract.Assignment) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if err := validAssignee(a.AssigneeID, a.AssigneeRole); err != nil {
		return err
	}
	// A claim takes a case nobody owns: one already someone else's is
	// theirs, unless a bank admin takes it over.
	if a.Claim && r.c.AssignedTo != nil && *r.c.AssignedTo != a.ActorID && a.AssigneeRole != contract.RoleBankAdmin {
		return reject(contract.CodeAlreadyAssigned, "the case is assigned to someone else; a bank admin may reassign it",
			map[string]any{"assignedTo": *r.c.AssignedTo})
	}
	return nil
}

// validAssignee refuses an assignee who may not own cases.
func validAssignee(id *string, role contract.Role) error {
	if id != nil && !role.CanBeAssigned() {
		return reject(contract.CodeInvalidAssignee, "a case can only be assigned to a compliance officer or a bank admin",
			contract.FieldError{Field: "assigneeId", Message: "is not a compliance officer or bank admin"})
	}
	return nil
}

func (r *caseRun) onAssign(ctx workflow.Context, a contract.Assignment) (contract.Changed, error) {
	if contract.SameID(r.c.AssignedTo, a.AssigneeID) {
		return r.changed(), nil // already so: nothing to record
	}
	desc := ""
	if a.Claim {
		desc = "Case claimed"
	}
	ev, mails := r.assign(a.ActorID, a.AssigneeID, desc)
	if err := r.commit(ctx, []contract.Event{ev}, mails...); err != nil {
		return contract.Changed{}, err
	}
	return r.changed(), nil
}

// assign gives the case to a user (nil: to nobody) and records it, with
// the e-mail that tells a new assignee, unless they assigned themself.
func (r *caseRun) assign(actor string, to *string, desc string) (contract.Event, []contract.Notify) {
	prev := r.c.AssignedTo
	r.c.AssignedTo = to
	if desc == "" {
		desc = "Case unassigned"
		if to != nil {
			desc = "Case assigned"
		}
	}
	ev := r.event(contract.EventAssigned, &actor, desc, contract.JSONValue(prev), contract.JSONValue(to))
	if !r.officerMails || to == nil || *to == actor {
		return ev, nil
	}
	return ev, []contract.Notify{r.mail(contract.MailAssigned, contract.UserRecipient(*to), ev.Seq, "")}
}

func (r *caseRun) validateNote(contract.Note) error { return r.validateOpen() }

func (r *caseRun) onNote(ctx workflow.Context, n contract.Note) (contract.Event, error) {
	events := []contract.Event{r.event(contract.EventNoteAdded, &n.ActorID, strings.TrimSpace(n.Content), nil, nil)}
	// The event goes back with a refused write too: the note is applied
	// (guarded records it) and is written later.
	err := r.persist(ctx, events...) // stamps the event's time
	return events[0], err
}

// historyFull says the run's history should end: Temporal suggests it, or
// it reached three quarters of the case's limit. The last quarter is
// headroom: until every handler has finished, updates keep arriving (about
// 220 events' worth from 16 busy callers, measured), and no run may pass
// the limit itself.
func (r *caseRun) historyFull(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	limit := r.c.HistoryLimit
	if limit <= 0 {
		limit = contract.DefaultHistoryLimit
	}
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= limit*3/4
}

// continueAsNew hands the case to a fresh run once every handler has
// finished and every signal is taken in, so nothing is lost between runs.
// New updates are refused meanwhile (admit), or the handlers would never
// all be finished under steady load; callers send them again.
func (r *caseRun) continueAsNew(ctx workflow.Context, results, verdicts workflow.ReceiveChannel) (contract.Case, error) {
	r.handingOver = true
	if err := workflow.Await(ctx, func() bool {
		return workflow.AllHandlersFinished(ctx) && r.settled()
	}); err != nil {
		return contract.Case{}, err
	}
	var res contract.CheckResult
	for results.ReceiveAsync(&res) {
		if err := r.carryOn(ctx, "check result", r.onCheckResult(ctx, res)); err != nil {
			return contract.Case{}, err
		}
	}
	var v contract.VerdictLink
	for verdicts.ReceiveAsync(&v) {
		if err := r.carryOn(ctx, "verdict", r.onVerdict(ctx, v)); err != nil {
			return contract.Case{}, err
		}
	}
	next := &contract.Resume{Case: r.c, Outbox: r.outbox, Applied: r.recentApplied(workflow.Now(ctx))}
	r.handOver(ctx, next)
	return contract.Case{}, workflow.NewContinueAsNewError(ctx, contract.WorkflowName, contract.Input{Resume: next})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ready waits until the case itself is persisted.
func (r *caseRun) ready(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return r.created })
}

// event records the next timeline event. It must be called before the
// handler blocks, so sequence numbers are handed out in order.
func (r *caseRun) event(typ string, actor *string, desc string, prev, next json.RawMessage) contract.Event {
	r.c.Version++
	return contract.Event{
		ID:            contract.EventID(r.c.ID, r.c.Version),
		CaseID:        r.c.ID,
		Seq:           r.c.Version,
		Type:          typ,
		ActorID:       actor,
		Description:   desc,
		PreviousValue: prev,
		NewValue:      next,
	}
}

// reject builds the error a validator or handler refuses with. Its one
// detail is the list the API puts in the error envelope's details.
func reject(code, msg string, details ...any) error {
	if details == nil {
		details = []any{}
	}
	return temporal.NewApplicationErrorWithOptions(msg, code, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{details}})
}

func invalid(fields ...contract.FieldError) error {
	details := make([]any, len(fields))
	for i, f := range fields {
		details[i] = f
	}
	return reject(contract.CodeValidation, contract.ValidationError(fields).Error(), details...)
}

func asRejection(err error) error {
	var v contract.ValidationError
	if errors.As(err, &v) {
		return invalid(v...)
	}
	return err
}

// Register puts the workflows on a worker under their contract names.
func Register(r interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}) {
	r.RegisterWorkflowWithOptions(CaseWorkflow, workflow.RegisterOptions{Name: contract.WorkflowName})
	r.RegisterWorkflowWithOptions(DigestWorkflow, workflow.RegisterOptions{Name: contract.DigestWorkflowName})
}
