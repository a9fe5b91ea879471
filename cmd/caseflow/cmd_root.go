package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
)

// cli is what every subcommand shares: the logger, where output goes, and
// the global --config flag once parsed.
type cli struct {
	log        *slog.Logger
	stdout     io.Writer
	configFile string
}

// newRootCommand builds the command tree. run executes it; main prints
// the error it returns, so cobra prints neither errors nor usage itself.
func newRootCommand(log *slog.Logger, stdout io.Writer) *cobra.Command {
	c := &cli{log: log, stdout: stdout}
	root := &cobra.Command{
		Use:   "caseflow",
		Short: "caseflow runs compliance cases as Temporal workflows",
		Long: `caseflow runs compliance cases as Temporal workflows: the API, the worker,
migrations, local development, a cluster on the real Temporal server, user
tokens, the bench and the chaos suite, in one binary.

Every command reads caseflow.yaml (or --config FILE) and CASEFLOW_*
variables: CASEFLOW_ + the key in upper case with "." as "_"
(temporal.taskQueue is CASEFLOW_TEMPORAL_TASKQUEUE).`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Shell completion is no part of what caseflow offers.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.PersistentFlags().StringVar(&c.configFile, "config", "", "configuration file (default: ./caseflow.yaml when present)")
	root.SetOut(stdout)
	root.SetFlagErrorFunc(usageError)
	root.AddCommand(
		c.serveCommand(), c.apiCommand(), c.workerCommand(), c.migrateCommand(),
		c.devCommand(), c.clusterCommand(), c.tokenCommand(), c.benchCommand(), c.chaosCommand(),
	)
	root.SetHelpCommand(helpCommand())
	// Registered now rather than at Execute, so that run's look-up
	// before Execute finds `help` too.
	root.InitDefaultHelpCmd()
	return root
}

// helpCommand is `caseflow help [command]`; unlike cobra's own, it fails
// on a command that does not exist.
func helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help prints what a command does and its flags: caseflow help token create.",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil {
				return usageError(cmd.Root(), err)
			}
			if len(rest) > 0 {
				return usageError(target, fmt.Errorf("unknown command %q for %q", rest[0], target.CommandPath()))
			}
			return target.Help()
		},
	}
}

// usageError is a mistake in the command line: unknown command or flag,
// missing or extra arguments. It names where to read the usage.
func usageError(cmd *cobra.Command, err error) error {
	return commandLineError{err: err, command: cmd.CommandPath()}
}

// commandLineError says what was wrong, then where the usage is.
type commandLineError struct {
	err     error
	command string
}

func (e commandLineError) Error() string {
	return fmt.Sprintf("%v\nRun '%s --help' for usage.", e.err, e.command)
}

func (e commandLineError) Unwrap() error { return e.err }

// noArgs refuses positional arguments, which a command that takes none
// would otherwise ignore.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(cmd, fmt.Errorf("unexpected argument %q", args[0]))
	}
	return nil
}

// examples indents lines as cobra's Example field wants them.
func examples(lines ...string) string {
	return "  " + strings.Join(lines, "\n  ")
}
