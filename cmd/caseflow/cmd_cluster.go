package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

func (c *cli) clusterCommand() *cobra.Command {
	var apis, workers int
	var bin string
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "the real Temporal server on Postgres, several APIs and workers",
		Long: `cluster runs caseflow as a deployment would, on this machine (make
cluster runs it): the Temporal server (` + temporalclient.ServerVersion + `, not the dev server) with
persistence and visibility in Postgres, its databases and schema made by
temporal-sql-tool in the Postgres of database.url (a cluster in .data when
none answers); the namespace registered with temporal.retention; then
caseflow migrate, and --apis API and --workers worker processes, each on
ports of its own. It prints where everything is; Ctrl-C stops it all.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCluster(cmd.Context(), c.log, c.configFile, bin, apis, workers, cmd.OutOrStdout())
		},
	}
	cmd.AddCommand(c.clusterSchemaCommand(), c.clusterServerCommand(), c.clusterNamespaceCommand(), c.clusterHealthCommand())
	cmd.Flags().IntVar(&apis, "apis", 2, "caseflow api processes")
	cmd.Flags().IntVar(&workers, "workers", 3, "caseflow worker processes")
	cmd.Flags().StringVar(&bin, "bin", "bin", "where temporal-server and temporal-sql-tool are (the processes run this caseflow)")
	return cmd
}

func runCluster(ctx context.Context, log *slog.Logger, configFile, bin string, apis, workers int, out io.Writer) error {
	cfg, err := config.Load(configFile)
	if err != nil {
		return err
	}
	pgURL, stopPostgres, err := ensurePostgres(ctx, log, cfg.Database.URL, filepath.Join(devDataDir, "postgres"))
	if err != nil {
		return err
	}
	defer stopPostgres()
	if err := ensureDatabase(ctx, pgURL); err != nil {
		return err
	}
	keys := cfg.Codec.Keys
	if keys == "" {
		if keys, err = devCodecKeys(); err != nil {
			return err
		}
	}
	dir, err := filepath.Abs(filepath.Join(devDataDir, "cluster"))
	if err != nil {
		return err
	}
	docs, err := filepath.Abs(filepath.Join(devDataDir, "documents"))
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	spec := clusterSpec{
		serverBin: filepath.Join(bin, "temporal-server"), sqlToolBin: filepath.Join(bin, "temporal-sql-tool"), caseflowBin: self,
		adminURL: pgURL, caseflowDB: pgURL, dir: dir, apis: apis, workers: workers,
		namespace: cfg.Temporal.Namespace, retention: cfg.Temporal.Retention,
		env: []string{
			"CASEFLOW_CODEC_KEYS=" + keys,
			"CASEFLOW_DOCUMENTS_BUCKET=file://" + docs + "?create_dir=true&no_tmp_dir=true",
		},
	}
	if configFile != "" {
		abs, err := filepath.Abs(configFile)
		if err != nil {
			return err
		}
		spec.configFile = abs
	}
	c, err := startCluster(ctx, log, spec)
	if err != nil {
		return err
	}
	defer c.stop()
	fmt.Fprint(out, c.describe())
	<-ctx.Done()
	return nil
}

// The pieces of a deployment, as docker-compose.yml runs them: the same
// code `caseflow cluster` runs here.

func (c *cli) clusterSchemaCommand() *cobra.Command {
	var postgres, prefix, sqlTool string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "create Temporal's databases and bring their schema up to date",
		Long: `schema creates Temporal's two databases (temporal, temporal_visibility)
in the Postgres of --postgres when missing, and brings their schemas up to
the server's version with temporal-sql-tool: the schema job of a
deployment, safe to run again.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if postgres == "" {
				return usageError(cmd, errors.New("--postgres (or TEMPORAL_POSTGRES_URL) is required"))
			}
			cfg, err := serverConfigFor(postgres, prefix)
			if err != nil {
				return err
			}
			return makeSchema(cmd.Context(), c.log, sqlTool, postgres, cfg)
		},
	}
	cmd.Flags().StringVar(&postgres, "postgres", os.Getenv("TEMPORAL_POSTGRES_URL"),
		"Postgres URL of a user who may create databases (default $TEMPORAL_POSTGRES_URL, which keeps the password off the command line)")
	cmd.Flags().StringVar(&prefix, "prefix", "", "prefix of the databases' names")
	cmd.Flags().StringVar(&sqlTool, "sql-tool", "temporal-sql-tool", "Temporal's SQL tool, by path or on PATH")
	return cmd
}

func (c *cli) clusterServerCommand() *cobra.Command {
	var postgres, prefix, server, dir, bind, broadcast string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "run the Temporal server on Postgres, on its usual ports",
		Long: `server writes the Temporal server's configuration (persistence and
visibility in the Postgres of --postgres, frontend on 7233) into --dir and
runs temporal-server with it, in this process's place.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if postgres == "" {
				return usageError(cmd, errors.New("--postgres (or TEMPORAL_POSTGRES_URL) is required"))
			}
			cfg, err := serverConfigFor(postgres, prefix)
			if err != nil {
				return err
			}
			cfg.Ports, cfg.BindIP, cfg.BroadcastIP = standardPorts, bind, broadcast
			if cfg.BroadcastIP == "" {
				if cfg.BroadcastIP, err = ownIP(); err != nil {
					return err
				}
			}
			cfg.ArchiveDir = filepath.Join(dir, "archive")
			rendered, err := renderServerConfig(cfg)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "config", "cluster.yaml"), rendered, 0o600); err != nil {
				return err
			}
			path, err := exec.LookPath(server)
			if err != nil {
				return err
			}
			return syscall.Exec(path, []string{server, "--root", dir, "--config", "config", "--env", "cluster", "--allow-no-auth", "start"}, os.Environ())
		},
	}
	cmd.Flags().StringVar(&postgres, "postgres", os.Getenv("TEMPORAL_POSTGRES_URL"),
		"Postgres URL of Temporal's user (default $TEMPORAL_POSTGRES_URL, which keeps the password off the command line)")
	cmd.Flags().StringVar(&prefix, "prefix", "", "prefix of the databases' names")
	cmd.Flags().StringVar(&server, "server", "temporal-server", "the Temporal server binary, by path or on PATH")
	cmd.Flags().StringVar(&dir, "dir", "/var/lib/temporal", "where the configuration is written")
	cmd.Flags().StringVar(&bind, "bind", "0.0.0.0", "address the services listen on")
	cmd.Flags().StringVar(&broadcast, "broadcast", "", "address the services are reached at (default: this host's)")
	return cmd
}

func (c *cli) clusterHealthCommand() *cobra.Command {
	var temporal, ready string
	cmd := &cobra.Command{
		Use:   "health",
		Short: "exit 0 when a Temporal frontend or a caseflow process answers",
		Long: `health checks --temporal (a frontend's health check) or --ready (a
caseflow process's /readyz): a container's healthcheck.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			if temporal != "" {
				tc, err := client.Dial(client.Options{HostPort: temporal, Logger: quietSDKLogger()})
				if err != nil {
					return err
				}
				defer tc.Close()
				_, err = tc.CheckHealth(ctx, &client.CheckHealthRequest{})
				return err
			}
			return waitReady(ctx, ready, 5*time.Second)
		},
	}
	cmd.Flags().StringVar(&temporal, "temporal", "", "a Temporal frontend, host:port")
	cmd.Flags().StringVar(&ready, "ready", "", "a caseflow process's readiness URL")
	cmd.MarkFlagsOneRequired("temporal", "ready")
	return cmd
}

// ownIP is this host's first address that is not loopback.
func ownIP() (string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String(), nil
		}
	}
	return "127.0.0.1", nil
}

func (c *cli) clusterNamespaceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "namespace",
		Short: "register temporal.namespace with temporal.retention, and the search attributes",
		Long: `namespace registers the configured namespace (temporal.namespace) at
temporal.address with the configured retention (temporal.retention), or
sets the retention of one that exists, and registers the case search
attributes: a deployment's job once the server is up.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(c.configFile)
			if err != nil {
				return err
			}
			return registerNamespace(cmd.Context(), cfg.Temporal.Address, cfg.Temporal.Namespace, cfg.Temporal.Retention)
		},
	}
	return cmd
}
