package aggregated

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	cmv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	cmv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	emv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/mhpa-dev/mhpa/internal/metrics"
)

var (
	t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	t1 = t0.Add(-10 * time.Second)
)

func externalList(group string, values ...string) emv1beta1.ExternalMetricValueList {
	l := emv1beta1.ExternalMetricValueList{TypeMeta: metav1.TypeMeta{Kind: "ExternalMetricValueList", APIVersion: group + "/v1beta1"}}
	for i, v := range values {
		ts := t0
		if i == 1 {
			ts = t1
		}
		l.Items = append(l.Items, emv1beta1.ExternalMetricValue{MetricName: "queue", Timestamp: metav1.NewTime(ts), Value: resource.MustParse(v)})
	}
	return l
}

type objValue struct {
	name, value string
	window      *int64
}

func customV2(group string, kind string, items ...objValue) cmv1beta2.MetricValueList {
	l := cmv1beta2.MetricValueList{TypeMeta: metav1.TypeMeta{Kind: "MetricValueList", APIVersion: group + "/v1beta2"}}
	for _, it := range items {
		l.Items = append(l.Items, cmv1beta2.MetricValue{
			DescribedObject: corev1.ObjectReference{Kind: kind, Name: it.name},
			Metric:          cmv1beta2.MetricIdentifier{Name: "m"},
			Timestamp:       metav1.NewTime(t0), WindowSeconds: it.window, Value: resource.MustParse(it.value),
		})
	}
	return l
}

func customV1(group string, kind string, items ...objValue) cmv1beta1.MetricValueList {
	l := cmv1beta1.MetricValueList{TypeMeta: metav1.TypeMeta{Kind: "MetricValueList", APIVersion: group + "/v1beta1"}}
	for _, it := range items {
		l.Items = append(l.Items, cmv1beta1.MetricValue{
			DescribedObject: corev1.ObjectReference{Kind: kind, Name: it.name}, MetricName: "m",
			Timestamp: metav1.NewTime(t0), WindowSeconds: it.window, Value: resource.MustParse(it.value),
		})
	}
	return l
}

func podMetrics(name string, ts time.Time, containers ...metricsv1beta1.ContainerMetrics) metricsv1beta1.PodMetrics {
	return metricsv1beta1.PodMetrics{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Timestamp:  metav1.NewTime(ts), Window: metav1.Duration{Duration: 30 * time.Second},
		Containers: containers,
	}
}

func container(name, cpu string) metricsv1beta1.ContainerMetrics {
	return metricsv1beta1.ContainerMetrics{Name: name, Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}
}

func podMetricsList(group string, items ...metricsv1beta1.PodMetrics) metricsv1beta1.PodMetricsList {
	return metricsv1beta1.PodMetricsList{TypeMeta: metav1.TypeMeta{Kind: "PodMetricsList", APIVersion: group + "/v1beta1"}, Items: items}
}

func testMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Service"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Version: "v1", Kind: "Node"}, meta.RESTScopeRoot)
	return m
}

func newTestClient(t *testing.T, f *fakeAggregator, opts Options) *Client {
	t.Helper()
	if opts.RESTMapper == nil {
		opts.RESTMapper = testMapper()
	}
	c, err := New(f.config(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// selector parses a fixture selector; fixtures are known good.
func selector(s string) labels.Selector {
	sel, err := labels.Parse(s)
	if err != nil {
		panic(err)
	}
	return sel
}

func ptr[T any](v T) *T { return &v }

// TestRouting checks the path and parameters each query is sent with, in
// the group its subdomain names, and the decoded answer.
func TestRouting(t *testing.T) {
	type registration struct {
		group    string
		versions []string
		answer   any
	}
	type outcome struct {
		Path   string
		Query  url.Values
		Result any
	}
	cases := map[string]struct {
		reg  registration
		call func(ctx context.Context, c *Client) (any, error)
		want outcome
	}{
		"external, default group": {
			reg: registration{"external.metrics.k8s.io", []string{"v1beta1"}, externalList("external.metrics.k8s.io", "3", "500m")},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExternalMetric(ctx, metrics.ExternalQuery{Namespace: "ns", Metric: "queue", MetricSelector: selector("queue=q1")})
			},
			want: outcome{
				Path:   "/apis/external.metrics.k8s.io/v1beta1/namespaces/ns/queue",
				Query:  url.Values{"labelSelector": {"queue=q1"}},
				Result: metrics.ExternalValues{MilliValues: []int64{3000, 500}, Timestamp: t1},
			},
		},
		"external, subdomain, metric name lower-cased as upstream, no selector": {
			reg: registration{"tenant-a.external.metrics.k8s.io", []string{"v1beta1"}, externalList("tenant-a.external.metrics.k8s.io", "7")},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-a", Namespace: "ns", Metric: "Queue"})
			},
			want: outcome{
				Path:   "/apis/tenant-a.external.metrics.k8s.io/v1beta1/namespaces/ns/queue",
				Query:  url.Values{},
				Result: metrics.ExternalValues{MilliValues: []int64{7000}, Timestamp: t0},
			},
		},
		"external, answer carries the default group's apiVersion": {
			reg: registration{"tenant-a.external.metrics.k8s.io", []string{"v1beta1"}, externalList("external.metrics.k8s.io", "2")},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-a", Namespace: "ns", Metric: "queue"})
			},
			want: outcome{
				Path:   "/apis/tenant-a.external.metrics.k8s.io/v1beta1/namespaces/ns/queue",
				Query:  url.Values{},
				Result: metrics.ExternalValues{MilliValues: []int64{2000}, Timestamp: t0},
			},
		},
		"pods, subdomain, v1beta2 preferred": {
			reg: registration{"tenant-a.custom.metrics.k8s.io", []string{"v1beta1", "v1beta2"},
				customV2("tenant-a.custom.metrics.k8s.io", "Pod", objValue{"web-1", "10", ptr(int64(30))}, objValue{"web-2", "250m", nil})},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PodsMetric(ctx, metrics.PodsQuery{Subdomain: "tenant-a", Namespace: "ns", Metric: "http_requests",
					Selector: selector("app=web"), MetricSelector: selector("verb=GET")})
			},
			want: outcome{
				Path:  "/apis/tenant-a.custom.metrics.k8s.io/v1beta2/namespaces/ns/pods/*/http_requests",
				Query: url.Values{"labelSelector": {"app=web"}, "metricLabelSelector": {"verb=GET"}},
				Result: metrics.PodValues{Timestamp: t0, Values: map[string]metrics.PodValue{
					"web-1": {MilliValue: 10000, Timestamp: t0, Window: 30 * time.Second},
					"web-2": {MilliValue: 250, Timestamp: t0, Window: time.Minute},
				}},
			},
		},
		"pods, default group, falls back to v1beta1": {
			reg: registration{"custom.metrics.k8s.io", []string{"v1beta1"},
				customV1("custom.metrics.k8s.io", "Pod", objValue{"web-1", "4", ptr(int64(15))})},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PodsMetric(ctx, metrics.PodsQuery{Namespace: "ns", Metric: "http_requests", Selector: selector("app=web")})
			},
			want: outcome{
				Path:  "/apis/custom.metrics.k8s.io/v1beta1/namespaces/ns/pods/*/http_requests",
				Query: url.Values{"labelSelector": {"app=web"}},
				Result: metrics.PodValues{Timestamp: t0, Values: map[string]metrics.PodValue{
					"web-1": {MilliValue: 4000, Timestamp: t0, Window: 15 * time.Second},
				}},
			},
		},
		"object, namespaced kind of a named group": {
			reg: registration{"custom.metrics.k8s.io", []string{"v1beta2"},
				customV2("custom.metrics.k8s.io", "Deployment", objValue{"web", "42", ptr(int64(60))})},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ObjectMetric(ctx, metrics.ObjectQuery{Namespace: "ns", Metric: "requests",
					Object: metrics.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}, MetricSelector: selector("path=root")})
			},
			want: outcome{
				Path:   "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns/deployments.apps/web/requests",
				Query:  url.Values{"metricLabelSelector": {"path=root"}},
				Result: metrics.ObjectValue{MilliValue: 42000, Timestamp: t0, Window: time.Minute},
			},
		},
		"object, core kind under a subdomain": {
			reg: registration{"tenant-b.custom.metrics.k8s.io", []string{"v1beta2"},
				customV2("tenant-b.custom.metrics.k8s.io", "Service", objValue{"front", "1", nil})},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ObjectMetric(ctx, metrics.ObjectQuery{Subdomain: "tenant-b", Namespace: "ns", Metric: "rps",
					Object: metrics.ObjectReference{APIVersion: "v1", Kind: "Service", Name: "front"}})
			},
			want: outcome{
				Path:   "/apis/tenant-b.custom.metrics.k8s.io/v1beta2/namespaces/ns/services/front/rps",
				Query:  url.Values{},
				Result: metrics.ObjectValue{MilliValue: 1000, Timestamp: t0, Window: time.Minute},
			},
		},
		"object, the namespace itself": {
			reg: registration{"custom.metrics.k8s.io", []string{"v1beta2"},
				customV2("custom.metrics.k8s.io", "Namespace", objValue{"ns", "5", nil})},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ObjectMetric(ctx, metrics.ObjectQuery{Namespace: "ns", Metric: "backlog",
					Object: metrics.ObjectReference{APIVersion: "v1", Kind: "Namespace", Name: "other"}})
			},
			want: outcome{
				Path:   "/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns/metrics/backlog",
				Query:  url.Values{},
				Result: metrics.ObjectValue{MilliValue: 5000, Timestamp: t0, Window: time.Minute},
			},
		},
		"object, cluster-scoped kind": {
			reg: registration{"custom.metrics.k8s.io", []string{"v1beta2"},
				customV2("custom.metrics.k8s.io", "Node", objValue{"node-1", "9", nil})},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ObjectMetric(ctx, metrics.ObjectQuery{Namespace: "ns", Metric: "load",
					Object: metrics.ObjectReference{APIVersion: "v1", Kind: "Node", Name: "node-1"}})
			},
			want: outcome{
				Path:   "/apis/custom.metrics.k8s.io/v1beta2/nodes/node-1/load",
				Query:  url.Values{},
				Result: metrics.ObjectValue{MilliValue: 9000, Timestamp: t0, Window: time.Minute},
			},
		},
		"resource, pod sums containers, pods missing a container value left out": {
			reg: registration{"metrics.k8s.io", []string{"v1beta1"}, podMetricsList("metrics.k8s.io",
				podMetrics("web-1", t0, container("app", "200m"), container("sidecar", "50m")),
				podMetrics("web-2", t1, container("app", "100m")),
				podMetrics("web-3", t0, container("app", "100m"), metricsv1beta1.ContainerMetrics{Name: "sidecar"}),
				podMetrics("web-4", t0))},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: "ns", Selector: selector("app=web"), Resource: corev1.ResourceCPU})
			},
			want: outcome{
				Path:  "/apis/metrics.k8s.io/v1beta1/namespaces/ns/pods",
				Query: url.Values{"labelSelector": {"app=web"}},
				Result: metrics.PodValues{Timestamp: t1, Values: map[string]metrics.PodValue{
					"web-1": {MilliValue: 250, Timestamp: t0, Window: 30 * time.Second},
					"web-2": {MilliValue: 100, Timestamp: t1, Window: 30 * time.Second},
				}},
			},
		},
		"resource, one container, subdomain": {
			reg: registration{"tenant-a.metrics.k8s.io", []string{"v1beta1"}, podMetricsList("tenant-a.metrics.k8s.io",
				podMetrics("web-1", t0, container("app", "200m"), container("sidecar", "50m")),
				podMetrics("web-2", t0, container("app", "100m")))},
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ResourceMetric(ctx, metrics.ResourceQuery{Subdomain: "tenant-a", Namespace: "ns", Resource: corev1.ResourceCPU, Container: "sidecar"})
			},
			want: outcome{
				Path:  "/apis/tenant-a.metrics.k8s.io/v1beta1/namespaces/ns/pods",
				Query: url.Values{},
				Result: metrics.PodValues{Timestamp: t0, Values: map[string]metrics.PodValue{
					"web-1": {MilliValue: 50, Timestamp: t0, Window: 30 * time.Second},
				}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFakeAggregator(t)
			f.register(tc.reg.group, tc.reg.versions, answer(tc.reg.answer))
			c := newTestClient(t, f, Options{})
			res, err := tc.call(t.Context(), c)
			if err != nil {
				t.Fatalf("query failed: %v", err)
			}
			var data []seenRequest
			for _, r := range f.seen() {
				if r.Path != "/apis/"+tc.reg.group {
					data = append(data, r)
				}
			}
			if len(data) != 1 {
				t.Fatalf("want exactly one data request, got %+v", data)
			}
			got := outcome{Path: data[0].Path, Query: data[0].Query, Result: res}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestVersionDiscovery checks which version is chosen from what a group serves.
func TestVersionDiscovery(t *testing.T) {
	cases := map[string]struct {
		api      metrics.API
		served   []string
		wantPath string
		wantErr  string
	}{
		"custom: v1beta2 preferred over v1beta1": {
			api: metrics.CustomAPI, served: []string{"v1beta1", "v1beta2"},
			wantPath: "/apis/s.custom.metrics.k8s.io/v1beta2/namespaces/ns/pods/*/m",
		},
		"custom: v1beta1 when v1beta2 is not served": {
			api: metrics.CustomAPI, served: []string{"v1beta1"},
			wantPath: "/apis/s.custom.metrics.k8s.io/v1beta1/namespaces/ns/pods/*/m",
		},
		"custom: no supported version": {
			api: metrics.CustomAPI, served: []string{"v1alpha1"},
			wantErr: `subdomain "s": API group s.custom.metrics.k8s.io is served in versions [v1alpha1], none of which is supported (supported: [v1beta2 v1beta1])`,
		},
		"external: v1beta1": {
			api: metrics.ExternalAPI, served: []string{"v2", "v1beta1"},
			wantPath: "/apis/s.external.metrics.k8s.io/v1beta1/namespaces/ns/m",
		},
		"resource: v1beta1": {
			api: metrics.ResourceAPI, served: []string{"v1beta1"},
			wantPath: "/apis/s.metrics.k8s.io/v1beta1/namespaces/ns/pods",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFakeAggregator(t)
			group := metrics.GroupName(tc.api, "s")
			var answerObj any
			switch tc.api {
			case metrics.CustomAPI:
				answerObj = customV2(group, "Pod", objValue{"p", "1", nil})
			case metrics.ExternalAPI:
				answerObj = externalList(group, "1")
			case metrics.ResourceAPI:
				answerObj = podMetricsList(group, podMetrics("p", t0, container("c", "1")))
			}
			f.register(group, tc.served, answer(answerObj))
			c := newTestClient(t, f, Options{})
			var err error
			for range 3 {
				err = callAPI(t.Context(), c, tc.api, "s")
			}
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("want error %q, got %v", tc.wantErr, err)
				}
				var unsupported *metrics.NoSupportedVersionError
				if !errors.As(err, &unsupported) {
					t.Errorf("want a *NoSupportedVersionError, got %T", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("query failed: %v", err)
			}
			if n := f.count(tc.wantPath); n != 3 {
				t.Errorf("want 3 requests to %s, got %d (all: %+v)", tc.wantPath, n, f.seen())
			}
			if n := f.count("/apis/" + group); n != 4 {
				t.Errorf("want 3 data requests and 1 discovery (cached), got %d requests under /apis/%s", n, group)
			}
		})
	}
}

// callAPI makes a simple query of api under subdomain.
func callAPI(ctx context.Context, c *Client, api metrics.API, subdomain string) error {
	var err error
	switch api {
	case metrics.CustomAPI:
		_, err = c.PodsMetric(ctx, metrics.PodsQuery{Subdomain: subdomain, Namespace: "ns", Metric: "m"})
	case metrics.ExternalAPI:
		_, err = c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: subdomain, Namespace: "ns", Metric: "m"})
	case metrics.ResourceAPI:
		_, err = c.ResourceMetric(ctx, metrics.ResourceQuery{Subdomain: subdomain, Namespace: "ns", Resource: corev1.ResourceCPU})
	}
	return err
}

// TestNotServed checks the error for a group no APIService serves, for every
// query kind, and that nothing is sent to any other group (no fallback to
// the default group, which is served here).
func TestNotServed(t *testing.T) {
	f := newFakeAggregator(t)
	f.register(metrics.ExternalGroup, []string{"v1beta1"}, answer(externalList(metrics.ExternalGroup, "1")))
	f.register(metrics.CustomGroup, []string{"v1beta2"}, answer(customV2(metrics.CustomGroup, "Pod", objValue{"p", "1", nil})))
	f.register(metrics.ResourceGroup, []string{"v1beta1"}, answer(podMetricsList(metrics.ResourceGroup, podMetrics("p", t0, container("c", "1")))))
	c := newTestClient(t, f, Options{})
	ctx := t.Context()

	calls := map[string]struct {
		call func() error
		want string
	}{
		"external": {
			call: func() error {
				_, err := c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-x", Namespace: "ns", Metric: "m"})
				return err
			},
			want: `subdomain "tenant-x": API group tenant-x.external.metrics.k8s.io is not served`,
		},
		"pods": {
			call: func() error {
				_, err := c.PodsMetric(ctx, metrics.PodsQuery{Subdomain: "tenant-x", Namespace: "ns", Metric: "m"})
				return err
			},
			want: `subdomain "tenant-x": API group tenant-x.custom.metrics.k8s.io is not served`,
		},
		"object": {
			call: func() error {
				_, err := c.ObjectMetric(ctx, metrics.ObjectQuery{Subdomain: "tenant-x", Namespace: "ns", Metric: "m",
					Object: metrics.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d"}})
				return err
			},
			want: `subdomain "tenant-x": API group tenant-x.custom.metrics.k8s.io is not served`,
		},
		"resource": {
			call: func() error {
				_, err := c.ResourceMetric(ctx, metrics.ResourceQuery{Subdomain: "tenant-x", Namespace: "ns", Resource: corev1.ResourceCPU})
				return err
			},
			want: `subdomain "tenant-x": API group tenant-x.metrics.k8s.io is not served`,
		},
	}
	for name, tc := range calls {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("want an error, got none")
			}
			if err.Error() != tc.want {
				t.Errorf("error text:\nwant %s\ngot  %s", tc.want, err.Error())
			}
			var notServed *metrics.GroupNotServedError
			if !errors.As(err, &notServed) {
				t.Errorf("want a *GroupNotServedError, got %T", err)
			}
		})
	}
	for _, r := range f.seen() {
		if !strings.HasPrefix(r.Path, "/apis/tenant-x.") {
			t.Errorf("a tenant-x query reached %s", r.Path)
		}
		if strings.Count(r.Path, "/") != 2 {
			t.Errorf("want only discovery requests for tenant-x groups, got %s", r.Path)
		}
	}

	// The default group's own error text has no subdomain.
	f.unregister(metrics.ExternalGroup)
	c2 := newTestClient(t, f, Options{})
	_, err := c2.ExternalMetric(ctx, metrics.ExternalQuery{Namespace: "ns", Metric: "m"})
	if want := "API group external.metrics.k8s.io is not served"; err == nil || err.Error() != want {
		t.Errorf("default group: want error %q, got %v", want, err)
	}
}

// TestDiscoveryRefresh checks that a group registered after it was found not
// served is used once NotServedTTL has passed, that a removed group stops
// being used, and that a group that changes version is followed.
func TestDiscoveryRefresh(t *testing.T) {
	f := newFakeAggregator(t)
	clk := clocktesting.NewFakePassiveClock(t0)
	reg := prometheus.NewRegistry()
	c := newTestClient(t, f, Options{Clock: clk, Registerer: reg, NotServedTTL: 10 * time.Second, DiscoveryTTL: time.Minute})
	ctx := t.Context()
	group := "tenant-x.external.metrics.k8s.io"
	query := metrics.ExternalQuery{Subdomain: "tenant-x", Namespace: "ns", Metric: "m"}

	_, err := c.ExternalMetric(ctx, query)
	var notServed *metrics.GroupNotServedError
	if !errors.As(err, &notServed) {
		t.Fatalf("before registration: want *GroupNotServedError, got %v", err)
	}

	f.register(group, []string{"v1beta1"}, answer(externalList(group, "4")))
	clk.SetTime(t0.Add(5 * time.Second))
	if _, err := c.ExternalMetric(ctx, query); !errors.As(err, &notServed) {
		t.Fatalf("within NotServedTTL: want the cached *GroupNotServedError, got %v", err)
	}
	if n := f.count("/apis/" + group); n != 1 {
		t.Errorf("within NotServedTTL: want 1 discovery request, got %d", n)
	}

	clk.SetTime(t0.Add(11 * time.Second))
	got, err := c.ExternalMetric(ctx, query)
	if err != nil {
		t.Fatalf("after NotServedTTL: %v", err)
	}
	if diff := cmp.Diff([]int64{4000}, got.MilliValues); diff != "" {
		t.Errorf("after registration (-want +got):\n%s", diff)
	}

	// The group moves from v1beta1 to a version that is not supported: a
	// not-found answer triggers rediscovery, which reports it.
	f.register(group, []string{"v2"}, answer(externalList(group, "4")))
	clk.SetTime(t0.Add(13 * time.Second))
	_, err = c.ExternalMetric(ctx, query)
	var unsupported *metrics.NoSupportedVersionError
	if !errors.As(err, &unsupported) {
		t.Fatalf("after the version change: want *NoSupportedVersionError, got %v", err)
	}

	// The group is removed: a not-found answer triggers rediscovery.
	f.register(group, []string{"v1beta1"}, answer(externalList(group, "4")))
	clk.SetTime(t0.Add(30 * time.Second))
	if _, err := c.ExternalMetric(ctx, query); err != nil {
		t.Fatalf("re-registered: %v", err)
	}
	f.unregister(group)
	clk.SetTime(t0.Add(35 * time.Second))
	_, err = c.ExternalMetric(ctx, query)
	if err == nil || err.Error() != `subdomain "tenant-x": API group tenant-x.external.metrics.k8s.io is not served` {
		t.Fatalf("after removal: want the not-served error, got %v", err)
	}
	data := 0
	for _, r := range f.seen() {
		if r.Path == "/apis/"+group+"/v1beta1/namespaces/ns/m" {
			data++
		}
	}
	if _, err := c.ExternalMetric(ctx, query); !errors.As(err, &notServed) {
		t.Fatalf("after removal, again: want *GroupNotServedError, got %v", err)
	}
	if n := f.count("/apis/" + group + "/v1beta1/"); n != data {
		t.Errorf("after removal a data request was sent again (%d before, %d after)", data, n)
	}
	if v := metricValue(t, reg, MetricErrors, map[string]string{"group": group, "reason": ReasonNotServed}); v != 4 {
		t.Errorf("want 4 not_served errors counted, got %v", v)
	}
}

// TestVersionChangeFollowed checks that a custom metrics group that drops
// v1beta2 for v1beta1 is followed at once: the not-found answer triggers
// rediscovery and the request is sent again in the new version.
func TestVersionChangeFollowed(t *testing.T) {
	f := newFakeAggregator(t)
	clk := clocktesting.NewFakePassiveClock(t0)
	c := newTestClient(t, f, Options{Clock: clk})
	group := metrics.CustomGroup
	f.register(group, []string{"v1beta2"}, answer(customV2(group, "Pod", objValue{"p", "1", nil})))
	query := metrics.PodsQuery{Namespace: "ns", Metric: "m"}
	if _, err := c.PodsMetric(t.Context(), query); err != nil {
		t.Fatal(err)
	}
	f.register(group, []string{"v1beta1"}, answer(customV1(group, "Pod", objValue{"p", "2", nil})))
	clk.SetTime(t0.Add(2 * time.Second))
	got, err := c.PodsMetric(t.Context(), query)
	if err != nil {
		t.Fatalf("after the version change: %v", err)
	}
	if v := got.Values["p"].MilliValue; v != 2000 {
		t.Errorf("want the v1beta1 value 2000, got %d", v)
	}
}

// TestAnswerErrors checks how error answers and odd answers are reported.
func TestAnswerErrors(t *testing.T) {
	f := newFakeAggregator(t)
	c := newTestClient(t, f, Options{})
	ctx := t.Context()
	f.register("a.external.metrics.k8s.io", []string{"v1beta1"}, func(w http.ResponseWriter, _ *http.Request) {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "no metric m")
	})
	f.register("b.external.metrics.k8s.io", []string{"v1beta1"}, answer(externalList("b.external.metrics.k8s.io")))
	f.register("c.external.metrics.k8s.io", []string{"v1beta1"}, answer(podMetricsList("c.external.metrics.k8s.io")))

	_, err := c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "a", Namespace: "ns", Metric: "m"})
	if !apierrors.IsNotFound(err) {
		t.Errorf("a missing metric: want a NotFound status error, got %v", err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), `subdomain "a": API group a.external.metrics.k8s.io: `) {
		t.Errorf("a missing metric: want the group named in %q", err)
	}
	_, err = c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "b", Namespace: "ns", Metric: "m"})
	if !errors.Is(err, metrics.ErrNoMetrics) {
		t.Errorf("an empty list: want ErrNoMetrics, got %v", err)
	}
	_, err = c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "c", Namespace: "ns", Metric: "m"})
	if err == nil || !strings.Contains(err.Error(), `kind "PodMetricsList"`) {
		t.Errorf("an answer of the wrong kind: want it named, got %v", err)
	}
}

// TestInvalidQueries checks that bad input is refused before any request.
func TestInvalidQueries(t *testing.T) {
	f := newFakeAggregator(t)
	c := newTestClient(t, f, Options{})
	ctx := t.Context()
	cases := map[string]struct {
		call func() error
		want string
	}{
		"subdomain not a DNS label": {
			call: func() error {
				_, err := c.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "Tenant_X", Namespace: "ns", Metric: "m"})
				return err
			},
			want: `subdomain: Invalid value: "Tenant_X": a lowercase RFC 1123 label`,
		},
		"resource subdomain naming the custom metrics group": {
			call: func() error {
				_, err := c.ResourceMetric(ctx, metrics.ResourceQuery{Subdomain: "custom", Namespace: "ns", Resource: corev1.ResourceCPU})
				return err
			},
			want: `subdomain: Invalid value: "custom": for the resource metrics API it names group custom.metrics.k8s.io, which is the custom metrics API`,
		},
		"no namespace": {
			call: func() error {
				_, err := c.ExternalMetric(ctx, metrics.ExternalQuery{Metric: "m"})
				return err
			},
			want: "namespace: Required value",
		},
		"metric name with a slash": {
			call: func() error {
				_, err := c.PodsMetric(ctx, metrics.PodsQuery{Namespace: "ns", Metric: "a/b"})
				return err
			},
			want: `metric.name: Invalid value: "a/b"`,
		},
		"object without a mappable kind": {
			call: func() error {
				_, err := c.ObjectMetric(ctx, metrics.ObjectQuery{Namespace: "ns", Metric: "m",
					Object: metrics.ObjectReference{APIVersion: "example.com/v1", Kind: "Widget", Name: "w"}})
				return err
			},
			want: "mapping kind Widget of apiVersion example.com/v1 to a resource",
		},
		"object with a bad apiVersion": {
			call: func() error {
				_, err := c.ObjectMetric(ctx, metrics.ObjectQuery{Namespace: "ns", Metric: "m",
					Object: metrics.ObjectReference{APIVersion: "a/b/c", Kind: "Widget", Name: "w"}})
				return err
			},
			want: `object.apiVersion: Invalid value: "a/b/c"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
	if n := len(f.seen()); n != 0 {
		t.Errorf("want no requests for invalid queries, got %+v", f.seen())
	}
}
