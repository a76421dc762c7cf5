package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// syncPeriod is the controller's sync period in these tests: short, so that scaling shows in
// seconds; every rule that depends on time is given in the same terms.
const syncPeriod = 2 * time.Second

// env is a control plane with kube-controller-manager and the kubelet stand-in, the default
// metrics groups served by one programmable metrics server, and mhpa-controller running.
type env struct {
	cp      *controlplane.ControlPlane
	mhpa    *framework.MHPA
	metrics *fakemetrics.Server
}

func startEnv(t *testing.T, change ...func(*controllerapp.Options)) *env {
	t.Helper()
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	srv, err := fakemetrics.Start(t.Context(), fakemetrics.Options{
		Groups:     []string{"metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io"},
		KubeConfig: cp.AdminConfig(),
	})
	if err != nil {
		t.Fatalf("starting the metrics server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	opts := func(o *controllerapp.Options) {
		o.Controller.SyncPeriod = syncPeriod
		o.Controller.Decision.DownscaleStabilizationWindow = 0
		o.MetricsFreshness = syncPeriod / 2
	}
	m := framework.InstallMHPA(t, cp, append([]func(*controllerapp.Options){opts}, change...)...)
	return &env{cp: cp, mhpa: m, metrics: srv}
}

// workload creates a Deployment of replicas pods (each requesting 100m cpu, started long ago so
// that the CPU initialization period does not apply) in a new namespace.
func (e *env) workload(t *testing.T, name string, replicas int32) string {
	t.Helper()
	ns := framework.CreateNamespace(t, e.mhpa.Kube, name)
	framework.WaitForDefaultServiceAccount(t, e.mhpa.Kube, ns)
	framework.CreateDeployment(t, e.mhpa.Kube, framework.DeploymentOptions{
		Namespace: ns, Name: name, Replicas: replicas, CPURequest: "100m",
		PodAnnotations: map[string]string{"kubelet.mhpa.dev/started-ago": "10m"},
	})
	return ns
}

func (e *env) createHPA(t *testing.T, hpa *v2.HorizontalPodAutoscaler) {
	t.Helper()
	if err := e.mhpa.Client.Create(t.Context(), hpa); err != nil {
		t.Fatalf("creating HPA %s/%s: %v", hpa.Namespace, hpa.Name, err)
	}
}

func (e *env) getHPA(ctx context.Context, ns, name string) (*v2.HorizontalPodAutoscaler, error) {
	hpa := &v2.HorizontalPodAutoscaler{}
	err := e.mhpa.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, hpa)
	return hpa, err
}

// waitForReplicas waits until the Deployment's spec asks for n replicas and n pods are ready.
func (e *env) waitForReplicas(t *testing.T, ns, name string, n int32) {
	t.Helper()
	framework.WaitForWithin(t, 2*time.Minute, fmt.Sprintf("deployment %s/%s at %d ready replicas", ns, name, n), func(ctx context.Context) (bool, error) {
		d, err := e.mhpa.Kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return ptr.Deref(d.Spec.Replicas, 1) == n && d.Status.ReadyReplicas == n && d.Status.Replicas == n, nil
	})
}

// waitForCondition waits until the HPA has the condition with the status and reason.
func (e *env) waitForCondition(t *testing.T, ns, name string, ct v2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason string) *v2.HorizontalPodAutoscaler {
	t.Helper()
	var hpa *v2.HorizontalPodAutoscaler
	framework.WaitForWithin(t, time.Minute, fmt.Sprintf("HPA %s/%s condition %s=%s (%s)", ns, name, ct, status, reason), func(ctx context.Context) (bool, error) {
		got, err := e.getHPA(ctx, ns, name)
		if err != nil {
			return false, err
		}
		hpa = got
		c := condition(got, ct)
		return c != nil && c.Status == status && c.Reason == reason, nil
	})
	return hpa
}

func condition(hpa *v2.HorizontalPodAutoscaler, ct v2.HorizontalPodAutoscalerConditionType) *v2.HorizontalPodAutoscalerCondition {
	for i := range hpa.Status.Conditions {
		if hpa.Status.Conditions[i].Type == ct {
			return &hpa.Status.Conditions[i]
		}
	}
	return nil
}

// waitForEvent waits for an event on the HPA with the reason whose message contains text.
func (e *env) waitForEvent(t *testing.T, ns, name, reason, text string) {
	t.Helper()
	framework.WaitForWithin(t, time.Minute, fmt.Sprintf("event %s %q on HPA %s/%s", reason, text, ns, name), func(ctx context.Context) (bool, error) {
		list, err := e.mhpa.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
		if err != nil {
			return false, err
		}
		for _, ev := range list.Items {
			if ev.Reason == reason && strings.Contains(ev.Message, text) {
				return true, nil
			}
		}
		return false, nil
	})
}

func hpaFor(ns, name string, minReplicas, maxReplicas int32, metrics ...v2.MetricSpec) *v2.HorizontalPodAutoscaler {
	return &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
			MinReplicas:    ptr.To(minReplicas),
			MaxReplicas:    maxReplicas,
			Metrics:        metrics,
		},
	}
}

func cpuUtilization(percent int32) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr.To(percent)},
	}}
}

func externalAverage(metric string, average string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric: v2.MetricIdentifier{Name: metric},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse(average))},
	}}
}

func (e *env) setCPU(t *testing.T, ns, app, usage string) {
	t.Helper()
	err := e.metrics.Group("metrics.k8s.io").SetPodRule(ns+"-"+app, fakemetrics.PodRule{
		Namespace: ns, Selector: "app=" + app,
		Usage: map[string]corev1.ResourceList{"": {corev1.ResourceCPU: resource.MustParse(usage), corev1.ResourceMemory: resource.MustParse("10Mi")}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) setExternal(ns, metric, value string) {
	e.metrics.Group("external.metrics.k8s.io").SetExternalMetric(fakemetrics.ExternalMetric{
		Namespace: ns, Metric: metric, Value: resource.MustParse(value),
	})
}

// TestController scales Deployments through kube-controller-manager by each kind of metric,
// with upstream's conditions and events, rate limits from behavior, a failing metric that
// blocks scale-down but not scale-up, and a stabilization window that survives a restart of
// the controller.
func TestController(t *testing.T) {
	e := startEnv(t)

	t.Run("cpu utilization up and down", func(t *testing.T) {
		ns := e.workload(t, "cpu", 1)
		e.setCPU(t, ns, "cpu", "200m") // 200% of the request against a 50% target
		e.createHPA(t, hpaFor(ns, "cpu", 1, 10, cpuUtilization(50)))
		// Legacy limits (no behavior): up to max(2 × 1, 4) = 4 in one step, as desired: 4.
		e.waitForReplicas(t, ns, "cpu", 4)
		e.waitForEvent(t, ns, "cpu", "SuccessfulRescale", "New size: 4; reason: cpu resource utilization (percentage of request) above target")
		hpa := e.waitForCondition(t, ns, "cpu", v2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
		if hpa.Status.LastScaleTime == nil {
			t.Errorf("status.lastScaleTime is not set after a rescale")
		}
		e.setCPU(t, ns, "cpu", "10m") // 10%: 4 × 10 / 50 → 1
		e.waitForReplicas(t, ns, "cpu", 1)
		e.waitForEvent(t, ns, "cpu", "SuccessfulRescale", "New size: 1; reason: All metrics below target")
		hpa = e.waitForCondition(t, ns, "cpu", v2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
		if got := hpa.Status.Targets; got != "cpu: 10%/50%" {
			t.Errorf("status.targets = %q, want %q", got, "cpu: 10%/50%")
		}
		if got := hpa.Status.Reference; got != "Deployment/cpu" {
			t.Errorf("status.reference = %q, want Deployment/cpu", got)
		}

		// Steady: reconciles go on, but the status (and so the object) is not written again.
		// First let the writes that follow a rescale (AbleToScale back to ReadyForNewScale)
		// settle: a sync must pass with no write.
		e.waitForCondition(t, ns, "cpu", v2.AbleToScale, corev1.ConditionTrue, "ReadyForNewScale")
		var settledAt float64
		framework.WaitForWithin(t, time.Minute, "a sync with no write", func(ctx context.Context) (bool, error) {
			got, err := e.getHPA(ctx, ns, "cpu")
			if err != nil {
				return false, err
			}
			if hpa == nil || got.ResourceVersion != hpa.ResourceVersion {
				hpa, settledAt = got, reconciles(t)
				return false, nil
			}
			return reconciles(t) >= settledAt+1, nil
		})
		before := reconciles(t)
		framework.WaitForWithin(t, time.Minute, "three more syncs of every autoscaler", func(context.Context) (bool, error) {
			return reconciles(t) >= before+3, nil
		})
		steady, err := e.getHPA(t.Context(), ns, "cpu")
		if err != nil {
			t.Fatal(err)
		}
		if steady.ResourceVersion != hpa.ResourceVersion {
			t.Errorf("a steady autoscaler was written: resourceVersion %s -> %s, status now %+v", hpa.ResourceVersion, steady.ResourceVersion, steady.Status)
		}
	})

	t.Run("pods metric", func(t *testing.T) {
		ns := e.workload(t, "pods", 1)
		if err := e.metrics.Group("custom.metrics.k8s.io").SetPodRule(ns, fakemetrics.PodRule{
			Namespace: ns, Selector: "app=pods", Metrics: map[string]resource.Quantity{"requests_per_second": resource.MustParse("30")},
		}); err != nil {
			t.Fatal(err)
		}
		e.createHPA(t, hpaFor(ns, "pods", 1, 10, v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
			Metric: v2.MetricIdentifier{Name: "requests_per_second"},
			Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))},
		}}))
		e.waitForReplicas(t, ns, "pods", 3) // 30 per pod against 10: 1 → 3
		e.waitForEvent(t, ns, "pods", "SuccessfulRescale", "New size: 3; reason: pods metric requests_per_second above target")
	})

	t.Run("object metric", func(t *testing.T) {
		ns := e.workload(t, "object", 1)
		e.metrics.Group("custom.metrics.k8s.io").SetObjectMetric(fakemetrics.ObjectMetric{
			Resource: "services", Namespace: ns, Name: "frontend", Metric: "hits_per_second", Value: resource.MustParse("50"),
		})
		e.createHPA(t, hpaFor(ns, "object", 1, 5, v2.MetricSpec{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricSource{
			DescribedObject: v2.CrossVersionObjectReference{APIVersion: "v1", Kind: "Service", Name: "frontend"},
			Metric:          v2.MetricIdentifier{Name: "hits_per_second"},
			Target:          v2.MetricTarget{Type: v2.ValueMetricType, Value: ptr.To(resource.MustParse("20"))},
		}}))
		// 50 against 20 at 1 replica: ceil(2.5) = 3.
		e.waitForReplicas(t, ns, "object", 3)
		// Lower: 10 against 20 at 3 replicas: ceil(1.5) = 2.
		e.metrics.Group("custom.metrics.k8s.io").SetObjectMetric(fakemetrics.ObjectMetric{
			Resource: "services", Namespace: ns, Name: "frontend", Metric: "hits_per_second", Value: resource.MustParse("10"),
		})
		e.waitForReplicas(t, ns, "object", 2)
	})

	t.Run("external metric", func(t *testing.T) {
		ns := e.workload(t, "external", 1)
		e.setExternal(ns, "queue_length", "45")
		e.createHPA(t, hpaFor(ns, "external", 1, 10, externalAverage("queue_length", "10")))
		e.waitForReplicas(t, ns, "external", 5) // 45 / 10 → 5
		e.setExternal(ns, "queue_length", "12")
		e.waitForReplicas(t, ns, "external", 2) // 12 / 10 → 2
	})

	t.Run("behavior limits the rate", func(t *testing.T) {
		ns := e.workload(t, "rate", 1)
		e.setExternal(ns, "jobs", "100")
		hpa := hpaFor(ns, "rate", 1, 10, externalAverage("jobs", "10"))
		hpa.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleUp: &v2.HPAScalingRules{
			Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 1, PeriodSeconds: 600}},
		}}
		e.createHPA(t, hpa)
		// One pod per 10 minutes: 1 → 2, then held there by the policy although 10 are wanted.
		e.waitForReplicas(t, ns, "rate", 2)
		got := e.waitForCondition(t, ns, "rate", v2.ScalingLimited, corev1.ConditionTrue, "ScaleUpLimit")
		if got.Status.DesiredReplicas != 2 {
			t.Errorf("status.desiredReplicas = %d while the scale-up policy allows 2", got.Status.DesiredReplicas)
		}
		if d := got.Status.LastDecision; d == nil || d.Recommendation != 10 {
			t.Errorf("status.lastDecision = %+v, want a recommendation of 10", d)
		}
		deploy, err := e.mhpa.Kube.AppsV1().Deployments(ns).Get(t.Context(), "rate", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r := ptr.Deref(deploy.Spec.Replicas, 0); r != 2 {
			t.Errorf("deployment replicas = %d after the limit applied, want 2", r)
		}
	})

	t.Run("a failing metric blocks scale-down but not scale-up", func(t *testing.T) {
		ns := e.workload(t, "failing", 4)
		e.setExternal(ns, "good", "10") // 10 / 10 → 1: wants to scale down
		// "missing" is served by no series: the metrics server answers 404.
		e.createHPA(t, hpaFor(ns, "failing", 1, 10, externalAverage("good", "10"), externalAverage("missing", "10")))
		hpa := e.waitForCondition(t, ns, "failing", v2.ScalingActive, corev1.ConditionFalse, "FailedGetExternalMetric")
		if !strings.Contains(condition(hpa, v2.ScalingActive).Message, "missing") {
			t.Errorf("ScalingActive message %q does not name the failing metric", condition(hpa, v2.ScalingActive).Message)
		}
		e.waitForEvent(t, ns, "failing", "FailedGetExternalMetric", "missing")
		d, err := e.mhpa.Kube.AppsV1().Deployments(ns).Get(t.Context(), "failing", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r := ptr.Deref(d.Spec.Replicas, 0); r != 4 {
			t.Fatalf("deployment scaled to %d while a metric failed, want it kept at 4", r)
		}
		e.setExternal(ns, "good", "60") // 60 / 10 → 6: scale up despite the failing metric
		e.waitForReplicas(t, ns, "failing", 6)
	})

	t.Run("two autoscalers of the same pods", func(t *testing.T) {
		ns := e.workload(t, "shared", 2)
		e.setExternal(ns, "jobs", "20")
		for _, name := range []string{"first", "second"} {
			hpa := hpaFor(ns, name, 1, 10, externalAverage("jobs", "10"))
			hpa.Spec.ScaleTargetRef.Name = "shared"
			e.createHPA(t, hpa)
		}
		for _, name := range []string{"first", "second"} {
			hpa := e.waitForCondition(t, ns, name, v2.ScalingActive, corev1.ConditionFalse, "AmbiguousSelector")
			want := fmt.Sprintf("pods by selector app=shared are controlled by multiple HPAs: [%s/first %s/second]", ns, ns)
			if got := condition(hpa, v2.ScalingActive).Message; got != want {
				t.Errorf("%s: ScalingActive message %q, want %q", name, got, want)
			}
			e.waitForEvent(t, ns, name, "AmbiguousSelector", "controlled by multiple HPAs")
		}
	})

	t.Run("the stabilization window survives a restart", func(t *testing.T) {
		const window = 40 * time.Second
		ns := e.workload(t, "stable", 1)
		e.setExternal(ns, "load", "40")
		hpa := hpaFor(ns, "stable", 1, 10, externalAverage("load", "10"))
		hpa.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2.HPAScalingRules{
			StabilizationWindowSeconds: ptr.To(int32(window / time.Second)),
		}}
		e.createHPA(t, hpa)
		e.waitForReplicas(t, ns, "stable", 4)
		e.setExternal(ns, "load", "10") // wants 1; the window holds 4
		lowSince := time.Now()
		e.waitForCondition(t, ns, "stable", v2.AbleToScale, corev1.ConditionTrue, "ScaleDownStabilized")

		// Restart the controller late in the window. With the history lost, the window would
		// start again at the restart; kept in status, it ends when it would have anyway.
		framework.WaitForWithin(t, window, "half the window to pass", func(context.Context) (bool, error) {
			return time.Since(lowSince) > window/2, nil
		})
		e.mhpa.Stop()
		restarted := time.Now()
		e.mhpa.Start(t)
		e.waitForReplicas(t, ns, "stable", 1)
		scaledAfter := time.Since(lowSince)
		t.Logf("scaled down %v after the load fell (window %v, restart %v after)", scaledAfter.Round(time.Second), window, restarted.Sub(lowSince).Round(time.Second))
		if limit := restarted.Sub(lowSince) + window; scaledAfter >= limit {
			t.Errorf("scaled down %v after the load fell, not before %v: the window started again at the restart", scaledAfter, limit)
		}
		if scaledAfter < window-2*syncPeriod {
			t.Errorf("scaled down %v after the load fell, before the %v window ended", scaledAfter, window)
		}
	})
}

// reconciles returns the controller's reconcile count (upstream's
// horizontal_pod_autoscaler_controller_reconciliations_total, all labels).
func reconciles(t *testing.T) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, f := range families {
		if f.GetName() == "horizontal_pod_autoscaler_controller_reconciliations_total" {
			for _, m := range f.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}
