package scaletarget_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclientset "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/scaletarget"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// requestCounter counts the requests a client sends, except watches: an informer's watch is
// one long request, renewed every few minutes whatever the reads.
type requestCounter struct {
	mu       sync.Mutex
	requests []string
}

func (c *requestCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Query().Get("watch") != "true" {
			c.mu.Lock()
			c.requests = append(c.requests, r.Method+" "+r.URL.Path)
			c.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

// mark returns the number of requests so far, for since.
func (c *requestCounter) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.requests)
}

// since returns the requests sent after mark.
func (c *requestCounter) since(mark int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.requests[mark:])
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var (
	widgetGVR = schema.GroupVersionResource{Group: "test.mhpa.dev", Version: "v1", Resource: "widgets"}
	gadgetGVR = schema.GroupVersionResource{Group: "test.mhpa.dev", Version: "v1", Resource: "gadgets"}
)

// installCRD creates a namespaced CRD of group test.mhpa.dev with a status subresource and,
// if scale is set, a scale subresource, and waits until it is established.
func installCRD(t *testing.T, ext apiextensionsclientset.Interface, kind, plural string, scale bool) {
	t.Helper()
	sub := &apiextensionsv1.CustomResourceSubresources{Status: &apiextensionsv1.CustomResourceSubresourceStatus{}}
	if scale {
		sub.Scale = &apiextensionsv1.CustomResourceSubresourceScale{
			SpecReplicasPath: ".spec.replicas", StatusReplicasPath: ".status.replicas", LabelSelectorPath: ptr.To(".status.selector"),
		}
	}
	crd := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: plural + ".test.mhpa.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "test.mhpa.dev", Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: plural, Kind: kind, ListKind: kind + "List", Singular: strings.ToLower(kind)},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true, Subresources: sub,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
							"replicas": {Type: "integer", Format: "int32"},
						}},
						"status": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
							"replicas": {Type: "integer", Format: "int32"},
							"selector": {Type: "string"},
						}},
					},
				}},
			}},
		},
	}
	if _, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(t.Context(), crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating CRD %s: %v", crd.Name, err)
	}
	framework.WaitFor(t, "CRD "+crd.Name+" established", func(ctx context.Context) (bool, error) {
		got, err := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
}

// counterValue returns the value of a counter of the registry with the given labels.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, lbls map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := lbls[l.GetName()]; ok && v != l.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestOnAPIServer reads and writes the scale of a Deployment, a StatefulSet and a custom
// resource on a real kube-apiserver, counting the requests the Client sends.
func TestOnAPIServer(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	admin := framework.AdminClient(t, cp)
	ext := apiextensionsclientset.NewForConfigOrDie(cp.AdminConfig())
	dyn := dynamic.NewForConfigOrDie(cp.AdminConfig())
	ctx := t.Context()

	installCRD(t, ext, "Widget", "widgets", true)
	installCRD(t, ext, "Gadget", "gadgets", false)
	ns := framework.CreateNamespace(t, admin, "scale")
	framework.WaitForDefaultServiceAccount(t, admin, ns)

	framework.CreateDeployment(t, admin, framework.DeploymentOptions{Namespace: ns, Name: "web", Replicas: 2, CPURequest: "100m"})
	createStatefulSet(t, admin, ns, "db", 1)
	createWidget(t, dyn, ns, "w", 3, 1, "app=widget")
	createDaemonSet(t, admin, ns, "agent")

	counter := &requestCounter{}
	cfg := rest.CopyConfig(cp.AdminConfig())
	cfg.Wrap(counter.wrap)
	reg := prometheus.NewRegistry()
	client, err := scaletarget.NewForConfig(cfg, scaletarget.Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := client.Start(runCtx); err != nil {
			t.Errorf("Start: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	var notified sync.Map
	client.AddHandler(func(tg scaletarget.Target) { notified.Store(tg, true) })

	webRef := scaletarget.Ref{Namespace: ns, APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	dbRef := scaletarget.Ref{Namespace: ns, APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db"}
	widgetRef := scaletarget.Ref{Namespace: ns, APIVersion: "test.mhpa.dev/v1", Kind: "Widget", Name: "w"}
	refs := []scaletarget.Ref{webRef, dbRef, widgetRef}

	// Reference answers: the /scale subresource read directly (not counted).
	apiScales, err := scaletarget.NewClients(cp.AdminConfig())
	if err != nil {
		t.Fatal(err)
	}
	apiScale := func(ctx context.Context, s scaletarget.Scale) (scaletarget.Scale, error) {
		got, err := apiScales.Scales.Scales(ns).Get(ctx, s.Target.GroupResource, s.Target.Name, metav1.GetOptions{})
		if err != nil {
			return scaletarget.Scale{}, err
		}
		return scaletarget.Scale{Target: s.Target, UID: got.UID, ResourceVersion: got.ResourceVersion,
			SpecReplicas: got.Spec.Replicas, StatusReplicas: got.Status.Replicas, Selector: got.Status.Selector, Source: s.Source}, nil
	}

	t.Run("first reads go to the API until the informers sync", func(t *testing.T) {
		for _, ref := range refs {
			s, err := client.Get(ctx, ref)
			if err != nil {
				t.Fatalf("Get %s: %v", ref.Kind, err)
			}
			if s.Source != scaletarget.SourceAPI {
				t.Errorf("first Get %s: source %s, want %s (the informer was just started)", ref.Kind, s.Source, scaletarget.SourceAPI)
			}
		}
		want := map[string]float64{"deployments.apps": 1, "statefulsets.apps": 1, "widgets.test.mhpa.dev": 1}
		for res, n := range want {
			if got := counterValue(t, reg, "mhpa_scale_fallback_reads_total", map[string]string{"resource": res, "reason": scaletarget.ReasonNotSynced}); got != n {
				t.Errorf("not-synced fallback reads of %s = %v, want %v", res, got, n)
			}
		}
	})

	t.Run("reads from the cache equal the scale subresource", func(t *testing.T) {
		for _, ref := range refs {
			framework.WaitFor(t, ref.Kind+" read from the cache as the API serves it", func(ctx context.Context) (bool, error) {
				s, err := client.Get(ctx, ref)
				if err != nil {
					return false, err
				}
				if s.Source != scaletarget.SourceCache {
					return false, fmt.Errorf("source %s", s.Source)
				}
				api, err := apiScale(ctx, s)
				if err != nil {
					return false, err
				}
				if diff := cmp.Diff(api, s); diff != "" {
					return false, fmt.Errorf("cache differs from the API (-api +cache):\n%s", diff)
				}
				return true, nil
			})
		}
		s, err := client.Get(ctx, widgetRef)
		if err != nil || s.SpecReplicas != 3 || s.StatusReplicas != 1 || s.Selector != "app=widget" {
			t.Errorf("Get widget = %+v, %v; want spec 3, status 1, selector app=widget", s, err)
		}
		s, err = client.Get(ctx, webRef)
		if err != nil || s.SpecReplicas != 2 || s.Selector != "app=web" {
			t.Errorf("Get deployment = %+v, %v; want spec 2, selector app=web", s, err)
		}
	})

	var apiReadsAtSync float64
	t.Run("steady state reads send no request", func(t *testing.T) {
		apiReadsAtSync = counterValue(t, reg, "mhpa_scale_reads_total", map[string]string{"source": "api"})
		const reads = 3000
		mark := counter.mark()
		for i := 0; i < reads; i++ {
			s, err := client.Get(ctx, refs[i%len(refs)])
			if err != nil {
				t.Fatal(err)
			}
			if s.Source == scaletarget.SourceAPI {
				t.Fatalf("read %d of %s went to the API", i, refs[i%len(refs)].Kind)
			}
		}
		if got := counter.since(mark); len(got) != 0 {
			t.Errorf("%d reads sent %d requests, want 0: %v", reads, len(got), got)
		}
		t.Logf("%d reads of 3 targets from the cache: 0 requests", reads)
	})

	t.Run("errors in upstream's words, from the cache", func(t *testing.T) {
		tests := map[string]struct {
			ref     scaletarget.Ref
			target  schema.GroupResource
			wantErr string
		}{
			"missing deployment": {
				ref:    scaletarget.Ref{Namespace: ns, APIVersion: "apps/v1", Kind: "Deployment", Name: "nope"},
				target: schema.GroupResource{Group: "apps", Resource: "deployments"},
			},
			"missing widget": {
				ref:    scaletarget.Ref{Namespace: ns, APIVersion: "test.mhpa.dev/v1", Kind: "Widget", Name: "nope"},
				target: widgetGVR.GroupResource(),
			},
			"custom resource without a scale subresource": {
				ref:    scaletarget.Ref{Namespace: ns, APIVersion: "test.mhpa.dev/v1", Kind: "Gadget", Name: "g"},
				target: gadgetGVR.GroupResource(),
			},
			"unknown kind": {
				ref:     scaletarget.Ref{Namespace: ns, APIVersion: "apps/v1", Kind: "Deploymnet", Name: "web"},
				wantErr: `no matches for kind "Deploymnet" in group "apps"`,
			},
			"invalid apiVersion": {
				ref:     scaletarget.Ref{Namespace: ns, APIVersion: "apps/v1/beta", Kind: "Deployment", Name: "web"},
				wantErr: "unexpected GroupVersion string: apps/v1/beta",
			},
		}
		createGadget(t, dyn, ns, "g")
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				want := tc.wantErr
				if want == "" {
					// What the API server answers to a GET of the /scale subresource.
					_, err := apiScales.Scales.Scales(ns).Get(ctx, tc.target, tc.ref.Name, metav1.GetOptions{})
					if !apierrors.IsNotFound(err) {
						t.Fatalf("API GET of %s/%s scale: %v, want NotFound", tc.target, tc.ref.Name, err)
					}
					want = err.Error()
				}
				if name == "custom resource without a scale subresource" {
					// The CRD informer must have seen the gadgets CRD before the cache answers.
					framework.WaitFor(t, "the gadgets CRD in the cache", func(ctx context.Context) (bool, error) {
						mark := counter.mark()
						_, err := client.Get(ctx, tc.ref)
						return apierrors.IsNotFound(err) && len(counter.since(mark)) == 0, nil
					})
				}
				mark := counter.mark()
				_, err := client.Get(ctx, tc.ref)
				if err == nil || err.Error() != want {
					t.Errorf("Get error = %v, want %q", err, want)
				}
				if got := counter.since(mark); len(got) != 0 {
					t.Errorf("Get sent %v, want no request", got)
				}
			})
		}
	})

	t.Run("a kind without cache support is read with one GET", func(t *testing.T) {
		// DaemonSets have no scale subresource: upstream's GET fails, and so does ours, with
		// the API server's answer.
		ref := scaletarget.Ref{Namespace: ns, APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent"}
		_, apiErr := apiScales.Scales.Scales(ns).Get(ctx, schema.GroupResource{Group: "apps", Resource: "daemonsets"}, "agent", metav1.GetOptions{})
		if apiErr == nil {
			t.Fatal("API GET of a DaemonSet's scale succeeded")
		}
		mark := counter.mark()
		_, err := client.Get(ctx, ref)
		if err == nil || err.Error() != apiErr.Error() {
			t.Errorf("Get error = %v, want the API's %q", err, apiErr)
		}
		want := []string{"GET /apis/apps/v1/namespaces/" + ns + "/daemonsets/agent/scale"}
		if diff := cmp.Diff(want, counter.since(mark)); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
		if got := counterValue(t, reg, "mhpa_scale_fallback_reads_total", map[string]string{"resource": "daemonsets.apps", "reason": scaletarget.ReasonNotCached}); got != 1 {
			t.Errorf("not-cached fallback reads of daemonsets = %v, want 1", got)
		}
	})

	t.Run("an uncached resource is read with one GET", func(t *testing.T) {
		uncounted, err := scaletarget.NewForConfig(cfg, scaletarget.Options{
			Uncached: []schema.GroupResource{{Group: "apps", Resource: "deployments"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		// Warm the RESTMapper's discovery first.
		if _, err := uncounted.Get(ctx, webRef); err != nil {
			t.Fatal(err)
		}
		mark := counter.mark()
		s, err := uncounted.Get(ctx, webRef)
		if err != nil || s.Source != scaletarget.SourceAPI || s.SpecReplicas != 2 || s.Selector != "app=web" {
			t.Errorf("Get = %+v, %v; want spec 2, selector app=web from the API", s, err)
		}
		want := []string{"GET /apis/apps/v1/namespaces/" + ns + "/deployments/web/scale"}
		if diff := cmp.Diff(want, counter.since(mark)); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})

	t.Run("SetReplicas patches the scale subresource with one request", func(t *testing.T) {
		tests := []struct {
			ref      scaletarget.Ref
			replicas int32
			path     string
		}{
			{webRef, 4, "/apis/apps/v1/namespaces/" + ns + "/deployments/web/scale"},
			{dbRef, 2, "/apis/apps/v1/namespaces/" + ns + "/statefulsets/db/scale"},
			{widgetRef, 5, "/apis/test.mhpa.dev/v1/namespaces/" + ns + "/widgets/w/scale"},
		}
		for _, tc := range tests {
			t.Run(tc.ref.Kind, func(t *testing.T) {
				cur, err := client.Get(ctx, tc.ref)
				if err != nil {
					t.Fatal(err)
				}
				mark := counter.mark()
				got, err := client.SetReplicas(ctx, scaletarget.SetReplicasInput{Target: cur.Target, Replicas: tc.replicas})
				if err != nil {
					t.Fatalf("SetReplicas: %v", err)
				}
				if diff := cmp.Diff([]string{"PATCH " + tc.path}, counter.since(mark)); diff != "" {
					t.Errorf("requests (-want +got):\n%s", diff)
				}
				if got.SpecReplicas != tc.replicas || got.Selector != cur.Selector || got.UID != cur.UID {
					t.Errorf("SetReplicas answered %+v, want spec %d with the selector and uid of %+v", got, tc.replicas, cur)
				}
				// Read-your-write: at once, whether the cache has caught up or not.
				s, err := client.Get(ctx, tc.ref)
				if err != nil || s.SpecReplicas != tc.replicas {
					t.Errorf("Get right after SetReplicas = %+v, %v; want spec %d", s, err, tc.replicas)
				}
				// The object itself changed, and the cache shows it in the end.
				api, err := apiScale(ctx, cur)
				if err != nil || api.SpecReplicas != tc.replicas {
					t.Errorf("API scale after SetReplicas = %+v, %v; want spec %d", api, err, tc.replicas)
				}
				framework.WaitFor(t, "the cache to show the write", func(ctx context.Context) (bool, error) {
					s, err := client.Get(ctx, tc.ref)
					return err == nil && s.Source == scaletarget.SourceCache && s.SpecReplicas == tc.replicas, err
				})
				if _, ok := notified.Load(cur.Target); !ok {
					t.Errorf("no change notification for %v", cur.Target)
				}
			})
		}
		// The write is recorded under the field manager, through the scale subresource.
		d, err := admin.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(d.ManagedFields, func(m metav1.ManagedFieldsEntry) bool {
			return m.Manager == scaletarget.DefaultFieldManager && m.Subresource == "scale"
		}) {
			t.Errorf("deployment managed fields have no entry of %s for the scale subresource: %+v", scaletarget.DefaultFieldManager, d.ManagedFields)
		}
		w, err := dyn.Resource(widgetGVR).Namespace(ns).Get(ctx, "w", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r, _, _ := unstructured.NestedInt64(w.Object, "spec", "replicas"); r != 5 {
			t.Errorf("widget spec.replicas = %d, want 5", r)
		}
		// kube-controller-manager acts on the Deployment's new size.
		pods := framework.WaitForDeploymentPods(t, admin, ns, "web")
		if len(pods) != 4 {
			t.Errorf("%d pods, want 4", len(pods))
		}
	})

	t.Run("scaling by hand notifies", func(t *testing.T) {
		target := scaletarget.Target{Namespace: ns, GroupResource: schema.GroupResource{Group: "apps", Resource: "deployments"}, Name: "web"}
		notified.Delete(target)
		framework.ScaleDeployment(t, admin, ns, "web", 1)
		framework.WaitFor(t, "a notification for the Deployment", func(context.Context) (bool, error) {
			_, ok := notified.Load(target)
			return ok, nil
		})
		s, err := client.Get(ctx, webRef)
		if err != nil || s.SpecReplicas != 1 {
			t.Errorf("Get after the notification = %+v, %v; want spec 1", s, err)
		}
	})

	t.Run("the fallback counter counts only fallbacks", func(t *testing.T) {
		cacheReads := counterValue(t, reg, "mhpa_scale_reads_total", map[string]string{"source": "cache"})
		apiReads := counterValue(t, reg, "mhpa_scale_reads_total", map[string]string{"source": "api"})
		if cacheReads < 3000 {
			t.Errorf("cache reads = %v, want at least 3000", cacheReads)
		}
		// Since the caches synced, only the DaemonSet was read from the API.
		if apiReads != apiReadsAtSync+1 {
			t.Errorf("API reads = %v, want %v (at sync) + 1 (the DaemonSet)", apiReads, apiReadsAtSync)
		}
		var fallbacks float64
		for _, r := range []string{"deployments.apps", "statefulsets.apps", "widgets.test.mhpa.dev", "daemonsets.apps"} {
			for _, reason := range []string{scaletarget.ReasonNotSynced, scaletarget.ReasonNotCached, scaletarget.ReasonInvalid} {
				fallbacks += counterValue(t, reg, "mhpa_scale_fallback_reads_total", map[string]string{"resource": r, "reason": reason})
			}
		}
		if fallbacks != apiReads {
			t.Errorf("fallback reads by resource and reason add up to %v, want the %v API reads", fallbacks, apiReads)
		}
	})
}

func createStatefulSet(t *testing.T, cs kubernetes.Interface, ns, name string, replicas int32) {
	t.Helper()
	lbls := map[string]string{"app": name}
	_, err := cs.AppsV1().StatefulSets(ns).Create(t.Context(), &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(replicas), ServiceName: name,
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating statefulset %s/%s: %v", ns, name, err)
	}
}

func createDaemonSet(t *testing.T, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	lbls := map[string]string{"app": name}
	_, err := cs.AppsV1().DaemonSets(ns).Create(t.Context(), &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating daemonset %s/%s: %v", ns, name, err)
	}
}

// createWidget creates a Widget and sets its status through the status subresource.
func createWidget(t *testing.T, dyn dynamic.Interface, ns, name string, spec, status int64, selector string) {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "test.mhpa.dev/v1", "kind": "Widget",
		"metadata": map[string]any{"namespace": ns, "name": name},
		"spec":     map[string]any{"replicas": spec},
	}}
	created, err := dyn.Resource(widgetGVR).Namespace(ns).Create(t.Context(), u, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating widget %s/%s: %v", ns, name, err)
	}
	created.Object["status"] = map[string]any{"replicas": status, "selector": selector}
	if _, err := dyn.Resource(widgetGVR).Namespace(ns).UpdateStatus(t.Context(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("setting the status of widget %s/%s: %v", ns, name, err)
	}
}

func createGadget(t *testing.T, dyn dynamic.Interface, ns, name string) {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "test.mhpa.dev/v1", "kind": "Gadget",
		"metadata": map[string]any{"namespace": ns, "name": name},
		"spec":     map[string]any{"replicas": int64(1)},
	}}
	if _, err := dyn.Resource(gadgetGVR).Namespace(ns).Create(t.Context(), u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating gadget %s/%s: %v", ns, name, err)
	}
}
