package main

import (
	"github.com/spf13/cobra"

	"github.com/caseflow/caseflow/config"
)

func (c *cli) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "bring the database schema up to date",
		Long: `migrate applies the migrations embedded in the binary that the database
has not seen yet, then exits.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(c.configFile)
			if err != nil {
				return err
			}
			return migrate(cmd.Context(), c.log, cfg)
		},
	}
}
