package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestOverdueDigest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	olivia, _, err := f.store.EnsureUser(ctx, "olivia@bank.example", contract.RoleComplianceOfficer, "Olivia", "Officer")
	require.NoError(t, err)
	otto, _, err := f.store.EnsureUser(ctx, "otto@bank.example", contract.RoleComplianceOfficer, "Otto", "Officer")
	require.NoError(t, err)
	_, _, err = f.store.EnsureUser(ctx, "ada@bank.example", contract.RoleBankAdmin, "Ada", "Admin")
	require.NoError(t, err)
	author, _, err := f.store.EnsureUser(ctx, "andy@bank.example", contract.RoleAnalyst, "Andy", "Analyst")
	require.NoError(t, err)

	due := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	project := func(title string, assignee *string, overdue bool) {
		c := contract.Case{
			NewCase: contract.NewCase{ID: uuid.Must(uuid.NewV7()).String(), Type: "AML_ALERT", Family: contract.FamilyInvestigation,
				Priority: "HIGH", Title: title, Description: "d", CreatedBy: author.ID, DueDate: &due, AssignedTo: assignee},
			Status: contract.StatusInProgress, Overdue: overdue, CreatedAt: due, UpdatedAt: due, Version: 1,
		}
		_, err := f.store.Project(ctx, contract.Projection{Case: c})
		require.NoError(t, err)
	}
	project("Olivia's first", &olivia.ID, true)
	project("Olivia's second", &olivia.ID, true)
	project("Nobody's", nil, true)
	project("Otto's, on time", &otto.ID, false)

	sent, err := f.acts.SendOverdueDigests(ctx, "2026-11-21")
	require.NoError(t, err)
	require.Equal(t, 2, sent, "Olivia for hers, Ada for the unassigned one; Otto has none")

	mine := f.smtp.To("olivia@bank.example")
	require.Len(t, mine, 1)
	require.Equal(t, "Overdue cases: 2 yours (2026-11-21)", mine[0].Subject)
	require.Contains(t, mine[0].Text, "Olivia's first")
	require.Contains(t, mine[0].Text, "Olivia's second")
	require.NotContains(t, mine[0].Text, "Nobody's")
	admin := f.smtp.To("ada@bank.example")
	require.Len(t, admin, 1)
	require.Equal(t, "Overdue cases: 0 yours, 1 unassigned (2026-11-21)", admin[0].Subject)
	require.Empty(t, f.smtp.To("otto@bank.example"))

	// The same day again sends nothing; the next day sends again.
	sent, err = f.acts.SendOverdueDigests(ctx, "2026-11-21")
	require.NoError(t, err)
	require.Zero(t, sent)
	sent, err = f.acts.SendOverdueDigests(ctx, "2026-11-22")
	require.NoError(t, err)
	require.Equal(t, 2, sent)
	require.Len(t, f.smtp.Messages(), 4)
}
