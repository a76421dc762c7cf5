package api

import (
	"context"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"testing"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// hpaResource is the resource of every version.
func hpaResource(version string) schema.GroupVersionResource { return framework.HPAResource(version) }

// env is a control plane with the CRD and the webhook configurations installed and the webhook
// server of mhpa-controller running in the test process (without the HPA controller, so that
// nothing but the test writes the objects).
type env struct {
	cp      *controlplane.ControlPlane
	cfg     *rest.Config
	kube    kubernetes.Interface
	apiext  apiextensionsclient.Interface
	dynamic dynamic.Interface
	client  client.Client
	app     *controllerapp.App
	opts    controllerapp.Options
	mhpa    *framework.MHPA
}

// envOptions change the options the webhook server runs with.
type envOptions = func(*controllerapp.Options)

// startEnv starts a control plane and installs mhpa on it (framework.InstallMHPA), with the
// HPA controller turned off. Everything stops when the test ends.
func startEnv(t *testing.T, change ...envOptions) *env {
	t.Helper()
	cp := framework.StartControlPlane(t, controlplane.Options{})
	noController := func(o *controllerapp.Options) { o.RunController = false }
	m := framework.InstallMHPA(t, cp, append([]envOptions{noController}, change...)...)
	return &env{cp: cp, cfg: m.Config, kube: m.Kube, apiext: m.APIExtensions, dynamic: m.Dynamic,
		client: m.Client, app: m.App, opts: m.Options, mhpa: m}
}

func (e *env) createNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := e.kube.CoreV1().Namespaces().Create(t.Context(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitForWebhooks waits until the API server converts, defaults and validates through the
// webhook server again.
func (e *env) waitForWebhooks(_ context.Context, t *testing.T) {
	t.Helper()
	e.mhpa.WaitForWebhooks(t)
}
