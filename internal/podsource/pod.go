package podsource

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	resourcehelpers "k8s.io/component-helpers/resource"
)

// Pod is what the cache keeps of a pod: what the HPA reads, nothing more.
type Pod struct {
	// Namespace and Name identify the pod.
	Namespace string
	Name      string
	// Labels are the pod's labels (shared with the cache: do not modify).
	Labels map[string]string
	// Phase is status.phase.
	Phase corev1.PodPhase
	// DeletionTimestamp is metadata.deletionTimestamp; nil unless the pod is being deleted.
	DeletionTimestamp *metav1.Time
	// StartTime is status.startTime; nil until the kubelet starts the pod.
	StartTime *metav1.Time
	// Ready is the status of the pod's Ready condition; empty if the pod has none.
	Ready corev1.ConditionStatus
	// ReadyTransitionTime is the lastTransitionTime of the Ready condition.
	ReadyTransitionTime metav1.Time
	// Containers are the pod's containers (spec.containers), in order.
	Containers []Container
	// Sidecars are the restartable init containers (spec.initContainers with restartPolicy
	// Always), in order. Other init containers are not kept.
	Sidecars []Container
	// PodLevelRequests are the pod's requests as upstream computes them when the pod sets
	// pod-level requests (spec.resources.requests of cpu, memory or hugepages): pod-level
	// values where set, container totals otherwise, plus overhead. Nil when the pod sets none.
	PodLevelRequests Requests
}

// Container is a container of a pod.
type Container struct {
	// Name is the container's name.
	Name string
	// Requests are its resource requests.
	Requests Requests
}

// Request is the request of one resource.
type Request struct {
	// Name is the resource, e.g. cpu.
	Name corev1.ResourceName
	// MilliValue is the request in thousandths of the unit (resource.Quantity.MilliValue).
	MilliValue int64
}

// Requests are resource requests, sorted by name.
type Requests []Request

// Get returns the request of a resource in thousandths, and whether there is one.
func (r Requests) Get(name corev1.ResourceName) (int64, bool) {
	for _, q := range r {
		if q.Name == name {
			return q.MilliValue, true
		}
	}
	return 0, false
}

// RequestMilli returns the request of resource of the pod in thousandths, as upstream's
// replica calculator counts it: the pod-level request when the pod sets pod-level requests
// and container is empty; otherwise the sum over the containers and sidecars, or only the
// container named container. Errors use upstream's words.
func (p *Pod) RequestMilli(resource corev1.ResourceName, container string) (int64, error) {
	if container == "" && p.PodLevelRequests != nil {
		v, ok := p.PodLevelRequests.Get(resource)
		if !ok {
			return 0, fmt.Errorf("missing pod-level request for %s in Pod %s", resource, p.Name)
		}
		return v, nil
	}
	var total int64
	for _, group := range [2][]Container{p.Containers, p.Sidecars} {
		for _, c := range group {
			if container != "" && container != c.Name {
				continue
			}
			v, ok := c.Requests.Get(resource)
			if !ok {
				return 0, fmt.Errorf("missing request for %s in container %s of Pod %s", resource, c.Name, p.Name)
			}
			total += v
			if container != "" {
				return total, nil
			}
		}
	}
	if container != "" {
		return 0, fmt.Errorf("container %s not found in Pod %s", container, p.Name)
	}
	return total, nil
}

// GetObjectMeta lets the informer key and index Pods (it implements
// metav1.ObjectMetaAccessor) without keeping an ObjectMeta per pod.
func (p *Pod) GetObjectMeta() metav1.Object { return (*podMeta)(p) }

// FromPod returns what the cache keeps of pod. It keeps references to pod's labels and
// timestamps.
func FromPod(pod *corev1.Pod) *Pod {
	p := &Pod{
		Namespace:         pod.Namespace,
		Name:              pod.Name,
		Labels:            pod.Labels,
		Phase:             pod.Status.Phase,
		DeletionTimestamp: pod.DeletionTimestamp,
		StartTime:         pod.Status.StartTime,
	}
	for i := range pod.Status.Conditions {
		if c := &pod.Status.Conditions[i]; c.Type == corev1.PodReady {
			p.Ready, p.ReadyTransitionTime = c.Status, c.LastTransitionTime
			break
		}
	}

	// One allocation for all containers and one for all their requests.
	sidecars, nreq := 0, 0
	for i := range pod.Spec.Containers {
		nreq += len(pod.Spec.Containers[i].Resources.Requests)
	}
	for i := range pod.Spec.InitContainers {
		if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
			sidecars++
			nreq += len(c.Resources.Requests)
		}
	}
	var podLevel corev1.ResourceList
	if resourcehelpers.IsPodLevelRequestsSet(pod) {
		podLevel = resourcehelpers.PodRequests(pod, resourcehelpers.PodResourcesOptions{})
		nreq += len(podLevel)
	}
	reqs := make([]Request, 0, nreq)
	take := func(rl corev1.ResourceList) Requests {
		if len(rl) == 0 {
			return nil
		}
		start := len(reqs)
		for name, q := range rl {
			reqs = append(reqs, Request{Name: internResource(name), MilliValue: q.MilliValue()})
		}
		r := Requests(reqs[start:len(reqs):len(reqs)])
		slices.SortFunc(r, func(a, b Request) int { return strings.Compare(string(a.Name), string(b.Name)) })
		return r
	}
	if n := len(pod.Spec.Containers) + sidecars; n > 0 {
		all := make([]Container, 0, n)
		for i := range pod.Spec.Containers {
			c := &pod.Spec.Containers[i]
			all = append(all, Container{Name: c.Name, Requests: take(c.Resources.Requests)})
		}
		p.Containers = all[:len(all):len(all)]
		for i := range pod.Spec.InitContainers {
			if c := &pod.Spec.InitContainers[i]; isSidecar(c) {
				all = append(all, Container{Name: c.Name, Requests: take(c.Resources.Requests)})
			}
		}
		if sidecars > 0 {
			p.Sidecars = all[len(p.Containers):]
		}
	}
	if podLevel != nil {
		p.PodLevelRequests = take(podLevel)
	}
	return p
}

// isSidecar reports whether an init container is restartable (a sidecar).
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// internResource returns the common resource names as constants, so that the cache does not
// keep one copy of "cpu" per container.
func internResource(name corev1.ResourceName) corev1.ResourceName {
	switch name {
	case corev1.ResourceCPU:
		return corev1.ResourceCPU
	case corev1.ResourceMemory:
		return corev1.ResourceMemory
	case corev1.ResourceEphemeralStorage:
		return corev1.ResourceEphemeralStorage
	}
	return name
}

// transform is the pod informer's transform. It is idempotent: Pods pass through.
func transform(obj any) (any, error) {
	switch o := obj.(type) {
	case *Pod:
		return o, nil
	case *corev1.Pod:
		return FromPod(o), nil
	}
	return nil, fmt.Errorf("pod cache: unexpected object %T", obj)
}
