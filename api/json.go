package api

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// The response shapes: camelCase, times in RFC 3339 UTC, absent values null.

type clientJSON struct {
	Name       *string `json:"name"`
	Email      *string `json:"email"`
	ExternalID *string `json:"externalId"`
}

type caseJSON struct {
	ID          string      `json:"id"`
	CaseNumber  string      `json:"caseNumber"`
	Type        string      `json:"type"`
	Priority    string      `json:"priority"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Status      string      `json:"status"`
	Flag        *string     `json:"flag"`
	AssignedTo  *string     `json:"assignedTo"`
	Client      *clientJSON `json:"client"`
	RiskLevel   *string     `json:"riskLevel"`
	ExternalID  *string     `json:"externalId"`
	// Lists leave out metadata and properties (store.ListCases).
	Metadata                store.JSON `json:"metadata,omitempty"`
	Properties              store.JSON `json:"properties,omitempty"`
	Tags                    []string   `json:"tags"`
	RelatedTransactionID    *string    `json:"relatedTransactionId"`
	RelatedKycApplicationID *string    `json:"relatedKycApplicationId"`
	DueDate                 *time.Time `json:"dueDate"`
	CreatedBy               *string    `json:"createdBy"`
	ResolvedAt              *time.Time `json:"resolvedAt"`
	ResolutionNote          *string    `json:"resolutionNote"`
	CreatedAt               time.Time  `json:"createdAt"`
	UpdatedAt               time.Time  `json:"updatedAt"`
	AutoApprove             bool       `json:"autoApprove"`
	Overdue                 bool       `json:"overdue"`
	// Assignee is the user assignedTo names, null when unassigned.
	Assignee *userJSON `json:"assignee"`
}

type caseDetailJSON struct {
	caseJSON
	Timeline           []eventJSON  `json:"timeline"`
	Entities           []entityJSON `json:"entities"`
	RelatedTransaction any          `json:"relatedTransaction"`
	// Transactions are every transaction of the case, the related one first.
	Transactions       []*transactionJSON `json:"transactions"`
	AllowedTransitions []string           `json:"allowedTransitions"`
	TemporalURL        string             `json:"temporalUrl,omitempty"`
}

type eventJSON struct {
	ID        string     `json:"id"`
	CaseID    string     `json:"caseId"`
	EventType string     `json:"eventType"`
	ActorID   *string    `json:"actorId"`
	Actor     *actorJSON `json:"actor"`
	// ActorName is the actor's name as the timeline shows it.
	ActorName     *string    `json:"actorName"`
	Description   string     `json:"description"`
	PreviousValue store.JSON `json:"previousValue"`
	NewValue      store.JSON `json:"newValue"`
	Metadata      store.JSON `json:"metadata"`
	CreatedAt     time.Time  `json:"createdAt"`
}

// actorJSON is who did something: null for the system.
type actorJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

type userJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Active    bool   `json:"active"`
}

type entityJSON struct {
	ID      string      `json:"id"`
	Kind    string      `json:"kind"`
	Name    string      `json:"name"`
	Role    string      `json:"role"`
	Details store.JSON  `json:"details"`
	Checks  []checkJSON `json:"checks"`
}

type checkJSON struct {
	ID           string    `json:"id"`
	EntityID     string    `json:"entityId"`
	Type         string    `json:"type"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason"`
	Provider     string    `json:"provider"`
	Reference    string    `json:"reference"`
	FromProvider bool      `json:"fromProvider"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

func toEntityJSON(e store.Entity) entityJSON {
	out := entityJSON{ID: e.ID, Kind: e.Kind, Name: e.Name, Role: e.Role, Details: e.Details, Checks: make([]checkJSON, len(e.Checks))}
	for i, c := range e.Checks {
		out.Checks[i] = checkJSON{ID: c.ID, EntityID: c.EntityID, Type: c.Type, Status: c.Status, Reason: c.Reason,
			Provider: c.Provider, Reference: c.Reference, FromProvider: c.FromProvider, UpdatedAt: c.UpdatedAt.UTC()}
	}
	return out
}

func toCaseJSON(r store.Case) caseJSON {
	c := caseJSON{
		ID: r.ID, CaseNumber: r.CaseNumber, Type: r.Type, Priority: r.Priority, Title: r.Title,
		Description: r.Description, Status: r.Status, Flag: str(r.Flag), AssignedTo: str(r.AssignedTo),
		RiskLevel: str(r.RiskLevel), ExternalID: str(r.ExternalID), Metadata: r.Metadata,
		Properties: r.Properties, Tags: r.Tags, RelatedTransactionID: str(r.RelatedTransactionID),
		RelatedKycApplicationID: str(r.RelatedKycApplicationID), DueDate: utc(r.DueDate),
		CreatedBy: str(r.CreatedBy), ResolvedAt: utc(r.ResolvedAt), ResolutionNote: str(r.ResolutionNote),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), AutoApprove: r.AutoApprove, Overdue: r.Overdue,
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if r.ClientName.Valid || r.ClientEmail.Valid || r.ClientExternalID.Valid {
		c.Client = &clientJSON{Name: str(r.ClientName), Email: str(r.ClientEmail), ExternalID: str(r.ClientExternalID)}
	}
	return c
}

func toEventJSON(e store.Event) eventJSON {
	out := eventJSON{
		ID: e.ID, CaseID: e.CaseID, EventType: e.EventType, ActorID: str(e.ActorID),
		ActorName: str(e.ActorName), Description: e.Description, PreviousValue: e.PreviousValue,
		NewValue: e.NewValue, Metadata: e.Metadata, CreatedAt: e.CreatedAt.UTC(),
	}
	if e.ActorID.Valid && e.ActorEmail.Valid {
		out.Actor = &actorJSON{ID: e.ActorID.String, Email: e.ActorEmail.String,
			FirstName: e.ActorFirstName.String, LastName: e.ActorLastName.String}
	}
	return out
}

func toActorJSON(u store.User) *actorJSON {
	return &actorJSON{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}
}

func toUserJSON(u store.User) *userJSON {
	return &userJSON{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Name: u.Name(),
		Role: string(u.Role), Active: u.Active()}
}

func str(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func utc(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

type transactionJSON struct {
	ID         string     `json:"id"`
	ExternalID string     `json:"externalId"`
	Amount     string     `json:"amount"`
	Currency   string     `json:"currency"`
	SenderName string     `json:"senderName"`
	Sender     store.JSON `json:"sender"`
	Receiver   store.JSON `json:"receiver"`
	// Verdict is the latest verdict, in short; Verdicts has each in full.
	Verdict        verdictSummaryJSON `json:"verdict"`
	Outcome        string             `json:"outcome"`
	RiskLevel      string             `json:"riskLevel"`
	AggregateScore float64            `json:"aggregateScore"`
	TotalLatencyMs int64              `json:"totalLatencyMs"`
	Hits           store.JSON         `json:"hits"`
	FirstSeenAt    time.Time          `json:"firstSeenAt"`
	LastSeenAt     time.Time          `json:"lastSeenAt"`
	Verdicts       []verdictJSON      `json:"verdicts"`
}

type verdictSummaryJSON struct {
	Outcome        string  `json:"outcome"`
	RiskLevel      string  `json:"riskLevel"`
	AggregateScore float64 `json:"aggregateScore"`
	TotalLatencyMs int64   `json:"totalLatencyMs"`
}

type verdictJSON struct {
	VerdictID  string     `json:"verdictId"`
	Verdict    store.JSON `json:"verdict"`
	Deliveries int        `json:"deliveries"`
	ReceivedAt time.Time  `json:"receivedAt"`
}

func toTransactionJSON(t store.Transaction) *transactionJSON {
	var sender contract.Party
	_ = json.Unmarshal(t.Sender, &sender) // written from a contract.Party
	out := &transactionJSON{ID: t.ID, ExternalID: t.ExternalID, Amount: t.Amount, Currency: t.Currency,
		SenderName: sender.Name, Sender: t.Sender, Receiver: t.Receiver,
		Verdict: verdictSummaryJSON{Outcome: t.Outcome, RiskLevel: t.RiskLevel, AggregateScore: t.AggregateScore,
			TotalLatencyMs: t.TotalLatencyMs},
		Outcome: t.Outcome, RiskLevel: t.RiskLevel,
		AggregateScore: t.AggregateScore, TotalLatencyMs: t.TotalLatencyMs, Hits: t.Hits,
		FirstSeenAt: t.FirstSeenAt.UTC(), LastSeenAt: t.LastSeenAt.UTC(), Verdicts: make([]verdictJSON, len(t.Verdicts))}
	for i, v := range t.Verdicts {
		out.Verdicts[i] = verdictJSON{VerdictID: v.VerdictID, Verdict: v.Payload, Deliveries: v.Deliveries, ReceivedAt: v.ReceivedAt.UTC()}
	}
	return out
}

// stateJSON is the live state of a case, as its workflow holds it.
type stateJSON struct {
	CaseID             string      `json:"caseId"`
	CaseNumber         string      `json:"caseNumber"`
	Status             string      `json:"status"`
	Flag               *string     `json:"flag"`
	AllowedTransitions []string    `json:"allowedTransitions"`
	DueDate            *time.Time  `json:"dueDate"`
	Overdue            bool        `json:"overdue"`
	AwaitingClient     bool        `json:"awaitingClient"`
	NextTimer          *timerJSON  `json:"nextTimer"`
	Timers             []timerJSON `json:"timers"`
	Version            int64       `json:"version"`
}

type timerJSON struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
}

func toStateJSON(st contract.State) stateJSON {
	c := st.Case
	out := stateJSON{CaseID: c.ID, CaseNumber: c.CaseNumber, Status: string(c.Status), Overdue: c.Overdue,
		AwaitingClient: c.AwaitingClient, Version: c.Version, AllowedTransitions: []string{}, Timers: []timerJSON{}}
	if c.Flag != "" {
		f := string(c.Flag)
		out.Flag = &f
	}
	if c.DueDate != nil {
		d := c.DueDate.UTC()
		out.DueDate = &d
	}
	for _, s := range st.AllowedTransitions {
		out.AllowedTransitions = append(out.AllowedTransitions, string(s))
	}
	for _, t := range c.Plan {
		out.Timers = append(out.Timers, timerJSON{At: t.At.UTC(), Kind: t.Kind})
	}
	if len(out.Timers) > 0 {
		out.NextTimer = &out.Timers[0]
	}
	return out
}
