package simulate

import (
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
)

// Summary sums up a run: what the capacity cost and how well it followed the demand.
//
// The needed capacity at a tick is the replica count that brings every driving metric to its
// target at that tick's demand (the demand divided by what one pod may carry at the target:
// its request times the target utilization, or the target average value, or the target
// value); it is known at a tick when every driving metric has the shared load model and a
// value. The workload is under-provisioned while fewer pods are ready than needed; ticks
// whose need is unknown count neither way.
type Summary struct {
	// Duration is the simulated time: one sync period per decision.
	Duration time.Duration `json:"-"`
	// Decisions is the number of decisions.
	Decisions int `json:"decisions"`
	// ScaleUps counts the scale-ups.
	ScaleUps int `json:"scaleUps"`
	// ScaleDowns counts the scale-downs.
	ScaleDowns int `json:"scaleDowns"`
	// ScaleEvents counts both.
	ScaleEvents int `json:"scaleEvents"`
	// PodMinutes is the pods' time: the replica count integrated over the run, in minutes.
	PodMinutes float64 `json:"podMinutes"`
	// MinReplicas is the lowest replica count of the run.
	MinReplicas int32 `json:"minReplicas"`
	// MaxReplicas is the highest replica count of the run.
	MaxReplicas int32 `json:"maxReplicas"`
	// NeededTicks is the number of ticks at which the needed capacity was known.
	NeededTicks int `json:"neededTicks"`
	// PeakNeeded is the highest needed capacity of the run.
	PeakNeeded int32 `json:"peakNeeded"`
	// UnderProvisioned is the time during which fewer pods were ready than needed.
	UnderProvisioned time.Duration `json:"-"`
	// TimeToCapacity is the longest time it took from the moment fewer pods were ready
	// than needed until enough were ready again.
	TimeToCapacity time.Duration `json:"-"`
	// CapacityReached is false when the run ended under-provisioned: the last stretch
	// counted in TimeToCapacity had not ended.
	CapacityReached bool `json:"capacityReached"`
	// ExcessPodMinutes is the pods' time beyond the needed capacity, in minutes.
	ExcessPodMinutes float64 `json:"excessPodMinutes"`
}

// summarize sums up the ticks of a run.
func summarize(r *Result) Summary {
	period := r.Scenario.SyncPeriod
	s := Summary{Decisions: len(r.Ticks), CapacityReached: true}
	s.Duration = time.Duration(len(r.Ticks)) * period
	var under time.Duration
	for i := range r.Ticks {
		t := &r.Ticks[i]
		d := &t.Decision
		if d.Scale {
			s.ScaleEvents++
			if d.DesiredReplicas > d.CurrentReplicas {
				s.ScaleUps++
			} else {
				s.ScaleDowns++
			}
		}
		if i == 0 {
			s.MinReplicas, s.MaxReplicas = t.Replicas, t.Replicas
		}
		s.MinReplicas = min(s.MinReplicas, t.Replicas, t.Decision.CurrentReplicas)
		s.MaxReplicas = max(s.MaxReplicas, t.Replicas, t.Decision.CurrentReplicas)
		s.PodMinutes += float64(t.Replicas) * period.Minutes()
		if t.Needed < 0 {
			continue
		}
		s.NeededTicks++
		s.PeakNeeded = max(s.PeakNeeded, t.Needed)
		s.ExcessPodMinutes += float64(max(0, t.Replicas-t.Needed)) * period.Minutes()
		if t.Pods.Ready < t.Needed {
			s.UnderProvisioned += period
			under += period
			s.TimeToCapacity = max(s.TimeToCapacity, under)
		} else {
			under = 0
		}
	}
	s.CapacityReached = under == 0
	return s
}

// needed is the replica count that brings every driving metric to its target at the given
// demand, or -1 when unknown: with the fixed load model, or when a driving metric has no
// value or no target the simulation can relate to demand.
func needed(sc *Scenario, metrics []MetricInfo, loads []LoadModel, demand []float64) int32 {
	out := int32(-1)
	for i := range metrics {
		m := &metrics[i]
		if m.Spec.Shadow {
			continue
		}
		if loads[i] != LoadShared {
			return -1
		}
		perPod := capacity(sc, m)
		if math.IsNaN(demand[i]) || math.IsNaN(perPod) || perPod <= 0 {
			return -1
		}
		n := math.Ceil(demand[i]/perPod - 1e-9)
		out = max(out, int32(min(n, math.MaxInt32)))
	}
	return out
}

// capacity is what one ready pod may carry of a metric's demand at its target.
func capacity(sc *Scenario, m *MetricInfo) float64 {
	switch m.Target {
	case decision.TargetUtilization:
		return podRequest(sc, m) * m.TargetValue / 100
	case decision.TargetAverageValue, decision.TargetValue:
		return m.TargetValue
	}
	return math.NaN()
}

// podRequest is the request a utilization target is relative to: the named container's for a
// containerResource metric, the pod's (all its containers') otherwise.
func podRequest(sc *Scenario, m *MetricInfo) float64 {
	q, ok := sc.Model.Requests[m.Resource]
	if !ok {
		return math.NaN()
	}
	per := q.AsApproximateFloat64()
	if m.Spec.Type == v2.ContainerResourceMetricSourceType {
		return per
	}
	return per * float64(len(containersFor(&sc.HPA.Spec, corev1.ResourceList{m.Resource: q})))
}
