package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/install"
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
	return install.RepoManifests(RepoRoot()).CRD
}

// WebhooksFile holds the webhook configurations of mhpa-controller.
func WebhooksFile() string {
	return install.RepoManifests(RepoRoot()).Webhooks
}

// HPAResource is the resource of the mhpa API in a version.
func HPAResource(version string) schema.GroupVersionResource {
	return install.HPAResource(version)
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
	if err := install.Namespace(t.Context(), cs, name); err != nil {
		t.Fatal(err)
	}
}

// installCRD creates the CRD as generated: the webhook server points its conversion to itself
// and injects the CA bundle.
func (m *MHPA) installCRD(t testing.TB) {
	t.Helper()
	if err := install.CRD(t.Context(), m.APIExtensions, CRDFile(), DefaultTimeout); err != nil {
		t.Fatal(err)
	}
}

// installWebhooks creates the webhook configurations.
func (m *MHPA) installWebhooks(t testing.TB) {
	t.Helper()
	if err := install.Webhooks(t.Context(), m.Kube, WebhooksFile()); err != nil {
		t.Fatal(err)
	}
}

// WaitForWebhooks waits until the API server converts, defaults and validates through the
// webhook server: the CA bundle may reach the API server's webhook clients a little after it
// is written.
func (m *MHPA) WaitForWebhooks(t testing.TB) {
	t.Helper()
	if err := install.WaitForWebhooks(t.Context(), m.Kube, m.Dynamic, 60*time.Second); err != nil {
		certs := "not self-signed"
		if m.App.Rotator != nil {
			certs = fmt.Sprint(m.App.Rotator.ReadyCheck(nil))
		}
		t.Fatalf("%v (certificates: %v)", err, certs)
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
