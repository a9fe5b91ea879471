package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/workflows/contract"
)

// editValues holds the case as the edit would leave it to everything a
// new case is held to, so an edit can never store what a create could
// not. It runs in the validator only (guarded).
func (r *caseRun) editValues(ctx workflow.Context, e contract.CaseEdit) error {
	edited, changed := e.Apply(r.c.NewCase)
	if len(changed) == 0 && e.Entities == nil {
		return contract.ValidationError{{Field: "body", Message: "changes nothing: give a field with a new value"}}
	}
	// The due date has its own update; entities are checked only when the
	// edit replaces them.
	edited.DueDate = nil
	var errs contract.Errors
	contract.ValidateCaseShape(&errs, edited)
	if e.Entities != nil {
		edited.Entities = *e.Entities
		contract.ValidateCaseEntities(&errs, edited)
	}
	contract.ValidateCaseValues(&errs, edited, workflow.Now(ctx))
	return errs.Err()
}

func (r *caseRun) validateEdit(e contract.CaseEdit) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if (e.Client != nil || e.Entities != nil) && r.c.Status != contract.StatusDraft {
		return reject(contract.CodeInvalidTransition, fmt.Sprintf("the client and entities of a case are fixed once its request is sent (entities may still be added): the case is %s", r.c.Status))
	}
	return nil
}

// onEdit records what changed as one CASE_UPDATED event, with each
// changed field's previous and new value.
func (r *caseRun) onEdit(ctx workflow.Context, e contract.CaseEdit) (contract.Changed, error) {
	edited, changed := e.Apply(r.c.NewCase)
	if len(changed) == 0 && e.Entities == nil {
		return r.changed(), nil // a concurrent edit made it so already
	}
	before, after := fieldsOf(r.c.NewCase, changed), fieldsOf(edited, changed)
	r.c.NewCase = edited
	if e.Entities != nil {
		changed = append(changed, "entities")
		before["entities"] = contract.JSONValue(entitySummaries(r.c.Entities))
		r.c.Entities = nil
		now := workflow.Now(ctx).UTC()
		for _, ne := range *e.Entities {
			r.addEntity(ne, now)
		}
		after["entities"] = contract.JSONValue(entitySummaries(r.c.Entities))
	}
	ev := r.event(contract.EventCaseUpdated, &e.ActorID, "Case updated: "+strings.Join(changed, ", "), contract.JSONValue(before), contract.JSONValue(after))
	// New entities come with fresh checks: the flag follows.
	if err := r.persist(ctx, append([]contract.Event{ev}, r.afterChecks(ctx)...)...); err != nil {
		return contract.Changed{}, err
	}
	return r.changed(), nil
}

// entitySummary is an entity as a CASE_UPDATED event shows it.
type entitySummary struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func entitySummaries(entities []contract.Entity) []entitySummary {
	out := make([]entitySummary, len(entities))
	for i, e := range entities {
		out[i] = entitySummary{ID: e.ID, Kind: e.Kind, Name: e.Name, Role: e.Role}
	}
	return out
}

// fieldsOf picks the named fields of a case, by their JSON names.
func fieldsOf(nc contract.NewCase, names []string) map[string]json.RawMessage {
	var all map[string]json.RawMessage
	_ = json.Unmarshal(contract.JSONValue(nc), &all)
	out := make(map[string]json.RawMessage, len(names))
	for _, n := range names {
		v, ok := all[n]
		if !ok {
			v = json.RawMessage("null") // an omitted empty value
		}
		out[n] = v
	}
	return out
}

func (r *caseRun) validateLink(l contract.TransactionLink) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	tx := strings.ToLower(l.Verdict.TransactionID)
	if r.linked(tx) {
		return reject(contract.CodeAlreadyLinked, "the transaction is linked to this case already", map[string]any{"transactionId": tx})
	}
	return nil
}

// linked reports whether a transaction is the case's already.
func (r *caseRun) linked(tx string) bool {
	return r.c.RelatedTransactionID != nil && strings.EqualFold(*r.c.RelatedTransactionID, tx) || slices.Contains(r.c.Linked, tx)
}

// onLink records TRANSACTION_LINKED, as a verdict delivered for the case's
// own transaction is, by the person who linked it.
func (r *caseRun) onLink(ctx workflow.Context, l contract.TransactionLink) (contract.Changed, error) {
	tx := strings.ToLower(l.Verdict.TransactionID)
	r.c.Linked = append(r.c.Linked, tx)
	if !slices.Contains(r.c.Verdicts, l.Verdict.VerdictID) {
		r.c.Verdicts = append(r.c.Verdicts, l.Verdict.VerdictID)
	}
	ev := r.event(contract.EventTxLinked, &l.ActorID, fmt.Sprintf("Transaction linked: screened %s (risk %s, score %.1f)",
		l.Verdict.Outcome, l.Verdict.RiskLevel, l.Verdict.AggregateScore), nil, contract.JSONValue(tx))
	ev.Metadata = contract.JSONValue(l.Verdict)
	if err := r.persist(ctx, ev); err != nil {
		return contract.Changed{}, err
	}
	return r.changed(), nil
}
