package workflows

import (
	"fmt"
	"slices"
	"testing"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/stretchr/testify/require"
)

var allCheckStatuses = []contract.CheckStatus{contract.CheckPending, contract.CheckSubmitted, contract.CheckApproved, contract.CheckRejected}

// specFlag restates the flag's rules as one predicate per flag,
// independently of DeriveFlag's ordering, and requires exactly one to
// hold. What the client owes leaves out the checks a provider answers.
func specFlag(t *testing.T, checks []contract.Check) contract.Flag {
	t.Helper()
	has := func(ok func(contract.Check) bool) bool { return slices.ContainsFunc(checks, ok) }
	every := func(ok func(contract.Check) bool) bool { return !has(func(c contract.Check) bool { return !ok(c) }) }
	is := func(s contract.CheckStatus) func(contract.Check) bool {
		return func(c contract.Check) bool { return c.Status == s }
	}
	owedPending := func(c contract.Check) bool { return c.Status == contract.CheckPending && !c.FromProvider }
	holds := map[contract.Flag]bool{
		"":                        every(is(contract.CheckPending)) && (len(checks) == 0 || has(owedPending)),
		contract.FlagCollecting:   has(owedPending) && !every(is(contract.CheckPending)) && !has(is(contract.CheckRejected)),
		contract.FlagReviewing:    len(checks) > 0 && !has(owedPending) && !has(is(contract.CheckRejected)) && !every(is(contract.CheckApproved)),
		contract.FlagRecollecting: has(is(contract.CheckRejected)),
		contract.FlagAllApproved:  len(checks) > 0 && every(is(contract.CheckApproved)),
	}
	var flags []contract.Flag
	for f, ok := range holds {
		if ok {
			flags = append(flags, f)
		}
	}
	require.Len(t, flags, 1, "the rules give exactly one flag for %v, got %v", checks, flags)
	return flags[0]
}

// combinations lists every assignment of check statuses to n checks.
func combinations(n int) [][]contract.CheckStatus {
	if n == 0 {
		return [][]contract.CheckStatus{{}}
	}
	var out [][]contract.CheckStatus
	for _, rest := range combinations(n - 1) {
		for _, s := range allCheckStatuses {
			out = append(out, append(slices.Clone(rest), s))
		}
	}
	return out
}

// withProviders gives the checks of statuses, the i-th answered by a
// provider when bit i of providers is set.
func withProviders(statuses []contract.CheckStatus, providers int) []contract.Check {
	checks := make([]contract.Check, len(statuses))
	for i, s := range statuses {
		checks[i] = contract.Check{Type: fmt.Sprint(i), Status: s, FromProvider: providers&(1<<i) != 0}
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
				require.Equal(t, specFlag(t, checks), contract.DeriveFlag(checks), "%v", checks)
			}
		}
	}
	// Two entities with three checks each (4^6 = 4,096 combinations), the
	// last of each a provider's: the flag is over every check of every
	// entity.
	for _, combo := range combinations(6) {
		first, second := withProviders(combo[:3], 0b100), withProviders(combo[3:], 0b100)
		r := &caseRun{runVersions: runVersions{providersApart: true}, c: contract.Case{Entities: []contract.Entity{{Checks: first}, {Checks: second}}}}
		require.Equal(t, specFlag(t, append(slices.Clone(first), second...)), r.flag(), "%v", combo)
	}
}

// A run from before flagChange judges every check the client's, as it
// did when its history was recorded.
func TestFlagOfRunsBeforeProvidersStoodApart(t *testing.T) {
	for _, combo := range combinations(4) {
		checks := withProviders(combo, 0b1010)
		r := &caseRun{c: contract.Case{Entities: []contract.Entity{{Checks: checks}}}}
		require.Equal(t, specFlag(t, withProviders(combo, 0)), r.flag(), "%v", combo)
	}
}

func TestDeriveFlagExamples(t *testing.T) {
	P, S, A, R := contract.CheckPending, contract.CheckSubmitted, contract.CheckApproved, contract.CheckRejected
	client := func(s contract.CheckStatus) contract.Check { return contract.Check{Status: s} }
	provider := func(s contract.CheckStatus) contract.Check { return contract.Check{Status: s, FromProvider: true} }
	tests := []struct {
		name   string
		checks []contract.Check
		want   contract.Flag
	}{
		{"no checks", nil, ""},
		{"nothing provided", []contract.Check{client(P), client(P)}, ""},
		{"one of two provided", []contract.Check{client(S), client(P)}, contract.FlagCollecting},
		{"one approved, one owed", []contract.Check{client(A), client(P)}, contract.FlagCollecting},
		{"all provided", []contract.Check{client(S), client(S)}, contract.FlagReviewing},
		{"provided and approved", []contract.Check{client(S), client(A)}, contract.FlagReviewing},
		{"the client is done, a screening pending", []contract.Check{client(S), provider(P)}, contract.FlagReviewing},
		{"the client owes, a screening pending", []contract.Check{client(P), provider(P)}, ""},
		{"a screening answered, the client owes", []contract.Check{client(P), provider(A)}, contract.FlagCollecting},
		{"only screenings, pending", []contract.Check{provider(P)}, contract.FlagReviewing},
		{"a rejection", []contract.Check{client(R), client(A)}, contract.FlagRecollecting},
		{"a rejection and something owed", []contract.Check{client(R), client(P)}, contract.FlagRecollecting},
		{"all approved", []contract.Check{client(A), provider(A)}, contract.FlagAllApproved},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, contract.DeriveFlag(tt.checks), tt.name)
	}
}

func TestCheckLifecycle(t *testing.T) {
	allowed := map[[2]contract.CheckStatus]bool{
		{contract.CheckPending, contract.CheckSubmitted}:  true,
		{contract.CheckSubmitted, contract.CheckApproved}: true,
		{contract.CheckSubmitted, contract.CheckRejected}: true,
		{contract.CheckRejected, contract.CheckSubmitted}: true,
	}
	for _, from := range allCheckStatuses {
		for _, to := range allCheckStatuses {
			require.Equal(t, allowed[[2]contract.CheckStatus{from, to}], contract.CheckCanMove(from, to), "%s to %s", from, to)
		}
	}
}

func TestOnboardingLifecycle(t *testing.T) {
	life, ok := contract.LifecycleFor(contract.FamilyOnboarding)
	require.True(t, ok)
	require.Equal(t, contract.StatusDraft, life.Initial)
	manual := []contract.Status{contract.StatusOpen, contract.StatusApproved, contract.StatusRejected, contract.StatusClosed}
	all := append([]contract.Status{contract.StatusDraft, contract.StatusRevoked}, manual...)
	for _, from := range all {
		for _, to := range all {
			want := false
			switch {
			case from == contract.StatusDraft:
				want = to == contract.StatusClosed // opening is the send update's
			case from == contract.StatusClosed || from == contract.StatusRevoked:
				want = false
			case to == contract.StatusRevoked || to == contract.StatusDraft:
				want = false // only revoking the request revokes
			default:
				want = from != to && slices.Contains(manual, to)
			}
			require.Equal(t, want, life.CanMove(from, to), "%s to %s", from, to)
		}
	}
	require.True(t, life.IsTerminal(contract.StatusClosed))
	require.True(t, life.IsTerminal(contract.StatusRevoked))
	require.False(t, life.IsTerminal(contract.StatusApproved))
}
