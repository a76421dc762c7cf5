package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// Helpers for the multi-tenancy suites (subdomains_test.go, rbac_test.go): manifests from
// config/, the controller's service account, and running mhpa-controller as it.

const (
	// controllerNamespace and controllerServiceAccount are where config/rbac binds the
	// controller's roles.
	controllerNamespace      = "mhpa-system"
	controllerServiceAccount = "mhpa-controller"
)

// manifestsOf reads the objects of the kustomization in dir (config/...): every document of
// each file its resources list names.
func manifestsOf(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	dir = filepath.Join(framework.RepoRoot(), dir)
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, r := range k.Resources {
		objs = append(objs, readYAML(t, filepath.Join(dir, r))...)
	}
	return objs
}

// readYAML decodes every document of a YAML file.
func readYAML(t *testing.T, file string) []*unstructured.Unstructured {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var objs []*unstructured.Unstructured
	decoder := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := decoder.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatalf("%s: %v", file, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// apply creates or updates objs with server-side apply, as kubectl apply --server-side
// would, through cfg.
func apply(t *testing.T, cfg *rest.Config, objs []*unstructured.Unstructured) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("mapping %s: %v", gvk, err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
		if ns := obj.GetNamespace(); ns != "" {
			ri = dyn.Resource(mapping.Resource).Namespace(ns)
		}
		if _, err := ri.Apply(t.Context(), obj.GetName(), obj, metav1.ApplyOptions{FieldManager: "mhpa-e2e", Force: true}); err != nil {
			t.Fatalf("applying %s %s/%s: %v", gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
		}
	}
}

// serviceAccountConfig returns a client configuration that authenticates as the service
// account ns/name with a token from the TokenRequest API, valid for an hour.
func serviceAccountConfig(t *testing.T, cp *controlplane.ControlPlane, admin kubernetes.Interface, ns, name string) *rest.Config {
	t.Helper()
	tr, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(t.Context(), name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token for service account %s/%s: %v", ns, name, err)
	}
	return &rest.Config{
		Host:            cp.Host(),
		TLSClientConfig: rest.TLSClientConfig{CAData: cp.ServingCA()},
		BearerToken:     tr.Status.Token,
		QPS:             100, Burst: 200,
	}
}

// serviceAccountUser is how the API server names a service account in an authorization
// decision.
func serviceAccountUser(ns, name string) (user string, groups []string) {
	return "system:serviceaccount:" + ns + ":" + name,
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
}

// access is one request in a SubjectAccessReview.
type access struct {
	verb, group, resource, name, namespace string
}

func (a access) String() string {
	return fmt.Sprintf("%s %s.%s %q in %q", a.verb, a.resource, a.group, a.name, a.namespace)
}

// canI asks the API server whether user in groups may make request a.
func canI(ctx context.Context, admin kubernetes.Interface, user string, groups []string, a access) (bool, error) {
	res, sub, _ := strings.Cut(a.resource, "/")
	sar, err := admin.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
		Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: groups,
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: a.verb, Group: a.group, Resource: res, Subresource: sub, Name: a.name, Namespace: a.namespace,
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, err
	}
	return sar.Status.Allowed, nil
}

// waitForAccess waits until user may (want true) or may not make request a, as RBAC
// aggregation and bindings take effect.
func waitForAccess(t *testing.T, admin kubernetes.Interface, user string, groups []string, a access, want bool) {
	t.Helper()
	framework.WaitForWithin(t, time.Minute, fmt.Sprintf("%s allowed=%v for %s", a, want, user), func(ctx context.Context) (bool, error) {
		got, err := canI(ctx, admin, user, groups, a)
		return got == want, err
	})
}

// runAs stops the mhpa-controller that m runs as the admin and starts it again, with
// m.Options changed by change, authenticated by cfg: webhooks, certificate rotation and the
// controller then have exactly the permissions cfg's user has. It waits until the webhooks
// work and stops the controller when the test ends.
func runAs(t *testing.T, m *framework.MHPA, cfg *rest.Config, change func(*controllerapp.Options)) {
	t.Helper()
	m.Stop()
	opts := m.Options
	change(&opts)
	app, err := controllerapp.New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	m.App, m.Options = app, opts
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
	m.WaitForWebhooks(t)
}
