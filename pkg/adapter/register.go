package adapter

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// apiServiceResource is apiregistration.k8s.io/v1 APIService.
var apiServiceResource = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// Registration says how the kube-apiserver aggregator reaches a metrics
// server: one Service and one APIService per group version.
type Registration struct {
	// GroupVersions are the group versions to register, e.g. every entry of
	// Group.GroupVersions for each served group.
	GroupVersions []schema.GroupVersion

	// ServiceNamespace and ServiceName name the Service the APIServices
	// point at; default kube-system and "metrics-adapter". The serving
	// certificate must be valid for "<name>.<namespace>.svc".
	ServiceNamespace, ServiceName string
	// Port is the port the server listens on.
	Port int32
	// ExternalName, when set (e.g. "localhost" for a server on the same
	// host as kube-apiserver), makes the Service of type ExternalName: the
	// aggregator dials ExternalName:Port. When empty, the Service is a
	// ClusterIP Service on port 443 forwarding to Port on the pods that
	// Selector matches.
	ExternalName string
	// Selector selects the server's pods for a ClusterIP Service.
	Selector map[string]string
	// CABundle is the PEM CA the aggregator verifies the server with (see
	// Server.CABundle). Required unless InsecureSkipTLSVerify.
	CABundle []byte
	// InsecureSkipTLSVerify turns off verification of the serving
	// certificate. For throwaway test clusters only.
	InsecureSkipTLSVerify bool
	// GroupPriorityMinimum and VersionPriority order groups and versions in
	// discovery; defaults 100 and 100 (decreasing by one per later version
	// of the same group, so the first listed is preferred).
	GroupPriorityMinimum, VersionPriority int32
	// Labels are put on the Service and the APIServices.
	Labels map[string]string
	// Timeout bounds the wait for Available=True; default 2 minutes.
	Timeout time.Duration
}

func (r Registration) withDefaults() Registration {
	if r.ServiceNamespace == "" {
		r.ServiceNamespace = metav1.NamespaceSystem
	}
	if r.ServiceName == "" {
		r.ServiceName = "metrics-adapter"
	}
	if r.GroupPriorityMinimum == 0 {
		r.GroupPriorityMinimum = 100
	}
	if r.VersionPriority == 0 {
		r.VersionPriority = 100
	}
	if r.Timeout == 0 {
		r.Timeout = 2 * time.Minute
	}
	return r
}

func (r Registration) validate() error {
	var errs field.ErrorList
	root := field.NewPath("registration")
	if len(r.GroupVersions) == 0 {
		errs = append(errs, field.Required(root.Child("groupVersions"), "at least one group version to register"))
	}
	for i, gv := range r.GroupVersions {
		if gv.Group == "" || gv.Version == "" {
			errs = append(errs, field.Invalid(root.Child("groupVersions").Index(i), gv.String(), "group and version must both be set"))
		}
	}
	if r.Port <= 0 || r.Port > 65535 {
		errs = append(errs, field.Invalid(root.Child("port"), r.Port, "must be between 1 and 65535"))
	}
	if len(r.CABundle) == 0 && !r.InsecureSkipTLSVerify {
		errs = append(errs, field.Required(root.Child("caBundle"), "the CA of the serving certificate (or insecureSkipTLSVerify for tests)"))
	}
	if r.ExternalName == "" && len(r.Selector) == 0 {
		errs = append(errs, field.Required(root.Child("selector"), "the labels of the server's pods for a ClusterIP Service (or externalName)"))
	}
	return errs.ToAggregate()
}

// APIServiceName returns the name of the APIService of a group version,
// "<version>.<group>".
func APIServiceName(gv schema.GroupVersion) string {
	return gv.Version + "." + gv.Group
}

// Register creates or updates the Service and the APIServices of r through
// the kube-apiserver cfg points at, then waits until every APIService
// reports Available=True (the aggregator reached the server's discovery
// endpoint). The server must be serving already.
func Register(ctx context.Context, cfg *rest.Config, r Registration) error {
	r = r.withDefaults()
	if err := r.validate(); err != nil {
		return err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := applyService(ctx, kube, r); err != nil {
		return err
	}
	names := make([]string, 0, len(r.GroupVersions))
	priority := map[string]int32{}
	for _, gv := range r.GroupVersions {
		// Within a group, each later version gets a lower priority.
		vp := r.VersionPriority - priority[gv.Group]
		priority[gv.Group]++
		if err := applyAPIService(ctx, dyn, r, gv, vp); err != nil {
			return err
		}
		names = append(names, APIServiceName(gv))
	}
	return WaitForAPIServices(ctx, cfg, r.Timeout, names...)
}

func applyService(ctx context.Context, kube kubernetes.Interface, r Registration) error {
	want := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: r.ServiceName, Namespace: r.ServiceNamespace, Labels: maps.Clone(r.Labels)},
	}
	if r.ExternalName != "" {
		want.Spec = corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: r.ExternalName,
			Ports:        []corev1.ServicePort{{Name: "https", Port: r.Port, Protocol: corev1.ProtocolTCP}},
		}
	} else {
		want.Spec = corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: maps.Clone(r.Selector),
			Ports:    []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromInt32(r.Port), Protocol: corev1.ProtocolTCP}},
		}
	}
	services := kube.CoreV1().Services(r.ServiceNamespace)
	got, err := services.Get(ctx, r.ServiceName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = services.Create(ctx, want, metav1.CreateOptions{})
		return wrapf(err, "creating service %s/%s", r.ServiceNamespace, r.ServiceName)
	case err != nil:
		return wrapf(err, "reading service %s/%s", r.ServiceNamespace, r.ServiceName)
	case got.Spec.Type != want.Spec.Type:
		// Changing the type in place needs care with cluster IPs; replace it.
		if err := services.Delete(ctx, r.ServiceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return wrapf(err, "replacing service %s/%s", r.ServiceNamespace, r.ServiceName)
		}
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := services.Get(ctx, r.ServiceName, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		}); err != nil {
			return wrapf(err, "waiting for service %s/%s to be deleted", r.ServiceNamespace, r.ServiceName)
		}
		_, err = services.Create(ctx, want, metav1.CreateOptions{})
		return wrapf(err, "creating service %s/%s", r.ServiceNamespace, r.ServiceName)
	default:
		got.Labels = want.Labels
		got.Spec.ExternalName = want.Spec.ExternalName
		got.Spec.Selector = want.Spec.Selector
		got.Spec.Ports = want.Spec.Ports
		_, err = services.Update(ctx, got, metav1.UpdateOptions{})
		return wrapf(err, "updating service %s/%s", r.ServiceNamespace, r.ServiceName)
	}
}

func applyAPIService(ctx context.Context, dyn dynamic.Interface, r Registration, gv schema.GroupVersion, versionPriority int32) error {
	name := APIServiceName(gv)
	port := r.Port
	if r.ExternalName == "" {
		port = 443
	}
	spec := map[string]any{
		"group":                gv.Group,
		"version":              gv.Version,
		"groupPriorityMinimum": int64(r.GroupPriorityMinimum),
		"versionPriority":      int64(versionPriority),
		"service": map[string]any{
			"namespace": r.ServiceNamespace,
			"name":      r.ServiceName,
			"port":      int64(port),
		},
	}
	if r.InsecureSkipTLSVerify {
		spec["insecureSkipTLSVerify"] = true
	} else {
		// []byte fields are base64 strings in JSON.
		spec["caBundle"] = base64.StdEncoding.EncodeToString(r.CABundle)
	}
	client := dyn.Resource(apiServiceResource)
	got, err := client.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apiregistration.k8s.io/v1",
			"kind":       "APIService",
			"metadata":   map[string]any{"name": name},
			"spec":       spec,
		}}
		obj.SetLabels(r.Labels)
		_, err = client.Create(ctx, obj, metav1.CreateOptions{})
		return wrapf(err, "creating apiservice %s", name)
	case err != nil:
		return wrapf(err, "reading apiservice %s", name)
	default:
		got.Object["spec"] = spec
		got.SetLabels(r.Labels)
		_, err = client.Update(ctx, got, metav1.UpdateOptions{})
		return wrapf(err, "updating apiservice %s", name)
	}
}

// WaitForAPIServices waits until each named APIService reports
// Available=True, or returns an error quoting the last condition seen.
func WaitForAPIServices(ctx context.Context, cfg *rest.Config, timeout time.Duration, names ...string) error {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 20, 40
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, name := range names {
		last := "not read yet"
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
			obj, err := dyn.Resource(apiServiceResource).Get(ctx, name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				last = "not found"
				return false, nil
			case err != nil:
				// Keep the last condition seen; the context may simply have ended.
				return false, nil
			}
			status, reason, message := availableCondition(obj)
			last = fmt.Sprintf("Available=%s reason=%s message=%q", status, reason, message)
			return status == "True", nil
		})
		if err != nil {
			return fmt.Errorf("apiservice %s did not become available within %s (last seen: %s): %w", name, timeout, last, err)
		}
	}
	return nil
}

// availableCondition returns the Available condition of an APIService.
func availableCondition(obj *unstructured.Unstructured) (status, reason, message string) {
	conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conditions {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != "Available" {
			continue
		}
		status, _ = m["status"].(string)
		reason, _ = m["reason"].(string)
		message, _ = m["message"].(string)
		return status, reason, message
	}
	return "Unknown", "", "no Available condition yet"
}

// Unregister deletes the APIServices of r that still point at r's Service,
// and the Service. Objects already gone are not an error.
func Unregister(ctx context.Context, cfg *rest.Config, r Registration) error {
	r = r.withDefaults()
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, gv := range r.GroupVersions {
		name := APIServiceName(gv)
		obj, err := dyn.Resource(apiServiceResource).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return wrapf(err, "reading apiservice %s", name)
		}
		// Another server may have taken the group over since; leave it be.
		ns, _, _ := unstructured.NestedString(obj.Object, "spec", "service", "namespace")
		svc, _, _ := unstructured.NestedString(obj.Object, "spec", "service", "name")
		if ns != r.ServiceNamespace || svc != r.ServiceName {
			continue
		}
		err = dyn.Resource(apiServiceResource).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptrTo(obj.GetUID())}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return wrapf(err, "deleting apiservice %s", name)
		}
	}
	if err := kube.CoreV1().Services(r.ServiceNamespace).Delete(ctx, r.ServiceName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return wrapf(err, "deleting service %s/%s", r.ServiceNamespace, r.ServiceName)
	}
	return nil
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

func ptrTo[T any](v T) *T { return &v }
