package bench

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCPUBound(t *testing.T) {
	tests := []struct {
		name       string
		machineCPU float64
		perSecond  float64
		cores      int
		perOp      time.Duration
		ceiling    float64
	}{
		// The last session's raw update at c=32: 477 a second at 174%.
		{"busy", 174, 477, 2, 3648 * time.Microsecond, 548.3},
		// One caller keeping 1.3 cores busy can be joined by at most half
		// again as much work on two.
		{"one caller", 130, 10, 2, 130 * time.Millisecond, 15.4},
		{"no CPU read", 0, 10, 2, 0, 0},
		{"nothing done", 150, 0, 2, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			perOp, ceiling := cpuBound(tc.machineCPU, tc.perSecond, tc.cores)
			require.InDelta(t, float64(tc.perOp), float64(perOp), float64(time.Microsecond))
			require.InDelta(t, tc.ceiling, ceiling, 0.05)
		})
	}
}

func TestPrintBenchShowsTheBound(t *testing.T) {
	var out bytes.Buffer
	perOp, ceiling := cpuBound(174, 477, 2)
	printBench(&out, []benchResult{
		{Scenario: "raw update", Concurrency: 32, Ops: 500, Throughput: 477, MachineCPU: 174, CPUPerOp: perOp, Ceiling: ceiling},
		{Scenario: "screening cases opened", Concurrency: 32, Ops: 500, Throughput: 67},
	})
	require.Contains(t, out.String(), "CPU/op")
	require.Contains(t, out.String(), "3.65ms")
	require.Contains(t, out.String(), "548.3")
}
