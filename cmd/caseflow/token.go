package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/workflows/contract"
)

const tokenUsage = `usage:
  caseflow token create --email E --role R [--first-name F --last-name L]
  caseflow token list [--email E]
  caseflow token revoke ID`

// newToken is what `token create` is given.
type newToken struct {
	email, role, first, last string
}

func tokenCreate(ctx context.Context, log *slog.Logger, configFile string, nt newToken, stdout io.Writer) error {
	if !strings.Contains(nt.email, "@") {
		return errors.New("token create: --email is required")
	}
	r, ok := contract.ParseRole(nt.role)
	if !ok {
		return fmt.Errorf("token create: --role must be BANK_ADMIN, COMPLIANCE_OFFICER or ANALYST, got %q", nt.role)
	}
	cfg, s, err := openTokenStore(ctx, configFile)
	if err != nil {
		return err
	}
	defer s.Close()
	u, created, err := s.EnsureUser(ctx, nt.email, r, nt.first, nt.last)
	if err != nil {
		return err
	}
	if !created && u.Role != r {
		log.Warn("user exists with another role; the token carries the existing role", "email", u.Email, "role", u.Role)
	}
	tok, issued, err := s.CreateToken(ctx, u.ID, cfg.Auth.TokenTTL)
	if err != nil {
		return err
	}
	expiry := "never expires"
	if issued.ExpiresAt != nil {
		expiry = "expires " + formatTime(*issued.ExpiresAt)
	}
	// The token last, alone on its line: scripts take it with tail -1.
	fmt.Fprintf(stdout, "user %s (%s, %s)\ntoken %s %s\n%s\n", u.Email, u.Role, u.ID, issued.ID, expiry, tok)
	return nil
}

func tokenList(ctx context.Context, configFile, email string, stdout io.Writer) error {
	_, s, err := openTokenStore(ctx, configFile)
	if err != nil {
		return err
	}
	defer s.Close()
	tokens, err := s.Tokens(ctx, email)
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tROLE\tCREATED\tEXPIRES\tREVOKED")
	for _, t := range tokens {
		expires, revoked := "never", "-"
		if t.ExpiresAt != nil {
			expires = formatTime(*t.ExpiresAt)
			if !t.ExpiresAt.After(now) {
				expires += " (expired)"
			}
		}
		if t.RevokedAt != nil {
			revoked = formatTime(*t.RevokedAt)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Email, t.Role, formatTime(t.CreatedAt), expires, revoked)
	}
	return w.Flush()
}

func tokenRevoke(ctx context.Context, configFile, id string, stdout io.Writer) error {
	_, s, err := openTokenStore(ctx, configFile)
	if err != nil {
		return err
	}
	defer s.Close()
	t, err := s.RevokeToken(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("token revoke: no token %q: %w", id, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "token %s of %s (%s) revoked %s\n", t.ID, t.Email, t.Role, formatTime(*t.RevokedAt))
	return nil
}

// openTokenStore loads the configuration --config names and opens the
// database, for the token commands.
func openTokenStore(ctx context.Context, configFile string) (config.Config, *store.Store, error) {
	cfg, err := config.Load(configFile)
	if err != nil {
		return config.Config{}, nil, err
	}
	s, err := store.Open(ctx, cfg.Database.URL, 2)
	if err != nil {
		return config.Config{}, nil, err
	}
	return cfg, s, nil
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
