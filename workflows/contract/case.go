package contract

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
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
	// NeedsIndividual holds the case to naming an INDIVIDUAL entity: the
	// API copies it from the case type's configuration (cases.needsIndividual)
	// so the rule travels with the case and the engine reads no config.
	NeedsIndividual bool `json:"needsIndividual,omitempty"`
	// HistoryLimit is the history length past which the case's workflow
	// continues as new (DefaultHistoryLimit when zero).
	HistoryLimit int `json:"historyLimit,omitempty"`
	// MaxDueYears is how far ahead a due date may be set, as configured
	// when the case opened (DefaultDueYears when zero).
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
	Linked []string `json:"linked,omitempty"`
	// Documents are the files sent for the requested items (document.go):
	// what they are, never their bytes.
	Documents []Document `json:"documents,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`
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

// Changed answers an update that changes the case as a whole (a move, an
// assignment, an edit, a send, a submission, a due date, a revocation, a
// linked transaction): the case's version and status once the change is
// made (for a repeat of an update already applied, or one that changed
// nothing, as they are now). It holds no copy of the case, since every
// update's result is kept, encrypted, in the case's history for as long
// as the case lives; whoever wants the whole case reads it (the API
// answers with its row). Notes, entities and checks are answered with
// what they added instead.
type Changed struct {
	Version int64  `json:"version"`
	Status  Status `json:"status"`
}

// State is the answer of QueryState: the live case and what it may do next.
type State struct {
	Case               Case     `json:"case"`
	AllowedTransitions []Status `json:"allowedTransitions"`
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

// SameID reports whether two optional IDs are the same, both absent
// included.
func SameID(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// JSONValue encodes a timeline value. The values are plain data, so
// encoding cannot fail.
func JSONValue(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
