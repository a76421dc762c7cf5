package e2e

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/internal/manifest"
	"github.com/mhpa-dev/mhpa/test/framework"
)

var updatePluginGolden = flag.Bool("update-plugin", false, "rewrite test/e2e/testdata/plugin/*.golden")

// pluginNamespace is the namespace of the plugin tests; fixed, so that it reads the same in the
// golden files (each test has a control plane of its own).
const pluginNamespace = "shop"

// plugin runs the kubectl plugin as users run it: the real kubectl binary finds
// kubectl-mhpa on the PATH.
type plugin struct {
	kubectl, kubeconfig, path string
}

// buildPlugin builds cmd/kubectl-mhpa into a temporary directory.
func buildPlugin(t *testing.T, cp *controlplane.ControlPlane) *plugin {
	t.Helper()
	kubectl, err := manifest.Kubectl()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(dir, "kubectl-mhpa"), "./cmd/kubectl-mhpa")
	cmd.Dir = framework.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kubectl-mhpa: %v\n%s", err, out)
	}
	return &plugin{kubectl: kubectl, kubeconfig: cp.KubeconfigPath(), path: dir + string(os.PathListSeparator) + os.Getenv("PATH")}
}

// run runs `kubectl mhpa args...` and returns its standard output and error.
func (p *plugin) run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), p.kubectl, append([]string{"mhpa"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+p.path, "KUBECONFIG="+p.kubeconfig)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func (p *plugin) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := p.run(t, args...)
	if err != nil {
		t.Fatalf("kubectl mhpa %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

var (
	rfc3339RE  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	durationRE = `\d+(\.\d+)?(ms|s|m|h|d|y)(\d+(s|m|h))?`
	agoRE      = regexp.MustCompile(`\b` + durationRE + ` ago\b`)
	anyAgeRE   = regexp.MustCompile(`\b` + durationRE + `\b`)
	repeatRE   = regexp.MustCompile(` \(x\d+ over [^)]*\)`)
	percentRE  = regexp.MustCompile(`\b\d+\.\d%`)
	cellsRE    = regexp.MustCompile(`  +`)
)

// normalize makes a description independent of when it was taken: times, ages, shares of time
// and repeat counts of events become placeholders, and the padding of table columns (which
// depends on their widths) is two spaces.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	section := ""
	for i, l := range lines {
		if l != "" && l[0] != ' ' {
			section, _, _ = strings.Cut(l, ":")
		}
		l = rfc3339RE.ReplaceAllString(l, "<time>")
		l = agoRE.ReplaceAllString(l, "<age> ago")
		switch {
		case strings.HasPrefix(l, "    agreed ") || strings.HasPrefix(l, "    not compared"):
			// The shadow comparison's summary: lengths of time and shares of them.
			l = percentRE.ReplaceAllString(anyAgeRE.ReplaceAllString(l, "<age>"), "<percent>")
		case (section == "Conditions" || section == "Events") && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "  Type") && !strings.HasPrefix(l, "  ----"):
			// The Age column: the 4th cell of a condition, the 3rd of an event.
			cells := cellsRE.Split(strings.TrimSpace(l), -1)
			age := map[string]int{"Conditions": 3, "Events": 2}[section]
			if age < len(cells) {
				cells[age] = "<age>"
			}
			l = "  " + strings.Join(cells, "  ")
		}
		l = repeatRE.ReplaceAllString(l, "")
		if strings.HasPrefix(l, "  ") || strings.Contains(l, ":  ") {
			indent := len(l) - len(strings.TrimLeft(l, " "))
			l = l[:indent] + cellsRE.ReplaceAllString(l[indent:], "  ")
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

func pluginGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "plugin", name)
	if *updatePluginGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./test/e2e -run TestPlugin -args -update-plugin creates it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestPlugin runs `kubectl mhpa describe` and `kubectl mhpa import` through kubectl against a
// control plane where mhpa-controller scales a Deployment by metrics from two metrics servers,
// and compares their output with golden files.
func TestPlugin(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	srv, err := fakemetrics.Start(t.Context(), fakemetrics.Options{
		Groups:     []string{"metrics.k8s.io", "external.metrics.k8s.io", "tenant-a.external.metrics.k8s.io"},
		KubeConfig: cp.AdminConfig(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	m := framework.InstallMHPA(t, cp, func(o *controllerapp.Options) {
		o.Controller.SyncPeriod = 2 * time.Second
		o.MetricsFreshness = time.Second
	})
	p := buildPlugin(t, cp)
	if _, err := m.Kube.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: pluginNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.WaitForDefaultServiceAccount(t, m.Kube, pluginNamespace)

	t.Run("describe", func(t *testing.T) {
		// "web" runs 1 pod using 20% of its CPU request. Its autoscaler reads CPU from
		// metrics.k8s.io, the queue from tenant-a.external.metrics.k8s.io (30 messages, 10 per
		// pod: 3 replicas) and, as a shadow metric, the same queue from tenant-b, which no
		// server serves.
		framework.CreateDeployment(t, m.Kube, framework.DeploymentOptions{
			Namespace: pluginNamespace, Name: "web", Replicas: 1, CPURequest: "100m",
			PodAnnotations: map[string]string{"kubelet.mhpa.dev/started-ago": "10m"},
		})
		if err := srv.Group("metrics.k8s.io").SetPodRule("web", fakemetrics.PodRule{
			Namespace: pluginNamespace, Selector: "app=web",
			Usage: map[string]corev1.ResourceList{"": {corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("10Mi")}},
		}); err != nil {
			t.Fatal(err)
		}
		// The pod reports CPU before the autoscaler's first decision, so that no decision finds
		// it without metrics (a transient FailedGetResourceMetric event would make the events
		// depend on timing).
		podMetrics := m.Dynamic.Resource(schema.GroupVersionResource{Group: "metrics.k8s.io", Version: "v1beta1", Resource: "pods"}).Namespace(pluginNamespace)
		framework.WaitForWithin(t, time.Minute, "CPU usage of web's pod in metrics.k8s.io", func(ctx context.Context) (bool, error) {
			list, err := podMetrics.List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			return err == nil && len(list.Items) == 1, nil
		})
		srv.Group("tenant-a.external.metrics.k8s.io").SetExternalMetric(fakemetrics.ExternalMetric{
			Namespace: pluginNamespace, Metric: "queue_length", Labels: map[string]string{"queue": "orders"}, Value: resource.MustParse("30"),
		})
		queue := func(subdomain string, shadow bool) v2.MetricSpec {
			return v2.MetricSpec{Type: v2.ExternalMetricSourceType, Shadow: shadow, External: &v2.ExternalMetricSource{
				Subdomain: subdomain,
				Metric:    v2.MetricIdentifier{Name: "queue_length", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "orders"}}},
				Target:    v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))},
			}}
		}
		hpa := &v2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: pluginNamespace, Name: "web"},
			Spec: v2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr.To[int32](1),
				MaxReplicas:    10,
				Metrics: []v2.MetricSpec{
					{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
						Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr.To[int32](50)},
					}},
					queue("tenant-a", false),
					queue("tenant-b", true),
				},
			},
		}
		if err := m.Client.Create(t.Context(), hpa); err != nil {
			t.Fatal(err)
		}
		// Steady: 3 ready pods, CPU proposing 2 (3 × 20% / 50%), the queue 3, the shadow failing.
		framework.WaitForWithin(t, 2*time.Minute, "web steady at 3 replicas", func(ctx context.Context) (bool, error) {
			got := &v2.HorizontalPodAutoscaler{}
			if err := m.Client.Get(ctx, client.ObjectKey{Namespace: pluginNamespace, Name: "web"}, got); err != nil {
				return false, err
			}
			ld := got.Status.LastDecision
			if ld == nil || len(ld.Metrics) != 3 || ld.CurrentReplicas != 3 || ld.DesiredReplicas != 3 ||
				ptr.Deref(ld.Metrics[0].Replicas, 0) != 2 || ptr.Deref(ld.Metrics[1].Replicas, 0) != 3 || ld.Metrics[2].Error == "" {
				return false, nil
			}
			c := condition(got, v2.ShadowMetricsActive)
			return c != nil && c.Status == corev1.ConditionFalse && len(got.Status.ShadowComparisons) == 1, nil
		})
		out := p.mustRun(t, "describe", "web", "-n", pluginNamespace)
		pluginGolden(t, "describe.golden", normalize(out))

		// The same through -l, and every autoscaler of the namespace.
		if all := p.mustRun(t, "describe", "-n", pluginNamespace); !strings.Contains(all, "Name:          web") {
			t.Errorf("describe without a name does not describe web:\n%s", all)
		}
	})

	t.Run("import", func(t *testing.T) {
		builtinHPA := &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Namespace: pluginNamespace, Name: "api", Labels: map[string]string{"team": "api"},
				Annotations: map[string]string{"autoscaling.mhpa.dev/subdomains": `["", "tenant-a"]`}},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"},
				MinReplicas:    ptr.To[int32](2),
				MaxReplicas:    8,
				Metrics: []autoscalingv2.MetricSpec{
					{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
						Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](60)},
					}},
					{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
						Metric: autoscalingv2.MetricIdentifier{Name: "queue_length"},
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("20"))},
					}},
				},
				Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
					ScaleDown: &autoscalingv2.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv2.MinChangePolicySelect),
						Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}},
				},
			},
		}
		if _, err := m.Kube.AutoscalingV2().HorizontalPodAutoscalers(pluginNamespace).Create(t.Context(), builtinHPA, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		out := p.mustRun(t, "import", "api", "-n", pluginNamespace)
		pluginGolden(t, "import.golden", out)

		// A server dry run stores nothing.
		if out := p.mustRun(t, "import", "--all", "-n", pluginNamespace, "--apply", "--dry-run=server"); out != "horizontalpodautoscaler.autoscaling.mhpa.dev/api serverside-applied (server dry run)\n" {
			t.Errorf("import --apply --dry-run=server printed %q", out)
		}
		if err := m.Client.Get(t.Context(), client.ObjectKey{Namespace: pluginNamespace, Name: "api"}, &v2.HorizontalPodAutoscaler{}); !apierrors.IsNotFound(err) {
			t.Errorf("after a dry run, getting the mhpa autoscaler api: %v, want not found", err)
		}

		// Applied, with a warning that the built-in autoscaler still scales the same target.
		out, errOut, err := p.run(t, "import", "api", "-n", pluginNamespace, "--apply")
		if err != nil {
			t.Fatalf("import --apply: %v\n%s", err, errOut)
		}
		if out != "horizontalpodautoscaler.autoscaling.mhpa.dev/api serverside-applied\n" ||
			!strings.Contains(errOut, "Warning: the built-in autoscaler shop/api still scales Deployment/api as well") ||
			!strings.Contains(errOut, "kubectl delete hpa.autoscaling api -n shop") {
			t.Errorf("import --apply: stdout %q, stderr %q", out, errOut)
		}
		got := &v2.HorizontalPodAutoscaler{}
		if err := m.Client.Get(t.Context(), client.ObjectKey{Namespace: pluginNamespace, Name: "api"}, got); err != nil {
			t.Fatal(err)
		}
		if ms := got.Spec.Metrics; len(ms) != 2 || ms[0].Type != v2.PodResourceMetricSourceType || ms[1].External == nil || ms[1].External.Subdomain != "tenant-a" ||
			*got.Spec.Behavior.ScaleDown.SelectPolicy != v2.MinChangePolicySelect {
			t.Errorf("the applied autoscaler's spec is %+v", got.Spec)
		}
	})

	t.Run("errors", func(t *testing.T) {
		var b strings.Builder
		for _, args := range [][]string{
			{"describe", "nosuch", "-n", pluginNamespace},
			{"describe", "legacy", "-n", pluginNamespace},
			{"import", "nosuch", "-n", pluginNamespace},
			{"import", "--all", "-n", "default"},
		} {
			if args[1] == "legacy" {
				legacy := &autoscalingv2.HorizontalPodAutoscaler{
					ObjectMeta: metav1.ObjectMeta{Namespace: pluginNamespace, Name: "legacy"},
					Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
						ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "legacy"},
						MaxReplicas:    3,
					},
				}
				if _, err := m.Kube.AutoscalingV2().HorizontalPodAutoscalers(pluginNamespace).Create(t.Context(), legacy, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, err := p.run(t, args...)
			if err == nil {
				t.Errorf("kubectl mhpa %s succeeded:\n%s", strings.Join(args, " "), out)
			}
			b.WriteString("$ kubectl mhpa " + strings.Join(args, " ") + "\n" + errOut)
		}
		pluginGolden(t, "errors.golden", b.String())
	})
}
