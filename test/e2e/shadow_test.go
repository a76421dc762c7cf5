package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/util/retry"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/internal/shadow"
	"github.com/mhpa-dev/mhpa/test/framework"
)

const (
	shadowDefaultGroup = "external.metrics.k8s.io"
	shadowTenantGroup  = "tenant-a.external.metrics.k8s.io"
)

// startShadowEnv is startEnv with a second external metrics API, tenant-a's, served by the
// same programmable metrics server, and a short circuit-breaker cool-down so that a metrics
// API that comes back is read again within a few syncs.
func startShadowEnv(t *testing.T) *env {
	t.Helper()
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	srv, err := fakemetrics.Start(t.Context(), fakemetrics.Options{
		Groups:     []string{"metrics.k8s.io", "custom.metrics.k8s.io", shadowDefaultGroup, shadowTenantGroup},
		KubeConfig: cp.AdminConfig(),
	})
	if err != nil {
		t.Fatalf("starting the metrics server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	m := framework.InstallMHPA(t, cp, func(o *controllerapp.Options) {
		o.Controller.SyncPeriod = syncPeriod
		o.Controller.Decision.DownscaleStabilizationWindow = 0
		o.MetricsFreshness = syncPeriod / 2
		o.MetricsGroup.CoolDown = 2 * syncPeriod
	})
	return &env{cp: cp, mhpa: m, metrics: srv}
}

// shadowHPA waits until the HPA's status satisfies cond, which explains what is missing with
// an error, and returns the HPA.
func (e *env) shadowHPA(t *testing.T, ns, name, what string, cond func(*v2.HorizontalPodAutoscaler) error) *v2.HorizontalPodAutoscaler {
	t.Helper()
	var hpa *v2.HorizontalPodAutoscaler
	framework.WaitForWithin(t, time.Minute, fmt.Sprintf("HPA %s/%s: %s", ns, name, what), func(ctx context.Context) (bool, error) {
		got, err := e.getHPA(ctx, ns, name)
		if err != nil {
			return false, err
		}
		if err := cond(got); err != nil {
			return false, err
		}
		hpa = got
		return true, nil
	})
	return hpa
}

// proposalsOf lists the proposals of the HPA's last decision as "name=replicas", with
// " (shadow)" for a shadow metric and "failed" for a metric that gave none.
func proposalsOf(hpa *v2.HorizontalPodAutoscaler) []string {
	d := hpa.Status.LastDecision
	if d == nil {
		return nil
	}
	out := make([]string, len(d.Metrics))
	for i, p := range d.Metrics {
		s := p.Name + "="
		if p.Replicas != nil {
			s += fmt.Sprint(*p.Replicas)
		} else {
			s += "failed"
		}
		if p.Shadow {
			s += " (shadow)"
		}
		out[i] = s
	}
	return out
}

// TestShadowMetrics scales a Deployment by an external metric of the default metrics API while
// a shadow copy of it is read from tenant-a's: only the active metric drives the replicas,
// status shows both with their proposals and how they compare, a failing shadow metric is
// reported without touching scaling, and flipping the two (an ordinary spec edit) moves scaling
// to tenant-a without a jump in replicas while both agree.
func TestShadowMetrics(t *testing.T) {
	e := startShadowEnv(t)
	const name = "shadow"
	ns := e.workload(t, name, 1)
	setQueue := func(group, value string) {
		e.metrics.Group(group).SetExternalMetric(fakemetrics.ExternalMetric{Namespace: ns, Metric: "queue_length", Value: resource.MustParse(value)})
	}
	setQueue(shadowDefaultGroup, "30") // 30 / 10: 3 replicas
	setQueue(shadowTenantGroup, "80")  // 80 / 10: 8 replicas, never applied while a shadow

	active := externalAverage("queue_length", "10")
	copyOnTenant := externalAverage("queue_length", "10")
	copyOnTenant.External.Subdomain = "tenant-a"
	copyOnTenant.Shadow = true
	e.createHPA(t, hpaFor(ns, name, 1, 10, active, copyOnTenant))
	replicas := watchReplicas(t, e.mhpa.Kube, ns, name)

	e.waitForReplicas(t, ns, name, 3)
	hpa := e.shadowHPA(t, ns, name, "both metrics reported, the shadow one marked, and their disagreement recorded", func(h *v2.HorizontalPodAutoscaler) error {
		st := &h.Status
		if want := []string{"external/queue_length=3", "external/queue_length=8 (shadow)"}; !slices.Equal(proposalsOf(h), want) {
			return fmt.Errorf("lastDecision proposals %v, want %v", proposalsOf(h), want)
		}
		if len(st.CurrentMetrics) != 2 || st.CurrentMetrics[0].Shadow || !st.CurrentMetrics[1].Shadow ||
			st.CurrentMetrics[1].External == nil || st.CurrentMetrics[1].External.Current.AverageValue.Cmp(resource.MustParse("80")) != 0 {
			return fmt.Errorf("currentMetrics %+v, want both, the second marked shadow with 80", st.CurrentMetrics)
		}
		if d := st.LastDecision; d.SelectedMetric == nil || *d.SelectedMetric != 0 {
			return fmt.Errorf("selected metric %v, want 0", d.SelectedMetric)
		}
		if len(st.ShadowComparisons) != 1 {
			return fmt.Errorf("shadowComparisons %+v, want one", st.ShadowComparisons)
		}
		c := st.ShadowComparisons[0]
		if c.ShadowName != "external/queue_length@tenant-a" || c.ActiveName != "external/queue_length" || c.LastDisagreement == nil ||
			c.LastDisagreement.ActiveReplicas != 3 || c.LastDisagreement.ShadowReplicas != 8 || c.Runs[len(c.Runs)-1].Outcome != v2.ShadowDisagree {
			return fmt.Errorf("comparison %+v, want tenant-a's copy disagreeing with 8 against 3", c)
		}
		if !strings.Contains(st.Targets, "(shadow)") {
			return fmt.Errorf("targets %q do not mark the shadow metric", st.Targets)
		}
		return nil
	})
	if c := condition(hpa, v2.ShadowMetricsActive); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("ShadowMetricsActive = %+v, want True", c)
	}
	// Hold: the shadow metric keeps proposing 8 for several syncs; the count stays 3.
	replicas.expectUnchanged(t, 3, 4*syncPeriod)

	// The tenant's metrics API fails: a warning and ShadowMetricsActive=False name the shadow
	// metric; ScalingActive and the replicas are left alone.
	e.metrics.Group(shadowTenantGroup).SetFault(fakemetrics.Fault{Mode: fakemetrics.FaultError, Code: 503, Message: "tenant-a is down"})
	hpa = e.waitForCondition(t, ns, name, v2.ShadowMetricsActive, corev1.ConditionFalse, "FailedGetExternalMetric")
	if msg := condition(hpa, v2.ShadowMetricsActive).Message; !strings.Contains(msg, "external/queue_length@tenant-a") {
		t.Errorf("ShadowMetricsActive message %q does not name the shadow metric", msg)
	}
	if c := condition(hpa, v2.ScalingActive); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("ScalingActive = %+v while only the shadow metric fails, want True", c)
	}
	e.waitForEvent(t, ns, name, "FailedGetExternalMetric", "shadow metric external/queue_length (spec.metrics[1], never drives scaling)")
	e.shadowHPA(t, ns, name, "the failure recorded in the comparison", func(h *v2.HorizontalPodAutoscaler) error {
		runs := h.Status.ShadowComparisons[0].Runs
		if runs[len(runs)-1].Outcome != v2.ShadowFailed {
			return fmt.Errorf("runs %+v, want the last one Failed", runs)
		}
		return nil
	})
	// The tenant's metrics API comes back, and its metric agrees now.
	setQueue(shadowTenantGroup, "30")
	e.metrics.Group(shadowTenantGroup).SetFault(fakemetrics.Fault{})
	e.waitForCondition(t, ns, name, v2.ShadowMetricsActive, corev1.ConditionTrue, shadow.ReasonShadowMetricsComputed)
	hpa = e.shadowHPA(t, ns, name, "the two metrics agreeing", func(h *v2.HorizontalPodAutoscaler) error {
		c := h.Status.ShadowComparisons[0]
		if c.Runs[len(c.Runs)-1].Outcome != v2.ShadowAgree {
			return fmt.Errorf("runs %+v, want the last one Agree", c.Runs)
		}
		return nil
	})
	for _, v := range shadow.Views(hpa, time.Now(), 0) {
		t.Logf("what describe shows before the flip:\n%s", strings.Join(v.Lines(), "\n"))
	}
	c := hpa.Status.ShadowComparisons[0]
	if c.Disagreements != 1 || c.DisagreedSeconds == 0 || c.FailedSeconds == 0 {
		t.Errorf("comparison %+v, want the disagreement and the failure counted", c)
	}

	// Flip: tenant-a's metric becomes the active one, the default one the shadow.
	flippedAt := time.Now()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		h, err := e.getHPA(t.Context(), ns, name)
		if err != nil {
			return err
		}
		h.Spec.Metrics[0].Shadow, h.Spec.Metrics[1].Shadow = true, false
		return e.mhpa.Client.Update(t.Context(), h)
	})
	if err != nil {
		t.Fatalf("flipping the metrics: %v", err)
	}
	e.shadowHPA(t, ns, name, "the flip taken into account", func(h *v2.HorizontalPodAutoscaler) error {
		st := &h.Status
		if st.ObservedGeneration == nil || *st.ObservedGeneration != h.Generation {
			return fmt.Errorf("observedGeneration %v, generation %d", st.ObservedGeneration, h.Generation)
		}
		if want := []string{"external/queue_length=3 (shadow)", "external/queue_length=3"}; !slices.Equal(proposalsOf(h), want) {
			return fmt.Errorf("lastDecision proposals %v, want %v", proposalsOf(h), want)
		}
		if d := st.LastDecision; d.SelectedMetric == nil || *d.SelectedMetric != 1 {
			return fmt.Errorf("selected metric %v, want 1", d.SelectedMetric)
		}
		if len(st.ShadowComparisons) != 1 || st.ShadowComparisons[0].ShadowName != "external/queue_length" || st.ShadowComparisons[0].ActiveName != "external/queue_length@tenant-a" {
			return fmt.Errorf("shadowComparisons %+v, want the default metric compared with tenant-a's", st.ShadowComparisons)
		}
		return nil
	})
	// No jump: both agreed, so the count stays where it was across the flip.
	replicas.expectUnchanged(t, 3, 4*syncPeriod)
	if changes := replicas.since(flippedAt); len(changes) > 0 {
		t.Errorf("replicas changed after the flip: %v", changes)
	}

	// Now tenant-a drives: its value moves the count, the default one's does not.
	setQueue(shadowTenantGroup, "60")
	e.waitForReplicas(t, ns, name, 6)
	setQueue(shadowDefaultGroup, "100")
	e.shadowHPA(t, ns, name, "the default metric, now a shadow, proposing 10", func(h *v2.HorizontalPodAutoscaler) error {
		if want := []string{"external/queue_length=10 (shadow)", "external/queue_length=6"}; !slices.Equal(proposalsOf(h), want) {
			return fmt.Errorf("lastDecision proposals %v, want %v", proposalsOf(h), want)
		}
		return nil
	})
	replicas.expectUnchanged(t, 6, 3*syncPeriod)

	got := replicas.values()
	t.Logf("replicas over the test: %v", replicas)
	if want := []int32{1, 3, 6}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the Deployment went through %v replicas, want %v: only the active metric may move it", got, want)
	}
}
