package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAuthFailures(t *testing.T) {
	type step struct {
		at   time.Duration // since the test's start
		addr string
		fail bool // a failed attempt; otherwise a check, which must find want
		want time.Duration
	}
	fail := func(at time.Duration, addr string) step { return step{at: at, addr: addr, fail: true} }
	check := func(at time.Duration, addr string, want time.Duration) step {
		return step{at: at, addr: addr, want: want}
	}
	const a, b = "192.0.2.1", "2001:db8::1"
	s := time.Second
	tests := []struct {
		name  string
		steps []step
	}{
		{"under the limit", []step{fail(0, a), fail(s, a), check(2*s, a, 0)}},
		{"at the limit, until the window passes", []step{
			fail(0, a), fail(10*s, a), fail(20*s, a),
			check(20*s, a, 40*s), check(59*s, a, s), check(60*s, a, 0),
		}},
		{"a new window starts afresh", []step{
			fail(0, a), fail(s, a), fail(2*s, a), check(2*s, a, 58*s),
			fail(61*s, a), check(61*s, a, 0), fail(62*s, a), fail(63*s, a), check(63*s, a, 58*s),
		}},
		{"failures of two windows do not add up", []step{
			fail(0, a), fail(s, a), fail(60*s, a), fail(61*s, a), check(61*s, a, 0),
		}},
		{"per address", []step{
			fail(0, a), fail(0, a), fail(0, a), check(0, a, time.Minute), check(0, b, 0),
			fail(0, b), check(s, b, 0),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuthFailures(3, time.Minute)
			start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			for i, st := range tt.steps {
				if st.fail {
					f.fail(st.addr, start.Add(st.at))
					continue
				}
				require.Equal(t, st.want, f.retryAfter(st.addr, start.Add(st.at)), "step %d", i)
			}
		})
	}
}

func TestAuthFailuresReportTheFailureThatBlocks(t *testing.T) {
	f := newAuthFailures(3, time.Minute)
	now := time.Now()
	var blocked []bool
	for range 5 {
		blocked = append(blocked, f.fail("192.0.2.1", now))
	}
	require.Equal(t, []bool{false, false, true, false, false}, blocked, "once, to be logged once")
}

func TestAuthFailuresStayBounded(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	addr := func(i int) string { return fmt.Sprintf("198.51.100.%d", i) }

	t.Run("windows that passed are forgotten", func(t *testing.T) {
		f := newAuthFailures(3, time.Minute)
		for i := range 200 {
			f.fail(addr(i), start.Add(time.Duration(i)*time.Millisecond))
		}
		require.Len(t, f.byAddr, 200)
		f.fail(addr(1000), start.Add(2*time.Minute))
		require.Len(t, f.byAddr, 1)
	})

	t.Run("a flood from many addresses does not grow it", func(t *testing.T) {
		f := newAuthFailures(3, time.Minute)
		f.capacity = 10
		for i := range 500 {
			f.fail(addr(i), start)
		}
		require.Len(t, f.byAddr, 10)
		require.Contains(t, f.byAddr, addr(499), "the newest is counted")
	})
}
