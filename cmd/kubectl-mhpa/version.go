package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mhpa-dev/mhpa/internal/cli"
)

func newVersionCommand(streams ioStreams) *cobra.Command {
	output := ""
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl-mhpa",
		Example: `  kubectl mhpa version
  kubectl mhpa version -o json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info := cli.Build()
			switch output {
			case "":
				fmt.Fprintf(streams.Out, "kubectl-mhpa %s\n", info.Version)
				if info.GitCommit != "" {
					fmt.Fprintf(streams.Out, "git commit: %s\n", info.GitCommit)
				}
				if info.BuildDate != "" {
					fmt.Fprintf(streams.Out, "commit date: %s\n", info.BuildDate)
				}
				fmt.Fprintf(streams.Out, "go: %s %s\n", info.GoVersion, info.Platform)
				return nil
			case "json":
				enc := json.NewEncoder(streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			return fmt.Errorf("-o/--output=%q: must be json, or left out for text", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", output, "Output format: json, or leave out for text.")
	return cmd
}
