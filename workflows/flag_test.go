package workflows

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

var allCheckStatuses = []CheckStatus{CheckPending, CheckSubmitted, CheckApproved, CheckRejected}

// specFlag restates the flag's rules as one predicate per flag,
// independently of DeriveFlag's ordering, and requires exactly one to
// hold. What the client owes leaves out the checks a provider answers.
func specFlag(t *testing.T, checks []Check) Flag {
	t.Helper()
	has := func(ok func(Check) bool) bool { return slices.ContainsFunc(checks, ok) }
	every := func(ok func(Check) bool) bool { return !has(func(c Check) bool { return !ok(c) }) }
	is := func(s CheckStatus) func(Check) bool { return func(c Check) bool { return c.Status == s } }
	owedPending := func(c Check) bool { return c.Status == CheckPending && !c.FromProvider }
	holds := map[Flag]bool{
		"":               every(is(CheckPending)) && (len(checks) == 0 || has(owedPending)),
		FlagCollecting:   has(owedPending) && !every(is(CheckPending)) && !has(is(CheckRejected)),
		FlagReviewing:    len(checks) > 0 && !has(owedPending) && !has(is(CheckRejected)) && !every(is(CheckApproved)),
		FlagRecollecting: has(is(CheckRejected)),
		FlagAllApproved:  len(checks) > 0 && every(is(CheckApproved)),
	}
	var flags []Flag
	for f, ok := range holds {
		if ok {
			flags = append(flags, f)
		}
	}
	require.Len(t, flags, 1, "the rules give exactly one flag for %v, got %v", checks, flags)
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

// withProviders gives the checks of statuses, the i-th answered by a
// provider when bit i of providers is set.
func withProviders(statuses []CheckStatus, providers int) []Check {
	checks := make([]Check, len(statuses))
	for i, s := range statuses {
		checks[i] = Check{Type: fmt.Sprint(i), Status: s, FromProvider: providers&(1<<i) != 0}
	}
	return checks
}

func TestDeriveFlagEveryCombination(t *testing.T) {
	// Up to four checks, each of any status, answered by the client or a
	// provider (4^4 × 2^4 combinations).
	for n := 0; n <= 4; n++ {
		for _, statuses := range combinations(n) {
			for providers := range 1 << n {
				checks := withProviders(statuses, providers)
				require.Equal(t, specFlag(t, checks), DeriveFlag(checks), "%v", checks)
			}
		}
	}
	// Two entities with three checks each (4^6 = 4,096 combinations), the
	// last of each a provider's: the flag is over every check of every
	// entity.
	for _, combo := range combinations(6) {
		first, second := withProviders(combo[:3], 0b100), withProviders(combo[3:], 0b100)
		r := &caseRun{runVersions: runVersions{providersApart: true}, c: Case{Entities: []Entity{{Checks: first}, {Checks: second}}}}
		require.Equal(t, specFlag(t, append(slices.Clone(first), second...)), r.flag(), "%v", combo)
	}
}

// A run from before flagChange judges every check the client's, as it
// did when its history was recorded.
func TestFlagOfRunsBeforeProvidersStoodApart(t *testing.T) {
	for _, combo := range combinations(4) {
		checks := withProviders(combo, 0b1010)
		r := &caseRun{c: Case{Entities: []Entity{{Checks: checks}}}}
		require.Equal(t, specFlag(t, withProviders(combo, 0)), r.flag(), "%v", combo)
	}
}

func TestDeriveFlagExamples(t *testing.T) {
	P, S, A, R := CheckPending, CheckSubmitted, CheckApproved, CheckRejected
	client := func(s CheckStatus) Check { return Check{Status: s} }
	provider := func(s CheckStatus) Check { return Check{Status: s, FromProvider: true} }
	tests := []struct {
		name   string
		checks []Check
		want   Flag
	}{
		{"no checks", nil, ""},
		{"nothing provided", []Check{client(P), client(P)}, ""},
		{"one of two provided", []Check{client(S), client(P)}, FlagCollecting},
		{"one approved, one owed", []Check{client(A), client(P)}, FlagCollecting},
		{"all provided", []Check{client(S), client(S)}, FlagReviewing},
		{"provided and approved", []Check{client(S), client(A)}, FlagReviewing},
		{"the client is done, a screening pending", []Check{client(S), provider(P)}, FlagReviewing},
		{"the client owes, a screening pending", []Check{client(P), provider(P)}, ""},
		{"a screening answered, the client owes", []Check{client(P), provider(A)}, FlagCollecting},
		{"only screenings, pending", []Check{provider(P)}, FlagReviewing},
		{"a rejection", []Check{client(R), client(A)}, FlagRecollecting},
		{"a rejection and something owed", []Check{client(R), client(P)}, FlagRecollecting},
		{"all approved", []Check{client(A), provider(A)}, FlagAllApproved},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, DeriveFlag(tt.checks), tt.name)
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
