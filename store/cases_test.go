package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// A workflow task writes its case before it is committed. When it fails
// and is retried with another outcome, the retry's write (higher fence)
// replaces the failed attempt's, a late write of the failed attempt
// changes nothing, and only committed events reach the audit timeline.
//
// A workflow names the case number it was given once the row exists;
// from then on an investigation's write is one statement. A case whose
// number the API drew before its start is written as one statement from
// the first. All three ways are held to the same rules.
func TestProjectRetriedTaskReplacesFailedAttempt(t *testing.T) {
	s, _ := storetest.New(t)
	tests := []struct {
		name            string
		numbered, drawn bool
	}{
		{"as a transaction", false, false},
		{"as one statement", true, false},
		{"numbered before its first write", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { testRetriedTask(t, s, tc.numbered, tc.drawn) })
	}
}

func testRetriedTask(t *testing.T, s *store.Store, numbered, drawn bool) {
	ctx := context.Background()
	officer, _, err := s.EnsureUser(ctx, "ada@bank.example", contract.RoleComplianceOfficer, "Ada", "Officer")
	require.NoError(t, err)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	c := contract.Case{
		NewCase: contract.NewCase{ID: uuid.NewString(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
			Priority: "HIGH", Title: "Alert", Description: "Unusual activity.", CreatedBy: officer.ID},
		Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at,
	}
	if drawn {
		c.CaseNumber, err = s.NextCaseNumber(ctx, at)
		require.NoError(t, err)
	}
	event := func(seq int64, typ, desc string) contract.Event {
		return contract.Event{ID: contract.EventID(c.ID, seq), CaseID: c.ID, Seq: seq, Type: typ,
			ActorID: &officer.ID, Description: desc, CreatedAt: at}
	}
	project := func(fence int64, version int64, status contract.Status, committed, pending []contract.Event) {
		t.Helper()
		w := c
		w.Version, w.Status = version, status
		number, err := s.Project(ctx, contract.Projection{Case: w, Events: committed, Pending: pending, Fence: fence})
		require.NoError(t, err)
		require.Regexp(t, `^CASE-\d{4}-\d{5,}$`, number)
		if drawn {
			require.Equal(t, c.CaseNumber, number)
		}
		if numbered {
			c.CaseNumber = number
		}
	}
	timeline := func() []string {
		t.Helper()
		events, err := s.Timeline(ctx, c.ID)
		require.NoError(t, err)
		var out []string
		for _, e := range events {
			out = append(out, e.Description)
			require.Equal(t, "Ada Officer", e.ActorName.String, "pending events have their actor's name too")
		}
		return out
	}
	audit := func() int {
		t.Helper()
		var n int
		require.NoError(t, s.DB().Get(&n, `SELECT count(*) FROM case_events WHERE case_id = $1`, c.ID))
		return n
	}
	status := func() string {
		t.Helper()
		row, err := s.GetCase(ctx, c.ID)
		require.NoError(t, err)
		return row.Status
	}

	created := event(1, contract.EventCaseCreated, "Case created")
	project(3, 1, contract.StatusOpen, nil, []contract.Event{created})
	require.Equal(t, []string{"Case created"}, timeline(), "pending events show at once")
	require.Zero(t, audit(), "the audit timeline waits for the commit")
	project(3, 1, contract.StatusOpen, nil, []contract.Event{created})
	require.Equal(t, []string{"Case created"}, timeline(), "a retried write adds nothing")

	// Task at history length 9: a note and a closing, then the task fails.
	note := event(2, contract.EventNoteAdded, "first attempt's note")
	closing := event(3, contract.EventStatusChanged, "first attempt's closing")
	project(9, 3, contract.StatusClosed, []contract.Event{created}, []contract.Event{note, closing})
	require.Equal(t, "CLOSED", status())
	require.Equal(t, 1, audit())

	// Its retry (history length 12) applied another note only.
	other := event(2, contract.EventNoteAdded, "the retry's note")
	project(12, 2, contract.StatusOpen, nil, []contract.Event{other})
	require.Equal(t, "OPEN", status(), "the retry's lower version still wins: its fence is higher")
	require.Equal(t, []string{"Case created", "the retry's note"}, timeline())

	// A late write of the failed attempt is stale.
	project(9, 3, contract.StatusClosed, nil, []contract.Event{note, closing})
	require.Equal(t, "OPEN", status())
	require.Equal(t, []string{"Case created", "the retry's note"}, timeline())

	// The next task commits the retry's note to the audit timeline.
	project(15, 2, contract.StatusOpen, []contract.Event{other}, nil)
	require.Equal(t, 2, audit())
	require.Equal(t, []string{"Case created", "the retry's note"}, timeline())
	e, err := s.GetEvent(ctx, c.ID, other.ID)
	require.NoError(t, err)
	require.Equal(t, "the retry's note", e.Description)
	_, err = s.GetEvent(ctx, c.ID, uuid.NewString())
	require.ErrorIs(t, err, store.ErrNotFound)
}

// Entities written by a failed attempt that its retry did not add are
// dropped with their checks: the newest write is the whole state.
func TestProjectDropsEntitiesOfAFailedAttempt(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	c := contract.Case{
		NewCase: contract.NewCase{ID: uuid.NewString(), Type: "KYC_UPDATE_REQUEST", Family: contract.FamilyOnboarding,
			Priority: "MEDIUM", Title: "Onboarding"},
		Status: contract.StatusDraft, CreatedAt: at, UpdatedAt: at, Version: 1,
	}
	entity := func(i int, name string) contract.Entity {
		id := contract.EntityID(c.ID, i)
		return contract.Entity{ID: id, Kind: "PERSON", Name: name, Checks: []contract.Check{
			{ID: contract.CheckID(id, "ID_DOCUMENT"), EntityID: id, Type: "ID_DOCUMENT", Status: contract.CheckPending, UpdatedAt: at},
		}}
	}
	c.Entities = []contract.Entity{entity(0, "Ada")}
	_, err := s.Project(ctx, contract.Projection{Case: c, Fence: 3})
	require.NoError(t, err)

	failed := c
	failed.Version = 2
	failed.Entities = []contract.Entity{entity(0, "Ada"), entity(1, "Bo")}
	_, err = s.Project(ctx, contract.Projection{Case: failed, Fence: 8})
	require.NoError(t, err)
	entities, err := s.Entities(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, entities, 2)

	retried := c
	retried.Version = 1
	_, err = s.Project(ctx, contract.Projection{Case: retried, Fence: 11})
	require.NoError(t, err)
	entities, err = s.Entities(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, entities, 1)
	require.Equal(t, "Ada", entities[0].Name)
	require.Len(t, entities[0].Checks, 1)

	// So are they when the retry holds none at all.
	c.ID, c.Entities = uuid.NewString(), nil
	_, err = s.Project(ctx, contract.Projection{Case: c, Fence: 3})
	require.NoError(t, err)
	failed = c
	failed.Version, failed.Entities = 2, []contract.Entity{entity(0, "Ada")}
	_, err = s.Project(ctx, contract.Projection{Case: failed, Fence: 8})
	require.NoError(t, err)
	_, err = s.Project(ctx, contract.Projection{Case: c, Fence: 11})
	require.NoError(t, err)
	entities, err = s.Entities(ctx, c.ID)
	require.NoError(t, err)
	require.Empty(t, entities)
	var checks int
	require.NoError(t, s.DB().Get(&checks, `SELECT count(*) FROM case_checks WHERE case_id = $1`, c.ID))
	require.Zero(t, checks)
}

// A case whose row is missing (a projection restored from a backup older
// than the case) is written whole again by its next write, events and all.
func TestProjectRewritesAMissingRow(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	c := contract.Case{
		NewCase: contract.NewCase{ID: uuid.NewString(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
			Priority: "LOW", Title: "Alert", Description: "Restored."},
		CaseNumber: "CASE-2026-04711", Status: contract.StatusInProgress, CreatedAt: at, UpdatedAt: at, Version: 4,
	}
	note := contract.Event{ID: uuid.NewString(), Seq: 4, Type: contract.EventNoteAdded, Description: "after the restore", CreatedAt: at}
	for name, events := range map[string][]contract.Event{"with events": {note}, "without": nil} {
		t.Run(name, func(t *testing.T) {
			c.ID = uuid.NewString()
			for i := range events {
				events[i].CaseID = c.ID
			}
			number, err := s.Project(ctx, contract.Projection{Case: c, Events: events, Fence: 20})
			require.NoError(t, err)
			row, err := s.GetCase(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, number, row.CaseNumber)
			require.Equal(t, "IN_PROGRESS", row.Status)
			timeline, err := s.Timeline(ctx, c.ID)
			require.NoError(t, err)
			require.Len(t, timeline, len(events))
		})
	}
}

// A case number can be drawn before the case's row exists, in the format
// and from the sequence the projection numbers rows with; the first write
// stores it, and then the case is found by it.
func TestCaseNumberDrawnBeforeTheRow(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	at := time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC)
	first, err := s.NextCaseNumber(ctx, at)
	require.NoError(t, err)
	require.Regexp(t, `^CASE-2027-\d{5,}$`, first)
	second, err := s.NextCaseNumber(ctx, at.AddDate(-1, 0, 0))
	require.NoError(t, err)
	require.Regexp(t, `^CASE-2026-\d{5,}$`, second, "the year is the case's own")
	require.NotEqual(t, first[len("CASE-2027-"):], second[len("CASE-2026-"):], "one sequence")
	taken, err := s.NextCaseNumber(ctx, at)
	require.NoError(t, err)
	_, err = s.Project(ctx, contract.Projection{Case: contract.Case{NewCase: contract.NewCase{ID: uuid.NewString(),
		Type: "AML_ALERT", Family: contract.FamilyInvestigation, Priority: "LOW", Title: "Alert"},
		CaseNumber: taken, Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1}, Fence: 3})
	require.NoError(t, err)

	tests := []struct {
		name, given string
		want        func(t *testing.T, stored string)
	}{
		{"drawn", first, func(t *testing.T, stored string) { require.Equal(t, first, stored) }},
		{"none (a case started before numbers were drawn)", "", func(t *testing.T, stored string) {
			require.Regexp(t, `^CASE-2027-\d{5,}$`, stored)
			require.NotEqual(t, first, stored)
		}},
		// Only a projection restored from a backup, its sequence behind
		// the cases started since, hands out a number a row has.
		{"taken", taken, func(t *testing.T, stored string) {
			require.Regexp(t, `^CASE-2027-\d{5,}$`, stored)
			require.NotEqual(t, taken, stored, "the row is numbered anew")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := uuid.NewString()
			_, err := s.GetCase(ctx, id)
			require.ErrorIs(t, err, store.ErrNotFound)
			c := contract.Case{NewCase: contract.NewCase{ID: id, Type: "AML_ALERT", Family: contract.FamilyInvestigation,
				Priority: "LOW", Title: "Alert", Description: "Unusual activity."},
				CaseNumber: tt.given, Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1}
			// Committed with the row, in the one statement when the number
			// is given: the event's reference to the row holds.
			created := contract.Event{ID: contract.EventID(id, 1), CaseID: id, Seq: 1, Type: contract.EventCaseCreated,
				Description: "Case created", CreatedAt: at}
			number, err := s.Project(ctx, contract.Projection{Case: c, Events: []contract.Event{created}, Fence: 3})
			require.NoError(t, err)
			tt.want(t, number)
			stored, err := s.GetCase(ctx, id)
			require.NoError(t, err)
			require.Equal(t, number, stored.CaseNumber)
			e, err := s.GetEvent(ctx, id, created.ID)
			require.NoError(t, err)
			require.Equal(t, "Case created", e.Description)

			// A retried first task writes the same again: the row found,
			// the event kept once, the number the row has.
			again, err := s.Project(ctx, contract.Projection{Case: c, Events: []contract.Event{created}, Fence: 5})
			require.NoError(t, err)
			require.Equal(t, number, again)
			timeline, err := s.Timeline(ctx, id)
			require.NoError(t, err)
			require.Len(t, timeline, 1)
		})
	}
}

// Transactions that each need a statement prepared never wait on one
// another for a connection: with a pool of two and eight onboarding writes
// at once on a store that has prepared nothing, every write lands.
func TestProjectOnASmallColdPool(t *testing.T) {
	_, url := storetest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := store.Open(ctx, url, 2)
	require.NoError(t, err)
	defer s.Close()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

	errs := make(chan error, 8)
	for range 8 {
		go func() {
			id := uuid.NewString()
			entity := contract.EntityID(id, 0)
			c := contract.Case{
				NewCase: contract.NewCase{ID: id, Type: "IDENTITY_VERIFICATION", Family: contract.FamilyOnboarding,
					Priority: "MEDIUM", Title: "Onboarding"},
				Status: contract.StatusDraft, CreatedAt: at, UpdatedAt: at, Version: 1,
				Entities: []contract.Entity{{ID: entity, Kind: "INDIVIDUAL", Name: "Ada", Checks: []contract.Check{
					{ID: contract.CheckID(entity, "ID_DOCUMENT"), EntityID: entity, Type: "ID_DOCUMENT", Status: contract.CheckPending, UpdatedAt: at},
				}}},
			}
			_, err := s.Project(ctx, contract.Projection{Case: c, Fence: 3})
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
}
