package replicas

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The fixtures below rebuild the world of upstream's replica calculator tests: pods named
// test-pod-<i>, each with two containers (container1, container2) that request the same
// amount, running and ready unless told otherwise, metrics measured now over a one-minute
// window, and upstream's test settings for tolerance (10%), CPU initialization period
// (2 minutes) and initial readiness delay (10 seconds).

var (
	now = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	// hot is the start time of a pod within its CPU initialization period.
	hot = now
	// cool is the start time of a pod past its CPU initialization period.
	cool = now.Add(-3 * time.Minute)
	// longAgo is the start time of pods whose start time the case does not set.
	longAgo = now.Add(-time.Hour)

	testReadiness = Readiness{CPUInitializationPeriod: 2 * time.Minute, InitialReadinessDelay: 10 * time.Second}
	testTolerance = Uniform(0.1)
)

const (
	cpu    = corev1.ResourceCPU
	memory = corev1.ResourceMemory
)

// world describes the pods and per-pod values of a case.
type world struct {
	// current is the current replica count; there are max(current, len(phase)) pods.
	current int32
	// ready, start, phase and deleting describe pod i (defaults: True, longAgo, Running,
	// false).
	ready    []corev1.ConditionStatus
	start    []time.Time
	phase    []corev1.PodPhase
	deleting []bool
	// requests[i] is what each container of pod i requests (of the case's resource); pods
	// beyond the list request nothing.
	requests []int64
	// levels[i] are the container values of pod i (resource metrics); pods beyond the list
	// have no value.
	levels [][]int64
	// values[i] is the value of pod i (pods metrics).
	values []int64
	// podNames overrides the names the values are reported for.
	podNames []string
}

func podName(i int) string { return fmt.Sprintf("test-pod-%d", i) }

func (w world) pods(res corev1.ResourceName) []Pod {
	n := max(int(w.current), len(w.phase))
	out := make([]Pod, n)
	for i := range out {
		p := Pod{Name: podName(i), Phase: corev1.PodRunning, Ready: corev1.ConditionTrue, StartTime: longAgo}
		if i < len(w.ready) {
			p.Ready = w.ready[i]
		}
		if i < len(w.start) {
			p.StartTime = w.start[i]
		}
		p.ReadyTransition = p.StartTime
		if i < len(w.phase) {
			p.Phase = w.phase[i]
		}
		if i < len(w.deleting) {
			p.Deleting = w.deleting[i]
		}
		c1, c2 := Container{Name: "container1"}, Container{Name: "container2"}
		if i < len(w.requests) {
			c1.Requests = []ResourceAmount{{Name: res, MilliValue: w.requests[i]}}
			c2.Requests = []ResourceAmount{{Name: res, MilliValue: w.requests[i]}}
		}
		p.Containers = []Container{c1, c2}
		out[i] = p
	}
	return out
}

// resourceMetrics are the values a resource metrics API would give: the sum over the
// containers, or the named container's value (no value when that container has none).
func (w world) resourceMetrics(container string) []PodMetric {
	var out []PodMetric
	for i, lv := range w.levels {
		name := podName(i)
		if i < len(w.podNames) {
			name = w.podNames[i]
		}
		var v int64
		switch container {
		case "":
			for _, c := range lv {
				v += c
			}
		case "container1", "container2":
			idx := int(container[len(container)-1] - '1')
			if idx >= len(lv) {
				continue
			}
			v = lv[idx]
		}
		out = append(out, PodMetric{Pod: name, MilliValue: v, Timestamp: now, Window: time.Minute})
	}
	return out
}

func (w world) podsMetrics() []PodMetric {
	out := make([]PodMetric, len(w.values))
	for i, v := range w.values {
		out[i] = PodMetric{Pod: podName(i), MilliValue: v, Timestamp: now, Window: time.Minute}
	}
	return out
}

// levels gives each pod two containers with the same value.
func levels(perContainer ...int64) [][]int64 {
	out := make([][]int64, len(perContainer))
	for i, v := range perContainer {
		out[i] = []int64{v, v}
	}
	return out
}

func conds(s ...corev1.ConditionStatus) []corev1.ConditionStatus { return s }

const (
	T = corev1.ConditionTrue
	F = corev1.ConditionFalse
)

var (
	running = corev1.PodRunning
	pending = corev1.PodPending
	failed  = corev1.PodFailed
)

func repeat(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
