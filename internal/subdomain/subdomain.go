package subdomain

import (
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/mhpa-dev/mhpa/internal/metrics"
)

// Labels every generated object carries.
const (
	// SubdomainLabel holds the subdomain an object was generated for.
	SubdomainLabel = "autoscaling.mhpa.dev/subdomain"
	// AggregateToControllerLabel selects the ClusterRoles that the ClusterRole of
	// mhpa-controller aggregates.
	AggregateToControllerLabel = "autoscaling.mhpa.dev/aggregate-to-controller"
)

// The permission the validating webhook requires to use a subdomain.
const (
	useGroup    = "autoscaling.mhpa.dev"
	useResource = "metricsubdomains"
	useVerb     = "use"
)

// ControllerRoleName is the name of the ClusterRole that lets mhpa-controller read the groups
// of subdomain.
func ControllerRoleName(subdomain string) string {
	return "mhpa-subdomain-" + subdomain + "-controller"
}

// UseRoleName is the name of the ClusterRole (and RoleBinding) that lets users point
// autoscalers at subdomain.
func UseRoleName(subdomain string) string { return "mhpa-subdomain-" + subdomain + "-use" }

// Options say what to generate for one subdomain.
type Options struct {
	// Subdomain is S, a DNS-1123 label.
	Subdomain string
	// APIs are the metrics APIs the tenant's server serves under S; at least one.
	APIs []metrics.API

	// RBACOnly leaves out the Service and the APIServices, for a metrics server whose own
	// installation registers them; the fields below up to GrantNamespace are then unused,
	// but for ServerServiceAccount.
	RBACOnly bool
	// ServiceNamespace and ServiceName name the Service in front of the server; the server's
	// certificate must be valid for <ServiceName>.<ServiceNamespace>.svc.
	ServiceNamespace, ServiceName string
	// Port is the port the server listens on.
	Port int32
	// Selector selects the server's pods for a ClusterIP Service (port 443 to Port).
	Selector map[string]string
	// ExternalName, instead of Selector, makes the Service of type ExternalName: the
	// aggregator dials ExternalName:Port.
	ExternalName string
	// CABundle is the PEM CA that signed the server's certificate.
	CABundle []byte
	// InsecureSkipTLSVerify turns off the aggregator's check of the server's certificate
	// instead of CABundle. For throwaway clusters only.
	InsecureSkipTLSVerify bool
	// GroupPriorityMinimum and VersionPriority order the groups in discovery; defaults 100.
	GroupPriorityMinimum, VersionPriority int32

	// ServerServiceAccount, if set, is the service account of the metrics server: it is bound
	// to system:auth-delegator and to extension-apiserver-authentication-reader in
	// kube-system, which an aggregated API server needs to authenticate and authorize its
	// callers through the API server.
	ServerServiceAccount *rbacv1.Subject

	// GrantNamespace and GrantSubjects, if both set, add a RoleBinding of the use ClusterRole
	// to the subjects in that namespace.
	GrantNamespace string
	GrantSubjects  []rbacv1.Subject
}

// withDefaults fills in the priorities.
func (o Options) withDefaults() Options {
	if o.GroupPriorityMinimum == 0 {
		o.GroupPriorityMinimum = 100
	}
	if o.VersionPriority == 0 {
		o.VersionPriority = 100
	}
	return o
}

// Validate checks o and names each wrong field.
func (o Options) Validate() error {
	var errs field.ErrorList
	root := field.NewPath("options")
	sp := root.Child("subdomain")
	switch {
	case o.Subdomain == "":
		errs = append(errs, field.Required(sp, "the subdomain S, a DNS-1123 label (e.g. tenant-a); the empty subdomain is the default groups, which need no onboarding"))
	case len(utilvalidation.IsDNS1123Label(o.Subdomain)) > 0:
		for _, msg := range utilvalidation.IsDNS1123Label(o.Subdomain) {
			errs = append(errs, field.Invalid(sp, o.Subdomain, msg))
		}
	default:
		for _, api := range o.APIs {
			if err := metrics.ValidateSubdomain(api, o.Subdomain); err != nil {
				errs = append(errs, field.Invalid(sp, o.Subdomain, fmt.Sprintf("for the %s metrics API: %v", api, err)))
			}
		}
	}
	ap := root.Child("apis")
	if len(o.APIs) == 0 {
		errs = append(errs, field.Required(ap, "at least one of resource, custom, external"))
	}
	for i, api := range o.APIs {
		if !slices.Contains(metrics.APIs, api) {
			errs = append(errs, field.NotSupported(ap.Index(i), api.String(), []string{"resource", "custom", "external"}))
		}
		if slices.Index(o.APIs, api) != i {
			errs = append(errs, field.Duplicate(ap.Index(i), api.String()))
		}
	}
	if !o.RBACOnly {
		for _, f := range []struct {
			path  *field.Path
			value string
			check func(string) []string
		}{
			{root.Child("serviceNamespace"), o.ServiceNamespace, utilvalidation.IsDNS1123Label},
			{root.Child("serviceName"), o.ServiceName, utilvalidation.IsDNS1035Label},
		} {
			if f.value == "" {
				errs = append(errs, field.Required(f.path, "the Service in front of the metrics server"))
				continue
			}
			for _, msg := range f.check(f.value) {
				errs = append(errs, field.Invalid(f.path, f.value, msg))
			}
		}
		if o.Port < 1 || o.Port > 65535 {
			errs = append(errs, field.Invalid(root.Child("port"), o.Port, "must be the port the metrics server listens on, 1 to 65535"))
		}
		switch {
		case len(o.Selector) == 0 && o.ExternalName == "":
			errs = append(errs, field.Required(root.Child("selector"), "the labels of the metrics server's pods (or externalName for a server outside the cluster network)"))
		case len(o.Selector) > 0 && o.ExternalName != "":
			errs = append(errs, field.Forbidden(root.Child("externalName"), "set either selector or externalName, not both"))
		}
		switch {
		case len(o.CABundle) == 0 && !o.InsecureSkipTLSVerify:
			errs = append(errs, field.Required(root.Child("caBundle"), "the PEM CA of the metrics server's certificate (or insecureSkipTLSVerify, for throwaway clusters only)"))
		case len(o.CABundle) > 0 && o.InsecureSkipTLSVerify:
			errs = append(errs, field.Forbidden(root.Child("insecureSkipTLSVerify"), "set either caBundle or insecureSkipTLSVerify, not both"))
		}
	}
	if sa := o.ServerServiceAccount; sa != nil && (sa.Name == "" || sa.Namespace == "") {
		errs = append(errs, field.Invalid(root.Child("serverServiceAccount"), sa.Namespace+"/"+sa.Name, "must be namespace/name"))
	}
	if (o.GrantNamespace == "") != (len(o.GrantSubjects) == 0) {
		errs = append(errs, field.Required(root.Child("grantSubjects"), "a RoleBinding needs both a namespace and at least one subject"))
	}
	for i, s := range o.GrantSubjects {
		if s.Name == "" || (s.Kind == rbacv1.ServiceAccountKind && s.Namespace == "") {
			errs = append(errs, field.Invalid(root.Child("grantSubjects").Index(i), s.Name, "needs a name, and a namespace for a service account"))
		}
	}
	return errs.ToAggregate()
}

// Generate returns the manifests for o (see the package documentation), in the order they
// are best applied: RBAC first, then the Service and the APIServices.
func Generate(o Options) ([]*unstructured.Unstructured, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	apis := slices.Clone(o.APIs)
	slices.Sort(apis)
	labels := map[string]string{"app.kubernetes.io/part-of": "mhpa", SubdomainLabel: o.Subdomain}

	var objs []runtime.Object
	controllerLabels := maps.Clone(labels)
	controllerLabels[AggregateToControllerLabel] = "true"
	objs = append(objs, &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: ControllerRoleName(o.Subdomain), Labels: controllerLabels},
		Rules:      controllerRules(o.Subdomain, apis),
	})
	objs = append(objs, &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: UseRoleName(o.Subdomain), Labels: maps.Clone(labels)},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{useGroup}, Resources: []string{useResource},
			ResourceNames: []string{o.Subdomain}, Verbs: []string{useVerb},
		}},
	})
	if o.GrantNamespace != "" {
		objs = append(objs, &rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: UseRoleName(o.Subdomain), Namespace: o.GrantNamespace, Labels: maps.Clone(labels)},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: UseRoleName(o.Subdomain)},
			Subjects:   subjects(o.GrantSubjects),
		})
	}
	if sa := o.ServerServiceAccount; sa != nil {
		subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: sa.Namespace, Name: sa.Name}}
		objs = append(objs,
			&rbacv1.ClusterRoleBinding{
				TypeMeta:   metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRoleBinding"},
				ObjectMeta: metav1.ObjectMeta{Name: "mhpa-subdomain-" + o.Subdomain + "-auth-delegator", Labels: maps.Clone(labels)},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:auth-delegator"},
				Subjects:   subject,
			},
			&rbacv1.RoleBinding{
				TypeMeta: metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "RoleBinding"},
				ObjectMeta: metav1.ObjectMeta{
					Name: "mhpa-subdomain-" + o.Subdomain + "-auth-reader", Namespace: metav1.NamespaceSystem, Labels: maps.Clone(labels),
				},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "extension-apiserver-authentication-reader"},
				Subjects: subject,
			})
	}
	var out []*unstructured.Unstructured
	for _, obj := range objs {
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return nil, err
		}
		out = append(out, clean(&unstructured.Unstructured{Object: u}))
	}
	if o.RBACOnly {
		return out, nil
	}
	svc, err := service(o, labels)
	if err != nil {
		return nil, err
	}
	out = append(out, svc)
	for _, api := range apis {
		group := metrics.GroupName(api, o.Subdomain)
		for i, version := range api.Versions() {
			out = append(out, apiService(o, labels, group, version, o.VersionPriority-int32(i)))
		}
	}
	return out, nil
}

// controllerRules grants get and list on the groups of subdomain for apis: the pods of the
// resource metrics API (PodMetrics; nodes are not read), every metric of the others.
func controllerRules(subdomain string, apis []metrics.API) []rbacv1.PolicyRule {
	var rules []rbacv1.PolicyRule
	for _, api := range apis {
		resources := []string{"*"}
		if api == metrics.ResourceAPI {
			resources = []string{"pods"}
		}
		rules = append(rules, rbacv1.PolicyRule{
			APIGroups: []string{metrics.GroupName(api, subdomain)},
			Resources: resources,
			Verbs:     []string{"get", "list"},
		})
	}
	return rules
}

// subjects fills in the API group of user and group subjects.
func subjects(in []rbacv1.Subject) []rbacv1.Subject {
	out := slices.Clone(in)
	for i := range out {
		if out[i].Kind == rbacv1.UserKind || out[i].Kind == rbacv1.GroupKind {
			out[i].APIGroup = rbacv1.GroupName
		}
	}
	return out
}

func service(o Options, labels map[string]string) (*unstructured.Unstructured, error) {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: o.ServiceName, Namespace: o.ServiceNamespace, Labels: maps.Clone(labels)},
	}
	if o.ExternalName != "" {
		svc.Spec = corev1.ServiceSpec{
			Type: corev1.ServiceTypeExternalName, ExternalName: o.ExternalName,
			Ports: []corev1.ServicePort{{Name: "https", Port: o.Port, Protocol: corev1.ProtocolTCP}},
		}
	} else {
		svc.Spec = corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, Selector: maps.Clone(o.Selector),
			Ports: []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(o.Port), Protocol: corev1.ProtocolTCP}},
		}
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(svc)
	if err != nil {
		return nil, err
	}
	return clean(&unstructured.Unstructured{Object: u}), nil
}

// apiService is the APIService of one group version. The type lives in
// k8s.io/kube-aggregator, which the module does not depend on; its shape is small and stable.
func apiService(o Options, labels map[string]string, group, version string, versionPriority int32) *unstructured.Unstructured {
	port := int64(443)
	if o.ExternalName != "" {
		port = int64(o.Port)
	}
	spec := map[string]any{
		"group":                group,
		"version":              version,
		"groupPriorityMinimum": int64(o.GroupPriorityMinimum),
		"versionPriority":      int64(versionPriority),
		"service":              map[string]any{"namespace": o.ServiceNamespace, "name": o.ServiceName, "port": port},
	}
	if o.InsecureSkipTLSVerify {
		spec["insecureSkipTLSVerify"] = true
	} else {
		spec["caBundle"] = base64.StdEncoding.EncodeToString(o.CABundle)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": version + "." + group},
		"spec":       spec,
	}}
	u.SetLabels(maps.Clone(labels))
	return u
}

// clean drops the empty creationTimestamp and status the typed objects carry into their
// unstructured form.
func clean(u *unstructured.Unstructured) *unstructured.Unstructured {
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	return u
}

// WriteYAML writes objs as one YAML stream, documents separated by "---".
func WriteYAML(w io.Writer, objs []*unstructured.Unstructured) error {
	for i, obj := range objs {
		data, err := yaml.Marshal(obj.Object)
		if err != nil {
			return err
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}
