package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store/storetest"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// devDataDir keeps the local Temporal database and, when caseflow had to
// start one, the local Postgres cluster; `make clean` removes it.
const devDataDir = ".data"

// dev runs everything on one machine with one command: the Temporal dev
// server and Postgres when none answers, migrations, then API and worker.
func dev(ctx context.Context, log *slog.Logger, configFile, temporalBin string) error {
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
	cfg.Database.URL = pgURL

	uiPort, err := portOf(cfg.Temporal.UIURL, 8233)
	if err != nil {
		return fmt.Errorf("temporal.uiUrl: %w", err)
	}
	if _, err := os.Stat(temporalBin); err != nil && !temporalAnswers(cfg.Temporal.Address, 0) {
		return fmt.Errorf("no Temporal at %s and no CLI at %s to start one: run `make run`, which builds it", cfg.Temporal.Address, temporalBin)
	}
	if cfg.Codec.Keys == "" {
		// Local histories are encrypted too, under a key kept in .data.
		if cfg.Codec.Keys, err = devCodecKeys(); err != nil {
			return err
		}
		// The local UI decodes through the codec without a token.
		cfg.Codec.EndpointAuth = "none"
	}
	codecURL := apiURL(cfg) + "/codec"
	stopTemporal, err := ensureTemporal(ctx, log, temporalBin, cfg.Temporal.Address, uiPort, cfg.Temporal.Namespace, devDataDir,
		"--ui-codec-endpoint", codecURL)
	if err != nil {
		return err
	}
	defer stopTemporal()

	if err := migrate(ctx, log, cfg); err != nil {
		return err
	}
	base := apiURL(cfg)
	fmt.Printf("\ncaseflow is starting:\n  API          %s/api/v1\n  workspace    %s/ui\n  health       %s/readyz\n  Temporal UI  %s\n  Temporal     %s\n  Postgres     %s\n\nCreate a token: ./bin/caseflow token create --email you@example.com --role BANK_ADMIN\nCtrl-C stops everything started here.\n\n",
		base, base, base, cfg.Temporal.UIURL, cfg.Temporal.Address, redactURL(pgURL))
	return serve(ctx, log, cfg, true, true)
}

// devExec runs a command against a Postgres server that answers, started
// here when needed, and passes on the command's exit status: `dev exec`,
// for the tests.
func devExec(ctx context.Context, log *slog.Logger, argv []string) error {
	if len(argv) == 0 {
		return errors.New("usage: caseflow dev exec -- CMD [ARGS...]")
	}
	pgURL, stopPostgres, err := ensurePostgres(ctx, log, storetest.ServerURL(), filepath.Join(devDataDir, "postgres"))
	if err != nil {
		return err
	}
	defer stopPostgres()

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "CASEFLOW_TEST_DATABASE_URL="+pgURL)
	err = cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitCode(exitErr.ExitCode())
	}
	return err
}

// apiURL is where the API answers locally.
func apiURL(cfg config.Config) string {
	if host, port, err := net.SplitHostPort(cfg.HTTP.Addr); err == nil && host != "" {
		return "http://" + net.JoinHostPort(host, port)
	}
	return "http://localhost" + cfg.HTTP.Addr
}

// devCodecKeys reads the local codec key, making it on first use.
func devCodecKeys() (string, error) {
	path := filepath.Join(devDataDir, "codec.keys")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(devDataDir, 0o755); err != nil {
		return "", err
	}
	keys := temporalclient.NewCodecKey("dev1")
	if err := os.WriteFile(path, []byte(keys+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return keys, nil
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func portOf(rawURL string, fallback int) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, err
	}
	if u.Port() == "" {
		return fallback, nil
	}
	return strconv.Atoi(u.Port())
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}
