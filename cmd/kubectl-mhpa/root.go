package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mhpa-dev/mhpa/internal/subdomain"
)

// helpWidth is the width that help text is wrapped to.
const helpWidth = 100

// ioStreams are the standard streams the commands read and write.
type ioStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// newRootCommand returns the plugin's root command with every subcommand added. A subcommand
// lives in its own file and has a constructor new<Name>Command(streams).
func newRootCommand(streams ioStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-mhpa",
		Short: "Tools for mhpa, the horizontal pod autoscaler that reads metrics from many metrics servers",
		Long: `kubectl mhpa works with mhpa's HorizontalPodAutoscalers (autoscaling.mhpa.dev) and
with built-in ones (autoscaling/v1, autoscaling/v2).

Install it by putting the kubectl-mhpa binary on your PATH; kubectl then runs it for
"kubectl mhpa ...".`,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl mhpa",
		},
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.CompletionOptions.DisableDefaultCmd = true
	// Wrap flag descriptions to the width of a terminal.
	cobra.AddTemplateFunc("wrappedFlagUsages", func(fs *pflag.FlagSet) string { return fs.FlagUsagesWrapped(helpWidth) })
	root.SetUsageTemplate(strings.NewReplacer(
		".LocalFlags.FlagUsages", "wrappedFlagUsages .LocalFlags",
		".InheritedFlags.FlagUsages", "wrappedFlagUsages .InheritedFlags",
	).Replace(root.UsageTemplate()))
	root.AddCommand(
		newDescribeCommand(streams),
		newImportCommand(streams),
		newSimulateCommand(streams),
		subdomain.NewCommand(streams.Out),
		newVersionCommand(streams),
	)
	return root
}
