package contract

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ValidateNewCase checks a new case, asked for at now, against the domain
// rules and the contract. The API runs it to answer 422 before anything
// starts; the workflow runs it again because it is the authority.
func ValidateNewCase(c NewCase, now time.Time) error {
	var errs Errors
	ValidateCaseShape(&errs, c)
	ValidateCaseEntities(&errs, c)
	ValidateCaseValues(&errs, c, now)
	return errs.Err()
}

// ValidateCaseShape is what a new case needs besides storable values:
// known types, required fields, references that parse.
func ValidateCaseShape(errs *Errors, c NewCase) {
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

// ValidateCaseEntities is what a new case's entities need: an edit, which
// cannot change them, does not check them again.
func ValidateCaseEntities(errs *Errors, c NewCase) {
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
	if c.NeedsIndividual && individuals == 0 {
		errs.Add("entities", "a %s case needs at least one INDIVIDUAL entity", c.Type)
	}
}

// ValidateCaseValues holds a new case's values to the contract, so that
// whatever it accepts can be stored and shown.
func ValidateCaseValues(errs *Errors, c NewCase, now time.Time) {
	errs.Text("title", c.Title, Title)
	errs.Text("description", c.Description, Prose)
	if c.Client != nil {
		errs.Text("client.name", c.Client.Name, Line)
		errs.Text("client.email", c.Client.Email, Email)
		errs.Text("client.externalId", c.Client.ExternalID, Line)
	}
	errs.Text("externalId", c.ExternalID, Line)
	if hasObject(c.Metadata) {
		errs.Object("metadata", c.Metadata, Metadata)
	}
	if len(c.Properties) > MaxProperties {
		errs.Add("properties", "at most %d properties", MaxProperties)
	}
	for k, v := range c.Properties {
		field := Member("properties", k)
		errs.Text(field, k, PropertyKey)
		errs.Text(field, v, PropertyValue)
	}
	if len(c.Tags) > MaxTags {
		errs.Add("tags", "at most %d tags", MaxTags)
	}
	for i, t := range c.Tags {
		errs.Text(fmt.Sprintf("tags[%d]", i), t, Tag)
	}
	for i, e := range c.Entities {
		validateEntity(errs, fmt.Sprintf("entities[%d].", i), e)
	}
	if c.DueDate != nil {
		if msg := DueDate(*c.DueDate, now, c.MaxDueYears); msg != "" {
			errs.Add("dueDate", "%s", msg)
		}
	}
}

// ValidateEntity checks an entity to add; field names are prefixed with
// where it stands in the request.
func ValidateEntity(prefix string, e NewEntity) ValidationError {
	var errs Errors
	validateEntity(&errs, prefix, e)
	return errs.List()
}

func validateEntity(errs *Errors, prefix string, e NewEntity) {
	if e.Kind != KindIndividual && e.Kind != KindCompany {
		errs.Add(prefix+"kind", "must be INDIVIDUAL or COMPANY")
	}
	errs.Text(prefix+"name", e.Name, RequiredLine)
	errs.Text(prefix+"role", e.Role, Line)
	if hasObject(e.Details) {
		errs.Object(prefix+"details", e.Details, Metadata)
	}
	for i, c := range e.Checks {
		errs.Text(fmt.Sprintf("%schecks[%d]", prefix, i), c, RequiredLine)
	}
}

// hasObject reports whether an optional JSON object was given.
func hasObject(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// ValidStatus reports whether s is a status of any lifecycle.
func ValidStatus(s string) bool {
	for _, f := range []Family{FamilyInvestigation, FamilyOnboarding} {
		if life, ok := LifecycleFor(f); ok && slices.Contains(life.Statuses(), Status(s)) {
			return true
		}
	}
	return false
}
