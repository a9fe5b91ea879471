package contract

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Messages: the payloads of the updates and signals a case takes, each
// with the checks of its values that need no case state. The workflow
// runs them in its validators (and the API before it sends), so a bad
// value is refused before anything is written.

// Send opens a draft by sending the client request.
type Send struct {
	ActorID string `json:"actorId"`
}

// AddEntity adds an entity, with its required checks, to an onboarding case.
type AddEntity struct {
	ActorID string    `json:"actorId"`
	Entity  NewEntity `json:"entity"`
}

// CheckChange moves a check: SUBMITTED on the client's behalf, or
// APPROVED/REJECTED by a reviewer.
type CheckChange struct {
	ActorID string      `json:"actorId"`
	CheckID string      `json:"checkId"`
	Status  CheckStatus `json:"status"`
	Reason  string      `json:"reason"`
}

// CheckResult is a provider's verdict on a check.
type CheckResult struct {
	CheckID   string      `json:"checkId"`
	Result    CheckStatus `json:"result"`
	Provider  string      `json:"provider"`
	Reference string      `json:"reference"`
}

// StatusChange asks to move a case to another status.
type StatusChange struct {
	ActorID        string `json:"actorId"`
	Status         Status `json:"status"`
	ResolutionNote string `json:"resolutionNote"`
	// AssigneeID, when set, gives the case to this user in the same change
	// (escalating to a senior officer); the API looks up their role.
	AssigneeID   *string `json:"assigneeId,omitempty"`
	AssigneeRole Role    `json:"assigneeRole,omitempty"`
}

// Assignment gives a case to a user, or takes it back when AssigneeID is nil.
// The API looks the assignee up; the workflow checks the role it found.
type Assignment struct {
	ActorID      string  `json:"actorId"`
	AssigneeID   *string `json:"assigneeId"`
	AssigneeRole Role    `json:"assigneeRole"`
	// Claim is an officer taking the case for themself: refused when it
	// is someone else's, unless they are a bank admin.
	Claim bool `json:"claim,omitempty"`
}

// Note adds a note to the timeline.
type Note struct {
	ActorID string `json:"actorId"`
	Content string `json:"content"`
}

// Submission is the client's answer through the portal: the requested
// checks it provides (all of them when empty) and an optional message.
type Submission struct {
	CheckIDs []string `json:"checkIds"`
	Message  string   `json:"message"`
	// Documents are the files sent with the answer, already stored (and
	// encrypted) by the API; each answers one of the requested items.
	Documents []Document `json:"documents,omitempty"`
	// ActorID is the officer who answers on the client's behalf; empty
	// when the client answers through the portal.
	ActorID string `json:"actorId,omitempty"`
}

// DueDateChange sets or (with nil) clears the due date.
type DueDateChange struct {
	ActorID string     `json:"actorId"`
	DueDate *time.Time `json:"dueDate"`
}

// Revocation withdraws the client request.
type Revocation struct {
	ActorID string `json:"actorId"`
	Reason  string `json:"reason"`
}

// Validate holds a note to the contract.
func (n Note) Validate() error { return ValidateNote(n.Content) }

// ValidateNote checks a note's content.
func ValidateNote(content string) error {
	var errs Errors
	errs.Text("content", content, RequiredProse)
	return errs.Err()
}

// Validate holds a status change's resolution note and assignee to the
// contract.
func (ch StatusChange) Validate() error {
	var errs Errors
	errs.Text("resolutionNote", ch.ResolutionNote, Prose)
	if ch.AssigneeID != nil {
		if _, err := uuid.Parse(*ch.AssigneeID); err != nil {
			errs.Add("assigneeId", "must be a UUID")
		}
	}
	return errs.Err()
}

// Validate holds an assignment's IDs to the contract.
func (a Assignment) Validate() error {
	if a.AssigneeID == nil {
		return nil
	}
	if _, err := uuid.Parse(*a.AssigneeID); err != nil {
		return ValidationError{{Field: "assigneeId", Message: "must be a UUID"}}
	}
	return nil
}

// Validate holds an entity to add to the contract.
func (a AddEntity) Validate() error {
	if errs := ValidateEntity("", a.Entity); errs != nil {
		return errs
	}
	return nil
}

// Validate holds a check review's reason to the contract.
func (ch CheckChange) Validate() error {
	var errs Errors
	errs.Text("reason", ch.Reason, Prose)
	return errs.Err()
}

// Validate holds a provider's result to the contract. It is a signal, so
// the API checks it before sending, and the workflow drops one that still
// arrives malformed.
func (res CheckResult) Validate() error {
	var errs Errors
	if _, err := uuid.Parse(res.CheckID); err != nil {
		errs.Add("checkId", "must be a UUID")
	}
	if res.Result != CheckApproved && res.Result != CheckRejected {
		errs.Add("result", "must be APPROVED or REJECTED")
	}
	errs.Text("provider", res.Provider, RequiredLine)
	errs.Text("reference", res.Reference, Line)
	return errs.Err()
}

// Validate holds a client's answer to the contract.
func (s Submission) Validate() error {
	var errs Errors
	if len(s.CheckIDs) > MaxSubmittedChecks {
		errs.Add("checkIds", "at most %d", MaxSubmittedChecks)
	}
	errs.Text("message", s.Message, Prose)
	if len(s.Documents) > MaxDocumentsPerAnswer {
		errs.Add("documents", "at most %d", MaxDocumentsPerAnswer)
	}
	for i, d := range s.Documents {
		d.validate(&errs, fmt.Sprintf("documents[%d]", i))
	}
	if s.ActorID != "" {
		if _, err := uuid.Parse(s.ActorID); err != nil {
			errs.Add("actorId", "must be a UUID")
		}
	}
	return errs.Err()
}

// Validate holds a revocation's reason to the contract: it is recorded and
// told to the client, so it must be given.
func (v Revocation) Validate() error {
	var errs Errors
	errs.Text("reason", v.Reason, RequiredProse)
	return errs.Err()
}

// ValidateAt holds a due date change, asked for at now, to the contract: a
// new date lies in the future, within the case's horizon.
func (d DueDateChange) ValidateAt(now time.Time, maxYears int) error {
	if d.DueDate == nil {
		return nil
	}
	if !d.DueDate.After(now) {
		return ValidationError{{Field: "dueDate", Message: "must be in the future"}}
	}
	if msg := DueDate(*d.DueDate, now, maxYears); msg != "" {
		return ValidationError{{Field: "dueDate", Message: msg}}
	}
	return nil
}
