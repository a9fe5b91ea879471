// Package activities holds the side effects the case workflow asks for.
// Every one is idempotent: a retry after a crash or a timeout writes nothing
// twice, because the workflow decides the IDs of everything written.
package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows"
)

// Projector writes the projection of a case; *store.Store is one.
type Projector interface {
	Project(ctx context.Context, p workflows.Projection) (string, error)
}

// Activities are the case workflow's side effects, bound to their
// dependencies.
type Activities struct {
	Store *store.Store
	// Projection is Store unless a test puts something in between.
	Projection    Projector
	Mailer        Mailer
	PortalBaseURL string
	templates     *templates
}

// New binds the activities to Postgres and a mail transport.
func New(s *store.Store, m Mailer, portalBaseURL string) (*Activities, error) {
	t, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	return &Activities{Store: s, Projection: s, Mailer: m, PortalBaseURL: portalBaseURL, templates: t}, nil
}

// ProjectCase writes the case and its new events, and returns the case
// number Postgres gave it.
func (a *Activities) ProjectCase(ctx context.Context, p workflows.Projection) (string, error) {
	return a.Projection.Project(ctx, p)
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
	r.RegisterActivityWithOptions(a.ProjectCase, activity.RegisterOptions{Name: workflows.ProjectActivity})
	r.RegisterActivityWithOptions(a.SendNotification, activity.RegisterOptions{Name: workflows.NotifyActivity})
	r.RegisterActivityWithOptions(a.RevokePortal, activity.RegisterOptions{Name: workflows.RevokePortalActivity})
	r.RegisterActivityWithOptions(a.SendOverdueDigests, activity.RegisterOptions{Name: workflows.DigestActivity})
}
