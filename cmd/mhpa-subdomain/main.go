// Command mhpa-subdomain prints the manifests that onboard a metrics subdomain: the aggregated
// ClusterRole that lets mhpa-controller read the subdomain's metrics groups, the Service and
// APIServices of the tenant's metrics server, and the ClusterRole (and a RoleBinding) that lets
// users point autoscalers at the subdomain. See docs/multi-tenancy.md.
package main

import (
	"os"
	"strings"

	"github.com/mhpa-dev/mhpa/internal/subdomain"
)

func main() {
	cmd := subdomain.NewCommand(os.Stdout)
	cmd.Use = strings.Replace(cmd.Use, "subdomain", "mhpa-subdomain", 1)
	cmd.Example = strings.ReplaceAll(cmd.Example, "kubectl mhpa subdomain", "mhpa-subdomain")
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
