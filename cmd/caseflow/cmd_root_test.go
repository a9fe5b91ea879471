package main

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	benchcmd "github.com/caseflow/caseflow/cmd/caseflow/bench"
)

func TestHelpNamesEveryFlagAndSucceeds(t *testing.T) {
	tests := []struct {
		command string
		flags   []string
	}{
		{"", nil},
		{"serve", nil},
		{"api", nil},
		{"worker", nil},
		{"migrate", nil},
		{"dev", []string{"--temporal"}},
		{"dev exec", nil},
		{"token", nil},
		{"token create", []string{"--email", "--role", "--first-name", "--last-name"}},
		{"token list", []string{"--email"}},
		{"token revoke", nil},
		{"bench", []string{"--concurrency", "--duration", "--ops", "--seed", "--open", "--scenarios", "--json", "--temporal"}},
		{"chaos", []string{"--cases", "--clients", "--faults", "--deadline", "--close-within", "--recover-within",
			"--postgres-outage", "--down", "--settle", "--call-timeout", "--lease", "--keep", "--temporal"}},
	}
	for _, tt := range tests {
		path := strings.Fields(tt.command)
		forms := map[string][]string{
			"--help": append(append([]string(nil), path...), "--help"),
			"-h":     append(append([]string(nil), path...), "-h"),
			"help":   append([]string{"help"}, path...),
		}
		for form, args := range forms {
			t.Run(tt.command+" "+form, func(t *testing.T) {
				out, err := caseflow(t, args...)
				require.NoError(t, err)
				require.Contains(t, out, "Usage:\n  "+strings.Join(append([]string{"caseflow"}, path...), " "))
				// The global flag, on every command.
				for _, flag := range append([]string{"--config"}, tt.flags...) {
					require.Contains(t, out, flag+" ", "%s", out)
				}
			})
		}
	}
}

// The bench's help names every scenario it runs.
func TestBenchHelpNamesEveryScenario(t *testing.T) {
	out, err := caseflow(t, "bench", "--help")
	require.NoError(t, err)
	words := strings.FieldsFunc(out, func(r rune) bool { return !unicode.IsLetter(r) })
	for _, s := range benchcmd.Scenarios() {
		require.Contains(t, words, s, "bench --help names the %s scenario", s)
	}
}

func TestCommandLineMistakesFail(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frob"}, `unknown command "frob" for "caseflow"`},
		{"unknown flag", []string{"serve", "--frob"}, "unknown flag: --frob\nRun 'caseflow serve --help' for usage."},
		{"a flag of another command", []string{"api", "--temporal", "bin/temporal"}, "unknown flag: --temporal"},
		{"unknown flag of a subcommand", []string{"token", "list", "--role", "ANALYST"}, "Run 'caseflow token list --help'"},
		{"flag without its value", []string{"bench", "--ops"}, "flag needs an argument: --ops"},
		{"bad value", []string{"chaos", "--cases", "many"}, `invalid argument "many" for "--cases"`},
		{"unexpected argument", []string{"migrate", "now"}, `unexpected argument "now"`},
		{"help on an unknown command", []string{"help", "frob"}, `unknown command "frob"`},
		{"help on an unknown subcommand", []string{"help", "token", "delete"}, `unknown command "delete" for "caseflow token"`},
		{"dev exec without a command", []string{"dev", "exec"}, "caseflow dev exec -- CMD"},
		{"chaos with an unknown fault", []string{"chaos", "--faults", "disk"}, `chaos: unknown fault "disk"`},
		{"bench with an unknown scenario", []string{"bench", "--scenarios", "update,screenings"}, `--scenarios: unknown scenario "screenings"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := caseflow(t, tt.args...)
			require.ErrorContains(t, err, tt.want)
			require.Empty(t, out, "help goes out only when asked for")
		})
	}
}

func TestDevExecPassesOnTheExitStatus(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		name string
		args []string
		want error
	}{
		{"success", []string{"--", "true"}, nil},
		{"failure", []string{"--", "sh", "-c", "exit 3"}, exitCode(3)},
		// Without --, CMD's flags are still CMD's.
		{"flags after CMD", []string{"sh", "-c", `[ "$0" = --frob ] && [ -n "$CASEFLOW_TEST_DATABASE_URL" ] && exit 7`, "--frob"}, exitCode(7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := caseflow(t, append([]string{"dev", "exec"}, tt.args...)...)
			require.Equal(t, tt.want, err)
		})
	}
}
