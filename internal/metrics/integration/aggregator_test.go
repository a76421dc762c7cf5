package integration_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/metrics/aggregated"
	"github.com/mhpa-dev/mhpa/internal/metrics/dedupe"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// ns is the namespace the metrics are read in. The metrics servers do not
// need it to exist.
const ns = "team"

const (
	tenantAExternal = "tenant-a.external.metrics.k8s.io"
	tenantACustom   = "tenant-a.custom.metrics.k8s.io"
	tenantXExternal = "tenant-x.external.metrics.k8s.io"
)

// startMetricsServer starts a fake metrics server serving groups, registered
// as APIServices with the control plane, and stops it when the test ends.
func startMetricsServer(t *testing.T, cfg *rest.Config, groups ...string) *fakemetrics.Server {
	t.Helper()
	srv, err := fakemetrics.Start(t.Context(), fakemetrics.Options{Groups: groups, KubeConfig: cfg})
	if err != nil {
		t.Fatalf("starting a metrics server for %v: %v", groups, err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Logf("stopping the metrics server for %v: %v", groups, err)
		}
	})
	return srv
}

func selector(t *testing.T, s string) labels.Selector {
	t.Helper()
	sel, err := labels.Parse(s)
	if err != nil {
		t.Fatalf("parsing selector %q: %v", s, err)
	}
	return sel
}

func cpu(q string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(q)}
}

// TestMetricsThroughAggregator reads metrics of every kind from metrics
// servers registered under the default groups and under subdomains, through
// the kube-apiserver aggregator, and checks routing, discovery refresh and
// isolation of a hanging server.
func TestMetricsThroughAggregator(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{})
	cfg := cp.AdminConfig()
	ctx := t.Context()

	def := startMetricsServer(t, cfg, metrics.ExternalGroup, metrics.ResourceGroup, metrics.CustomGroup)
	tenantA := startMetricsServer(t, cfg, tenantAExternal, tenantACustom)

	for _, s := range []struct {
		group string
		value string
		queue string
	}{
		{metrics.ExternalGroup, "30", "orders"},
		{metrics.ExternalGroup, "12", "billing"},
		{tenantAExternal, "7", "orders"},
	} {
		srv := def
		if s.group == tenantAExternal {
			srv = tenantA
		}
		srv.Group(s.group).SetExternalMetric(fakemetrics.ExternalMetric{
			Namespace: ns, Metric: "queue_length", Labels: map[string]string{"queue": s.queue}, Value: resource.MustParse(s.value),
		})
	}
	resourceGroup := def.Group(metrics.ResourceGroup)
	resourceGroup.SetPod(fakemetrics.Pod{Namespace: ns, Name: "web-1", Labels: map[string]string{"app": "web"},
		Containers: []fakemetrics.Container{{Name: "app", Usage: cpu("250m")}, {Name: "side", Usage: cpu("50m")}}})
	resourceGroup.SetPod(fakemetrics.Pod{Namespace: ns, Name: "web-2", Labels: map[string]string{"app": "web"},
		Containers: []fakemetrics.Container{{Name: "app", Usage: cpu("100m")}}})
	resourceGroup.SetPod(fakemetrics.Pod{Namespace: ns, Name: "api-1", Labels: map[string]string{"app": "api"},
		Containers: []fakemetrics.Container{{Name: "app", Usage: cpu("900m")}}})
	custom := tenantA.Group(tenantACustom)
	for pod, v := range map[string]string{"web-1": "10", "web-2": "20", "api-1": "99"} {
		app := "web"
		if pod == "api-1" {
			app = "api"
		}
		custom.SetObjectMetric(fakemetrics.ObjectMetric{Resource: "pods", Namespace: ns, Name: pod,
			Labels: map[string]string{"app": app}, Metric: "http_requests", Value: resource.MustParse(v)})
	}
	custom.SetObjectMetric(fakemetrics.ObjectMetric{Resource: "deployments.apps", Namespace: ns, Name: "web",
		Metric: "requests_per_second", Value: resource.MustParse("42")})

	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(cfg)))
	reg := prometheus.NewRegistry()
	client, err := aggregated.New(cfg, aggregated.Options{
		RESTMapper:             mapper,
		Registerer:             reg,
		Logger:                 testr.New(t),
		NotServedTTL:           2 * time.Second,
		MinRediscoveryInterval: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("external metrics differ per subdomain", func(t *testing.T) {
		defBefore, tenantBefore := def.Requests(metrics.ExternalGroup), tenantA.Requests(tenantAExternal)
		got, err := client.ExternalMetric(ctx, metrics.ExternalQuery{Namespace: ns, Metric: "queue_length", MetricSelector: selector(t, "queue=orders")})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{30000}, got.MilliValues); diff != "" {
			t.Errorf("default group (-want +got):\n%s", diff)
		}
		if got.Timestamp.IsZero() {
			t.Error("default group: want the server's timestamp, got none")
		}
		got, err = client.ExternalMetric(ctx, metrics.ExternalQuery{Namespace: ns, Metric: "queue_length"})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got.MilliValues)
		if diff := cmp.Diff([]int64{12000, 30000}, got.MilliValues); diff != "" {
			t.Errorf("default group, all series (-want +got):\n%s", diff)
		}
		got, err = client.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-a", Namespace: ns, Metric: "queue_length", MetricSelector: selector(t, "queue=orders")})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{7000}, got.MilliValues); diff != "" {
			t.Errorf("tenant-a (-want +got):\n%s", diff)
		}
		if n := def.Requests(metrics.ExternalGroup) - defBefore; n != 2 {
			t.Errorf("want 2 requests at the default external group, got %d", n)
		}
		if n := tenantA.Requests(tenantAExternal) - tenantBefore; n != 1 {
			t.Errorf("want 1 request at %s, got %d", tenantAExternal, n)
		}
	})

	t.Run("resource metrics", func(t *testing.T) {
		got, err := client.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: ns, Selector: selector(t, "app=web"), Resource: corev1.ResourceCPU})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int64{"web-1": 300, "web-2": 100}, milliValues(got)); diff != "" {
			t.Errorf("pod cpu (-want +got):\n%s", diff)
		}
		got, err = client.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: ns, Selector: selector(t, "app=web"), Resource: corev1.ResourceCPU, Container: "side"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int64{"web-1": 50}, milliValues(got)); diff != "" {
			t.Errorf("container cpu (-want +got):\n%s", diff)
		}
		for name, v := range got.Values {
			if v.Window != 30*time.Second || v.Timestamp.IsZero() {
				t.Errorf("pod %s: want the server's window (30s) and a timestamp, got %+v", name, v)
			}
		}
	})

	t.Run("custom metrics under a subdomain", func(t *testing.T) {
		got, err := client.PodsMetric(ctx, metrics.PodsQuery{Subdomain: "tenant-a", Namespace: ns, Metric: "http_requests", Selector: selector(t, "app=web")})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int64{"web-1": 10000, "web-2": 20000}, milliValues(got)); diff != "" {
			t.Errorf("pods metric (-want +got):\n%s", diff)
		}
		obj, err := client.ObjectMetric(ctx, metrics.ObjectQuery{Subdomain: "tenant-a", Namespace: ns, Metric: "requests_per_second",
			Object: metrics.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}})
		if err != nil {
			t.Fatal(err)
		}
		if obj.MilliValue != 42000 {
			t.Errorf("object metric: want 42000, got %d", obj.MilliValue)
		}
		// The default custom metrics group has no such metric: no fallback
		// either way.
		if _, err := client.PodsMetric(ctx, metrics.PodsQuery{Namespace: ns, Metric: "http_requests", Selector: selector(t, "app=web")}); err == nil {
			t.Error("the default custom metrics group answered a metric only tenant-a has")
		}
	})

	t.Run("an unregistered subdomain is not served and reaches no server", func(t *testing.T) {
		before := requestCounts(def, tenantA)
		_, err := client.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-x", Namespace: ns, Metric: "queue_length"})
		want := `subdomain "tenant-x": API group tenant-x.external.metrics.k8s.io is not served`
		if err == nil || err.Error() != want {
			t.Fatalf("error text:\nwant %s\ngot  %v", want, err)
		}
		var notServed *metrics.GroupNotServedError
		if !errors.As(err, &notServed) {
			t.Errorf("want a *GroupNotServedError, got %T", err)
		}
		if diff := cmp.Diff(before, requestCounts(def, tenantA)); diff != "" {
			t.Errorf("a tenant-x query reached a metrics server (-before +after):\n%s", diff)
		}
	})

	t.Run("a subdomain registered later is used, and stops being used when removed", func(t *testing.T) {
		tenantX := startMetricsServer(t, cfg, tenantXExternal)
		tenantX.Group(tenantXExternal).SetExternalMetric(fakemetrics.ExternalMetric{Namespace: ns, Metric: "queue_length", Value: resource.MustParse("99")})
		start := time.Now()
		framework.WaitForWithin(t, time.Minute, "the client to read tenant-x once its APIService exists", func(ctx context.Context) (bool, error) {
			got, err := client.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-x", Namespace: ns, Metric: "queue_length"})
			if err != nil {
				return false, err
			}
			return slices.Equal(got.MilliValues, []int64{99000}), nil
		})
		t.Logf("tenant-x picked up %v after its registration", time.Since(start))

		if err := tenantX.Stop(); err != nil {
			t.Fatalf("stopping tenant-x: %v", err)
		}
		start = time.Now()
		framework.WaitForWithin(t, time.Minute, "the client to report tenant-x not served once its APIService is gone", func(ctx context.Context) (bool, error) {
			_, err := client.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-x", Namespace: ns, Metric: "queue_length"})
			var notServed *metrics.GroupNotServedError
			if errors.As(err, &notServed) {
				return true, nil
			}
			return false, err
		})
		t.Logf("tenant-x reported not served %v after its removal", time.Since(start))
	})

	t.Run("a hanging subdomain does not delay the default group", func(t *testing.T) {
		tenantA.Group(tenantAExternal).SetFault(fakemetrics.Fault{Mode: fakemetrics.FaultHang})
		defer tenantA.Group(tenantAExternal).SetFault(fakemetrics.Fault{})
		before := tenantA.Requests(tenantAExternal)

		type outcome struct {
			err     error
			elapsed time.Duration
		}
		hung := make(chan outcome, 1)
		go func() {
			start := time.Now()
			_, err := client.ExternalMetric(ctx, metrics.ExternalQuery{Subdomain: "tenant-a", Namespace: ns, Metric: "queue_length"})
			hung <- outcome{err, time.Since(start)}
		}()
		framework.WaitFor(t, "the tenant-a request to reach its server", func(context.Context) (bool, error) {
			return tenantA.Requests(tenantAExternal) > before, nil
		})

		orders := selector(t, "queue=orders")
		var wg sync.WaitGroup
		results := make(chan outcome, 10)
		for range 10 {
			wg.Go(func() {
				start := time.Now()
				_, err := client.ExternalMetric(ctx, metrics.ExternalQuery{Namespace: ns, Metric: "queue_length", MetricSelector: orders})
				results <- outcome{err, time.Since(start)}
			})
		}
		wg.Wait()
		close(results)
		select {
		case o := <-hung:
			t.Fatalf("the tenant-a query ended (%v after %v) before the default-group queries were checked; the test proves nothing", o.err, o.elapsed)
		default:
		}
		for o := range results {
			if o.err != nil {
				t.Errorf("default-group query while tenant-a hangs: %v", o.err)
			}
			t.Logf("default-group query took %v while tenant-a hangs", o.elapsed)
		}

		o := <-hung
		t.Logf("tenant-a query ended after %v: %v", o.elapsed, o.err)
		var timeout *metrics.RequestTimeoutError
		if !errors.As(o.err, &timeout) {
			t.Errorf("tenant-a: want *RequestTimeoutError, got %v", o.err)
		}
	})

	t.Run("identical queries share one request", func(t *testing.T) {
		d := dedupe.New(client, dedupe.Options{})
		extBefore, resBefore := def.Requests(metrics.ExternalGroup), def.Requests(metrics.ResourceGroup)
		orders := selector(t, "queue=orders")
		apps := []labels.Selector{selector(t, "app=web"), selector(t, "app=api")}
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				got, err := d.ExternalMetric(ctx, metrics.ExternalQuery{Namespace: ns, Metric: "queue_length", MetricSelector: orders})
				if err != nil || !slices.Equal(got.MilliValues, []int64{30000}) {
					t.Errorf("deduplicated external query: %v, %v", got, err)
				}
			})
			wg.Go(func() {
				for _, sel := range apps {
					if _, err := d.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: ns, Selector: sel, Resource: corev1.ResourceCPU}); err != nil {
						t.Errorf("deduplicated resource query: %v", err)
					}
				}
			})
		}
		wg.Wait()
		if n := def.Requests(metrics.ExternalGroup) - extBefore; n != 1 {
			t.Errorf("50 identical external queries: want 1 request, got %d", n)
		}
		if n := def.Requests(metrics.ResourceGroup) - resBefore; n != 1 {
			t.Errorf("100 resource queries in one namespace: want 1 PodMetrics list, got %d", n)
		}
		got, err := d.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: ns, Selector: selector(t, "app=api"), Resource: corev1.ResourceCPU})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]int64{"api-1": 900}, milliValues(got)); diff != "" {
			t.Errorf("api pods picked from the namespace list (-want +got):\n%s", diff)
		}
	})
}

func milliValues(v metrics.PodValues) map[string]int64 {
	out := make(map[string]int64, len(v.Values))
	for name, pv := range v.Values {
		out[name] = pv.MilliValue
	}
	return out
}

// requestCounts returns the metrics requests each group of the servers received.
func requestCounts(servers ...*fakemetrics.Server) map[string]int64 {
	out := map[string]int64{}
	for _, s := range servers {
		for _, g := range s.Groups() {
			out[g.Name()] = g.Requests()
		}
	}
	return out
}
