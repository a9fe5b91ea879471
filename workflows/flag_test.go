package workflows

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

var allCheckStatuses = []CheckStatus{CheckPending, CheckSubmitted, CheckApproved, CheckRejected}

// specFlag restates DESIGN.md §4 as one predicate per flag, independently
// of DeriveFlag's ordering, and requires exactly one to hold.
func specFlag(t *testing.T, checks []CheckStatus) Flag {
	t.Helper()
	has := func(s CheckStatus) bool { return slices.Contains(checks, s) }
	every := func(ok ...CheckStatus) bool {
		for _, c := range checks {
			if !slices.Contains(ok, c) {
				return false
			}
		}
		return true
	}
	holds := map[Flag]bool{
		"":               every(CheckPending),
		FlagCollecting:   !every(CheckPending) && has(CheckPending) && !has(CheckRejected),
		FlagReviewing:    every(CheckSubmitted, CheckApproved) && has(CheckSubmitted),
		FlagRecollecting: has(CheckRejected),
		FlagAllApproved:  every(CheckApproved),
	}
	var flags []Flag
	for f, ok := range holds {
		if ok {
			flags = append(flags, f)
		}
	}
	require.Len(t, flags, 1, "the spec gives exactly one flag for %v, got %v", checks, flags)
	return flags[0]
}

// combinations lists every assignment of check statuses to n checks.
func combinations(n int) [][]CheckStatus {
	if n == 0 {
		return [][]CheckStatus{{}}
	}
	var out [][]CheckStatus
	for _, rest := range combinations(n - 1) {
		for _, s := range allCheckStatuses {
			out = append(out, append(slices.Clone(rest), s))
		}
	}
	return out
}

func TestDeriveFlagEveryCombination(t *testing.T) {
	// One entity with up to four checks, and two entities with three
	// checks each (4^6 = 4,096 combinations): the flag is over every check
	// of every entity.
	for n := 1; n <= 4; n++ {
		for _, checks := range combinations(n) {
			require.Equal(t, specFlag(t, checks), DeriveFlag(checks), "%v", checks)
		}
	}
	for _, combo := range combinations(6) {
		r := &caseRun{c: Case{Entities: []Entity{
			{Checks: checksOf(combo[:3])},
			{Checks: checksOf(combo[3:])},
		}}}
		require.Equal(t, specFlag(t, combo), r.flag(), "%v", combo)
	}
}

func checksOf(statuses []CheckStatus) []Check {
	checks := make([]Check, len(statuses))
	for i, s := range statuses {
		checks[i] = Check{Type: fmt.Sprint(i), Status: s}
	}
	return checks
}

func TestDeriveFlagExamples(t *testing.T) {
	P, S, A, R := CheckPending, CheckSubmitted, CheckApproved, CheckRejected
	tests := []struct {
		checks []CheckStatus
		want   Flag
	}{
		{nil, ""},
		{[]CheckStatus{P, P}, ""},
		{[]CheckStatus{S, P}, FlagCollecting},
		{[]CheckStatus{A, P}, FlagCollecting},
		{[]CheckStatus{S, S}, FlagReviewing},
		{[]CheckStatus{S, A}, FlagReviewing},
		{[]CheckStatus{R, A}, FlagRecollecting},
		{[]CheckStatus{R, P}, FlagRecollecting},
		{[]CheckStatus{A, A}, FlagAllApproved},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, DeriveFlag(tt.checks), "%v", tt.checks)
	}
}

func TestCheckLifecycle(t *testing.T) {
	allowed := map[[2]CheckStatus]bool{
		{CheckPending, CheckSubmitted}:  true,
		{CheckSubmitted, CheckApproved}: true,
		{CheckSubmitted, CheckRejected}: true,
		{CheckRejected, CheckSubmitted}: true,
	}
	for _, from := range allCheckStatuses {
		for _, to := range allCheckStatuses {
			require.Equal(t, allowed[[2]CheckStatus{from, to}], CheckCanMove(from, to), "%s to %s", from, to)
		}
	}
}

func TestOnboardingLifecycle(t *testing.T) {
	life, ok := LifecycleFor(FamilyOnboarding)
	require.True(t, ok)
	require.Equal(t, StatusDraft, life.Initial)
	manual := []Status{StatusOpen, StatusApproved, StatusRejected, StatusClosed}
	all := append([]Status{StatusDraft, StatusRevoked}, manual...)
	for _, from := range all {
		for _, to := range all {
			want := false
			switch {
			case from == StatusDraft:
				want = to == StatusClosed // opening is the send update's
			case from == StatusClosed || from == StatusRevoked:
				want = false
			case to == StatusRevoked || to == StatusDraft:
				want = false // only revoking the request revokes
			default:
				want = from != to && slices.Contains(manual, to)
			}
			require.Equal(t, want, life.CanMove(from, to), "%s to %s", from, to)
		}
	}
	require.True(t, life.IsTerminal(StatusClosed))
	require.True(t, life.IsTerminal(StatusRevoked))
	require.False(t, life.IsTerminal(StatusApproved))
}
