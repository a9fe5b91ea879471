package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/storetest"
)

// caseflow runs a command as main does (which exits 1 on any error) and
// returns what it printed.
func caseflow(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), slog.New(slog.DiscardHandler), args, &out)
	return out.String(), err
}

var created = regexp.MustCompile(`^user (\S+) \((\w+), [0-9a-f-]{36}\)\ntoken ([0-9a-f-]{36}) (expires \d{4}-\d\d-\d\d \d\d:\d\d UTC|never expires)\n(cf_[A-Za-z0-9_-]{43})\n$`)

func TestTokenCommands(t *testing.T) {
	s, dbURL := storetest.New(t)
	t.Chdir(t.TempDir())
	t.Setenv("CASEFLOW_DATABASE_URL", dbURL)
	ctx := context.Background()

	create := func(t *testing.T, args ...string) (id, token, expiry string) {
		t.Helper()
		out, err := caseflow(t, append([]string{"token", "create"}, args...)...)
		require.NoError(t, err)
		m := created.FindStringSubmatch(out)
		require.NotNil(t, m, "%q", out)
		return m[3], m[5], m[4]
	}

	// auth.tokenTTL: 90 days unless configured; 0 never expires.
	adaID, adaToken, expiry := create(t, "--email", "ada@bank.example", "--role", "BANK_ADMIN", "--first-name", "Ada")
	at, err := time.Parse("expires 2006-01-02 15:04 UTC", expiry)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(90*24*time.Hour), at, time.Minute)
	t.Setenv("CASEFLOW_AUTH_TOKENTTL", "0")
	bobID, _, expiry := create(t, "--email", "bob@bank.example", "--role", "ANALYST")
	require.Equal(t, "never expires", expiry)
	t.Setenv("CASEFLOW_AUTH_TOKENTTL", "1h")
	ada2ID, _, _ := create(t, "--email", "ada@bank.example", "--role", "BANK_ADMIN")
	_, err = s.UserByToken(ctx, adaToken)
	require.NoError(t, err, "the printed token works")

	t.Run("list", func(t *testing.T) {
		tests := []struct {
			name string
			args []string
			ids  []string
		}{
			{"all", nil, []string{adaID, bobID, ada2ID}},
			{"one user's", []string{"--email", "ada@bank.example"}, []string{adaID, ada2ID}},
			{"nobody's", []string{"--email", "nobody@bank.example"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := caseflow(t, append([]string{"token", "list"}, tt.args...)...)
				require.NoError(t, err)
				lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				require.Equal(t, []string{"ID", "EMAIL", "ROLE", "CREATED", "EXPIRES", "REVOKED"}, strings.Fields(lines[0]))
				require.Len(t, lines, 1+len(tt.ids), "%s", out)
				for i, id := range tt.ids {
					require.True(t, strings.HasPrefix(lines[1+i], id+"  "), "%s", out)
				}
			})
		}
		out, err := caseflow(t, "token", "list", "--email", "bob@bank.example")
		require.NoError(t, err)
		row := strings.Split(out, "\n")[1]
		require.Regexp(t, `^`+bobID+` +bob@bank.example +ANALYST +\d{4}-\d\d-\d\d \d\d:\d\d UTC +never +-$`, row)
	})

	t.Run("revoke", func(t *testing.T) {
		out, err := caseflow(t, "token", "revoke", adaID)
		require.NoError(t, err)
		require.Regexp(t, `^token `+adaID+` of ada@bank.example \(BANK_ADMIN\) revoked \d{4}-\d\d-\d\d \d\d:\d\d UTC\n$`, out)
		_, err = s.UserByToken(ctx, adaToken)
		require.ErrorIs(t, err, store.ErrNotFound, "refused at once")

		out, err = caseflow(t, "token", "list", "--email", "ada@bank.example")
		require.NoError(t, err)
		require.Regexp(t, `(?m)^`+adaID+` .* \d\d:\d\d UTC\s*$`, out, "the revocation time")
		require.Regexp(t, `(?m)^`+ada2ID+` .* -\s*$`, out, "the other token is not revoked")
	})

	t.Run("refused", func(t *testing.T) {
		tests := []struct {
			name string
			args []string
			want string
		}{
			{"unknown ID", []string{"token", "revoke", uuid.NewString()}, "no token"},
			{"not an ID", []string{"token", "revoke", "cf_abc"}, "no token"},
			{"no ID", []string{"token", "revoke"}, "which token?"},
			{"two IDs", []string{"token", "revoke", adaID, bobID}, "one ID at a time"},
			{"no subcommand", []string{"token"}, "caseflow token list"},
			{"unknown subcommand", []string{"token", "delete", adaID}, `unknown token command "delete"`},
			{"list with an argument", []string{"token", "list", "ada"}, `unexpected "ada"`},
			{"create without e-mail", []string{"token", "create", "--role", "ANALYST"}, "--email is required"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := caseflow(t, tt.args...)
				require.ErrorContains(t, err, tt.want)
			})
		}
		_, err := caseflow(t, "token", "revoke", uuid.NewString())
		require.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("revoke takes flags after the ID", func(t *testing.T) {
		_, err := caseflow(t, "token", "revoke", bobID, "--config", "missing.yaml")
		require.ErrorContains(t, err, "missing.yaml", "the flag was read")
	})
}
