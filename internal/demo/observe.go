package demo

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Sample is what the demo saw of every workload at one moment of the load.
type Sample struct {
	// At is the time since the load started.
	At time.Duration
	// Phase and Level are the load shape's at At.
	Phase Phase
	Level float64
	// Workloads are in the order of Scenario.Workloads.
	Workloads []WorkloadSample
}

// WorkloadSample is one workload at one moment.
type WorkloadSample struct {
	// Demand is the load driven, in the unit of Workload.Load; Needed the replicas it needs at
	// the target.
	Demand float64
	Needed int32
	// Replicas is the Deployment's spec.replicas, Ready its ready pods.
	Replicas, Ready int32
	// Observed says whether the autoscaler has a status yet.
	Observed bool
	// CurrentReplicas and DesiredReplicas are the autoscaler's status.
	CurrentReplicas, DesiredReplicas int32
	// Value is the metric's current value in the autoscaler's status (percent for CPU
	// utilization, the average for an external metric); HasValue says whether there is one.
	Value    float64
	HasValue bool
	// ScalingActive is the reason of the ScalingActive condition, e.g. ValidMetricFound.
	ScalingActive string
}

// Event is the latest event of an autoscaler.
type Event struct {
	Reason, Message string
	At              time.Time
}

// observe reads every workload's Deployment and autoscaler and sets its metric to the demand
// at t: a CPU demand is shared by the ready pods.
func (r *run) observe(ctx context.Context, t time.Duration) (Sample, error) {
	phase, level := r.shape.At(t)
	s := Sample{At: t, Phase: phase, Level: level, Workloads: make([]WorkloadSample, len(r.scenario.Workloads))}
	for i := range r.scenario.Workloads {
		w := &r.scenario.Workloads[i]
		ws := &s.Workloads[i]
		d, err := r.kube.AppsV1().Deployments(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
		if err != nil {
			return s, fmt.Errorf("reading Deployment %s: %w", w.Key(), err)
		}
		ws.Replicas, ws.Ready = ptr.Deref(d.Spec.Replicas, 1), d.Status.ReadyReplicas
		ws.Demand = w.Load.At(level)
		ws.Needed = w.Needed(ws.Demand)
		if err := r.setMetric(ctx, w, ws.Demand, ws.Ready); err != nil {
			return s, err
		}
		hpa := &mhpav2.HorizontalPodAutoscaler{}
		if err := r.client.Get(ctx, types.NamespacedName{Namespace: w.Namespace, Name: w.Name}, hpa); err != nil {
			if r.hpasApplied {
				return s, fmt.Errorf("reading HorizontalPodAutoscaler %s: %w", w.Key(), err)
			}
			continue
		}
		fillStatus(ws, hpa)
	}
	return s, nil
}

// fillStatus copies what the autoscaler's status says into ws.
func fillStatus(ws *WorkloadSample, hpa *mhpav2.HorizontalPodAutoscaler) {
	st := &hpa.Status
	ws.Observed = st.ObservedGeneration != nil || st.CurrentReplicas > 0 || len(st.Conditions) > 0
	ws.CurrentReplicas, ws.DesiredReplicas = st.CurrentReplicas, st.DesiredReplicas
	ws.Value, ws.HasValue = metricValue(st.CurrentMetrics)
	for _, c := range st.Conditions {
		if c.Type == mhpav2.ScalingActive {
			ws.ScalingActive = c.Reason
		}
	}
}

// metricValue returns the value of the first active metric in a status: an average
// utilization in percent, or an average value, or a value.
func metricValue(metrics []mhpav2.MetricStatus) (float64, bool) {
	for _, m := range metrics {
		if m.Shadow {
			continue
		}
		var cur *mhpav2.MetricValueStatus
		switch {
		case m.PodResource != nil:
			cur = &m.PodResource.Current
		case m.ContainerResource != nil:
			cur = &m.ContainerResource.Current
		case m.External != nil:
			cur = &m.External.Current
		case m.Pods != nil:
			cur = &m.Pods.Current
		case m.Object != nil:
			cur = &m.Object.Current
		default:
			continue
		}
		switch {
		case cur.AverageUtilization != nil:
			return float64(*cur.AverageUtilization), true
		case cur.AverageValue != nil:
			return cur.AverageValue.AsApproximateFloat64(), true
		case cur.Value != nil:
			return cur.Value.AsApproximateFloat64(), true
		}
	}
	return math.NaN(), false
}

// latestEvents returns the latest event of each workload's autoscaler, by namespace/name.
func (r *run) latestEvents(ctx context.Context) (map[string]Event, error) {
	namespaces := map[string]bool{}
	for _, w := range r.scenario.Workloads {
		namespaces[w.Namespace] = true
	}
	out := map[string]Event{}
	for ns := range namespaces {
		list, err := r.kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=HorizontalPodAutoscaler"})
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			ev := &list.Items[i]
			key := ns + "/" + ev.InvolvedObject.Name
			at := eventTime(ev)
			if prev, ok := out[key]; !ok || !at.Before(prev.At) {
				out[key] = Event{Reason: ev.Reason, Message: ev.Message, At: at}
			}
		}
	}
	return out, nil
}

// eventTime is when an event last happened.
func eventTime(ev *corev1.Event) time.Time {
	times := []time.Time{ev.LastTimestamp.Time, ev.EventTime.Time, ev.FirstTimestamp.Time, ev.CreationTimestamp.Time}
	if ev.Series != nil {
		times = append(times, ev.Series.LastObservedTime.Time)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].After(times[j]) })
	return times[0]
}
