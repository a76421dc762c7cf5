package demo

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// syntheticRun plays a run without a cluster: each workload's replicas follow what the load
// needs two seconds later, and the metric is what that many pods would report.
func syntheticRun(t *testing.T, d time.Duration) ([]Workload, []Sample) {
	t.Helper()
	sc, err := DefaultScenario()
	if err != nil {
		t.Fatal(err)
	}
	shape := DefaultShape(d)
	var samples []Sample
	for at := time.Duration(0); at <= d; at += time.Second {
		phase, level := shape.At(at)
		_, lagged := shape.At(at - 2*time.Second)
		s := Sample{At: at, Phase: phase, Level: level}
		for _, w := range sc.Workloads {
			demand := w.Load.At(level)
			replicas := w.Needed(w.Load.At(lagged))
			value := demand / float64(replicas)
			if w.Kind == CPUUtilization {
				value = math.Round(value / w.CPURequest * 100)
			}
			s.Workloads = append(s.Workloads, WorkloadSample{
				Demand: demand, Needed: w.Needed(demand), Replicas: replicas, Ready: replicas,
				Observed: true, CurrentReplicas: replicas, DesiredReplicas: w.Needed(demand),
				Value: value, HasValue: at > 3*time.Second, ScalingActive: "ValidMetricFound",
			})
		}
		samples = append(samples, s)
	}
	return sc.Workloads, samples
}

func TestWritePlot(t *testing.T) {
	workloads, samples := syntheticRun(t, 90*time.Second)
	in := PlotInput{Workloads: workloads, Samples: samples, Timings: ShortTimings()}
	dir := t.TempDir()

	pngPath := filepath.Join(dir, "demo.png")
	if err := WritePlot(pngPath, in); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", pngPath, err)
	}
	// 14 inches wide at 110 dpi; a title, a legend of one line and a row of 3.3 inches per
	// workload.
	wantH := int(math.Ceil((0.55 + 21.0/72 + 3.3*float64(len(workloads))) * 110))
	if b := img.Bounds(); b.Dx() != 1540 || b.Dy() != wantH {
		t.Errorf("size %dx%d, want 1540x%d", b.Dx(), b.Dy(), wantH)
	}

	svgPath := filepath.Join(dir, "demo.svg")
	if err := WritePlot(svgPath, in); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"mhpa demo: replicas follow the load (sync period 2s, scale-down stabilization 6s)",
		"replicas (Deployment)", "ready pods", "desired (autoscaler status)", "needed for the load", "min and max replicas",
		"scale up", "scale down", "replicas (pods)", "time since the load started (seconds)",
		"demo/web: replicas", "demo/worker: replicas", "tenant-a/checkout: replicas",
		"from tenant-a.external.metrics.k8s.io", "from metrics.k8s.io", "cpu utilization (% of request)",
		"target 50%", "target 30 per pod", "target 100 per pod", "value the autoscaler saw (status)",
	} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("the SVG has no text %q", want)
		}
	}

	if err := WritePlot(filepath.Join(dir, "empty.png"), PlotInput{Workloads: workloads}); err == nil {
		t.Error("a plot of no samples was written without an error")
	}
}

func TestPlotTimeAxis(t *testing.T) {
	workloads, samples := syntheticRun(t, 4*time.Minute)
	var buf bytes.Buffer
	fig, err := plotFigure(PlotInput{Workloads: workloads, Samples: samples, Timings: FullTimings()})
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Render(&buf, "svg"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "time since the load started (minutes)") {
		t.Error("a 4 minute run's time axis is not in minutes")
	}
}
