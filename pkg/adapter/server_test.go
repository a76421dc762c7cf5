package adapter_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	certutil "k8s.io/client-go/util/cert"
	cmv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	cmv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	emv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	"k8s.io/metrics/pkg/apis/metrics"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	externalclient "k8s.io/metrics/pkg/client/external_metrics"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

const (
	resourceGroup = "tenant-a.metrics.k8s.io"
	customGroup   = "tenant-a.custom.metrics.k8s.io"
	tenantExt     = "tenant-a.external.metrics.k8s.io"
	defaultExt    = "external.metrics.k8s.io"
)

// fixture is one adapter.Server serving five groups through httptest, with
// stub providers, a header authenticator and a recording authorizer.
type fixture struct {
	url        string
	pods       *stubPods
	nodes      *stubNodes
	custom     *stubCustom
	tenantExt  *stubExternal
	defaultExt *stubExternal
	authz      *recordingAuthorizer
}

func newFixture(t *testing.T, requestTimeout time.Duration) *fixture {
	t.Helper()
	f := &fixture{
		pods: &stubPods{pods: []metrics.PodMetrics{
			podMetrics("ns1", "web-1", map[string]string{"app": "web"}, "250m", "64Mi"),
			podMetrics("ns1", "web-2", map[string]string{"app": "web"}, "500m", "128Mi"),
			podMetrics("ns1", "db-1", map[string]string{"app": "db"}, "1", "1Gi"),
			podMetrics("ns2", "web-1", map[string]string{"app": "web"}, "100m", "32Mi"),
		}},
		nodes: &stubNodes{nodes: []metrics.NodeMetrics{{
			ObjectMeta: metav1.ObjectMeta{Name: "n1"},
			Timestamp:  testTime,
			Window:     metav1.Duration{Duration: 30 * time.Second},
			Usage:      corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
		}}},
		custom: &stubCustom{
			value:   resource.MustParse("42"),
			objects: []string{"web-1", "web-2"},
			known: []adapter.CustomMetricInfo{
				{GroupResource: schema.GroupResource{Resource: "pods"}, Namespaced: true, Metric: "http_requests"},
				{GroupResource: schema.GroupResource{Resource: "services"}, Namespaced: true, Metric: "requests"},
				{GroupResource: schema.GroupResource{Resource: "nodes"}, Metric: "temperature"},
				{GroupResource: schema.GroupResource{Resource: "namespaces"}, Metric: "queue_length"},
				{GroupResource: schema.GroupResource{Group: "apps", Resource: "deployments"}, Namespaced: true, Metric: "requests"},
			},
		},
		tenantExt:  &stubExternal{value: resource.MustParse("7"), known: []string{"queue_length"}},
		defaultExt: &stubExternal{value: resource.MustParse("300"), known: []string{"queue_length"}},
		authz:      &recordingAuthorizer{},
	}
	srv, err := adapter.New(context.Background(), adapter.Config{
		Groups: []adapter.Group{
			{Name: resourceGroup, PodMetrics: f.pods, NodeMetrics: f.nodes},
			{Name: customGroup, CustomMetrics: f.custom},
			{Name: tenantExt, ExternalMetrics: f.tenantExt},
			{Name: defaultExt, ExternalMetrics: f.defaultExt},
		},
		Authenticator:  headerAuthenticator{},
		Authorizer:     f.authz,
		RequestTimeout: requestTimeout,
	})
	if err != nil {
		t.Fatalf("adapter.New: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

type response struct {
	code        int
	contentType string
	body        []byte
}

// get sends a GET as user "alice" (or the user in header X-Test-User).
func (f *fixture) get(t *testing.T, path string, header map[string]string) response {
	t.Helper()
	return f.do(t, http.MethodGet, path, header)
}

func (f *fixture) do(t *testing.T, method, path string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test-User", "alice")
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{code: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}
}

// restConfig returns a client config for the fixture as user "alice".
func (f *fixture) restConfig() *rest.Config {
	return &rest.Config{
		Host: f.url,
		WrapTransport: func(rt http.RoundTripper) http.RoundTripper {
			return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
				req = req.Clone(req.Context())
				req.Header.Set("X-Test-User", "alice")
				return rt.RoundTrip(req)
			})
		},
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// typeMeta returns the apiVersion and kind of a JSON body.
func typeMeta(t *testing.T, body []byte) string {
	t.Helper()
	var tm metav1.TypeMeta
	if err := json.Unmarshal(body, &tm); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return tm.APIVersion + " " + tm.Kind
}

// status decodes a Status body into "<code> <reason>".
func status(t *testing.T, body []byte) (string, string) {
	t.Helper()
	var s metav1.Status
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("decoding status %s: %v", body, err)
	}
	return fmt.Sprintf("%d %s", s.Code, s.Reason), s.Message
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return v
}

func TestLegacyDiscovery(t *testing.T) {
	f := newFixture(t, 0)

	groups := decode[metav1.APIGroupList](t, f.get(t, "/apis", nil).body)
	got := map[string][]string{}
	for _, g := range groups.Groups {
		got[g.Name] = append(got[g.Name], "preferred="+g.PreferredVersion.Version)
		for _, v := range g.Versions {
			got[g.Name] = append(got[g.Name], v.GroupVersion)
		}
	}
	want := map[string][]string{
		resourceGroup: {"preferred=v1beta1", resourceGroup + "/v1beta1"},
		customGroup:   {"preferred=v1beta2", customGroup + "/v1beta2", customGroup + "/v1beta1"},
		tenantExt:     {"preferred=v1beta1", tenantExt + "/v1beta1"},
		defaultExt:    {"preferred=v1beta1", defaultExt + "/v1beta1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("/apis mismatch (-want +got):\n%s", diff)
	}

	group := decode[metav1.APIGroup](t, f.get(t, "/apis/"+customGroup, nil).body)
	if group.Name != customGroup || group.PreferredVersion.Version != "v1beta2" || len(group.Versions) != 2 {
		t.Errorf("/apis/%s = %+v, want the group with v1beta2 preferred and v1beta1", customGroup, group)
	}

	tests := map[string]struct {
		path string
		want []string
	}{
		"resource metrics": {path: "/apis/" + resourceGroup + "/v1beta1", want: []string{"nodes NodeMetrics cluster get,list", "pods PodMetrics namespaced get,list"}},
		"custom metrics v1beta2": {path: "/apis/" + customGroup + "/v1beta2", want: []string{
			"deployments.apps/requests MetricValueList namespaced get",
			"namespaces/queue_length MetricValueList cluster get",
			"nodes/temperature MetricValueList cluster get",
			"pods/http_requests MetricValueList namespaced get",
			"services/requests MetricValueList namespaced get",
		}},
		"custom metrics v1beta1": {path: "/apis/" + customGroup + "/v1beta1", want: []string{
			"deployments.apps/requests MetricValueList namespaced get",
			"namespaces/queue_length MetricValueList cluster get",
			"nodes/temperature MetricValueList cluster get",
			"pods/http_requests MetricValueList namespaced get",
			"services/requests MetricValueList namespaced get",
		}},
		"external metrics": {path: "/apis/" + tenantExt + "/v1beta1", want: []string{"queue_length ExternalMetricValueList namespaced get"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := f.get(t, tc.path, nil)
			if resp.code != http.StatusOK {
				t.Fatalf("GET %s = %d %s", tc.path, resp.code, resp.body)
			}
			list := decode[metav1.APIResourceList](t, resp.body)
			if list.GroupVersion != strings.TrimPrefix(tc.path, "/apis/") {
				t.Errorf("groupVersion = %q, want %q", list.GroupVersion, strings.TrimPrefix(tc.path, "/apis/"))
			}
			var got []string
			for _, r := range list.APIResources {
				scope := "cluster"
				if r.Namespaced {
					scope = "namespaced"
				}
				got = append(got, fmt.Sprintf("%s %s %s %s", r.Name, r.Kind, scope, strings.Join(r.Verbs, ",")))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("GET %s resources mismatch (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

// aggregatedSummary reduces an aggregated discovery document to
// "group/version: resource[subresource,...]" lines of the test's groups.
func aggregatedSummary(list apidiscoveryv2.APIGroupDiscoveryList) []string {
	var out []string
	for _, g := range list.Items {
		for _, v := range g.Versions {
			var rs []string
			for _, r := range v.Resources {
				var subs []string
				for _, s := range r.Subresources {
					subs = append(subs, s.Subresource)
				}
				kind := ""
				if r.ResponseKind != nil && r.ResponseKind.Kind != "" {
					kind = "(" + r.ResponseKind.Group + "/" + r.ResponseKind.Version + " " + r.ResponseKind.Kind + ")"
				}
				rs = append(rs, fmt.Sprintf("%s%s[%s]", r.Resource, kind, strings.Join(subs, ",")))
			}
			out = append(out, fmt.Sprintf("%s/%s %s: %s", g.Name, v.Version, v.Freshness, strings.Join(rs, " ")))
		}
	}
	sort.Strings(out)
	return out
}

func TestAggregatedDiscovery(t *testing.T) {
	f := newFixture(t, 0)
	accept := map[string]string{"Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"}

	resp := f.get(t, "/apis", accept)
	if resp.code != http.StatusOK || !strings.Contains(resp.contentType, "as=APIGroupDiscoveryList") {
		t.Fatalf("GET /apis (aggregated) = %d %q %s", resp.code, resp.contentType, resp.body)
	}
	want := []string{
		defaultExt + "/v1beta1 Current: queue_length(" + defaultExt + "/v1beta1 ExternalMetricValueList)[]",
		customGroup + "/v1beta1 Current: deployments.apps[requests] namespaces[queue_length] nodes[temperature] pods[http_requests] services[requests]",
		customGroup + "/v1beta2 Current: deployments.apps[requests] namespaces[queue_length] nodes[temperature] pods[http_requests] services[requests]",
		tenantExt + "/v1beta1 Current: queue_length(" + tenantExt + "/v1beta1 ExternalMetricValueList)[]",
		resourceGroup + "/v1beta1 Current: nodes(" + resourceGroup + "/v1beta1 NodeMetrics)[] pods(" + resourceGroup + "/v1beta1 PodMetrics)[]",
	}
	if diff := cmp.Diff(want, aggregatedSummary(decode[apidiscoveryv2.APIGroupDiscoveryList](t, resp.body))); diff != "" {
		t.Errorf("aggregated discovery mismatch (-want +got):\n%s", diff)
	}

	// A metric the provider starts to list shows up in both documents.
	f.tenantExt.known = append(f.tenantExt.known, "backlog")
	resp = f.get(t, "/apis", accept)
	want[3] = tenantExt + "/v1beta1 Current: backlog(" + tenantExt + "/v1beta1 ExternalMetricValueList)[] queue_length(" + tenantExt + "/v1beta1 ExternalMetricValueList)[]"
	if diff := cmp.Diff(want, aggregatedSummary(decode[apidiscoveryv2.APIGroupDiscoveryList](t, resp.body))); diff != "" {
		t.Errorf("aggregated discovery after adding a metric mismatch (-want +got):\n%s", diff)
	}
	list := decode[metav1.APIResourceList](t, f.get(t, "/apis/"+tenantExt+"/v1beta1", nil).body)
	if len(list.APIResources) != 2 || list.APIResources[0].Name != "backlog" {
		t.Errorf("legacy discovery after adding a metric = %+v, want backlog and queue_length", list.APIResources)
	}
}

func TestResourceMetrics(t *testing.T) {
	f := newFixture(t, 0)
	base := "/apis/" + resourceGroup + "/v1beta1"
	tests := map[string]struct {
		path     string
		wantCode int
		wantType string
		// wantItems lists "namespace/name cpu" of the returned objects.
		wantItems []string
		wantCall  call
	}{
		"pods in a namespace by label": {
			path: base + "/namespaces/ns1/pods?labelSelector=app%3Dweb", wantCode: 200, wantType: resourceGroup + "/v1beta1 PodMetricsList",
			wantItems: []string{"ns1/web-1 250m", "ns1/web-2 500m"}, wantCall: call{Namespace: "ns1", Selector: "app=web"},
		},
		"pods of all namespaces": {
			path: base + "/pods?labelSelector=app%3Dweb", wantCode: 200, wantType: resourceGroup + "/v1beta1 PodMetricsList",
			wantItems: []string{"ns1/web-1 250m", "ns1/web-2 500m", "ns2/web-1 100m"}, wantCall: call{Selector: "app=web"},
		},
		"pods by field selector": {
			path: base + "/pods?fieldSelector=metadata.name%3Dweb-1", wantCode: 200, wantType: resourceGroup + "/v1beta1 PodMetricsList",
			wantItems: []string{"ns1/web-1 250m", "ns2/web-1 100m"}, wantCall: call{Selector: ""},
		},
		"one pod": {
			path: base + "/namespaces/ns1/pods/db-1", wantCode: 200, wantType: resourceGroup + "/v1beta1 PodMetrics",
			wantItems: []string{"ns1/db-1 1"}, wantCall: call{Namespace: "ns1", Name: "db-1"},
		},
		"unknown pod": {
			path: base + "/namespaces/ns1/pods/nope", wantCode: 404, wantType: "v1 Status", wantCall: call{Namespace: "ns1", Name: "nope"},
		},
		"nodes": {
			path: base + "/nodes", wantCode: 200, wantType: resourceGroup + "/v1beta1 NodeMetricsList", wantItems: []string{"/n1 2"},
		},
		"one node": {
			path: base + "/nodes/n1", wantCode: 200, wantType: resourceGroup + "/v1beta1 NodeMetrics", wantItems: []string{"/n1 2"},
		},
		"unsupported field selector": {
			path: base + "/pods?fieldSelector=spec.nodeName%3Dn1", wantCode: 400, wantType: "v1 Status",
		},
		"unknown resource": {
			path: base + "/services", wantCode: 404, wantType: "v1 Status",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f.pods.calls = nil
			resp := f.get(t, tc.path, nil)
			if resp.code != tc.wantCode {
				t.Fatalf("GET %s = %d, want %d: %s", tc.path, resp.code, tc.wantCode, resp.body)
			}
			if got := typeMeta(t, resp.body); got != tc.wantType {
				t.Errorf("GET %s type = %q, want %q", tc.path, got, tc.wantType)
			}
			if tc.wantCode != 200 {
				return
			}
			var items []string
			switch {
			case strings.HasSuffix(tc.wantType, "PodMetricsList"):
				for _, p := range decode[metricsv1beta1.PodMetricsList](t, resp.body).Items {
					items = append(items, fmt.Sprintf("%s/%s %s", p.Namespace, p.Name, p.Containers[0].Usage.Cpu()))
				}
			case strings.HasSuffix(tc.wantType, "PodMetrics"):
				p := decode[metricsv1beta1.PodMetrics](t, resp.body)
				items = append(items, fmt.Sprintf("%s/%s %s", p.Namespace, p.Name, p.Containers[0].Usage.Cpu()))
			case strings.HasSuffix(tc.wantType, "NodeMetricsList"):
				for _, n := range decode[metricsv1beta1.NodeMetricsList](t, resp.body).Items {
					items = append(items, fmt.Sprintf("/%s %s", n.Name, n.Usage.Cpu()))
				}
			case strings.HasSuffix(tc.wantType, "NodeMetrics"):
				n := decode[metricsv1beta1.NodeMetrics](t, resp.body)
				items = append(items, fmt.Sprintf("/%s %s", n.Name, n.Usage.Cpu()))
			}
			if diff := cmp.Diff(tc.wantItems, items); diff != "" {
				t.Errorf("GET %s items mismatch (-want +got):\n%s", tc.path, diff)
			}
			if strings.Contains(tc.wantType, "Pod") {
				if diff := cmp.Diff(tc.wantCall, f.pods.last()); diff != "" {
					t.Errorf("GET %s provider call mismatch (-want +got):\n%s", tc.path, diff)
				}
			}
		})
	}
}

func TestCustomMetrics(t *testing.T) {
	f := newFixture(t, 0)
	pods := schema.GroupResource{Resource: "pods"}
	services := schema.GroupResource{Resource: "services"}
	tests := map[string]struct {
		path     string
		wantCode int
		wantType string
		// wantItems lists "kind namespace/name metric selector value".
		wantItems []string
		wantCall  call
	}{
		"object by name, v1beta2, with metric selector": {
			path:     "/apis/" + customGroup + "/v1beta2/namespaces/ns1/services/web/requests?metricLabelSelector=verb%3DGET",
			wantCode: 200, wantType: customGroup + "/v1beta2 MetricValueList",
			wantItems: []string{"Service ns1/web requests verb=GET 42"},
			wantCall:  call{Namespace: "ns1", Name: "web", MetricSelector: "verb=GET", Info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "requests"}},
		},
		"object by name, v1beta1": {
			path:     "/apis/" + customGroup + "/v1beta1/namespaces/ns1/services/web/requests?metricLabelSelector=verb%3DGET",
			wantCode: 200, wantType: customGroup + "/v1beta1 MetricValueList",
			wantItems: []string{"Service ns1/web requests verb=GET 42"},
			wantCall:  call{Namespace: "ns1", Name: "web", MetricSelector: "verb=GET", Info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "requests"}},
		},
		"pods by selector, v1beta2": {
			path:     "/apis/" + customGroup + "/v1beta2/namespaces/ns1/pods/*/http_requests?labelSelector=app%3Dweb",
			wantCode: 200, wantType: customGroup + "/v1beta2 MetricValueList",
			wantItems: []string{"Pod ns1/web-1 http_requests  10", "Pod ns1/web-2 http_requests  20"},
			wantCall:  call{Namespace: "ns1", Selector: "app=web", Info: adapter.CustomMetricInfo{GroupResource: pods, Namespaced: true, Metric: "http_requests"}},
		},
		"pods by selector, v1beta1, escaped star": {
			path:     "/apis/" + customGroup + "/v1beta1/namespaces/ns1/pods/%2A/http_requests?labelSelector=app%3Dweb",
			wantCode: 200, wantType: customGroup + "/v1beta1 MetricValueList",
			wantItems: []string{"Pod ns1/web-1 http_requests  10", "Pod ns1/web-2 http_requests  20"},
			wantCall:  call{Namespace: "ns1", Selector: "app=web", Info: adapter.CustomMetricInfo{GroupResource: pods, Namespaced: true, Metric: "http_requests"}},
		},
		"cluster-scoped object": {
			path:     "/apis/" + customGroup + "/v1beta2/nodes/n1/temperature",
			wantCode: 200, wantType: customGroup + "/v1beta2 MetricValueList",
			wantItems: []string{"Service /n1 temperature  42"},
			wantCall:  call{Name: "n1", Info: adapter.CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "nodes"}, Metric: "temperature"}},
		},
		"the namespace itself": {
			path:     "/apis/" + customGroup + "/v1beta2/namespaces/ns1/metrics/queue_length",
			wantCode: 200, wantType: customGroup + "/v1beta2 MetricValueList",
			wantItems: []string{"Service /ns1 queue_length  42"},
			wantCall:  call{Name: "ns1", Info: adapter.CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "namespaces"}, Metric: "queue_length"}},
		},
		"resource qualified by group": {
			path:     "/apis/" + customGroup + "/v1beta2/namespaces/ns1/deployments.apps/web/requests",
			wantCode: 200, wantType: customGroup + "/v1beta2 MetricValueList",
			wantItems: []string{"Service ns1/web requests  42"},
			wantCall:  call{Namespace: "ns1", Name: "web", Info: adapter.CustomMetricInfo{GroupResource: schema.GroupResource{Group: "apps", Resource: "deployments"}, Namespaced: true, Metric: "requests"}},
		},
		"unknown metric": {
			path:     "/apis/" + customGroup + "/v1beta2/namespaces/ns1/pods/*/nope",
			wantCode: 404, wantType: "v1 Status",
			wantCall: call{Namespace: "ns1", Info: adapter.CustomMetricInfo{GroupResource: pods, Namespaced: true, Metric: "nope"}},
		},
		"path too short": {
			path:     "/apis/" + customGroup + "/v1beta2/namespaces/ns1",
			wantCode: 404, wantType: "v1 Status",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f.custom.calls = nil
			resp := f.get(t, tc.path, nil)
			if resp.code != tc.wantCode {
				t.Fatalf("GET %s = %d, want %d: %s", tc.path, resp.code, tc.wantCode, resp.body)
			}
			if got := typeMeta(t, resp.body); got != tc.wantType {
				t.Errorf("GET %s type = %q, want %q", tc.path, got, tc.wantType)
			}
			if diff := cmp.Diff(tc.wantCall, f.custom.last()); diff != "" {
				t.Errorf("GET %s provider call mismatch (-want +got):\n%s", tc.path, diff)
			}
			if tc.wantCode != 200 {
				return
			}
			var items []string
			if strings.Contains(tc.wantType, "v1beta2") {
				for _, m := range decode[cmv1beta2.MetricValueList](t, resp.body).Items {
					items = append(items, fmt.Sprintf("%s %s/%s %s %s %s", m.DescribedObject.Kind, m.DescribedObject.Namespace, m.DescribedObject.Name, m.Metric.Name, selectorString(m.Metric.Selector), m.Value.String()))
				}
			} else {
				for _, m := range decode[cmv1beta1.MetricValueList](t, resp.body).Items {
					items = append(items, fmt.Sprintf("%s %s/%s %s %s %s", m.DescribedObject.Kind, m.DescribedObject.Namespace, m.DescribedObject.Name, m.MetricName, selectorString(m.Selector), m.Value.String()))
				}
			}
			if diff := cmp.Diff(tc.wantItems, items); diff != "" {
				t.Errorf("GET %s items mismatch (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

func selectorString(ls *metav1.LabelSelector) string {
	if ls == nil {
		return ""
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return "invalid"
	}
	return sel.String()
}

func TestExternalMetricsPerGroup(t *testing.T) {
	f := newFixture(t, 0)
	tests := map[string]struct {
		group     string
		stub      *stubExternal
		wantValue string
	}{
		"default group":   {group: defaultExt, stub: f.defaultExt, wantValue: "300"},
		"subdomain group": {group: tenantExt, stub: f.tenantExt, wantValue: "7"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := "/apis/" + tc.group + "/v1beta1/namespaces/ns1/queue_length?labelSelector=queue%3Da"
			resp := f.get(t, path, nil)
			if resp.code != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", path, resp.code, resp.body)
			}
			if got, want := typeMeta(t, resp.body), tc.group+"/v1beta1 ExternalMetricValueList"; got != want {
				t.Errorf("type = %q, want %q", got, want)
			}
			list := decode[emv1beta1.ExternalMetricValueList](t, resp.body)
			if len(list.Items) != 1 || list.Items[0].Value.String() != tc.wantValue || list.Items[0].MetricName != "queue_length" {
				t.Errorf("items = %+v, want one queue_length item of %s", list.Items, tc.wantValue)
			}
			want := call{Namespace: "ns1", MetricSelector: "queue=a", Info: adapter.ExternalMetricInfo{Metric: "queue_length"}}
			if diff := cmp.Diff(want, tc.stub.last()); diff != "" {
				t.Errorf("provider call mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := map[string]struct {
		requestTimeout time.Duration
		setup          func(f *fixture)
		method         string
		path           string
		header         map[string]string
		wantStatus     string
		wantMessage    string
	}{
		"provider error is a 500": {
			setup:      func(f *fixture) { f.tenantExt.err = errors.New("backend exploded") },
			path:       "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/queue_length",
			wantStatus: "500 InternalError", wantMessage: "backend exploded",
		},
		"provider status error is kept": {
			setup:      func(f *fixture) { f.tenantExt.err = adapter.NewExternalMetricNotFoundError("ns1", "queue_length") },
			path:       "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/queue_length",
			wantStatus: "404 NotFound", wantMessage: "could not find the external metric queue_length in namespace ns1",
		},
		"unknown external metric is a 404": {
			path:       "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/nope",
			wantStatus: "404 NotFound", wantMessage: "nope",
		},
		"hanging provider is cut off by the client's timeout": {
			setup:      func(f *fixture) { f.custom.hang = true },
			path:       "/apis/" + customGroup + "/v1beta2/namespaces/ns1/pods/*/http_requests?timeout=1s",
			wantStatus: "504 Timeout",
		},
		"hanging provider is cut off by the server's request timeout": {
			requestTimeout: time.Second,
			setup:          func(f *fixture) { f.pods.hang = true },
			path:           "/apis/" + resourceGroup + "/v1beta1/namespaces/ns1/pods",
			wantStatus:     "504 Timeout",
		},
		"unauthenticated": {
			path:   "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/queue_length",
			header: map[string]string{"X-Test-User": ""}, wantStatus: "401 Unauthorized",
		},
		"forbidden": {
			path:   "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/queue_length",
			header: map[string]string{"X-Test-User": "denied"}, wantStatus: "403 Forbidden", wantMessage: `User "denied" cannot list resource "queue_length" in API group "` + tenantExt + `"`,
		},
		"writes are not supported": {
			method: http.MethodPost, path: "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/queue_length",
			wantStatus: "405 MethodNotAllowed",
		},
		"watch is not supported": {
			path:       "/apis/" + resourceGroup + "/v1beta1/pods?watch=true",
			wantStatus: "405 MethodNotAllowed",
		},
		"bad selector": {
			path:       "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/queue_length?labelSelector=%3D%3D",
			wantStatus: "400 BadRequest", wantMessage: "query parameter labelSelector",
		},
		"group not served": {
			path:       "/apis/tenant-b.external.metrics.k8s.io/v1beta1/namespaces/ns1/queue_length",
			wantStatus: "404 NotFound",
		},
		"version not served": {
			path:       "/apis/" + tenantExt + "/v1beta2/namespaces/ns1/queue_length",
			wantStatus: "404 NotFound",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			timeout := tc.requestTimeout
			if timeout == 0 {
				timeout = 30 * time.Second
			}
			f := newFixture(t, timeout)
			if tc.setup != nil {
				tc.setup(f)
			}
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			start := time.Now()
			resp := f.do(t, method, tc.path, tc.header)
			elapsed := time.Since(start)
			got, message := status(t, resp.body)
			if got != tc.wantStatus || resp.code != atoiPrefix(tc.wantStatus) {
				t.Fatalf("%s %s = HTTP %d, status %q; want %q\n%s", method, tc.path, resp.code, got, tc.wantStatus, resp.body)
			}
			if !strings.Contains(message, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", message, tc.wantMessage)
			}
			if elapsed > 15*time.Second {
				t.Errorf("answer took %s, want well under the 30s request timeout", elapsed)
			}
		})
	}
}

func atoiPrefix(s string) int {
	var n int
	fmt.Sscanf(s, "%d", &n)
	return n
}

// TestAuthorizationAttributes pins down what RBAC rules a user needs: the
// request attributes the server authorizes.
func TestAuthorizationAttributes(t *testing.T) {
	f := newFixture(t, 0)
	tests := map[string]struct {
		path string
		want authorizer.AttributesRecord
	}{
		"pods metric by selector": {
			path: "/apis/" + customGroup + "/v1beta2/namespaces/ns1/pods/*/http_requests",
			want: authorizer.AttributesRecord{Verb: "get", APIGroup: customGroup, APIVersion: "v1beta2", Namespace: "ns1", Resource: "pods", Subresource: "http_requests", Name: "*", ResourceRequest: true},
		},
		"external metric": {
			path: "/apis/" + tenantExt + "/v1beta1/namespaces/ns1/queue_length",
			want: authorizer.AttributesRecord{Verb: "list", APIGroup: tenantExt, APIVersion: "v1beta1", Namespace: "ns1", Resource: "queue_length", ResourceRequest: true},
		},
		"pod metrics list": {
			path: "/apis/" + resourceGroup + "/v1beta1/namespaces/ns1/pods",
			want: authorizer.AttributesRecord{Verb: "list", APIGroup: resourceGroup, APIVersion: "v1beta1", Namespace: "ns1", Resource: "pods", ResourceRequest: true},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if resp := f.get(t, tc.path, nil); resp.code != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", tc.path, resp.code, resp.body)
			}
			if diff := cmp.Diff(tc.want, f.authz.lastAttributes(), cmpIgnoreUser); diff != "" {
				t.Errorf("attributes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpIgnoreUser = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".User" }, cmp.Ignore())

// TestClients reads the metrics APIs under subdomain groups the way Go
// clients do: a REST client from RESTClientFor, and the stock k8s.io/metrics
// typed clients built on it.
func TestClients(t *testing.T) {
	f := newFixture(t, 0)
	cfg := f.restConfig()
	ctx := context.Background()

	extREST, err := adapter.RESTClientFor(cfg, adapter.ExternalMetrics, schema.GroupVersion{Group: tenantExt, Version: "v1beta1"})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := externalclient.New(extREST).NamespacedMetrics("ns1").List("queue_length", labels.SelectorFromSet(labels.Set{"queue": "a"}))
	if err != nil {
		t.Fatalf("external metrics client: %v", err)
	}
	if len(ext.Items) != 1 || ext.Items[0].Value.String() != "7" {
		t.Errorf("external metrics client items = %+v, want one of value 7", ext.Items)
	}

	resREST, err := adapter.RESTClientFor(cfg, adapter.ResourceMetrics, schema.GroupVersion{Group: resourceGroup, Version: "v1beta1"})
	if err != nil {
		t.Fatal(err)
	}
	// The typed metrics clientset cannot be used under another group: it
	// encodes its options with its own scheme, which knows only
	// metrics.k8s.io. A REST client with metav1.ParameterCodec works.
	podList := &metricsv1beta1.PodMetricsList{}
	err = resREST.Get().Namespace("ns1").Resource("pods").VersionedParams(&metav1.ListOptions{LabelSelector: "app=db"}, metav1.ParameterCodec).Do(ctx).Into(podList)
	if err != nil {
		t.Fatalf("metrics REST client: %v", err)
	}
	if len(podList.Items) != 1 || podList.Items[0].Name != "db-1" {
		t.Errorf("metrics REST client pods = %+v, want db-1", podList.Items)
	}

	// A dynamic client decodes any group: unstructured objects.
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ulist, err := dyn.Resource(schema.GroupVersionResource{Group: tenantExt, Version: "v1beta1", Resource: "queue_length"}).Namespace("ns1").List(ctx, metav1.ListOptions{LabelSelector: "queue=a"})
	if err != nil {
		t.Fatalf("dynamic client: %v", err)
	}
	if ulist.GetAPIVersion() != tenantExt+"/v1beta1" || ulist.GetKind() != "ExternalMetricValueList" || len(ulist.Items) != 1 || ulist.Items[0].Object["value"] != "7" {
		t.Errorf("dynamic client list = %s %s %v, want one %s/v1beta1 ExternalMetricValueList item of value 7", ulist.GetAPIVersion(), ulist.GetKind(), ulist.Items, tenantExt)
	}
	pm, err := dyn.Resource(schema.GroupVersionResource{Group: customGroup, Version: "v1beta2", Resource: "pods"}).Namespace("ns1").Get(ctx, "*", metav1.GetOptions{}, "http_requests")
	if err != nil {
		t.Fatalf("dynamic client, custom metrics: %v", err)
	}
	if items, _, _ := unstructured.NestedSlice(pm.Object, "items"); pm.GetKind() != "MetricValueList" || len(items) != 2 {
		t.Errorf("dynamic client custom metrics = %v, want a MetricValueList of 2", pm.Object)
	}

	cmREST, err := adapter.RESTClientFor(cfg, adapter.CustomMetrics, schema.GroupVersion{Group: customGroup, Version: "v1beta2"})
	if err != nil {
		t.Fatal(err)
	}
	values := &cmv1beta2.MetricValueList{}
	if err := cmREST.Get().Namespace("ns1").Resource("pods").Name("*").SubResource("http_requests").Param("labelSelector", "app=web").Do(ctx).Into(values); err != nil {
		t.Fatalf("custom metrics REST client: %v", err)
	}
	if len(values.Items) != 2 || values.Items[1].Value.String() != "20" {
		t.Errorf("custom metrics REST client items = %+v, want web-1 10 and web-2 20", values.Items)
	}
}

// TestProtobuf checks that clients asking for protobuf, as Kubernetes
// components do, get it.
func TestProtobuf(t *testing.T) {
	f := newFixture(t, 0)
	resp := f.get(t, "/apis/"+customGroup+"/v1beta2/namespaces/ns1/pods/*/http_requests", map[string]string{"Accept": "application/vnd.kubernetes.protobuf"})
	if resp.code != http.StatusOK || resp.contentType != "application/vnd.kubernetes.protobuf" {
		t.Fatalf("GET = %d %q: %s", resp.code, resp.contentType, resp.body)
	}
	scheme := runtime.NewScheme()
	gv := schema.GroupVersion{Group: customGroup, Version: "v1beta2"}
	if err := adapter.AddToScheme(scheme, adapter.CustomMetrics, gv); err != nil {
		t.Fatal(err)
	}
	info, ok := runtime.SerializerInfoForMediaType(serializer.NewCodecFactory(scheme).SupportedMediaTypes(), runtime.ContentTypeProtobuf)
	if !ok {
		t.Fatal("no protobuf serializer")
	}
	obj, gvk, err := info.Serializer.Decode(resp.body, nil, nil)
	if err != nil {
		t.Fatalf("decoding protobuf: %v", err)
	}
	list, ok := obj.(*cmv1beta2.MetricValueList)
	if !ok || gvk.GroupVersion() != gv || len(list.Items) != 2 {
		t.Errorf("decoded %T %v with %d items, want a %s MetricValueList of 2", obj, gvk, len(list.Items), gv)
	}
}

// TestServeTLS runs the server on a port with each kind of serving
// certificate and checks that clients verify it: the generated one with
// CABundle (also for the extra hostnames, the Service name the aggregator
// checks), and one given as PEM or as files.
func TestServeTLS(t *testing.T) {
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("localhost", nil, []string{"tenant-a-metrics.kube-system.svc"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		cfg        adapter.Config
		wantBundle bool
		// ca verifies the server; nil means the server's CABundle.
		ca []byte
	}{
		"generated": {cfg: adapter.Config{Hostnames: adapter.ServiceHostnames("kube-system", "tenant-a-metrics")}, wantBundle: true},
		"PEM":       {cfg: adapter.Config{CertPEM: certPEM, KeyPEM: keyPEM}, ca: certPEM},
		"files":     {cfg: adapter.Config{CertFile: certFile, KeyFile: keyFile}, ca: certPEM},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cfg := tc.cfg
			cfg.Groups = []adapter.Group{{Name: tenantExt, ExternalMetrics: &stubExternal{value: resource.MustParse("1"), known: []string{"m"}}}}
			cfg.Authenticator = headerAuthenticator{}
			cfg.Authorizer = &recordingAuthorizer{}
			srv, err := adapter.New(ctx, cfg)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			if err := srv.Start(ctx); err != nil {
				cancel()
				t.Fatalf("Start: %v", err)
			}
			t.Cleanup(func() {
				cancel()
				<-srv.Done()
			})
			if got := len(srv.CABundle()) > 0; got != tc.wantBundle {
				t.Errorf("CABundle present = %v, want %v", got, tc.wantBundle)
			}
			ca := tc.ca
			if ca == nil {
				ca = srv.CABundle()
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(ca) {
				t.Fatal("no CA certificate to verify with")
			}
			for _, serverName := range []string{"localhost", "tenant-a-metrics.kube-system.svc"} {
				client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: serverName}}}
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d/apis/%s/v1beta1/namespaces/ns1/m", srv.Port(), tenantExt), nil)
				req.Header.Set("X-Test-User", "alice")
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("TLS request as %s: %v", serverName, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("TLS request as %s = %d: %s", serverName, resp.StatusCode, body)
				}
			}
		})
	}
}
