package metrics

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// Client reads metric values for the controller: one method per metric kind.
// Every query names the metric's subdomain ("" = the default group); a query is
// only ever sent to the group that subdomain maps to (GroupName).
//
// Errors: *GroupNotServedError when that group is not served, the isolation
// errors (*CircuitOpenError, *ConcurrencyLimitError, *RequestTimeoutError),
// and *GroupError for everything else; an empty answer wraps ErrNoMetrics.
//
// Returned maps and slices belong to the caller, who may change them.
type Client interface {
	// ResourceMetric returns the usage of a resource per pod, from the resource
	// metrics API: summed over containers, or of one container when the query
	// names it.
	ResourceMetric(ctx context.Context, q ResourceQuery) (PodValues, error)
	// PodsMetric returns a custom metric per pod, from the custom metrics API.
	PodsMetric(ctx context.Context, q PodsQuery) (PodValues, error)
	// ObjectMetric returns a custom metric describing one object, from the
	// custom metrics API.
	ObjectMetric(ctx context.Context, q ObjectQuery) (ObjectValue, error)
	// ExternalMetric returns every value of an external metric that matches the
	// query's metric selector, from the external metrics API; the caller sums them.
	ExternalMetric(ctx context.Context, q ExternalQuery) (ExternalValues, error)
}

// PodMetricsLister lists raw PodMetrics. The deduplicating layer uses it to
// read a whole namespace once and serve every HPA's ResourceMetric from it.
type PodMetricsLister interface {
	// ListPodMetrics returns the PodMetrics of the pods in a namespace that
	// match a label selector, from the resource metrics API.
	ListPodMetrics(ctx context.Context, q PodMetricsQuery) ([]metricsv1beta1.PodMetrics, error)
}

// ResourceQuery asks for the usage of a resource by the pods a selector matches.
type ResourceQuery struct {
	// Subdomain chooses the group: "" = metrics.k8s.io, S = S.metrics.k8s.io.
	Subdomain string
	// Namespace of the pods.
	Namespace string
	// Selector matches the pods; nil matches every pod of the namespace.
	Selector labels.Selector
	// Resource is the resource, e.g. cpu or memory.
	Resource corev1.ResourceName
	// Container, when set, reads the usage of this container only (a container
	// resource metric); otherwise the usage of all containers is summed.
	Container string
}

// PodMetricsQuery asks for the raw PodMetrics of the pods a selector matches.
type PodMetricsQuery struct {
	// Subdomain chooses the group: "" = metrics.k8s.io, S = S.metrics.k8s.io.
	Subdomain string
	// Namespace of the pods.
	Namespace string
	// Selector matches the pods; nil matches every pod of the namespace.
	Selector labels.Selector
}

// PodsQuery asks for a custom metric of the pods a selector matches.
type PodsQuery struct {
	// Subdomain chooses the group: "" = custom.metrics.k8s.io, S = S.custom.metrics.k8s.io.
	Subdomain string
	// Namespace of the pods.
	Namespace string
	// Metric is the metric name.
	Metric string
	// Selector matches the pods; nil matches every pod of the namespace.
	Selector labels.Selector
	// MetricSelector narrows down the metric's series; nil selects all.
	MetricSelector labels.Selector
}

// ObjectReference names the object a custom metric describes.
type ObjectReference struct {
	// APIVersion of the object, e.g. apps/v1 or v1.
	APIVersion string
	// Kind of the object, e.g. Deployment.
	Kind string
	// Name of the object.
	Name string
}

// ObjectQuery asks for a custom metric describing one object.
type ObjectQuery struct {
	// Subdomain chooses the group: "" = custom.metrics.k8s.io, S = S.custom.metrics.k8s.io.
	Subdomain string
	// Namespace of the object (for a Namespace object: the namespace itself).
	Namespace string
	// Metric is the metric name.
	Metric string
	// Object is the described object.
	Object ObjectReference
	// MetricSelector narrows down the metric's series; nil selects all.
	MetricSelector labels.Selector
}

// ExternalQuery asks for the values of an external metric.
type ExternalQuery struct {
	// Subdomain chooses the group: "" = external.metrics.k8s.io, S = S.external.metrics.k8s.io.
	Subdomain string
	// Namespace the query is made in.
	Namespace string
	// Metric is the metric name.
	Metric string
	// MetricSelector narrows down the metric's series; nil selects all.
	MetricSelector labels.Selector
}

// PodValue is one pod's metric value.
type PodValue struct {
	// MilliValue is the value in thousandths of its unit (millicores for cpu).
	MilliValue int64
	// Timestamp is when the server says the value was measured.
	Timestamp time.Time
	// Window is the span the value was measured over.
	Window time.Duration
}

// PodValues holds a metric's values per pod.
type PodValues struct {
	// Values maps pod names to their values. Pods without a value are absent.
	Values map[string]PodValue
	// Timestamp is the oldest timestamp among the values the server returned.
	Timestamp time.Time
}

// ObjectValue is the value of a metric describing one object.
type ObjectValue struct {
	// MilliValue is the value in thousandths of its unit.
	MilliValue int64
	// Timestamp is when the server says the value was measured.
	Timestamp time.Time
	// Window is the span the value was measured over.
	Window time.Duration
}

// ExternalValues are the values of an external metric.
type ExternalValues struct {
	// MilliValues are the values in thousandths of their unit, one per series.
	MilliValues []int64
	// Timestamp is the oldest timestamp among the values the server returned.
	Timestamp time.Time
}

// DefaultMetricWindow is the window of a custom metric value whose server
// does not report one.
const DefaultMetricWindow = time.Minute

// Clone returns a deep copy of v, for handing a shared result to a caller.
func (v PodValues) Clone() PodValues {
	out := PodValues{Timestamp: v.Timestamp}
	if v.Values != nil {
		out.Values = make(map[string]PodValue, len(v.Values))
		for k, pv := range v.Values {
			out.Values[k] = pv
		}
	}
	return out
}

// Clone returns a deep copy of v, for handing a shared result to a caller.
func (v ExternalValues) Clone() ExternalValues {
	out := ExternalValues{Timestamp: v.Timestamp}
	if v.MilliValues != nil {
		out.MilliValues = append([]int64(nil), v.MilliValues...)
	}
	return out
}

// OrEverything returns s, or a selector that matches everything when s is nil.
func OrEverything(s labels.Selector) labels.Selector {
	if s == nil {
		return labels.Everything()
	}
	return s
}
