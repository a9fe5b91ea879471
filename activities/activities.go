// Package activities holds the side effects the case workflow asks for.
// Every one is idempotent: a retry after a crash or a timeout writes nothing
// twice, because the workflow decides the IDs of everything written.
package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/caseflow/caseflow/workflows"
)

// Projector writes the projection of a case; *store.Store is one.
type Projector interface {
	Project(ctx context.Context, p workflows.Projection) (string, error)
}

// Activities are the case workflow's side effects, bound to their
// dependencies.
type Activities struct {
	Projection Projector
}

// ProjectCase writes the case and its new events, and returns the case
// number Postgres gave it.
func (a *Activities) ProjectCase(ctx context.Context, p workflows.Projection) (string, error) {
	return a.Projection.Project(ctx, p)
}

// Registry is a worker, or a test environment.
type Registry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register puts the activities on a worker (or a test environment) under
// the names the workflow calls them by.
func (a *Activities) Register(r Registry) {
	r.RegisterActivityWithOptions(a.ProjectCase, activity.RegisterOptions{Name: workflows.ProjectActivity})
}
