package adapter

import (
	"fmt"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// allObjects is the object name that asks for every object matching the
// label selector (custom metrics shape).
const allObjects = "*"

// resourceRequest is a parsed request of the resource metrics shape.
type resourceRequest struct {
	// Resource is "pods" or "nodes".
	Resource string
	// Namespace of the pods; empty for nodes and for pods of all namespaces.
	Namespace string
	// Name of one object; empty for a list.
	Name string
}

// parseResourcePath parses the part of a path after /apis/<group>/<version>/:
//
//	nodes | nodes/<name> | pods | namespaces/<ns>/pods | namespaces/<ns>/pods/<name>
func parseResourcePath(p string) (resourceRequest, bool) {
	parts, ok := splitPath(p)
	if !ok {
		return resourceRequest{}, false
	}
	switch {
	case len(parts) == 1 && (parts[0] == "nodes" || parts[0] == "pods"):
		return resourceRequest{Resource: parts[0]}, true
	case len(parts) == 2 && parts[0] == "nodes":
		return resourceRequest{Resource: "nodes", Name: parts[1]}, true
	case len(parts) == 3 && parts[0] == "namespaces" && parts[2] == "pods":
		return resourceRequest{Resource: "pods", Namespace: parts[1]}, true
	case len(parts) == 4 && parts[0] == "namespaces" && parts[2] == "pods":
		return resourceRequest{Resource: "pods", Namespace: parts[1], Name: parts[3]}, true
	}
	return resourceRequest{}, false
}

// customRequest is a parsed request of the custom metrics shape.
type customRequest struct {
	// Info names the metric and the described resource.
	Info CustomMetricInfo
	// Namespace of the described objects; empty for cluster-scoped ones.
	Namespace string
	// Name of the described object, or "*" for all matching the selector.
	Name string
}

// parseCustomPath parses the part of a path after /apis/<group>/<version>/:
//
//	<resource>/<name>/<metric>                      cluster-scoped objects
//	namespaces/<ns>/<resource>/<name>/<metric>      namespaced objects
//	namespaces/<ns>/metrics/<metric>                the namespace itself
//
// <resource> may be qualified by its group ("deployments.apps"); <name> may
// be "*".
func parseCustomPath(p string) (customRequest, bool) {
	parts, ok := splitPath(p)
	if !ok {
		return customRequest{}, false
	}
	switch {
	case len(parts) == 5 && parts[0] == "namespaces":
		return customRequest{
			Info:      CustomMetricInfo{GroupResource: schema.ParseGroupResource(parts[2]), Namespaced: true, Metric: parts[4]},
			Namespace: parts[1],
			Name:      parts[3],
		}, true
	case len(parts) == 4 && parts[0] == "namespaces" && parts[2] == "metrics":
		return customRequest{
			Info: CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "namespaces"}, Metric: parts[3]},
			Name: parts[1],
		}, true
	case len(parts) == 3:
		return customRequest{
			Info: CustomMetricInfo{GroupResource: schema.ParseGroupResource(parts[0]), Metric: parts[2]},
			Name: parts[1],
		}, true
	}
	return customRequest{}, false
}

// externalRequest is a parsed request of the external metrics shape.
type externalRequest struct {
	Namespace string
	Metric    string
}

// parseExternalPath parses the part of a path after /apis/<group>/<version>/:
//
//	namespaces/<ns>/<metric>
func parseExternalPath(p string) (externalRequest, bool) {
	parts, ok := splitPath(p)
	if !ok || len(parts) != 3 || parts[0] != "namespaces" {
		return externalRequest{}, false
	}
	return externalRequest{Namespace: parts[1], Metric: parts[2]}, true
}

// splitPath splits a relative path into its segments; an empty segment
// (a doubled or trailing slash) makes the path invalid.
func splitPath(p string) ([]string, bool) {
	if p == "" {
		return nil, false
	}
	parts := strings.Split(p, "/")
	for _, part := range parts {
		if part == "" {
			return nil, false
		}
	}
	return parts, true
}

// queryOptions are the query parameters the metrics APIs understand.
type queryOptions struct {
	// LabelSelector selects the described objects (resource and custom
	// shapes) or the series (external shape, where clients send the metric
	// selector in this parameter).
	LabelSelector labels.Selector
	// FieldSelector selects PodMetrics and NodeMetrics by metadata.name and
	// metadata.namespace.
	FieldSelector fields.Selector
	// MetricLabelSelector selects the series of a custom metric.
	MetricLabelSelector labels.Selector
}

// parseQuery parses and checks the query parameters. Watching is not
// supported; invalid selectors are bad requests naming the parameter.
func parseQuery(q url.Values) (queryOptions, error) {
	if w := q.Get("watch"); w == "true" || w == "1" {
		return queryOptions{}, apierrors.NewMethodNotSupported(schema.GroupResource{}, "watch")
	}
	label, err := parseLabelSelector(q, "labelSelector")
	if err != nil {
		return queryOptions{}, err
	}
	metric, err := parseLabelSelector(q, "metricLabelSelector")
	if err != nil {
		return queryOptions{}, err
	}
	field := fields.Everything()
	if s := q.Get("fieldSelector"); s != "" {
		if field, err = fields.ParseSelector(s); err != nil {
			return queryOptions{}, apierrors.NewBadRequest(fmt.Sprintf("query parameter fieldSelector: invalid value %q: %v", s, err))
		}
	}
	return queryOptions{LabelSelector: label, FieldSelector: field, MetricLabelSelector: metric}, nil
}

func parseLabelSelector(q url.Values, param string) (labels.Selector, error) {
	s := q.Get(param)
	if s == "" {
		return labels.Everything(), nil
	}
	sel, err := labels.Parse(s)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("query parameter %s: invalid value %q: %v", param, s, err))
	}
	return sel, nil
}

// metadataFields are the fields a field selector over PodMetrics and
// NodeMetrics may use.
var metadataFields = []string{"metadata.name", "metadata.namespace"}

// checkFieldSelector rejects field selectors over fields other than
// metadataFields.
func checkFieldSelector(sel fields.Selector) error {
	for _, r := range sel.Requirements() {
		if r.Field != "metadata.name" && r.Field != "metadata.namespace" {
			return apierrors.NewBadRequest(fmt.Sprintf("query parameter fieldSelector: field %q is not supported, supported fields are %v", r.Field, metadataFields))
		}
	}
	return nil
}
