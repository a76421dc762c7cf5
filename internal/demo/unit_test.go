package demo

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
)

func TestDefaultScenario(t *testing.T) {
	sc, err := DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	type workload struct {
		Key, Group, Metric string
		Kind               MetricKind
		Target             float64
		Selector           string
		NeededBase, Peak   int32
	}
	var got []workload
	for _, w := range sc.Workloads {
		got = append(got, workload{w.Key(), w.Group, w.Metric, w.Kind, w.Target, w.PodSelector, w.Needed(w.Load.Base), w.Needed(w.Load.Peak)})
	}
	want := []workload{
		{"demo/web", "metrics.k8s.io", "cpu", CPUUtilization, 50, "app=web", 1, 8},
		{"demo/worker", "external.metrics.k8s.io", "queue_messages_ready", ExternalAverage, 30, "app=worker", 1, 6},
		{"tenant-a/checkout", "tenant-a.external.metrics.k8s.io", "requests_per_second", ExternalAverage, 100, "app=checkout", 1, 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("workloads (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, o := range sc.Objects {
		kinds = append(kinds, o.GetKind()+" "+objectKey(o))
	}
	wantKinds := []string{"Namespace demo", "Deployment demo/web", "Deployment demo/worker", "Namespace tenant-a", "Deployment tenant-a/checkout"}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("objects applied first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"metrics.k8s.io", "external.metrics.k8s.io", "tenant-a.external.metrics.k8s.io"}, sc.Groups()); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestLoadScenarioErrors(t *testing.T) {
	deployment := `apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: ns}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: c, image: x}]
---
`
	hpa := func(metrics string) string {
		return deployment + `apiVersion: autoscaling.mhpa.dev/v2
kind: HorizontalPodAutoscaler
metadata: {name: app, namespace: ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
  maxReplicas: 5
  metrics: ` + metrics + "\n"
	}
	external := `[{type: External, external: {metric: {name: m}, target: {type: AverageValue, averageValue: "10"}}}]`
	for name, tc := range map[string]struct {
		file    string
		loads   map[string]Load
		wantErr string
	}{
		"no load": {file: hpa(external), wantErr: "samples/a.yaml: HorizontalPodAutoscaler ns/app: the demo has no load for this autoscaler"},
		"cpu without a request": {
			file:    hpa(`[{type: PodResource, podResource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]`),
			loads:   map[string]Load{"ns/app": {Base: 1, Peak: 2}},
			wantErr: "Deployment ns/app: requests no CPU: a CPU utilization target needs a request",
		},
		"two metrics": {
			file: hpa(`
    - {type: External, external: {metric: {name: m}, target: {type: AverageValue, averageValue: "10"}}}
    - {type: External, external: {metric: {name: q}, target: {type: AverageValue, averageValue: "10"}}}`),
			loads:   map[string]Load{"ns/app": {Base: 1, Peak: 2}},
			wantErr: "spec.metrics: 2 metrics: the demo drives autoscalers of exactly one metric",
		},
		"value target": {
			file:    hpa(`[{type: External, external: {metric: {name: m}, target: {type: Value, value: "10"}}}]`),
			loads:   map[string]Load{"ns/app": {Base: 1, Peak: 2}},
			wantErr: "spec.metrics[0]: unsupported metric of type External",
		},
		"no autoscaler": {file: deployment, wantErr: "samples: no HorizontalPodAutoscaler in the samples"},
		"ok":            {file: hpa(external), loads: map[string]Load{"ns/app": {Base: 1, Peak: 2}}},
	} {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{"samples/a.yaml": {Data: []byte(tc.file)}}
			_, err := loadScenario(fsys, "samples", tc.loads)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.wantErr == "" && got != "" || !strings.Contains(got, tc.wantErr) {
				t.Errorf("error = %q, want one containing %q", got, tc.wantErr)
			}
		})
	}
}

func TestServerPlan(t *testing.T) {
	names, groups := serverPlan([]string{"metrics.k8s.io", "external.metrics.k8s.io", "tenant-a.external.metrics.k8s.io",
		"custom.metrics.k8s.io", "tenant-a.custom.metrics.k8s.io", "b.metrics.k8s.io"})
	if diff := cmp.Diff([]string{"metrics-default", "metrics-tenant-a", "metrics-b"}, names); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	want := map[string][]string{
		"metrics-default":  {"metrics.k8s.io", "external.metrics.k8s.io", "custom.metrics.k8s.io"},
		"metrics-tenant-a": {"tenant-a.external.metrics.k8s.io", "tenant-a.custom.metrics.k8s.io"},
		"metrics-b":        {"b.metrics.k8s.io"},
	}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestTable(t *testing.T) {
	sc, err := DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := Sample{At: 83 * time.Second, Phase: PhasePlateau, Level: 1, Workloads: []WorkloadSample{
		{Demand: 0.78, Observed: true, CurrentReplicas: 5, DesiredReplicas: 8, Value: 75, HasValue: true},
		{Demand: 170, Observed: true, CurrentReplicas: 6, DesiredReplicas: 6, Value: 28.333, HasValue: true},
		{Demand: 460},
	}}
	events := map[string]Event{
		"demo/web": {Reason: "SuccessfulRescale", Message: "New size: 8; reason: cpu resource utilization (percentage of request) above target", At: now.Add(-4 * time.Second)},
	}
	var buf bytes.Buffer
	n, err := writeTable(&buf, tableHeader(s, FullTimings()), tableRows(sc.Workloads, s, events, now), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `mhpa demo · 1:23 of 4:00 · load: plateau (100% of peak) · sync 5s · scale-down stabilization 30s
HPA                SUBDOMAIN  METRIC                VALUE      TARGET   CURRENT → DESIRED  LOAD        LAST EVENT
demo/web           (default)  cpu                   75%        50%      5 → 8              0.78 cores  SuccessfulRescale (4s ago): New size: 8; reason: cpu resource utilization (percentage of …
demo/worker        (default)  queue_messages_ready  28.33 avg  30 avg   6 → 6              170         -
tenant-a/checkout  tenant-a   requests_per_second   -          100 avg  -                  460         -
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	if n != 5 {
		t.Errorf("writeTable reported %d lines, want 5", n)
	}

	// In a terminal of 40 columns every line is cut to 40 characters.
	buf.Reset()
	if _, err := writeTable(&buf, tableHeader(s, FullTimings()), tableRows(sc.Workloads, s, events, now), 40); err != nil {
		t.Fatal(err)
	}
	wantCut := `mhpa demo · 1:23 of 4:00 · load: plateau
HPA                SUBDOMAIN  METRIC    
demo/web           (default)  cpu       
demo/worker        (default)  queue_mess
tenant-a/checkout  tenant-a   requests_p
`
	if diff := cmp.Diff(wantCut, buf.String()); diff != "" {
		t.Errorf("table cut to 40 columns (-want +got):\n%s", diff)
	}
}

func TestSummarize(t *testing.T) {
	sc, err := DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	shape := DefaultShape(100 * time.Second)
	sample := func(at time.Duration, replicas ...int32) Sample {
		s := Sample{At: at * time.Second}
		for _, r := range replicas {
			s.Workloads = append(s.Workloads, WorkloadSample{Replicas: r})
		}
		return s
	}
	samples := []Sample{
		sample(0, 1, 1, 1),
		sample(5, 1, 9, 1),  // before the rise: not counted as the peak
		sample(30, 4, 3, 1), // rise
		sample(50, 8, 3, 1), // plateau
		sample(95, 1, 3, 1), // calm
	}
	got := Summarize(sc.Workloads, shape, samples)
	want := []WorkloadSummary{
		{Key: "demo/web", Start: 1, Peak: 8, End: 1, NeededAtPeak: 8},
		{Key: "demo/worker", Start: 1, Peak: 3, End: 3, NeededAtPeak: 6},
		{Key: "tenant-a/checkout", Start: 1, Peak: 1, End: 1, NeededAtPeak: 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
	for i, wantFollowed := range []bool{true, false, false} {
		if got[i].Followed() != wantFollowed {
			t.Errorf("%s: Followed() = %v, want %v", got[i].Key, got[i].Followed(), wantFollowed)
		}
	}
}

func TestMetricValue(t *testing.T) {
	q := func(s string) *resource.Quantity { return ptr.To(resource.MustParse(s)) }
	for name, tc := range map[string]struct {
		metrics []mhpav2.MetricStatus
		want    float64
		ok      bool
	}{
		"none": {want: math.NaN()},
		"utilization": {metrics: []mhpav2.MetricStatus{{Type: mhpav2.PodResourceMetricSourceType,
			PodResource: &mhpav2.ResourceMetricStatus{Name: "cpu", Current: mhpav2.MetricValueStatus{AverageUtilization: ptr.To[int32](47), AverageValue: q("94m")}}}},
			want: 47, ok: true},
		"external average": {metrics: []mhpav2.MetricStatus{{Type: mhpav2.ExternalMetricSourceType,
			External: &mhpav2.ExternalMetricStatus{Current: mhpav2.MetricValueStatus{AverageValue: q("27500m")}}}},
			want: 27.5, ok: true},
		"shadow skipped": {metrics: []mhpav2.MetricStatus{
			{Type: mhpav2.ExternalMetricSourceType, Shadow: true, External: &mhpav2.ExternalMetricStatus{Current: mhpav2.MetricValueStatus{Value: q("1")}}},
			{Type: mhpav2.ExternalMetricSourceType, External: &mhpav2.ExternalMetricStatus{Current: mhpav2.MetricValueStatus{Value: q("2")}}}},
			want: 2, ok: true},
	} {
		t.Run(name, func(t *testing.T) {
			got, ok := metricValue(tc.metrics)
			if ok != tc.ok || !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Errorf("metricValue = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestOptions(t *testing.T) {
	root := t.TempDir()
	for name, tc := range map[string]struct {
		opts    Options
		wantErr string
		check   func(t *testing.T, o Options)
	}{
		"defaults": {opts: Options{RepoRoot: root}, check: func(t *testing.T, o Options) {
			if o.Timings != FullTimings() || o.WorkDir != root+"/_output/demo" || o.Plot != root+"/_output/demo/mhpa-demo.png" || o.BinDir != root+"/bin" {
				t.Errorf("defaults: %+v", o)
			}
		}},
		"short": {opts: Options{RepoRoot: root, Short: true}, check: func(t *testing.T, o Options) {
			if o.Timings != ShortTimings() {
				t.Errorf("timings %+v, want the short ones", o.Timings)
			}
		}},
		"too short for the sync": {
			opts:    Options{RepoRoot: root, Timings: Timings{Duration: time.Minute, SyncPeriod: 5 * time.Second, Refresh: time.Second}},
			wantErr: "--duration: invalid value 1m0s: must be at least 20 sync periods (1m40s) for the autoscalers to follow the load",
		},
		"bad plot": {opts: Options{RepoRoot: root, Plot: "x.jpg"}, wantErr: `--plot: invalid value "x.jpg": must end in .png or .svg`},
		"negative": {
			opts:    Options{RepoRoot: root, Timings: Timings{Duration: time.Hour, SyncPeriod: time.Second, Refresh: -time.Second, PodStartup: -1}},
			wantErr: "--refresh: invalid value -1s: must be positive\n--pod-startup: invalid value -1ns: must not be negative",
		},
	} {
		t.Run(name, func(t *testing.T) {
			o, err := tc.opts.withDefaults()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Fatalf("error = %q, want %q", got, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
}

func TestApplyShort(t *testing.T) {
	o := Options{Short: true, Timings: FullTimings()}
	o.Duration = 90 * time.Second
	o.ApplyShort(func(flag string) bool { return flag == "duration" })
	want := ShortTimings()
	want.Duration = 90 * time.Second
	if diff := cmp.Diff(want, o.Timings); diff != "" {
		t.Errorf("timings (-want +got):\n%s", diff)
	}
}

func TestFindRepoRoot(t *testing.T) {
	root, err := FindRepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FindRepoRoot(t.TempDir()); err == nil || !strings.Contains(err.Error(), "pass --repo") {
		t.Errorf("FindRepoRoot outside a checkout: %v", err)
	}
	if !strings.HasSuffix(SamplesDir, "samples") || root == "" {
		t.Errorf("root %q", root)
	}
}
