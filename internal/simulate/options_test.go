package simulate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/mhpa-dev/mhpa/internal/decision"
)

func parseOptions(t *testing.T, args ...string) Options {
	t.Helper()
	o := DefaultOptions()
	fs := pflag.NewFlagSet("simulate", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return o
}

func TestDefaultOptionsAreTheControllers(t *testing.T) {
	o := DefaultOptions()
	if diff := cmp.Diff(decision.DefaultConfig(), o.config()); diff != "" {
		t.Errorf("controller settings differ from decision.DefaultConfig (-want +got):\n%s", diff)
	}
	if o.SyncPeriod != 15*time.Second {
		t.Errorf("sync period %s, want upstream's 15s", o.SyncPeriod)
	}
	m, err := o.model()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultModel(), m); diff != "" {
		t.Errorf("model differs from DefaultModel (-want +got):\n%s", diff)
	}
}

func TestOptionsErrors(t *testing.T) {
	hpa := writeFile(t, "hpa.yaml", `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics:
  - type: Pods
    pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: "10"}}
`)
	tests := map[string]struct {
		args []string
		want string
	}{
		"no manifest":          {[]string{"--shape", "step:to=1"}, "-f/--filename is required"},
		"no load":              {[]string{"-f", hpa}, "no load given: use --trace FILE or --shape KIND:..."},
		"trace and shape":      {[]string{"-f", hpa, "--trace", "x.csv", "--shape", "step:to=1"}, "--trace and --shape both given"},
		"bad output":           {[]string{"-f", hpa, "--shape", "step:to=1", "-o", "yaml"}, `-o/--output="yaml": must be one of table, csv, json, replay, none`},
		"replay of two":        {[]string{"-f", hpa, "--compare", hpa, "--shape", "step:to=1", "-o", "replay"}, "-o replay describes one run"},
		"bad rows":             {[]string{"-f", hpa, "--shape", "step:to=1", "--rows", "some"}, `--rows="some": must be all or changes`},
		"bad plot":             {[]string{"-f", hpa, "--shape", "step:to=1", "--plot", "x.gif"}, `--plot=x.gif: unknown image format ".gif"`},
		"bad load model":       {[]string{"-f", hpa, "--shape", "step:to=1", "--load-model", "shared,qps=lumpy"}, `--load-model: "lumpy" is not a load model`},
		"bad request":          {[]string{"-f", hpa, "--shape", "step:to=1", "--pod-requests", "cpu=lots"}, `--pod-requests: cpu="lots" is not a quantity`},
		"zero request":         {[]string{"-f", hpa, "--shape", "step:to=1", "--pod-requests", "cpu=0"}, "--pod-requests: cpu=0 must be more than 0"},
		"negative replicas":    {[]string{"-f", hpa, "--shape", "step:to=1", "--replicas", "-3"}, "--replicas=-3: must not be negative"},
		"zero sync period":     {[]string{"-f", hpa, "--shape", "step:to=1", "--sync-period", "0s"}, "must be more than 0"},
		"negative tolerance":   {[]string{"-f", hpa, "--shape", "step:to=1", "--tolerance", "-1"}, "--tolerance=-1: must not be negative"},
		"missing manifest":     {[]string{"-f", filepath.Join(t.TempDir(), "none.yaml"), "--shape", "step:to=1"}, "none.yaml"},
		"shape for no metric":  {[]string{"-f", hpa, "--shape", "cpu=step:to=1"}, `--shape: shape "cpu=step:to=1": "cpu" names no metric of the autoscaler`},
		"trace without metric": {[]string{"-f", hpa, "--trace", writeFile(t, "cpu.csv", "time,cpu\n0,1\n")}, `cpu.csv:1: column "cpu": "cpu" names no metric`},
		"compare lacks metric": {[]string{"-f", hpa, "--compare", writeFile(t, "cpu.yaml", `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: cpu}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
`), "--shape", "step:to=1"}, `cpu.yaml: trace step:to=1: column "pods/qps": "pods/qps" names no metric`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := parseOptions(t, tc.args...)
			err := o.Execute(Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Execute(%q) error = %v, want one containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseLoadModel(t *testing.T) {
	tests := map[string]struct {
		def  LoadModel
		per  map[string]LoadModel
		want string
	}{
		"shared":                     {def: LoadShared},
		"fixed":                      {def: LoadFixed},
		"":                           {def: LoadShared},
		"qps=fixed":                  {def: LoadShared, per: map[string]LoadModel{"qps": LoadFixed}},
		"fixed, cpu=shared, 1=fixed": {def: LoadFixed, per: map[string]LoadModel{"cpu": LoadShared, "1": LoadFixed}},
		"shared,fixed":               {want: "two models for every metric"},
		"cpu=":                       {want: `"" is not a load model`},
		"=fixed":                     {want: `no metric before "="`},
		"elastic":                    {want: `"elastic" is not a load model: use shared or fixed`},
	}
	for in, tc := range tests {
		t.Run(in, func(t *testing.T) {
			def, per, err := ParseLoadModel(in)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("ParseLoadModel(%q) error = %v, want one containing %q", in, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if def != tc.def {
				t.Errorf("default = %s, want %s", def, tc.def)
			}
			if diff := cmp.Diff(tc.per, per); diff != "" {
				t.Errorf("per metric (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunNames(t *testing.T) {
	got := runNames([]string{"a/hpa.yaml", "b/hpa.yaml", "-", "x/other.json"})
	if diff := cmp.Diff([]string{"hpa", "hpa#2", "stdin", "other"}, got); diff != "" {
		t.Errorf("runNames (-want +got):\n%s", diff)
	}
}

func TestCompareRunsShareTheTrace(t *testing.T) {
	o := parseOptions(t, "-f", "testdata/hpa/docs-default-behavior.yaml", "--compare", "testdata/hpa/docs-scale-down-window-60s.yaml",
		"--trace", "testdata/traces/step-up-down.csv")
	runs, err := o.Simulate(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Scenario.Trace != runs[1].Scenario.Trace {
		t.Fatalf("got %d runs; they must share one trace", len(runs))
	}
	if len(runs[0].Ticks) != len(runs[1].Ticks) {
		t.Fatalf("runs have %d and %d ticks", len(runs[0].Ticks), len(runs[1].Ticks))
	}
	// The shorter window scales down sooner: fewer pod-minutes, same scale-up.
	a, b := runs[0].Summary, runs[1].Summary
	if !(b.PodMinutes < a.PodMinutes) || a.ScaleUps != b.ScaleUps {
		t.Errorf("summaries: default %+v, 60s window %+v", a, b)
	}
}

func TestWriteFormats(t *testing.T) {
	o := parseOptions(t, "-f", "testdata/hpa/docs-default-behavior.yaml", "--trace", "testdata/traces/step-up-down.csv", "--duration", "2m")
	runs, err := o.Simulate(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{OutputTable, OutputCSV, OutputJSON, OutputReplay, OutputNone} {
		t.Run(format, func(t *testing.T) {
			o.Output = format
			plot := filepath.Join(t.TempDir(), "p.png")
			o.Plots = []string{plot}
			var out, errOut bytes.Buffer
			if err := o.Write(Streams{Out: &out, ErrOut: &errOut}, runs); err != nil {
				t.Fatal(err)
			}
			if (format == OutputNone) != (out.Len() == 0) {
				t.Errorf("-o %s wrote %d bytes", format, out.Len())
			}
			if errOut.String() != "wrote "+plot+"\n" {
				t.Errorf("stderr = %q, want a note of the plot written", errOut.String())
			}
		})
	}
}
