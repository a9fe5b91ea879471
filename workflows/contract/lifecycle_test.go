package contract

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInvestigationLifecycle(t *testing.T) {
	life, ok := LifecycleFor(FamilyInvestigation)
	require.True(t, ok)

	// The whole table (docs/ARCHITECTURE.md, "Lifecycles and checks";
	// the README draws it): every pair not listed is refused.
	allowed := map[[2]Status]bool{
		{StatusOpen, StatusInProgress}:                     true,
		{StatusInProgress, StatusPendingReview}:            true,
		{StatusPendingReview, StatusEscalated}:             true,
		{StatusPendingReview, StatusResolvedTruePositive}:  true,
		{StatusPendingReview, StatusResolvedFalsePositive}: true,
		{StatusPendingReview, StatusInProgress}:            true,
		{StatusEscalated, StatusResolvedTruePositive}:      true,
		{StatusEscalated, StatusResolvedFalsePositive}:     true,
		{StatusEscalated, StatusInProgress}:                true,
		{StatusResolvedTruePositive, StatusClosed}:         true,
		{StatusResolvedFalsePositive, StatusClosed}:        true,
	}
	all := []Status{StatusOpen, StatusInProgress, StatusPendingReview, StatusEscalated,
		StatusResolvedTruePositive, StatusResolvedFalsePositive, StatusClosed}
	require.ElementsMatch(t, all, life.Statuses())

	for _, from := range all {
		for _, to := range all {
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				want := allowed[[2]Status{from, to}]
				require.Equal(t, want, life.CanMove(from, to))
				require.Equal(t, want, slices.Contains(life.Allowed(from), to))
			})
		}
	}

	require.Equal(t, StatusOpen, life.Initial)
	for _, s := range all {
		require.Equal(t, s == StatusClosed, life.IsTerminal(s), s)
		require.Equal(t, s == StatusClosed || s == StatusResolvedTruePositive || s == StatusResolvedFalsePositive, life.NeedsNote(s), s)
		require.Equal(t, s == StatusResolvedTruePositive || s == StatusResolvedFalsePositive, life.Resolves(s), s)
	}
}

func TestAllowedIsACopy(t *testing.T) {
	life, _ := LifecycleFor(FamilyInvestigation)
	next := life.Allowed(StatusPendingReview)
	next[0] = StatusClosed
	require.Equal(t, StatusEscalated, life.Allowed(StatusPendingReview)[0])
}

func TestUnknownFamily(t *testing.T) {
	_, ok := LifecycleFor("nope")
	require.False(t, ok)
}
