package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// run executes the plugin with args and returns its stdout, stderr and error.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCommand(ioStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

const testdata = "../../internal/simulate/testdata"

func TestRootListsSubcommands(t *testing.T) {
	out, _, err := run(t, "", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl mhpa [command]", "simulate", "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("root help lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(t, "", "simulat"); err == nil {
		t.Error("an unknown subcommand succeeded")
	}
}

func TestSimulateHelpDescribesEveryFlag(t *testing.T) {
	out, _, err := run(t, "", "simulate", "--help")
	if err != nil {
		t.Fatal(err)
	}
	cmd := newSimulateCommand(ioStreams{})
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(out, "--"+f.Name) {
			t.Errorf("help lacks --%s", f.Name)
		}
		if len(f.Usage) < 20 {
			t.Errorf("--%s has a terse usage: %q", f.Name, f.Usage)
		}
	})
	for _, want := range []string{"Examples:", "kubectl mhpa simulate -f hpa.yaml", "--compare", "step: FROM until AT, then TO", "recorded:", "--load-model=fixed"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestSimulate(t *testing.T) {
	dir := t.TempDir()
	png, svg := filepath.Join(dir, "run.png"), filepath.Join(dir, "run.svg")
	out, errOut, err := run(t, "", "simulate",
		"-f", filepath.Join(testdata, "hpa", "docs-default-behavior.yaml"),
		"--trace", filepath.Join(testdata, "traces", "step-up-down.csv"),
		"--rows", "changes", "--plot", png, "--plot", svg)
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, errOut)
	}
	for _, want := range []string{"autoscaler: docs-default-behavior", "2->6", "ScaleUpLimit", "30->3", "SUMMARY", "scale events"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, p := range []string{png, svg} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("plot %s: %v", p, err)
		}
		if !strings.Contains(errOut, "wrote "+p) {
			t.Errorf("stderr does not note %s: %q", p, errOut)
		}
	}
}

func TestSimulateFromStdin(t *testing.T) {
	manifest, err := os.ReadFile(filepath.Join(testdata, "hpa", "pods-v2beta1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, string(manifest), "simulate", "-f", "-", "--shape", "step:from=4,to=40,at=1m", "--duration", "3m", "-o", "csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1+13 || !strings.HasPrefix(lines[0], "run,seconds,time,jobs_in_flight_demand") {
		t.Errorf("CSV has %d lines, header %q", len(lines), lines[0])
	}
}

func TestSimulateErrorsNameTheProblem(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "load.csv")
	if err := os.WriteFile(bad, []byte("time,jobs_in_flight\n0,1\n30s,many\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, "", "simulate", "-f", filepath.Join(testdata, "hpa", "pods-v2beta1.yaml"), "--trace", bad)
	if err == nil || !strings.Contains(err.Error(), bad+`:3: column 2 (jobs_in_flight): "many" is not a number or quantity`) {
		t.Errorf("error = %v, want one naming the file, line, column and value", err)
	}
	_, _, err = run(t, "", "simulate", "-f", filepath.Join(testdata, "hpa", "pods-v2beta1.yaml"), "--shape", "step:to=1", "extra")
	if err == nil || !strings.Contains(err.Error(), "unknown command") && !strings.Contains(err.Error(), "accepts 0 arg") {
		t.Errorf("a positional argument: error = %v", err)
	}
}

func TestVersion(t *testing.T) {
	out, _, err := run(t, "", "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "kubectl-mhpa ") || !strings.Contains(out, "go: go1.") {
		t.Errorf("version output:\n%s", out)
	}
	out, _, err = run(t, "", "version", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]string
	if err := json.Unmarshal([]byte(out), &info); err != nil || info["version"] == "" || info["goVersion"] == "" {
		t.Errorf("version -o json = %q (%v)", out, err)
	}
	if _, _, err := run(t, "", "version", "-o", "yaml"); err == nil || !strings.Contains(err.Error(), `-o/--output="yaml": must be json`) {
		t.Errorf("version -o yaml: error = %v", err)
	}
}
