package subdomain_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/subdomain"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func clusterIPOptions() subdomain.Options {
	return subdomain.Options{
		Subdomain:        "tenant-a",
		APIs:             []metrics.API{metrics.ExternalAPI, metrics.CustomAPI},
		ServiceNamespace: "tenant-a-system", ServiceName: "tenant-a-metrics", Port: 6443,
		Selector: map[string]string{"app": "tenant-a-metrics"},
		CABundle: []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
	}
}

// names returns kind/namespace/name of each object.
func names(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName())
	}
	return out
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s in %v", kind, name, names(objs))
	return nil
}

// typed decodes u into into, failing on any field the type does not know.
func typed(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, into, true); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*subdomain.Options)
		want   []string
		// wantGroups are the API groups the controller's ClusterRole grants, in order.
		wantGroups []string
	}{
		{
			name: "external and custom behind a ClusterIP Service",
			want: []string{
				"ClusterRole//mhpa-subdomain-tenant-a-controller",
				"ClusterRole//mhpa-subdomain-tenant-a-use",
				"Service/tenant-a-system/tenant-a-metrics",
				"APIService//v1beta2.tenant-a.custom.metrics.k8s.io",
				"APIService//v1beta1.tenant-a.custom.metrics.k8s.io",
				"APIService//v1beta1.tenant-a.external.metrics.k8s.io",
			},
			wantGroups: []string{"tenant-a.custom.metrics.k8s.io", "tenant-a.external.metrics.k8s.io"},
		},
		{
			name: "resource metrics only, with a grant and the server's bindings",
			change: func(o *subdomain.Options) {
				o.APIs = []metrics.API{metrics.ResourceAPI}
				o.GrantNamespace = "team-a"
				o.GrantSubjects = []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "team-a-devs"}}
				o.ServerServiceAccount = &rbacv1.Subject{Namespace: "tenant-a-system", Name: "adapter"}
			},
			want: []string{
				"ClusterRole//mhpa-subdomain-tenant-a-controller",
				"ClusterRole//mhpa-subdomain-tenant-a-use",
				"RoleBinding/team-a/mhpa-subdomain-tenant-a-use",
				"ClusterRoleBinding//mhpa-subdomain-tenant-a-auth-delegator",
				"RoleBinding/kube-system/mhpa-subdomain-tenant-a-auth-reader",
				"Service/tenant-a-system/tenant-a-metrics",
				"APIService//v1beta1.tenant-a.metrics.k8s.io",
			},
			wantGroups: []string{"tenant-a.metrics.k8s.io"},
		},
		{
			name: "RBAC only",
			change: func(o *subdomain.Options) {
				o.APIs = []metrics.API{metrics.ExternalAPI}
				o.RBACOnly = true
				o.ServiceNamespace, o.ServiceName, o.Port, o.Selector, o.CABundle = "", "", 0, nil, nil
			},
			want: []string{
				"ClusterRole//mhpa-subdomain-tenant-a-controller",
				"ClusterRole//mhpa-subdomain-tenant-a-use",
			},
			wantGroups: []string{"tenant-a.external.metrics.k8s.io"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := clusterIPOptions()
			if tc.change != nil {
				tc.change(&o)
			}
			objs, err := subdomain.Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(objs)); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			role := &rbacv1.ClusterRole{}
			typed(t, find(t, objs, "ClusterRole", "mhpa-subdomain-tenant-a-controller"), role)
			if role.Labels["autoscaling.mhpa.dev/aggregate-to-controller"] != "true" {
				t.Errorf("the controller's ClusterRole is not labelled for aggregation: %v", role.Labels)
			}
			var groups []string
			for _, r := range role.Rules {
				groups = append(groups, r.APIGroups...)
				if diff := cmp.Diff([]string{"get", "list"}, r.Verbs); diff != "" {
					t.Errorf("verbs on %v (-want +got):\n%s", r.APIGroups, diff)
				}
			}
			if diff := cmp.Diff(tc.wantGroups, groups); diff != "" {
				t.Errorf("groups the controller may read (-want +got):\n%s", diff)
			}
			use := &rbacv1.ClusterRole{}
			typed(t, find(t, objs, "ClusterRole", "mhpa-subdomain-tenant-a-use"), use)
			wantUse := []rbacv1.PolicyRule{{
				APIGroups: []string{"autoscaling.mhpa.dev"}, Resources: []string{"metricsubdomains"},
				ResourceNames: []string{"tenant-a"}, Verbs: []string{"use"},
			}}
			if diff := cmp.Diff(wantUse, use.Rules); diff != "" {
				t.Errorf("use rules (-want +got):\n%s", diff)
			}
			for _, obj := range objs {
				switch obj.GetKind() {
				case "RoleBinding":
					typed(t, obj, &rbacv1.RoleBinding{})
				case "ClusterRoleBinding":
					typed(t, obj, &rbacv1.ClusterRoleBinding{})
				case "Service":
					typed(t, obj, &corev1.Service{})
				}
			}
		})
	}
}

func TestGenerateServices(t *testing.T) {
	t.Run("ClusterIP on 443 to the server's port", func(t *testing.T) {
		objs, err := subdomain.Generate(clusterIPOptions())
		if err != nil {
			t.Fatal(err)
		}
		svc := &corev1.Service{}
		typed(t, find(t, objs, "Service", "tenant-a-metrics"), svc)
		if svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.Ports[0].Port != 443 || svc.Spec.Ports[0].TargetPort.IntValue() != 6443 ||
			svc.Spec.Selector["app"] != "tenant-a-metrics" {
			t.Errorf("service spec %+v", svc.Spec)
		}
		api := find(t, objs, "APIService", "v1beta1.tenant-a.external.metrics.k8s.io")
		port, _, _ := unstructured.NestedInt64(api.Object, "spec", "service", "port")
		ca, _, _ := unstructured.NestedString(api.Object, "spec", "caBundle")
		if port != 443 || ca == "" {
			t.Errorf("APIService spec %v", api.Object["spec"])
		}
	})
	t.Run("ExternalName on the server's port", func(t *testing.T) {
		o := clusterIPOptions()
		o.Selector, o.ExternalName, o.Port = nil, "localhost", 34567
		o.CABundle, o.InsecureSkipTLSVerify = nil, true
		objs, err := subdomain.Generate(o)
		if err != nil {
			t.Fatal(err)
		}
		svc := &corev1.Service{}
		typed(t, find(t, objs, "Service", "tenant-a-metrics"), svc)
		if svc.Spec.Type != corev1.ServiceTypeExternalName || svc.Spec.ExternalName != "localhost" || svc.Spec.Ports[0].Port != 34567 {
			t.Errorf("service spec %+v", svc.Spec)
		}
		api := find(t, objs, "APIService", "v1beta2.tenant-a.custom.metrics.k8s.io")
		port, _, _ := unstructured.NestedInt64(api.Object, "spec", "service", "port")
		insecure, _, _ := unstructured.NestedBool(api.Object, "spec", "insecureSkipTLSVerify")
		if port != 34567 || !insecure {
			t.Errorf("APIService spec %v", api.Object["spec"])
		}
	})
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*subdomain.Options)
		want   []string // parts of the error; none for a valid one
	}{
		{name: "valid", change: func(*subdomain.Options) {}},
		{name: "no subdomain", change: func(o *subdomain.Options) { o.Subdomain = "" }, want: []string{"options.subdomain: Required value"}},
		{name: "subdomain not a label", change: func(o *subdomain.Options) { o.Subdomain = "Tenant.A" }, want: []string{`options.subdomain: Invalid value: "Tenant.A"`}},
		{name: "resource subdomain that names the custom metrics API", change: func(o *subdomain.Options) {
			o.Subdomain, o.APIs = "custom", []metrics.API{metrics.ResourceAPI}
		}, want: []string{"names group custom.metrics.k8s.io"}},
		{name: "no API", change: func(o *subdomain.Options) { o.APIs = nil }, want: []string{"options.apis: Required value"}},
		{name: "duplicate API", change: func(o *subdomain.Options) {
			o.APIs = []metrics.API{metrics.ExternalAPI, metrics.ExternalAPI}
		}, want: []string{`options.apis[1]: Duplicate value: "external"`}},
		{name: "no port", change: func(o *subdomain.Options) { o.Port = 0 }, want: []string{"options.port"}},
		{name: "no selector or external name", change: func(o *subdomain.Options) { o.Selector = nil }, want: []string{"options.selector: Required value"}},
		{name: "selector and external name", change: func(o *subdomain.Options) { o.ExternalName = "localhost" }, want: []string{"options.externalName: Forbidden"}},
		{name: "no CA", change: func(o *subdomain.Options) { o.CABundle = nil }, want: []string{"options.caBundle: Required value"}},
		{name: "CA and insecure", change: func(o *subdomain.Options) { o.InsecureSkipTLSVerify = true }, want: []string{"options.insecureSkipTLSVerify: Forbidden"}},
		{name: "service name not a DNS-1035 label", change: func(o *subdomain.Options) { o.ServiceName = "1metrics" }, want: []string{`options.serviceName: Invalid value: "1metrics"`}},
		{name: "grant without subjects", change: func(o *subdomain.Options) { o.GrantNamespace = "team-a" }, want: []string{"options.grantSubjects"}},
		{name: "subjects without namespace", change: func(o *subdomain.Options) {
			o.GrantSubjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: "alice"}}
		}, want: []string{"options.grantSubjects"}},
		{name: "service account subject without namespace", change: func(o *subdomain.Options) {
			o.GrantNamespace = "team-a"
			o.GrantSubjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ci"}}
		}, want: []string{"options.grantSubjects[0]"}},
		{name: "RBAC only needs no server", change: func(o *subdomain.Options) {
			o.RBACOnly = true
			o.ServiceName, o.Port, o.Selector, o.CABundle = "", 0, nil, nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := clusterIPOptions()
			tc.change(&o)
			err := o.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate succeeded, want errors containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestCommandGolden runs the command with every kind of flag and compares its output with
// testdata/tenant-a.yaml (go test -run TestCommandGolden -update rewrites it).
func TestCommandGolden(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := subdomain.NewCommand(&out)
	cmd.SetArgs([]string{
		"tenant-a", "--apis=external,custom", "--namespace=tenant-a-system", "--selector=app=tenant-a-metrics",
		"--ca-bundle-file=" + caFile, "--server-service-account=tenant-a-system/adapter",
		"--grant-namespace=team-a", "--grant-group=team-a-devs", "--grant-user=alice", "--grant-service-account=team-a/ci",
	})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "tenant-a.yaml")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("output (-%s +got):\n%s", golden, diff)
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no apis", []string{"tenant-a", "--rbac-only"}, "--apis: required"},
		{"unknown api", []string{"tenant-a", "--apis=metrics", "--rbac-only"}, `--apis: "metrics" is not a metrics API`},
		{"subject without namespace", []string{"tenant-a", "--apis=external", "--rbac-only", "--grant-user=alice"}, "--grant-namespace: required"},
		{"namespace without subject", []string{"tenant-a", "--apis=external", "--rbac-only", "--grant-namespace=team-a"}, "needs at least one --grant-user"},
		{"bad service account", []string{"tenant-a", "--apis=external", "--rbac-only", "--server-service-account=adapter"}, `"adapter" must be namespace/name`},
		{"invalid subdomain", []string{"Tenant", "--apis=external", "--rbac-only"}, `options.subdomain: Invalid value: "Tenant"`},
		{"missing server", []string{"tenant-a", "--apis=external"}, "options.serviceNamespace: Required value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := subdomain.NewCommand(&out)
			cmd.SetErr(&errOut)
			cmd.SetArgs(tc.args)
			err := cmd.Execute()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if out.Len() > 0 {
				t.Errorf("printed manifests although it failed:\n%s", out.String())
			}
		})
	}
}

// TestNoWildcardAPIGroup checks every rule Generate writes, for every API.
func TestNoWildcardAPIGroup(t *testing.T) {
	o := clusterIPOptions()
	o.APIs = slices.Clone(metrics.APIs)
	objs, err := subdomain.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		if obj.GetKind() != "ClusterRole" {
			continue
		}
		role := &rbacv1.ClusterRole{}
		typed(t, obj, role)
		for _, r := range role.Rules {
			if slices.Contains(r.APIGroups, "*") || slices.Contains(r.Verbs, "*") {
				t.Errorf("%s grants a wildcard: %+v", obj.GetName(), r)
			}
			for _, g := range r.APIGroups {
				if !strings.HasPrefix(g, "tenant-a.") && g != "autoscaling.mhpa.dev" {
					t.Errorf("%s grants group %s, outside the subdomain", obj.GetName(), g)
				}
			}
		}
	}
}
