package bench_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// Settings of BenchmarkIsolation, overridable by environment variables.
const (
	isolationHPAsEnv       = "MHPA_BENCH_ISOLATION_HPAS"
	isolationSyncPeriodEnv = "MHPA_BENCH_ISOLATION_SYNC_PERIOD"
	defaultIsolationHPAs   = 20
	defaultIsolationSync   = 5 * time.Second
	sickGroup              = "sick.external.metrics.k8s.io"
	healthyGroup           = "external.metrics.k8s.io"
)

func envInt(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: must be a positive integer", name, v)
		}
		return n
	}
	return def
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("%s=%q: must be a positive duration", name, v)
		}
		return d
	}
	return def
}

// BenchmarkIsolation measures how much a hung metrics server of one subdomain slows the
// autoscalers that read from another server. N autoscalers read external metrics from the
// default group and N from the subdomain "sick", all in one controller with the default
// worker count and per-group limits. Each round changes the value of every healthy
// autoscaler's metric and times how long each takes to show the new value in status (one
// reconcile that read it), each round starting at another point of the sync period.
// Sub-benchmark "healthy" runs with both servers answering; "sick-hung" with the sick server
// hanging every request from just before the first round, so the rounds cover the time before
// its circuit breaker opens and after; "sick-hung-no-breaker" likewise with the breaker off,
// to show what the per-group request timeout alone achieves.
//
// Reported: p50-s, p95-s and max-s of the healthy autoscalers' reaction times over all rounds
// (a sync period or less when nothing holds them up), and hpa/s, the healthy autoscalers that
// reacted per second, each round counted until its last one reacted. Nothing is asserted:
// compare the sub-benchmarks. Run it with
//
//	go test ./test/bench -run '^$' -bench Isolation -benchtime 10x
//
// and MHPA_BENCH_ISOLATION_HPAS (default 20 per group) and MHPA_BENCH_ISOLATION_SYNC_PERIOD
// (default 5s) to change the load.
func BenchmarkIsolation(b *testing.B) {
	n := envInt(b, isolationHPAsEnv, defaultIsolationHPAs)
	sync := envDuration(b, isolationSyncPeriodEnv, defaultIsolationSync)
	for _, bc := range []struct {
		name  string
		fault fakemetrics.Fault
		// failureThreshold of the metrics groups; 0 keeps the default.
		failureThreshold int
	}{
		{name: "healthy"},
		{name: "sick-hung", fault: fakemetrics.Fault{Mode: fakemetrics.FaultHang}},
		// The same without the circuit breaker (it would open after a billion failures):
		// what the per-group timeout alone achieves.
		{name: "sick-hung-no-breaker", fault: fakemetrics.Fault{Mode: fakemetrics.FaultHang}, failureThreshold: 1 << 30},
	} {
		b.Run(bc.name, func(b *testing.B) {
			runIsolation(b, isolationRun{hpas: n, sync: sync, fault: bc.fault, failureThreshold: bc.failureThreshold})
		})
	}
}

// isolationRun is one configuration of BenchmarkIsolation.
type isolationRun struct {
	hpas             int
	sync             time.Duration
	fault            fakemetrics.Fault
	failureThreshold int
}

func runIsolation(b *testing.B, run isolationRun) {
	n, sync, fault := run.hpas, run.sync, run.fault
	cp := framework.StartControlPlane(b, controlplane.Options{ControllerManager: true, Kubelet: true, Log: nilWriter{}})
	start := func(group string) *fakemetrics.Server {
		srv, err := fakemetrics.Start(b.Context(), fakemetrics.Options{Groups: []string{group}, KubeConfig: cp.AdminConfig()})
		if err != nil {
			b.Fatalf("starting the metrics server for %s: %v", group, err)
		}
		b.Cleanup(func() { _ = srv.Stop() })
		return srv
	}
	healthy, sick := start(healthyGroup), start(sickGroup)
	m := framework.InstallMHPA(b, cp, func(o *controllerapp.Options) {
		o.Controller.SyncPeriod = sync
		o.MetricsFreshness = sync / 2
		o.MetricsGroup.FailureThreshold = run.failureThreshold
	})
	ns := framework.CreateNamespace(b, m.Kube, "isolation")
	framework.WaitForDefaultServiceAccount(b, m.Kube, ns)

	metric := func(i int) string { return fmt.Sprintf("load-%d", i) }
	setHealthy := func(value int64) {
		for i := range n {
			healthy.Group(healthyGroup).SetExternalMetric(fakemetrics.ExternalMetric{Metric: metric(i), Value: *resource.NewQuantity(value, resource.DecimalSI)})
		}
	}
	setHealthy(50)
	for i := range n {
		sick.Group(sickGroup).SetExternalMetric(fakemetrics.ExternalMetric{Metric: metric(i), Value: resource.MustParse("50")})
	}
	for _, kind := range []struct{ prefix, subdomain string }{{"healthy", ""}, {"sick", "sick"}} {
		for i := range n {
			name := fmt.Sprintf("%s-%d", kind.prefix, i)
			framework.CreateDeployment(b, m.Kube, framework.DeploymentOptions{
				Namespace: ns, Name: name, Replicas: 1, CPURequest: "10m",
				PodAnnotations: map[string]string{"kubelet.mhpa.dev/started-ago": "10m"},
			})
			// 50 against 100 per pod: one replica, whatever the value in the rounds below.
			hpa := &v2.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: v2.HorizontalPodAutoscalerSpec{
					ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
					MinReplicas:    ptr.To[int32](1), MaxReplicas: 5,
					Metrics: []v2.MetricSpec{{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
						Metric:    v2.MetricIdentifier{Name: metric(i)},
						Target:    v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("100"))},
						Subdomain: kind.subdomain,
					}}},
				},
			}
			if err := m.Client.Create(b.Context(), hpa); err != nil {
				b.Fatal(err)
			}
		}
	}
	list := func(ctx context.Context) (map[string]*v2.HorizontalPodAutoscaler, error) {
		var hpas v2.HorizontalPodAutoscalerList
		if err := m.Client.List(ctx, &hpas, client.InNamespace(ns)); err != nil {
			return nil, err
		}
		out := map[string]*v2.HorizontalPodAutoscaler{}
		for i := range hpas.Items {
			out[hpas.Items[i].Name] = &hpas.Items[i]
		}
		return out, nil
	}
	active := func(h *v2.HorizontalPodAutoscaler) corev1.ConditionStatus {
		for _, c := range h.Status.Conditions {
			if c.Type == v2.ScalingActive {
				return c.Status
			}
		}
		return corev1.ConditionUnknown
	}
	framework.WaitForWithin(b, 5*time.Minute, "every autoscaler to read its metric", func(ctx context.Context) (bool, error) {
		hpas, err := list(ctx)
		if err != nil {
			return false, err
		}
		for _, h := range hpas {
			if active(h) != corev1.ConditionTrue {
				return false, nil
			}
		}
		return len(hpas) == 2*n, nil
	})
	// The fault starts right before the first round, so that the rounds see the time before
	// the circuit opens as well as after. It ends before mhpa-controller stops (cleanups run
	// last first), so that the teardown does not wait on hung requests.
	sick.SetFault(fault)
	b.Cleanup(func() { sick.SetFault(fakemetrics.Fault{}) })

	var latencies []time.Duration
	var total time.Duration
	round := int64(0)
	for b.Loop() {
		round++
		// Every autoscaler was created at about the same time and so reconciles in about the
		// same phase; a round that began right after the last reaction would always wait a
		// whole sync period. Begin each round at another point of the period instead
		// (golden-ratio steps spread the offsets evenly).
		offset := time.Duration(math.Mod(float64(round)*0.618034, 1) * float64(sync))
		select {
		case <-time.After(offset):
		case <-b.Context().Done():
			b.Fatal(b.Context().Err())
		}
		value := 50 + round
		want := strconv.FormatInt(value, 10) // averageValue at one replica
		began := time.Now()
		setHealthy(value)
		seen := map[string]time.Duration{}
		err := framework.Poll(b.Context(), 5*time.Minute, func(ctx context.Context) (bool, error) {
			hpas, err := list(ctx)
			if err != nil {
				return false, err
			}
			now := time.Since(began)
			for i := range n {
				name := fmt.Sprintf("healthy-%d", i)
				h := hpas[name]
				if _, done := seen[name]; done || h == nil || len(h.Status.CurrentMetrics) == 0 || h.Status.CurrentMetrics[0].External == nil {
					continue
				}
				if av := h.Status.CurrentMetrics[0].External.Current.AverageValue; av != nil && av.String() == want {
					seen[name] = now
				}
			}
			return len(seen) == n, nil
		})
		if err != nil {
			b.Fatalf("round %d: %d of %d healthy autoscalers read the new value: %v", round, len(seen), n, err)
		}
		last := time.Duration(0)
		for _, d := range seen {
			latencies = append(latencies, d)
			last = max(last, d)
		}
		total += last
	}
	b.StopTimer()
	slices.Sort(latencies)
	quantile := func(q float64) float64 {
		return latencies[int(q*float64(len(latencies)-1))].Seconds()
	}
	b.ReportMetric(quantile(0.5), "p50-s")
	b.ReportMetric(quantile(0.95), "p95-s")
	b.ReportMetric(latencies[len(latencies)-1].Seconds(), "max-s")
	b.ReportMetric(float64(n)*float64(round)/total.Seconds(), "hpa/s")
	b.Logf("%d healthy and %d sick autoscalers, sync period %v, sick server fault %q, failure threshold %d (0: default), %d rounds",
		n, n, sync, fault.Mode, run.failureThreshold, round)
}

// nilWriter drops the control plane's progress lines, which would clutter benchmark output.
type nilWriter struct{}

func (nilWriter) Write(p []byte) (int, error) { return len(p), nil }
