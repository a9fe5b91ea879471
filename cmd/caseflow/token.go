package main

import (
	"context"
	"errors"
	"flag"
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

func token(ctx context.Context, log *slog.Logger, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	switch args[0] {
	case "create":
		return tokenCreate(ctx, log, fs, args[1:], stdout)
	case "list":
		return tokenList(ctx, fs, args[1:], stdout)
	case "revoke":
		return tokenRevoke(ctx, fs, args[1:], stdout)
	}
	return fmt.Errorf("unknown token command %q\n%s", args[0], tokenUsage)
}

func tokenCreate(ctx context.Context, log *slog.Logger, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	email := fs.String("email", "", "the user's e-mail")
	role := fs.String("role", "", "BANK_ADMIN, COMPLIANCE_OFFICER or ANALYST")
	first := fs.String("first-name", "", "first name, for a new user")
	last := fs.String("last-name", "", "last name, for a new user")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.Contains(*email, "@") {
		return errors.New("token create: --email is required")
	}
	r, ok := contract.ParseRole(*role)
	if !ok {
		return fmt.Errorf("token create: --role must be BANK_ADMIN, COMPLIANCE_OFFICER or ANALYST, got %q", *role)
	}
	cfg, s, err := openTokenStore(ctx, fs)
	if err != nil {
		return err
	}
	defer s.Close()
	u, created, err := s.EnsureUser(ctx, *email, r, *first, *last)
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

func tokenList(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	email := fs.String("email", "", "only this user's tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token list: unexpected %q\n%s", fs.Arg(0), tokenUsage)
	}
	_, s, err := openTokenStore(ctx, fs)
	if err != nil {
		return err
	}
	defer s.Close()
	tokens, err := s.Tokens(ctx, *email)
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

func tokenRevoke(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	// The ID may come before the flags or after them.
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("token revoke: which token? (its ID, from caseflow token list)\n%s", tokenUsage)
	}
	id := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token revoke: one ID at a time, got %q too", fs.Arg(0))
	}
	_, s, err := openTokenStore(ctx, fs)
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
func openTokenStore(ctx context.Context, fs *flag.FlagSet) (config.Config, *store.Store, error) {
	cfg, err := config.Load(fs.Lookup("config").Value.String())
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
