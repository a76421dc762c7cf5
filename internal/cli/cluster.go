package cli

import (
	"errors"
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// HPAResource is the resource of mhpa's autoscalers in autoscaling.mhpa.dev/v2.
var HPAResource = v2.GroupVersion.WithResource("horizontalpodautoscalers")

// BuiltinHPAResource is the resource of the built-in autoscalers in autoscaling/v2.
var BuiltinHPAResource = autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers")

// Cluster holds the clients of the plugin's commands, made from the standard kubeconfig flags
// (--kubeconfig, --context, -n/--namespace, ...).
type Cluster struct {
	// Namespace is the namespace of -n/--namespace, else the one of the kubeconfig's context,
	// else "default".
	Namespace string
	// ExplicitNamespace is true when -n/--namespace was given.
	ExplicitNamespace bool
	// Kube is a typed clientset.
	Kube kubernetes.Interface
	// Dynamic is a dynamic client, for mhpa's autoscalers.
	Dynamic dynamic.Interface
}

// NewCluster builds the clients from the kubeconfig flags.
func NewCluster(flags *genericclioptions.ConfigFlags) (*Cluster, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w (set --kubeconfig, $KUBECONFIG or --context)", err)
	}
	ns, explicit, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("finding the namespace: %w", err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Cluster{Namespace: ns, ExplicitNamespace: explicit, Kube: kube, Dynamic: dyn}, nil
}

// FromUnstructured converts an object read with the dynamic client into a typed one.
func FromUnstructured(u *unstructured.Unstructured, into runtime.Object) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)
}

// APIError words an error of a request about what (for example `autoscaler "web" in namespace
// "shop"`) on resource gvr, saying what to do: install mhpa when its API is not served, which
// permission is missing, where to list the objects that exist.
func APIError(err error, gvr schema.GroupVersionResource, what, namespace string) error {
	resource := gvr.Resource + "." + gvr.Group
	if gvr.Group == "" {
		resource = gvr.Resource
	}
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err) && notServed(err, gvr):
		if gvr.Group == v2.GroupVersion.Group {
			return fmt.Errorf("the cluster does not serve %s: is mhpa installed? Install it with `kubectl apply -k config/default` (docs/getting-started.md)", gvr.GroupVersion())
		}
		return fmt.Errorf("the cluster does not serve %s", gvr.GroupVersion())
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s not found; list them with: kubectl get %s -n %s", what, resource, namespace)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: %w (ask for a role that grants it, for example the namespace's view role for reading)", what, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%s: %w (check the credentials of your kubeconfig context)", what, err)
	case meta.IsNoMatchError(err):
		return fmt.Errorf("the cluster does not serve %s: %w", gvr.GroupVersion(), err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// notServed tells a 404 for an unknown resource (the API is not served) from one for a
// missing object: the API server names the missing object in the details of the latter.
func notServed(err error, gvr schema.GroupVersionResource) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d == nil || d.Name == "" || strings.Contains(status.Status().Message, "the server could not find the requested resource")
}
