package adapter

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/metrics/pkg/apis/custom_metrics"
	"k8s.io/metrics/pkg/apis/external_metrics"
	"k8s.io/metrics/pkg/apis/metrics"
)

// PodMetricsProvider supplies pod resource usage, the PodMetrics resource of
// the metrics.k8s.io API shape.
//
// Implementations must honour ctx: when it ends, return promptly (any error
// will do; the server answers the client with a timeout status).
type PodMetricsProvider interface {
	// GetPodMetrics returns the usage of one pod. A pod without metrics is
	// reported with an error for which apierrors.IsNotFound is true, e.g.
	// NewPodMetricsNotFoundError.
	GetPodMetrics(ctx context.Context, namespace, name string) (*metrics.PodMetrics, error)

	// ListPodMetrics returns the usage of the pods in namespace (all
	// namespaces when empty) whose labels match selector. The provider does
	// the label selection because it knows the pods' labels; the server
	// applies field selectors (metadata.name, metadata.namespace) itself.
	ListPodMetrics(ctx context.Context, namespace string, selector labels.Selector) ([]metrics.PodMetrics, error)
}

// NodeMetricsProvider supplies node resource usage, the NodeMetrics resource
// of the metrics.k8s.io API shape.
type NodeMetricsProvider interface {
	// GetNodeMetrics returns the usage of one node, or a NotFound error.
	GetNodeMetrics(ctx context.Context, name string) (*metrics.NodeMetrics, error)

	// ListNodeMetrics returns the usage of the nodes whose labels match
	// selector.
	ListNodeMetrics(ctx context.Context, selector labels.Selector) ([]metrics.NodeMetrics, error)
}

// CustomMetricInfo describes a custom metric of a kind of object: the
// metric name, the resource it describes and whether that resource is
// namespaced. It has the same fields as the type of the same name in
// sigs.k8s.io/custom-metrics-apiserver.
type CustomMetricInfo struct {
	// GroupResource is the described resource, e.g. {Resource: "pods"} or
	// {Group: "apps", Resource: "deployments"}.
	GroupResource schema.GroupResource
	// Namespaced is true for objects in a namespace and false for
	// cluster-scoped objects (nodes, namespaces themselves, ...).
	Namespaced bool
	// Metric is the metric name.
	Metric string
}

// String returns a readable form such as "pods/http_requests(namespaced)".
func (i CustomMetricInfo) String() string {
	if i.Namespaced {
		return fmt.Sprintf("%s/%s(namespaced)", i.GroupResource.String(), i.Metric)
	}
	return fmt.Sprintf("%s/%s", i.GroupResource.String(), i.Metric)
}

// CustomMetricsProvider supplies metrics describing Kubernetes objects, the
// custom.metrics.k8s.io API shape. Its methods mirror the interface of the
// same name in sigs.k8s.io/custom-metrics-apiserver, with a context added to
// ListAllMetrics.
type CustomMetricsProvider interface {
	// GetMetricByName returns the metric of one object. name.Namespace is
	// empty for cluster-scoped objects. metricSelector selects among the
	// series of the metric (labels.Everything() when the client sent none).
	GetMetricByName(ctx context.Context, name types.NamespacedName, info CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValue, error)

	// GetMetricBySelector returns the metric of every object of the kind in
	// namespace (empty for cluster-scoped kinds) whose labels match selector.
	GetMetricBySelector(ctx context.Context, namespace string, selector labels.Selector, info CustomMetricInfo, metricSelector labels.Selector) (*custom_metrics.MetricValueList, error)

	// ListAllMetrics lists the metrics available now, for API discovery. It
	// is called on discovery requests, so it should be cheap.
	ListAllMetrics(ctx context.Context) []CustomMetricInfo
}

// ExternalMetricInfo describes an external metric.
type ExternalMetricInfo struct {
	// Metric is the metric name.
	Metric string
}

// ExternalMetricsProvider supplies metrics that describe no Kubernetes
// object, the external.metrics.k8s.io API shape. Its methods mirror the
// interface of the same name in sigs.k8s.io/custom-metrics-apiserver, with a
// context added to ListAllExternalMetrics.
type ExternalMetricsProvider interface {
	// GetExternalMetric returns every series of the metric in namespace whose
	// labels match metricSelector.
	GetExternalMetric(ctx context.Context, namespace string, metricSelector labels.Selector, info ExternalMetricInfo) (*external_metrics.ExternalMetricValueList, error)

	// ListAllExternalMetrics lists the metrics available now, for API
	// discovery. It should be cheap.
	ListAllExternalMetrics(ctx context.Context) []ExternalMetricInfo
}
