package api_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseflow/caseflow/workflows/contract"
	"github.com/stretchr/testify/require"
)

// The README's API examples are scripts in docs/examples, shown in the
// README as they are; each runs from top to bottom against a real API.
func TestREADMEExamplesRun(t *testing.T) {
	h := suite(t)
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	for script, last := range map[string]string{
		"investigation.sh": " is CLOSED after 8 timeline events",
		"onboarding.sh":    " is APPROVED, flag ALL_APPROVED",
		"documents.sh":     ": identity document SUBMITTED, 1 view recorded, SHA-256 matches",
	} {
		t.Run(script, func(t *testing.T) {
			path := filepath.Join("..", "docs", "examples", script)
			body, err := os.ReadFile(path)
			require.NoError(t, err)
			require.True(t, strings.Contains(string(readme), string(body)), "README.md shows %s as it is", script)

			cmd := exec.Command("bash", path)
			cmd.Env = append(os.Environ(), "API="+h.baseURL+"/api/v1", "TOKEN="+h.users[contract.RoleBankAdmin].token)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			require.True(t, strings.HasSuffix(lines[len(lines)-1], last), "%s", out)
		})
	}
}
