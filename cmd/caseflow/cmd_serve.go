package main

import (
	"github.com/spf13/cobra"

	"github.com/caseflow/caseflow/config"
)

func (c *cli) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "API and worker in one process",
		Long: `serve runs the HTTP API and the Temporal worker in one process until
interrupted; then it drains HTTP requests and lets the worker finish its
tasks. caseflow api and caseflow worker run each alone.`,
		Args: noArgs,
		RunE: c.serveRole(true, true),
	}
}

// serveRole loads the configuration and runs serve with the parts asked
// for: serve, api and worker differ in nothing else.
func (c *cli) serveRole(withAPI, withWorker bool) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		cfg, err := config.Load(c.configFile)
		if err != nil {
			return err
		}
		return serve(cmd.Context(), c.log, cfg, withAPI, withWorker)
	}
}
