package scaletarget

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// entry is what an informer cache keeps of a scalable object: the fields of its Scale.
type entry struct {
	namespace       string
	name            string
	uid             types.UID
	resourceVersion string
	specReplicas    int32
	statusReplicas  int32
	selector        string
	// invalid is set when the object cannot be rendered as a Scale the way the API server
	// would (e.g. a selector that does not parse); such an object is read through the API,
	// which says what is wrong with it.
	invalid bool
}

// sameScale reports whether two entries describe the same scale of the same object.
func (e *entry) sameScale(o *entry) bool {
	return e.uid == o.uid && e.specReplicas == o.specReplicas && e.statusReplicas == o.statusReplicas &&
		e.selector == o.selector && e.invalid == o.invalid
}

// scale returns the entry as a Scale of t.
func (e *entry) scale(t Target) Scale {
	return Scale{
		Target:          t,
		UID:             e.uid,
		ResourceVersion: e.resourceVersion,
		SpecReplicas:    e.specReplicas,
		StatusReplicas:  e.statusReplicas,
		Selector:        e.selector,
		Source:          SourceCache,
	}
}

// GetObjectMeta lets the informer key and index entries (it implements
// metav1.ObjectMetaAccessor) without keeping an ObjectMeta per object.
func (e *entry) GetObjectMeta() metav1.Object { return (*entryMeta)(e) }

// newEntry fills the object part of an entry.
func newEntry(m metav1.Object) *entry {
	return &entry{
		namespace:       m.GetNamespace(),
		name:            m.GetName(),
		uid:             m.GetUID(),
		resourceVersion: m.GetResourceVersion(),
	}
}

// selectorString renders a label selector as the /scale subresource of the apps kinds does.
func (e *entry) setLabelSelector(s *metav1.LabelSelector) {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		e.invalid = true
		return
	}
	e.selector = sel.String()
}

// replicasOrDefault returns *r, or the API default of 1 replica when unset.
func replicasOrDefault(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// transformDeployment keeps what the Scale of a Deployment holds.
func transformDeployment(obj any) (any, error) {
	switch o := obj.(type) {
	case *entry:
		return o, nil
	case *appsv1.Deployment:
		e := newEntry(o)
		e.specReplicas = replicasOrDefault(o.Spec.Replicas)
		e.statusReplicas = o.Status.Replicas
		e.setLabelSelector(o.Spec.Selector)
		return e, nil
	}
	return nil, fmt.Errorf("scale cache of deployments: unexpected object %T", obj)
}

// transformReplicaSet keeps what the Scale of a ReplicaSet holds.
func transformReplicaSet(obj any) (any, error) {
	switch o := obj.(type) {
	case *entry:
		return o, nil
	case *appsv1.ReplicaSet:
		e := newEntry(o)
		e.specReplicas = replicasOrDefault(o.Spec.Replicas)
		e.statusReplicas = o.Status.Replicas
		e.setLabelSelector(o.Spec.Selector)
		return e, nil
	}
	return nil, fmt.Errorf("scale cache of replicasets: unexpected object %T", obj)
}

// transformStatefulSet keeps what the Scale of a StatefulSet holds.
func transformStatefulSet(obj any) (any, error) {
	switch o := obj.(type) {
	case *entry:
		return o, nil
	case *appsv1.StatefulSet:
		e := newEntry(o)
		e.specReplicas = replicasOrDefault(o.Spec.Replicas)
		e.statusReplicas = o.Status.Replicas
		e.setLabelSelector(o.Spec.Selector)
		return e, nil
	}
	return nil, fmt.Errorf("scale cache of statefulsets: unexpected object %T", obj)
}

// transformReplicationController keeps what the Scale of a ReplicationController holds.
func transformReplicationController(obj any) (any, error) {
	switch o := obj.(type) {
	case *entry:
		return o, nil
	case *corev1.ReplicationController:
		e := newEntry(o)
		e.specReplicas = replicasOrDefault(o.Spec.Replicas)
		e.statusReplicas = o.Status.Replicas
		e.selector = labels.SelectorFromSet(o.Spec.Selector).String()
		return e, nil
	}
	return nil, fmt.Errorf("scale cache of replicationcontrollers: unexpected object %T", obj)
}

// scalePaths are the JSON paths of a custom resource's scale subresource
// (CustomResourceSubresourceScale), split into fields.
type scalePaths struct {
	specReplicas   []string
	statusReplicas []string
	// labelSelector is nil when the CRD declares no labelSelectorPath.
	labelSelector []string
}

// newScalePaths splits the paths of a CRD's scale subresource as the API server does.
func newScalePaths(spec, status string, selector *string) *scalePaths {
	p := &scalePaths{specReplicas: splitPath(spec), statusReplicas: splitPath(status)}
	if selector != nil && *selector != "" {
		p.labelSelector = splitPath(*selector)
	}
	return p
}

// splitPath splits ".spec.replicas" into ["spec", "replicas"].
func splitPath(p string) []string {
	return strings.Split(strings.TrimPrefix(p, "."), ".")
}

// equal reports whether two sets of paths are the same.
func (p *scalePaths) equal(o *scalePaths) bool {
	if p == nil || o == nil {
		return p == o
	}
	return strings.Join(p.specReplicas, ".") == strings.Join(o.specReplicas, ".") &&
		strings.Join(p.statusReplicas, ".") == strings.Join(o.statusReplicas, ".") &&
		(p.labelSelector == nil) == (o.labelSelector == nil) &&
		strings.Join(p.labelSelector, ".") == strings.Join(o.labelSelector, ".")
}

// transform returns the informer transform that reads a custom resource's scale at p, the
// way the API server's scale subresource of custom resources does: a missing status replicas
// field is 0, a missing selector is "", and a missing spec replicas field (which the API
// server reports as an error) or a field of the wrong type marks the entry invalid.
func (p *scalePaths) transform(obj any) (any, error) {
	switch o := obj.(type) {
	case *entry:
		return o, nil
	case *unstructured.Unstructured:
		e := newEntry(o)
		content := o.UnstructuredContent()
		spec, found, err := unstructured.NestedInt64(content, p.specReplicas...)
		if err != nil || !found {
			e.invalid = true
		}
		status, _, err := unstructured.NestedInt64(content, p.statusReplicas...)
		if err != nil {
			e.invalid = true
		}
		if p.labelSelector != nil {
			sel, _, err := unstructured.NestedString(content, p.labelSelector...)
			if err != nil {
				e.invalid = true
			}
			e.selector = sel
		}
		e.specReplicas, e.statusReplicas = int32(spec), int32(status)
		return e, nil
	}
	return nil, fmt.Errorf("scale cache of custom resources: unexpected object %T", obj)
}
