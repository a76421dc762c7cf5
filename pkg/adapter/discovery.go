package adapter

import (
	"context"
	"net/http"
	"sort"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints"
	"k8s.io/apiserver/pkg/endpoints/discovery"
	discoveryaggregated "k8s.io/apiserver/pkg/endpoints/discovery/aggregated"
	"k8s.io/apiserver/pkg/endpoints/handlers/negotiation"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/klog/v2"
)

// apiGroup returns the legacy discovery document of a group.
func apiGroup(g Group) metav1.APIGroup {
	group := metav1.APIGroup{Name: g.Name}
	for _, gv := range g.GroupVersions() {
		group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version})
	}
	if len(group.Versions) > 0 {
		group.PreferredVersion = group.Versions[0]
	}
	return group
}

// apiResources lists the resources of a group for discovery: the fixed
// PodMetrics and NodeMetrics resources of the resource metrics shape, one
// "<resource>/<metric>" entry per custom metric, one "<metric>" entry per
// external metric. The result is sorted by name, without duplicates.
func apiResources(ctx context.Context, g Group) []metav1.APIResource {
	var out []metav1.APIResource
	switch g.Kind() {
	case ResourceMetrics:
		if g.NodeMetrics != nil {
			out = append(out, metav1.APIResource{Name: "nodes", SingularName: "node", Kind: "NodeMetrics", Verbs: metav1.Verbs{"get", "list"}})
		}
		if g.PodMetrics != nil {
			out = append(out, metav1.APIResource{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "PodMetrics", Verbs: metav1.Verbs{"get", "list"}})
		}
	case CustomMetrics:
		for _, m := range g.CustomMetrics.ListAllMetrics(ctx) {
			out = append(out, metav1.APIResource{
				Name:       m.GroupResource.String() + "/" + m.Metric,
				Namespaced: m.Namespaced,
				Kind:       "MetricValueList",
				Verbs:      metav1.Verbs{"get"},
			})
		}
	case ExternalMetrics:
		for _, m := range g.ExternalMetrics.ListAllExternalMetrics(ctx) {
			out = append(out, metav1.APIResource{
				Name:       m.Metric,
				Namespaced: true,
				Kind:       "ExternalMetricValueList",
				Verbs:      metav1.Verbs{"get"},
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	dedup := out[:0]
	for i, r := range out {
		if i > 0 && r.Name == out[i-1].Name {
			continue
		}
		dedup = append(dedup, r)
	}
	return dedup
}

// resourceListHandler serves the legacy discovery document of one group
// version, /apis/<group>/<version>. The kube-apiserver aggregator asks for
// it to check that an APIService is available, and falls back to it when a
// server does not answer aggregated discovery.
type resourceListHandler struct {
	group      Group
	gv         schema.GroupVersion
	serializer runtime.NegotiatedSerializer
}

func (h *resourceListHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	list := &metav1.APIResourceList{GroupVersion: h.gv.String(), APIResources: apiResources(req.Context(), h.group)}
	if list.APIResources == nil {
		list.APIResources = []metav1.APIResource{}
	}
	responsewriters.WriteObjectNegotiated(h.serializer, negotiation.DefaultEndpointRestrictions, schema.GroupVersion{}, w, req, http.StatusOK, list, false)
}

// aggregatedVersions returns the aggregated discovery entries of a group,
// the preferred version first.
func aggregatedVersions(ctx context.Context, g Group) []apidiscoveryv2.APIVersionDiscovery {
	resources := apiResources(ctx, g)
	var out []apidiscoveryv2.APIVersionDiscovery
	for _, gv := range g.GroupVersions() {
		withKinds := make([]metav1.APIResource, len(resources))
		for i, r := range resources {
			r.Group, r.Version = gv.Group, gv.Version
			withKinds[i] = r
		}
		converted, err := endpoints.ConvertGroupVersionIntoToDiscovery(withKinds)
		if err != nil {
			// Only custom metrics listed both as namespaced and cluster-scoped
			// for one resource get here; list the version without resources
			// rather than not at all.
			klog.ErrorS(err, "Cannot build aggregated discovery", "groupVersion", gv.String())
			converted = nil
		}
		if converted == nil {
			converted = []apidiscoveryv2.APIResourceDiscovery{}
		}
		out = append(out, apidiscoveryv2.APIVersionDiscovery{
			Version:   gv.Version,
			Resources: converted,
			Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent,
		})
	}
	return out
}

// rootHandler serves /apis: aggregated discovery (apidiscovery.k8s.io v2 and
// v2beta1) when the client asks for it, as the kube-apiserver aggregator
// does first, else the legacy APIGroupList. The aggregated document is
// brought up to date with the providers' metric lists on every request.
type rootHandler struct {
	groups  []Group
	manager discoveryaggregated.ResourceManager
	wrapped http.Handler
}

func newRootHandler(groups []Group, legacy discovery.GroupManager, manager discoveryaggregated.ResourceManager) *rootHandler {
	for _, g := range groups {
		legacy.AddGroup(apiGroup(g))
		for i, gv := range g.GroupVersions() {
			// Preferred versions first: a higher priority sorts earlier.
			manager.SetGroupVersionPriority(metav1.GroupVersion{Group: gv.Group, Version: gv.Version}, 1000, 100-i)
		}
	}
	return &rootHandler{
		groups:  groups,
		manager: manager,
		// No peer aggregation: this server is the only source of its groups.
		wrapped: discoveryaggregated.WrapAggregatedDiscoveryToHandler(legacy, manager, nil),
	}
}

// refresh updates the aggregated document; unchanged versions leave it (and
// its ETag) untouched.
func (h *rootHandler) refresh(ctx context.Context) {
	for _, g := range h.groups {
		for _, v := range aggregatedVersions(ctx, g) {
			h.manager.AddGroupVersion(g.Name, v)
		}
	}
}

func (h *rootHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h.refresh(req.Context())
	h.wrapped.ServeHTTP(w, req)
}
