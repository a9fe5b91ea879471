package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/contract"
)

// A run hands on every update recent enough to be retried, however busy
// the case: counting alone let a retry that came after a thousand others
// be applied twice.
func TestKeepApplied(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	// applied makes n updates, one every gap, the last at now.
	applied := func(n int, gap time.Duration) []contract.Applied {
		out := make([]contract.Applied, n)
		for i := range out {
			out[i] = contract.Applied{UpdateID: fmt.Sprint(i), At: now.Add(-time.Duration(n-1-i) * gap)}
		}
		return out
	}
	tests := []struct {
		name    string
		applied []contract.Applied
		want    int
	}{
		{"few: all", applied(10, time.Hour), 10},
		{"old ones: the last thousand", applied(3_000, time.Minute), minApplied},
		{"busy: every one of the last ten minutes", applied(3_000, 100*time.Millisecond), 3_000},
		{"busy past the window: the window's", applied(8_000, 200*time.Millisecond), int(appliedFor / (200 * time.Millisecond))},
		{"very busy: at most maxApplied", applied(20_000, 10*time.Millisecond), maxApplied},
		{"from runs before the time was kept: the last thousand", func() []contract.Applied {
			a := applied(3_000, time.Millisecond)
			for i := range a {
				a[i].At = time.Time{}
			}
			return a
		}(), minApplied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keepApplied(tt.applied, now)
			require.Equal(t, tt.want, len(got))
			require.Equal(t, tt.applied[len(tt.applied)-1], got[len(got)-1], "the newest is always kept")
		})
	}
}
