package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// suite is the end-to-end harness TestMain started, for a test that needs
// it. Under -short, the fast tier, TestMain starts no services and suite
// skips t: that flag, not a missing service, is the boundary, so a full
// run without Postgres or the temporal CLI fails in TestMain.
func suite(t testing.TB) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("end to end (Postgres, a Temporal dev server, a worker): full tier only (make test), not -short")
	}
	return e2e
}

// A test that reads the harness without asking suite for it would find it
// nil under -short and panic, and nothing in the full tier would notice.
func TestEndToEndTestsAskForTheSuite(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var missing []string
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Name.Name == "TestMain" {
				continue
			}
			var usesHarness, asks bool
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.Ident:
					usesHarness = usesHarness || n.Name == "e2e"
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "suite" {
						asks = true
					}
				}
				return true
			})
			if usesHarness && !asks {
				missing = append(missing, name+": "+fn.Name.Name)
			}
		}
	}
	require.Empty(t, missing, "these tests read e2e directly; start them with h := suite(t)")
}
