package framework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/validation/validationtest"
)

// CRDFileEnv names an environment variable that, if set, replaces the CRD file of the
// repository that InstallMHPA installs, to test a CRD generated elsewhere.
const CRDFileEnv = "MHPA_TEST_CRD_FILE"

// RepoRoot returns the root of the repository (found from this file's path).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// CRDFile is the generated CRD of the mhpa API.
func CRDFile() string {
	if f := os.Getenv(CRDFileEnv); f != "" {
		return f
	}
	return filepath.Join(RepoRoot(), "config", "crd", "bases", "autoscaling.mhpa.dev_horizontalpodautoscalers.yaml")
}

// WebhooksFile holds the webhook configurations of mhpa-controller.
func WebhooksFile() string {
	return filepath.Join(RepoRoot(), "config", "webhook", "manifests.yaml")
}

// HPAResource is the resource of the mhpa API in a version.
func HPAResource(version string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "autoscaling.mhpa.dev", Version: version, Resource: "horizontalpodautoscalers"}
}

// MHPA is mhpa installed on a control plane: the CRD and webhook configurations, and
// mhpa-controller (webhooks and, unless turned off, the HPA controller) running in the test
// process.
type MHPA struct {
	// Config is an admin client configuration, not throttled.
	Config *rest.Config
	// Kube, APIExtensions, Dynamic and Client are admin clients.
	Kube          kubernetes.Interface
	APIExtensions apiextensionsclient.Interface
	Dynamic       dynamic.Interface
	Client        client.Client
	// App is the running mhpa-controller.
	App *controllerapp.App
	// Options are the options it runs with.
	Options controllerapp.Options

	stop func()
}

// InstallMHPA installs the CRD of config/crd/bases and the webhook configurations of
// config/webhook/manifests.yaml on cp, runs mhpa-controller in the test process on 127.0.0.1 as
// the API server's webhook at https://localhost:<port> (change adjusts its options), and waits
// until the API server converts, defaults and validates through it. mhpa-controller stops when
// the test ends, or earlier with Stop.
func InstallMHPA(t testing.TB, cp *controlplane.ControlPlane, change ...func(*controllerapp.Options)) *MHPA {
	t.Helper()
	m := &MHPA{Config: cp.AdminConfig()}
	m.Config.QPS, m.Config.Burst = 100, 200
	m.Kube = Clientset(t, m.Config)
	var err error
	if m.APIExtensions, err = apiextensionsclient.NewForConfig(m.Config); err != nil {
		t.Fatal(err)
	}
	if m.Dynamic, err = dynamic.NewForConfig(m.Config); err != nil {
		t.Fatal(err)
	}
	if m.Client, err = client.New(m.Config, client.Options{Scheme: controllerapp.NewScheme()}); err != nil {
		t.Fatal(err)
	}
	m.installCRD(t)
	m.installWebhooks(t)
	ensureNamespace(t, m.Kube, "mhpa-system")

	port := FreePort(t)
	m.Options = controllerapp.DefaultOptions()
	m.Options.WebhookHost = "127.0.0.1"
	m.Options.WebhookPort = port
	m.Options.WebhookURL = fmt.Sprintf("https://localhost:%d", port)
	m.Options.MetricsAddress = "0"
	m.Options.HealthProbeAddress = "0"
	for _, c := range change {
		c(&m.Options)
	}
	m.Start(t)
	m.WaitForWebhooks(t)
	return m
}

// Start runs mhpa-controller with m.Options (again, after Stop), until the test ends or Stop.
func (m *MHPA) Start(t testing.TB) {
	t.Helper()
	app, err := controllerapp.New(m.Config, m.Options)
	if err != nil {
		t.Fatal(err)
	}
	m.App = app
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Start(ctx) }()
	stopped := false
	m.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("mhpa-controller: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("mhpa-controller did not stop within 30s")
		}
	}
	t.Cleanup(m.stop)
}

// Stop stops mhpa-controller, e.g. to restart it with Start.
func (m *MHPA) Stop() {
	if m.stop != nil {
		m.stop()
	}
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func ensureNamespace(t testing.TB, cs kubernetes.Interface, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// installCRD creates the CRD as generated: the webhook server points its conversion to itself
// and injects the CA bundle.
func (m *MHPA) installCRD(t testing.TB) {
	t.Helper()
	file := CRDFile()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	crd.Status = apiextensionsv1.CustomResourceDefinitionStatus{}
	if _, err := m.APIExtensions.ApiextensionsV1().CustomResourceDefinitions().Create(t.Context(), crd, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the CRD of %s: %v", file, err)
	}
	WaitFor(t, "the CRD to be established", func(ctx context.Context) (bool, error) {
		got, err := m.APIExtensions.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
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

// installWebhooks creates the webhook configurations.
func (m *MHPA) installWebhooks(t testing.TB) {
	t.Helper()
	file := WebhooksFile()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	decoder := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(string(data)), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := decoder.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("%s: %v", file, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		switch obj.GetKind() {
		case "ValidatingWebhookConfiguration":
			cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
			FromUnstructured(t, obj, cfg)
			if _, err := m.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(t.Context(), cfg, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		case "MutatingWebhookConfiguration":
			cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
			FromUnstructured(t, obj, cfg)
			if _, err := m.Kube.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(t.Context(), cfg, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("%s: unexpected %s", file, obj.GetKind())
		}
	}
}

// WaitForWebhooks waits until the API server converts, defaults and validates through the
// webhook server: the CA bundle may reach the API server's webhook clients a little after it
// is written.
func (m *MHPA) WaitForWebhooks(t testing.TB) {
	t.Helper()
	ensureNamespace(t, m.Kube, "probe")
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	var last error
	err := Poll(t.Context(), 60*time.Second, func(ctx context.Context) (bool, error) {
		// Conversion: a v1 object is stored as v2.
		v1obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "autoscaling.mhpa.dev/v1", "kind": "HorizontalPodAutoscaler",
			"metadata": map[string]any{"name": "probe"},
			"spec": map[string]any{
				"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
				"maxReplicas":    int64(3),
			},
		}}
		if _, last = m.Dynamic.Resource(HPAResource("v1")).Namespace("probe").Create(ctx, v1obj, dryRun); last != nil {
			return false, nil
		}
		// Defaulting: the policies of a scaleUp that sets none.
		v2obj := ToUnstructured(t, validationtest.Valid("probe"))
		_ = unstructured.SetNestedField(v2obj.Object, map[string]any{"scaleUp": map[string]any{}}, "spec", "behavior")
		got, err := m.Dynamic.Resource(HPAResource("v2")).Namespace("probe").Create(ctx, v2obj, dryRun)
		if err != nil {
			last = err
			return false, nil
		}
		if _, found, _ := unstructured.NestedSlice(got.Object, "spec", "behavior", "scaleUp", "policies"); !found {
			last = errors.New("the defaulting webhook did not fill in spec.behavior.scaleUp.policies")
			return false, nil
		}
		// Validation: an invalid object is rejected by the webhook.
		bad := validationtest.Valid("probe")
		bad.Spec.ScaleTargetRef.Name = "a/b"
		_, last = m.Dynamic.Resource(HPAResource("v2")).Namespace("probe").Create(ctx, ToUnstructured(t, bad), dryRun)
		if last == nil || !strings.Contains(last.Error(), "admission webhook") {
			last = fmt.Errorf("an invalid object was not rejected by the validating webhook: %v", last)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		certs := "not self-signed"
		if m.App.Rotator != nil {
			certs = fmt.Sprint(m.App.Rotator.ReadyCheck(nil))
		}
		t.Fatalf("waiting for the webhooks to work: %v (last: %v; certificates: %v)", err, last, certs)
	}
}

// ToUnstructured converts a typed object (or a JSON-shaped map) into an unstructured one.
func ToUnstructured(t testing.TB, obj any) *unstructured.Unstructured {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal(data, &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

// FromUnstructured decodes an unstructured object into a typed one.
func FromUnstructured(t testing.TB, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		t.Fatalf("decoding %s %s: %v", u.GetKind(), u.GetName(), err)
	}
}
