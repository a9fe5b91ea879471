package caseflow_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// No Docker engine runs here, so docker-compose.yml is held to what can be
// checked without one: the compose specification's own loader reads it
// (syntax, interpolation, merges, dependencies), and it must deploy what
// `make cluster` runs and the cluster suite tests: the same Temporal server
// version, started by caseflow's own cluster commands, every setting it
// passes one caseflow reads, every long-running service health-checked.
func TestComposeFileDeploysWhatIsTested(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"docker-compose.yml"},
		cli.WithWorkingDirectory("."),
		cli.WithEnv([]string{"CASEFLOW_CODEC_KEYS=k1:" + strings.Repeat("A", 43) + "="}),
		cli.WithName("caseflow"))
	require.NoError(t, err)
	project, err := opts.LoadProject(context.Background())
	require.NoError(t, err, "docker-compose.yml must load with the compose specification's library")

	want := []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "api", "worker"}
	require.ElementsMatch(t, want, project.ServiceNames())
	service := func(name string) types.ServiceConfig {
		s, err := project.GetService(name)
		require.NoError(t, err)
		return s
	}

	// One image of caseflow and the Temporal server, at the tested version.
	temporal := service("temporal")
	require.NotNil(t, temporal.Build)
	version := temporal.Build.Args["TEMPORAL_SERVER_VERSION"]
	require.NotNil(t, version)
	require.Equal(t, temporalclient.ServerVersion, *version, "the server docker-compose.yml deploys is the one tested")
	makefile, err := os.ReadFile("Makefile")
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`(?m)^TEMPORAL_SERVER_VERSION := `+regexp.QuoteMeta(temporalclient.ServerVersion)+`$`), string(makefile),
		"make cluster builds the server the compose file deploys")
	require.Contains(t, temporal.Build.DockerfileInline, "go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}")
	for _, name := range []string{"temporal-schema", "temporal", "temporal-namespace", "migrate", "api", "worker"} {
		s := service(name)
		require.Equal(t, temporal.Image, s.Image, "%s runs the one image", name)
		require.NotEmpty(t, s.Command, "%s says what it runs", name)
	}
	require.Equal(t, []string{"cluster", "schema"}, []string(service("temporal-schema").Command[:2]), "a schema job, not auto-setup")
	require.Equal(t, []string{"cluster", "server"}, []string(temporal.Command[:2]))
	for _, s := range project.Services {
		require.NotContains(t, s.Image, "auto-setup", "%s: auto-setup is not for production", s.Name)
		if s.Build == nil {
			require.Regexp(t, `:[0-9][^:]*$`, s.Image, "%s: a pinned image", s.Name)
		}
	}

	// Who waits for whom.
	require.Equal(t, "service_completed_successfully", temporal.DependsOn["temporal-schema"].Condition)
	for _, name := range []string{"api", "worker"} {
		deps := service(name).DependsOn
		require.Equal(t, "service_completed_successfully", deps["migrate"].Condition, name)
		require.Equal(t, "service_completed_successfully", deps["temporal-namespace"].Condition, name)
	}

	// Several APIs and workers, each health-checked, as is Temporal.
	api, worker := service("api"), service("worker")
	require.Equal(t, 2, api.GetScale())
	require.Equal(t, 3, worker.GetScale())
	for _, name := range []string{"postgres", "temporal", "api", "worker"} {
		hc := service(name).HealthCheck
		require.NotNil(t, hc, "%s has a healthcheck", name)
		require.NotEmpty(t, hc.Test, name)
	}

	// Every caseflow setting the file passes is one caseflow reads, and the
	// ones a deployment must set are set.
	known := config.EnvironmentVariables()
	for _, name := range []string{"temporal-namespace", "migrate", "api", "worker"} {
		env := service(name).Environment
		for k := range env {
			if strings.HasPrefix(k, "CASEFLOW_") {
				require.True(t, slices.Contains(known, k), "%s sets %s, which caseflow does not read", name, k)
			}
		}
		for _, k := range []string{"CASEFLOW_DATABASE_URL", "CASEFLOW_TEMPORAL_ADDRESS", "CASEFLOW_CODEC_KEYS", "CASEFLOW_DOCUMENTS_BUCKET"} {
			require.NotNil(t, env[k], "%s must set %s", name, k)
			require.NotEmpty(t, *env[k], "%s must set %s", name, k)
		}
		require.Equal(t, "temporal:7233", *env["CASEFLOW_TEMPORAL_ADDRESS"], name)
	}
}
