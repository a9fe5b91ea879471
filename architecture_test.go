// The module's import rules, as a test. They are the module's, not any one
// package's, so the test lives at the root, in a package of its own that
// nothing imports: it needs no Temporal or Postgres and runs in a second.
package caseflow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/caseflow/caseflow"

// goPackage is what `go list -json` says of one package: its non-test
// imports only (Imports leaves out TestImports and XTestImports). Tests
// may reach across the layers to drive the whole; production code may not.
type goPackage struct {
	ImportPath string
	Imports    []string
}

// importRule forbids the packages it covers to import what it names.
type importRule struct {
	name      string
	covers    func(pkg string) bool
	forbidden func(imp string) bool
	// example is a package and an import the rule refuses, so a rule
	// that can never fire does not pass for one that holds.
	example [2]string
}

// within reports whether pkg is dir or under it (dir relative to the module).
func within(pkg, dir string) bool {
	full := module + "/" + dir
	return pkg == full || strings.HasPrefix(pkg, full+"/")
}

func ofModule(imp string) bool { return imp == module || strings.HasPrefix(imp, module+"/") }

func anyPrefix(imp string, prefixes ...string) bool {
	for _, p := range prefixes {
		if imp == p || strings.HasPrefix(imp, p+"/") {
			return true
		}
	}
	return false
}

// importRules are the module's layering (docs/ARCHITECTURE.md, "The import
// rules").
var importRules = []importRule{
	{
		name:      "workflows/contract is a leaf: it imports nothing of caseflow",
		covers:    func(p string) bool { return within(p, "workflows/contract") },
		forbidden: ofModule,
		example:   [2]string{module + "/workflows/contract", module + "/workflows"},
	},
	{
		// Deterministic and free of I/O: what would reach a network or a
		// database belongs in an activity.
		name:   "the engine (workflows) imports no HTTP and no SQL",
		covers: func(p string) bool { return within(p, "workflows") },
		forbidden: func(i string) bool {
			return anyPrefix(i, "net/http", "github.com/gofiber", "github.com/valyala/fasthttp",
				"database/sql", "github.com/jmoiron/sqlx", "github.com/lib/pq", "github.com/jackc")
		},
		example: [2]string{module + "/workflows", "database/sql"},
	},
	{
		name:   "the engine (workflows) imports nothing of caseflow but its own packages",
		covers: func(p string) bool { return within(p, "workflows") },
		forbidden: func(i string) bool {
			return ofModule(i) && !within(i, "workflows")
		},
		example: [2]string{module + "/workflows", module + "/store"},
	},
	{
		// The Temporal plumbing serves a worker-only process as much as
		// the API, so it must not pull in the API's HTTP server, SQL, or
		// the engine: it speaks the contract, as the API does.
		// Its subpackage devserver, the tests' Temporal, is held to the
		// same, so any package's tests may use it.
		name:   "workflows/temporalclient imports no HTTP, no SQL, and nothing of caseflow but the contract",
		covers: func(p string) bool { return within(p, "workflows/temporalclient") },
		forbidden: func(i string) bool {
			return anyPrefix(i, "net/http", "github.com/gofiber", "github.com/valyala/fasthttp",
				"database/sql", "github.com/jmoiron/sqlx", "github.com/lib/pq", "github.com/jackc") ||
				ofModule(i) && !within(i, "workflows/contract") && !within(i, "workflows/temporalclient")
		},
		example: [2]string{module + "/workflows/temporalclient", module + "/workflows"},
	},
	{
		// The engine is wired into a worker by the binary and nothing
		// else: the API, the store, the configuration and the activities
		// agree with it through the contract, so none of them changes
		// when the engine does.
		name: "only the binary (cmd/caseflow) imports the engine (workflows)",
		covers: func(p string) bool {
			return !within(p, "cmd/caseflow") && !within(p, "workflows")
		},
		forbidden: func(i string) bool { return i == module+"/workflows" },
		example:   [2]string{module + "/store", module + "/workflows"},
	},
	{
		name:      "the engine's own subpackages (contract, temporalclient) do not import the engine",
		covers:    func(p string) bool { return within(p, "workflows") && p != module+"/workflows" },
		forbidden: func(i string) bool { return i == module+"/workflows" },
		example:   [2]string{module + "/workflows/temporalclient", module + "/workflows"},
	},
	{
		// The HTTP layer is the edge: the binary wires it up, nothing leans
		// on it. cmd/caseflow's own subpackages are part of the binary.
		name:      "only cmd/caseflow imports api",
		covers:    func(p string) bool { return !within(p, "cmd/caseflow") },
		forbidden: func(i string) bool { return within(i, "api") },
		example:   [2]string{module + "/store", module + "/api"},
	},
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	// Guards the test itself: a pattern or module path gone wrong would
	// otherwise pass by finding nothing to check.
	for _, dir := range []string{"workflows", "workflows/contract", "workflows/temporalclient", "api", "store", "cmd/caseflow"} {
		if _, ok := pkgs[module+"/"+dir]; !ok {
			t.Fatalf("go list did not report %s/%s; the rules would check nothing", module, dir)
		}
	}
	for _, rule := range importRules {
		for path, p := range pkgs {
			if !rule.covers(path) {
				continue
			}
			for _, imp := range p.Imports {
				if rule.forbidden(imp) {
					t.Errorf("%s: %s imports %s", rule.name, path, imp)
				}
			}
		}
	}
}

// TestImportRulesBite holds each rule to its example.
func TestImportRulesBite(t *testing.T) {
	for _, r := range importRules {
		pkg, imp := r.example[0], r.example[1]
		if !r.covers(pkg) || !r.forbidden(imp) {
			t.Errorf("rule %q lets %s import %s", r.name, pkg, imp)
		}
	}
}

// listPackages reads every package of the module, by import path.
func listPackages(t *testing.T) map[string]goPackage {
	t.Helper()
	// `go test` puts its own go first on PATH, so this is the same toolchain.
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]goPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}
