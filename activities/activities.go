// Package activities holds the side effects the case workflow asks for.
// Every one is idempotent: a retry after a crash or a timeout writes nothing
// twice, because the workflow decides the IDs of everything written.
package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

// Projector writes the projection of a case; *store.Store is one.
type Projector interface {
	Project(ctx context.Context, p contract.Projection) (string, error)
}

// Activities are the case workflow's side effects, bound to their
// dependencies.
type Activities struct {
	Store *store.Store
	// Projection is Store unless a test puts something in between.
	Projection    Projector
	Mailer        Mailer
	PortalBaseURL string
	// Projected, when set, is told of every projection write's outcome:
	// `caseflow serve` hands a new case's first write to the API call that
	// started it (temporalclient.FirstWrites).
	Projected func(p contract.Projection, caseNumber string, err error)
	templates *templates
}

// New binds the activities to Postgres and a mail transport.
func New(s *store.Store, m Mailer, portalBaseURL string) (*Activities, error) {
	t, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	return &Activities{Store: s, Projection: s, Mailer: m, PortalBaseURL: portalBaseURL, templates: t}, nil
}

// RefusedMetric counts the projection writes Postgres refused for good,
// by SQLSTATE; Prometheus shows it as caseflow_projection_refused_total.
// Any increase is a value the input boundary let through: the case it
// belongs to has a projection that lags until a worker that can write it
// is deployed.
const RefusedMetric = "caseflow_projection_refused"

// ProjectCase writes the case and its new events, and returns the case
// number Postgres gave it. A write Postgres refuses for good
// (store.IsRefused) fails as a non-retryable contract.CodeProjectionRefused
// error, since trying it again can only fail again; the workflow keeps the
// change and writes it later (workflows/projection.go). Every other
// failure is returned as it is, and retried.
func (a *Activities) ProjectCase(ctx context.Context, p contract.Projection) (string, error) {
	number, err := a.Projection.Project(ctx, p)
	if a.Projected != nil {
		a.Projected(p, number, err)
	}
	if err == nil || !store.IsRefused(err) {
		return number, err
	}
	code, condition := store.SQLState(err)
	if code == "" {
		code, condition = "none", "unencodable value"
	}
	activity.GetLogger(ctx).Error("Postgres refused the projection of a case", "caseId", p.Case.ID,
		"sqlstate", code, "condition", condition, "error", err)
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"sqlstate": code}).Counter(RefusedMetric).Inc(1)
	// The message names the condition only: Postgres's own may quote the
	// value, and failures are kept in the workflow's history.
	return "", temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("Postgres refused the projection of case %s (SQLSTATE %s, %s)", p.Case.ID, code, condition),
		contract.CodeProjectionRefused, nil, code)
}

// RevokePortal ends every portal link of a case.
func (a *Activities) RevokePortal(ctx context.Context, caseID string, at time.Time) error {
	return a.Store.RevokePortalTokens(ctx, caseID, at)
}

// Registry is a worker, or a test environment.
type Registry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register puts the activities on a worker (or a test environment) under
// the names the workflow calls them by.
func (a *Activities) Register(r Registry) {
	r.RegisterActivityWithOptions(a.ProjectCase, activity.RegisterOptions{Name: contract.ProjectActivity})
	r.RegisterActivityWithOptions(a.SendNotification, activity.RegisterOptions{Name: contract.NotifyActivity})
	r.RegisterActivityWithOptions(a.RevokePortal, activity.RegisterOptions{Name: contract.RevokePortalActivity})
	r.RegisterActivityWithOptions(a.SendOverdueDigests, activity.RegisterOptions{Name: contract.DigestActivity})
}
