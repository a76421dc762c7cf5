package replicas

import (
	"testing"
)

func benchmarkPodUtilization(b *testing.B, pods int, reversed bool) {
	w := world{current: int32(pods), requests: repeat(500, pods), levels: levels(repeat(300, pods)...)}
	in := PodMetricInput{Now: now, CurrentReplicas: int32(pods), Tolerances: testTolerance, Readiness: testReadiness,
		Pods: w.pods(cpu), Metrics: w.resourceMetrics(""), Resource: cpu, TargetUtilization: 50}
	if reversed {
		for i, j := 0, len(in.Metrics)-1; i < j; i, j = i+1, j-1 {
			in.Metrics[i], in.Metrics[j] = in.Metrics[j], in.Metrics[i]
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PodUtilization(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPodUtilization10 measures a CPU utilization proposal over 10 pods whose values come
// in the pods' order.
func BenchmarkPodUtilization10(b *testing.B) { benchmarkPodUtilization(b, 10, false) }

// BenchmarkPodUtilization500Unordered measures 500 pods whose values come in another order
// (an index is built).
func BenchmarkPodUtilization500Unordered(b *testing.B) { benchmarkPodUtilization(b, 500, true) }

// TestPodUtilizationAllocations checks that a proposal over pods whose values come in their
// order allocates nothing.
func TestPodUtilizationAllocations(t *testing.T) {
	w := world{current: 50, requests: repeat(500, 50), levels: levels(repeat(300, 50)...)}
	in := PodMetricInput{Now: now, CurrentReplicas: 50, Tolerances: testTolerance, Readiness: testReadiness,
		Pods: w.pods(cpu), Metrics: w.resourceMetrics(""), Resource: cpu, TargetUtilization: 50}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = PodUtilization(in) }); allocs != 0 {
		t.Errorf("PodUtilization allocates %.0f times, want 0", allocs)
	}
}
