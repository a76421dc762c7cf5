package decision

import (
	"testing"
	"time"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// steadyInput is a steady-state autoscaler like the ones of the scale targets in
// ARCHITECTURE.md: CPU utilization and two external metrics, ten pods, a behavior, and a
// history that already holds the current recommendation.
func steadyInput(b testing.TB) Input {
	tc := ctrlCase{min: 2, max: 50, specReplicas: 10, statusReplicas: 10, cpuTarget: 50,
		metrics: []v2.MetricSpec{externalQPS(10000), externalQPSPerPod(1000)},
		levels:  repeat(500, 10), requests: repeat(1000, 10),
		down: scalingRules(1, 60, 10, 60, 300)}
	in := tc.input()
	in.Metrics[1].Values = []int64{10000}
	in.Metrics[2].Values = []int64{4000, 6000}
	d := Decide(in)
	if d.Scale {
		b.Fatalf("the benchmark input must be steady: %s", d.Explain())
	}
	in.History, in.LastRecommendationTime = d.History, d.LastRecommendationTime
	in.Now = in.Now.Add(15 * time.Second)
	return in
}

// BenchmarkDecideSteady measures one steady-state decision, the common case at scale.
func BenchmarkDecideSteady(b *testing.B) {
	in := steadyInput(b)
	b.ReportAllocs()
	for b.Loop() {
		d := Decide(in)
		if d.Scale {
			b.Fatal("unexpected scale")
		}
	}
}

// BenchmarkDecideScaleUp measures a decision that rescales and records a scale event.
func BenchmarkDecideScaleUp(b *testing.B) {
	in := steadyInput(b)
	for i := range in.Metrics[0].PodMetrics {
		in.Metrics[0].PodMetrics[i].MilliValue = 1000
	}
	b.ReportAllocs()
	for b.Loop() {
		d := Decide(in)
		if !d.Scale {
			b.Fatal("expected a scale")
		}
	}
}

// TestDecideSteadyAllocations keeps a steady-state decision allocation-light: the metric
// results, the conditions, and the one message that names the winning metric.
func TestDecideSteadyAllocations(t *testing.T) {
	in := steadyInput(t)
	if allocs := testing.AllocsPerRun(200, func() { Decide(in) }); allocs > 4 {
		t.Errorf("a steady-state decision allocates %.0f times, want at most 4", allocs)
	}
}
