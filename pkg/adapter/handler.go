package adapter

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/endpoints/handlers/negotiation"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/metrics/pkg/apis/custom_metrics"
	cmv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	cmv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	"k8s.io/metrics/pkg/apis/external_metrics"
	emv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// versionHandler serves the resources of one group version: every path
// below /apis/<group>/<version>/.
type versionHandler struct {
	group      Group
	kind       APIKind
	gv         schema.GroupVersion
	prefix     string
	serializer runtime.NegotiatedSerializer
	// discovery answers the bare prefix, /apis/<group>/<version>/.
	discovery http.Handler
}

func newVersionHandler(g Group, gv schema.GroupVersion, serializer runtime.NegotiatedSerializer, discovery http.Handler) *versionHandler {
	return &versionHandler{
		group:      g,
		kind:       g.Kind(),
		gv:         gv,
		prefix:     "/apis/" + gv.Group + "/" + gv.Version + "/",
		serializer: serializer,
		discovery:  discovery,
	}
}

func (h *versionHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == h.prefix && req.Method == http.MethodGet {
		h.discovery.ServeHTTP(w, req)
		return
	}
	if req.Method != http.MethodGet {
		h.writeError(w, req, apierrors.NewMethodNotSupported(schema.GroupResource{Group: h.gv.Group}, strings.ToLower(req.Method)))
		return
	}
	obj, err := h.serve(req)
	if req.Context().Err() != nil {
		// The request's deadline passed or the client left. The timeout
		// filter of the handler chain answers 504 (to a client still there);
		// writing now as well would make it abort the connection.
		return
	}
	if err != nil {
		h.writeError(w, req, err)
		return
	}
	responsewriters.WriteObjectNegotiated(h.serializer, negotiation.DefaultEndpointRestrictions, h.gv, w, req, http.StatusOK, obj, false)
}

func (h *versionHandler) writeError(w http.ResponseWriter, req *http.Request, err error) {
	responsewriters.ErrorNegotiated(err, h.serializer, h.gv, w, req)
}

func (h *versionHandler) serve(req *http.Request) (runtime.Object, error) {
	opts, err := parseQuery(req.URL.Query())
	if err != nil {
		return nil, err
	}
	p := strings.TrimPrefix(req.URL.Path, h.prefix)
	ctx := req.Context()
	switch h.kind {
	case ResourceMetrics:
		r, ok := parseResourcePath(p)
		if !ok {
			return nil, h.pathNotFound(req)
		}
		return h.resourceMetrics(ctx, r, opts)
	case CustomMetrics:
		r, ok := parseCustomPath(p)
		if !ok {
			return nil, h.pathNotFound(req)
		}
		return h.customMetrics(ctx, r, opts)
	case ExternalMetrics:
		r, ok := parseExternalPath(p)
		if !ok {
			return nil, h.pathNotFound(req)
		}
		return h.externalMetrics(ctx, r, opts)
	}
	return nil, h.pathNotFound(req)
}

func (h *versionHandler) pathNotFound(req *http.Request) error {
	return notFound(fmt.Sprintf("the server could not find the requested resource %s", req.URL.Path))
}

// resourceMetrics answers PodMetrics and NodeMetrics requests.
func (h *versionHandler) resourceMetrics(ctx context.Context, r resourceRequest, opts queryOptions) (runtime.Object, error) {
	if r.Name == "" {
		if err := checkFieldSelector(opts.FieldSelector); err != nil {
			return nil, err
		}
	}
	switch r.Resource {
	case "pods":
		p := h.group.PodMetrics
		if p == nil {
			return nil, notFound(fmt.Sprintf("the server does not serve pods in %s", h.gv))
		}
		if r.Name != "" {
			m, err := p.GetPodMetrics(ctx, r.Namespace, r.Name)
			if err != nil {
				return nil, statusError(ctx, err)
			}
			if m == nil {
				return nil, NewPodMetricsNotFoundError(r.Namespace, r.Name)
			}
			out := &metricsv1beta1.PodMetrics{}
			if err := metricsv1beta1.Convert_metrics_PodMetrics_To_v1beta1_PodMetrics(m, out, nil); err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			return out, nil
		}
		items, err := p.ListPodMetrics(ctx, r.Namespace, opts.LabelSelector)
		if err != nil {
			return nil, statusError(ctx, err)
		}
		out := &metricsv1beta1.PodMetricsList{Items: make([]metricsv1beta1.PodMetrics, 0, len(items))}
		for i := range items {
			m := &items[i]
			if !selected(opts.FieldSelector, r.Namespace, m.Namespace, m.Name) {
				continue
			}
			var v metricsv1beta1.PodMetrics
			if err := metricsv1beta1.Convert_metrics_PodMetrics_To_v1beta1_PodMetrics(m, &v, nil); err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			out.Items = append(out.Items, v)
		}
		sort.Slice(out.Items, func(i, j int) bool {
			a, b := out.Items[i], out.Items[j]
			return a.Namespace < b.Namespace || a.Namespace == b.Namespace && a.Name < b.Name
		})
		return out, nil
	case "nodes":
		p := h.group.NodeMetrics
		if p == nil {
			return nil, notFound(fmt.Sprintf("the server does not serve nodes in %s", h.gv))
		}
		if r.Name != "" {
			m, err := p.GetNodeMetrics(ctx, r.Name)
			if err != nil {
				return nil, statusError(ctx, err)
			}
			if m == nil {
				return nil, NewNodeMetricsNotFoundError(r.Name)
			}
			out := &metricsv1beta1.NodeMetrics{}
			if err := metricsv1beta1.Convert_metrics_NodeMetrics_To_v1beta1_NodeMetrics(m, out, nil); err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			return out, nil
		}
		items, err := p.ListNodeMetrics(ctx, opts.LabelSelector)
		if err != nil {
			return nil, statusError(ctx, err)
		}
		out := &metricsv1beta1.NodeMetricsList{Items: make([]metricsv1beta1.NodeMetrics, 0, len(items))}
		for i := range items {
			m := &items[i]
			if !selected(opts.FieldSelector, "", m.Namespace, m.Name) {
				continue
			}
			var v metricsv1beta1.NodeMetrics
			if err := metricsv1beta1.Convert_metrics_NodeMetrics_To_v1beta1_NodeMetrics(m, &v, nil); err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			out.Items = append(out.Items, v)
		}
		sort.Slice(out.Items, func(i, j int) bool { return out.Items[i].Name < out.Items[j].Name })
		return out, nil
	}
	return nil, notFound(fmt.Sprintf("the server does not serve %s in %s", r.Resource, h.gv))
}

// selected says whether an object is in the requested namespace (when one
// was requested) and matches the field selector.
func selected(sel fields.Selector, wantNamespace, namespace, name string) bool {
	if wantNamespace != "" && namespace != wantNamespace {
		return false
	}
	return sel.Matches(fields.Set{"metadata.name": name, "metadata.namespace": namespace})
}

// customMetrics answers custom metrics requests.
func (h *versionHandler) customMetrics(ctx context.Context, r customRequest, opts queryOptions) (runtime.Object, error) {
	p := h.group.CustomMetrics
	var list *custom_metrics.MetricValueList
	if r.Name == allObjects {
		l, err := p.GetMetricBySelector(ctx, r.Namespace, opts.LabelSelector, r.Info, opts.MetricLabelSelector)
		if err != nil {
			return nil, statusError(ctx, err)
		}
		list = l
		if list == nil {
			list = &custom_metrics.MetricValueList{}
		}
	} else {
		v, err := p.GetMetricByName(ctx, types.NamespacedName{Namespace: r.Namespace, Name: r.Name}, r.Info, opts.MetricLabelSelector)
		if err != nil {
			return nil, statusError(ctx, err)
		}
		if v == nil {
			return nil, NewMetricNotFoundForError(r.Info.GroupResource, r.Info.Metric, r.Name)
		}
		list = &custom_metrics.MetricValueList{Items: []custom_metrics.MetricValue{*v}}
	}
	switch h.gv.Version {
	case "v1beta2":
		out := &cmv1beta2.MetricValueList{}
		if err := cmv1beta2.Convert_custom_metrics_MetricValueList_To_v1beta2_MetricValueList(list, out, nil); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if out.Items == nil {
			out.Items = []cmv1beta2.MetricValue{}
		}
		return out, nil
	case "v1beta1":
		out := &cmv1beta1.MetricValueList{}
		if err := cmv1beta1.Convert_custom_metrics_MetricValueList_To_v1beta1_MetricValueList(list, out, nil); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if out.Items == nil {
			out.Items = []cmv1beta1.MetricValue{}
		}
		return out, nil
	}
	return nil, notFound(fmt.Sprintf("the server does not serve %s", h.gv))
}

// externalMetrics answers external metrics requests. Clients send the
// metric selector in the labelSelector parameter.
func (h *versionHandler) externalMetrics(ctx context.Context, r externalRequest, opts queryOptions) (runtime.Object, error) {
	list, err := h.group.ExternalMetrics.GetExternalMetric(ctx, r.Namespace, opts.LabelSelector, ExternalMetricInfo{Metric: r.Metric})
	if err != nil {
		return nil, statusError(ctx, err)
	}
	if list == nil {
		list = &external_metrics.ExternalMetricValueList{}
	}
	out := &emv1beta1.ExternalMetricValueList{}
	if err := emv1beta1.Convert_external_metrics_ExternalMetricValueList_To_v1beta1_ExternalMetricValueList(list, out, nil); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if out.Items == nil {
		out.Items = []emv1beta1.ExternalMetricValue{}
	}
	return out, nil
}
