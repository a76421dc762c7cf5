package fakemetrics

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	cmv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	emv1beta1 "k8s.io/metrics/pkg/apis/external_metrics/v1beta1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

const (
	defaultExternal = "external.metrics.k8s.io"
	tenantExternal  = "tenant-a.external.metrics.k8s.io"
	tenantCustom    = "tenant-a.custom.metrics.k8s.io"
	tenantResource  = "tenant-a.metrics.k8s.io"
)

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Groups == nil {
		opts.Groups = []string{defaultExternal, tenantExternal, tenantCustom, tenantResource}
	}
	srv, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return srv
}

// client returns a REST client for one group version of srv.
func client(t *testing.T, srv *Server, kind adapter.APIKind, gv schema.GroupVersion) *rest.RESTClient {
	t.Helper()
	c, err := adapter.RESTClientFor(&rest.Config{
		Host:            srv.URL(),
		TLSClientConfig: rest.TLSClientConfig{CAData: srv.CABundle(), ServerName: "localhost"},
		Timeout:         20 * time.Second,
	}, kind, gv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func externalValue(ctx context.Context, c *rest.RESTClient, metric string) (string, error) {
	list := &emv1beta1.ExternalMetricValueList{}
	if err := c.Get().Namespace("default").Resource(metric).Do(ctx).Into(list); err != nil {
		return "", err
	}
	var vals []string
	for _, v := range list.Items {
		vals = append(vals, v.Value.String())
	}
	return strings.Join(vals, ","), nil
}

func TestServerRoutesEachGroupToItsValues(t *testing.T) {
	srv := startServer(t, Options{})
	ctx := context.Background()
	srv.Group(defaultExternal).SetExternalMetric(ExternalMetric{Namespace: "default", Metric: "queue_length", Value: resource.MustParse("300")})
	srv.Group(tenantExternal).SetExternalMetric(ExternalMetric{Namespace: "default", Metric: "queue_length", Value: resource.MustParse("7")})
	srv.Group(tenantCustom).SetPod(Pod{Namespace: "default", Name: "web-1", Labels: map[string]string{"app": "web"}})
	srv.Group(tenantCustom).SetPodsMetric("default", "rps", map[string]resource.Quantity{"web-1": resource.MustParse("12")})
	srv.Group(tenantResource).SetPod(Pod{Namespace: "default", Name: "web-1", Labels: map[string]string{"app": "web"}, Containers: []Container{{Name: "app", Usage: cpu("250m")}}})

	for group, want := range map[string]string{defaultExternal: "300", tenantExternal: "7"} {
		got, err := externalValue(ctx, client(t, srv, adapter.ExternalMetrics, schema.GroupVersion{Group: group, Version: "v1beta1"}), "queue_length")
		if err != nil || got != want {
			t.Errorf("%s queue_length = %q, %v; want %q", group, got, err, want)
		}
	}

	values := &cmv1beta2.MetricValueList{}
	err := client(t, srv, adapter.CustomMetrics, schema.GroupVersion{Group: tenantCustom, Version: "v1beta2"}).Get().
		Namespace("default").Resource("pods").Name("*").SubResource("rps").Param("labelSelector", "app=web").Do(ctx).Into(values)
	if err != nil || len(values.Items) != 1 || values.Items[0].Value.String() != "12" {
		t.Errorf("pods metric rps = %+v, %v; want web-1 at 12", values.Items, err)
	}

	pods := &metricsv1beta1.PodMetricsList{}
	err = client(t, srv, adapter.ResourceMetrics, schema.GroupVersion{Group: tenantResource, Version: "v1beta1"}).Get().
		Namespace("default").Resource("pods").VersionedParams(&metav1.ListOptions{LabelSelector: "app=web"}, metav1.ParameterCodec).Do(ctx).Into(pods)
	if err != nil || len(pods.Items) != 1 || pods.Items[0].Containers[0].Usage.Cpu().String() != "250m" {
		t.Errorf("PodMetrics = %+v, %v; want web-1 using 250m", pods.Items, err)
	}

	for group, want := range map[string]int64{defaultExternal: 1, tenantExternal: 1, tenantCustom: 1, tenantResource: 1, "not-served.metrics.k8s.io": 0} {
		if got := srv.Requests(group); got != want {
			t.Errorf("Requests(%s) = %d, want %d", group, got, want)
		}
	}
}

func TestServerFaultsOverHTTP(t *testing.T) {
	srv := startServer(t, Options{Groups: []string{tenantExternal}, RequestTimeout: 2 * time.Second})
	g := srv.Group(tenantExternal)
	g.SetExternalMetric(ExternalMetric{Namespace: "default", Metric: "queue_length", Value: resource.MustParse("7")})
	c := client(t, srv, adapter.ExternalMetrics, schema.GroupVersion{Group: tenantExternal, Version: "v1beta1"})
	ctx := context.Background()

	tests := map[string]struct {
		fault    Fault
		wantCode int32
	}{
		"error":                                 {fault: Fault{Mode: FaultError, Message: "backend down"}, wantCode: http.StatusInternalServerError},
		"error with a code":                     {fault: Fault{Mode: FaultError, Code: http.StatusServiceUnavailable}, wantCode: http.StatusServiceUnavailable},
		"hang":                                  {fault: Fault{Mode: FaultHang}, wantCode: http.StatusGatewayTimeout},
		"delay longer than the request timeout": {fault: Fault{Mode: FaultDelay, Delay: time.Minute}, wantCode: http.StatusGatewayTimeout},
		"short delay":                           {fault: Fault{Mode: FaultDelay, Delay: 10 * time.Millisecond}},
		"healed":                                {fault: Fault{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g.SetFault(tc.fault)
			_, err := externalValue(ctx, c, "queue_length")
			var status apierrors.APIStatus
			switch {
			case tc.wantCode == 0 && err != nil:
				t.Fatalf("err = %v, want the value", err)
			case tc.wantCode != 0 && (!errors.As(err, &status) || status.Status().Code != tc.wantCode):
				t.Fatalf("err = %v, want status %d", err, tc.wantCode)
			}
		})
	}
}

func TestServerGoesAwayAndComesBack(t *testing.T) {
	srv := startServer(t, Options{Groups: []string{tenantExternal}})
	srv.Group(tenantExternal).SetExternalMetric(ExternalMetric{Namespace: "default", Metric: "queue_length", Value: resource.MustParse("7")})
	c := client(t, srv, adapter.ExternalMetrics, schema.GroupVersion{Group: tenantExternal, Version: "v1beta1"})
	ctx := context.Background()
	if _, err := externalValue(ctx, c, "queue_length"); err != nil {
		t.Fatalf("before going away: %v", err)
	}

	if err := srv.GoAway(); err != nil {
		t.Fatal(err)
	}
	if !srv.Away() {
		t.Error("Away() = false after GoAway")
	}
	_, err := externalValue(ctx, c, "queue_length")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("while away: err = %v, want connection refused", err)
	}

	if err := srv.ComeBack(); err != nil {
		t.Fatal(err)
	}
	if got, err := externalValue(ctx, c, "queue_length"); err != nil || got != "7" {
		t.Errorf("after coming back: %q, %v; want 7", got, err)
	}
}

func TestStopEndsHangingRequests(t *testing.T) {
	srv, err := Start(context.Background(), Options{Groups: []string{tenantExternal}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Group(tenantExternal).SetFault(Fault{Mode: FaultHang})
	c := client(t, srv, adapter.ExternalMetrics, schema.GroupVersion{Group: tenantExternal, Version: "v1beta1"})
	done := make(chan error, 1)
	go func() {
		_, err := externalValue(context.Background(), c, "queue_length")
		done <- err
	}()
	if err := waitFor(func() bool { return srv.Requests(tenantExternal) == 1 }); err != nil {
		t.Fatal("the request never reached the server")
	}
	start := time.Now()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Stop took %s with a hanging request, want it to end the request", elapsed)
	}
	if err := <-done; err == nil {
		t.Error("the hanging request succeeded")
	}
}

func TestStopWhileAway(t *testing.T) {
	srv, err := Start(context.Background(), Options{Groups: []string{tenantExternal}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.GoAway(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Stop() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return for a server that went away")
	}
}

func TestStartValidatesGroups(t *testing.T) {
	tests := map[string]struct {
		groups []string
		want   string
	}{
		"none":      {groups: nil, want: "options.groups: Required value"},
		"unknown":   {groups: []string{"queues.example.com"}, want: `options.groups[0]: Invalid value: "queues.example.com"`},
		"duplicate": {groups: []string{tenantExternal, tenantExternal}, want: `options.groups[1]: Duplicate value`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Start(context.Background(), Options{Groups: tc.groups})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func waitFor(cond func() bool) error {
	return wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
}
