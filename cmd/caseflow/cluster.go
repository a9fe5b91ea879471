package main

// `caseflow cluster`: caseflow past one machine, on this one. The real
// Temporal server (not the dev server) on Postgres, with its schema made
// by Temporal's own SQL tool, then several `caseflow api` and `caseflow
// worker` processes, each on its own ports. It is what a deployment runs
// (docker-compose.yml describes the same), so the cluster suite and the
// two-engine bench measure what teams would deploy.

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/caseflow/caseflow/workflows/temporalclient"
	"github.com/lib/pq"
)

//go:embed cluster.yaml.tmpl
var serverConfigTemplate string

// clusterSpec is what a cluster is made of.
type clusterSpec struct {
	serverBin, sqlToolBin, caseflowBin string
	// adminURL reaches the Postgres server as a user that may create
	// databases; Temporal's go beside caseflow's, named with dbPrefix.
	adminURL string
	dbPrefix string
	// caseflowDB is caseflow's own database URL.
	caseflowDB string
	dir        string
	apis       int
	workers    int
	namespace  string
	retention  time.Duration
	// env is what every caseflow process is told besides its addresses
	// (codec keys, mail, documents…), and configFile the file they read.
	env        []string
	configFile string
}

// caseflowArgs runs a caseflow command with the cluster's configuration.
func (s clusterSpec) caseflowArgs(command string) []string {
	if s.configFile == "" {
		return []string{command}
	}
	return []string{"--config", s.configFile, command}
}

// cluster is a running one.
type cluster struct {
	spec         clusterSpec
	log          *slog.Logger
	temporal     *proc
	temporalAddr string
	apis         []*proc
	apiURLs      []string
	workers      []*proc
	workerURLs   []string
}

// serverPorts are the Temporal services' ports: each service's gRPC and
// membership ports, and the frontend's HTTP port.
type serverPorts struct {
	Frontend, FrontendMembership, FrontendHTTP int
	History, HistoryMembership                 int
	Matching, MatchingMembership               int
	Worker, WorkerMembership                   int
	Metrics                                    int
}

// serverConfig is what the server's configuration template is filled with.
type serverConfig struct {
	Ports                                    serverPorts
	Host, Port, User, Password               string
	Database, VisibilityDatabase, ArchiveDir string
	// BindIP is where the services listen, BroadcastIP how the others
	// reach them: loopback on one machine, the container's address in one.
	BindIP, BroadcastIP string
}

// standardPorts are Temporal's usual ports, for a server alone in its
// container.
var standardPorts = serverPorts{Frontend: 7233, FrontendMembership: 6933, FrontendHTTP: 7243, History: 7234,
	HistoryMembership: 6934, Matching: 7235, MatchingMembership: 6935, Worker: 7239, WorkerMembership: 6939, Metrics: 8000}

// serverConfigFor is the configuration of a server on the Postgres of
// adminURL, its databases named with prefix.
func serverConfigFor(adminURL, prefix string) (serverConfig, error) {
	pg, err := parsePostgresURL(adminURL)
	if err != nil {
		return serverConfig{}, err
	}
	password, _ := pg.User.Password()
	cfg := serverConfig{Host: pg.Hostname(), Port: pg.Port(), User: pg.User.Username(), Password: password,
		Database: prefix + "temporal", VisibilityDatabase: prefix + "temporal_visibility",
		BindIP: "127.0.0.1", BroadcastIP: "127.0.0.1"}
	if cfg.Port == "" {
		cfg.Port = "5432"
	}
	return cfg, nil
}

// renderServerConfig writes the Temporal server's configuration.
func renderServerConfig(c serverConfig) ([]byte, error) {
	t, err := template.New("cluster").Parse(serverConfigTemplate)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// startCluster makes the schema, starts the server, registers the
// namespace and the search attributes, then starts the caseflow processes.
// On error, what was started is stopped.
func startCluster(ctx context.Context, log *slog.Logger, spec clusterSpec) (_ *cluster, err error) {
	c := &cluster{spec: spec, log: log}
	defer func() {
		if err != nil {
			c.stop()
		}
	}()
	// The processes run in the cluster's directory: their paths must not
	// be relative to this one's.
	for _, bin := range []*string{&spec.serverBin, &spec.sqlToolBin, &spec.caseflowBin} {
		if _, err := os.Stat(*bin); err != nil {
			return nil, fmt.Errorf("cluster: %s is missing: `make cluster` builds it: %w", *bin, err)
		}
		if *bin, err = filepath.Abs(*bin); err != nil {
			return nil, err
		}
	}
	c.spec = spec
	c.temporal, c.temporalAddr, err = startServer(ctx, log, serverSpec{serverBin: spec.serverBin, sqlToolBin: spec.sqlToolBin,
		adminURL: spec.adminURL, dbPrefix: spec.dbPrefix, dir: spec.dir, namespace: spec.namespace, retention: spec.retention})
	if err != nil {
		return nil, err
	}

	settings := append([]string{
		"CASEFLOW_DATABASE_URL=" + spec.caseflowDB,
		"CASEFLOW_TEMPORAL_ADDRESS=" + c.temporalAddr,
		"CASEFLOW_TEMPORAL_NAMESPACE=" + spec.namespace,
	}, spec.env...)
	// Migrate once, before anyone serves.
	migrate := exec.CommandContext(ctx, spec.caseflowBin, spec.caseflowArgs("migrate")...)
	migrate.Env, migrate.Dir = childEnv(settings), spec.dir
	if out, err := migrate.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("cluster: migrate: %w\n%s", err, tail(out))
	}
	for i := range spec.workers {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		c.workerURLs = append(c.workerURLs, fmt.Sprintf("http://127.0.0.1:%d", port))
		c.workers = append(c.workers, newProc(log, fmt.Sprintf("worker-%d", i+1), spec.caseflowBin, spec.caseflowArgs("worker"),
			childEnv(settings, fmt.Sprintf("CASEFLOW_HTTP_ADDR=127.0.0.1:%d", port)), spec.dir))
	}
	for i := range spec.apis {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		c.apiURLs = append(c.apiURLs, fmt.Sprintf("http://127.0.0.1:%d", port))
		c.apis = append(c.apis, newProc(log, fmt.Sprintf("api-%d", i+1), spec.caseflowBin, spec.caseflowArgs("api"),
			childEnv(settings, fmt.Sprintf("CASEFLOW_HTTP_ADDR=127.0.0.1:%d", port)), spec.dir))
	}
	for _, p := range append(append([]*proc{}, c.workers...), c.apis...) {
		if err := p.start(); err != nil {
			return nil, err
		}
	}
	for _, u := range append(append([]string{}, c.workerURLs...), c.apiURLs...) {
		if err := waitReady(ctx, u+"/readyz", time.Minute); err != nil {
			return nil, fmt.Errorf("cluster: %s: %w\n%s", u, err, c.logTails())
		}
	}
	return c, nil
}

// serverSpec is one Temporal server on Postgres; a zero frontend port
// draws one.
type serverSpec struct {
	serverBin, sqlToolBin, adminURL, dbPrefix, dir, namespace string
	retention                                                 time.Duration
	frontendPort                                              int
}

// startServer makes Temporal's schema, starts the server on loopback and
// registers the namespace and the search attributes; it returns the
// server's process and its frontend's address.
func startServer(ctx context.Context, log *slog.Logger, spec serverSpec) (*proc, string, error) {
	if err := os.MkdirAll(filepath.Join(spec.dir, "config"), 0o755); err != nil {
		return nil, "", fmt.Errorf("cluster: %w", err)
	}
	cfg, err := serverConfigFor(spec.adminURL, spec.dbPrefix)
	if err != nil {
		return nil, "", err
	}
	cfg.ArchiveDir = filepath.Join(spec.dir, "archive")
	if err := makeSchema(ctx, log, spec.sqlToolBin, spec.adminURL, cfg); err != nil {
		return nil, "", err
	}
	ports, err := lowPorts(10)
	if err != nil {
		return nil, "", err
	}
	if spec.frontendPort != 0 {
		ports[0] = spec.frontendPort
	}
	cfg.Ports = serverPorts{Frontend: ports[0], FrontendMembership: ports[1], FrontendHTTP: ports[2], History: ports[3],
		HistoryMembership: ports[4], Matching: ports[5], MatchingMembership: ports[6], Worker: ports[7], WorkerMembership: ports[8],
		Metrics: ports[9]}
	rendered, err := renderServerConfig(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("cluster: server config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(spec.dir, "config", "cluster.yaml"), rendered, 0o600); err != nil {
		return nil, "", fmt.Errorf("cluster: server config: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Ports.Frontend))
	p := newProc(log, "temporal-server", spec.serverBin,
		[]string{"--root", spec.dir, "--config", "config", "--env", "cluster", "--allow-no-auth", "start"}, os.Environ(), spec.dir)
	if err := p.start(); err != nil {
		return nil, "", err
	}
	if err := waitTemporalAt(ctx, addr, p, 2*time.Minute); err != nil {
		p.stop()
		return nil, "", err
	}
	if err := registerNamespace(ctx, addr, spec.namespace, spec.retention); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, addr, nil
}

// makeSchema creates Temporal's two databases when missing and brings
// their schemas up to the server's version, with Temporal's own tool and
// the schemas built into it: what a schema job runs before a deployment.
func makeSchema(ctx context.Context, log *slog.Logger, sqlTool, adminURL string, cfg serverConfig) error {
	for _, s := range []struct{ db, schema string }{
		{cfg.Database, "postgresql/v12/temporal"},
		{cfg.VisibilityDatabase, "postgresql/v12/visibility"},
	} {
		base := []string{"--plugin", "postgres12", "--endpoint", cfg.Host, "--port", cfg.Port, "--user", cfg.User, "--database", s.db}
		fresh, err := databaseMissing(ctx, adminURL, s.db)
		if err != nil {
			return err
		}
		steps := [][]string{{"update-schema", "--schema-name", s.schema}}
		if fresh {
			steps = append([][]string{{"create-database"}, {"setup-schema", "-v", "0.0"}}, steps...)
		}
		for _, step := range steps {
			cmd := exec.CommandContext(ctx, sqlTool, append(append([]string{}, base...), step...)...)
			// The password goes in the environment, where ps does not show it.
			cmd.Env = append(os.Environ(), "SQL_PASSWORD="+cfg.Password)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("cluster: temporal-sql-tool %s on %s: %w\n%s", step[0], s.db, err, tail(out))
			}
		}
		log.Info("cluster: schema up to date", "database", s.db)
	}
	return nil
}

// dropTemporalDatabases drops the two databases of a server named with
// prefix, for a run that must start from nothing.
func dropTemporalDatabases(ctx context.Context, adminURL, prefix string) error {
	db, err := sql.Open("postgres", adminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, name := range []string{prefix + "temporal", prefix + "temporal_visibility"} {
		if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`); err != nil {
			return fmt.Errorf("cluster: drop %s: %w", name, err)
		}
	}
	return nil
}

func databaseMissing(ctx context.Context, adminURL, name string) (bool, error) {
	db, err := sql.Open("postgres", adminURL)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("cluster: look for database %s: %w", name, err)
	}
	return n == 0, nil
}

// waitTemporal waits until the frontend answers health checks.
func (c *cluster) waitTemporal(ctx context.Context, limit time.Duration) error {
	return waitTemporalAt(ctx, c.temporalAddr, c.temporal, limit)
}

func waitTemporalAt(ctx context.Context, addr string, server *proc, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		tc, err := client.Dial(client.Options{HostPort: addr, Logger: quietSDKLogger()})
		if err == nil {
			_, err = tc.CheckHealth(ctx, &client.CheckHealthRequest{})
			tc.Close()
			if err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: temporal-server at %s did not answer within %s: %w\n%s", addr, limit, err, tailFile(server.logPath))
		}
		pause(ctx, 200*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// registerNamespace registers caseflow's namespace with the configured
// retention (or sets it, when it exists), and the case search attributes,
// which a worker registers too: the cluster is ready before any starts.
func registerNamespace(ctx context.Context, address, namespace string, retention time.Duration) error {
	tc, err := client.Dial(client.Options{HostPort: address, Logger: quietSDKLogger()})
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer tc.Close()
	_, err = tc.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: namespace, WorkflowExecutionRetentionPeriod: durationpb.New(retention)})
	var exists *serviceerror.NamespaceAlreadyExists
	if errors.As(err, &exists) {
		_, err = tc.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{Namespace: namespace,
			Config: &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(retention)}})
	}
	if err != nil {
		return fmt.Errorf("cluster: register namespace %s: %w", namespace, err)
	}
	// A namespace is served a moment after it is registered.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err = temporalclient.RegisterSearchAttributes(ctx, tc, namespace)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		pause(ctx, 200*time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("cluster: search attributes: %w", err)
	}
	return nil
}

func (c *cluster) logTails() string {
	var b strings.Builder
	for _, p := range append(append([]*proc{c.temporal}, c.workers...), c.apis...) {
		if p != nil {
			fmt.Fprintf(&b, "--- %s\n%s\n", p.name, tailFile(p.logPath))
		}
	}
	return b.String()
}

// stop stops the caseflow processes, then the server.
func (c *cluster) stop() {
	for _, p := range append(append([]*proc{}, c.apis...), c.workers...) {
		p.stop()
	}
	if c.temporal != nil {
		c.temporal.stop()
	}
}

// describe says where everything is.
func (c *cluster) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\ncaseflow cluster is running (Temporal server %s on Postgres):\n", temporalclient.ServerVersion)
	fmt.Fprintf(&b, "  Temporal     %s (namespace %s, retention %s)\n", c.temporalAddr, c.spec.namespace, c.spec.retention)
	for i, u := range c.apiURLs {
		fmt.Fprintf(&b, "  api-%d        %s/api/v1\n", i+1, u)
	}
	for i, u := range c.workerURLs {
		fmt.Fprintf(&b, "  worker-%d     %s/readyz\n", i+1, u)
	}
	fmt.Fprintf(&b, "  logs         %s\n\nCtrl-C stops everything started here.\n", c.spec.dir)
	return b.String()
}

// clusterDatabaseURL is the admin URL with another database.
func clusterDatabaseURL(adminURL, database string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + database
	return u.String(), nil
}

// lowPorts finds n free ports below 32768: Temporal keeps its services'
// membership ports in a smallint column, and the system hands out free
// ports above it.
func lowPorts(n int) ([]int, error) {
	var ports []int
	for p := 20000 + rand.IntN(10000); len(ports) < n && p < 32768; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		ln.Close()
		ports = append(ports, p)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("cluster: no %d free ports below 32768", n)
	}
	return ports, nil
}

// quietSDKLogger keeps the SDK's retries out of the cluster's output.
func quietSDKLogger() sdklog.Logger { return sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
