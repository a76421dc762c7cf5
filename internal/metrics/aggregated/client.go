package aggregated

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/singleflight"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/mhpa-dev/mhpa/internal/metrics"
)

// Client reads metrics from the aggregated metrics APIs. It implements
// metrics.Client and metrics.PodMetricsLister and is safe for concurrent use.
type Client struct {
	rest rest.Interface
	opts Options
	inst *instruments

	mu              sync.Mutex
	groups          map[string]*group
	discoveryFlight singleflight.Group
}

var (
	_ metrics.Client           = (*Client)(nil)
	_ metrics.PodMetricsLister = (*Client)(nil)
)

// New returns a Client that reaches the metrics APIs through the API server
// that cfg points at. cfg's own rate limits are not used: every API group gets
// the limits of opts instead.
func New(cfg *rest.Config, opts Options) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.GroupVersion = nil
	cfg.APIPath = ""
	cfg.ContentType = "application/json"
	cfg.AcceptContentTypes = "application/json"
	cfg.NegotiatedSerializer = clientgoscheme.Codecs.WithoutConversion()
	cfg.RateLimiter = nil
	cfg.QPS = -1 // each group has its own limiter
	cfg.Timeout = 0
	if cfg.UserAgent == "" {
		cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	rc, err := rest.UnversionedRESTClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the metrics REST client: %w", err)
	}
	opts = opts.withDefaults()
	return &Client{
		rest:   rc,
		opts:   opts,
		inst:   newInstruments(opts.Registerer),
		groups: make(map[string]*group),
	}, nil
}

// get sends a GET to /apis/<group>/<version>/<path built by build> for the
// group api and subdomain name, and returns the body and the version used.
//
// A not-found answer triggers a rediscovery of the group: if the group is no
// longer served the result is *metrics.GroupNotServedError, and if it now
// serves another version the request is sent once more in that version.
func (c *Client) get(ctx context.Context, api metrics.API, subdomain string, build func(*rest.Request) *rest.Request) ([]byte, string, error) {
	if err := metrics.ValidateSubdomain(api, subdomain); err != nil {
		return nil, "", err
	}
	g := c.group(api, subdomain)
	version, err := g.version(ctx, false)
	if err != nil {
		c.countDiscoveryError(g, err)
		return nil, "", err
	}
	body, err := g.send(ctx, version, build)
	if err == nil || !apierrors.IsNotFound(err) {
		return body, version, err
	}
	newVersion, derr := g.version(ctx, true)
	if derr != nil {
		var notServed *metrics.GroupNotServedError
		var unsupported *metrics.NoSupportedVersionError
		if errors.As(derr, &notServed) || errors.As(derr, &unsupported) {
			c.countDiscoveryError(g, derr)
			return nil, "", derr
		}
		return nil, "", err
	}
	if newVersion == version {
		return nil, "", err
	}
	body, err = g.send(ctx, newVersion, build)
	return body, newVersion, err
}

func (c *Client) countDiscoveryError(g *group, err error) {
	var notServed *metrics.GroupNotServedError
	var unsupported *metrics.NoSupportedVersionError
	switch {
	case errors.As(err, &notServed):
		c.inst.errors.WithLabelValues(g.name, ReasonNotServed).Inc()
	case errors.As(err, &unsupported):
		c.inst.errors.WithLabelValues(g.name, ReasonUnsupported).Inc()
	default:
		c.inst.errors.WithLabelValues(g.name, ReasonDiscovery).Inc()
	}
}

// answerError wraps a failure to understand an answer of a group, and counts it.
func (c *Client) answerError(api metrics.API, subdomain, reason string, err error) error {
	group := metrics.GroupName(api, subdomain)
	c.inst.errors.WithLabelValues(group, reason).Inc()
	return &metrics.GroupError{Subdomain: subdomain, Group: group, Err: err}
}

// ListPodMetrics returns the PodMetrics of the pods of a namespace that
// match the query's selector, from the resource metrics API.
func (c *Client) ListPodMetrics(ctx context.Context, q metrics.PodMetricsQuery) ([]metricsv1beta1.PodMetrics, error) {
	if err := requireNamespace(q.Namespace); err != nil {
		return nil, err
	}
	selector := metrics.OrEverything(q.Selector)
	body, _, err := c.get(ctx, metrics.ResourceAPI, q.Subdomain, func(r *rest.Request) *rest.Request {
		r = r.Namespace(q.Namespace).Resource("pods")
		if !selector.Empty() {
			r = r.Param("labelSelector", selector.String())
		}
		return r
	})
	if err != nil {
		return nil, err
	}
	list, err := decodePodMetrics(body)
	if err != nil {
		return nil, c.answerError(metrics.ResourceAPI, q.Subdomain, ReasonDecode, err)
	}
	return list.Items, nil
}

// ResourceMetric returns the usage of a resource per pod, from the resource metrics API.
func (c *Client) ResourceMetric(ctx context.Context, q metrics.ResourceQuery) (metrics.PodValues, error) {
	if q.Resource == "" {
		return metrics.PodValues{}, field.Required(field.NewPath("resource"), "the resource to read, e.g. cpu or memory")
	}
	items, err := c.ListPodMetrics(ctx, metrics.PodMetricsQuery{Subdomain: q.Subdomain, Namespace: q.Namespace, Selector: q.Selector})
	if err != nil {
		return metrics.PodValues{}, err
	}
	if len(items) == 0 {
		return metrics.PodValues{}, c.answerError(metrics.ResourceAPI, q.Subdomain, ReasonNoMetrics,
			fmt.Errorf("%w from the resource metrics API for selector %q", metrics.ErrNoMetrics, metrics.OrEverything(q.Selector).String()))
	}
	return metrics.ResourceValues(items, q.Resource, q.Container), nil
}

// PodsMetric returns a custom metric per pod, from the custom metrics API.
func (c *Client) PodsMetric(ctx context.Context, q metrics.PodsQuery) (metrics.PodValues, error) {
	if err := requireNamespace(q.Namespace); err != nil {
		return metrics.PodValues{}, err
	}
	if err := validMetricName(q.Metric); err != nil {
		return metrics.PodValues{}, err
	}
	selector, metricSelector := metrics.OrEverything(q.Selector), metrics.OrEverything(q.MetricSelector)
	body, version, err := c.get(ctx, metrics.CustomAPI, q.Subdomain, func(r *rest.Request) *rest.Request {
		r = r.Namespace(q.Namespace).Resource("pods").Name("*").SubResource(q.Metric)
		return customParams(r, selector, metricSelector)
	})
	if err != nil {
		return metrics.PodValues{}, err
	}
	values, err := decodeCustom(body, version)
	if err != nil {
		return metrics.PodValues{}, c.answerError(metrics.CustomAPI, q.Subdomain, ReasonDecode, err)
	}
	if len(values) == 0 {
		return metrics.PodValues{}, c.answerError(metrics.CustomAPI, q.Subdomain, ReasonNoMetrics,
			fmt.Errorf("%w from the custom metrics API for pods metric %q", metrics.ErrNoMetrics, q.Metric))
	}
	out := metrics.PodValues{Values: make(map[string]metrics.PodValue, len(values))}
	for _, v := range values {
		out.Values[v.object] = metrics.PodValue{MilliValue: v.milli, Timestamp: v.timestamp, Window: v.window}
		out.Timestamp = metrics.OldestTimestamp(out.Timestamp, v.timestamp)
	}
	return out, nil
}

// ObjectMetric returns a custom metric describing one object, from the custom metrics API.
func (c *Client) ObjectMetric(ctx context.Context, q metrics.ObjectQuery) (metrics.ObjectValue, error) {
	if err := requireNamespace(q.Namespace); err != nil {
		return metrics.ObjectValue{}, err
	}
	if err := validMetricName(q.Metric); err != nil {
		return metrics.ObjectValue{}, err
	}
	build, err := c.objectPath(q)
	if err != nil {
		return metrics.ObjectValue{}, err
	}
	metricSelector := metrics.OrEverything(q.MetricSelector)
	body, version, err := c.get(ctx, metrics.CustomAPI, q.Subdomain, func(r *rest.Request) *rest.Request {
		return customParams(build(r), nil, metricSelector)
	})
	if err != nil {
		return metrics.ObjectValue{}, err
	}
	values, err := decodeCustom(body, version)
	if err != nil {
		return metrics.ObjectValue{}, c.answerError(metrics.CustomAPI, q.Subdomain, ReasonDecode, err)
	}
	switch len(values) {
	case 1:
		v := values[0]
		return metrics.ObjectValue{MilliValue: v.milli, Timestamp: v.timestamp, Window: v.window}, nil
	case 0:
		return metrics.ObjectValue{}, c.answerError(metrics.CustomAPI, q.Subdomain, ReasonNoMetrics,
			fmt.Errorf("%w from the custom metrics API for metric %q of %s %s", metrics.ErrNoMetrics, q.Metric, q.Object.Kind, q.Object.Name))
	default:
		return metrics.ObjectValue{}, c.answerError(metrics.CustomAPI, q.Subdomain, ReasonDecode,
			fmt.Errorf("the custom metrics API returned %d values of metric %q of %s %s, expected exactly one",
				len(values), q.Metric, q.Object.Kind, q.Object.Name))
	}
}

// objectPath returns the builder of the path of an object metric: for a
// Namespace, namespaces/<ns>/metrics/<metric>; for a namespaced object,
// namespaces/<ns>/<resource>.<group>/<name>/<metric>; for a cluster-scoped
// object, <resource>.<group>/<name>/<metric>.
func (c *Client) objectPath(q metrics.ObjectQuery) (func(*rest.Request) *rest.Request, error) {
	objPath := field.NewPath("object")
	gv, err := schema.ParseGroupVersion(q.Object.APIVersion)
	if err != nil {
		return nil, field.Invalid(objPath.Child("apiVersion"), q.Object.APIVersion, err.Error())
	}
	if q.Object.Kind == "" {
		return nil, field.Required(objPath.Child("kind"), "the kind of the described object")
	}
	if gv.Group == "" && q.Object.Kind == "Namespace" {
		// The described namespace is the HPA's own: its name is not used, as upstream.
		return func(r *rest.Request) *rest.Request {
			return r.Namespace(q.Namespace).Resource("metrics").Name(q.Metric)
		}, nil
	}
	if q.Object.Name == "" {
		return nil, field.Required(objPath.Child("name"), "the name of the described object")
	}
	if c.opts.RESTMapper == nil {
		return nil, fmt.Errorf("object metrics need a RESTMapper to map %s to a resource", q.Object.Kind)
	}
	mapping, err := c.opts.RESTMapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: q.Object.Kind}, gv.Version)
	if err != nil {
		return nil, fmt.Errorf("mapping kind %s of apiVersion %s to a resource: %w", q.Object.Kind, q.Object.APIVersion, err)
	}
	resource := mapping.Resource.GroupResource().String()
	namespaced := mapping.Scope == nil || mapping.Scope.Name() != meta.RESTScopeNameRoot
	return func(r *rest.Request) *rest.Request {
		if namespaced {
			r = r.Namespace(q.Namespace)
		}
		return r.Resource(resource).Name(q.Object.Name).SubResource(q.Metric)
	}, nil
}

// ExternalMetric returns the values of an external metric, from the external metrics API.
//
// As upstream, the metric name is sent lower-cased (it is the resource of the path).
func (c *Client) ExternalMetric(ctx context.Context, q metrics.ExternalQuery) (metrics.ExternalValues, error) {
	if err := requireNamespace(q.Namespace); err != nil {
		return metrics.ExternalValues{}, err
	}
	if err := validMetricName(q.Metric); err != nil {
		return metrics.ExternalValues{}, err
	}
	metricSelector := metrics.OrEverything(q.MetricSelector)
	body, _, err := c.get(ctx, metrics.ExternalAPI, q.Subdomain, func(r *rest.Request) *rest.Request {
		r = r.Namespace(q.Namespace).Resource(q.Metric)
		if !metricSelector.Empty() {
			r = r.Param("labelSelector", metricSelector.String())
		}
		return r
	})
	if err != nil {
		return metrics.ExternalValues{}, err
	}
	list, err := decodeExternal(body)
	if err != nil {
		return metrics.ExternalValues{}, c.answerError(metrics.ExternalAPI, q.Subdomain, ReasonDecode, err)
	}
	if len(list.Items) == 0 {
		return metrics.ExternalValues{}, c.answerError(metrics.ExternalAPI, q.Subdomain, ReasonNoMetrics,
			fmt.Errorf("%w from the external metrics API for metric %q", metrics.ErrNoMetrics, q.Metric))
	}
	out := metrics.ExternalValues{MilliValues: make([]int64, 0, len(list.Items))}
	for _, v := range list.Items {
		out.MilliValues = append(out.MilliValues, v.Value.MilliValue())
		out.Timestamp = metrics.OldestTimestamp(out.Timestamp, v.Timestamp.Time)
	}
	return out, nil
}

// customParams adds the label selector and metric selector of a custom metrics query.
func customParams(r *rest.Request, selector, metricSelector labels.Selector) *rest.Request {
	if selector != nil && !selector.Empty() {
		r = r.Param("labelSelector", selector.String())
	}
	if metricSelector != nil && !metricSelector.Empty() {
		r = r.Param("metricLabelSelector", metricSelector.String())
	}
	return r
}

func requireNamespace(ns string) error {
	if ns == "" {
		return field.Required(field.NewPath("namespace"), "metrics are read in a namespace")
	}
	if msgs := path.IsValidPathSegmentName(ns); len(msgs) > 0 {
		return field.Invalid(field.NewPath("namespace"), ns, msgs[0])
	}
	return nil
}

func validMetricName(name string) error {
	p := field.NewPath("metric", "name")
	if name == "" {
		return field.Required(p, "the name of the metric")
	}
	if msgs := path.IsValidPathSegmentName(name); len(msgs) > 0 {
		return field.Invalid(p, name, msgs[0])
	}
	return nil
}
