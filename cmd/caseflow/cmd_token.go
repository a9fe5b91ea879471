package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

func (c *cli) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "create, list and revoke users' bearer tokens",
		Long: `token manages the bearer tokens every API request needs. Only a SHA-256 of
each token is stored, so a token is printed once, when created.

` + tokenUsage,
		// Without a subcommand, or with one that does not exist, token fails
		// as it always has, rather than print help and exit 0: a script
		// taking a token with tail -1 must not take a line of help.
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New(tokenUsage)
			}
			return fmt.Errorf("unknown token command %q\n%s", args[0], tokenUsage)
		},
	}
	cmd.AddCommand(c.tokenCreateCommand(), c.tokenListCommand(), c.tokenRevokeCommand())
	return cmd
}

func (c *cli) tokenCreateCommand() *cobra.Command {
	var nt newToken
	cmd := &cobra.Command{
		Use:   "create --email E --role R [--first-name F --last-name L]",
		Short: "create the user when missing and print a new bearer token",
		Long: `token create creates the user when missing and prints a new bearer
token, valid for auth.tokenTTL (90 days by default; 0 issues tokens that
never expire). It prints the user, then the token's ID and expiry, then
the token itself, last and alone on its line: scripts take it with tail -1.
An existing user keeps their role; the token carries it.`,
		DisableFlagsInUseLine: true,
		Example:               examples("TOKEN=$(caseflow token create --email ada@example.com --role BANK_ADMIN | tail -1)"),
		Args:                  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tokenCreate(cmd.Context(), c.log, c.configFile, nt, c.stdout)
		},
	}
	cmd.Flags().StringVar(&nt.email, "email", "", "the user's e-mail")
	cmd.Flags().StringVar(&nt.role, "role", "", "BANK_ADMIN, COMPLIANCE_OFFICER or ANALYST")
	cmd.Flags().StringVar(&nt.first, "first-name", "", "first name, for a new user")
	cmd.Flags().StringVar(&nt.last, "last-name", "", "last name, for a new user")
	return cmd
}

func (c *cli) tokenListCommand() *cobra.Command {
	var email string
	cmd := &cobra.Command{
		Use:   "list [--email E]",
		Short: "every token (or E's): ID, user, role, created, expires, revoked",
		Long: `token list prints every token, or only those of --email, one a line:
its ID, the user's e-mail and role, when it was created, when it expires
and when it was revoked.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("token list: unexpected %q\n%s", args[0], tokenUsage)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tokenList(cmd.Context(), c.configFile, email, c.stdout)
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "only this user's tokens")
	return cmd
}

func (c *cli) tokenRevokeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "revoke a token at once",
		Long: `token revoke revokes the token with this ID (from caseflow token list):
it is refused from the next request on. An unknown ID is an error.`,
		// The ID may come before the flags or after them.
		Args: func(_ *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return fmt.Errorf("token revoke: which token? (its ID, from caseflow token list)\n%s", tokenUsage)
			case 1:
				return nil
			}
			return fmt.Errorf("token revoke: one ID at a time, got %q too", args[1])
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return tokenRevoke(cmd.Context(), c.configFile, args[0], c.stdout)
		},
	}
}
