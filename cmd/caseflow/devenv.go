package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"

	"github.com/caseflow/caseflow/workflows/temporalclient"
)

// postgresAnswers reports whether a Postgres server accepts connections at url within timeout.
// A missing database still counts: the server is there and ensureDatabase will create it.
func postgresAnswers(ctx context.Context, url string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db, err := sql.Open("postgres", url)
	if err != nil {
		return false
	}
	defer db.Close()
	err = db.PingContext(ctx)
	var pqErr *pq.Error
	return err == nil || (errors.As(err, &pqErr) && pqErr.Code == "3D000") // invalid_catalog_name
}

// ensurePostgres returns a URL to a Postgres server that answers. When url answers it is returned
// unchanged with a no-op stop. Otherwise a local cluster is created once in dataDir/pgdata (reused on
// later runs) and started on 127.0.0.1 and a free port; the returned URL keeps url's database and
// params with user postgres. stop() stops that cluster.
func ensurePostgres(ctx context.Context, log *slog.Logger, url, dataDir string) (pgURL string, stop func(), err error) {
	if postgresAnswers(ctx, url, 3*time.Second) {
		return url, func() {}, nil
	}
	if _, err := parsePostgresURL(url); err != nil {
		return "", nil, err
	}
	bin, err := postgresBinDir()
	if err != nil {
		return "", nil, err
	}
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: data dir: %w", err)
	}
	asRoot := os.Geteuid() == 0
	if asRoot && !reachableByOthers(filepath.Dir(dataDir)) {
		// The postgres user cannot enter a checkout inside a private
		// directory (mktemp -d makes 0700 ones); keep the cluster in a
		// directory of its own under the system temp dir, stable per
		// checkout so later runs reuse it.
		sum := sha256.Sum256([]byte(dataDir))
		dataDir = filepath.Join(os.TempDir(), "caseflow-postgres-"+hex.EncodeToString(sum[:6]))
	}
	pgdata := filepath.Join(dataDir, "pgdata")
	logFile := filepath.Join(dataDir, "postgres.log")
	log.Info("postgres: nothing answers, starting a local cluster", "data_dir", pgdata)

	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", nil, fmt.Errorf("postgres: create data dir: %w", err)
	}
	// initdb refuses to run as root, so the cluster is owned by and run as the postgres OS user.
	if asRoot {
		if err := chownToPostgres(dataDir); err != nil {
			return "", nil, err
		}
	}
	pgCmd := func(ctx context.Context, name string, args ...string) *exec.Cmd {
		path := filepath.Join(bin, name)
		if asRoot {
			return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
		}
		return exec.CommandContext(ctx, path, args...)
	}
	run := func(name string, args ...string) ([]byte, error) { return pgCmd(ctx, name, args...).CombinedOutput() }

	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); err != nil {
		log.Info("postgres: initializing cluster", "bin", bin)
		out, err := run("initdb", "-D", pgdata, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync")
		if err != nil {
			return "", nil, fmt.Errorf("postgres: initdb: %w: %s", err, tail(out))
		}
	}

	// A killed earlier run may have left the cluster running on a port we no longer know; restart it.
	if _, err := run("pg_ctl", "-D", pgdata, "status"); err == nil {
		log.Info("postgres: stopping a cluster left running by an earlier run")
		if out, err := run("pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop"); err != nil {
			return "", nil, fmt.Errorf("postgres: stop leftover cluster: %w: %s", err, tail(out))
		}
	}

	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	pgURL, err = withHostPort(url, "postgres", "127.0.0.1", port)
	if err != nil {
		return "", nil, err
	}
	// The socket goes into dataDir because /var/run/postgresql may be missing or in use by a system
	// cluster. pg_ctl hands -o to a shell, hence the quotes.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k '%s'", port, dataDir)
	log.Info("postgres: starting cluster", "port", port, "log", logFile)
	if out, err := run("pg_ctl", "-D", pgdata, "-l", logFile, "-o", opts, "-w", "-t", "30", "start"); err != nil {
		return "", nil, fmt.Errorf("postgres: pg_ctl start: %w: %s\nserver log:\n%s", err, tail(out), tailFile(logFile))
	}
	stop = func() {
		// Not ctx: stop usually runs during shutdown, after ctx has been cancelled.
		cmd := pgCmd(context.Background(), "pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop")
		if out, err := cmd.CombinedOutput(); err != nil {
			log.Warn("postgres: pg_ctl stop failed", "err", err, "output", tail(out))
		}
	}

	deadline := time.Now().Add(30 * time.Second)
	for !postgresAnswers(ctx, pgURL, time.Second) {
		if ctx.Err() != nil || time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("postgres: local cluster on port %d does not answer\nserver log:\n%s", port, tailFile(logFile))
		}
		pause(ctx, 200*time.Millisecond)
	}
	log.Info("postgres: local cluster ready", "port", port)
	return pgURL, stop, nil
}

// ensureDatabase creates the database named in url when it does not exist, by connecting to the
// postgres maintenance database on the same server.
func ensureDatabase(ctx context.Context, url string) error {
	u, err := parsePostgresURL(url)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || name == "postgres" {
		return nil
	}
	u.Path = "/postgres"
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		return fmt.Errorf("ensure database %q: %w", name, err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("ensure database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	// CREATE DATABASE takes no bind parameters, hence the quoted identifier.
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: a concurrent creator won
			return nil
		}
		return fmt.Errorf("ensure database %q: %w", name, err)
	}
	return nil
}

// temporalAnswers reports whether something accepts TCP connections at address (host:port) within timeout.
func temporalAnswers(address string, timeout time.Duration) bool {
	conn, err := net.DialTimeout("tcp", address, timeout)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// ensureTemporal starts the Temporal dev server from bin when nothing answers at address, and returns a
// stop func (no-op when it was already running).
func ensureTemporal(ctx context.Context, log *slog.Logger, bin, address string, uiPort int, namespace, dataDir string, extraArgs ...string) (stop func(), err error) {
	if temporalAnswers(address, time.Second) {
		return func() {}, nil
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("temporal: address %q: %w", address, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("temporal: create data dir: %w", err)
	}
	logPath := filepath.Join(dataDir, "temporal.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("temporal: create log: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	// Not CommandContext: the server must keep running after a startup ctx ends; only stop() ends it.
	args := append(startDevArgs(host, port, uiPort, filepath.Join(dataDir, "temporal.db"), namespace), extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group so a Ctrl-C aimed at caseflow does not kill the server before stop() runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log.Info("temporal: starting dev server", "address", net.JoinHostPort(host, port), "ui_port", uiPort, "log", logPath)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("temporal: start %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}

	deadline := time.Now().Add(60 * time.Second)
	for !temporalAnswers(net.JoinHostPort(host, port), time.Second) {
		select {
		case <-exited:
			return nil, fmt.Errorf("temporal: dev server exited early\nlog:\n%s", tailFile(logPath))
		default:
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("temporal: dev server does not answer at %s\nlog:\n%s", address, tailFile(logPath))
		}
		pause(ctx, 200*time.Millisecond)
	}
	log.Info("temporal: dev server ready", "address", net.JoinHostPort(host, port))
	return stop, nil
}

// startDevArgs are the temporal CLI's arguments for a dev server of
// caseflow's own (`caseflow dev`, the bench, the chaos run) at host:port,
// its UI on uiPort, keeping its data in dbFile. The tests start theirs
// with workflows/temporalclient/devserver, tuned the same.
func startDevArgs(host, port string, uiPort int, dbFile, namespace string) []string {
	return append([]string{"server", "start-dev",
		"--ip", host, "--port", port, "--ui-port", strconv.Itoa(uiPort),
		"--db-filename", dbFile,
		"--log-level", "warn", "--namespace", namespace}, temporalclient.DevServerArgs()...)
}

// postgresBinDir finds the directory holding initdb and pg_ctl: Debian keeps them off PATH under
// /usr/lib/postgresql/<major>/bin, so the newest such directory wins, then PATH.
func postgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	major := func(dir string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir))); return n }
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	if path, err := exec.LookPath("initdb"); err == nil {
		// Resolve symlinks so pg_ctl comes from the same installation as initdb.
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		return filepath.Dir(path), nil
	}
	return "", errors.New("postgres: initdb not found in /usr/lib/postgresql/*/bin or PATH")
}

// reachableByOthers reports whether every directory from dir up to the
// root lets other users through, or does not exist yet (MkdirAll makes it
// 0755).
func reachableByOthers(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func chownToPostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("postgres: look up OS user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("postgres: chown %s: %w", dir, err)
	}
	return nil
}

// pause waits between polls, or less when ctx ends (Ctrl-C at start-up).
func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func parsePostgresURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("postgres URL: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("postgres URL %q: want postgres://user@host:port/db", raw)
	}
	return u, nil
}

// withHostPort keeps raw's database and query params but points it at user@host:port.
func withHostPort(raw, username, host string, port int) (string, error) {
	u, err := parsePostgresURL(raw)
	if err != nil {
		return "", err
	}
	u.User = url.User(username)
	u.Host = net.JoinHostPort(host, strconv.Itoa(port))
	return u.String(), nil
}

func tail(b []byte) string {
	const max = 2000
	b = bytes.TrimSpace(b)
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

func tailFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	return tail(b)
}

// waitReady polls a readiness URL until it answers 200, for at most limit.
func waitReady(ctx context.Context, u string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		res, err := http.Get(u)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
