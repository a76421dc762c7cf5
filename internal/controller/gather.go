package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/podsource"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// toDecisionPods converts the cached pods into the calculator's form, reusing buf.
func toDecisionPods(pods []*podsource.Pod, buf []replicas.Pod) []replicas.Pod {
	out := buf[:0]
	for _, p := range pods {
		out = append(out, decisionPod(p))
	}
	return out
}

func decisionPod(p *podsource.Pod) replicas.Pod {
	out := replicas.Pod{
		Name:            p.Name,
		Phase:           p.Phase,
		Deleting:        p.DeletionTimestamp != nil,
		Ready:           p.Ready,
		ReadyTransition: p.ReadyTransitionTime.Time,
	}
	if p.StartTime != nil {
		out.StartTime = p.StartTime.Time
	}
	out.Containers = make([]replicas.Container, 0, len(p.Containers)+len(p.Sidecars))
	for _, c := range p.Containers {
		out.Containers = append(out.Containers, replicas.Container{Name: c.Name, Requests: amounts(c.Requests)})
	}
	for _, c := range p.Sidecars {
		out.Containers = append(out.Containers, replicas.Container{Name: c.Name, Sidecar: true, Requests: amounts(c.Requests)})
	}
	if p.PodLevelRequests != nil {
		out.PodRequests = amounts(p.PodLevelRequests)
	}
	return out
}

func amounts(r podsource.Requests) []replicas.ResourceAmount {
	if len(r) == 0 {
		return nil
	}
	out := make([]replicas.ResourceAmount, len(r))
	for i, q := range r {
		out[i] = replicas.ResourceAmount{Name: q.Name, MilliValue: q.MilliValue}
	}
	return out
}

// metricOutcome is the gathered data of one metric and how long it took, for the
// metric computation metrics.
type metricOutcome struct {
	took time.Duration
}

// gatherMetrics fetches the values of every metric of spec for the pods selector matches.
// A failure is recorded in the metric's data, never returned: the decision code decides what
// a failed metric means.
func (r *Reconciler) gatherMetrics(ctx context.Context, namespace string, spec *v2.HorizontalPodAutoscalerSpec, selector labels.Selector) ([]decision.MetricData, []metricOutcome) {
	data := make([]decision.MetricData, len(spec.Metrics))
	took := make([]metricOutcome, len(spec.Metrics))
	for i := range spec.Metrics {
		start := r.clock.Now()
		data[i] = r.gatherMetric(ctx, namespace, &spec.Metrics[i], selector)
		took[i].took = r.clock.Since(start)
	}
	return data, took
}

func (r *Reconciler) gatherMetric(ctx context.Context, namespace string, m *v2.MetricSpec, selector labels.Selector) decision.MetricData {
	switch {
	case m.Type == v2.PodResourceMetricSourceType && m.PodResource != nil:
		vals, err := r.metrics.ResourceMetric(ctx, metrics.ResourceQuery{
			Subdomain: m.PodResource.Subdomain, Namespace: namespace, Selector: selector, Resource: m.PodResource.Name,
		})
		if err != nil {
			return decision.MetricData{Err: err}
		}
		return decision.MetricData{PodMetrics: podMetrics(vals)}
	case m.Type == v2.ContainerResourceMetricSourceType && m.ContainerResource != nil:
		vals, err := r.metrics.ResourceMetric(ctx, metrics.ResourceQuery{
			Subdomain: m.ContainerResource.Subdomain, Namespace: namespace, Selector: selector,
			Resource: m.ContainerResource.Name, Container: m.ContainerResource.Container,
		})
		if err != nil {
			return decision.MetricData{Err: err}
		}
		return decision.MetricData{PodMetrics: podMetrics(vals)}
	case m.Type == v2.PodsMetricSourceType && m.Pods != nil:
		metricSelector, err := metricSelector(m.Pods.Metric.Selector)
		if err != nil {
			return decision.MetricData{Err: err}
		}
		vals, err := r.metrics.PodsMetric(ctx, metrics.PodsQuery{
			Subdomain: m.Pods.Subdomain, Namespace: namespace, Metric: m.Pods.Metric.Name,
			Selector: selector, MetricSelector: metricSelector,
		})
		if err != nil {
			return decision.MetricData{Err: err}
		}
		return decision.MetricData{PodMetrics: podMetrics(vals)}
	case m.Type == v2.ObjectMetricSourceType && m.Object != nil:
		metricSelector, err := metricSelector(m.Object.Metric.Selector)
		if err != nil {
			return decision.MetricData{Err: err}
		}
		ref := m.Object.DescribedObject
		val, err := r.metrics.ObjectMetric(ctx, metrics.ObjectQuery{
			Subdomain: m.Object.Subdomain, Namespace: namespace, Metric: m.Object.Metric.Name,
			Object:         metrics.ObjectReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name},
			MetricSelector: metricSelector,
		})
		if err != nil {
			return decision.MetricData{Err: err}
		}
		return decision.MetricData{Value: val.MilliValue}
	case m.Type == v2.ExternalMetricSourceType && m.External != nil:
		metricSelector, err := metricSelector(m.External.Metric.Selector)
		if err != nil {
			return decision.MetricData{Err: err}
		}
		vals, err := r.metrics.ExternalMetric(ctx, metrics.ExternalQuery{
			Subdomain: m.External.Subdomain, Namespace: namespace, Metric: m.External.Metric.Name,
			MetricSelector: metricSelector,
		})
		if err != nil {
			return decision.MetricData{Err: err}
		}
		return decision.MetricData{Values: vals.MilliValues}
	}
	// An unknown type or a missing source: the decision code reports InvalidMetricSourceType.
	return decision.MetricData{Err: errors.New("no metric source matches type " + string(m.Type))}
}

func metricSelector(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Everything(), nil
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return nil, fmt.Errorf("invalid metric selector: %w", err)
	}
	return sel, nil
}

func podMetrics(v metrics.PodValues) []replicas.PodMetric {
	out := make([]replicas.PodMetric, 0, len(v.Values))
	for name, pv := range v.Values {
		out = append(out, replicas.PodMetric{Pod: name, MilliValue: pv.MilliValue, Timestamp: pv.Timestamp, Window: pv.Window})
	}
	return out
}
