package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/workflows"
)

func TestDigestScheduleIsCreatedThenKeptInLine(t *testing.T) {
	bin := os.Getenv("CASEFLOW_TEMPORAL_BIN")
	if bin == "" {
		bin = filepath.Join("..", "..", "bin", "temporal")
	}
	ctx := context.Background()
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  bin,
		ClientOptions: &client.Options{Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))},
		LogLevel:      "error",
		Stdout:        io.Discard,
	})
	require.NoError(t, err, "the temporal CLI at %s (make test builds it)", bin)
	defer dev.Stop()

	t.Chdir(t.TempDir())
	cfg, err := config.Load("")
	require.NoError(t, err)
	require.NoError(t, ensureDigestSchedule(ctx, dev.Client(), cfg))

	handle := dev.Client().ScheduleClient().GetHandle(ctx, workflows.DigestScheduleID)
	d, err := handle.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"minute 0 hour 7 weekday 0-6"}, calendarOf(d))
	action := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.Equal(t, workflows.DigestWorkflowName, action.Workflow)
	require.Equal(t, "cases", action.TaskQueue)

	// A second start-up with another time updates the one schedule.
	cfg.Digest.Cron = "30 6 * * 1-5"
	require.NoError(t, ensureDigestSchedule(ctx, dev.Client(), cfg))
	d, err = handle.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"minute 30 hour 6 weekday 1-5"}, calendarOf(d))
}

// calendarOf reads the schedule's times back: the server keeps a cron
// expression as calendar specs.
func calendarOf(d *client.ScheduleDescription) []string {
	ranges := func(rs []client.ScheduleRange) string {
		var parts []string
		for _, r := range rs {
			if r.End > r.Start {
				parts = append(parts, fmt.Sprintf("%d-%d", r.Start, r.End))
			} else {
				parts = append(parts, fmt.Sprint(r.Start))
			}
		}
		return strings.Join(parts, ",")
	}
	var out []string
	for _, c := range d.Schedule.Spec.Calendars {
		out = append(out, fmt.Sprintf("minute %s hour %s weekday %s", ranges(c.Minute), ranges(c.Hour), ranges(c.DayOfWeek)))
	}
	return out
}
