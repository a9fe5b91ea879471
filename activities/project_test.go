package activities_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/contract"
)

// metrics records the counters the activities bump, by name and tags.
type metrics struct {
	mu     *sync.Mutex
	counts map[string]int64
	tags   map[string]string
}

func newMetrics() metrics {
	return metrics{mu: &sync.Mutex{}, counts: map[string]int64{}, tags: map[string]string{}}
}

func (m metrics) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(m.tags)
	maps.Copy(merged, tags)
	return metrics{mu: m.mu, counts: m.counts, tags: merged}
}

func (m metrics) Counter(name string) client.MetricsCounter {
	key := name
	for _, k := range slices.Sorted(maps.Keys(m.tags)) {
		if k == "sqlstate" { // the SDK's own tags vary with the environment
			key += fmt.Sprintf(",%s=%s", k, m.tags[k])
		}
	}
	return counterFunc(func(n int64) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.counts[key] += n
	})
}

func (m metrics) Gauge(string) client.MetricsGauge { return gaugeFunc(func(float64) {}) }
func (m metrics) Timer(string) client.MetricsTimer { return timerFunc(func(time.Duration) {}) }

func (m metrics) count(key string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[key]
}

type (
	counterFunc func(int64)
	gaugeFunc   func(float64)
	timerFunc   func(time.Duration)
)

func (f counterFunc) Inc(n int64)          { f(n) }
func (f gaugeFunc) Update(v float64)       { f(v) }
func (f timerFunc) Record(d time.Duration) { f(d) }

// errorLog keeps what the activities log at error level.
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) Debug(string, ...any) {}
func (l *errorLog) Info(string, ...any)  {}
func (l *errorLog) Warn(string, ...any)  {}
func (l *errorLog) Error(msg string, keyvals ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprint(append([]any{msg}, keyvals...)...))
}

var _ log.Logger = (*errorLog)(nil)

type projectorFunc func(context.Context, contract.Projection) (string, error)

func (f projectorFunc) Project(ctx context.Context, p contract.Projection) (string, error) {
	return f(ctx, p)
}

// A projection Postgres refuses for good, here a NUL byte from a
// provider's result in a real Postgres, fails for good: the activity
// gives up with PROJECTION_REFUSED, logs it with the case and counts it.
// What may pass later stays retryable.
func TestProjectionRefusedIsNotRetried(t *testing.T) {
	s, _ := storetest.New(t)
	acts, err := activities.New(s, nil, "https://portal.bank.example")
	require.NoError(t, err)
	m, logged := newMetrics(), &errorLog{}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(logged)
	suite.SetMetricsHandler(m)
	env := suite.NewTestActivityEnvironment()
	acts.Register(env)

	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	id := uuid.NewString()
	entity := contract.EntityID(id, 0)
	c := contract.Case{
		NewCase: contract.NewCase{ID: id, Type: "IDENTITY_VERIFICATION", Family: contract.FamilyOnboarding,
			Priority: "MEDIUM", Title: "Identity verification: Jane Roe"},
		Status: contract.StatusOpen, CreatedAt: at, UpdatedAt: at, Version: 1,
		Entities: []contract.Entity{{ID: entity, Kind: contract.KindIndividual, Name: "Jane Roe", Checks: []contract.Check{
			{ID: contract.CheckID(entity, "SANCTIONS_SCREENING"), EntityID: entity, Type: "SANCTIONS_SCREENING",
				Status: contract.CheckApproved, Provider: "Screen\x00Co", FromProvider: true, UpdatedAt: at},
		}}},
	}
	event := contract.Event{ID: contract.EventID(id, 1), CaseID: id, Seq: 1, Type: contract.EventCheckUpdated,
		Description: "SANCTIONS_SCREENING of Jane Roe: APPROVED", Metadata: []byte(`{"provider":"Screen\u0000Co"}`), CreatedAt: at}

	for _, tc := range []struct {
		name, sqlstate string
		p              contract.Projection
	}{
		{"NUL in text", "22021", contract.Projection{Case: withTitle(withProvider(c, "ScreenCo"), "Screen\x00Co review"), Fence: 4}},
		// Entities and checks reach Postgres as a JSON array.
		{"NUL in a check", "22P05", contract.Projection{Case: c, Fence: 4}},
		{"NUL in jsonb", "22P05", contract.Projection{Case: withProvider(c, "ScreenCo"), Pending: []contract.Event{event}, Fence: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for kind, run := range map[string]func() error{
				"local":   func() error { _, err := env.ExecuteLocalActivity(acts.ProjectCase, tc.p); return err },
				"regular": func() error { _, err := env.ExecuteActivity(contract.ProjectActivity, tc.p); return err },
			} {
				before := m.count(activities.RefusedMetric + ",sqlstate=" + tc.sqlstate)
				err := run()
				var appErr *temporal.ApplicationError
				require.True(t, errors.As(err, &appErr), "%s: %v", kind, err)
				require.Equal(t, contract.CodeProjectionRefused, appErr.Type(), kind)
				require.True(t, appErr.NonRetryable(), kind)
				require.Contains(t, appErr.Message(), tc.sqlstate)
				require.Contains(t, appErr.Message(), id)
				require.NotContains(t, appErr.Message(), "Screen", "no value of the case in the history")
				require.Equal(t, before+1, m.count(activities.RefusedMetric+",sqlstate="+tc.sqlstate), kind)
			}
		})
	}
	_, err = s.GetCase(context.Background(), id)
	require.Error(t, err, "nothing written")
	logged.mu.Lock()
	require.NotEmpty(t, logged.lines)
	require.True(t, slices.ContainsFunc(logged.lines, func(l string) bool { return strings.Contains(l, id) }), "%q", logged.lines)
	logged.mu.Unlock()

	// A failure that may pass when tried again is returned as it is.
	acts.Projection = projectorFunc(func(context.Context, contract.Projection) (string, error) {
		return "", fmt.Errorf("project case: %w", &pq.Error{Code: "40001", Message: "could not serialize access"})
	})
	_, err = env.ExecuteLocalActivity(acts.ProjectCase, contract.Projection{Case: c})
	var pqErr *pq.Error
	require.ErrorAs(t, err, &pqErr, "the error as it came")
	var appErr *temporal.ApplicationError
	require.False(t, errors.As(err, &appErr) && appErr.NonRetryable(), "retried: %v", err)
}

func withTitle(c contract.Case, title string) contract.Case {
	c.Title = title
	return c
}

func withProvider(c contract.Case, provider string) contract.Case {
	c.Entities = slices.Clone(c.Entities)
	c.Entities[0].Checks = slices.Clone(c.Entities[0].Checks)
	c.Entities[0].Checks[0].Provider = provider
	return c
}
