package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// A write Postgres refuses for good fails the same way however often it
// is tried: each is provoked here for real and must read as refused, the
// case left as it was.
func TestProjectionRefusedByPostgres(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	newCase := func() contract.Case {
		return contract.Case{
			NewCase: contract.NewCase{ID: uuid.NewString(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
				Priority: "HIGH", Title: "Alert", Description: "Unusual activity."},
			Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1,
		}
	}
	noise := make([]byte, 6000)
	_, _ = rand.Read(noise)
	far := time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)

	for _, tc := range []struct {
		name, sqlstate string
		spoil          func(*contract.Projection)
	}{
		{"a NUL byte in text", "22021", func(p *contract.Projection) { p.Case.Title = "Al\x00ert" }},
		{"a NUL in a pending event's jsonb", "22P05", func(p *contract.Projection) {
			p.Pending = []contract.Event{{ID: uuid.NewString(), CaseID: p.Case.ID, Seq: 1, Type: contract.EventCaseCreated,
				Description: "nul \x00 here", CreatedAt: at}}
		}},
		{"a NUL in a committed event's metadata", "22P05", func(p *contract.Projection) {
			p.Events = []contract.Event{{ID: uuid.NewString(), CaseID: p.Case.ID, Seq: 1, Type: contract.EventCaseCreated,
				Description: "created", Metadata: json.RawMessage(`{"provider":"\u0000"}`), CreatedAt: at}}
		}},
		{"a NUL in an entity's name", "22P05", func(p *contract.Projection) {
			p.Case.Family = contract.FamilyOnboarding
			p.Case.Entities = []contract.Entity{{ID: uuid.NewString(), Kind: "INDIVIDUAL", Name: "Ada\x00", Checks: []contract.Check{}}}
		}},
		{"a NUL in a check's reason", "22P05", func(p *contract.Projection) {
			p.Case.Family = contract.FamilyOnboarding
			entity := uuid.NewString()
			p.Case.Entities = []contract.Entity{{ID: entity, Kind: "INDIVIDUAL", Name: "Ada", Checks: []contract.Check{{
				ID: uuid.NewString(), EntityID: entity, Type: "ID_DOCUMENT", Status: contract.CheckRejected, Reason: "blurred\x00", UpdatedAt: at}}}}
		}},
		{"a date past timestamptz", "22008", func(p *contract.Projection) { p.Case.DueDate = &far }},
		{"an index entry too large", "54000", func(p *contract.Projection) { p.Case.Type = hex.EncodeToString(noise) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []string{"first write", "first write, its number drawn", "numbered"} {
				c := newCase()
				numbered := mode == "numbered"
				switch mode {
				case "first write, its number drawn":
					// An investigation's first write is one statement.
					number, err := s.NextCaseNumber(ctx, at)
					require.NoError(t, err)
					c.CaseNumber = number
				case "numbered":
					// The row exists: an investigation's write is one statement.
					number, err := s.Project(ctx, contract.Projection{Case: c, Fence: 3})
					require.NoError(t, err)
					c.CaseNumber, c.Version = number, 2
				}
				p := contract.Projection{Case: c, Fence: 5}
				tc.spoil(&p)
				_, err := s.Project(ctx, p)
				require.Error(t, err)
				require.True(t, store.IsRefused(err), "%s: %v", mode, err)
				require.False(t, store.IsUnavailable(err))
				code, condition := store.SQLState(err)
				require.Equal(t, tc.sqlstate, code, "%v", err)
				require.NotEmpty(t, condition)

				row, err := s.GetCase(ctx, c.ID)
				if !numbered {
					require.ErrorIs(t, err, store.ErrNotFound, "nothing of a refused write is kept")
					continue
				}
				require.NoError(t, err)
				require.Equal(t, int64(1), row.Version, "nothing of a refused write is kept")
			}
		})
	}
}

// What may pass when tried again is no refusal: it stays retried.
func TestProjectionTransientErrorsAreNotRefusals(t *testing.T) {
	// A Postgres that does not answer, for real.
	_, err := store.Open(context.Background(), "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", 1)
	require.Error(t, err)
	require.False(t, store.IsRefused(err), "%v", err)
	require.True(t, store.IsUnavailable(err))

	for _, code := range []pqerror.Code{"40001", "40P01", "57P01", "57P03", "53300", "08006", "23505", "42P01", "XX000"} {
		err := &pq.Error{Code: code}
		require.False(t, store.IsRefused(err), "%s (%s)", code, code.Name())
	}
	for _, code := range []pqerror.Code{"22P05", "22021", "22003", "22008", "22001", "54000", "23502", "23503", "23514"} {
		err := errors.Join(errors.New("project case"), &pq.Error{Code: code})
		require.True(t, store.IsRefused(err), "%s (%s)", code, code.Name())
	}
	require.False(t, store.IsRefused(nil))
	require.False(t, store.IsRefused(context.DeadlineExceeded))
	_, err = json.Marshal(json.RawMessage(`{"not json`))
	require.True(t, store.IsRefused(err), "a value that cannot be encoded cannot be written either: %v", err)
}

// An assignee who does not exist (sent straight to Temporal, past the
// API's lookup) is a foreign key Postgres refuses for good: a refusal, not
// a write retried forever.
func TestProjectionOfAnUnknownAssigneeIsRefused(t *testing.T) {
	s, _ := storetest.New(t)
	ghost := uuid.NewString()
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	c := contract.Case{NewCase: contract.NewCase{ID: uuid.NewString(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
		Priority: "HIGH", Title: "Alert", Description: "Unusual activity.", AssignedTo: &ghost},
		Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1}
	_, err := s.Project(context.Background(), contract.Projection{Case: c, Fence: 1})
	require.Error(t, err)
	require.True(t, store.IsRefused(err), "%v", err)
}
