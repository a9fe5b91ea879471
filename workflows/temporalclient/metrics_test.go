package temporalclient_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// What the SDK counts through the handler shows in the registry the
// caller serves, and nowhere else.
func TestMetricsHandlerReportsIntoTheRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := temporalclient.MetricsHandler(reg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	h.Counter("caseflow_probe").Inc(2)
	families, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
		if strings.HasPrefix(f.GetName(), "caseflow_probe") {
			// The SDK's counters reach Prometheus as a counter or, through
			// OpenTelemetry's up-down counter, a gauge: either way, 2.
			m := f.GetMetric()[0]
			require.InDelta(t, 2, m.GetCounter().GetValue()+m.GetGauge().GetValue(), 0)
			return
		}
	}
	t.Fatalf("caseflow_probe not among %v", names)
}
