package metrics

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// ResourceValues reduces PodMetrics to per-pod values of one resource.
//
// With container empty, a pod's value is the sum over its containers; a pod
// with no containers, or with a container that lacks the resource, gets no
// value. With container set, a pod's value is that container's usage; pods
// without that container, or whose container lacks the resource, get no value.
// Timestamp is the oldest timestamp among items (zero for no items).
func ResourceValues(items []metricsv1beta1.PodMetrics, resource corev1.ResourceName, container string) PodValues {
	out := PodValues{Values: make(map[string]PodValue, len(items))}
	for i := range items {
		m := &items[i]
		ts := m.Timestamp.Time
		out.Timestamp = oldest(out.Timestamp, ts)
		v, ok := podValue(m, resource, container)
		if !ok {
			continue
		}
		out.Values[m.Name] = PodValue{MilliValue: v, Timestamp: ts, Window: m.Window.Duration}
	}
	return out
}

func podValue(m *metricsv1beta1.PodMetrics, resource corev1.ResourceName, container string) (int64, bool) {
	if container != "" {
		for _, c := range m.Containers {
			if c.Name != container {
				continue
			}
			q, ok := c.Usage[resource]
			if !ok {
				return 0, false
			}
			return q.MilliValue(), true
		}
		return 0, false
	}
	if len(m.Containers) == 0 {
		return 0, false
	}
	var sum int64
	for _, c := range m.Containers {
		q, ok := c.Usage[resource]
		if !ok {
			return 0, false
		}
		sum += q.MilliValue()
	}
	return sum, true
}

// oldest returns the earlier of a and b, treating zero as unset.
func oldest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// OldestTimestamp returns the oldest of ts, ignoring zero times.
func OldestTimestamp(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		out = oldest(out, t)
	}
	return out
}
