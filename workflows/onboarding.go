package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"go.temporal.io/sdk/workflow"
)

// Onboarding: the client request's entities and checks, provider results,
// and the flag they move (its rules are contract.DeriveFlag).

func (r *caseRun) validateOnboarding() error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if r.c.Family != contract.FamilyOnboarding {
		return reject(contract.CodeInvalidTransition, "only onboarding cases have client requests, entities and checks")
	}
	return nil
}

func (r *caseRun) validateSend(contract.Send) error {
	if err := r.validateOnboarding(); err != nil {
		return err
	}
	if r.c.Status != contract.StatusDraft {
		return reject(contract.CodeInvalidTransition, fmt.Sprintf("the request was already sent: the case is %s", r.c.Status),
			map[string]any{"from": r.c.Status, "to": contract.StatusOpen, "allowed": r.life.Allowed(r.c.Status)})
	}
	return nil
}

// onSend opens a draft: the client request goes out.
func (r *caseRun) onSend(ctx workflow.Context, s contract.Send) (contract.Changed, error) {
	r.c.Status = contract.StatusOpen
	actor := s.ActorID
	r.c.SubmittedBy = &actor
	ev := r.event(contract.EventRequestSent, &s.ActorID, "Client request sent", contract.JSONValue(contract.StatusDraft), contract.JSONValue(contract.StatusOpen))
	events := []contract.Event{ev}
	if item, ok := r.requestItem(ctx); ok {
		events = append(events, item)
	}
	r.c.AwaitingClient = r.anythingRequested()
	// Checks approved before the request went out may already qualify.
	events = append(events, r.afterChecks(ctx)...)
	r.replan(workflow.Now(ctx).UTC())
	if err := r.commit(ctx, events, r.mail(contract.MailRequest, contract.RecipientClient, ev.Seq, "")); err != nil {
		return contract.Changed{}, err
	}
	return r.changed(), nil
}

func (r *caseRun) validateAddEntity(a contract.AddEntity) error {
	if err := r.validateOnboarding(); err != nil {
		return err
	}
	if len(r.c.Entities) >= contract.MaxEntities {
		return invalid(contract.FieldError{Field: "entities", Message: fmt.Sprintf("a case has at most %d entities", contract.MaxEntities)})
	}
	return nil
}

func (r *caseRun) onAddEntity(ctx workflow.Context, a contract.AddEntity) (contract.Entity, error) {
	e := r.addEntity(a.Entity, workflow.Now(ctx).UTC())
	ev := r.event(contract.EventEntityAdded, &a.ActorID, fmt.Sprintf("%s %s added as %s", strings.ToLower(e.Kind), e.Name, orDash(e.Role)), nil, contract.JSONValue(e))
	events := append([]contract.Event{ev}, r.afterChecks(ctx)...)
	err := r.persist(ctx, events...)
	return e, err
}

// addEntity appends an entity with its required checks, each PENDING.
func (r *caseRun) addEntity(ne contract.NewEntity, now time.Time) contract.Entity {
	// Entities are numbered in the order they were ever added, so one
	// added after a draft's entities were replaced gets an ID of its own.
	n := max(len(r.c.Entities), r.c.EntitiesAdded)
	r.c.EntitiesAdded = n + 1
	e := contract.Entity{
		ID:      contract.EntityID(r.c.ID, n),
		Kind:    ne.Kind,
		Name:    strings.TrimSpace(ne.Name),
		Role:    strings.TrimSpace(ne.Role),
		Details: ne.Details,
		Checks:  []contract.Check{},
	}
	for _, typ := range ne.Checks {
		if slices.ContainsFunc(e.Checks, func(c contract.Check) bool { return c.Type == typ }) {
			continue
		}
		e.Checks = append(e.Checks, contract.Check{ID: contract.CheckID(e.ID, typ), EntityID: e.ID, Type: typ, Status: contract.CheckPending,
			FromProvider: slices.Contains(ne.ProviderChecks, typ), UpdatedAt: now})
	}
	r.c.Entities = append(r.c.Entities, e)
	return e
}

// findCheck returns where a check is, or a 404 rejection.
func (r *caseRun) findCheck(id string) (int, int, error) {
	for i, e := range r.c.Entities {
		for j, c := range e.Checks {
			if c.ID == id {
				return i, j, nil
			}
		}
	}
	return 0, 0, reject(contract.CodeNotFound, fmt.Sprintf("check %s not found on this case", id))
}

func (r *caseRun) validateCheck(ch contract.CheckChange) error {
	if err := r.validateOnboarding(); err != nil {
		return err
	}
	i, j, err := r.findCheck(ch.CheckID)
	if err != nil {
		return err
	}
	if !contract.ValidCheckStatus(string(ch.Status)) {
		return invalid(contract.FieldError{Field: "status", Message: "must be SUBMITTED, APPROVED or REJECTED"})
	}
	from := r.c.Entities[i].Checks[j].Status
	if !contract.CheckCanMove(from, ch.Status) {
		return reject(contract.CodeInvalidTransition,
			fmt.Sprintf("a %s check cannot become %s", from, ch.Status),
			map[string]any{"from": from, "to": ch.Status, "allowed": contract.CheckAllowed(from)})
	}
	if ch.Status == contract.CheckRejected && strings.TrimSpace(ch.Reason) == "" {
		return invalid(contract.FieldError{Field: "reason", Message: "is required to reject a check: it tells the client what to provide again"})
	}
	return nil
}

func (r *caseRun) onCheck(ctx workflow.Context, ch contract.CheckChange) (contract.Check, error) {
	i, j, _ := r.findCheck(ch.CheckID)
	ev := r.moveCheck(ctx, i, j, &ch.ActorID, ch.Status, strings.TrimSpace(ch.Reason), "", "")
	events := append([]contract.Event{ev}, r.afterChecks(ctx)...)
	err := r.commit(ctx, events, r.recollect(ctx, ev, r.c.Entities[i].Checks[j])...)
	return r.c.Entities[i].Checks[j], err
}

// onCheckResult applies a provider's verdict. A signal cannot be refused,
// so one that no longer fits (unknown check, already decided) is logged
// and dropped; the API refuses what it can see is wrong before sending.
func (r *caseRun) onCheckResult(ctx workflow.Context, res contract.CheckResult) error {
	logger := workflow.GetLogger(ctx)
	if r.refuseSignal(ctx, contract.SignalCheckResult, res.Validate()) {
		return nil
	}
	if r.c.Family != contract.FamilyOnboarding || (res.Result != contract.CheckApproved && res.Result != contract.CheckRejected) {
		logger.Warn("check result ignored", "checkId", res.CheckID, "result", res.Result)
		return nil
	}
	i, j, err := r.findCheck(res.CheckID)
	if err != nil {
		logger.Warn("check result for an unknown check ignored", "checkId", res.CheckID)
		return nil
	}
	var events []contract.Event
	if r.c.Entities[i].Checks[j].Status == contract.CheckPending {
		// The provider holds the evidence: it was submitted to them.
		events = append(events, r.moveCheck(ctx, i, j, nil, contract.CheckSubmitted, "", res.Provider, res.Reference))
	}
	if !contract.CheckCanMove(r.c.Entities[i].Checks[j].Status, res.Result) {
		logger.Warn("check result does not apply", "checkId", res.CheckID, "status", r.c.Entities[i].Checks[j].Status, "result", res.Result)
		return nil
	}
	reason := ""
	if res.Result == contract.CheckRejected {
		reason = "Rejected by " + orDash(res.Provider)
	}
	ev := r.moveCheck(ctx, i, j, nil, res.Result, reason, res.Provider, res.Reference)
	events = append(events, ev)
	events = append(events, r.afterChecks(ctx)...)
	return r.commit(ctx, events, r.recollect(ctx, ev, r.c.Entities[i].Checks[j])...)
}

// recollect asks the client again after one of their checks was rejected
// on an open request: an e-mail (the same link works), and the reminders
// re-armed. A rejected provider screening is not the client's to redo.
func (r *caseRun) recollect(ctx workflow.Context, checkEvent contract.Event, c contract.Check) []contract.Notify {
	if r.c.Family != contract.FamilyOnboarding || r.c.Status != contract.StatusOpen || c.Status != contract.CheckRejected || c.FromProvider {
		return nil
	}
	r.c.AwaitingClient = true
	r.replan(workflow.Now(ctx).UTC())
	return []contract.Notify{r.mail(contract.MailRecollect, contract.RecipientClient, checkEvent.Seq, "")}
}

// moveCheck changes one check and records CHECK_UPDATED.
func (r *caseRun) moveCheck(ctx workflow.Context, i, j int, actor *string, to contract.CheckStatus, reason, provider, reference string) contract.Event {
	c := &r.c.Entities[i].Checks[j]
	from := c.Status
	c.Status, c.Reason, c.UpdatedAt = to, reason, workflow.Now(ctx).UTC()
	if provider != "" {
		c.Provider, c.Reference = provider, reference
	}
	ev := r.event(contract.EventCheckUpdated, actor, fmt.Sprintf("%s of %s: %s", c.Type, r.c.Entities[i].Name, to), contract.JSONValue(from), contract.JSONValue(to))
	ev.Metadata = contract.JSONValue(map[string]string{"checkId": c.ID, "entityId": c.EntityID, "checkType": c.Type,
		"reason": reason, "provider": c.Provider, "reference": c.Reference})
	return ev
}

// afterChecks re-derives the flag and, for an OPEN case with autoApprove,
// approves it once every check is approved. It returns the events.
func (r *caseRun) afterChecks(ctx workflow.Context) []contract.Event {
	var events []contract.Event
	if flag := r.flag(); flag != r.c.Flag {
		events = append(events, r.event(contract.EventFlagChanged, nil, "Progress: "+orDash(string(flag)), contract.JSONValue(nullable(r.c.Flag)), contract.JSONValue(nullable(flag))))
		r.c.Flag = flag
	}
	if r.c.AutoApprove && r.c.Status == contract.StatusOpen && r.c.Flag == contract.FlagAllApproved {
		r.c.Status = contract.StatusApproved
		at := workflow.Now(ctx).UTC()
		r.c.ResolvedAt = &at
		events = append(events, r.event(contract.EventAutoApproved, nil, "Every check approved: case approved automatically", contract.JSONValue(contract.StatusOpen), contract.JSONValue(contract.StatusApproved)))
	}
	return events
}

func (r *caseRun) flag() contract.Flag {
	var checks []contract.Check
	for _, e := range r.c.Entities {
		for _, c := range e.Checks {
			if !r.providersApart {
				c.FromProvider = false // as runs before flagChange judged them
			}
			checks = append(checks, c)
		}
	}
	return contract.DeriveFlag(checks)
}

func nullable(f contract.Flag) *contract.Flag {
	if f == "" {
		return nil
	}
	return &f
}
