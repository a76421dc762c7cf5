package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// kubeconfigAnnotation marks the flags that addKubeconfigFlags adds, so that help lists them
// apart from the command's own flags.
const kubeconfigAnnotation = "mhpa.dev/kubeconfig-flag"

func init() {
	cobra.AddTemplateFunc("ownFlagUsages", func(fs *pflag.FlagSet) string {
		return filterFlags(fs, false).FlagUsagesWrapped(helpWidth)
	})
	cobra.AddTemplateFunc("kubeconfigFlagUsages", func(fs *pflag.FlagSet) string {
		return filterFlags(fs, true).FlagUsagesWrapped(helpWidth)
	})
}

// filterFlags returns the flags of fs that are (or are not) kubeconfig flags.
func filterFlags(fs *pflag.FlagSet, kubeconfig bool) *pflag.FlagSet {
	out := pflag.NewFlagSet("", pflag.ContinueOnError)
	out.SortFlags = fs.SortFlags
	fs.VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[kubeconfigAnnotation]; ok == kubeconfig {
			out.AddFlag(f)
		}
	})
	return out
}

// addKubeconfigFlags adds kubectl's standard kubeconfig flags (--kubeconfig, --context,
// -n/--namespace, --as, ...) to cmd, listed in their own section of its help.
func addKubeconfigFlags(cmd *cobra.Command, flags *genericclioptions.ConfigFlags) {
	kfs := pflag.NewFlagSet("kubeconfig", pflag.ContinueOnError)
	flags.AddFlags(kfs)
	kfs.VisitAll(func(f *pflag.Flag) {
		_ = kfs.SetAnnotation(f.Name, kubeconfigAnnotation, []string{"true"})
	})
	cmd.Flags().AddFlagSet(kfs)
	cmd.SetUsageTemplate(strings.Replace((&cobra.Command{}).UsageTemplate(),
		"{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}",
		"{{ownFlagUsages .LocalFlags | trimTrailingWhitespaces}}\n\nKubeconfig flags (as kubectl's):\n{{kubeconfigFlagUsages .LocalFlags | trimTrailingWhitespaces}}", 1))
}
