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
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/subdomain"
	"github.com/mhpa-dev/mhpa/pkg/adapter"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// Groups of the metrics servers in TestSubdomains.
const (
	defaultExternal = "external.metrics.k8s.io"
	tenantAExternal = "tenant-a.external.metrics.k8s.io"
	tenantBCustom   = "tenant-b.custom.metrics.k8s.io"
	tenantXExternal = "tenant-x.external.metrics.k8s.io"
)

// withSubdomain sets the subdomain of m's source.
func withSubdomain(m v2.MetricSpec, s string) v2.MetricSpec {
	switch {
	case m.External != nil:
		m.External.Subdomain = s
	case m.Pods != nil:
		m.Pods.Subdomain = s
	case m.Object != nil:
		m.Object.Subdomain = s
	}
	return m
}

func podsAverage(metric, average string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
		Metric: v2.MetricIdentifier{Name: metric},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse(average))},
	}}
}

// currentValue is the current value the HPA's first metric reports in status, "" if none.
func currentValue(hpa *v2.HorizontalPodAutoscaler) string {
	if len(hpa.Status.CurrentMetrics) == 0 {
		return ""
	}
	m := hpa.Status.CurrentMetrics[0]
	var c v2.MetricValueStatus
	switch {
	case m.External != nil:
		c = m.External.Current
	case m.Pods != nil:
		c = m.Pods.Current
	default:
		return ""
	}
	switch {
	case c.AverageValue != nil:
		return c.AverageValue.String()
	case c.Value != nil:
		return c.Value.String()
	}
	return ""
}

// startMetricsServer starts a fake metrics server for groups, registered with the
// aggregator unless change says otherwise.
func startMetricsServer(t *testing.T, cp *controlplane.ControlPlane, groups []string, change ...func(*fakemetrics.Options)) *fakemetrics.Server {
	t.Helper()
	opts := fakemetrics.Options{Groups: groups, KubeConfig: cp.AdminConfig()}
	for _, c := range change {
		c(&opts)
	}
	srv, err := fakemetrics.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("starting the metrics server for %v: %v", groups, err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// probe is one autoscaler whose reaction to a new metric value is timed.
type probe struct {
	name, ns string
	// set makes its metrics server report the value of round i (1, 2, ...).
	set func(i int)
}

// timeReactions changes the value each probe's server reports, once per round, and returns
// how long each autoscaler took to show a new value in status.currentMetrics: the time from
// the change to the first reconcile that read it. It logs every round.
func (e *env) timeReactions(t *testing.T, label string, firstRound, rounds int, probes []probe) map[string][]time.Duration {
	t.Helper()
	out := map[string][]time.Duration{}
	for i := firstRound; i < firstRound+rounds; i++ {
		before := map[string]string{}
		for _, p := range probes {
			hpa, err := e.getHPA(t.Context(), p.ns, p.name)
			if err != nil {
				t.Fatal(err)
			}
			before[p.name] = currentValue(hpa)
		}
		start := time.Now()
		for _, p := range probes {
			p.set(i)
		}
		var line []string
		for _, p := range probes {
			var seen string
			framework.WaitForWithin(t, time.Minute, fmt.Sprintf("HPA %s to read the value of round %d", p.name, i), func(ctx context.Context) (bool, error) {
				hpa, err := e.getHPA(ctx, p.ns, p.name)
				if err != nil {
					return false, err
				}
				seen = currentValue(hpa)
				return seen != before[p.name], nil
			})
			// The wait polls every 100ms: the reaction happened at most that much earlier.
			d := time.Since(start)
			out[p.name] = append(out[p.name], d)
			line = append(line, fmt.Sprintf("%s %s→%s after %v", p.name, before[p.name], seen, d.Round(10*time.Millisecond)))
		}
		t.Logf("%s, round %d: %s", label, i, strings.Join(line, "; "))
	}
	return out
}

// logDecisions logs when each autoscaler last decided and its ScalingActive condition.
func (e *env) logDecisions(t *testing.T, names map[string]string) {
	t.Helper()
	for name, ns := range names {
		hpa, err := e.getHPA(t.Context(), ns, name)
		if err != nil {
			t.Fatal(err)
		}
		decided := "never"
		if d := hpa.Status.LastDecision; d != nil {
			decided = fmt.Sprintf("%s (%d→%d)", d.Time.Format(time.RFC3339), d.CurrentReplicas, d.DesiredReplicas)
		}
		active := "none"
		if c := condition(hpa, v2.ScalingActive); c != nil {
			active = fmt.Sprintf("%s %s since %s: %s", c.Status, c.Reason, c.LastTransitionTime.Format(time.RFC3339), c.Message)
		}
		t.Logf("HPA %s: lastDecision %s; ScalingActive %s", name, decided, active)
	}
}

// TestSubdomains runs three metrics servers that serve the same metric names with different
// values, under the default external group, tenant-a.external.metrics.k8s.io and
// tenant-b.custom.metrics.k8s.io, and mhpa-controller as its service account with the RBAC
// of config/rbac plus the aggregated ClusterRole of tenant-a only. Each autoscaler scales its
// Deployment to what its own server implies; tenant-b's is refused by the API server until
// tenant-b's ClusterRole is installed; one on an unregistered subdomain reports the group as
// not served until the subdomain is registered; and with tenant-a's server hung, the others
// keep reconciling.
func TestSubdomains(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	admin := framework.AdminClient(t, cp)

	def := startMetricsServer(t, cp, []string{defaultExternal})
	tenantA := startMetricsServer(t, cp, []string{tenantAExternal})
	tenantB := startMetricsServer(t, cp, []string{tenantBCustom})
	// The same metric name everywhere, with a different value in each server (global series,
	// visible in every namespace).
	def.Group(defaultExternal).SetExternalMetric(fakemetrics.ExternalMetric{Metric: "queue_length", Value: resource.MustParse("20")})
	tenantA.Group(tenantAExternal).SetExternalMetric(fakemetrics.ExternalMetric{Metric: "queue_length", Value: resource.MustParse("40")})
	tenantA.Group(tenantAExternal).SetExternalMetric(fakemetrics.ExternalMetric{Metric: "backlog", Value: resource.MustParse("10")})

	m := framework.InstallMHPA(t, cp, func(o *controllerapp.Options) {
		o.RunController = false
		o.Controller.SyncPeriod = syncPeriod
		o.Controller.Decision.DownscaleStabilizationWindow = 0
		o.MetricsFreshness = syncPeriod / 2
		o.MetricsGroup.CoolDown = 5 * time.Second
	})

	// The controller's RBAC: config/rbac, and the aggregated ClusterRole of tenant-a only.
	apply(t, m.Config, manifestsOf(t, "config/rbac"))
	tenantARBAC, err := subdomain.Generate(subdomain.Options{Subdomain: "tenant-a", APIs: []metrics.API{metrics.ExternalAPI}, RBACOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, m.Config, tenantARBAC)
	saUser, saGroups := serviceAccountUser(controllerNamespace, controllerServiceAccount)
	waitForAccess(t, admin, saUser, saGroups, access{verb: "list", group: tenantAExternal, resource: "queue_length", namespace: "x"}, true)

	runAs(t, m, serviceAccountConfig(t, cp, admin, controllerNamespace, controllerServiceAccount), func(o *controllerapp.Options) {
		o.RunController = true
		o.LeaderElection, o.LeaderElectionNamespace = true, controllerNamespace
		o.CertSecret = controllerNamespace + "/mhpa-webhook-certs"
	})
	e := &env{cp: cp, mhpa: m, metrics: def}

	t.Run("the controller's role grants the groups it was given and no other", func(t *testing.T) {
		tests := []struct {
			access
			want bool
		}{
			{access{verb: "list", group: defaultExternal, resource: "queue_length", namespace: "team-a"}, true},
			{access{verb: "get", group: metrics.CustomGroup, resource: "pods/rps", name: "*", namespace: "team-a"}, true},
			{access{verb: "list", group: tenantAExternal, resource: "queue_length", namespace: "team-a"}, true},
			{access{verb: "get", group: tenantBCustom, resource: "pods/queue_length", name: "*", namespace: "team-a"}, false},
			{access{verb: "list", group: tenantXExternal, resource: "queue_length", namespace: "team-a"}, false},
			{access{verb: "list", group: "tenant-a.metrics.k8s.io", resource: "pods", namespace: "team-a"}, false},
			{access{verb: "get", group: "", resource: "secrets", name: "db", namespace: "team-a"}, false},
			{access{verb: "update", group: "apps", resource: "deployments", name: "web", namespace: "team-a"}, false},
			{access{verb: "patch", group: "apps", resource: "deployments/scale", name: "web", namespace: "team-a"}, true},
		}
		for _, tc := range tests {
			got, err := canI(t.Context(), admin, saUser, saGroups, tc.access)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s may %v: %v, want %v", saUser, tc.access, got, tc.want)
			}
		}
	})

	// One Deployment and HPA per server, each in its own namespace.
	nsDefault := e.workload(t, "default-ext", 1)
	nsA := e.workload(t, "tenant-a", 1)
	nsB := e.workload(t, "tenant-b", 1)
	if err := tenantB.Group(tenantBCustom).SetPodRule("all", fakemetrics.PodRule{
		Selector: "app=tenant-b", Metrics: map[string]resource.Quantity{"queue_length": resource.MustParse("30")},
	}); err != nil {
		t.Fatal(err)
	}
	e.createHPA(t, hpaFor(nsDefault, "default-ext", 1, 10, externalAverage("queue_length", "10")))
	e.createHPA(t, hpaFor(nsA, "tenant-a", 1, 10, withSubdomain(externalAverage("queue_length", "10"), "tenant-a")))
	// 30 per pod against 10 wants three times the pods every time; maxReplicas holds it at 3.
	e.createHPA(t, hpaFor(nsB, "tenant-b", 1, 3, withSubdomain(podsAverage("queue_length", "10"), "tenant-b")))

	t.Run("each HPA scales by its own server", func(t *testing.T) {
		e.waitForReplicas(t, nsDefault, "default-ext", 2) // 20 / 10
		e.waitForReplicas(t, nsA, "tenant-a", 4)          // 40 / 10
	})

	t.Run("a group the controller was not granted is refused and reported", func(t *testing.T) {
		hpa := e.waitForCondition(t, nsB, "tenant-b", v2.ScalingActive, corev1.ConditionFalse, "FailedGetPodsMetric")
		msg := condition(hpa, v2.ScalingActive).Message
		t.Logf("tenant-b without its ClusterRole: ScalingActive=False FailedGetPodsMetric: %s", msg)
		for _, want := range []string{tenantBCustom, "forbidden", saUser} {
			if !strings.Contains(msg, want) {
				t.Errorf("ScalingActive message %q does not contain %q", msg, want)
			}
		}
		e.waitForEvent(t, nsB, "tenant-b", "FailedGetPodsMetric", tenantBCustom)
		e.expectReplicas(t, nsB, "tenant-b", 1)

		rbacB, err := subdomain.Generate(subdomain.Options{Subdomain: "tenant-b", APIs: []metrics.API{metrics.CustomAPI}, RBACOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		apply(t, m.Config, rbacB)
		e.waitForReplicas(t, nsB, "tenant-b", 3)
		hpa = e.waitForCondition(t, nsB, "tenant-b", v2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
		if got := currentValue(hpa); got != "30" {
			t.Errorf("tenant-b's HPA reads %q per pod, want tenant-b's 30", got)
		}
	})

	nsX := e.workload(t, "tenant-x", 1)
	e.createHPA(t, hpaFor(nsX, "tenant-x", 1, 10, withSubdomain(externalAverage("queue_length", "10"), "tenant-x")))

	t.Run("an unregistered subdomain is not served, with no fallback", func(t *testing.T) {
		want := `subdomain "tenant-x": API group tenant-x.external.metrics.k8s.io is not served`
		hpa := e.waitForCondition(t, nsX, "tenant-x", v2.ScalingActive, corev1.ConditionFalse, "FailedGetExternalMetric")
		if msg := condition(hpa, v2.ScalingActive).Message; !strings.Contains(msg, want) {
			t.Errorf("ScalingActive message %q does not contain %q", msg, want)
		}
		e.waitForEvent(t, nsX, "tenant-x", "FailedGetExternalMetric", want)
		// The default server has queue_length (20) in this namespace too: read from there,
		// it would scale to 2.
		e.expectReplicas(t, nsX, "tenant-x", 1)
	})

	tenantX := startMetricsServer(t, cp, []string{tenantXExternal}, func(o *fakemetrics.Options) {
		o.SkipRegistration, o.ServiceName = true, "tenant-x-metrics"
	})
	tenantX.Group(tenantXExternal).SetExternalMetric(fakemetrics.ExternalMetric{Metric: "queue_length", Value: resource.MustParse("30")})

	t.Run("registering the subdomain later makes it work without a restart", func(t *testing.T) {
		svcNamespace, svcName := tenantX.ServiceName()
		objs, err := subdomain.Generate(subdomain.Options{
			Subdomain: "tenant-x", APIs: []metrics.API{metrics.ExternalAPI},
			ServiceNamespace: svcNamespace, ServiceName: svcName, Port: int32(tenantX.Port()), ExternalName: "localhost",
			CABundle: tenantX.CABundle(),
		})
		if err != nil {
			t.Fatal(err)
		}
		apply(t, m.Config, objs)
		if err := adapter.WaitForAPIServices(t.Context(), m.Config, time.Minute, "v1beta1."+tenantXExternal); err != nil {
			t.Fatal(err)
		}
		registered := time.Now()
		e.waitForReplicas(t, nsX, "tenant-x", 3) // 30 / 10
		e.waitForCondition(t, nsX, "tenant-x", v2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
		t.Logf("tenant-x scaled %v after its APIService became available", time.Since(registered).Round(100*time.Millisecond))
	})

	// More autoscalers on tenant-a, so that a hung tenant-a could hold more workers than the
	// controller has (5).
	nsMore := framework.CreateNamespace(t, m.Kube, "tenant-a-more")
	framework.WaitForDefaultServiceAccount(t, m.Kube, nsMore)
	const more = 6
	for i := range more {
		name := fmt.Sprintf("more-%d", i)
		framework.CreateDeployment(t, m.Kube, framework.DeploymentOptions{
			Namespace: nsMore, Name: name, Replicas: 1, CPURequest: "100m",
			PodAnnotations: map[string]string{"kubelet.mhpa.dev/started-ago": "10m"},
		})
		e.createHPA(t, hpaFor(nsMore, name, 1, 10, withSubdomain(externalAverage("backlog", "10"), "tenant-a")))
	}
	for i := range more {
		e.waitForCondition(t, nsMore, fmt.Sprintf("more-%d", i), v2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
	}

	t.Run("a hung server delays only the HPAs that use it", func(t *testing.T) {
		probes := []probe{
			{name: "default-ext", ns: nsDefault, set: func(i int) {
				def.Group(defaultExternal).SetExternalMetric(fakemetrics.ExternalMetric{Metric: "queue_length", Value: *resource.NewQuantity(int64(20-i), resource.DecimalSI)})
			}},
			{name: "tenant-b", ns: nsB, set: func(i int) {
				_ = tenantB.Group(tenantBCustom).SetPodRule("all", fakemetrics.PodRule{
					Selector: "app=tenant-b", Metrics: map[string]resource.Quantity{"queue_length": *resource.NewQuantity(int64(30-i), resource.DecimalSI)},
				})
			}},
			{name: "tenant-x", ns: nsX, set: func(i int) {
				tenantX.Group(tenantXExternal).SetExternalMetric(fakemetrics.ExternalMetric{Metric: "queue_length", Value: *resource.NewQuantity(int64(30-i), resource.DecimalSI)})
			}},
		}
		healthy := e.timeReactions(t, "all servers healthy", 1, 2, probes)

		tenantA.SetFault(fakemetrics.Fault{Mode: fakemetrics.FaultHang})
		hungSince := time.Now()
		hpa := e.waitForCondition(t, nsA, "tenant-a", v2.ScalingActive, corev1.ConditionFalse, "FailedGetExternalMetric")
		msg := condition(hpa, v2.ScalingActive).Message
		t.Logf("tenant-a reported its hung server %v after the fault: %s", time.Since(hungSince).Round(100*time.Millisecond), msg)
		if !strings.Contains(msg, tenantAExternal) {
			t.Errorf("ScalingActive message %q does not name %s", msg, tenantAExternal)
		}

		hung := e.timeReactions(t, "tenant-a hung", 3, 3, probes)
		// A generous bound, far above the sync period: reconciles blocked behind the hung
		// server would wait out its request timeouts one after the other.
		const bound = 20 * time.Second
		for name, ds := range hung {
			for i, d := range ds {
				if d > bound {
					t.Errorf("HPA %s took %v to react while tenant-a hung (round %d; healthy: %v)", name, d, i+3, healthy[name])
				}
			}
		}
		e.logDecisions(t, map[string]string{"default-ext": nsDefault, "tenant-a": nsA, "tenant-b": nsB, "tenant-x": nsX})
		e.expectReplicas(t, nsA, "tenant-a", 4)

		tenantA.SetFault(fakemetrics.Fault{})
		healed := time.Now()
		e.waitForCondition(t, nsA, "tenant-a", v2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound")
		t.Logf("tenant-a recovered %v after its server healed", time.Since(healed).Round(100*time.Millisecond))
	})
}

// expectReplicas fails unless the Deployment asks for n replicas now.
func (e *env) expectReplicas(t *testing.T, ns, name string, n int32) {
	t.Helper()
	d, err := e.mhpa.Kube.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(d.Spec.Replicas, 1); got != n {
		t.Errorf("deployment %s/%s has %d replicas, want it kept at %d", ns, name, got, n)
	}
}
