package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/subdomain"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// denied is the message the validating webhook refuses a subdomain with.
func denied(path, user, namespace, sub string) string {
	return fmt.Sprintf(`%s: Forbidden: user %q may not use metrics subdomain %q in namespace %q: needs verb "use" on metricsubdomains.autoscaling.mhpa.dev %q`,
		path, user, sub, namespace, sub)
}

// user is a token-file user of the control plane with clients of their own.
type user struct {
	name    string
	client  client.Client
	dynamic dynamic.Interface
}

func newUser(t *testing.T, cp *controlplane.ControlPlane, name string) *user {
	t.Helper()
	cfg := cp.UserConfig(name)
	cfg.QPS, cfg.Burst = 100, 200
	c, err := client.New(cfg, client.Options{Scheme: controllerapp.NewScheme()})
	if err != nil {
		t.Fatal(err)
	}
	d, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &user{name: name, client: c, dynamic: d}
}

// expectForbidden fails unless err is a 403 whose message contains want and whose causes
// name field.
func expectForbidden(t *testing.T, err error, field, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("allowed, want it refused with %q", want)
	}
	if !apierrors.IsForbidden(err) {
		t.Errorf("error is not a 403 Forbidden: %v", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\ndoes not contain %q", err, want)
	}
	found := false
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Details != nil {
		for _, c := range status.Status().Details.Causes {
			found = found || c.Field == field
		}
	}
	if !found {
		t.Errorf("no cause names %s in %v", field, err)
	}
}

// TestSubdomainAuthorization runs the validating webhook against real users, RBAC and
// SubjectAccessReviews. alice (group team-a-devs) may edit autoscalers in team-a and team-b,
// and use subdomain tenant-a in team-a (through her group) and tenant-b in team-b only; bob may
// edit autoscalers in team-a and use no subdomain.
func TestSubdomainAuthorization(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{
		ControllerManager: true, // for the aggregation of mhpa-hpa-editor into "edit"
		Users:             []controlplane.User{{Name: "alice", Groups: []string{"team-a-devs"}}, {Name: "bob"}},
	})
	m := framework.InstallMHPA(t, cp, func(o *controllerapp.Options) { o.RunController = false })
	admin := m.Kube
	apply(t, m.Config, manifestsOf(t, "config/rbac"))
	for _, ns := range []string{"team-a", "team-b"} {
		if _, err := admin.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	edit := func(ns string, subjects ...rbacv1.Subject) *unstructured.Unstructured {
		return framework.ToUnstructured(t, &rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "edit"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
			Subjects:   subjects,
		})
	}
	aliceSubject := rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "alice"}
	bobSubject := rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "bob"}
	apply(t, m.Config, []*unstructured.Unstructured{edit("team-a", aliceSubject, bobSubject), edit("team-b", aliceSubject)})
	for _, g := range []subdomain.Options{
		{Subdomain: "tenant-a", APIs: []metrics.API{metrics.ExternalAPI}, RBACOnly: true,
			GrantNamespace: "team-a", GrantSubjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "team-a-devs"}}},
		{Subdomain: "tenant-b", APIs: []metrics.API{metrics.CustomAPI, metrics.ExternalAPI}, RBACOnly: true,
			GrantNamespace: "team-b", GrantSubjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "alice"}}},
	} {
		objs, err := subdomain.Generate(g)
		if err != nil {
			t.Fatal(err)
		}
		apply(t, m.Config, objs)
	}
	aliceGroups := []string{"team-a-devs", "system:authenticated"}
	waitForAccess(t, admin, "alice", aliceGroups, access{verb: "create", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers", namespace: "team-a"}, true)
	waitForAccess(t, admin, "bob", []string{"system:authenticated"}, access{verb: "update", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers", namespace: "team-a"}, true)
	waitForAccess(t, admin, "alice", aliceGroups, access{verb: "use", group: "autoscaling.mhpa.dev", resource: "metricsubdomains", name: "tenant-a", namespace: "team-a"}, true)

	alice, bob := newUser(t, cp, "alice"), newUser(t, cp, "bob")
	hpa := func(ns, name string, metrics ...v2.MetricSpec) *v2.HorizontalPodAutoscaler {
		h := hpaFor(ns, name, 1, 10, metrics...)
		h.Spec.ScaleTargetRef.Name = "web"
		return h
	}
	ext := func(sub string) v2.MetricSpec { return withSubdomain(externalAverage("queue_length", "10"), sub) }
	pods := func(sub string) v2.MetricSpec { return withSubdomain(podsAverage("queue_length", "10"), sub) }

	t.Run("a granted subdomain is allowed", func(t *testing.T) {
		if err := alice.client.Create(t.Context(), hpa("team-a", "granted", ext("tenant-a"))); err != nil {
			t.Fatalf("alice may use tenant-a in team-a, but: %v", err)
		}
	})

	t.Run("a subdomain not granted is refused, naming it and the permission", func(t *testing.T) {
		err := alice.client.Create(t.Context(), hpa("team-a", "refused", ext(""), ext("tenant-b")))
		expectForbidden(t, err, "spec.metrics[1].external.subdomain", denied("spec.metrics[1].external.subdomain", "alice", "team-a", "tenant-b"))
		t.Logf("refused: %v", err)
	})

	t.Run("every metric kind and shadow metrics are checked", func(t *testing.T) {
		err := alice.client.Create(t.Context(), hpa("team-a", "refused-pods", pods("tenant-b")))
		expectForbidden(t, err, "spec.metrics[0].pods.subdomain", denied("spec.metrics[0].pods.subdomain", "alice", "team-a", "tenant-b"))
		shadow := ext("tenant-b")
		shadow.Shadow = true
		err = alice.client.Create(t.Context(), hpa("team-a", "refused-shadow", ext("tenant-a"), shadow))
		expectForbidden(t, err, "spec.metrics[1].external.subdomain", denied("spec.metrics[1].external.subdomain", "alice", "team-a", "tenant-b"))
	})

	t.Run("the grant is per namespace", func(t *testing.T) {
		if err := alice.client.Create(t.Context(), hpa("team-b", "granted", pods("tenant-b"))); err != nil {
			t.Fatalf("alice may use tenant-b in team-b, but: %v", err)
		}
		err := alice.client.Create(t.Context(), hpa("team-b", "refused", ext("tenant-a")))
		expectForbidden(t, err, "spec.metrics[0].external.subdomain", denied("spec.metrics[0].external.subdomain", "alice", "team-b", "tenant-a"))
	})

	t.Run("the default subdomain needs no grant", func(t *testing.T) {
		if err := bob.client.Create(t.Context(), hpa("team-a", "bob-default", ext(""), pods(""))); err != nil {
			t.Fatalf("bob may use the default groups, but: %v", err)
		}
		err := bob.client.Create(t.Context(), hpa("team-a", "bob-refused", ext("tenant-a")))
		expectForbidden(t, err, "spec.metrics[0].external.subdomain", denied("spec.metrics[0].external.subdomain", "bob", "team-a", "tenant-a"))
	})

	t.Run("an update that adds or changes a subdomain is checked", func(t *testing.T) {
		get := func(c client.Client, ns, name string) *v2.HorizontalPodAutoscaler {
			h := &v2.HorizontalPodAutoscaler{}
			if err := c.Get(t.Context(), types.NamespacedName{Namespace: ns, Name: name}, h); err != nil {
				t.Fatal(err)
			}
			return h
		}
		h := get(alice.client, "team-a", "granted")
		h.Spec.Metrics = append(h.Spec.Metrics, ext("tenant-b"))
		err := alice.client.Update(t.Context(), h)
		expectForbidden(t, err, "spec.metrics[1].external.subdomain", denied("spec.metrics[1].external.subdomain", "alice", "team-a", "tenant-b"))

		h = get(alice.client, "team-a", "granted")
		h.Spec.Metrics[0] = ext("tenant-b")
		err = alice.client.Update(t.Context(), h)
		expectForbidden(t, err, "spec.metrics[0].external.subdomain", denied("spec.metrics[0].external.subdomain", "alice", "team-a", "tenant-b"))

		// An admin points an autoscaler in team-a at tenant-b; bob, who may use no subdomain,
		// may still change its other fields.
		if err := m.Client.Create(t.Context(), hpa("team-a", "admin-made", ext("tenant-b"))); err != nil {
			t.Fatal(err)
		}
		h = get(bob.client, "team-a", "admin-made")
		h.Spec.MaxReplicas = 20
		if err := bob.client.Update(t.Context(), h); err != nil {
			t.Errorf("an update that keeps the subdomains was refused: %v", err)
		}
		h = get(bob.client, "team-a", "admin-made")
		h.Spec.Metrics = append(h.Spec.Metrics, ext("tenant-a"))
		err = bob.client.Update(t.Context(), h)
		expectForbidden(t, err, "spec.metrics[1].external.subdomain", denied("spec.metrics[1].external.subdomain", "bob", "team-a", "tenant-a"))
	})

	t.Run("subdomains of an older version, in the annotation, are checked", func(t *testing.T) {
		sub, _ := json.Marshal([]string{"", "tenant-b"})
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "autoscaling.mhpa.dev/v2beta2", "kind": "HorizontalPodAutoscaler",
			"metadata": map[string]any{
				"name": "old-version", "namespace": "team-a",
				"annotations": map[string]any{v2.SubdomainsAnnotation: string(sub)},
			},
			"spec": map[string]any{
				"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
				"maxReplicas":    int64(5),
				"metrics": []any{
					map[string]any{"type": "External", "external": map[string]any{
						"metric": map[string]any{"name": "a"}, "target": map[string]any{"type": "AverageValue", "averageValue": "10"}}},
					map[string]any{"type": "External", "external": map[string]any{
						"metric": map[string]any{"name": "b"}, "target": map[string]any{"type": "AverageValue", "averageValue": "10"}}},
				},
			},
		}}
		_, err := alice.dynamic.Resource(framework.HPAResource("v2beta2")).Namespace("team-a").Create(t.Context(), obj, metav1.CreateOptions{})
		expectForbidden(t, err, "spec.metrics[1].external.subdomain", denied("spec.metrics[1].external.subdomain", "alice", "team-a", "tenant-b"))
		if err != nil && !strings.Contains(err.Error(), "the request was autoscaling.mhpa.dev/v2beta2") {
			t.Errorf("the error does not say the paths are those of v2: %v", err)
		}
		sub, _ = json.Marshal([]string{"", "tenant-a"})
		obj.SetAnnotations(map[string]string{v2.SubdomainsAnnotation: string(sub)})
		if _, err := alice.dynamic.Resource(framework.HPAResource("v2beta2")).Namespace("team-a").Create(t.Context(), obj, metav1.CreateOptions{}); err != nil {
			t.Errorf("a v2beta2 autoscaler with the granted subdomain was refused: %v", err)
		}
	})

	t.Run("a resource metric may not name another API's default group", func(t *testing.T) {
		cpu := cpuUtilization(50)
		cpu.PodResource.Subdomain = "custom"
		err := m.Client.Create(t.Context(), hpa("team-a", "resource-custom", cpu))
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(),
			`spec.metrics[0].podResource.subdomain: Invalid value: "custom": for the resource metrics API it names group custom.metrics.k8s.io`) {
			t.Errorf("got %v, want it refused as invalid", err)
		}
	})

	t.Run("with --authorize-subdomains=false the check is off", func(t *testing.T) {
		m.Stop()
		m.Options.AuthorizeSubdomains = false
		m.Start(t)
		m.WaitForWebhooks(t)
		if err := alice.client.Create(t.Context(), hpa("team-a", "unchecked", ext(""), ext("tenant-b"))); err != nil {
			t.Fatalf("with the check off, alice still may not use tenant-b: %v", err)
		}
	})
}
