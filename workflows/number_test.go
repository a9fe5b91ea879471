package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/temporal"
)

// A case keeps the number it was started with: its projection stores it
// and its current details name the case by it from the first write. One
// started without a number (before the API drew them) gets Postgres's.
func TestCaseWorkflowKeepsTheNumberItStartsWith(t *testing.T) {
	tests := []struct {
		name string
		// number is what the case starts with: "" for none, "drawn" for a
		// number from the store, or taken: one another case already has.
		number string
		want   func(t *testing.T, given, stored string)
	}{
		{"drawn before the start", "drawn", func(t *testing.T, given, stored string) {
			require.Equal(t, given, stored)
		}},
		{"none", "", func(t *testing.T, _, stored string) {
			require.True(t, contract.ValidCaseNumber(stored), stored)
		}},
		{"taken by another case (a projection restored from an old backup)", "taken", func(t *testing.T, given, stored string) {
			require.True(t, contract.ValidCaseNumber(stored), stored)
			require.NotEqual(t, given, stored, "Postgres numbers it anew rather than refuse it")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			ctx := context.Background()
			switch tt.number {
			case "drawn":
				number, err := h.store.NextCaseNumber(ctx, time.Now())
				require.NoError(t, err)
				h.number = number
			case "taken":
				h.number = takenNumber(t, h)
			}
			created := h.send(contract.UpdateCreate, nil)
			var details string
			h.env.RegisterDelayedCallback(func() {
				v, err := h.env.QueryWorkflow("__temporal_workflow_metadata")
				require.NoError(t, err)
				var md sdkpb.WorkflowMetadata
				require.NoError(t, v.Get(&md))
				details = md.GetCurrentDetails()
			}, 1500*time.Millisecond)
			h.status(contract.StatusInProgress, "")
			h.status(contract.StatusPendingReview, "")
			h.run()
			requireAccepted(t, created)

			row, err := h.store.GetCase(ctx, h.newCase.ID)
			require.NoError(t, err)
			tt.want(t, h.number, row.CaseNumber)
			require.Equal(t, row.CaseNumber, created.result.(contract.Case).CaseNumber)
			require.Contains(t, details, "**"+row.CaseNumber+"** is OPEN")
		})
	}
}

// takenNumber writes another case under a fresh number and returns it.
func takenNumber(t *testing.T, h *harness) string {
	t.Helper()
	ctx := context.Background()
	number, err := h.store.NextCaseNumber(ctx, time.Now())
	require.NoError(t, err)
	other := contract.Case{NewCase: h.newCase, CaseNumber: number, Status: contract.StatusOpen,
		CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1}
	other.ID = "0195f3b2-7c1e-7d4a-9b1e-2f6f1c2d3e4f"
	_, err = h.store.Project(ctx, contract.Projection{Case: other})
	require.NoError(t, err)
	return number
}

// A number not shaped like one is refused with the rest of the case.
func TestCaseWorkflowRefusesAMalformedNumber(t *testing.T) {
	h := newHarness(t, nil)
	h.number = "CASE-42"
	h.run()
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, h.env.GetWorkflowError(), &appErr)
	require.Equal(t, contract.CodeValidation, appErr.Type())
	require.Contains(t, appErr.Error(), "caseNumber")
}

func TestValidCaseNumber(t *testing.T) {
	for number, valid := range map[string]bool{
		"CASE-2026-00042": true, "CASE-2026-1234567": true,
		"": false, "CASE-2026-0042": false, "case-2026-00042": false, "CASE-26-00042": false, "CASE-2026-00042 ": false,
	} {
		require.Equal(t, valid, contract.ValidCaseNumber(number), "%q", number)
	}
}
