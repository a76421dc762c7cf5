package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// repoRoot is the checkout this package is in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestRepoManifestsExist(t *testing.T) {
	m := RepoManifests(repoRoot(t))
	for _, f := range []string{m.CRD, m.Webhooks} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("manifest: %v", err)
		}
	}
}

// TestWebhooks creates the repository's webhook configurations (a fake clientset: this is the
// parsing and dispatch; the integration tests install them on a real API server).
func TestWebhooks(t *testing.T) {
	client := fake.NewClientset()
	if err := Webhooks(t.Context(), client, RepoManifests(repoRoot(t)).Webhooks); err != nil {
		t.Fatal(err)
	}
	v, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Items) != 1 || len(m.Items) != 1 {
		t.Errorf("created %d validating and %d mutating webhook configurations, want 1 and 1", len(v.Items), len(m.Items))
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = Webhooks(t.Context(), fake.NewClientset(), bad)
	if err == nil || !strings.Contains(err.Error(), `kind: unsupported value "ConfigMap": want ValidatingWebhookConfiguration or MutatingWebhookConfiguration`) {
		t.Errorf("Webhooks(a ConfigMap) = %v", err)
	}
}

func TestNamespaceIsIdempotent(t *testing.T) {
	client := fake.NewClientset()
	for range 2 {
		if err := Namespace(t.Context(), client, ControllerNamespace); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProbeObjects(t *testing.T) {
	if got := probeV2("a/b").Object["spec"].(map[string]any)["scaleTargetRef"].(map[string]any)["name"]; got != "a/b" {
		t.Errorf("probe target %v", got)
	}
	if probeV1().GetAPIVersion() != "autoscaling.mhpa.dev/v1" || probeV2("web").GetAPIVersion() != "autoscaling.mhpa.dev/v2" {
		t.Error("probe versions")
	}
}
