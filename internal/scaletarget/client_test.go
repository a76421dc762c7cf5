package scaletarget

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsfake "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/fake"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	scalefake "k8s.io/client-go/scale/fake"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var (
	deployments = schema.GroupResource{Group: "apps", Resource: "deployments"}
	widgets     = schema.GroupResource{Group: "example.com", Resource: "widgets"}
	gadgets     = schema.GroupResource{Group: "example.com", Resource: "gadgets"}
	flows       = schema.GroupResource{Group: "metrics.example.com", Resource: "flows"}
	daemonsets  = schema.GroupResource{Group: "apps", Resource: "daemonsets"}
	t0          = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

// testMapper is a fixed RESTMapper that counts resets.
type testMapper struct {
	meta.RESTMapper
	resets atomic.Int32
}

func (m *testMapper) Reset() { m.resets.Add(1) }

func newTestMapper() *testMapper {
	m := meta.NewDefaultRESTMapper([]schema.GroupVersion{
		{Group: "apps", Version: "v1"}, {Version: "v1"}, {Group: "example.com", Version: "v1"}, {Group: "metrics.example.com", Version: "v1"},
	})
	add := func(group, version, kind, resource string) {
		gv := schema.GroupVersion{Group: group, Version: version}
		m.AddSpecific(gv.WithKind(kind), gv.WithResource(resource), gv.WithResource(resource[:len(resource)-1]), meta.RESTScopeNamespace)
	}
	add("apps", "v1", "Deployment", "deployments")
	add("apps", "v1", "ReplicaSet", "replicasets")
	add("apps", "v1", "StatefulSet", "statefulsets")
	add("apps", "v1", "DaemonSet", "daemonsets")
	add("", "v1", "ReplicationController", "replicationcontrollers")
	add("example.com", "v1", "Widget", "widgets")
	add("example.com", "v1", "Gadget", "gadgets")
	add("metrics.example.com", "v1", "Flow", "flows")
	// Like the discovery mapper, answer an unknown kind with a NoKindMatchError.
	return &testMapper{RESTMapper: meta.MultiRESTMapper{m}}
}

// env is a Client on fake clients.
type env struct {
	kube   *kubefake.Clientset
	dyn    *dynamicfake.FakeDynamicClient
	ext    *apiextensionsfake.Clientset
	scales *scalefake.FakeScaleClient
	mapper *testMapper
	clock  *clocktesting.FakePassiveClock
	client *Client

	mu sync.Mutex
	// apiScales are what the fake /scale subresource answers, by "resource/namespace/name".
	apiScales map[string]*autoscalingv1.Scale
}

type envInput struct {
	kube []runtime.Object
	crds []runtime.Object
	crs  []runtime.Object
	// uncached is Options.Uncached.
	uncached []schema.GroupResource
}

func newEnv(t testing.TB, in envInput) *env {
	t.Helper()
	e := &env{
		kube: kubefake.NewClientset(in.kube...),
		// The field-managed NewClientset lacks the CRD schema; the simple one needs none.
		ext:       apiextensionsfake.NewSimpleClientset(in.crds...), //nolint:staticcheck
		scales:    &scalefake.FakeScaleClient{},
		mapper:    newTestMapper(),
		clock:     clocktesting.NewFakePassiveClock(t0),
		apiScales: map[string]*autoscalingv1.Scale{},
	}
	e.dyn = dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		widgets.WithVersion("v1"): "WidgetList",
		gadgets.WithVersion("v1"): "GadgetList",
	}, in.crs...)
	e.scales.AddReactor("get", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		g := a.(clienttesting.GetAction)
		e.mu.Lock()
		defer e.mu.Unlock()
		s, ok := e.apiScales[fmt.Sprintf("%s/%s/%s", g.GetResource().GroupResource(), g.GetNamespace(), g.GetName())]
		if !ok {
			return true, nil, apierrors.NewNotFound(g.GetResource().GroupResource(), g.GetName())
		}
		return true, s.DeepCopy(), nil
	})
	var err error
	e.client, err = New(Options{
		Clients:    Clients{Kubernetes: e.kube, Dynamic: e.dyn, APIExtensions: e.ext, Scales: e.scales, Mapper: e.mapper},
		Clock:      e.clock,
		Registerer: prometheus.NewRegistry(),
		Uncached:   in.uncached,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.client.Start(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// setAPIScale sets what the fake /scale subresource answers for a target.
func (e *env) setAPIScale(gr schema.GroupResource, ns, name string, spec, status int32, selector string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.apiScales[fmt.Sprintf("%s/%s/%s", gr, ns, name)] = &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: "1"},
		Spec:       autoscalingv1.ScaleSpec{Replicas: spec},
		Status:     autoscalingv1.ScaleStatus{Replicas: status, Selector: selector},
	}
}

// scaleCalls returns the number of calls made to the scale client.
func (e *env) scaleCalls() int { return len(e.scales.Actions()) }

// waitForSource polls Get until it is served from src, and returns that scale.
func (e *env) waitForSource(t testing.TB, ref Ref, src Source) Scale {
	t.Helper()
	var s Scale
	var lastErr error
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		s, lastErr = e.client.Get(ctx, ref)
		return lastErr == nil && s.Source == src, nil
	})
	if err != nil {
		t.Fatalf("Get(%+v) never served from %s: last %+v, %v", ref, src, s, lastErr)
	}
	return s
}

func deployment(ns, name string, spec, status int32, rv string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name), ResourceVersion: rv},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(spec),
			Selector: &metav1.LabelSelector{
				MatchLabels:      map[string]string{"app": name},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "edge"}}},
			},
		},
		Status: appsv1.DeploymentStatus{Replicas: status},
	}
}

func widgetCRD(scale *apiextensionsv1.CustomResourceSubresourceScale) *apiextensionsv1.CustomResourceDefinition {
	v := apiextensionsv1.CustomResourceDefinitionVersion{Name: "v1", Served: true, Storage: true}
	if scale != nil {
		v.Subresources = &apiextensionsv1.CustomResourceSubresources{Scale: scale}
	}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.example.com", ResourceVersion: "1"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.com", Scope: apiextensionsv1.NamespaceScoped,
			Names:    apiextensionsv1.CustomResourceDefinitionNames{Plural: "widgets", Kind: "Widget"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{v},
		},
	}
}

var defaultWidgetScale = &apiextensionsv1.CustomResourceSubresourceScale{
	SpecReplicasPath: ".spec.replicas", StatusReplicasPath: ".status.replicas", LabelSelectorPath: ptr.To(".status.selector"),
}

func widget(ns, name string, content map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: content}
	u.SetAPIVersion("example.com/v1")
	u.SetKind("Widget")
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetUID(types.UID("uid-" + name))
	u.SetResourceVersion("5")
	return u
}

func TestGetErrors(t *testing.T) {
	e := newEnv(t, envInput{crds: []runtime.Object{
		&apiextensionsv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: "gadgets.example.com"},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{
				Group:    "example.com",
				Names:    apiextensionsv1.CustomResourceDefinitionNames{Plural: "gadgets", Kind: "Gadget"},
				Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true}},
			},
		},
	}})
	// Warm the caches: the deployments informer and the CRD informer must have synced for
	// the answers below to come from them.
	e.waitForNotFoundFromCache(t, Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "warm"})
	e.waitForNotFoundFromCache(t, Ref{Namespace: "ns", APIVersion: "example.com/v1", Kind: "Gadget", Name: "warm"})

	tests := map[string]struct {
		ref       Ref
		wantErr   string
		wantCheck func(error) bool
	}{
		"apiVersion with two slashes": {
			ref:     Ref{Namespace: "ns", APIVersion: "apps/v1/x", Kind: "Deployment", Name: "web"},
			wantErr: "unexpected GroupVersion string: apps/v1/x",
			wantCheck: func(err error) bool {
				var iv *InvalidAPIVersionError
				return errors.As(err, &iv) && iv.APIVersion == "apps/v1/x"
			},
		},
		"kind unknown in its group": {
			ref:       Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deploymnet", Name: "web"},
			wantErr:   `no matches for kind "Deploymnet" in group "apps"`,
			wantCheck: meta.IsNoMatchError,
		},
		"missing deployment, from the cache": {
			ref:       Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			wantErr:   `deployments.apps "web" not found`,
			wantCheck: apierrors.IsNotFound,
		},
		"custom resource without a scale subresource": {
			ref:       Ref{Namespace: "ns", APIVersion: "example.com/v1", Kind: "Gadget", Name: "g"},
			wantErr:   `gadgets.example.com "g" not found`,
			wantCheck: apierrors.IsNotFound,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := e.scaleCalls()
			_, err := e.client.Get(context.Background(), tc.ref)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("Get error = %v, want %q", err, tc.wantErr)
			}
			if !tc.wantCheck(err) {
				t.Errorf("Get error %v (%T) is not of the expected kind", err, err)
			}
			if n := e.scaleCalls() - before; n != 0 {
				t.Errorf("Get made %d scale API calls, want 0", n)
			}
		})
	}
}

// waitForNotFoundFromCache polls Get until it answers NotFound without calling the API.
func (e *env) waitForNotFoundFromCache(t *testing.T, ref Ref) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		before := e.scaleCalls()
		_, err := e.client.Get(ctx, ref)
		return apierrors.IsNotFound(err) && e.scaleCalls() == before, nil
	})
	if err != nil {
		t.Fatalf("Get(%+v) never answered NotFound from the cache", ref)
	}
}

func TestGetBuiltinsFromCache(t *testing.T) {
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rc", UID: "uid-rc", ResourceVersion: "7"},
		Spec:       corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](2), Selector: map[string]string{"b": "2", "a": "1"}},
		Status:     corev1.ReplicationControllerStatus{Replicas: 1},
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rs", UID: "uid-rs", ResourceVersion: "8"},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](4), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "rs"}}},
		Status:     appsv1.ReplicaSetStatus{Replicas: 4},
	}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db", UID: "uid-db", ResourceVersion: "9"},
		Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}},
		Status:     appsv1.StatefulSetStatus{Replicas: 2},
	}
	e := newEnv(t, envInput{kube: []runtime.Object{deployment("ns", "web", 3, 2, "6"), rc, rs, sts}})
	// Before the informers sync, reads go to the API.
	e.setAPIScale(deployments, "ns", "web", 3, 2, "app=web,tier in (edge,web)")

	tests := map[string]struct {
		ref  Ref
		want Scale
	}{
		"deployment": {
			ref: Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			want: Scale{Target: Target{Namespace: "ns", GroupResource: deployments, Name: "web"}, UID: "uid-web", ResourceVersion: "6",
				SpecReplicas: 3, StatusReplicas: 2, Selector: "app=web,tier in (edge,web)", Source: SourceCache},
		},
		"replication controller": {
			ref: Ref{Namespace: "ns", APIVersion: "v1", Kind: "ReplicationController", Name: "rc"},
			want: Scale{Target: Target{Namespace: "ns", GroupResource: schema.GroupResource{Resource: "replicationcontrollers"}, Name: "rc"},
				UID: "uid-rc", ResourceVersion: "7", SpecReplicas: 2, StatusReplicas: 1, Selector: "a=1,b=2", Source: SourceCache},
		},
		"replica set, any version of the group": {
			ref: Ref{Namespace: "ns", APIVersion: "apps/v1beta2", Kind: "ReplicaSet", Name: "rs"},
			want: Scale{Target: Target{Namespace: "ns", GroupResource: schema.GroupResource{Group: "apps", Resource: "replicasets"}, Name: "rs"},
				UID: "uid-rs", ResourceVersion: "8", SpecReplicas: 4, StatusReplicas: 4, Selector: "app=rs", Source: SourceCache},
		},
		"stateful set": {
			ref: Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db"},
			want: Scale{Target: Target{Namespace: "ns", GroupResource: schema.GroupResource{Group: "apps", Resource: "statefulsets"}, Name: "db"},
				UID: "uid-db", ResourceVersion: "9", SpecReplicas: 3, StatusReplicas: 2, Selector: "app=db", Source: SourceCache},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := e.waitForSource(t, tc.ref, SourceCache)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}
			before := e.scaleCalls()
			for i := 0; i < 100; i++ {
				if _, err := e.client.Get(context.Background(), tc.ref); err != nil {
					t.Fatal(err)
				}
			}
			if n := e.scaleCalls() - before; n != 0 {
				t.Errorf("100 reads after sync made %d scale API calls, want 0", n)
			}
		})
	}
}

func TestFallbackReads(t *testing.T) {
	e := newEnv(t, envInput{})
	e.setAPIScale(flows, "ns", "f", 2, 2, "app=f")
	e.setAPIScale(daemonsets, "ns", "d", 1, 1, "app=d")
	flowRef := Ref{Namespace: "ns", APIVersion: "metrics.example.com/v1", Kind: "Flow", Name: "f"}

	// Until the CRD informer has synced, a non-built-in resource is read from the API as
	// "not synced"; then, not being a CRD, as "not cached".
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		before := testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(flows.String(), ReasonNotCached))
		s, err := e.client.Get(ctx, flowRef)
		if err != nil {
			return false, err
		}
		if s.Source != SourceAPI || s.SpecReplicas != 2 || s.Selector != "app=f" {
			return false, fmt.Errorf("Get = %+v, want spec 2, selector app=f, from the API", s)
		}
		return testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(flows.String(), ReasonNotCached)) == before+1, nil
	})
	if err != nil {
		t.Fatalf("reading a flow: %v", err)
	}

	s, err := e.client.Get(context.Background(), Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "DaemonSet", Name: "d"})
	if err != nil || s.Source != SourceAPI || s.SpecReplicas != 1 {
		t.Fatalf("Get daemonset = %+v, %v; want spec 1 from the API", s, err)
	}
	if got := testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(daemonsets.String(), ReasonNotCached)); got != 1 {
		t.Errorf("fallback reads of daemonsets = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.client.readsAPI); got < 2 {
		t.Errorf("API reads = %v, want at least 2", got)
	}

	// A missing object of an uncached resource: the API's NotFound, unchanged.
	_, err = e.client.Get(context.Background(), Ref{Namespace: "ns", APIVersion: "metrics.example.com/v1", Kind: "Flow", Name: "nope"})
	if !apierrors.IsNotFound(err) || err.Error() != `flows.metrics.example.com "nope" not found` {
		t.Errorf("Get of a missing flow: %v, want the API's NotFound", err)
	}
}

func TestUncached(t *testing.T) {
	e := newEnv(t, envInput{kube: []runtime.Object{deployment("ns", "web", 3, 3, "1")}, uncached: []schema.GroupResource{deployments}})
	e.setAPIScale(deployments, "ns", "web", 3, 3, "app=web")
	ref := Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	for i := 0; i < 3; i++ {
		if s, err := e.client.Get(context.Background(), ref); err != nil || s.Source != SourceAPI {
			t.Fatalf("Get = %+v, %v; want a read from the API", s, err)
		}
	}
	if n := e.scaleCalls(); n != 3 {
		t.Errorf("%d scale API calls, want 3", n)
	}
	if len(e.client.resources) != 0 {
		t.Errorf("informers started for an uncached resource: %v", e.client.resources)
	}
}

func TestNotSyncedReadsAreCounted(t *testing.T) {
	e := newEnv(t, envInput{kube: []runtime.Object{deployment("ns", "web", 3, 3, "1")}})
	e.setAPIScale(deployments, "ns", "web", 3, 3, "app=web")
	// Block the list of deployments so the informer cannot sync.
	release := make(chan struct{})
	e.kube.PrependReactor("list", "deployments", func(clienttesting.Action) (bool, runtime.Object, error) {
		<-release
		return false, nil, nil
	})
	defer close(release)
	ref := Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	for i := 0; i < 3; i++ {
		s, err := e.client.Get(context.Background(), ref)
		if err != nil || s.Source != SourceAPI {
			t.Fatalf("Get = %+v, %v; want a read from the API", s, err)
		}
	}
	if got := testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(deployments.String(), ReasonNotSynced)); got != 3 {
		t.Errorf("not-synced fallback reads = %v, want 3", got)
	}
}

func TestCustomResource(t *testing.T) {
	e := newEnv(t, envInput{
		crds: []runtime.Object{widgetCRD(defaultWidgetScale)},
		crs: []runtime.Object{
			widget("ns", "w", map[string]any{
				"spec":   map[string]any{"replicas": int64(4), "size": int64(9)},
				"status": map[string]any{"replicas": int64(3), "selector": "app=w"},
			}),
			widget("ns", "fresh", map[string]any{"spec": map[string]any{"replicas": int64(1)}}),
			widget("ns", "broken", map[string]any{"spec": map[string]any{"size": int64(1)}}),
		},
	})
	e.setAPIScale(widgets, "ns", "w", 4, 3, "app=w")
	e.setAPIScale(widgets, "ns", "fresh", 1, 0, "")
	e.setAPIScale(widgets, "ns", "broken", 0, 0, "")

	ref := Ref{Namespace: "ns", APIVersion: "example.com/v1", Kind: "Widget", Name: "w"}
	got := e.waitForSource(t, ref, SourceCache)
	want := Scale{Target: Target{Namespace: "ns", GroupResource: widgets, Name: "w"}, UID: "uid-w", ResourceVersion: "5",
		SpecReplicas: 4, StatusReplicas: 3, Selector: "app=w", Source: SourceCache}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}

	// Missing status fields read as the API server reads them: 0 replicas, no selector.
	fresh := e.waitForSource(t, Ref{Namespace: "ns", APIVersion: "example.com/v1", Kind: "Widget", Name: "fresh"}, SourceCache)
	if fresh.SpecReplicas != 1 || fresh.StatusReplicas != 0 || fresh.Selector != "" {
		t.Errorf("Get fresh = %+v, want spec 1, status 0, no selector", fresh)
	}

	// An object without spec replicas cannot be rendered; the API says why.
	before := testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(widgets.String(), ReasonInvalid))
	if s, err := e.client.Get(context.Background(), Ref{Namespace: "ns", APIVersion: "example.com/v1", Kind: "Widget", Name: "broken"}); err != nil || s.Source != SourceAPI {
		t.Errorf("Get broken = %+v, %v; want a read from the API", s, err)
	}
	if got := testutil.ToFloat64(e.client.metrics.fallbacks.WithLabelValues(widgets.String(), ReasonInvalid)); got != before+1 {
		t.Errorf("invalid-object fallback reads = %v, want %v", got, before+1)
	}

	// The CRD moves spec replicas: the informer is rebuilt and reads the new path.
	resets := e.mapper.resets.Load()
	crd := widgetCRD(&apiextensionsv1.CustomResourceSubresourceScale{
		SpecReplicasPath: ".spec.size", StatusReplicasPath: ".status.replicas", LabelSelectorPath: ptr.To(".status.selector"),
	})
	crd.ResourceVersion = "2"
	if _, err := e.ext.ApiextensionsV1().CustomResourceDefinitions().Update(context.Background(), crd, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		s, err := e.client.Get(ctx, ref)
		return err == nil && s.Source == SourceCache && s.SpecReplicas == 9, nil
	})
	if err != nil {
		t.Fatalf("spec replicas never read from the new path .spec.size")
	}
	if e.mapper.resets.Load() == resets {
		t.Errorf("the RESTMapper was not reset after the CRD changed")
	}
}

func TestSetReplicasOverlay(t *testing.T) {
	e := newEnv(t, envInput{kube: []runtime.Object{deployment("ns", "web", 3, 3, "10")}})
	ref := Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	target := Target{Namespace: "ns", GroupResource: deployments, Name: "web"}
	var patches []clienttesting.PatchAction
	e.scales.AddReactor("patch", "deployments", func(a clienttesting.Action) (bool, runtime.Object, error) {
		p := a.(clienttesting.PatchAction)
		patches = append(patches, p)
		return true, &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "uid-web", ResourceVersion: "11"},
			Spec:       autoscalingv1.ScaleSpec{Replicas: 5},
			Status:     autoscalingv1.ScaleStatus{Replicas: 3, Selector: "app=web,tier in (edge,web)"},
		}, nil
	})
	e.waitForSource(t, ref, SourceCache)

	got, err := e.client.SetReplicas(context.Background(), SetReplicasInput{Target: target, Replicas: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := Scale{Target: target, UID: "uid-web", ResourceVersion: "11", SpecReplicas: 5, StatusReplicas: 3,
		Selector: "app=web,tier in (edge,web)", Source: SourceWritten}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SetReplicas (-want +got):\n%s", diff)
	}
	if len(patches) != 1 {
		t.Fatalf("%d patches, want 1", len(patches))
	}
	p := patches[0]
	if p.GetSubresource() != "scale" || p.GetPatchType() != types.MergePatchType || string(p.GetPatch()) != `{"spec":{"replicas":5}}` ||
		p.GetResource() != deployments.WithVersion("v1") {
		t.Errorf("patch = %s %s of %v/%s, want a merge patch {\"spec\":{\"replicas\":5}} of apps/v1 deployments/scale",
			p.GetPatchType(), p.GetPatch(), p.GetResource(), p.GetSubresource())
	}

	// The cache still holds resourceVersion 10: the written scale is returned.
	if s, err := e.client.Get(context.Background(), ref); err != nil || s.Source != SourceWritten || s.SpecReplicas != 5 {
		t.Fatalf("Get after the write = %+v, %v; want the written 5 replicas", s, err)
	}
	// The cache catches up (resourceVersion 12 > 11): the cache is read again.
	if _, err := e.kube.AppsV1().Deployments("ns").Update(context.Background(), deployment("ns", "web", 5, 4, "12"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := e.waitForSource(t, ref, SourceCache)
	if s.SpecReplicas != 5 || s.StatusReplicas != 4 || s.ResourceVersion != "12" {
		t.Errorf("Get after the cache caught up = %+v, want 5/4 at resourceVersion 12", s)
	}
	if n := e.client.overlay.size(); n != 0 {
		t.Errorf("overlay keeps %d writes after the cache caught up, want 0", n)
	}
}

func TestOverlayExpires(t *testing.T) {
	e := newEnv(t, envInput{kube: []runtime.Object{deployment("ns", "web", 3, 3, "10")}})
	ref := Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	e.scales.AddReactor("patch", "deployments", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{UID: "uid-web", ResourceVersion: "11"}, Spec: autoscalingv1.ScaleSpec{Replicas: 5}}, nil
	})
	e.waitForSource(t, ref, SourceCache)
	if _, err := e.client.SetReplicas(context.Background(), SetReplicasInput{Target: Target{Namespace: "ns", GroupResource: deployments, Name: "web"}, Replicas: 5}); err != nil {
		t.Fatal(err)
	}
	e.clock.SetTime(t0.Add(DefaultOverlayTTL - time.Second))
	if s, _ := e.client.Get(context.Background(), ref); s.Source != SourceWritten {
		t.Fatalf("Get before the overlay expired: source %s, want %s", s.Source, SourceWritten)
	}
	e.clock.SetTime(t0.Add(DefaultOverlayTTL))
	if s, _ := e.client.Get(context.Background(), ref); s.Source != SourceCache || s.SpecReplicas != 3 {
		t.Fatalf("Get after the overlay expired = %+v, want the cached 3 replicas", s)
	}
}

func TestOverlaySweepsExpiredWrites(t *testing.T) {
	o := newOverlay()
	a := Target{Namespace: "ns", GroupResource: deployments, Name: "a"}
	b := Target{Namespace: "ns", GroupResource: deployments, Name: "b"}
	o.put(a, written{expires: t0.Add(time.Minute)}, t0)
	o.put(b, written{expires: t0.Add(time.Minute + time.Second)}, t0.Add(time.Second))
	if n := o.size(); n != 2 {
		t.Fatalf("overlay size %d, want 2", n)
	}
	// a expired and is never read again; the next write drops it.
	o.put(b, written{expires: t0.Add(3 * time.Minute)}, t0.Add(2*time.Minute))
	if n := o.size(); n != 1 {
		t.Fatalf("overlay size %d after the sweep, want 1", n)
	}
	if _, ok := o.m[b]; !ok {
		t.Errorf("the sweep dropped the live write")
	}
}

func TestCaughtUp(t *testing.T) {
	tests := map[string]struct {
		cached, written, before string
		want                    bool
	}{
		"same version":                     {cached: "11", written: "11", before: "10", want: true},
		"newer version":                    {cached: "12", written: "11", before: "10", want: true},
		"older version":                    {cached: "10", written: "11", before: "10", want: false},
		"older version, numerically":       {cached: "9", written: "11", before: "", want: false},
		"opaque versions, unchanged cache": {cached: "b", written: "c", before: "b", want: false},
		"opaque versions, cache moved":     {cached: "d", written: "c", before: "b", want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := written{scale: Scale{ResourceVersion: tc.written}, before: tc.before}
			if got := caughtUp(tc.cached, w); got != tc.want {
				t.Errorf("caughtUp(%q, written %q before %q) = %v, want %v", tc.cached, tc.written, tc.before, got, tc.want)
			}
		})
	}
}

func TestHandlers(t *testing.T) {
	e := newEnv(t, envInput{kube: []runtime.Object{deployment("ns", "web", 3, 3, "1")}})
	ref := Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	target := Target{Namespace: "ns", GroupResource: deployments, Name: "web"}
	calls := make(chan Target, 100)
	e.client.AddHandler(func(t Target) { calls <- t })
	e.waitForSource(t, ref, SourceCache)
	next := func(what string) Target {
		t.Helper()
		select {
		case got := <-calls:
			return got
		case <-time.After(10 * time.Second):
			t.Fatalf("no handler call after %s", what)
		}
		return Target{}
	}
	if got := next("the initial list"); got != target {
		t.Fatalf("handler called with %v, want %v", got, target)
	}

	ctx := context.Background()
	// A change outside the scale (here: a label) does not notify; the replicas change after
	// it does, and is the next call.
	d := deployment("ns", "web", 3, 3, "2")
	d.Labels = map[string]string{"team": "a"}
	if _, err := e.kube.AppsV1().Deployments("ns").Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kube.AppsV1().Deployments("ns").Update(ctx, deployment("ns", "web", 7, 3, "3"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := next("scaling by hand"); got != target {
		t.Fatalf("handler called with %v, want %v", got, target)
	}
	s, err := e.client.Get(ctx, ref)
	if err != nil || s.SpecReplicas != 7 {
		t.Fatalf("Get after the handler call = %+v, %v; want 7 replicas (the handler runs after the cache is updated)", s, err)
	}
	select {
	case got := <-calls:
		t.Fatalf("extra handler call %v: the label change notified", got)
	default:
	}

	if err := e.kube.AppsV1().Deployments("ns").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := next("deleting"); got != target {
		t.Fatalf("handler called with %v, want %v", got, target)
	}
}

func TestRediscoveryIsRateLimited(t *testing.T) {
	e := newEnv(t, envInput{})
	ref := Ref{Namespace: "ns", APIVersion: "example.com/v1", Kind: "Sprocket", Name: "s"}
	get := func() {
		t.Helper()
		if _, err := e.client.Get(context.Background(), ref); !meta.IsNoMatchError(err) {
			t.Fatalf("Get of an unknown kind: %v, want no match", err)
		}
	}
	base := e.mapper.resets.Load()
	get()
	if n := e.mapper.resets.Load() - base; n != 0 {
		t.Fatalf("rediscovered %d times right after start, want 0", n)
	}
	e.clock.SetTime(t0.Add(DefaultRediscoveryInterval))
	get()
	get()
	if n := e.mapper.resets.Load() - base; n != 1 {
		t.Fatalf("rediscovered %d times after one interval, want 1", n)
	}
	e.clock.SetTime(t0.Add(2 * DefaultRediscoveryInterval))
	get()
	if n := e.mapper.resets.Load() - base; n != 2 {
		t.Fatalf("rediscovered %d times after two intervals, want 2", n)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without clients: no error")
	}
	e := newEnv(t, envInput{})
	c := e.client.clients
	if _, err := New(Options{Clients: c, OverlayTTL: -time.Second}); err == nil {
		t.Error("New with a negative OverlayTTL: no error")
	}
}

// BenchmarkGet measures a read from a synced cache of 1,000 Deployments.
func BenchmarkGet(b *testing.B) {
	objs := make([]runtime.Object, 1000)
	for i := range objs {
		objs[i] = deployment("ns", fmt.Sprint("d", i), 3, 3, "1")
	}
	e := newEnv(b, envInput{kube: objs})
	refs := make([]Ref, len(objs))
	for i := range refs {
		refs[i] = Ref{Namespace: "ns", APIVersion: "apps/v1", Kind: "Deployment", Name: fmt.Sprint("d", i)}
	}
	e.waitForSource(b, refs[len(refs)-1], SourceCache)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		s, err := e.client.Get(ctx, refs[i%len(refs)])
		if err != nil || s.Source != SourceCache {
			b.Fatalf("Get = %+v, %v", s, err)
		}
		i++
	}
}
