package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
	"github.com/mhpa-dev/mhpa/internal/manifest"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// The install test applies config/default to the control plane as a user would, and runs
// mhpa-controller as the Deployment would run it: the Deployment's own args, parsed by the
// controller's own flags, authenticated as the Deployment's service account with a token from
// the TokenRequest API, so that it has exactly the permissions config/ grants it.
//
// What differs from a cluster, because nothing runs pods here: the Deployment itself is not
// applied (its pod template is checked by a dry-run Pod against the namespace's Pod Security
// admission); the controller runs in the test process, so it listens on loopback ports
// (--webhook-host/--webhook-port, --metrics-bind-address, --health-probe-bind-address) and
// syncs every 2s instead of 15s; and since loopback cannot be a Service's endpoint, the
// webhook Service is of type ExternalName "localhost", and the port of the references to it
// (the CRD's conversion webhook, both webhook configurations) is the controller's webhook port.
// Names, namespaces and paths are as installed, and the API server checks the serving
// certificate against the Service's DNS name, as in a cluster.

const (
	installNamespace = "mhpa-system"
	installWebhookSA = "mhpa-controller"
)

// installObjects renders config/default and changes it for loopback as described above. It
// returns the objects to apply and the Deployment.
func installObjects(t *testing.T, webhookPort int) ([]*unstructured.Unstructured, *unstructured.Unstructured) {
	t.Helper()
	objs, err := manifest.Build(filepath.Join(framework.RepoRoot(), "config", "default"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	var deployment *unstructured.Unstructured
	port := int64(webhookPort)
	for _, o := range objs {
		switch {
		case o.GetKind() == "Deployment" && o.GetName() == manifest.ControllerDeployment:
			deployment = o
			continue
		case o.GetKind() == "Service" && o.GetName() == "mhpa-webhook":
			installMust(t, unstructured.SetNestedField(o.Object, "ExternalName", "spec", "type"))
			installMust(t, unstructured.SetNestedField(o.Object, "localhost", "spec", "externalName"))
			unstructured.RemoveNestedField(o.Object, "spec", "selector")
			installMust(t, unstructured.SetNestedSlice(o.Object, []any{map[string]any{"name": "webhook", "port": port, "protocol": "TCP"}}, "spec", "ports"))
		case o.GetKind() == "CustomResourceDefinition":
			installMust(t, unstructured.SetNestedField(o.Object, port, "spec", "conversion", "webhook", "clientConfig", "service", "port"))
		case o.GetKind() == "ValidatingWebhookConfiguration" || o.GetKind() == "MutatingWebhookConfiguration":
			hooks, _, _ := unstructured.NestedSlice(o.Object, "webhooks")
			for _, h := range hooks {
				installMust(t, unstructured.SetNestedField(h.(map[string]any), port, "clientConfig", "service", "port"))
			}
			installMust(t, unstructured.SetNestedSlice(o.Object, hooks, "webhooks"))
		}
		out = append(out, o)
	}
	if deployment == nil {
		t.Fatal("config/default has no mhpa-controller Deployment")
	}
	return out, deployment
}

func installMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// installKubectlApply applies objs with `kubectl apply --server-side` (the control plane's kubectl,
// as the admin), as a user applies the rendered kustomization; extra adds flags.
func installKubectlApply(t *testing.T, cp *controlplane.ControlPlane, objs []*unstructured.Unstructured, extra ...string) string {
	t.Helper()
	var in bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		in.WriteString("---\n")
		in.Write(data)
	}
	return installKubectl(t, cp, &in, append([]string{"apply", "--server-side", "-f", "-"}, extra...)...)
}

// installKubectl runs the control plane's kubectl as the admin and returns its output.
func installKubectl(t *testing.T, cp *controlplane.ControlPlane, stdin *bytes.Buffer, args ...string) string {
	t.Helper()
	bin, err := manifest.Kubectl()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, append([]string{"--kubeconfig", cp.KubeconfigPath()}, args...)...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// installCommandLine returns the Deployment's args as its container would run them, with
// the loopback changes appended (later flags win).
func installCommandLine(t *testing.T, deployment *unstructured.Unstructured, loopback []string) []string {
	t.Helper()
	d, err := manifest.Deployment([]*unstructured.Unstructured{deployment})
	if err != nil {
		t.Fatal(err)
	}
	args, err := manifest.ContainerArgs(d, manifest.ControllerContainer)
	if err != nil {
		t.Fatal(err)
	}
	return append(args, loopback...)
}

// TestInstall installs config/default with server-side apply and shows that, run as its
// service account with its own RBAC, mhpa-controller serves the webhooks (validation,
// defaulting, conversion) and the controller reconciles an autoscaler and scales a
// Deployment; that re-applying the manifests keeps the injected CA bundles; and that the pod
// template passes the namespace's Pod Security admission and the samples are accepted.
func TestInstall(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	admin := framework.AdminClient(t, cp)
	webhookPort, metricsPort, probePort := framework.FreePort(t), framework.FreePort(t), framework.FreePort(t)
	objs, deployment := installObjects(t, webhookPort)

	t.Log(strings.TrimSpace(installKubectlApply(t, cp, objs)))

	// The pod template passes the Pod Security admission of its namespace ("restricted").
	d, err := manifest.Deployment([]*unstructured.Unstructured{deployment})
	if err != nil {
		t.Fatal(err)
	}
	framework.WaitForWithin(t, time.Minute, "service account "+installWebhookSA, func(ctx context.Context) (bool, error) {
		_, err := admin.CoreV1().ServiceAccounts(installNamespace).Get(ctx, installWebhookSA, metav1.GetOptions{})
		return err == nil, client.IgnoreNotFound(err)
	})
	pod := &corev1.Pod{ObjectMeta: *d.Spec.Template.ObjectMeta.DeepCopy(), Spec: *d.Spec.Template.Spec.DeepCopy()}
	pod.GenerateName = "mhpa-controller-"
	if _, err := admin.CoreV1().Pods(installNamespace).Create(t.Context(), pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("a pod of the Deployment is not admitted in %s: %v", installNamespace, err)
	}

	// The controller, as the Deployment runs it, with the service account's token.
	tr, err := admin.CoreV1().ServiceAccounts(installNamespace).CreateToken(t.Context(), d.Spec.Template.Spec.ServiceAccountName,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token for the Deployment's service account: %v", err)
	}
	saConfig := &rest.Config{Host: cp.Host(), TLSClientConfig: rest.TLSClientConfig{CAData: cp.ServingCA()}, BearerToken: tr.Status.Token}
	args := installCommandLine(t, deployment, []string{
		"--webhook-host=127.0.0.1", "--webhook-port=" + strconv.Itoa(webhookPort),
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(metricsPort),
		"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(probePort),
		"--horizontal-pod-autoscaler-sync-period=2s", "--metrics-freshness=1s",
	})
	t.Logf("mhpa-controller %s", strings.Join(args, " "))
	opts := controllerapp.DefaultOptions()
	fs := pflag.NewFlagSet("mhpa-controller", pflag.ContinueOnError)
	opts.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	app, err := controllerapp.New(saConfig, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("mhpa-controller: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("mhpa-controller did not stop within 30s")
		}
	})

	// Ready, as the Deployment's readiness probe asks.
	framework.WaitForWithin(t, 2*time.Minute, "GET /readyz and /healthz to succeed", func(ctx context.Context) (bool, error) {
		for _, path := range []string{"/readyz", "/healthz"} {
			if code, err := installHTTPGet(ctx, fmt.Sprintf("http://127.0.0.1:%d%s", probePort, path)); err != nil || code != http.StatusOK {
				return false, err
			}
		}
		return true, nil
	})
	m := &framework.MHPA{Config: cp.AdminConfig(), Kube: admin, App: app, Options: opts}
	m.Config.QPS, m.Config.Burst = 100, 200
	if m.Client, err = client.New(m.Config, client.Options{Scheme: controllerapp.NewScheme()}); err != nil {
		t.Fatal(err)
	}
	installDynamic(t, m)
	// Conversion (a v1 object), defaulting and validation through the installed webhooks.
	m.WaitForWebhooks(t)

	t.Run("webhooks reject a bad autoscaler", func(t *testing.T) {
		ns := framework.CreateNamespace(t, admin, "install-validate")
		bad := installHPA(ns, "bad", "a/b")
		err := m.Client.Create(t.Context(), bad)
		if err == nil || !strings.Contains(err.Error(), `admission webhook "validate.horizontalpodautoscalers.autoscaling.mhpa.dev" denied the request`) ||
			!strings.Contains(err.Error(), "spec.scaleTargetRef.name") {
			t.Errorf("creating an autoscaler whose target name is %q: error = %v, want a denial of the validating webhook naming the field", "a/b", err)
		}
	})

	t.Run("conversion serves a v1 object as v2", func(t *testing.T) {
		ns := framework.CreateNamespace(t, admin, "install-convert")
		v1obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "autoscaling.mhpa.dev/v1", "kind": "HorizontalPodAutoscaler",
			"metadata": map[string]any{"name": "legacy", "namespace": ns},
			"spec": map[string]any{
				"scaleTargetRef":                 map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "legacy"},
				"maxReplicas":                    int64(5),
				"targetCPUUtilizationPercentage": int64(60),
			},
		}}
		if _, err := m.Dynamic.Resource(framework.HPAResource("v1")).Namespace(ns).Create(t.Context(), v1obj, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		got := &v2.HorizontalPodAutoscaler{}
		if err := m.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "legacy"}, got); err != nil {
			t.Fatal(err)
		}
		ms := got.Spec.Metrics
		if len(ms) != 1 || ms[0].Type != v2.PodResourceMetricSourceType || ms[0].PodResource == nil || ms[0].PodResource.Name != corev1.ResourceCPU ||
			ptr.Deref(ms[0].PodResource.Target.AverageUtilization, 0) != 60 {
			t.Errorf("the v1 object read as v2 has metrics %+v, want one podResource cpu metric at 60%%", ms)
		}
	})

	t.Run("the controller scales a Deployment with its own permissions", func(t *testing.T) {
		srv, err := fakemetrics.Start(t.Context(), fakemetrics.Options{
			Groups: []string{"metrics.k8s.io", "external.metrics.k8s.io"}, KubeConfig: cp.AdminConfig(),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Stop() })
		ns := framework.CreateNamespace(t, admin, "install-scale")
		framework.WaitForDefaultServiceAccount(t, admin, ns)
		framework.CreateDeployment(t, admin, framework.DeploymentOptions{Namespace: ns, Name: "worker", Replicas: 1, CPURequest: "100m"})
		srv.Group("external.metrics.k8s.io").SetExternalMetric(fakemetrics.ExternalMetric{Namespace: ns, Metric: "queue_length", Value: resource.MustParse("90")})
		hpa := installHPA(ns, "worker", "worker")
		hpa.Spec.Metrics = []v2.MetricSpec{{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
			Metric: v2.MetricIdentifier{Name: "queue_length"},
			Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("30"))},
		}}}
		if err := m.Client.Create(t.Context(), hpa); err != nil {
			t.Fatal(err)
		}
		// 90 / 30 = 3 replicas.
		framework.WaitForWithin(t, 2*time.Minute, "the Deployment scaled to 3 by mhpa-controller", func(ctx context.Context) (bool, error) {
			dep, err := admin.AppsV1().Deployments(ns).Get(ctx, "worker", metav1.GetOptions{})
			return err == nil && ptr.Deref(dep.Spec.Replicas, 0) == 3, err
		})
		framework.WaitForWithin(t, time.Minute, "the autoscaler's status to report the rescale", func(ctx context.Context) (bool, error) {
			got := &v2.HorizontalPodAutoscaler{}
			if err := m.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "worker"}, got); err != nil {
				return false, err
			}
			return got.Status.LastScaleTime != nil && got.Status.DesiredReplicas == 3 && got.Status.LastDecision != nil &&
				condition(got, v2.ScalingActive) != nil && condition(got, v2.ScalingActive).Status == corev1.ConditionTrue, nil
		})
		events, err := admin.CoreV1().Events(ns).List(t.Context(), metav1.ListOptions{FieldSelector: "involvedObject.name=worker,reason=SuccessfulRescale"})
		if err != nil || len(events.Items) == 0 {
			t.Errorf("no SuccessfulRescale event from the controller (%v)", err)
		}
	})

	t.Run("leader election and certificates use the installed names", func(t *testing.T) {
		lease, err := admin.CoordinationV1().Leases(installNamespace).Get(t.Context(), opts.LeaderElectionID, metav1.GetOptions{})
		if err != nil || ptr.Deref(lease.Spec.HolderIdentity, "") == "" {
			t.Errorf("the leader election Lease %s/%s: %v, holder %v", installNamespace, opts.LeaderElectionID, err, lease)
		}
		secret, err := admin.CoreV1().Secrets(installNamespace).Get(t.Context(), "mhpa-webhook-certs", metav1.GetOptions{})
		if err != nil || len(secret.Data) == 0 {
			t.Errorf("the certificate Secret %s/mhpa-webhook-certs: %v", installNamespace, err)
		}
	})

	t.Run("re-applying the manifests keeps the injected CA bundles", func(t *testing.T) {
		installKubectlApply(t, cp, objs)
		crd, err := m.APIExtensions.ApiextensionsV1().CustomResourceDefinitions().Get(t.Context(), opts.CRDName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(crd.Spec.Conversion.Webhook.ClientConfig.CABundle) < 100 {
			t.Errorf("after re-applying, the CRD's caBundle is %q", crd.Spec.Conversion.Webhook.ClientConfig.CABundle)
		}
		vwc, err := admin.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(t.Context(), opts.ValidatingWebhookConfiguration, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cc := vwc.Webhooks[0].ClientConfig; len(cc.CABundle) < 100 || cc.URL != nil || cc.Service == nil || cc.Service.Name != "mhpa-webhook" {
			t.Errorf("after re-applying, the validating webhook calls %v (URL %v) with caBundle %q; want the Service mhpa-webhook and the injected CA",
				cc.Service, cc.URL, cc.CABundle)
		}
		m.WaitForWebhooks(t)
	})

	t.Run("the samples are accepted", func(t *testing.T) {
		ns := framework.CreateNamespace(t, admin, "install-samples")
		out := installKubectl(t, cp, nil, "apply", "--server-side", "--dry-run=server", "-n", ns, "-k", filepath.Join(framework.RepoRoot(), "config", "samples"))
		if got := strings.Count(out, "horizontalpodautoscaler.autoscaling.mhpa.dev/"); got < 10 {
			t.Errorf("kubectl apply -k config/samples applied %d autoscalers:\n%s", got, out)
		}
	})
}

// installDynamic fills in the dynamic and apiextensions clients of m.
func installDynamic(t *testing.T, m *framework.MHPA) {
	t.Helper()
	var err error
	if m.Dynamic, err = dynamic.NewForConfig(m.Config); err != nil {
		t.Fatal(err)
	}
	if m.APIExtensions, err = apiextensionsclient.NewForConfig(m.Config); err != nil {
		t.Fatal(err)
	}
}

func installHPA(ns, name, target string) *v2.HorizontalPodAutoscaler {
	return &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
			MinReplicas:    ptr.To[int32](1),
			MaxReplicas:    10,
		},
	}
}

func installHTTPGet(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil // not listening yet
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
