package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/seed"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// BenchmarkProjectNote is the write a note costs inside its workflow task,
// in steady state: the case row with the note pending, and the note
// before it committed to the audit timeline. Run against 32 cases at once
// (-cpu) to see the cost under the API's concurrency.
func BenchmarkProjectNote(b *testing.B) {
	s, officer := projectionBench(b)
	ctx := context.Background()

	b.RunParallel(func(pb *testing.PB) {
		at := time.Now().UTC()
		c := contract.Case{
			NewCase: contract.NewCase{ID: uuid.NewString(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
				Priority: "HIGH", Title: "Alert", Description: "Unusual activity.", CreatedBy: officer.ID,
				Client: &contract.Client{Name: "Bench Client", Email: "bench@example.com"}},
			Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at,
		}
		note := func(seq int64) contract.Event {
			return contract.Event{ID: contract.EventID(c.ID, seq), CaseID: c.ID, Seq: seq, Type: contract.EventNoteAdded,
				ActorID: &officer.ID, Description: "bench note", CreatedAt: at}
		}
		number, err := s.Project(ctx, contract.Projection{Case: c, Events: []contract.Event{note(1)}, Fence: 1})
		require.NoError(b, err)
		c.CaseNumber = number // as the workflow keeps it after its first write
		for seq := int64(2); pb.Next(); seq++ {
			c.Version = seq
			_, err := s.Project(ctx, contract.Projection{Case: c, Events: []contract.Event{note(seq - 1)},
				Pending: []contract.Event{note(seq)}, Fence: 6 * seq})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkProjectCreate is the write that opens a case: its row, with
// the client's words for search, and its first event. The case number is
// given, as the API draws it before the start (NextCaseNumber).
func BenchmarkProjectCreate(b *testing.B) {
	s, officer := projectionBench(b)
	ctx := context.Background()
	var numbers atomic.Int64

	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			at := time.Now().UTC()
			id := uuid.NewString()
			c := contract.Case{
				NewCase: contract.NewCase{ID: id, Type: "AML_ALERT", Family: contract.FamilyInvestigation,
					Priority: "HIGH", Title: "Alert", Description: "Unusual activity.", CreatedBy: officer.ID,
					Client: &contract.Client{Name: "Bench Client " + id[:8], Email: "client." + id[:8] + "@bank.example"}},
				CaseNumber: fmt.Sprintf("CASE-2099-%07d", numbers.Add(1)),
				Status:     contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1,
			}
			created := contract.Event{ID: contract.EventID(id, 1), CaseID: id, Seq: 1, Type: contract.EventCaseCreated,
				ActorID: &officer.ID, Description: "Case created", CreatedAt: at}
			if _, err := s.Project(ctx, contract.Projection{Case: c, Events: []contract.Event{created}, Fence: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkProjectOnboarding is the write an onboarding case pays for each
// change: its row with its entities and their checks as they stand, here
// three entities of three checks each, one check answered a write.
func BenchmarkProjectOnboarding(b *testing.B) {
	s, officer := projectionBench(b)
	ctx := context.Background()

	b.RunParallel(func(pb *testing.PB) {
		at := time.Now().UTC()
		id := uuid.NewString()
		c := contract.Case{
			NewCase: contract.NewCase{ID: id, Type: "KYB_ONBOARDING", Family: contract.FamilyOnboarding,
				Priority: "MEDIUM", Title: "Onboarding", CreatedBy: officer.ID,
				Client: &contract.Client{Name: "Bench Client", Email: "bench@example.com"}},
			Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1,
		}
		for n := range 3 {
			e := contract.Entity{ID: contract.EntityID(id, n), Kind: "INDIVIDUAL", Name: fmt.Sprintf("Person %d", n), Role: "Director",
				Details: []byte(`{"country":"DE"}`), Checks: []contract.Check{}}
			for _, typ := range []string{"ID_DOCUMENT", "PROOF_OF_ADDRESS", "SANCTIONS"} {
				e.Checks = append(e.Checks, contract.Check{ID: contract.CheckID(e.ID, typ), EntityID: e.ID, Type: typ,
					Status: contract.CheckPending, UpdatedAt: at})
			}
			c.Entities = append(c.Entities, e)
		}
		number, err := s.Project(ctx, contract.Projection{Case: c, Fence: 1})
		require.NoError(b, err)
		c.CaseNumber = number
		for seq := int64(2); pb.Next(); seq++ {
			c.Version = seq
			check := &c.Entities[seq%3].Checks[(seq/3)%3]
			check.Status, check.UpdatedAt = contract.CheckSubmitted, time.Now().UTC()
			if _, err := s.Project(ctx, contract.Projection{Case: c, Fence: 6 * seq}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// projectionBench is a store whose cases table is realistic (the
// benchmark's cases the newest of many), vacuumed as autovacuum would
// after the bulk load, before the clock starts rather than while it runs;
// and an officer to write as.
func projectionBench(b *testing.B) (*store.Store, store.User) {
	s, _ := storetest.New(b)
	ctx := context.Background()
	officer, _, err := s.EnsureUser(ctx, "bench@bank.example", contract.RoleComplianceOfficer, "Bench", "Officer")
	require.NoError(b, err)
	require.NoError(b, seed.Cases(ctx, s, 20_000, []string{officer.ID}, officer.ID, nil))
	_, err = s.DB().ExecContext(ctx, `VACUUM ANALYZE`)
	require.NoError(b, err)
	// And the load's WAL flushed now: a checkpoint's writes in the middle
	// of the clock were most of this benchmark's swing between runs.
	_, err = s.DB().ExecContext(ctx, `CHECKPOINT`)
	require.NoError(b, err)
	b.ResetTimer()
	return s, officer
}
