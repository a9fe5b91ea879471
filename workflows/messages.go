package workflows

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/caseflow/caseflow/workflows/contract"
)

// The message contract between the API and the case workflow. Changing a
// name here breaks running cases; add new names instead.
const (
	WorkflowName = "CaseWorkflow"

	UpdateCreate = "create"
	UpdateStatus = "status"
	UpdateAssign = "assign"
	UpdateNote   = "note"
	UpdateSend   = "send"
	UpdateEntity = "addEntity"
	UpdateCheck  = "check"

	// SignalCheckResult carries a provider's verdict on a check: a fact
	// that needs no answer.
	SignalCheckResult = "checkResult"

	QueryState = "state"

	// ProjectActivity writes the case's projection to Postgres. Workflows
	// call it by name so this package never imports the I/O code.
	ProjectActivity = "ProjectCase"
)

// Rejection codes carried by the ApplicationError a validator or handler
// returns. The API maps each to an HTTP status.
const (
	CodeValidation        = "VALIDATION_ERROR"
	CodeInvalidTransition = "INVALID_TRANSITION"
	CodeCaseClosed        = "CASE_CLOSED"
	CodeInvalidAssignee   = "INVALID_ASSIGNEE"
	CodeFourEyes          = "FOUR_EYES_REQUIRED"
	CodeNotFound          = "NOT_FOUND"
	// CodeRetry refuses an update while the case moves to a fresh run
	// (Continue-As-New); sent again a moment later, it lands on that run.
	CodeRetry = "RETRY"
	// CodeAlreadyAssigned refuses a claim of a case someone else owns.
	CodeAlreadyAssigned = "ALREADY_ASSIGNED"
	// CodeAlreadyLinked refuses a transaction the case has already.
	CodeAlreadyLinked = "ALREADY_LINKED"
)

// Role is what a user may do. The workflow needs it to check assignees.
type Role string

const (
	RoleBankAdmin         Role = "BANK_ADMIN"
	RoleComplianceOfficer Role = "COMPLIANCE_OFFICER"
	RoleAnalyst           Role = "ANALYST"
)

// Roles lists every role.
var roles = []Role{RoleBankAdmin, RoleComplianceOfficer, RoleAnalyst}

// ParseRole accepts a role name.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, slices.Contains(roles, r)
}

// CanBeAssigned reports whether a user of this role may own a case.
func (r Role) CanBeAssigned() bool { return r == RoleBankAdmin || r == RoleComplianceOfficer }

// Priority of a case.
type Priority string

var priorities = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}

// RiskLevel of a case's client.
var riskLevels = []string{"LOW", "MEDIUM", "HIGH"}

// Event types of the audit timeline (docs/ARCHITECTURE.md, "The audit
// timeline").
const (
	EventCaseCreated    = "CASE_CREATED"
	EventStatusChanged  = "STATUS_CHANGED"
	EventAssigned       = "ASSIGNED"
	EventNoteAdded      = "NOTE_ADDED"
	EventRequestSent    = "REQUEST_SENT"
	EventClientSubmit   = "CLIENT_SUBMITTED"
	EventCheckUpdated   = "CHECK_UPDATED"
	EventFlagChanged    = "FLAG_CHANGED"
	EventAutoApproved   = "AUTO_APPROVED"
	EventDueDateChanged = "DUE_DATE_CHANGED"
	EventReminderSent   = "REMINDER_SENT"
	EventOverdue        = "OVERDUE"
	EventRequestRevoked = "REQUEST_REVOKED"
	EventTxLinked       = "TRANSACTION_LINKED"
	EventCaseUpdated    = "CASE_UPDATED"
	// EventEntityAdded: adding an entity changes what the client is asked
	// for, and the audit timeline records every change.
	EventEntityAdded = "ENTITY_ADDED"
)

// Limits on what a case holds besides its values (the contract bounds
// those), so one case cannot bloat the workflow history.
const (
	MaxEntities = 50
	// MaxSubmittedChecks bounds the check IDs one portal answer names.
	MaxSubmittedChecks = 500
)

// Entity kinds.
const (
	KindIndividual = "INDIVIDUAL"
	KindCompany    = "COMPANY"
)

// NewEntity is an individual or company to verify. Checks are the check
// types required of it, resolved from configuration by the API when the
// entity is added, so a running case never changes with the config.
type NewEntity struct {
	Kind    string          `json:"kind"`
	Name    string          `json:"name"`
	Role    string          `json:"role"`
	Details json.RawMessage `json:"details,omitempty"`
	Checks  []string        `json:"checks"`
	// ProviderChecks are those of Checks a screening provider answers;
	// the client is never asked for them.
	ProviderChecks []string `json:"providerChecks,omitempty"`
}

// Entity is a verified party of an onboarding case, with its checks.
type Entity struct {
	ID      string          `json:"id"`
	Kind    string          `json:"kind"`
	Name    string          `json:"name"`
	Role    string          `json:"role"`
	Details json.RawMessage `json:"details,omitempty"`
	Checks  []Check         `json:"checks"`
}

// Check is one verification an entity must pass.
type Check struct {
	ID        string      `json:"id"`
	EntityID  string      `json:"entityId"`
	Type      string      `json:"type"`
	Status    CheckStatus `json:"status"`
	Reason    string      `json:"reason,omitempty"`
	Provider  string      `json:"provider,omitempty"`
	Reference string      `json:"reference,omitempty"`
	// FromProvider checks are answered by a screening provider, not the client.
	FromProvider bool      `json:"fromProvider,omitempty"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// EntityID and CheckID are derived from the case, so the workflow decides
// them deterministically and a retried projection names the same rows.
func EntityID(caseID string, n int) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "caseflow:case/%s/entity/%d", caseID, n)).String()
}

func CheckID(entityID, checkType string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "caseflow:entity/%s/check/%s", entityID, checkType)).String()
}

// ValidateEntity checks an entity to add; field names are prefixed with
// where it stands in the request.
func ValidateEntity(prefix string, e NewEntity) ValidationError {
	var errs contract.Errors
	validateEntity(&errs, prefix, e)
	return errs.List()
}

func validateEntity(errs *contract.Errors, prefix string, e NewEntity) {
	if e.Kind != KindIndividual && e.Kind != KindCompany {
		errs.Add(prefix+"kind", "must be INDIVIDUAL or COMPANY")
	}
	errs.Text(prefix+"name", e.Name, contract.RequiredLine)
	errs.Text(prefix+"role", e.Role, contract.Line)
	if hasObject(e.Details) {
		errs.Object(prefix+"details", e.Details, contract.Metadata)
	}
	for i, c := range e.Checks {
		errs.Text(fmt.Sprintf("%schecks[%d]", prefix, i), c, contract.RequiredLine)
	}
}

// hasObject reports whether an optional JSON object was given.
func hasObject(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

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

// Client is the person or company a case is about.
type Client struct {
	Name       string `json:"name"`
	Email      string `json:"email"`
	ExternalID string `json:"externalId"`
}

// NewCase is everything needed to open a case. The API decides the ID,
// family and author; the workflow decides the rest.
type NewCase struct {
	ID                      string            `json:"id"`
	Type                    string            `json:"type"`
	Family                  Family            `json:"family"`
	Priority                Priority          `json:"priority"`
	Title                   string            `json:"title"`
	Description             string            `json:"description"`
	Client                  *Client           `json:"client,omitempty"`
	RiskLevel               *string           `json:"riskLevel,omitempty"`
	ExternalID              string            `json:"externalId,omitempty"`
	Metadata                json.RawMessage   `json:"metadata,omitempty"`
	Properties              map[string]string `json:"properties,omitempty"`
	Tags                    []string          `json:"tags"`
	RelatedTransactionID    *string           `json:"relatedTransactionId,omitempty"`
	RelatedKycApplicationID *string           `json:"relatedKycApplicationId,omitempty"`
	DueDate                 *time.Time        `json:"dueDate,omitempty"`
	AssignedTo              *string           `json:"assignedTo,omitempty"`
	CreatedBy               string            `json:"createdBy"`
	Entities                []NewEntity       `json:"entities,omitempty"`
	AutoApprove             bool              `json:"autoApprove"`
	// FourEyes is the four-eyes rule as configured when the case opened.
	FourEyes  bool           `json:"fourEyes"`
	Reminders ReminderPolicy `json:"reminders"`
	// FromScreening cases were opened by a transaction verdict, by the
	// system (CreatedBy is empty); officers are told of each.
	FromScreening bool `json:"fromScreening,omitempty"`
	// HistoryLimit is the history length past which the case's workflow
	// continues as new (DefaultHistoryLimit when zero).
	HistoryLimit int `json:"historyLimit,omitempty"`
	// MaxDueYears is how far ahead a due date may be set, as configured
	// when the case opened (contract.DefaultDueYears when zero).
	MaxDueYears int `json:"maxDueYears,omitempty"`
}

// Case is the workflow's state: the single authority on the case. The
// projection in Postgres is a copy of it.
type Case struct {
	NewCase
	CaseNumber     string     `json:"caseNumber"`
	Status         Status     `json:"status"`
	ResolvedAt     *time.Time `json:"resolvedAt,omitempty"`
	ResolutionNote string     `json:"resolutionNote,omitempty"`
	Flag           Flag       `json:"flag,omitempty"`
	Entities       []Entity   `json:"entities,omitempty"`
	// SubmittedBy moved the case to review (or sent the request); under the
	// four-eyes rule someone else must resolve or approve it.
	SubmittedBy *string `json:"submittedBy,omitempty"`
	// AwaitingClient is true while a sent request waits for the client.
	AwaitingClient bool `json:"awaitingClient,omitempty"`
	// Overdue is true from the due date until the client answers, the due
	// date moves or the case ends.
	Overdue         bool `json:"overdue,omitempty"`
	OverdueNotified bool `json:"overdueNotified,omitempty"`
	// Plan is the timers still to fire, earliest first.
	Plan []Reminder `json:"plan,omitempty"`
	// Verdicts are the IDs of the screening verdicts linked so far.
	Verdicts []string `json:"verdicts,omitempty"`
	// EntitiesAdded counts the entities ever added, removed ones included
	// (a draft's entities replaced by an edit): the next one's number.
	EntitiesAdded int `json:"entitiesAdded,omitempty"`
	// Linked are the transactions attached to the case besides its
	// related one (edit.go), lower-case.
	Linked    []string  `json:"linked,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Version is the sequence number of the case's latest event; the
	// projection only ever moves forward to a higher version.
	Version int64 `json:"version"`
}

// Event is one entry of the append-only timeline.
type Event struct {
	ID            string          `json:"id"`
	CaseID        string          `json:"caseId"`
	Seq           int64           `json:"seq"`
	Type          string          `json:"eventType"`
	ActorID       *string         `json:"actorId"`
	Description   string          `json:"description"`
	PreviousValue json.RawMessage `json:"previousValue,omitempty"`
	NewValue      json.RawMessage `json:"newValue,omitempty"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
	CreatedAt     time.Time       `json:"createdAt"`
}

// EventID is the timeline event ID for a case's seq-th event. It is derived,
// not random, so a retried projection write names the same row.
func EventID(caseID string, seq int64) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "caseflow:case/%s/event/%d", caseID, seq)).String()
}

// Projection is what ProjectActivity writes: the case as it now stands,
// the events that brought it there and are committed to the workflow's
// history (the audit timeline takes them), and the events of the workflow
// task still in progress (Pending: shown with the case, replaced by the
// next write, never in the audit timeline until committed).
//
// Fence orders the writes of one case: a write with a lower (Fence,
// Version) than the row's is stale, from a workflow task that was retried
// or from an earlier run, and leaves the case row as it is.
type Projection struct {
	Case    Case    `json:"case"`
	Events  []Event `json:"events"`
	Pending []Event `json:"pending,omitempty"`
	Fence   int64   `json:"fence,omitempty"`
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

// State is the answer of QueryState: the live case and what it may do next.
type State struct {
	Case               Case     `json:"case"`
	AllowedTransitions []Status `json:"allowedTransitions"`
}

// FieldError names one field that failed validation.
type FieldError = contract.FieldError

// ValidationError is one or more bad fields.
type ValidationError = contract.ValidationError

// ValidateNewCase checks a new case, asked for at now, against the domain
// rules and the contract. The API runs it to answer 422 before anything
// starts; the workflow runs it again because it is the authority.
func ValidateNewCase(c NewCase, now time.Time) error {
	var errs contract.Errors
	validateCaseShape(&errs, c)
	validateCaseEntities(&errs, c)
	validateCaseValues(&errs, c, now)
	return errs.Err()
}

// validateCaseShape is what a new case needs besides storable values:
// known types, required fields, references that parse.
func validateCaseShape(errs *contract.Errors, c NewCase) {
	if _, err := uuid.Parse(c.ID); err != nil {
		errs.Add("id", "must be a UUID")
	}
	if c.Type == "" {
		errs.Add("type", "is required")
	}
	if _, ok := LifecycleFor(c.Family); !ok {
		errs.Add("type", "unknown case type %q", c.Type)
	}
	switch {
	case c.Priority == "":
		errs.Add("priority", "is required: one of %s", strings.Join(priorities, ", "))
	case !slices.Contains(priorities, string(c.Priority)):
		errs.Add("priority", "must be one of %s", strings.Join(priorities, ", "))
	}
	if c.Family == FamilyInvestigation {
		if strings.TrimSpace(c.Title) == "" {
			errs.Add("title", "is required")
		}
		if strings.TrimSpace(c.Description) == "" {
			errs.Add("description", "is required")
		}
	}
	if c.Family == FamilyOnboarding && (c.Client == nil || strings.TrimSpace(c.Client.Email) == "") {
		errs.Add("client.email", "is required for onboarding cases")
	}
	if c.Family == FamilyOnboarding && (c.Client == nil || strings.TrimSpace(c.Client.Name) == "") {
		errs.Add("client.name", "is required for onboarding cases")
	}
	if c.Client != nil && c.Client.Email != "" {
		if a, err := mail.ParseAddress(c.Client.Email); err != nil || a.Address != c.Client.Email {
			errs.Add("client.email", "must be an e-mail address")
		}
	}
	if c.RiskLevel != nil && !slices.Contains(riskLevels, *c.RiskLevel) {
		errs.Add("riskLevel", "must be one of %s", strings.Join(riskLevels, ", "))
	}
	for _, ref := range []struct {
		field string
		id    *string
	}{
		{"relatedTransactionId", c.RelatedTransactionID},
		{"relatedKycApplicationId", c.RelatedKycApplicationID},
		{"assignedTo", c.AssignedTo},
	} {
		if ref.id != nil {
			if _, err := uuid.Parse(*ref.id); err != nil {
				errs.Add(ref.field, "must be a UUID")
			}
		}
	}
	if _, err := uuid.Parse(c.CreatedBy); c.CreatedBy != "" && err != nil {
		errs.Add("createdBy", "must be a user ID, or empty for the system")
	}
}

// validateCaseEntities is what a new case's entities need: an edit, which
// cannot change them, does not check them again.
func validateCaseEntities(errs *contract.Errors, c NewCase) {
	if c.Family != FamilyOnboarding && len(c.Entities) > 0 {
		errs.Add("entities", "only onboarding cases have entities")
	}
	if len(c.Entities) > MaxEntities {
		errs.Add("entities", "at most %d", MaxEntities)
	}
	individuals := 0
	for _, e := range c.Entities {
		if e.Kind == KindIndividual {
			individuals++
		}
	}
	if c.Type == "IDENTITY_VERIFICATION" && individuals == 0 {
		errs.Add("entities", "an identity verification needs at least one INDIVIDUAL entity")
	}
}

// validateCaseValues holds a new case's values to the contract, so that
// whatever it accepts can be stored and shown.
func validateCaseValues(errs *contract.Errors, c NewCase, now time.Time) {
	errs.Text("title", c.Title, contract.Title)
	errs.Text("description", c.Description, contract.Prose)
	if c.Client != nil {
		errs.Text("client.name", c.Client.Name, contract.Line)
		errs.Text("client.email", c.Client.Email, contract.Email)
		errs.Text("client.externalId", c.Client.ExternalID, contract.Line)
	}
	errs.Text("externalId", c.ExternalID, contract.Line)
	if hasObject(c.Metadata) {
		errs.Object("metadata", c.Metadata, contract.Metadata)
	}
	if len(c.Properties) > contract.MaxProperties {
		errs.Add("properties", "at most %d properties", contract.MaxProperties)
	}
	for k, v := range c.Properties {
		field := contract.Member("properties", k)
		errs.Text(field, k, contract.PropertyKey)
		errs.Text(field, v, contract.PropertyValue)
	}
	if len(c.Tags) > contract.MaxTags {
		errs.Add("tags", "at most %d tags", contract.MaxTags)
	}
	for i, t := range c.Tags {
		errs.Text(fmt.Sprintf("tags[%d]", i), t, contract.Tag)
	}
	for i, e := range c.Entities {
		validateEntity(errs, fmt.Sprintf("entities[%d].", i), e)
	}
	if c.DueDate != nil {
		if msg := contract.DueDate(*c.DueDate, now, c.MaxDueYears); msg != "" {
			errs.Add("dueDate", "%s", msg)
		}
	}
}

// Validate holds a note to the contract.
func (n Note) Validate() error { return ValidateNote(n.Content) }

// ValidateNote checks a note's content.
func ValidateNote(content string) error {
	var errs contract.Errors
	errs.Text("content", content, contract.RequiredProse)
	return errs.Err()
}

// Validate holds a status change's resolution note and assignee to the
// contract.
func (ch StatusChange) Validate() error {
	var errs contract.Errors
	errs.Text("resolutionNote", ch.ResolutionNote, contract.Prose)
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
	var errs contract.Errors
	errs.Text("reason", ch.Reason, contract.Prose)
	return errs.Err()
}

// Validate holds a provider's result to the contract. It is a signal, so
// the API checks it before sending, and the workflow drops one that still
// arrives malformed.
func (res CheckResult) Validate() error {
	var errs contract.Errors
	if _, err := uuid.Parse(res.CheckID); err != nil {
		errs.Add("checkId", "must be a UUID")
	}
	if res.Result != CheckApproved && res.Result != CheckRejected {
		errs.Add("result", "must be APPROVED or REJECTED")
	}
	errs.Text("provider", res.Provider, contract.RequiredLine)
	errs.Text("reference", res.Reference, contract.Line)
	return errs.Err()
}

// Validate holds a client's answer to the contract.
func (s Submission) Validate() error {
	var errs contract.Errors
	if len(s.CheckIDs) > MaxSubmittedChecks {
		errs.Add("checkIds", "at most %d", MaxSubmittedChecks)
	}
	errs.Text("message", s.Message, contract.Prose)
	return errs.Err()
}

// Validate holds a revocation's reason to the contract: it is recorded and
// told to the client, so it must be given.
func (v Revocation) Validate() error {
	var errs contract.Errors
	errs.Text("reason", v.Reason, contract.RequiredProse)
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
	if msg := contract.DueDate(*d.DueDate, now, maxYears); msg != "" {
		return ValidationError{{Field: "dueDate", Message: msg}}
	}
	return nil
}

// ValidPriority reports whether p names a priority.
func ValidPriority(p string) bool { return slices.Contains(priorities, p) }

// Flag is an onboarding case's progress, derived from its checks.
type Flag string

const (
	FlagCollecting   Flag = "COLLECTING"
	FlagReviewing    Flag = "REVIEWING"
	FlagRecollecting Flag = "RECOLLECTING"
	FlagAllApproved  Flag = "ALL_APPROVED"
)

// ValidFlag reports whether f names a flag.
func ValidFlag(f string) bool {
	return slices.Contains([]Flag{FlagCollecting, FlagReviewing, FlagRecollecting, FlagAllApproved}, Flag(f))
}

// ValidStatus reports whether s is a status of any lifecycle.
func ValidStatus(s string) bool {
	for _, f := range []Family{FamilyInvestigation, FamilyOnboarding} {
		if life, ok := LifecycleFor(f); ok && slices.Contains(life.Statuses(), Status(s)) {
			return true
		}
	}
	return false
}

// NotifyActivity e-mails a notification; the workflow decides its key.
const NotifyActivity = "SendNotification"

// Kinds of e-mail the workflow sends.
const (
	MailRequest         = "REQUEST"
	MailRecollect       = "RECOLLECT"
	MailReminder        = "REMINDER"
	MailOverdue         = "OVERDUE"
	MailOverdueAssignee = "OVERDUE_ASSIGNEE"
	MailOverdueReminder = "OVERDUE_REMINDER"
	MailRevoked         = "REVOKED"
	MailDigest          = "DIGEST"
	MailNewCase         = "NEW_CASE"
	MailAssigned        = "ASSIGNED"
	MailClientSubmitted = "CLIENT_SUBMITTED"
)

// Recipients of a case's e-mails.
const (
	RecipientClient   = "client"
	RecipientAssignee = "assignee"
	// RecipientOfficers is every compliance officer and bank admin, each
	// e-mailed (and keyed) on their own.
	RecipientOfficers = "officers"
)

// UserRecipient names one user as an e-mail's recipient, by ID: the
// address is read when the e-mail goes out.
func UserRecipient(userID string) string { return "user:" + userID }

// Notify asks for one e-mail. Case, kind, seq (the timeline event that
// caused it) and recipient identify it, so a retry never sends it twice;
// the activity reads the rest (addresses, what is requested) from the
// projection, keeping personal data out of the history.
type Notify struct {
	CaseID    string `json:"caseId"`
	Kind      string `json:"kind"`
	Seq       int64  `json:"seq"`
	Recipient string `json:"recipient"`
	Reason    string `json:"reason,omitempty"`
}

// RevokePortalActivity ends every portal link of a case.
const RevokePortalActivity = "RevokePortal"

// More of the contract: the client request.
const (
	UpdateSubmit  = "submit"
	UpdateDueDate = "dueDate"
	UpdateRevoke  = "revoke"
)

// ReminderPolicy is when a client is reminded, copied from configuration
// into each case when it opens.
type ReminderPolicy struct {
	// Before are the reminders ahead of the due date (72h: three days before).
	Before []time.Duration `json:"before"`
	// OverdueEvery and OverdueMax space and bound the reminders after it.
	OverdueEvery time.Duration `json:"overdueEvery"`
	OverdueMax   int           `json:"overdueMax"`
}

// Submission is the client's answer through the portal: the requested
// checks it provides (all of them when empty) and an optional message.
type Submission struct {
	CheckIDs []string `json:"checkIds"`
	Message  string   `json:"message"`
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

// Reminder is one planned timer of a case: a reminder, the overdue notice,
// or a reminder after it.
type Reminder struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
}

// CheckLabel names a check type for people: IDENTITY_DOCUMENT is
// "Identity document".
func CheckLabel(t string) string {
	s := strings.ToLower(strings.ReplaceAll(t, "_", " "))
	s = strings.NewReplacer("ubo", "UBO", "pep", "PEP").Replace(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
