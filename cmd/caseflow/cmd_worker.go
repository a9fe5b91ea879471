package main

import "github.com/spf13/cobra"

func (c *cli) workerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "the Temporal worker only",
		Long: `worker runs the Temporal worker alone: the case and digest workflows and
their activities. It registers the search attributes and the digest
Schedule, and serves health and /metrics on http.addr.`,
		Args: noArgs,
		RunE: c.serveRole(false, true),
	}
}
