package defaultconfig_test

import (
	"net"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/mhpa-dev/mhpa/internal/controllerapp"
	"github.com/mhpa-dev/mhpa/internal/manifest"
	mhpawebhook "github.com/mhpa-dev/mhpa/internal/webhook"
)

const namespace = "mhpa-system"

// install renders config/default as `kubectl apply -k config/default` applies it.
func install(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifest.Build(".")
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// get returns the object of kind, namespace and name of objs as a T, failing the test when
// there is none.
func get[T any, PT interface {
	*T
	runtime.Object
}](t *testing.T, objs []*unstructured.Unstructured, kind, ns, name string) PT {
	t.Helper()
	u := manifest.Find(objs, kind, ns, name)
	if u == nil {
		t.Fatalf("config/default has no %s %q in namespace %q", kind, name, ns)
	}
	out := PT(new(T))
	if err := manifest.Into(u, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestObjects lists what config/default installs, so that nothing is added or lost unnoticed,
// and checks that every namespaced object is in mhpa-system.
func TestObjects(t *testing.T) {
	objs := install(t)
	want := []string{
		"ClusterRole/mhpa-controller",
		"ClusterRole/mhpa-controller-base",
		"ClusterRole/mhpa-hpa-editor",
		"ClusterRole/mhpa-hpa-viewer",
		"ClusterRoleBinding/mhpa-controller",
		"ClusterRoleBinding/mhpa-controller-auth-delegator",
		"CustomResourceDefinition/horizontalpodautoscalers.autoscaling.mhpa.dev",
		"Deployment/mhpa-system/mhpa-controller",
		"MutatingWebhookConfiguration/mhpa-mutating-webhook",
		"Namespace/mhpa-system",
		"PodDisruptionBudget/mhpa-system/mhpa-controller",
		"Role/mhpa-system/mhpa-controller",
		"RoleBinding/mhpa-system/mhpa-controller",
		"Service/mhpa-system/mhpa-controller-metrics",
		"Service/mhpa-system/mhpa-webhook",
		"ServiceAccount/mhpa-system/mhpa-controller",
		"ValidatingWebhookConfiguration/mhpa-validating-webhook",
	}
	if diff := cmp.Diff(want, manifest.Keys(objs)); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	clusterScoped := map[string]bool{"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true,
		"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true}
	for _, o := range objs {
		if !clusterScoped[o.GetKind()] && o.GetNamespace() != namespace {
			t.Errorf("%s is in namespace %q, want %s", manifest.Key(o), o.GetNamespace(), namespace)
		}
	}
}

// controllerOptions parses the Deployment's args with mhpa-controller's own flag set, after the
// kubelet's expansion of $(VAR), as the container would run them.
func controllerOptions(t *testing.T, d *appsv1.Deployment) controllerapp.Options {
	t.Helper()
	args, err := manifest.ContainerArgs(d, manifest.ControllerContainer)
	if err != nil {
		t.Fatal(err)
	}
	opts := controllerapp.DefaultOptions()
	fs := pflag.NewFlagSet("mhpa-controller", pflag.ContinueOnError)
	opts.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("mhpa-controller %v: %v", args, err)
	}
	if fs.NArg() > 0 {
		t.Fatalf("mhpa-controller %v: unexpected arguments %v", args, fs.Args())
	}
	if err := opts.Validate(); err != nil {
		t.Fatalf("mhpa-controller %v: %v", args, err)
	}
	return opts
}

// port returns the port of a listen address such as ":8080".
func port(t *testing.T, addr string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return int32(n)
}

func containerPort(t *testing.T, c *corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port named %q", c.Name, name)
	return 0
}

// TestDeployment checks the Deployment: two replicas with leader election and a shared
// certificate Secret, a command line the controller accepts, ports, probes and resources.
func TestDeployment(t *testing.T) {
	objs := install(t)
	d := get[appsv1.Deployment](t, objs, "Deployment", namespace, "mhpa-controller")
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas = %v, want 2", d.Spec.Replicas)
	}
	if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("the selector %v does not match the pod labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
	c, err := manifest.Container(d, manifest.ControllerContainer)
	if err != nil {
		t.Fatal(err)
	}
	if c.Image != "ghcr.io/mhpa-dev/mhpa-controller:latest" {
		t.Errorf("image = %q, want the one the kustomization sets", c.Image)
	}

	opts := controllerOptions(t, d)
	if !opts.LeaderElection || opts.LeaderElectionNamespace != namespace {
		t.Errorf("leader election = %v in %q, want on in %s: two replicas must not both run the controller", opts.LeaderElection, opts.LeaderElectionNamespace, namespace)
	}
	if opts.CertSecret != namespace+"/mhpa-webhook-certs" {
		t.Errorf("--cert-secret = %q, want %s/mhpa-webhook-certs: the replicas must serve one certificate", opts.CertSecret, namespace)
	}
	if !opts.SelfSignedCerts || !opts.RunController || !opts.AuthorizeSubdomains || opts.WebhookURL != "" {
		t.Errorf("options = %+v, want self-signed certificates, the controller, subdomain authorization and no webhook URL", opts)
	}
	if got := containerPort(t, c, "webhook-server"); got != int32(opts.WebhookPort) {
		t.Errorf("container port webhook-server = %d, the server listens on --webhook-port=%d", got, opts.WebhookPort)
	}
	if got := containerPort(t, c, "metrics"); got != port(t, opts.MetricsAddress) {
		t.Errorf("container port metrics = %d, metrics are served on %s", got, opts.MetricsAddress)
	}
	health := containerPort(t, c, "health")
	if health != port(t, opts.HealthProbeAddress) {
		t.Errorf("container port health = %d, probes are served on %s", health, opts.HealthProbeAddress)
	}
	for name, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		want := map[string]string{"liveness": "/healthz", "readiness": "/readyz"}[name]
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != "health" {
			t.Errorf("%s probe = %+v, want GET %s on port health", name, probe, want)
		}
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources = %v, want CPU and memory requests and a memory limit", c.Resources)
	}
	// The webhooks fail closed; a disruption budget keeps one replica serving them.
	pdb := manifest.Find(objs, "PodDisruptionBudget", namespace, "mhpa-controller")
	if sel, _, _ := unstructured.NestedStringMap(pdb.Object, "spec", "selector", "matchLabels"); !labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("the PodDisruptionBudget selects %v, not the controller's pods", sel)
	}
}

// TestPodSecurity checks the pod against the Pod Security Standard its namespace enforces
// ("restricted"), with the admission plugin's own checks: non-root, read-only root file system,
// no privilege escalation, no capabilities, the default seccomp profile.
func TestPodSecurity(t *testing.T) {
	objs := install(t)
	ns := get[corev1.Namespace](t, objs, "Namespace", "", namespace)
	level := ns.Labels[psapi.EnforceLevelLabel]
	if level != string(psapi.LevelRestricted) {
		t.Errorf("namespace %s enforces %q, want restricted", namespace, level)
	}
	d := get[appsv1.Deployment](t, objs, "Deployment", namespace, "mhpa-controller")
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	results := evaluator.EvaluatePod(psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()},
		&d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec)
	if agg := policy.AggregateCheckResults(results); !agg.Allowed {
		t.Errorf("the pod violates the restricted Pod Security Standard: %s: %s", agg.ForbiddenReason(), agg.ForbiddenDetail())
	}
	c, _ := manifest.Container(d, manifest.ControllerContainer)
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("container securityContext = %+v, want readOnlyRootFilesystem", sc)
	}
	pod := d.Spec.Template.Spec.SecurityContext
	if pod == nil || pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || pod.RunAsUser == nil || *pod.RunAsUser == 0 {
		t.Errorf("pod securityContext = %+v, want runAsNonRoot with a non-zero user", pod)
	}
}

// TestServices checks that each Service selects the controller's pods and targets a port the
// container has.
func TestServices(t *testing.T) {
	objs := install(t)
	d := get[appsv1.Deployment](t, objs, "Deployment", namespace, "mhpa-controller")
	c, _ := manifest.Container(d, manifest.ControllerContainer)
	for _, name := range []string{"mhpa-webhook", "mhpa-controller-metrics"} {
		svc := get[corev1.Service](t, objs, "Service", namespace, name)
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("Service %s selects %v, not the controller's pods %v", name, svc.Spec.Selector, d.Spec.Template.Labels)
		}
		for _, p := range svc.Spec.Ports {
			if p.TargetPort.StrVal == "" || !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.TargetPort.StrVal }) {
				t.Errorf("Service %s port %d targets %q, which is not a named port of the container", name, p.Port, p.TargetPort.String())
			}
		}
	}
}

// TestWebhooksReachTheController checks that the CRD's conversion webhook and both webhook
// configurations call the webhook Service on a port it has, at the paths the server serves,
// that the server issues its certificate for that Service, and that the names the
// controller injects the CA bundle into are the ones installed.
func TestWebhooksReachTheController(t *testing.T) {
	objs := install(t)
	d := get[appsv1.Deployment](t, objs, "Deployment", namespace, "mhpa-controller")
	opts := controllerOptions(t, d)
	if opts.WebhookService != namespace+"/mhpa-webhook" {
		t.Errorf("--webhook-service = %q, want %s/mhpa-webhook", opts.WebhookService, namespace)
	}
	svc := get[corev1.Service](t, objs, "Service", namespace, "mhpa-webhook")
	servicePorts := map[int32]bool{}
	for _, p := range svc.Spec.Ports {
		servicePorts[p.Port] = true
	}
	check := func(what string, ref *admissionregistrationv1.ServiceReference, wantPath string) {
		t.Helper()
		if ref == nil {
			t.Errorf("%s: no service reference", what)
			return
		}
		port := int32(443)
		if ref.Port != nil {
			port = *ref.Port
		}
		if ref.Namespace != svc.Namespace || ref.Name != svc.Name || !servicePorts[port] || ref.Path == nil || *ref.Path != wantPath {
			t.Errorf("%s calls %s/%s:%d%v, want %s/%s (a port of %v) at %s", what, ref.Namespace, ref.Name, port, ref.Path, svc.Namespace, svc.Name, servicePorts, wantPath)
		}
	}

	crd := get[apiextensionsv1.CustomResourceDefinition](t, objs, "CustomResourceDefinition", "", opts.CRDName)
	conv := crd.Spec.Conversion
	if conv == nil || conv.Strategy != apiextensionsv1.WebhookConverter || conv.Webhook == nil || conv.Webhook.ClientConfig == nil {
		t.Fatalf("CRD conversion = %+v, want the webhook", conv)
	}
	if len(conv.Webhook.ClientConfig.CABundle) != 0 {
		t.Errorf("the CRD sets a caBundle %q: mhpa-controller injects it, and re-applying the manifests would take it back", conv.Webhook.ClientConfig.CABundle)
	}
	if s := conv.Webhook.ClientConfig.Service; s != nil {
		check("CRD conversion", &admissionregistrationv1.ServiceReference{Namespace: s.Namespace, Name: s.Name, Path: s.Path, Port: s.Port}, mhpawebhook.ConvertPath)
	} else {
		t.Errorf("CRD conversion has no service")
	}

	validating := get[admissionregistrationv1.ValidatingWebhookConfiguration](t, objs, "ValidatingWebhookConfiguration", "", opts.ValidatingWebhookConfiguration)
	for _, w := range validating.Webhooks {
		check("validating webhook "+w.Name, w.ClientConfig.Service, mhpawebhook.ValidatePath)
		if w.FailurePolicy == nil || *w.FailurePolicy != admissionregistrationv1.Fail {
			t.Errorf("validating webhook %s: failurePolicy %v, want Fail", w.Name, w.FailurePolicy)
		}
	}
	mutating := get[admissionregistrationv1.MutatingWebhookConfiguration](t, objs, "MutatingWebhookConfiguration", "", opts.MutatingWebhookConfiguration)
	for _, w := range mutating.Webhooks {
		check("mutating webhook "+w.Name, w.ClientConfig.Service, mhpawebhook.DefaultPath)
	}
	if len(validating.Webhooks) == 0 || len(mutating.Webhooks) == 0 {
		t.Errorf("webhook configurations without webhooks: %d validating, %d mutating", len(validating.Webhooks), len(mutating.Webhooks))
	}
}

// TestServiceAccount checks that the pod runs as the service account that config/rbac binds,
// that the Role names the Lease and Secret the controller uses, and that the auth-delegator
// binding is there.
func TestServiceAccount(t *testing.T) {
	objs := install(t)
	d := get[appsv1.Deployment](t, objs, "Deployment", namespace, "mhpa-controller")
	sa := d.Spec.Template.Spec.ServiceAccountName
	get[corev1.ServiceAccount](t, objs, "ServiceAccount", namespace, sa)
	isSubject := func(subjects []rbacv1.Subject) bool {
		return slices.ContainsFunc(subjects, func(s rbacv1.Subject) bool {
			return s.Kind == "ServiceAccount" && s.Namespace == namespace && s.Name == sa
		})
	}
	bound := map[string]bool{}
	for _, o := range objs {
		switch o.GetKind() {
		case "ClusterRoleBinding":
			b := &rbacv1.ClusterRoleBinding{}
			if err := manifest.Into(o, b); err != nil {
				t.Fatal(err)
			}
			if isSubject(b.Subjects) {
				bound["ClusterRole/"+b.RoleRef.Name] = true
			}
		case "RoleBinding":
			b := &rbacv1.RoleBinding{}
			if err := manifest.Into(o, b); err != nil {
				t.Fatal(err)
			}
			if isSubject(b.Subjects) {
				bound["Role/"+b.Namespace+"/"+b.RoleRef.Name] = true
			}
		}
	}
	want := map[string]bool{"ClusterRole/mhpa-controller": true, "ClusterRole/system:auth-delegator": true, "Role/" + namespace + "/mhpa-controller": true}
	if diff := cmp.Diff(want, bound); diff != "" {
		t.Errorf("roles bound to service account %s/%s (-want +got):\n%s", namespace, sa, diff)
	}

	opts := controllerOptions(t, d)
	role := get[rbacv1.Role](t, objs, "Role", namespace, "mhpa-controller")
	names := func(group, resource string) []string {
		var out []string
		for _, r := range role.Rules {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) {
				out = append(out, r.ResourceNames...)
			}
		}
		return out
	}
	if !slices.Contains(names("coordination.k8s.io", "leases"), opts.LeaderElectionID) {
		t.Errorf("the Role does not name the leader election Lease %q", opts.LeaderElectionID)
	}
	secret := opts.CertSecret[len(namespace)+1:]
	if !slices.Contains(names("", "secrets"), secret) {
		t.Errorf("the Role does not name the certificate Secret %q", secret)
	}
}

// TestAggregatedRoleLeavesRulesToTheAggregator checks that the controller's aggregated
// ClusterRole has no rules field: the clusterrole-aggregation controller owns the rules, and a
// manifest that set them (even to []) would conflict with it on every server-side re-apply.
func TestAggregatedRoleLeavesRulesToTheAggregator(t *testing.T) {
	role := manifest.Find(install(t), "ClusterRole", "", "mhpa-controller")
	if role == nil {
		t.Fatal("config/default has no ClusterRole mhpa-controller")
	}
	if _, ok := role.Object["aggregationRule"]; !ok {
		t.Errorf("ClusterRole mhpa-controller is not aggregated")
	}
	if rules, ok := role.Object["rules"]; ok {
		t.Errorf("ClusterRole mhpa-controller sets rules %v; leave them to the aggregation controller", rules)
	}
}
