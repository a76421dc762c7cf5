package shadow

import (
	"k8s.io/apimachinery/pkg/api/equality"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
)

// Pair is a shadow metric and the active metric it shadows, as indexes into spec.metrics.
type Pair struct {
	// Shadow is the index of the shadow metric.
	Shadow int
	// Active is the index of the active metric.
	Active int
}

// Pairs returns the shadow/active pairs of metrics, in the order of the shadow metrics. A
// shadow metric without an active metric of the same kind and target is in no pair.
func Pairs(metrics []v2.MetricSpec) []Pair {
	var out []Pair
	for i := range metrics {
		s := &metrics[i]
		if !s.Shadow {
			continue
		}
		best, bestSame := -1, false
		for j := range metrics {
			a := &metrics[j]
			if a.Shadow || !sameKindAndTarget(s, a) {
				continue
			}
			same := sameMetric(s, a)
			if best < 0 || (same && !bestSame) {
				best, bestSame = j, same
			}
			if same {
				break
			}
		}
		if best >= 0 {
			out = append(out, Pair{Shadow: i, Active: best})
		}
	}
	return out
}

// HasShadow reports whether metrics has a shadow metric.
func HasShadow(metrics []v2.MetricSpec) bool {
	for i := range metrics {
		if metrics[i].Shadow {
			return true
		}
	}
	return false
}

// sameKindAndTarget reports whether two metrics are of the same type, name the same resource
// (and container) if they are resource metrics, and have the same target.
func sameKindAndTarget(a, b *v2.MetricSpec) bool {
	if a.Type != b.Type {
		return false
	}
	switch {
	case a.Type == v2.PodResourceMetricSourceType && a.PodResource != nil && b.PodResource != nil:
		return a.PodResource.Name == b.PodResource.Name && sameTarget(&a.PodResource.Target, &b.PodResource.Target)
	case a.Type == v2.ContainerResourceMetricSourceType && a.ContainerResource != nil && b.ContainerResource != nil:
		return a.ContainerResource.Name == b.ContainerResource.Name && a.ContainerResource.Container == b.ContainerResource.Container &&
			sameTarget(&a.ContainerResource.Target, &b.ContainerResource.Target)
	case a.Type == v2.PodsMetricSourceType && a.Pods != nil && b.Pods != nil:
		return sameTarget(&a.Pods.Target, &b.Pods.Target)
	case a.Type == v2.ObjectMetricSourceType && a.Object != nil && b.Object != nil:
		return sameTarget(&a.Object.Target, &b.Object.Target)
	case a.Type == v2.ExternalMetricSourceType && a.External != nil && b.External != nil:
		return sameTarget(&a.External.Target, &b.External.Target)
	}
	return false
}

// sameTarget compares targets by value: "1k" and "1000" are the same target.
func sameTarget(a, b *v2.MetricTarget) bool {
	return equality.Semantic.DeepEqual(a, b)
}

// sameMetric reports whether two metrics of the same kind read the same metric: the same name
// and selector (and described object), whatever their subdomains.
func sameMetric(a, b *v2.MetricSpec) bool {
	switch a.Type {
	case v2.PodsMetricSourceType:
		return equality.Semantic.DeepEqual(a.Pods.Metric, b.Pods.Metric)
	case v2.ObjectMetricSourceType:
		return equality.Semantic.DeepEqual(a.Object.Metric, b.Object.Metric) && a.Object.DescribedObject == b.Object.DescribedObject
	case v2.ExternalMetricSourceType:
		return equality.Semantic.DeepEqual(a.External.Metric, b.External.Metric)
	}
	// Resource metrics of the same kind read the same resource.
	return true
}

// MetricName names a metric and the metrics API it is read from, as the comparisons record
// it: the name status.lastDecision gives it (for example "external/queue_length"), followed by
// "@" and the subdomain unless it reads the default group.
func MetricName(m *v2.MetricSpec) string {
	name := (&decision.MetricResult{Spec: m}).Name()
	if s := Subdomain(m); s != "" {
		name += "@" + s
	}
	return name
}

// Subdomain returns the subdomain a metric is read from; "" for the default group.
func Subdomain(m *v2.MetricSpec) string {
	switch {
	case m.PodResource != nil:
		return m.PodResource.Subdomain
	case m.ContainerResource != nil:
		return m.ContainerResource.Subdomain
	case m.Pods != nil:
		return m.Pods.Subdomain
	case m.Object != nil:
		return m.Object.Subdomain
	case m.External != nil:
		return m.External.Subdomain
	}
	return ""
}
