package workflows

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/caseflow/caseflow/workflows/contract"
)

// Changing what describes a case after it opened, and attaching more
// transactions to it. Both are updates of their own names, so no history
// recorded before them holds one.
const (
	UpdateEdit = "edit"
	UpdateLink = "linkTransaction"
)

// CaseEdit changes what describes a case; a nil field stays as it is. An
// empty RiskLevel clears it. A draft's client and entities may change too
// (Entities replaces them all, each with fresh checks); once its request
// is sent, the client is who was asked, and entities are only added.
type CaseEdit struct {
	ActorID     string             `json:"actorId"`
	Title       *string            `json:"title,omitempty"`
	Description *string            `json:"description,omitempty"`
	Priority    *Priority          `json:"priority,omitempty"`
	RiskLevel   *string            `json:"riskLevel,omitempty"`
	ExternalID  *string            `json:"externalId,omitempty"`
	Tags        *[]string          `json:"tags,omitempty"`
	Metadata    json.RawMessage    `json:"metadata,omitempty"`
	Properties  *map[string]string `json:"properties,omitempty"`
	Client      *Client            `json:"client,omitempty"`
	Entities    *[]NewEntity       `json:"entities,omitempty"`
}

// apply returns nc with the edit made, and the fields it changes.
func (e CaseEdit) apply(nc NewCase) (NewCase, []string) {
	var changed []string
	set := func(name string, differ bool, do func()) {
		if differ {
			do()
			changed = append(changed, name)
		}
	}
	if e.Title != nil {
		set("title", *e.Title != nc.Title, func() { nc.Title = *e.Title })
	}
	if e.Description != nil {
		set("description", *e.Description != nc.Description, func() { nc.Description = *e.Description })
	}
	if e.Priority != nil {
		set("priority", *e.Priority != nc.Priority, func() { nc.Priority = *e.Priority })
	}
	if e.RiskLevel != nil {
		var risk *string
		if *e.RiskLevel != "" {
			risk = e.RiskLevel
		}
		set("riskLevel", !equalIDs(risk, nc.RiskLevel), func() { nc.RiskLevel = risk })
	}
	if e.ExternalID != nil {
		set("externalId", *e.ExternalID != nc.ExternalID, func() { nc.ExternalID = *e.ExternalID })
	}
	if e.Tags != nil {
		set("tags", !slices.Equal(*e.Tags, nc.Tags), func() { nc.Tags = *e.Tags })
	}
	if hasObject(e.Metadata) {
		set("metadata", !jsonEqual(e.Metadata, nc.Metadata), func() { nc.Metadata = e.Metadata })
	}
	if e.Properties != nil {
		set("properties", !maps.Equal(*e.Properties, nc.Properties), func() { nc.Properties = *e.Properties })
	}
	if e.Client != nil {
		set("client", nc.Client == nil || *e.Client != *nc.Client, func() { c := *e.Client; nc.Client = &c })
	}
	return nc, changed
}

// jsonEqual compares two JSON values as values: spacing and key order aside.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return string(jsonValue(x)) == string(jsonValue(y))
}

// editValues holds the case as the edit would leave it to everything a
// new case is held to, so an edit can never store what a create could
// not. It runs in the validator only (guarded).
func (r *caseRun) editValues(ctx workflow.Context, e CaseEdit) error {
	edited, changed := e.apply(r.c.NewCase)
	if len(changed) == 0 && e.Entities == nil {
		return ValidationError{{Field: "body", Message: "changes nothing: give a field with a new value"}}
	}
	// The due date has its own update; entities are checked only when the
	// edit replaces them.
	edited.DueDate = nil
	var errs contract.Errors
	validateCaseShape(&errs, edited)
	if e.Entities != nil {
		edited.Entities = *e.Entities
		validateCaseEntities(&errs, edited)
	}
	validateCaseValues(&errs, edited, workflow.Now(ctx))
	return errs.Err()
}

func (r *caseRun) validateEdit(e CaseEdit) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	if (e.Client != nil || e.Entities != nil) && r.c.Status != StatusDraft {
		return reject(CodeInvalidTransition, fmt.Sprintf("the client and entities of a case are fixed once its request is sent (entities may still be added): the case is %s", r.c.Status))
	}
	return nil
}

// onEdit records what changed as one CASE_UPDATED event, with each
// changed field's previous and new value.
func (r *caseRun) onEdit(ctx workflow.Context, e CaseEdit) (Case, error) {
	edited, changed := e.apply(r.c.NewCase)
	if len(changed) == 0 && e.Entities == nil {
		return r.c, nil // a concurrent edit made it so already
	}
	before, after := fieldsOf(r.c.NewCase, changed), fieldsOf(edited, changed)
	r.c.NewCase = edited
	if e.Entities != nil {
		changed = append(changed, "entities")
		before["entities"] = jsonValue(entitySummaries(r.c.Entities))
		r.c.Entities = nil
		now := workflow.Now(ctx).UTC()
		for _, ne := range *e.Entities {
			r.addEntity(ne, now)
		}
		after["entities"] = jsonValue(entitySummaries(r.c.Entities))
	}
	ev := r.event(EventCaseUpdated, &e.ActorID, "Case updated: "+strings.Join(changed, ", "), jsonValue(before), jsonValue(after))
	// New entities come with fresh checks: the flag follows.
	if err := r.persist(ctx, append([]Event{ev}, r.afterChecks(ctx)...)...); err != nil {
		return r.c, err
	}
	return r.c, nil
}

// entitySummary is an entity as a CASE_UPDATED event shows it.
type entitySummary struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	Role string `json:"role"`
}

func entitySummaries(entities []Entity) []entitySummary {
	out := make([]entitySummary, len(entities))
	for i, e := range entities {
		out[i] = entitySummary{ID: e.ID, Kind: e.Kind, Name: e.Name, Role: e.Role}
	}
	return out
}

// fieldsOf picks the named fields of a case, by their JSON names.
func fieldsOf(nc NewCase, names []string) map[string]json.RawMessage {
	var all map[string]json.RawMessage
	_ = json.Unmarshal(jsonValue(nc), &all)
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

// TransactionLink attaches a screened transaction to a case, with its
// latest verdict as the timeline shows it. The API reads it from the
// transactions it keeps.
type TransactionLink struct {
	ActorID string      `json:"actorId"`
	Verdict VerdictLink `json:"verdict"`
}

// Validate holds a link to the contract.
func (l TransactionLink) Validate() error { return l.Verdict.Validate() }

func (r *caseRun) validateLink(l TransactionLink) error {
	if err := r.validateOpen(); err != nil {
		return err
	}
	tx := strings.ToLower(l.Verdict.TransactionID)
	if r.linked(tx) {
		return reject(CodeAlreadyLinked, "the transaction is linked to this case already", map[string]any{"transactionId": tx})
	}
	return nil
}

// linked reports whether a transaction is the case's already.
func (r *caseRun) linked(tx string) bool {
	return r.c.RelatedTransactionID != nil && strings.EqualFold(*r.c.RelatedTransactionID, tx) || slices.Contains(r.c.Linked, tx)
}

// onLink records TRANSACTION_LINKED, as a verdict delivered for the case's
// own transaction is, by the person who linked it.
func (r *caseRun) onLink(ctx workflow.Context, l TransactionLink) (Case, error) {
	tx := strings.ToLower(l.Verdict.TransactionID)
	r.c.Linked = append(r.c.Linked, tx)
	if !slices.Contains(r.c.Verdicts, l.Verdict.VerdictID) {
		r.c.Verdicts = append(r.c.Verdicts, l.Verdict.VerdictID)
	}
	ev := r.event(EventTxLinked, &l.ActorID, fmt.Sprintf("Transaction linked: screened %s (risk %s, score %.1f)",
		l.Verdict.Outcome, l.Verdict.RiskLevel, l.Verdict.AggregateScore), nil, jsonValue(tx))
	ev.Metadata = jsonValue(l.Verdict)
	if err := r.persist(ctx, ev); err != nil {
		return r.c, err
	}
	return r.c, nil
}
