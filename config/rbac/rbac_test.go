package rbac_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// configDir is the root of every manifest of the repository.
const configDir = ".."

// object is one YAML document of a file under config/.
type object struct {
	file string
	obj  *unstructured.Unstructured
}

// readObjects decodes every document of every YAML file under dir.
func readObjects(t *testing.T, dir string) []object {
	t.Helper()
	var out []object
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml")) {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		decoder := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := decoder.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return fmt.Errorf("%s: %w", path, err)
			}
			if len(u.Object) > 0 {
				out = append(out, object{file: path, obj: u})
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// kustomizationObjects reads the objects of the files that the kustomization (or component)
// in dir lists as resources.
func kustomizationObjects(t *testing.T, dir string) []object {
	t.Helper()
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
	var out []object
	for _, r := range k.Resources {
		out = append(out, readObjects(t, filepath.Join(dir, r))...)
	}
	if len(out) == 0 {
		t.Fatalf("%s/kustomization.yaml lists no objects", dir)
	}
	return out
}

// rulesOf returns the rules of a Role or ClusterRole, or nil for any other object.
func rulesOf(t *testing.T, o object) []rbacv1.PolicyRule {
	t.Helper()
	if o.obj.GetAPIVersion() != rbacv1.SchemeGroupVersion.String() || (o.obj.GetKind() != "ClusterRole" && o.obj.GetKind() != "Role") {
		return nil
	}
	role := &rbacv1.ClusterRole{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.obj.Object, role, true); err != nil {
		t.Fatalf("%s: %s %s: %v", o.file, o.obj.GetKind(), o.obj.GetName(), err)
	}
	return role.Rules
}

// TestNoWildcardOverAPIGroups fails on any rule, in any manifest under config/, that grants a
// wildcard over API groups or verbs, or over the resources of a group other than a metrics
// API group (whose resources are the metric names, not known in advance).
func TestNoWildcardOverAPIGroups(t *testing.T) {
	objects := readObjects(t, configDir)
	roles := 0
	for _, o := range objects {
		rules := rulesOf(t, o)
		if rules != nil {
			roles++
		}
		for i, r := range rules {
			where := fmt.Sprintf("%s: %s %s rules[%d]", o.file, o.obj.GetKind(), o.obj.GetName(), i)
			if slices.Contains(r.APIGroups, "*") {
				t.Errorf("%s: apiGroups [\"*\"] grants every API group; name the groups", where)
			}
			if slices.Contains(r.Verbs, "*") {
				t.Errorf("%s: verbs [\"*\"]; name the verbs", where)
			}
			if slices.Contains(r.Resources, "*") {
				for _, g := range r.APIGroups {
					if !strings.HasSuffix(g, "custom.metrics.k8s.io") && !strings.HasSuffix(g, "external.metrics.k8s.io") {
						t.Errorf("%s: resources [\"*\"] in group %q; only custom and external metrics groups may use it", where, g)
					}
				}
			}
			if len(r.NonResourceURLs) > 0 {
				t.Errorf("%s: nonResourceURLs %v; discovery is granted to every user already", where, r.NonResourceURLs)
			}
		}
	}
	if roles < 4 {
		t.Errorf("found %d roles under %s, want at least the 4 of config/rbac", roles, configDir)
	}
}

// attrs is one request the controller makes (or must not be able to make).
type attrs struct {
	verb, group, resource, name string
	// namespace is "" for a cluster-wide request; rules of a Role apply only in its namespace.
	namespace string
}

func (a attrs) String() string {
	return fmt.Sprintf("%s %s.%s %q in %q", a.verb, a.resource, a.group, a.name, a.namespace)
}

// grants reports whether rule allows a, as the RBAC authorizer decides.
func grants(rule rbacv1.PolicyRule, a attrs) bool {
	has := func(list []string, v string) bool { return slices.Contains(list, v) || slices.Contains(list, "*") }
	if !has(rule.Verbs, a.verb) || !has(rule.APIGroups, a.group) {
		return false
	}
	resourceOK := has(rule.Resources, a.resource)
	if base, sub, ok := strings.Cut(a.resource, "/"); ok && !resourceOK {
		resourceOK = slices.Contains(rule.Resources, "*/"+sub) || (base != "" && slices.Contains(rule.Resources, base+"/*"))
	}
	if !resourceOK {
		return false
	}
	return len(rule.ResourceNames) == 0 || slices.Contains(rule.ResourceNames, a.name)
}

// boundRole is a role with where it applies: everywhere for a ClusterRole bound by a
// ClusterRoleBinding, in one namespace for a Role.
type boundRole struct {
	namespace string
	rules     []rbacv1.PolicyRule
}

// controllerRoles returns the roles the service account mhpa-system/mhpa-controller gets
// from the kustomization of config/rbac and the components in dirs, with the aggregated
// ClusterRole filled in as the aggregation controller would fill it, from the ClusterRoles
// among them its selector matches.
func controllerRoles(t *testing.T, components ...string) []boundRole {
	t.Helper()
	objects := kustomizationObjects(t, ".")
	for _, c := range components {
		objects = append(objects, kustomizationObjects(t, c)...)
	}
	byKindName := map[string]object{}
	for _, o := range objects {
		byKindName[o.obj.GetKind()+"/"+o.obj.GetName()] = o
	}
	var roles []boundRole
	for _, o := range objects {
		if o.obj.GetKind() != "ClusterRoleBinding" && o.obj.GetKind() != "RoleBinding" {
			continue
		}
		b := &rbacv1.RoleBinding{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.obj.Object, b); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(b.Subjects, func(s rbacv1.Subject) bool {
			return s.Kind == "ServiceAccount" && s.Namespace == "mhpa-system" && s.Name == "mhpa-controller"
		}) {
			continue
		}
		ref, ok := byKindName[b.RoleRef.Kind+"/"+b.RoleRef.Name]
		if !ok {
			t.Fatalf("%s: %s %s refers to %s %s, which config/rbac does not define", o.file, o.obj.GetKind(), b.Name, b.RoleRef.Kind, b.RoleRef.Name)
		}
		rules := rulesOf(t, ref)
		if b.RoleRef.Kind == "ClusterRole" {
			cr := &rbacv1.ClusterRole{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(ref.obj.Object, cr); err != nil {
				t.Fatal(err)
			}
			if cr.AggregationRule != nil {
				for _, sel := range cr.AggregationRule.ClusterRoleSelectors {
					for _, other := range objects {
						if other.obj.GetKind() == "ClusterRole" && labels.SelectorFromSet(sel.MatchLabels).Matches(labels.Set(other.obj.GetLabels())) {
							rules = append(rules, rulesOf(t, other)...)
						}
					}
				}
			}
		}
		namespace := ""
		if o.obj.GetKind() == "RoleBinding" {
			namespace = b.Namespace
		}
		roles = append(roles, boundRole{namespace: namespace, rules: rules})
	}
	return roles
}

func allowed(roles []boundRole, a attrs) bool {
	for _, r := range roles {
		if r.namespace != "" && r.namespace != a.namespace {
			continue
		}
		for _, rule := range r.rules {
			if grants(rule, a) {
				return true
			}
		}
	}
	return false
}

// TestControllerRole checks that the service account of mhpa-controller may make every
// request the controller, its webhooks and its certificate rotator make, and no other one
// from a list of requests it must not make.
func TestControllerRole(t *testing.T) {
	roles := controllerRoles(t)
	if len(roles) < 2 {
		t.Fatalf("the service account mhpa-system/mhpa-controller is bound to %d roles, want the ClusterRole and the Role", len(roles))
	}
	const ns = "team-a"
	need := []attrs{
		{verb: "list", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers"},
		{verb: "watch", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers"},
		{verb: "get", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers", namespace: ns, name: "web"},
		{verb: "update", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers/status", namespace: ns, name: "web"},
		{verb: "create", group: "", resource: "events", namespace: ns},
		{verb: "patch", group: "", resource: "events", namespace: ns, name: "web.1"},
		{verb: "create", group: "events.k8s.io", resource: "events", namespace: ns},
		{verb: "list", group: "", resource: "pods"},
		{verb: "watch", group: "", resource: "pods"},
		{verb: "list", group: "apps", resource: "deployments"},
		{verb: "watch", group: "apps", resource: "replicasets"},
		{verb: "list", group: "apps", resource: "statefulsets"},
		{verb: "watch", group: "", resource: "replicationcontrollers"},
		{verb: "get", group: "apps", resource: "deployments/scale", namespace: ns, name: "web"},
		{verb: "patch", group: "apps", resource: "deployments/scale", namespace: ns, name: "web"},
		{verb: "patch", group: "apps", resource: "statefulsets/scale", namespace: ns, name: "db"},
		{verb: "patch", group: "apps", resource: "replicasets/scale", namespace: ns, name: "rs"},
		{verb: "patch", group: "", resource: "replicationcontrollers/scale", namespace: ns, name: "rc"},
		{verb: "list", group: "apiextensions.k8s.io", resource: "customresourcedefinitions"},
		{verb: "watch", group: "apiextensions.k8s.io", resource: "customresourcedefinitions"},
		{verb: "update", group: "apiextensions.k8s.io", resource: "customresourcedefinitions", name: "horizontalpodautoscalers.autoscaling.mhpa.dev"},
		{verb: "get", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "mhpa-validating-webhook"},
		{verb: "watch", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "mhpa-validating-webhook"},
		{verb: "update", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", name: "mhpa-mutating-webhook"},
		{verb: "list", group: "metrics.k8s.io", resource: "pods", namespace: ns},
		{verb: "get", group: "custom.metrics.k8s.io", resource: "pods/requests_per_second", namespace: ns, name: "*"},
		{verb: "list", group: "external.metrics.k8s.io", resource: "queue_length", namespace: ns},
		{verb: "create", group: "authorization.k8s.io", resource: "subjectaccessreviews"},
		{verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: "mhpa-system"},
		{verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "mhpa-system", name: "mhpa-controller.autoscaling.mhpa.dev"},
		{verb: "get", group: "", resource: "secrets", namespace: "mhpa-system", name: "mhpa-webhook-certs"},
		{verb: "update", group: "", resource: "secrets", namespace: "mhpa-system", name: "mhpa-webhook-certs"},
	}
	for _, a := range need {
		if !allowed(roles, a) {
			t.Errorf("the controller may not %v, which it needs", a)
		}
	}
	mustNot := []attrs{
		{verb: "get", group: "tenant-b.custom.metrics.k8s.io", resource: "pods/requests_per_second", namespace: ns, name: "*"},
		{verb: "list", group: "tenant-a.external.metrics.k8s.io", resource: "queue_length", namespace: ns},
		{verb: "list", group: "tenant-a.metrics.k8s.io", resource: "pods", namespace: ns},
		{verb: "get", group: "", resource: "secrets", namespace: ns, name: "db-password"},
		{verb: "get", group: "", resource: "secrets", namespace: "mhpa-system", name: "other"},
		{verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", name: "kube-controller-manager"},
		{verb: "update", group: "apps", resource: "deployments", namespace: ns, name: "web"},
		{verb: "patch", group: "apps", resource: "deployments", namespace: ns, name: "web"},
		{verb: "delete", group: "", resource: "pods", namespace: ns, name: "web-1"},
		{verb: "update", group: "apiextensions.k8s.io", resource: "customresourcedefinitions", name: "widgets.example.com"},
		{verb: "update", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "other"},
		{verb: "update", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers", namespace: ns, name: "web"},
		{verb: "use", group: "autoscaling.mhpa.dev", resource: "metricsubdomains", namespace: ns, name: "tenant-a"},
		{verb: "patch", group: "example.com", resource: "widgets/scale", namespace: ns, name: "w"},
	}
	mustNot = append(mustNot, builtinNeeds...)
	for _, a := range mustNot {
		if allowed(roles, a) {
			t.Errorf("the controller may %v, which it must not", a)
		}
	}
}

// builtinNeeds are the requests of mhpa-controller --builtin-hpas on built-in autoscalers.
var builtinNeeds = []attrs{
	{verb: "list", group: "autoscaling", resource: "horizontalpodautoscalers"},
	{verb: "watch", group: "autoscaling", resource: "horizontalpodautoscalers"},
	{verb: "get", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "team-a", name: "web"},
	{verb: "patch", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "team-a", name: "web"},
	{verb: "update", group: "autoscaling", resource: "horizontalpodautoscalers/status", namespace: "team-a", name: "web"},
}

// TestBuiltinHPAsComponent checks that the component builtin-hpas gives the controller what
// built-in mode needs, on top of the base role, and nothing beyond built-in autoscalers.
func TestBuiltinHPAsComponent(t *testing.T) {
	roles := controllerRoles(t, "builtin-hpas")
	for _, a := range builtinNeeds {
		if !allowed(roles, a) {
			t.Errorf("with the component, the controller may not %v, which built-in mode needs", a)
		}
	}
	for _, a := range []attrs{
		{verb: "update", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "team-a", name: "web"},
		{verb: "delete", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "team-a", name: "web"},
		{verb: "create", group: "autoscaling", resource: "horizontalpodautoscalers", namespace: "team-a"},
	} {
		if allowed(roles, a) {
			t.Errorf("with the component, the controller may %v, which it must not", a)
		}
	}
}

// TestUsersCannotUseSubdomainsThroughBuiltInRoles checks that the ClusterRoles which the
// built-in admin, edit and view roles aggregate grant nothing on metricsubdomains: "use" of a
// subdomain is given per subdomain, never with a namespace role.
func TestUsersCannotUseSubdomainsThroughBuiltInRoles(t *testing.T) {
	aggregated := 0
	for _, o := range kustomizationObjects(t, ".") {
		l := o.obj.GetLabels()
		if l["rbac.authorization.k8s.io/aggregate-to-admin"] != "true" && l["rbac.authorization.k8s.io/aggregate-to-edit"] != "true" &&
			l["rbac.authorization.k8s.io/aggregate-to-view"] != "true" {
			continue
		}
		aggregated++
		for _, rule := range rulesOf(t, o) {
			if grants(rule, attrs{verb: "use", group: "autoscaling.mhpa.dev", resource: "metricsubdomains", name: "tenant-a"}) {
				t.Errorf("%s: %s grants use of metrics subdomains to every namespace %s", o.file, o.obj.GetName(), "admin/editor")
			}
		}
		if !slices.ContainsFunc(rulesOf(t, o), func(r rbacv1.PolicyRule) bool {
			return grants(r, attrs{verb: "get", group: "autoscaling.mhpa.dev", resource: "horizontalpodautoscalers", namespace: "x", name: "web"})
		}) {
			t.Errorf("%s: %s does not let its users read autoscalers", o.file, o.obj.GetName())
		}
	}
	if aggregated != 2 {
		t.Errorf("found %d ClusterRoles aggregated to admin/edit/view, want 2", aggregated)
	}
}
