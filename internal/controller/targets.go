package controller

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// maxTargetsShown is how many metrics the TARGETS column lists before "+ N more...", as
// `kubectl get hpa` prints.
const maxTargetsShown = 2

const unknownValue = "<unknown>"

// FormatTargets formats the metrics of spec against their statuses the way `kubectl get hpa`
// prints its TARGETS column ("cpu: 40%/80%, 12/10 (avg)"), for status.targets. A shadow metric
// is marked "(shadow)".
func FormatTargets(spec []v2.MetricSpec, statuses []v2.MetricStatus) string {
	if len(spec) == 0 {
		return "<none>"
	}
	shown := make([]string, 0, min(len(spec), maxTargetsShown))
	for i := range spec {
		if len(shown) == maxTargetsShown {
			return strings.Join(shown, ", ") + fmt.Sprintf(" + %d more...", len(spec)-maxTargetsShown)
		}
		var st *v2.MetricStatus
		if i < len(statuses) {
			st = &statuses[i]
		}
		s := formatTarget(&spec[i], st)
		if spec[i].Shadow {
			s += " (shadow)"
		}
		shown = append(shown, s)
	}
	return strings.Join(shown, ", ")
}

func formatTarget(m *v2.MetricSpec, st *v2.MetricStatus) string {
	switch {
	case m.Type == v2.ExternalMetricSourceType && m.External != nil:
		var cur *v2.MetricValueStatus
		if st != nil && st.External != nil {
			cur = &st.External.Current
		}
		return valueTarget(&m.External.Target, cur)
	case m.Type == v2.ObjectMetricSourceType && m.Object != nil:
		var cur *v2.MetricValueStatus
		if st != nil && st.Object != nil {
			cur = &st.Object.Current
		}
		return valueTarget(&m.Object.Target, cur)
	case m.Type == v2.PodsMetricSourceType && m.Pods != nil:
		current := unknownValue
		if st != nil && st.Pods != nil {
			current = quantity(st.Pods.Current.AverageValue)
		}
		return current + "/" + quantity(m.Pods.Target.AverageValue)
	case m.Type == v2.PodResourceMetricSourceType && m.PodResource != nil:
		var cur *v2.MetricValueStatus
		if st != nil && st.PodResource != nil {
			cur = &st.PodResource.Current
		}
		return string(m.PodResource.Name) + ": " + resourceTarget(&m.PodResource.Target, cur)
	case m.Type == v2.ContainerResourceMetricSourceType && m.ContainerResource != nil:
		var cur *v2.MetricValueStatus
		if st != nil && st.ContainerResource != nil {
			cur = &st.ContainerResource.Current
		}
		return string(m.ContainerResource.Name) + ": " + resourceTarget(&m.ContainerResource.Target, cur)
	}
	return "<unknown type>"
}

// valueTarget formats an object or external metric: "current/target", with " (avg)" for an
// AverageValue target.
func valueTarget(t *v2.MetricTarget, cur *v2.MetricValueStatus) string {
	current := unknownValue
	if t.AverageValue != nil {
		if cur != nil && cur.AverageValue != nil {
			current = cur.AverageValue.String()
		}
		return current + "/" + t.AverageValue.String() + " (avg)"
	}
	if cur != nil {
		current = quantity(cur.Value)
	}
	return current + "/" + quantity(t.Value)
}

// resourceTarget formats a resource metric: "40%/80%" for a utilization target, or
// "current/target" for an AverageValue target.
func resourceTarget(t *v2.MetricTarget, cur *v2.MetricValueStatus) string {
	current := unknownValue
	if t.AverageValue != nil {
		if cur != nil {
			current = quantity(cur.AverageValue)
		}
		return current + "/" + t.AverageValue.String()
	}
	if cur != nil && cur.AverageUtilization != nil {
		current = strconv.Itoa(int(*cur.AverageUtilization)) + "%"
	}
	target := "<auto>"
	if t.AverageUtilization != nil {
		target = strconv.Itoa(int(*t.AverageUtilization)) + "%"
	}
	return current + "/" + target
}

func quantity(q *resource.Quantity) string {
	if q == nil {
		return unknownValue
	}
	return q.String()
}
