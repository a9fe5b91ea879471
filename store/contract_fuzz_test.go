package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// FuzzAcceptedCaseIsStorable holds the contract to its promise: whatever
// a new case, an entity and a note may hold by the workflow's own
// validators, the projection writes, and reads back unchanged, in a real
// Postgres. Before the contract, a NUL, a lone surrogate or a number no
// double holds passed validation and was refused here, wedging the case.
func FuzzAcceptedCaseIsStorable(f *testing.F) {
	f.Add("Structuring on account 4411", "Nine deposits.\r\n\tEach under 10k.", "cash", "branch", "Leeds",
		[]byte(`{"source":"monitoring","score":87,"nested":{"a":[1,2.5,-3e10,"x",true,null]}}`), "Jane Roe", []byte(`{"nationality":"GB"}`), "Called the branch.")
	f.Add("Zoë Ødegård 🙂", "", "ü", "k", "", []byte(`{"a":"\ud83d\ude00"}`), "Jo", []byte(`{}`), "x")
	f.Add("hello\x00world", "a\x1bb", "t\n", "", "v", []byte(`{"a":"\ud800"}`), "N\x00", []byte(`{"n":1e1000000}`), "\x00")
	f.Add("a", "b", "c", "d", "e", []byte(`{"n":1e-400,"m":0e-400,"big":123456789012345678901234567890}`), "f", []byte(`[]`), "g")
	f.Add("\xff", "\xc3\x28", "x", "y", "z", []byte("{\"a\":\"\xff\"}"), "n", []byte(`null`), "n")

	s, _ := storetest.New(f)
	ctx := context.Background()
	author, _, err := s.EnsureUser(ctx, "fuzz@bank.example", contract.RoleComplianceOfficer, "Fuzz", "Author")
	require.NoError(f, err)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, title, description, tag, propKey, propValue string, metadata []byte, entityName string, details []byte, note string) {
		nc := contract.NewCase{
			ID: uuid.NewString(), Type: "IDENTITY_VERIFICATION", Family: contract.FamilyOnboarding, Priority: "MEDIUM",
			Title: title, Description: description, CreatedBy: author.ID,
			Client:     &contract.Client{Name: "Jane Roe", Email: "jane@example.com"},
			Tags:       []string{tag},
			Properties: map[string]string{propKey: propValue},
			Metadata:   metadata,
			Entities:   []contract.NewEntity{{Kind: contract.KindIndividual, Name: entityName, Details: details, Checks: []string{"IDENTITY_DOCUMENT"}}},
		}
		if contract.ValidateNewCase(nc, now) != nil {
			return // refused: nothing would be written
		}
		c := contract.Case{NewCase: nc, Status: contract.StatusDraft, CreatedAt: now, UpdatedAt: now, Version: 1}
		c.NewCase.Entities = nil
		entity := contract.Entity{ID: contract.EntityID(nc.ID, 0), Kind: contract.KindIndividual, Name: entityName, Details: details, Checks: []contract.Check{}}
		c.Entities = []contract.Entity{entity}
		events := []contract.Event{{ID: contract.EventID(nc.ID, 1), CaseID: nc.ID, Seq: 1, Type: contract.EventCaseCreated,
			ActorID: &author.ID, Description: "Case created", CreatedAt: now}}
		if (contract.Note{Content: note}).Validate() == nil {
			c.Version = 2
			events = append(events, contract.Event{ID: contract.EventID(nc.ID, 2), CaseID: nc.ID, Seq: 2, Type: contract.EventNoteAdded,
				ActorID: &author.ID, Description: note, CreatedAt: now})
		}
		_, err := s.Project(ctx, contract.Projection{Case: c, Events: events, Fence: 1})
		require.NoError(t, err, "a case the contract accepts is storable")

		row, err := s.GetCase(ctx, nc.ID)
		require.NoError(t, err)
		require.Equal(t, title, row.Title)
		require.Equal(t, description, row.Description)
		require.Equal(t, []string{tag}, []string(row.Tags))
		requireSameJSON(t, map[string]string{propKey: propValue}, row.Properties)
		if len(metadata) > 0 && string(metadata) != "null" {
			requireSameJSON(t, json.RawMessage(metadata), row.Metadata)
		}
		entities, err := s.Entities(ctx, nc.ID)
		require.NoError(t, err)
		require.Len(t, entities, 1)
		require.Equal(t, entityName, entities[0].Name)
		if len(details) > 0 && string(details) != "null" {
			requireSameJSON(t, json.RawMessage(details), entities[0].Details)
		}
		timeline, err := s.Timeline(ctx, nc.ID)
		require.NoError(t, err)
		require.Len(t, timeline, len(events))
		require.Equal(t, events[len(events)-1].Description, timeline[len(timeline)-1].Description)
	})
}

// requireSameJSON compares what was given with what Postgres gave back as
// JSON values: jsonb keeps neither key order nor a number's spelling.
func requireSameJSON(t *testing.T, want any, got store.JSON) {
	t.Helper()
	b, err := json.Marshal(want)
	require.NoError(t, err)
	var w, g any
	require.NoError(t, json.Unmarshal(b, &w))
	require.NoError(t, json.Unmarshal(got, &g), "%s", got)
	require.Equal(t, w, g)
}
