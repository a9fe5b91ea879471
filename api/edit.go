package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// editRequest is the body of PATCH /cases/:id: what to change. A field
// left out stays as it is; riskLevel null clears it.
type editRequest struct {
	Title       *string            `json:"title"`
	Description *string            `json:"description"`
	Priority    *string            `json:"priority"`
	RiskLevel   json.RawMessage    `json:"riskLevel"`
	ExternalID  *string            `json:"externalId"`
	Tags        *[]string          `json:"tags"`
	Metadata    json.RawMessage    `json:"metadata"`
	Properties  *map[string]string `json:"properties"`
	Client      *contract.Client   `json:"client"`
	// Entities replaces a draft's entities, each given the checks the
	// catalogue requires.
	Entities *[]entityRequest `json:"entities"`
}

// edit turns the request into the case's edit; the workflow holds the
// case as edited to everything a new case is held to.
func (s *Server) edit(c *fiber.Ctx, _ string) (any, error) {
	var req editRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	// Trimmed as a create trims them.
	for _, text := range []*string{req.Title, req.Description} {
		if text != nil {
			*text = strings.TrimSpace(*text)
		}
	}
	e := contract.CaseEdit{ActorID: currentUser(c).ID, Title: req.Title, Description: req.Description,
		ExternalID: req.ExternalID, Tags: req.Tags, Properties: req.Properties, Client: req.Client}
	if req.Priority != nil {
		p := contract.Priority(*req.Priority)
		e.Priority = &p
	}
	switch raw := strings.TrimSpace(string(req.RiskLevel)); raw {
	case "":
	case "null":
		clear := ""
		e.RiskLevel = &clear
	default:
		var risk string
		if err := json.Unmarshal(req.RiskLevel, &risk); err != nil || risk == "" {
			return nil, invalid(contract.FieldError{Field: "riskLevel", Message: "must be LOW, MEDIUM, HIGH or null"})
		}
		e.RiskLevel = &risk
	}
	if string(req.Metadata) != "null" {
		e.Metadata = req.Metadata
	}
	if req.Entities != nil {
		row, err := s.existingCase(c) // its type says which checks the catalogue requires
		if err != nil {
			return nil, err
		}
		entities := make([]contract.NewEntity, len(*req.Entities))
		for i, ne := range *req.Entities {
			entities[i] = s.newEntity(row.Type, ne)
		}
		e.Entities = &entities
	}
	return e, nil
}

// linkRequest attaches a transaction to a case: one screening delivered
// already (transactionId), or a verdict delivered with the request.
type linkRequest struct {
	TransactionID string            `json:"transactionId"`
	Verdict       *contract.Verdict `json:"verdict"`
}

// link turns the request into the link the case records. A transaction
// delivered already is linked as it is kept; a new verdict is kept first,
// as screening keeps one (so only a screening account, an officer or an
// admin, may give one), without a case of its own: the case it belongs to
// is the one that records the link.
func (s *Server) link(c *fiber.Ctx, id string) (any, error) {
	if _, err := s.existingCase(c); err != nil {
		return nil, err
	}
	var req linkRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	actor := currentUser(c)
	switch {
	case req.Verdict != nil && req.TransactionID != "":
		return nil, invalid(contract.FieldError{Field: "body", Message: "give a transactionId or a verdict, not both"})
	case req.Verdict != nil:
		if !actor.Role.CanBeAssigned() {
			return nil, apiError(http.StatusForbidden, codeForbidden, "role %s may link a screened transaction but not deliver a verdict", actor.Role)
		}
		if err := contract.ValidateVerdict(*req.Verdict); err != nil {
			return nil, prefixed("verdict.", err)
		}
		req.TransactionID = strings.ToLower(req.Verdict.TransactionID)
		_, err := s.store.GetTransaction(c.UserContext(), req.TransactionID)
		if errors.Is(err, store.ErrNotFound) {
			if err := s.store.RecordVerdict(c.UserContext(), *req.Verdict, nil); err != nil {
				return nil, err
			}
			return contract.TransactionLink{ActorID: actor.ID, Verdict: req.Verdict.Link()}, nil
		}
		if err != nil {
			return nil, err
		}
		// Kept already: linked as it is kept, never overwritten from here.
	}
	if _, err := uuid.Parse(req.TransactionID); err != nil {
		return nil, invalid(contract.FieldError{Field: "transactionId", Message: "is required: a screened transaction's ID (or send a verdict)"})
	}
	t, err := s.store.GetTransaction(c.UserContext(), strings.ToLower(req.TransactionID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("transaction")
	}
	if err != nil {
		return nil, err
	}
	// The verdict received last, as it was delivered: its ID and its
	// outcome describe the same verdict.
	var latest contract.Verdict
	if err := json.Unmarshal(t.Verdicts[len(t.Verdicts)-1].Payload, &latest); err != nil {
		return nil, fmt.Errorf("read the verdict of transaction %s: %w", t.ID, err)
	}
	return contract.TransactionLink{ActorID: actor.ID, Verdict: latest.Link()}, nil
}

// prefixed names a nested object's bad fields from the request's top.
func prefixed(prefix string, err error) error {
	var v contract.ValidationError
	if !errors.As(err, &v) {
		return err
	}
	out := make([]contract.FieldError, len(v))
	for i, f := range v {
		out[i] = contract.FieldError{Field: prefix + f.Field, Message: f.Message}
	}
	return invalid(out...)
}
