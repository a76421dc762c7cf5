package adapter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	cmv1beta1 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta1"
	cmv1beta2 "k8s.io/metrics/pkg/apis/custom_metrics/v1beta2"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	externalclient "k8s.io/metrics/pkg/client/external_metrics"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/pkg/adapter"
	"github.com/mhpa-dev/mhpa/test/framework"
)

const (
	defaultExternal = "external.metrics.k8s.io"
	tenantExternal  = "tenant-a.external.metrics.k8s.io"
	tenantCustom    = "tenant-a.custom.metrics.k8s.io"
	tenantResource  = "tenant-a.metrics.k8s.io"
)

func gv(group, version string) schema.GroupVersion {
	return schema.GroupVersion{Group: group, Version: version}
}

// env is a control plane with two fake metrics servers registered through
// APIServices: one serving the default external group, one serving the
// tenant-a subdomain of all three shapes.
type env struct {
	cp       *controlplane.ControlPlane
	admin    *rest.Config
	def      *fakemetrics.Server
	tenant   *fakemetrics.Server
	ns       string
	tenantRT time.Duration
}

func startEnv(t *testing.T) *env {
	t.Helper()
	cp := framework.StartControlPlane(t, controlplane.Options{Users: []controlplane.User{{Name: "alice"}}})
	e := &env{cp: cp, admin: cp.AdminConfig(), ns: "default", tenantRT: 3 * time.Second}
	ctx := t.Context()

	start := func(opts fakemetrics.Options) *fakemetrics.Server {
		opts.KubeConfig = e.admin
		// Values go in before the aggregator first reads discovery.
		opts.SkipRegistration = true
		// Answers to SubjectAccessReviews are cached this long, so a new
		// RBAC grant takes effect quickly.
		opts.AuthorizationCacheTTL = time.Second
		srv, err := fakemetrics.Start(ctx, opts)
		if err != nil {
			t.Fatalf("starting a fake metrics server for %v: %v", opts.Groups, err)
		}
		t.Cleanup(func() {
			if err := srv.Stop(); err != nil {
				t.Errorf("stopping the fake metrics server for %v: %v", opts.Groups, err)
			}
		})
		return srv
	}
	e.def = start(fakemetrics.Options{Groups: []string{defaultExternal}})
	e.tenant = start(fakemetrics.Options{Groups: []string{tenantExternal, tenantCustom, tenantResource}, RequestTimeout: e.tenantRT})

	// The same metric name with different values in the two servers.
	e.def.Group(defaultExternal).SetExternalMetric(fakemetrics.ExternalMetric{Namespace: e.ns, Metric: "queue_length", Labels: map[string]string{"queue": "a"}, Value: resource.MustParse("300")})
	e.tenant.Group(tenantExternal).SetExternalMetric(fakemetrics.ExternalMetric{Namespace: e.ns, Metric: "queue_length", Labels: map[string]string{"queue": "a"}, Value: resource.MustParse("7")})
	e.tenant.Group(tenantExternal).SetExternalMetric(fakemetrics.ExternalMetric{Namespace: e.ns, Metric: "queue_length", Labels: map[string]string{"queue": "b"}, Value: resource.MustParse("5")})

	custom := e.tenant.Group(tenantCustom)
	for _, pod := range []string{"web-1", "web-2"} {
		custom.SetPod(fakemetrics.Pod{Namespace: e.ns, Name: pod, Labels: map[string]string{"app": "web"}})
	}
	custom.SetPod(fakemetrics.Pod{Namespace: e.ns, Name: "db-1", Labels: map[string]string{"app": "db"}})
	custom.SetPodsMetric(e.ns, "rps", map[string]resource.Quantity{"web-1": resource.MustParse("10"), "web-2": resource.MustParse("30"), "db-1": resource.MustParse("99")})
	custom.SetObjectMetric(fakemetrics.ObjectMetric{Resource: "services", Namespace: e.ns, Name: "web", Metric: "requests", Value: resource.MustParse("120")})

	res := e.tenant.Group(tenantResource)
	res.SetPod(fakemetrics.Pod{Namespace: e.ns, Name: "web-1", Labels: map[string]string{"app": "web"}, Containers: []fakemetrics.Container{{Name: "app", Usage: usage("250m", "64Mi")}}})
	res.SetPod(fakemetrics.Pod{Namespace: e.ns, Name: "web-2", Labels: map[string]string{"app": "web"}, Containers: []fakemetrics.Container{{Name: "app", Usage: usage("350m", "80Mi")}}})
	res.SetPod(fakemetrics.Pod{Namespace: e.ns, Name: "db-1", Labels: map[string]string{"app": "db"}, Containers: []fakemetrics.Container{{Name: "db", Usage: usage("1", "1Gi")}}})

	for _, srv := range []*fakemetrics.Server{e.def, e.tenant} {
		if err := srv.Register(ctx); err != nil {
			t.Fatalf("registering: %v", err)
		}
	}
	return e
}

func usage(cpu, memory string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)}
}

func restClient(t *testing.T, cfg *rest.Config, kind adapter.APIKind, gv schema.GroupVersion) *rest.RESTClient {
	t.Helper()
	c, err := adapter.RESTClientFor(cfg, kind, gv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// externalValues reads an external metric as the controller does, with the
// k8s.io/metrics external metrics client on a REST client for the group.
func externalValues(t *testing.T, cfg *rest.Config, group, namespace, metric string, selector labels.Selector) ([]string, error) {
	t.Helper()
	list, err := externalclient.New(restClient(t, cfg, adapter.ExternalMetrics, gv(group, "v1beta1"))).NamespacedMetrics(namespace).List(metric, selector)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range list.Items {
		out = append(out, labels.Set(v.MetricLabels).String()+"="+v.Value.String())
	}
	slices.Sort(out)
	return out, nil
}

func statusCode(err error) int32 {
	var s apierrors.APIStatus
	if errors.As(err, &s) {
		return s.Status().Code
	}
	return 0
}

func TestMetricsAPIsThroughTheAggregator(t *testing.T) {
	e := startEnv(t)

	t.Run("APIServices are available and point at ExternalName services", func(t *testing.T) {
		kube := framework.AdminClient(t, e.cp)
		for _, srv := range []*fakemetrics.Server{e.def, e.tenant} {
			ns, name := srv.ServiceName()
			svc, err := kube.CoreV1().Services(ns).Get(t.Context(), name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if svc.Spec.Type != "ExternalName" || svc.Spec.ExternalName != "localhost" || svc.Spec.Ports[0].Port != int32(srv.Port()) {
				t.Errorf("service %s/%s = %s %q port %d, want ExternalName localhost port %d", ns, name, svc.Spec.Type, svc.Spec.ExternalName, svc.Spec.Ports[0].Port, srv.Port())
			}
		}
		names := []string{"v1beta1." + defaultExternal, "v1beta1." + tenantExternal, "v1beta2." + tenantCustom, "v1beta1." + tenantCustom, "v1beta1." + tenantResource}
		if err := adapter.WaitForAPIServices(t.Context(), e.admin, 10*time.Second, names...); err != nil {
			t.Error(err)
		}
	})

	t.Run("same metric, different values per group", func(t *testing.T) {
		e.def.Group(defaultExternal).ResetRequests()
		e.tenant.Group(tenantExternal).ResetRequests()

		// The default group through the stock client, as upstream does.
		stock, err := externalclient.NewForConfig(e.admin)
		if err != nil {
			t.Fatal(err)
		}
		def, err := stock.NamespacedMetrics(e.ns).List("queue_length", labels.Everything())
		if err != nil || len(def.Items) != 1 || def.Items[0].Value.String() != "300" {
			t.Fatalf("%s queue_length = %+v, %v; want one series of 300", defaultExternal, def, err)
		}
		tenant, err := externalValues(t, e.admin, tenantExternal, e.ns, "queue_length", labels.Everything())
		if err != nil || !slices.Equal(tenant, []string{"queue=a=7", "queue=b=5"}) {
			t.Fatalf("%s queue_length = %v, %v; want queue=a=7 and queue=b=5", tenantExternal, tenant, err)
		}
		selected, err := externalValues(t, e.admin, tenantExternal, e.ns, "queue_length", labels.SelectorFromSet(labels.Set{"queue": "b"}))
		if err != nil || !slices.Equal(selected, []string{"queue=b=5"}) {
			t.Errorf("%s queue_length{queue=b} = %v, %v; want queue=b=5", tenantExternal, selected, err)
		}
		if got := e.def.Requests(defaultExternal); got != 1 {
			t.Errorf("the default server got %d requests, want 1", got)
		}
		if got := e.tenant.Requests(tenantExternal); got != 2 {
			t.Errorf("the tenant-a server got %d requests, want 2", got)
		}
	})

	t.Run("unknown metric is a 404", func(t *testing.T) {
		_, err := externalValues(t, e.admin, tenantExternal, e.ns, "nope", labels.Everything())
		if statusCode(err) != http.StatusNotFound {
			t.Errorf("err = %v, want 404", err)
		}
	})

	t.Run("pods metrics v1beta2", func(t *testing.T) {
		list := &cmv1beta2.MetricValueList{}
		err := restClient(t, e.admin, adapter.CustomMetrics, gv(tenantCustom, "v1beta2")).Get().
			Namespace(e.ns).Resource("pods").Name("*").SubResource("rps").Param("labelSelector", "app=web").Do(t.Context()).Into(list)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range list.Items {
			got = append(got, fmt.Sprintf("%s/%s %s=%s", v.DescribedObject.Kind, v.DescribedObject.Name, v.Metric.Name, v.Value.String()))
		}
		if want := []string{"Pod/web-1 rps=10", "Pod/web-2 rps=30"}; !slices.Equal(got, want) {
			t.Errorf("pods metric = %v, want %v", got, want)
		}
	})

	t.Run("pods metrics v1beta1", func(t *testing.T) {
		list := &cmv1beta1.MetricValueList{}
		err := restClient(t, e.admin, adapter.CustomMetrics, gv(tenantCustom, "v1beta1")).Get().
			Namespace(e.ns).Resource("pods").Name("*").SubResource("rps").Param("labelSelector", "app=web").Do(t.Context()).Into(list)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range list.Items {
			got = append(got, fmt.Sprintf("%s/%s %s=%s", v.DescribedObject.Kind, v.DescribedObject.Name, v.MetricName, v.Value.String()))
		}
		if want := []string{"Pod/web-1 rps=10", "Pod/web-2 rps=30"}; !slices.Equal(got, want) {
			t.Errorf("pods metric = %v, want %v", got, want)
		}
	})

	t.Run("object metric by name", func(t *testing.T) {
		list := &cmv1beta2.MetricValueList{}
		err := restClient(t, e.admin, adapter.CustomMetrics, gv(tenantCustom, "v1beta2")).Get().
			Namespace(e.ns).Resource("services").Name("web").SubResource("requests").Do(t.Context()).Into(list)
		if err != nil || len(list.Items) != 1 || list.Items[0].Value.String() != "120" {
			t.Errorf("services/web requests = %+v, %v; want 120", list.Items, err)
		}
	})

	t.Run("PodMetrics under a subdomain", func(t *testing.T) {
		list := &metricsv1beta1.PodMetricsList{}
		err := restClient(t, e.admin, adapter.ResourceMetrics, gv(tenantResource, "v1beta1")).Get().
			Namespace(e.ns).Resource("pods").VersionedParams(&metav1.ListOptions{LabelSelector: "app=web"}, metav1.ParameterCodec).Do(t.Context()).Into(list)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range list.Items {
			got = append(got, fmt.Sprintf("%s cpu=%s memory=%s", p.Name, p.Containers[0].Usage.Cpu(), p.Containers[0].Usage.Memory()))
		}
		if want := []string{"web-1 cpu=250m memory=64Mi", "web-2 cpu=350m memory=80Mi"}; !slices.Equal(got, want) {
			t.Errorf("PodMetrics = %v, want %v", got, want)
		}
	})

	t.Run("discovery through the aggregator", func(t *testing.T) {
		dc, err := discovery.NewDiscoveryClientForConfig(e.admin)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			defaultExternal + "/v1beta1": {"queue_length"},
			tenantExternal + "/v1beta1":  {"queue_length"},
			tenantCustom + "/v1beta2":    {"pods/rps", "services/requests"},
			tenantCustom + "/v1beta1":    {"pods/rps", "services/requests"},
			tenantResource + "/v1beta1":  {"nodes", "pods"},
		}
		// Aggregated discovery (what client-go asks for first): the
		// aggregator has read our /apis in the aggregated format.
		_, lists, err := dc.ServerGroupsAndResources()
		if err != nil {
			t.Fatalf("aggregated discovery: %v", err)
		}
		got := map[string][]string{}
		for _, l := range lists {
			if _, ok := want[l.GroupVersion]; !ok {
				continue
			}
			for _, r := range l.APIResources {
				got[l.GroupVersion] = append(got[l.GroupVersion], r.Name)
			}
		}
		for groupVersion, names := range want {
			for _, n := range names {
				if !slices.Contains(got[groupVersion], n) {
					t.Errorf("aggregated discovery of %s = %v, want it to list %s", groupVersion, got[groupVersion], n)
				}
			}
		}
		// Legacy discovery of one group version, proxied to the server.
		l, err := dc.ServerResourcesForGroupVersion(tenantCustom + "/v1beta2")
		if err != nil {
			t.Fatal(err)
		}
		var legacy []string
		for _, r := range l.APIResources {
			legacy = append(legacy, r.Name)
		}
		if !slices.Equal(legacy, want[tenantCustom+"/v1beta2"]) {
			t.Errorf("legacy discovery of %s/v1beta2 = %v, want %v", tenantCustom, legacy, want[tenantCustom+"/v1beta2"])
		}
		preferred, err := dc.ServerGroups()
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range preferred.Groups {
			if g.Name == tenantCustom && g.PreferredVersion.Version != "v1beta2" {
				t.Errorf("preferred version of %s = %s, want v1beta2", tenantCustom, g.PreferredVersion.Version)
			}
		}
	})

	t.Run("RBAC decides per group", func(t *testing.T) {
		alice := e.cp.UserConfig("alice")
		_, err := externalValues(t, alice, tenantExternal, e.ns, "queue_length", labels.Everything())
		if statusCode(err) != http.StatusForbidden {
			t.Fatalf("alice without RBAC: err = %v, want 403", err)
		}
		// Straight to the server, bypassing the aggregator: the server
		// authenticates her token (TokenReview) and asks kube-apiserver
		// (SubjectAccessReview) itself.
		direct := &rest.Config{Host: e.tenant.URL(), BearerToken: alice.BearerToken, TLSClientConfig: rest.TLSClientConfig{CAData: e.tenant.CABundle(), ServerName: "localhost"}}
		if _, err := externalValues(t, direct, tenantExternal, e.ns, "queue_length", labels.Everything()); statusCode(err) != http.StatusForbidden {
			t.Fatalf("alice without RBAC, directly: err = %v, want 403", err)
		}

		kube := framework.AdminClient(t, e.cp)
		role := &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "read-tenant-a-external-metrics"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{tenantExternal}, Resources: []string{"*"}, Verbs: []string{"get", "list"}}},
		}
		if _, err := kube.RbacV1().ClusterRoles().Create(t.Context(), role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "alice-reads-tenant-a-external-metrics"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
		}
		if _, err := kube.RbacV1().ClusterRoleBindings().Create(t.Context(), binding, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}

		framework.WaitFor(t, "alice to read tenant-a external metrics", func(context.Context) (bool, error) {
			got, err := externalValues(t, alice, tenantExternal, e.ns, "queue_length", labels.Everything())
			if err != nil {
				return false, err
			}
			return slices.Equal(got, []string{"queue=a=7", "queue=b=5"}), nil
		})
		framework.WaitFor(t, "alice to read tenant-a external metrics directly", func(context.Context) (bool, error) {
			_, err := externalValues(t, direct, tenantExternal, e.ns, "queue_length", labels.Everything())
			return err == nil, err
		})
		// The grant covers its group only.
		if _, err := externalValues(t, alice, defaultExternal, e.ns, "queue_length", labels.Everything()); statusCode(err) != http.StatusForbidden {
			t.Errorf("alice on %s: err = %v, want 403", defaultExternal, err)
		}
	})

	t.Run("a hanging server times out with 504", func(t *testing.T) {
		g := e.tenant.Group(tenantExternal)
		g.SetFault(fakemetrics.Fault{Mode: fakemetrics.FaultHang})
		defer g.SetFault(fakemetrics.Fault{})
		start := time.Now()
		_, err := externalValues(t, e.admin, tenantExternal, e.ns, "queue_length", labels.Everything())
		if statusCode(err) != http.StatusGatewayTimeout {
			t.Errorf("err = %v, want 504", err)
		}
		if elapsed := time.Since(start); elapsed > 4*e.tenantRT {
			t.Errorf("the answer took %s, want about the server's request timeout %s", elapsed, e.tenantRT)
		}
		// The other server is not affected.
		if _, err := externalValues(t, e.admin, defaultExternal, e.ns, "queue_length", labels.Everything()); err != nil {
			t.Errorf("%s while tenant-a hangs: %v", defaultExternal, err)
		}
	})

	t.Run("a failing server is a 500", func(t *testing.T) {
		g := e.tenant.Group(tenantExternal)
		g.SetFault(fakemetrics.Fault{Mode: fakemetrics.FaultError, Message: "backend exploded"})
		defer g.SetFault(fakemetrics.Fault{})
		_, err := externalValues(t, e.admin, tenantExternal, e.ns, "queue_length", labels.Everything())
		if statusCode(err) != http.StatusInternalServerError {
			t.Errorf("err = %v, want 500", err)
		}
	})

	t.Run("a server that goes away is a 503, then comes back", func(t *testing.T) {
		if err := e.tenant.GoAway(); err != nil {
			t.Fatal(err)
		}
		_, err := externalValues(t, e.admin, tenantExternal, e.ns, "queue_length", labels.Everything())
		if statusCode(err) != http.StatusServiceUnavailable {
			t.Errorf("while away: err = %v, want 503", err)
		}
		if err := e.tenant.ComeBack(); err != nil {
			t.Fatal(err)
		}
		framework.WaitFor(t, "tenant-a to answer again", func(context.Context) (bool, error) {
			_, err := externalValues(t, e.admin, tenantExternal, e.ns, "queue_length", labels.Everything())
			return err == nil, err
		})
	})
}

// TestRegistration covers the parts of adapter.Register the fake servers do
// not use: ClusterIP Services, replacing a Service of another type, and
// Unregister leaving alone an APIService another server took over.
func TestRegistration(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{})
	admin := cp.AdminConfig()
	kube := framework.AdminClient(t, cp)
	dyn, err := dynamic.NewForConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	group := gv("tenant-z.external.metrics.k8s.io", "v1beta1")
	apiServices := dyn.Resource(schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"})

	reg := adapter.Registration{
		GroupVersions:    []schema.GroupVersion{group},
		ServiceNamespace: "default",
		ServiceName:      "tenant-z-metrics",
		Port:             8443,
		Selector:         map[string]string{"app": "tenant-z-metrics"},
		CABundle:         []byte("not checked before the aggregator dials"),
		Timeout:          2 * time.Second,
	}
	// Nothing serves it, so it cannot become available.
	err = adapter.Register(ctx, admin, reg)
	if err == nil || !strings.Contains(err.Error(), "did not become available") || !strings.Contains(err.Error(), "Available=False") {
		t.Fatalf("Register = %v, want it to report the APIService unavailable", err)
	}
	svc, err := kube.CoreV1().Services("default").Get(ctx, "tenant-z-metrics", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gotSvc := fmt.Sprintf("%s %v %d->%s", svc.Spec.Type, svc.Spec.Selector, svc.Spec.Ports[0].Port, svc.Spec.Ports[0].TargetPort.String())
	if want := "ClusterIP map[app:tenant-z-metrics] 443->8443"; gotSvc != want {
		t.Errorf("service = %s, want %s", gotSvc, want)
	}
	obj, err := apiServices.Get(ctx, adapter.APIServiceName(group), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := obj.Object["spec"].(map[string]any)
	service := spec["service"].(map[string]any)
	gotSpec := fmt.Sprintf("%v/%v %v:%v priorities %v/%v", spec["group"], spec["version"], service["name"], service["port"], spec["groupPriorityMinimum"], spec["versionPriority"])
	if want := "tenant-z.external.metrics.k8s.io/v1beta1 tenant-z-metrics:443 priorities 100/100"; gotSpec != want {
		t.Errorf("apiservice = %s, want %s", gotSpec, want)
	}

	// Switching to an ExternalName Service replaces the ClusterIP one.
	local := reg
	local.ExternalName = "localhost"
	local.Selector = nil
	_ = adapter.Register(ctx, admin, local)
	svc, err = kube.CoreV1().Services("default").Get(ctx, "tenant-z-metrics", metav1.GetOptions{})
	if err != nil || svc.Spec.Type != corev1.ServiceTypeExternalName || svc.Spec.ExternalName != "localhost" || svc.Spec.Ports[0].Port != 8443 {
		t.Errorf("service after switching = %+v, %v; want ExternalName localhost port 8443", svc.Spec, err)
	}

	// Another server takes the group over; unregistering the first one
	// must leave its APIService in place.
	other := local
	other.ServiceName = "tenant-z-metrics-2"
	_ = adapter.Register(ctx, admin, other)
	if err := adapter.Unregister(ctx, admin, local); err != nil {
		t.Fatal(err)
	}
	obj, err = apiServices.Get(ctx, adapter.APIServiceName(group), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the APIService of the other server is gone: %v", err)
	}
	if name, _, _ := unstructured.NestedString(obj.Object, "spec", "service", "name"); name != "tenant-z-metrics-2" {
		t.Errorf("apiservice points at %q, want tenant-z-metrics-2", name)
	}
	if _, err := kube.CoreV1().Services("default").Get(ctx, "tenant-z-metrics", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the unregistered server's Service: err = %v, want NotFound", err)
	}
	if err := adapter.Unregister(ctx, admin, other); err != nil {
		t.Fatal(err)
	}
	if _, err := apiServices.Get(ctx, adapter.APIServiceName(group), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("APIService after unregistering its server: err = %v, want NotFound", err)
	}
}

// TestPodRulesFollowClusterPods checks that PodRules give the Running pods of
// the cluster metrics without naming them, as tests of workloads whose pod
// names are generated need, and follow pods as they come and go.
func TestPodRulesFollowClusterPods(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{Kubelet: true})
	admin := cp.AdminConfig()
	kube := framework.AdminClient(t, cp)
	srv, err := fakemetrics.Start(t.Context(), fakemetrics.Options{Groups: []string{tenantResource, tenantCustom}, KubeConfig: admin})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	ns := framework.CreateNamespace(t, kube, "rules")

	for name, app := range map[string]string{"web-a": "web", "web-b": "web", "db-a": "db"} {
		pod := framework.NewPod(ns, name)
		pod.Labels = map[string]string{"app": app}
		framework.CreatePod(t, kube, pod)
		framework.WaitForPod(t, kube, ns, name, "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	}
	rule := fakemetrics.PodRule{Namespace: ns, Selector: "app=web", Usage: map[string]corev1.ResourceList{"": usage("400m", "32Mi")}, Metrics: map[string]resource.Quantity{"rps": resource.MustParse("25")}}
	for _, g := range []string{tenantResource, tenantCustom} {
		if err := srv.Group(g).SetPodRule("web", rule); err != nil {
			t.Fatal(err)
		}
	}

	podMetrics := func(ctx context.Context) ([]string, error) {
		list := &metricsv1beta1.PodMetricsList{}
		err := restClient(t, admin, adapter.ResourceMetrics, gv(tenantResource, "v1beta1")).Get().Namespace(ns).Resource("pods").Do(ctx).Into(list)
		var out []string
		for _, p := range list.Items {
			out = append(out, fmt.Sprintf("%s %s=%s", p.Name, p.Containers[0].Name, p.Containers[0].Usage.Cpu()))
		}
		return out, err
	}
	podsMetric := func(ctx context.Context) ([]string, error) {
		list := &cmv1beta2.MetricValueList{}
		err := restClient(t, admin, adapter.CustomMetrics, gv(tenantCustom, "v1beta2")).Get().
			Namespace(ns).Resource("pods").Name("*").SubResource("rps").Param("labelSelector", "app=web").Do(ctx).Into(list)
		var out []string
		for _, v := range list.Items {
			out = append(out, v.DescribedObject.Name+"="+v.Value.String())
		}
		return out, err
	}
	expect := func(what string, read func(context.Context) ([]string, error), want []string) {
		t.Helper()
		framework.WaitFor(t, fmt.Sprintf("%s to be %v", what, want), func(ctx context.Context) (bool, error) {
			got, err := read(ctx)
			if err != nil {
				return false, err
			}
			return slices.Equal(got, want), nil
		})
	}
	expect("PodMetrics", podMetrics, []string{"web-a main=400m", "web-b main=400m"})
	expect("pods metric rps", podsMetric, []string{"web-a=25", "web-b=25"})

	if err := kube.CoreV1().Pods(ns).Delete(t.Context(), "web-b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("PodMetrics after deleting web-b", podMetrics, []string{"web-a main=400m"})
	expect("pods metric rps after deleting web-b", podsMetric, []string{"web-a=25"})
}
