package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const importTestdata = "testdata/import"

// golden compares got with testdata/import/<name> (-update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(importTestdata, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/kubectl-mhpa -update creates it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestImportFromFiles converts built-in autoscalers of both versions, from documents and from
// a List as `kubectl get -o yaml` prints it, and checks the YAML against a golden file and
// that it reads back as valid autoscaling.mhpa.dev/v2 objects.
func TestImportFromFiles(t *testing.T) {
	out, errOut, err := run(t, "", "import", "-f", filepath.Join(importTestdata, "builtin.yaml"))
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	golden(t, "builtin.golden", out)

	hpas, err := cli.DecodeHPAs("output", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range hpas {
		names = append(names, h.Object.Name)
		if h.APIVersion != v2.GroupVersion.String() {
			t.Errorf("%s: apiVersion %s, want %s", h.Object.Name, h.APIVersion, v2.GroupVersion)
		}
		if err := cli.DefaultAndValidate(h); err != nil {
			t.Errorf("the imported autoscaler is invalid: %v", err)
		}
	}
	if diff := cmp.Diff([]string{"web", "legacy", "api"}, names); diff != "" {
		t.Errorf("imported autoscalers (-want +got):\n%s", diff)
	}
	for _, gone := range []string{"last-applied-configuration", "managedFields", "resourceVersion", "uid:", "status", "autoscaling.mhpa.dev/subdomains", "autoscaling.alpha"} {
		if strings.Contains(out, gone) {
			t.Errorf("the output still holds %q", gone)
		}
	}
}

// TestImportJSONFromStdin reads standard input and prints a List of JSON objects.
func TestImportJSONFromStdin(t *testing.T) {
	in, err := os.ReadFile(filepath.Join(importTestdata, "builtin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, string(in), "import", "-f", "-", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Kind  string
		Items []v2.HorizontalPodAutoscaler
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if list.Kind != "List" || len(list.Items) != 3 || list.Items[0].Spec.Metrics[0].Type != v2.PodResourceMetricSourceType {
		t.Errorf("JSON output = %+v", list)
	}
}

// TestImportErrors checks that wrong use and bad input say what is wrong and what to do.
func TestImportErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 5
  maxReplicas: 2
`), 0o600); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(t.TempDir(), "none.yaml")
	if err := os.WriteFile(none, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args []string
		want []string
	}{
		"no source":             {args: []string{"import"}, want: []string{"nothing to import", "--all", "-f FILE"}},
		"two sources":           {args: []string{"import", "web", "--all"}, want: []string{"only one of NAME..., --all and -f/--filename"}},
		"-A without --all":      {args: []string{"import", "web", "-A"}, want: []string{"-A/--all-namespaces goes with --all"}},
		"bad output":            {args: []string{"import", "-f", bad, "-o", "wide"}, want: []string{`-o/--output="wide": must be yaml or json`}},
		"dry run without apply": {args: []string{"import", "-f", bad, "--dry-run=server"}, want: []string{"--dry-run and --force-conflicts go with --apply"}},
		"invalid autoscaler":    {args: []string{"import", "-f", bad}, want: []string{bad + ":", `invalid HorizontalPodAutoscaler "web"`, "spec.maxReplicas", "minReplicas"}},
		"no autoscaler":         {args: []string{"import", "-f", none}, want: []string{none + ": no HorizontalPodAutoscaler found"}},
		"missing file":          {args: []string{"import", "-f", "does-not-exist.yaml"}, want: []string{"reading does-not-exist.yaml"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := run(t, "", tc.args...)
			if err == nil {
				t.Fatalf("kubectl mhpa %v succeeded", tc.args)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestClusterCommandsExplainKubeconfigErrors: without a usable kubeconfig the commands say
// which file and how to choose another.
func TestClusterCommandsExplainKubeconfigErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-kubeconfig")
	for _, args := range [][]string{{"describe", "web"}, {"import", "web"}} {
		_, _, err := run(t, "", append(args, "--kubeconfig", missing)...)
		if err == nil || !strings.Contains(err.Error(), "loading the kubeconfig") || !strings.Contains(err.Error(), missing) {
			t.Errorf("kubectl mhpa %v with a missing kubeconfig: error = %v", args, err)
		}
	}
}

// TestHelpDescribesEveryFlag checks the help of describe and import: a usage line, examples,
// every own flag with a real description, and the kubeconfig flags in their own section.
func TestHelpDescribesEveryFlag(t *testing.T) {
	commands := map[string]func(ioStreams) *cobra.Command{
		"describe": newDescribeCommand,
		"import":   newImportCommand,
	}
	for name, newCmd := range commands {
		t.Run(name, func(t *testing.T) {
			out, _, err := run(t, "", name, "--help")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"kubectl mhpa " + name, "Examples:", "Kubeconfig flags (as kubectl's):", "--kubeconfig", "-n, --namespace", "--context"} {
				if !strings.Contains(out, want) {
					t.Errorf("help lacks %q:\n%s", want, out)
				}
			}
			own, kubeconfig, _ := strings.Cut(out, "Kubeconfig flags")
			newCmd(ioStreams{}).Flags().VisitAll(func(f *pflag.Flag) {
				if _, isKubeconfig := f.Annotations[kubeconfigAnnotation]; isKubeconfig {
					if !strings.Contains(kubeconfig, "--"+f.Name) {
						t.Errorf("--%s is not in the kubeconfig section", f.Name)
					}
					return
				}
				if !strings.Contains(own, "--"+f.Name) {
					t.Errorf("help lacks --%s among the command's flags", f.Name)
				}
				if f.Name != "help" && len(f.Usage) < 25 {
					t.Errorf("--%s has a terse usage: %q", f.Name, f.Usage)
				}
			})
		})
	}
	out, _, err := run(t, "", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"describe", "import"} {
		if !strings.Contains(out, "  "+want+" ") {
			t.Errorf("root help does not list %s:\n%s", want, out)
		}
	}
}
