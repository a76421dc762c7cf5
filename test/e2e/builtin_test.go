package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// replicaChange is a change of a Deployment's spec.replicas, seen at a time.
type replicaChange struct {
	At       time.Time
	Replicas int32
}

// replicaLog records every change of one Deployment's spec.replicas as a watch delivers it.
type replicaLog struct {
	mu      sync.Mutex
	changes []replicaChange
}

// watchReplicas starts recording the replicas of Deployment ns/name until the test ends.
func watchReplicas(t *testing.T, cs kubernetes.Interface, ns, name string) *replicaLog {
	t.Helper()
	l := &replicaLog{}
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + name }))
	inf := factory.Apps().V1().Deployments().Informer()
	record := func(obj any) {
		if d, ok := obj.(*appsv1.Deployment); ok {
			l.add(time.Now(), ptr.Deref(d.Spec.Replicas, 1))
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: record, UpdateFunc: func(_, obj any) { record(obj) }}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(t.Context().Done(), inf.HasSynced) {
		t.Fatalf("watching deployment %s/%s: the informer did not sync", ns, name)
	}
	return l
}

func (l *replicaLog) add(at time.Time, replicas int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.changes); n > 0 && l.changes[n-1].Replicas == replicas {
		return
	}
	l.changes = append(l.changes, replicaChange{At: at, Replicas: replicas})
}

// snapshot returns the changes recorded so far.
func (l *replicaLog) snapshot() []replicaChange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.changes)
}

// values returns the replica counts the Deployment went through, in order.
func (l *replicaLog) values() []int32 {
	var out []int32
	for _, c := range l.snapshot() {
		out = append(out, c.Replicas)
	}
	return out
}

// since returns the changes seen after t.
func (l *replicaLog) since(t time.Time) []replicaChange {
	var out []replicaChange
	for _, c := range l.snapshot() {
		if c.At.After(t) {
			out = append(out, c)
		}
	}
	return out
}

func (l *replicaLog) String() string { return fmt.Sprint(l.values()) }

// expectUnchanged checks that the Deployment is at want replicas and stays there for d: a
// window in which the test asserts that nothing happens, watched change by change.
func (l *replicaLog) expectUnchanged(t *testing.T, want int32, d time.Duration) {
	t.Helper()
	changes := l.snapshot()
	if len(changes) == 0 || changes[len(changes)-1].Replicas != want {
		t.Fatalf("replicas went through %v, want them at %d", l, want)
	}
	n := len(changes)
	err := wait.PollUntilContextTimeout(t.Context(), framework.PollInterval, d, true, func(context.Context) (bool, error) {
		return len(l.snapshot()) != n, nil
	})
	if err == nil {
		t.Fatalf("replicas changed from %d within %v: %v", want, d, l)
	}
}

// The comparison with upstream's HPA controller: one scenario of built-in autoscaling/v2 HPAs,
// run once by kube-controller-manager's horizontal-pod-autoscaler-controller (mhpa not running)
// and once by mhpa-controller --builtin-hpas (kube-controller-manager without its HPA
// controller), on fresh control planes.

// builtinDownscaleWindow is --horizontal-pod-autoscaler-downscale-stabilization on both sides:
// the scenario's HPA sets no scale-down window of its own, so both fill in this one.
const builtinDownscaleWindow = 5 * time.Second

// builtinMaxReplicas is the HPA's maxReplicas.
const builtinMaxReplicas = 8

// builtinStep changes the metrics at a time after the HPA is created: every pod's cpu usage
// (its request is 100m) and the value of the external metric queue_length (target: an
// average of 10 per replica). Empty values are left as they are.
type builtinStep struct {
	at    time.Duration
	cpu   string
	queue string
	// expect says what both controllers should do, for the log.
	expect string
}

// builtinScenario holds each step long enough for the policies (2 pods up, 1 pod down, per
// 5 s) and the 5 s scale-down window to reach the step's count, with a few syncs to spare.
// Steps fall about halfway between the controllers' sync ticks (both tick every 2 s from about
// when the HPA is created, drifting later only by their reconcile latency), so that a tick
// rarely races a change of the metrics; should one, that change comes one sync period later,
// which the comparison allows. The 5 s policy periods and window likewise end between ticks.
var builtinScenario = []builtinStep{
	{at: 0, cpu: "35m", queue: "10", expect: "stay at 1 (cpu 35% of a 50% target, queue 10/10)"},
	{at: 7 * time.Second, queue: "50", expect: "1 → 3 → 5: the queue wants 5, 2 pods per 5 s"},
	{at: 23 * time.Second, cpu: "150m", expect: "5 → 7 → 8: cpu at 300% of target, up to maxReplicas"},
	{at: 39 * time.Second, cpu: "35m", expect: "8 → 7 → 6 → 5: after the 5 s window, 1 pod per 5 s, to the queue's 5"},
	{at: 65 * time.Second, queue: "10", expect: "5 → 4 → 3: cpu at 70% of target wants ceil(0.7 × n)"},
	{at: 83 * time.Second, cpu: "10m", expect: "3 → 2 → 1"},
}

// builtinScenarioEnd is when the scenario ends, after the last step settled.
const builtinScenarioEnd = 105 * time.Second

// builtinRun is one run of the scenario.
type builtinRun struct {
	name    string
	start   time.Time
	changes []replicaChange
	status  autoscalingv2.HorizontalPodAutoscalerStatus
	// annotation is the HPA's autoscaling.mhpa.dev/status annotation at the end.
	annotation string
}

// offsets returns each change's time after the start, and its count.
func (r *builtinRun) offsets() []string {
	out := make([]string, len(r.changes))
	for i, c := range r.changes {
		out[i] = fmt.Sprintf("%d@%.1fs", c.Replicas, c.At.Sub(r.start).Seconds())
	}
	return out
}

// at returns the replicas at an offset from the start.
func (r *builtinRun) at(offset time.Duration) int32 {
	n := int32(1)
	for _, c := range r.changes {
		if c.At.Sub(r.start) <= offset {
			n = c.Replicas
		}
	}
	return n
}

// builtinMetricsGroups are the default metrics APIs, which kube-controller-manager reads.
var builtinMetricsGroups = []string{"metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io"}

// runBuiltinScenario runs the scenario on kube (a cluster whose HPA controller, whichever it
// is, is running) with metrics served by srv.
func runBuiltinScenario(t *testing.T, name string, kube kubernetes.Interface, srv *fakemetrics.Server) *builtinRun {
	t.Helper()
	const app = "web"
	ns := framework.CreateNamespace(t, kube, "builtin")
	framework.WaitForDefaultServiceAccount(t, kube, ns)
	framework.CreateDeployment(t, kube, framework.DeploymentOptions{
		Namespace: ns, Name: app, Replicas: 1, CPURequest: "100m",
		// Started long ago: no CPU initialization period applies to either controller.
		PodAnnotations: map[string]string{"kubelet.mhpa.dev/started-ago": "10m"},
	})
	framework.WaitForDeploymentPods(t, kube, ns, app)
	replicas := watchReplicas(t, kube, ns, app)

	setCPU := func(usage string) {
		err := srv.Group("metrics.k8s.io").SetPodRule(ns, fakemetrics.PodRule{
			Namespace: ns, Selector: "app=" + app,
			Usage: map[string]corev1.ResourceList{"": {corev1.ResourceCPU: resource.MustParse(usage), corev1.ResourceMemory: resource.MustParse("10Mi")}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setQueue := func(value string) {
		srv.Group("external.metrics.k8s.io").SetExternalMetric(fakemetrics.ExternalMetric{Namespace: ns, Metric: "queue_length", Value: resource.MustParse(value)})
	}
	apply := func(s builtinStep) {
		if s.cpu != "" {
			setCPU(s.cpu)
		}
		if s.queue != "" {
			setQueue(s.queue)
		}
	}
	apply(builtinScenario[0])

	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: app},
			MinReplicas:    ptr.To[int32](1),
			MaxReplicas:    builtinMaxReplicas,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](50)},
				}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "queue_length"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))},
				}},
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &autoscalingv2.HPAScalingRules{
					StabilizationWindowSeconds: ptr.To[int32](0),
					Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 2, PeriodSeconds: 5}},
				},
				// No stabilizationWindowSeconds: both controllers use their flag.
				ScaleDown: &autoscalingv2.HPAScalingRules{
					Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 5}},
				},
			},
		},
	}
	if _, err := kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(t.Context(), hpa, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the HPA: %v", err)
	}
	run := &builtinRun{name: name, start: time.Now()}

	// The scenario is a timeline: each step is applied at its time after the HPA was created,
	// whatever the controller did, so that both runs see the same metrics at the same offsets.
	for _, s := range builtinScenario[1:] {
		if !builtinSleepUntil(t.Context(), run.start.Add(s.at)) {
			t.Fatalf("%s: the test ended during the scenario", name)
		}
		apply(s)
	}
	if !builtinSleepUntil(t.Context(), run.start.Add(builtinScenarioEnd)) {
		t.Fatalf("%s: the test ended during the scenario", name)
	}
	run.changes = replicas.snapshot()
	got, err := kube.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(t.Context(), app, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run.status = got.Status
	run.annotation = got.Annotations[v2.StatusAnnotation]
	return run
}

// builtinSleepUntil waits until t or until ctx ends, and reports whether t came.
func builtinSleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// compareReplicaRuns says how two runs' replica changes differ, or returns nil when they agree:
// the same sequence of replica counts, and each change at most tolerance away (after the HPA
// was created) from the same change of the other run.
//
// Exact tick equality is not expected: each controller reconciles an HPA every sync period,
// but at its own phase. kube-controller-manager first reconciles an HPA one sync period after
// it sees it (its queue adds every key with the sync period as delay), mhpa at once; each
// requeues a sync period after a reconcile ends. A metric change is therefore acted on at the
// next tick of each controller, up to one sync period apart, and every later step of the same
// change (a policy period or window that ends) is again acted on at the next tick, at the same
// phase. A change must also travel through the scale subresource and a watch before it is
// recorded, which the tolerance allows a little time for.
func compareReplicaRuns(a, b *builtinRun, tolerance time.Duration) error {
	va, vb := replicaValues(a.changes), replicaValues(b.changes)
	if !slices.Equal(va, vb) {
		return fmt.Errorf("the replica sequences differ: %s went through %v, %s through %v", a.name, va, b.name, vb)
	}
	var late []string
	for i := range a.changes {
		da, db := a.changes[i].At.Sub(a.start), b.changes[i].At.Sub(b.start)
		if diff := (da - db).Abs(); diff > tolerance {
			late = append(late, fmt.Sprintf("change %d (to %d): %s at %.1fs, %s at %.1fs", i, a.changes[i].Replicas, a.name, da.Seconds(), b.name, db.Seconds()))
		}
	}
	if len(late) > 0 {
		return fmt.Errorf("changes more than %v apart:\n%s", tolerance, strings.Join(late, "\n"))
	}
	return nil
}

func replicaValues(changes []replicaChange) []int32 {
	out := make([]int32, len(changes))
	for i, c := range changes {
		out[i] = c.Replicas
	}
	return out
}

// TestBuiltinHPAsMatchUpstream runs the same built-in HPAs scenario (a CPU utilization and an
// external metric, with a behavior) under kube-controller-manager's HPA controller and under
// mhpa-controller --builtin-hpas, and checks that the replicas go through the same counts at
// nearly the same times, and that mhpa writes the built-in status as upstream does.
func TestBuiltinHPAsMatchUpstream(t *testing.T) {
	var upstream, mhpa *builtinRun
	t.Run("kube-controller-manager", func(t *testing.T) {
		cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true, ExtraControllerManagerArgs: []string{
			// Added to the controllers the control plane runs (a repeated list flag adds up).
			"--controllers=horizontal-pod-autoscaler-controller",
			"--horizontal-pod-autoscaler-sync-period=" + syncPeriod.String(),
			"--horizontal-pod-autoscaler-downscale-stabilization=" + builtinDownscaleWindow.String(),
		}})
		srv := startBuiltinMetrics(t, cp)
		upstream = runBuiltinScenario(t, "kube-controller-manager", framework.AdminClient(t, cp), srv)
	})
	t.Run("mhpa --builtin-hpas", func(t *testing.T) {
		// kube-controller-manager runs without its HPA controller, as the control plane starts it.
		cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
		srv := startBuiltinMetrics(t, cp)
		m := framework.InstallMHPA(t, cp, func(o *controllerapp.Options) {
			o.Controller.BuiltinHPAs = true
			o.Controller.SyncPeriod = syncPeriod
			o.Controller.Decision.DownscaleStabilizationWindow = builtinDownscaleWindow
			o.MetricsFreshness = 0 // every query read anew, as upstream does
		})
		mhpa = runBuiltinScenario(t, "mhpa --builtin-hpas", m.Kube, srv)
	})
	if upstream == nil || mhpa == nil {
		t.Fatal("a run did not finish")
	}

	// Print both: the changes, and the replicas at every sync tick.
	t.Logf("scenario:")
	for _, s := range builtinScenario {
		t.Logf("  at %4.0fs: cpu %-5s queue %-3s → %s", s.at.Seconds(), s.cpu, s.queue, s.expect)
	}
	t.Logf("changes (replicas@seconds after the HPA was created):")
	t.Logf("  %-22s %s", upstream.name, strings.Join(upstream.offsets(), " "))
	t.Logf("  %-22s %s", mhpa.name, strings.Join(mhpa.offsets(), " "))
	var ticks, up, ours []string
	for tick := time.Duration(0); tick <= builtinScenarioEnd; tick += syncPeriod {
		ticks = append(ticks, fmt.Sprintf("%3.0f", tick.Seconds()))
		up = append(up, fmt.Sprintf("%3d", upstream.at(tick)))
		ours = append(ours, fmt.Sprintf("%3d", mhpa.at(tick)))
	}
	t.Logf("replicas at each sync tick:\n  %-22s %s\n  %-22s %s\n  %-22s %s", "seconds", strings.Join(ticks, ""),
		upstream.name, strings.Join(up, ""), mhpa.name, strings.Join(ours, ""))

	// The scenario must have exercised both directions, the policies and maxReplicas: a
	// scenario in which nothing happens would agree trivially.
	vals := replicaValues(upstream.changes)
	if len(vals) < 6 || slices.Max(vals) != builtinMaxReplicas || vals[len(vals)-1] != 1 {
		t.Errorf("under kube-controller-manager the replicas went through %v: the scenario did not scale up to %d and back to 1", vals, builtinMaxReplicas)
	}
	if err := compareReplicaRuns(upstream, mhpa, syncPeriod+time.Second); err != nil {
		t.Errorf("the runs do not agree: %v", err)
	}

	// The status mhpa wrote on the built-in object is upstream's, field for field, at the end
	// of the scenario (messages are logged, not compared).
	logStatus := func(r *builtinRun) {
		data, _ := json.MarshalIndent(r.status, "  ", "  ")
		t.Logf("final status under %s:\n  %s", r.name, data)
	}
	logStatus(upstream)
	logStatus(mhpa)
	if upstream.status.CurrentReplicas != mhpa.status.CurrentReplicas || upstream.status.DesiredReplicas != mhpa.status.DesiredReplicas {
		t.Errorf("current/desired replicas: %s %d/%d, %s %d/%d", upstream.name, upstream.status.CurrentReplicas, upstream.status.DesiredReplicas,
			mhpa.name, mhpa.status.CurrentReplicas, mhpa.status.DesiredReplicas)
	}
	quantities := cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })
	if diff := cmp.Diff(upstream.status.CurrentMetrics, mhpa.status.CurrentMetrics, quantities); diff != "" {
		t.Errorf("currentMetrics (-%s +%s):\n%s", upstream.name, mhpa.name, diff)
	}
	if diff := cmp.Diff(builtinConditions(upstream.status.Conditions), builtinConditions(mhpa.status.Conditions)); diff != "" {
		t.Errorf("conditions (-%s +%s):\n%s", upstream.name, mhpa.name, diff)
	}
	if upstream.status.LastScaleTime == nil || mhpa.status.LastScaleTime == nil {
		t.Errorf("lastScaleTime: %s %v, %s %v; want both set", upstream.name, upstream.status.LastScaleTime, mhpa.name, mhpa.status.LastScaleTime)
	}
	var saved struct {
		History *v2.ScalingHistory `json:"history"`
	}
	if err := json.Unmarshal([]byte(mhpa.annotation), &saved); err != nil || saved.History == nil || len(saved.History.Recommendations) == 0 {
		t.Errorf("the %s annotation %q holds no history (%v)", v2.StatusAnnotation, mhpa.annotation, err)
	}
}

// startBuiltinMetrics serves the default metrics APIs on cp.
func startBuiltinMetrics(t *testing.T, cp *controlplane.ControlPlane) *fakemetrics.Server {
	t.Helper()
	srv, err := fakemetrics.Start(t.Context(), fakemetrics.Options{Groups: builtinMetricsGroups, KubeConfig: cp.AdminConfig()})
	if err != nil {
		t.Fatalf("starting the metrics server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// builtinConditions lists conditions as "type=status/reason", sorted, without ScaledToZero,
// which upstream writes only with its HPAScaleToZero feature gate on and mhpa always.
func builtinConditions(conds []autoscalingv2.HorizontalPodAutoscalerCondition) []string {
	var out []string
	for _, c := range conds {
		if c.Type == autoscalingv2.ScaledToZero {
			continue
		}
		out = append(out, fmt.Sprintf("%s=%s/%s", c.Type, c.Status, c.Reason))
	}
	slices.Sort(out)
	return out
}
