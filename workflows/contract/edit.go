package contract

import (
	"encoding/json"
	"maps"
	"slices"
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

// Apply returns nc with the edit made, and the fields it changes.
func (e CaseEdit) Apply(nc NewCase) (NewCase, []string) {
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
		set("riskLevel", !SameID(risk, nc.RiskLevel), func() { nc.RiskLevel = risk })
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

// TransactionLink attaches a screened transaction to a case, with its
// latest verdict as the timeline shows it. The API reads it from the
// transactions it keeps.
type TransactionLink struct {
	ActorID string      `json:"actorId"`
	Verdict VerdictLink `json:"verdict"`
}

// Validate holds a link to the contract.
func (l TransactionLink) Validate() error { return l.Verdict.Validate() }

// jsonEqual compares two JSON values as values: spacing and key order aside.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return string(JSONValue(x)) == string(JSONValue(y))
}
