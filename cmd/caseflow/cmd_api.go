package main

import "github.com/spf13/cobra"

func (c *cli) apiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "api",
		Short: "the HTTP API only",
		Long: `api runs the HTTP API alone, no worker. It starts without Temporal and
answers 503 until Temporal is back; it also deletes expired
Idempotency-Keys every hour.`,
		Args: noArgs,
		RunE: c.serveRole(true, false),
	}
}
