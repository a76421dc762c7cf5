package simulate_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/mhpa-dev/mhpa/internal/simulate"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden from the current output")

// TestGoldenScenarios runs every scenario of testdata/scenarios (a file of command-line
// arguments of kubectl mhpa simulate, one or more per line, # for comments) and compares its
// output with testdata/golden/<scenario>.golden. Run with -update to rewrite the golden files
// after a deliberate change, and review the diff.
func TestGoldenScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.args")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/scenarios")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".args")
		t.Run(name, func(t *testing.T) {
			args := readArgs(t, file)
			got := runSimulate(t, args)
			golden := filepath.Join("testdata", "golden", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/simulate/ -run TestGoldenScenarios -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("output of %s differs from %s (-want +got); if the change is intended, rerun with -update:\n%s", file, golden, diff)
			}
		})
	}
}

// TestGoldenScenariosCoverUpstreamExamples checks that the upstream documentation's behavior
// examples stay among the scenarios.
func TestGoldenScenariosCoverUpstreamExamples(t *testing.T) {
	for _, name := range []string{
		"docs-scaling-policies", "docs-stabilization-window", "docs-default-behavior",
		"docs-scale-down-window-60s", "docs-limit-scale-down-rate", "docs-limit-scale-down-min",
		"docs-disable-scale-down", "docs-tolerance",
	} {
		if _, err := os.Stat(filepath.Join("testdata", "scenarios", name+".args")); err != nil {
			t.Errorf("upstream example scenario %s: %v", name, err)
		}
	}
}

func readArgs(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args = append(args, strings.Fields(line)...)
	}
	return args
}

// runSimulate parses args as the simulate command does and returns what it writes.
func runSimulate(t *testing.T, args []string) []byte {
	t.Helper()
	opts := simulate.DefaultOptions()
	fs := pflag.NewFlagSet("simulate", pflag.ContinueOnError)
	opts.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parsing %q: %v", args, err)
	}
	if len(opts.Plots) > 0 {
		t.Fatalf("scenario writes plots: golden scenarios compare text output only")
	}
	var out, errOut bytes.Buffer
	if err := opts.Execute(simulate.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); err != nil {
		t.Fatalf("simulate %q: %v", args, err)
	}
	return out.Bytes()
}
