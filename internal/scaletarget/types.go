package scaletarget

import (
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Ref names the target of an HPA the way its spec.scaleTargetRef does, plus the HPA's namespace.
type Ref struct {
	// Namespace is the namespace of the HPA, and so of its target.
	Namespace string
	// APIVersion is spec.scaleTargetRef.apiVersion, e.g. "apps/v1".
	APIVersion string
	// Kind is spec.scaleTargetRef.kind, e.g. "Deployment".
	Kind string
	// Name is spec.scaleTargetRef.name.
	Name string
}

// Target identifies one scalable object by its resource rather than its kind.
type Target struct {
	// Namespace is the namespace of the object.
	Namespace string
	// GroupResource is the resource of the object, e.g. deployments.apps.
	GroupResource schema.GroupResource
	// Name is the name of the object.
	Name string
}

// String returns the target as "resource.group namespace/name".
func (t Target) String() string {
	return fmt.Sprintf("%s %s/%s", t.GroupResource, t.Namespace, t.Name)
}

// Source tells where a Scale was read from.
type Source string

const (
	// SourceCache is an informer cache.
	SourceCache Source = "cache"
	// SourceWritten is the answer of this client's own latest write, which the cache has not
	// shown yet.
	SourceWritten Source = "written"
	// SourceAPI is a GET of the /scale subresource.
	SourceAPI Source = "api"
)

// Scale is the scale of a target as its /scale subresource reports it.
type Scale struct {
	// Target is the object, with the resource its kind maps to.
	Target Target
	// UID is the uid of the object.
	UID types.UID
	// ResourceVersion is the resourceVersion of the object the values were read from.
	ResourceVersion string
	// SpecReplicas is the desired number of replicas (Scale.Spec.Replicas).
	SpecReplicas int32
	// StatusReplicas is the observed number of replicas (Scale.Status.Replicas).
	StatusReplicas int32
	// Selector is the pod label selector in its string form (Scale.Status.Selector); empty if
	// the target reports none.
	Selector string
	// Source is where the values were read from.
	Source Source
}

// Handler is called with a target whose replicas, selector or existence changed. It runs on
// an informer's notification goroutine and must return quickly (e.g. enqueue and return).
type Handler func(Target)

// SetReplicasInput is what SetReplicas writes.
type SetReplicasInput struct {
	// Target is the object to scale, usually Scale.Target from Get.
	Target Target
	// Replicas is the new spec replicas.
	Replicas int32
}

// scaleFromAutoscaling converts a Scale answered by the API server.
func scaleFromAutoscaling(s *autoscalingv1.Scale, t Target, src Source) Scale {
	return Scale{
		Target:          t,
		UID:             s.UID,
		ResourceVersion: s.ResourceVersion,
		SpecReplicas:    s.Spec.Replicas,
		StatusReplicas:  s.Status.Replicas,
		Selector:        s.Status.Selector,
		Source:          src,
	}
}
