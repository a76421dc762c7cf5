package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

const (
	// CRDPath is the generated CRD, relative to the repository root.
	CRDPath = "config/crd/bases/autoscaling.mhpa.dev_horizontalpodautoscalers.yaml"
	// WebhooksPath holds the webhook configurations, relative to the repository root.
	WebhooksPath = "config/webhook/manifests.yaml"
	// ControllerNamespace is the namespace mhpa-controller's objects live in.
	ControllerNamespace = "mhpa-system"
	// pollInterval is how often the waits check their condition.
	pollInterval = 100 * time.Millisecond
)

// HPAResource is the resource of the mhpa API in a version.
func HPAResource(version string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "autoscaling.mhpa.dev", Version: version, Resource: "horizontalpodautoscalers"}
}

// CRD creates the CRD of file, as generated (mhpa-controller points its conversion to itself
// and injects the CA bundle), and waits up to timeout until it is established.
func CRD(ctx context.Context, client apiextensionsclient.Interface, file string, timeout time.Duration) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	crd.Status = apiextensionsv1.CustomResourceDefinitionStatus{}
	crds := client.ApiextensionsV1().CustomResourceDefinitions()
	if _, err := crds.Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating the CRD of %s: %w", file, err)
	}
	err = poll(ctx, timeout, func(ctx context.Context) (bool, error) {
		got, err := crds.Get(ctx, crd.Name, metav1.GetOptions{})
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
	if err != nil {
		return fmt.Errorf("waiting for the CRD %s to be established: %w", crd.Name, err)
	}
	return nil
}

// Webhooks creates the validating and mutating webhook configurations of file.
func Webhooks(ctx context.Context, client kubernetes.Interface, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	decoder := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(string(data)), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := decoder.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: %w", file, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		switch obj.GetKind() {
		case "ValidatingWebhookConfiguration":
			cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
			if err := fromUnstructured(obj, cfg); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if _, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("creating %s %s: %w", obj.GetKind(), obj.GetName(), err)
			}
		case "MutatingWebhookConfiguration":
			cfg := &admissionregistrationv1.MutatingWebhookConfiguration{}
			if err := fromUnstructured(obj, cfg); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			if _, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("creating %s %s: %w", obj.GetKind(), obj.GetName(), err)
			}
		default:
			return fmt.Errorf("%s: kind: unsupported value %q: want ValidatingWebhookConfiguration or MutatingWebhookConfiguration", file, obj.GetKind())
		}
	}
}

// Namespace creates the namespace unless it exists.
func Namespace(ctx context.Context, client kubernetes.Interface, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return nil
}

// Manifests are the files Install reads.
type Manifests struct {
	// CRD is the CRD file, Webhooks the file of the webhook configurations.
	CRD, Webhooks string
}

// RepoManifests returns the manifests of the repository checked out at root.
func RepoManifests(root string) Manifests {
	return Manifests{CRD: filepath.Join(root, filepath.FromSlash(CRDPath)), Webhooks: filepath.Join(root, filepath.FromSlash(WebhooksPath))}
}

// Clients are the clients Install needs, all with admin rights.
type Clients struct {
	Kube          kubernetes.Interface
	APIExtensions apiextensionsclient.Interface
}

// Install creates the CRD (waiting up to timeout until it is established), the webhook
// configurations and the namespace mhpa-system.
func Install(ctx context.Context, c Clients, m Manifests, timeout time.Duration) error {
	if err := CRD(ctx, c.APIExtensions, m.CRD, timeout); err != nil {
		return err
	}
	if err := Webhooks(ctx, c.Kube, m.Webhooks); err != nil {
		return err
	}
	return Namespace(ctx, c.Kube, ControllerNamespace)
}

// ProbeNamespace is the namespace WaitForWebhooks creates its dry-run objects in.
const ProbeNamespace = "probe"

// WaitForWebhooks waits up to timeout until the API server converts, defaults and validates
// through the webhook server (the CA bundle may reach the API server's webhook clients a little
// after it is written): a v1 object is converted to v2, a v2 behavior is defaulted, an invalid
// object is rejected by the validating webhook. The probes are dry runs in namespace
// ProbeNamespace, which it creates. On timeout the error says which step failed last.
func WaitForWebhooks(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, timeout time.Duration) error {
	if err := Namespace(ctx, kube, ProbeNamespace); err != nil {
		return err
	}
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	var last error
	err := poll(ctx, timeout, func(ctx context.Context) (bool, error) {
		// Conversion: a v1 object is stored as v2.
		if _, last = dyn.Resource(HPAResource("v1")).Namespace(ProbeNamespace).Create(ctx, probeV1(), dryRun); last != nil {
			return false, nil
		}
		// Defaulting: the policies of a scaleUp that sets none.
		v2obj := probeV2("web")
		_ = unstructured.SetNestedField(v2obj.Object, map[string]any{"scaleUp": map[string]any{}}, "spec", "behavior")
		got, err := dyn.Resource(HPAResource("v2")).Namespace(ProbeNamespace).Create(ctx, v2obj, dryRun)
		if err != nil {
			last = err
			return false, nil
		}
		if _, found, _ := unstructured.NestedSlice(got.Object, "spec", "behavior", "scaleUp", "policies"); !found {
			last = errors.New("the defaulting webhook did not fill in spec.behavior.scaleUp.policies")
			return false, nil
		}
		// Validation: an invalid object is rejected by the webhook.
		_, last = dyn.Resource(HPAResource("v2")).Namespace(ProbeNamespace).Create(ctx, probeV2("a/b"), dryRun)
		if last == nil || !strings.Contains(last.Error(), "admission webhook") {
			last = fmt.Errorf("an invalid object was not rejected by the validating webhook: %v", last)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the webhooks to work: %w (last: %v)", err, last)
	}
	return nil
}

// probeV1 is a valid autoscaling.mhpa.dev/v1 object.
func probeV1() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "autoscaling.mhpa.dev/v1", "kind": "HorizontalPodAutoscaler",
		"metadata": map[string]any{"name": "probe"},
		"spec": map[string]any{
			"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
			"maxReplicas":    int64(3),
		},
	}}
}

// probeV2 is a v2 object scaling the Deployment target by CPU utilization; valid unless target
// is not a valid name.
func probeV2(target string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "autoscaling.mhpa.dev/v2", "kind": "HorizontalPodAutoscaler",
		"metadata": map[string]any{"name": "probe"},
		"spec": map[string]any{
			"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
			"minReplicas":    int64(1),
			"maxReplicas":    int64(10),
			"metrics": []any{map[string]any{
				"type": "PodResource",
				"podResource": map[string]any{
					"name":   "cpu",
					"target": map[string]any{"type": "Utilization", "averageUtilization": int64(80)},
				},
			}},
		},
	}}
}

func fromUnstructured(u *unstructured.Unstructured, into any) error {
	if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("decoding %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}

// poll checks cond every pollInterval, at once first, until it returns true or timeout passes.
// cond's errors do not end the wait; the last one is part of the returned error.
func poll(ctx context.Context, timeout time.Duration, cond func(context.Context) (bool, error)) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		ok, err := cond(ctx)
		if err != nil {
			last = err
			return false, nil
		}
		return ok, nil
	})
	if err != nil && last != nil {
		return fmt.Errorf("%w (last error: %v)", err, last)
	}
	return err
}
