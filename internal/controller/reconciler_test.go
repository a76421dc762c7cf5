package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/podsource"
	"github.com/mhpa-dev/mhpa/internal/scaletarget"
)

// The tests below run the reconciler on fakes of its boundaries (a fake API client, scales,
// pods and metrics): the glue between the decision code and the API objects of either kind.
// The real thing is tested end to end in test/e2e.

const testNamespace = "ns"

var testStart = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// fakeScales serves the scale of one Deployment "web".
type fakeScales struct {
	mu       sync.Mutex
	replicas int32
	sets     []int32
}

func (f *fakeScales) Get(_ context.Context, ref scaletarget.Ref) (scaletarget.Scale, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ref.Name != "web" {
		return scaletarget.Scale{}, fmt.Errorf("no target %s", ref.Name)
	}
	return scaletarget.Scale{
		Target:       scaletarget.Target{Namespace: ref.Namespace, GroupResource: schema.GroupResource{Group: "apps", Resource: "deployments"}, Name: ref.Name},
		SpecReplicas: f.replicas, StatusReplicas: f.replicas, Selector: "app=web",
	}, nil
}

func (f *fakeScales) SetReplicas(_ context.Context, in scaletarget.SetReplicasInput) (scaletarget.Scale, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replicas = in.Replicas
	f.sets = append(f.sets, in.Replicas)
	return scaletarget.Scale{Target: in.Target, SpecReplicas: in.Replicas}, nil
}

func (f *fakeScales) current() int32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.replicas
}

// fakePods lists as many running, ready pods of 100m cpu as the target has replicas.
type fakePods struct{ scales *fakeScales }

func (f fakePods) List(namespace string, _ labels.Selector) []*podsource.Pod {
	n := int(f.scales.current())
	out := make([]*podsource.Pod, n)
	started := metav1.NewTime(testStart.Add(-time.Hour))
	for i := range out {
		out[i] = &podsource.Pod{
			Namespace: namespace, Name: fmt.Sprintf("web-%d", i), Labels: map[string]string{"app": "web"},
			Phase: corev1.PodRunning, Ready: corev1.ConditionTrue, StartTime: &started, ReadyTransitionTime: started,
			Containers: []podsource.Container{{Name: "main", Requests: podsource.Requests{{Name: corev1.ResourceCPU, MilliValue: 100}}}},
		}
	}
	return out
}

func (fakePods) HasSynced() bool { return true }

// fakeMetrics serves external metrics by subdomain and name, and every pod's cpu.
type fakeMetrics struct {
	mu       sync.Mutex
	external map[string]int64 // "subdomain/name" → milli-value; absent: not found
	cpuMilli int64
	pods     fakePods
}

func (f *fakeMetrics) set(subdomain, name string, milli int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.external[subdomain+"/"+name] = milli
}

func (f *fakeMetrics) drop(subdomain, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.external, subdomain+"/"+name)
}

func (f *fakeMetrics) ResourceMetric(_ context.Context, q metrics.ResourceQuery) (metrics.PodValues, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := metrics.PodValues{Values: map[string]metrics.PodValue{}}
	for _, p := range f.pods.List(q.Namespace, q.Selector) {
		out.Values[p.Name] = metrics.PodValue{MilliValue: f.cpuMilli, Timestamp: testStart, Window: time.Minute}
	}
	return out, nil
}

func (f *fakeMetrics) PodsMetric(context.Context, metrics.PodsQuery) (metrics.PodValues, error) {
	return metrics.PodValues{}, errors.New("no pods metrics here")
}

func (f *fakeMetrics) ObjectMetric(context.Context, metrics.ObjectQuery) (metrics.ObjectValue, error) {
	return metrics.ObjectValue{}, errors.New("no object metrics here")
}

func (f *fakeMetrics) ExternalMetric(_ context.Context, q metrics.ExternalQuery) (metrics.ExternalValues, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.external[q.Subdomain+"/"+q.Metric]
	if !ok {
		return metrics.ExternalValues{}, fmt.Errorf("subdomain %q: metric %s not found", q.Subdomain, q.Metric)
	}
	return metrics.ExternalValues{MilliValues: []int64{v}}, nil
}

// world is a reconciler on fakes, with counters of its writes.
type world struct {
	r       *Reconciler
	client  client.Client
	clock   *testingclock.FakeClock
	scales  *fakeScales
	metrics *fakeMetrics
	events  *record.FakeRecorder

	mu            sync.Mutex
	statusWrites  int
	metadataWrite int
}

func newWorld(t *testing.T, replicas int32, objs ...client.Object) *world {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v2.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	w := &world{clock: testingclock.NewFakeClock(testStart), scales: &fakeScales{replicas: replicas}, events: record.NewFakeRecorder(1000)}
	w.metrics = &fakeMetrics{external: map[string]int64{}, pods: fakePods{w.scales}}
	w.client = interceptor.NewClient(
		fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
			WithStatusSubresource(&v2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscaler{}).Build(),
		interceptor.Funcs{
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
				w.mu.Lock()
				w.statusWrites++
				w.mu.Unlock()
				return c.SubResource(sub).Update(ctx, obj, opts...)
			},
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
				w.mu.Lock()
				w.metadataWrite++
				w.mu.Unlock()
				return c.Patch(ctx, obj, patch, opts...)
			},
		})
	opts := DefaultOptions()
	opts.SyncPeriod = 2 * time.Second
	opts.Decision.DownscaleStabilizationWindow = 0
	r, err := New(Config{Client: w.client, Scales: w.scales, Pods: fakePods{w.scales}, Metrics: w.metrics, Recorder: w.events, Clock: w.clock, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	w.r = r
	return w
}

func (w *world) writes() (status, metadata int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.statusWrites, w.metadataWrite
}

// sync reconciles the autoscaler (built-in or not) once, then moves the clock a sync period on.
func (w *world) sync(t *testing.T, builtinHPA bool) {
	t.Helper()
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: testNamespace, Name: "web"}}
	var err error
	if builtinHPA {
		_, err = builtinReconciler{r: w.r}.Reconcile(t.Context(), req)
	} else {
		_, err = w.r.Reconcile(t.Context(), req)
	}
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	w.clock.Step(2 * time.Second)
}

// drainEvents returns the events recorded so far.
func (w *world) drainEvents() []string {
	var out []string
	for {
		select {
		case e := <-w.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func externalAverage(name, average, subdomain string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric:    v2.MetricIdentifier{Name: name},
		Target:    v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse(average))},
		Subdomain: subdomain,
	}}
}

func mhpaWeb(metrics ...v2.MetricSpec) *v2.HorizontalPodAutoscaler {
	return &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "web", Generation: 1},
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](1), MaxReplicas: 10, Metrics: metrics,
		},
	}
}

func (w *world) mhpa(t *testing.T) *v2.HorizontalPodAutoscaler {
	t.Helper()
	hpa := &v2.HorizontalPodAutoscaler{}
	if err := w.client.Get(t.Context(), types.NamespacedName{Namespace: testNamespace, Name: "web"}, hpa); err != nil {
		t.Fatal(err)
	}
	return hpa
}

func findCondition(conds []v2.HorizontalPodAutoscalerCondition, t v2.HorizontalPodAutoscalerConditionType) *v2.HorizontalPodAutoscalerCondition {
	if i := conditionIndex(conds, t); i >= 0 {
		return &conds[i]
	}
	return nil
}

// TestShadowMetrics runs an autoscaler with an active metric and its shadow on another
// subdomain: only the active one scales, both are reported, their comparison is kept without
// a status write while nothing changes, and a failing shadow metric is reported apart.
func TestShadowMetrics(t *testing.T) {
	w := newWorld(t, 1, mhpaWeb(externalAverage("q", "10", ""), shadowOf(externalAverage("q", "10", "tenant-a"))))
	w.metrics.set("", "q", 30_000)
	w.metrics.set("tenant-a", "q", 80_000)

	w.sync(t, false)
	if got := w.scales.current(); got != 3 {
		t.Fatalf("scaled to %d, want 3 (the active metric's 30/10); the shadow metric proposes 8", got)
	}
	hpa := w.mhpa(t)
	st := &hpa.Status
	if len(st.CurrentMetrics) != 2 || st.CurrentMetrics[0].Shadow || !st.CurrentMetrics[1].Shadow {
		t.Errorf("currentMetrics = %+v, want both metrics, the second marked shadow", st.CurrentMetrics)
	}
	var props []string
	for _, p := range st.LastDecision.Metrics {
		props = append(props, fmt.Sprintf("%s=%d shadow=%v", p.Name, ptr.Deref(p.Replicas, -1), p.Shadow))
	}
	if diff := cmp.Diff([]string{"external/q=3 shadow=false", "external/q=8 shadow=true"}, props); diff != "" {
		t.Errorf("lastDecision proposals (-want +got):\n%s", diff)
	}
	if c := findCondition(st.Conditions, v2.ShadowMetricsActive); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("ShadowMetricsActive = %+v, want True", c)
	}
	wantCmp := []v2.ShadowComparison{{
		ShadowMetric: 1, ActiveMetric: 0, ShadowName: "external/q@tenant-a", ActiveName: "external/q",
		Since: metav1.NewTime(testStart), Runs: []v2.ShadowRun{{Time: metav1.NewTime(testStart), Outcome: v2.ShadowDisagree}},
		Disagreements:    1,
		LastDisagreement: &v2.ShadowDisagreement{Time: metav1.NewTime(testStart), ActiveReplicas: 3, ShadowReplicas: 8},
	}}
	if diff := cmp.Diff(wantCmp, st.ShadowComparisons); diff != "" {
		t.Errorf("shadowComparisons (-want +got):\n%s", diff)
	}

	// Steady: three more syncs write nothing.
	w.sync(t, false) // the target now has 3 pods: the same proposals
	before, _ := w.writes()
	for range 3 {
		w.sync(t, false)
	}
	if after, _ := w.writes(); after != before {
		t.Errorf("%d status writes in three steady syncs, want none", after-before)
	}

	// The shadow metric agrees: a new run, and again no write while it lasts.
	w.metrics.set("tenant-a", "q", 30_000)
	w.sync(t, false)
	before, _ = w.writes()
	w.sync(t, false)
	if after, _ := w.writes(); after != before {
		t.Errorf("%d status writes while the metrics keep agreeing, want none", after-before)
	}
	runs := w.mhpa(t).Status.ShadowComparisons[0].Runs
	if len(runs) != 2 || runs[1].Outcome != v2.ShadowAgree {
		t.Errorf("runs = %+v, want a disagreement then an agreement", runs)
	}

	// The shadow metric fails: reported, and nothing else changes.
	w.drainEvents()
	w.metrics.drop("tenant-a", "q")
	w.metrics.set("", "q", 10_000) // the active metric wants 1
	w.sync(t, false)
	if got := w.scales.current(); got != 1 {
		t.Errorf("scaled to %d, want 1: a failing shadow metric must not block a scale-down", got)
	}
	st = &w.mhpa(t).Status
	c := findCondition(st.Conditions, v2.ShadowMetricsActive)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != decision.ReasonFailedGetExternalMetric || !strings.Contains(c.Message, "external/q@tenant-a") {
		t.Errorf("ShadowMetricsActive = %+v, want False, FailedGetExternalMetric, naming external/q@tenant-a", c)
	}
	if c := findCondition(st.Conditions, v2.ScalingActive); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("ScalingActive = %+v: a failing shadow metric must leave it True", c)
	}
	events := strings.Join(w.drainEvents(), "\n")
	if !strings.Contains(events, "Warning FailedGetExternalMetric shadow metric external/q (spec.metrics[1], never drives scaling)") {
		t.Errorf("events %q have no warning for the failing shadow metric", events)
	}

	// No shadow metric any more: the condition and the comparisons go.
	hpa = w.mhpa(t)
	hpa.Spec.Metrics = hpa.Spec.Metrics[:1]
	if err := w.client.Update(t.Context(), hpa); err != nil {
		t.Fatal(err)
	}
	w.sync(t, false)
	st = &w.mhpa(t).Status
	if c := findCondition(st.Conditions, v2.ShadowMetricsActive); c != nil || st.ShadowComparisons != nil {
		t.Errorf("without shadow metrics: ShadowMetricsActive %+v, comparisons %+v; want neither", c, st.ShadowComparisons)
	}
}

func shadowOf(m v2.MetricSpec) v2.MetricSpec {
	m.Shadow = true
	return m
}

func builtinWeb(annotations map[string]string) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "web", Generation: 1, Annotations: annotations},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](1), MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](50)}}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "q"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))}}},
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)}},
		},
	}
}

func (w *world) builtin(t *testing.T) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa := &autoscalingv2.HorizontalPodAutoscaler{}
	if err := w.client.Get(t.Context(), types.NamespacedName{Namespace: testNamespace, Name: "web"}, hpa); err != nil {
		t.Fatal(err)
	}
	return hpa
}

// TestBuiltin runs a built-in autoscaler: its subdomains come from the annotation, its status
// is written in upstream's shape, and its history goes to an annotation only when it changes.
func TestBuiltin(t *testing.T) {
	w := newWorld(t, 2, builtinWeb(map[string]string{v2.SubdomainsAnnotation: `["", "tenant-a"]`}))
	w.metrics.cpuMilli = 50 // 50% of the request: the cpu metric keeps the count
	w.metrics.set("tenant-a", "q", 40_000)
	w.metrics.set("", "q", 1_000) // the default group must not be read

	w.sync(t, true)
	if got := w.scales.current(); got != 4 {
		t.Fatalf("scaled to %d, want 4 from tenant-a's 40/10", got)
	}
	hpa := w.builtin(t)
	st := hpa.Status
	if st.CurrentReplicas != 2 || st.DesiredReplicas != 4 || st.LastScaleTime == nil {
		t.Errorf("status current %d desired %d lastScaleTime %v, want 2, 4 and set", st.CurrentReplicas, st.DesiredReplicas, st.LastScaleTime)
	}
	wantMetrics := []autoscalingv2.MetricStatus{
		{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
			Current: autoscalingv2.MetricValueStatus{AverageValue: ptr.To(resource.MustParse("50m")), AverageUtilization: ptr.To[int32](50)}}},
		{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "q"},
			Current: autoscalingv2.MetricValueStatus{AverageValue: ptr.To(resource.MustParse("20"))}}},
	}
	if diff := cmp.Diff(wantMetrics, st.CurrentMetrics, cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("currentMetrics (-want +got):\n%s", diff)
	}
	var conds []string
	for _, c := range st.Conditions {
		conds = append(conds, fmt.Sprintf("%s=%s/%s", c.Type, c.Status, c.Reason))
	}
	if diff := cmp.Diff([]string{"AbleToScale=True/SucceededRescale", "ScalingActive=True/ValidMetricFound", "ScalingLimited=False/DesiredWithinRange", "ScaledToZero=False/NotScaledToZero"}, conds); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
	var saved builtinHistory
	if err := json.Unmarshal([]byte(hpa.Annotations[v2.StatusAnnotation]), &saved); err != nil || saved.History == nil || len(saved.History.Recommendations) == 0 {
		t.Fatalf("history annotation %q: %v; want the history with a recommendation", hpa.Annotations[v2.StatusAnnotation], err)
	}
	if hpa.Annotations[v2.SubdomainsAnnotation] != `["", "tenant-a"]` {
		t.Errorf("the subdomains annotation was changed to %q", hpa.Annotations[v2.SubdomainsAnnotation])
	}

	// Steady at 4: after one sync that records the new count, nothing is written.
	w.sync(t, true)
	status, metadata := w.writes()
	for range 3 {
		w.sync(t, true)
	}
	if s, m := w.writes(); s != status || m != metadata {
		t.Errorf("%d status and %d annotation writes in three steady syncs, want none", s-status, m-metadata)
	}

	// The load falls: the 60 s scale-down window holds 4, and the history written survives a
	// new reconciler (a restart), which keeps holding it.
	w.metrics.set("tenant-a", "q", 10_000)
	w.metrics.mu.Lock()
	w.metrics.cpuMilli = 10
	w.metrics.mu.Unlock()
	w.sync(t, true)
	if got := w.scales.current(); got != 4 {
		t.Fatalf("scaled to %d within the scale-down stabilization window, want 4 kept", got)
	}
	_, metadataBefore := w.writes()
	restarted, err := New(Config{Client: w.client, Scales: w.scales, Pods: fakePods{w.scales}, Metrics: w.metrics, Recorder: w.events, Clock: w.clock, Options: w.r.opts})
	if err != nil {
		t.Fatal(err)
	}
	w.r = restarted
	w.sync(t, true)
	if got := w.scales.current(); got != 4 {
		t.Errorf("scaled to %d after a restart within the window, want 4 kept: the history was lost", got)
	}
	w.clock.Step(time.Minute)
	w.sync(t, true)
	if got := w.scales.current(); got != 1 {
		t.Errorf("scaled to %d after the window, want 1", got)
	}
	if _, m := w.writes(); m == metadataBefore {
		t.Errorf("the history annotation was not rewritten after the scale-down")
	}
}

func TestBuiltinInvalidAnnotation(t *testing.T) {
	tests := map[string]struct {
		value string
		want  []string
	}{
		"not JSON": {
			value: `tenant-a`,
			want:  []string{"metadata.annotations[autoscaling.mhpa.dev/subdomains]", `"tenant-a"`, "must be a JSON list of 2 strings"},
		},
		"one entry short": {
			value: `["tenant-a"]`,
			want:  []string{"metadata.annotations[autoscaling.mhpa.dev/subdomains]", `[\"tenant-a\"]`, "has 1 entries, must have 2"},
		},
		"not a DNS label": {
			value: `["", "Tenant_A"]`,
			want:  []string{"metadata.annotations[autoscaling.mhpa.dev/subdomains]", `Tenant_A`, `must be "" (the default metrics API group) or a DNS-1123 label`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, 2, builtinWeb(map[string]string{v2.SubdomainsAnnotation: tc.value}))
			w.metrics.set("", "q", 90_000)
			w.sync(t, true)
			if got := w.scales.current(); got != 2 {
				t.Errorf("scaled to %d with an unusable annotation, want 2 kept", got)
			}
			c := w.builtin(t).Status.Conditions
			if len(c) != 1 || c[0].Type != autoscalingv2.ScalingActive || c[0].Status != corev1.ConditionFalse || c[0].Reason != ReasonInvalidSubdomainsAnnotation {
				t.Fatalf("conditions = %+v, want ScalingActive=False (InvalidSubdomainsAnnotation)", c)
			}
			events := strings.Join(w.drainEvents(), "\n")
			for _, part := range tc.want {
				if !strings.Contains(c[0].Message, part) {
					t.Errorf("condition message %q does not say %q", c[0].Message, part)
				}
				if !strings.Contains(events, part) {
					t.Errorf("events %q do not say %q", events, part)
				}
			}
			if !strings.HasPrefix(events, "Warning "+ReasonInvalidSubdomainsAnnotation) {
				t.Errorf("events %q, want a Warning %s", events, ReasonInvalidSubdomainsAnnotation)
			}
		})
	}
}

// TestBuiltinStatusRoundTrip checks that a built-in status read into hub form and written back
// is unchanged, so that an unchanged decision writes nothing.
func TestBuiltinStatusRoundTrip(t *testing.T) {
	now := metav1.NewTime(testStart)
	in := autoscalingv2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: ptr.To[int64](3), LastScaleTime: &now, CurrentReplicas: 3, DesiredReplicas: 4,
		CurrentMetrics: []autoscalingv2.MetricStatus{
			{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
				Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr.To[int32](40), AverageValue: ptr.To(resource.MustParse("40m"))}}},
			{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricStatus{Name: corev1.ResourceMemory, Container: "app",
				Current: autoscalingv2.MetricValueStatus{AverageValue: ptr.To(resource.MustParse("1Gi"))}}},
			{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "rps"},
				Current: autoscalingv2.MetricValueStatus{AverageValue: ptr.To(resource.MustParse("12"))}}},
			{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "hits",
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}},
				DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: "v1", Kind: "Service", Name: "front"},
				Current:         autoscalingv2.MetricValueStatus{Value: ptr.To(resource.MustParse("7"))}}},
			{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricStatus{Metric: autoscalingv2.MetricIdentifier{Name: "q"},
				Current: autoscalingv2.MetricValueStatus{AverageValue: ptr.To(resource.MustParse("20"))}}},
			{Type: autoscalingv2.ExternalMetricSourceType},
		},
		Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
			{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, LastTransitionTime: now, Reason: "ReadyForNewScale", Message: "recommended size matches current size"},
			{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, LastTransitionTime: now, Reason: "FailedGetExternalMetric", Message: "x"},
		},
	}
	hub := hubStatus(&autoscalingv2.HorizontalPodAutoscaler{Status: in})
	if hub.CurrentMetrics[0].Type != v2.PodResourceMetricSourceType || hub.CurrentMetrics[0].PodResource == nil {
		t.Errorf("hub form of a Resource metric status = %+v, want PodResource", hub.CurrentMetrics[0])
	}
	out := builtinStatus(&hub, &in)
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("built-in → hub → built-in (-want +got):\n%s", diff)
	}
}

// TestAmbiguousAcrossAPIs checks that a built-in autoscaler and an mhpa one of the same pods
// are both stopped, as upstream stops two autoscalers of the same pods.
func TestAmbiguousAcrossAPIs(t *testing.T) {
	w := newWorld(t, 2, builtinWeb(nil), mhpaWeb(externalAverage("q", "10", "")))
	w.metrics.cpuMilli = 50
	w.metrics.set("", "q", 90_000)
	// The first reconcile of the built-in one sees no other autoscaler yet; from then on both
	// see each other.
	w.sync(t, true)
	w.sync(t, false)
	w.sync(t, true)
	st := w.mhpa(t).Status
	if c := findCondition(st.Conditions, v2.ScalingActive); c == nil || c.Reason != "AmbiguousSelector" || !strings.Contains(c.Message, "web (autoscaling/v2)") {
		t.Errorf("mhpa ScalingActive = %+v, want AmbiguousSelector naming the built-in autoscaler", c)
	}
	var reason string
	for _, c := range w.builtin(t).Status.Conditions {
		if c.Type == autoscalingv2.ScalingActive {
			reason = c.Reason
		}
	}
	if reason != "AmbiguousSelector" {
		t.Errorf("built-in ScalingActive reason %q, want AmbiguousSelector", reason)
	}
}
