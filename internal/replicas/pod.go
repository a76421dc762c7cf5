package replicas

import (
	"cmp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Pod is what the replica calculator needs to know about one pod of the scale target.
type Pod struct {
	// Name is the pod's name; per-pod metric values are matched to pods by it.
	Name string
	// Phase is the pod's phase. Failed pods are ignored, pending pods are counted as unready.
	Phase corev1.PodPhase
	// Deleting is true when the pod has a deletion timestamp. Such pods are ignored.
	Deleting bool
	// StartTime is when the kubelet started the pod; zero when the pod has no start time yet.
	StartTime time.Time
	// Ready is the status of the pod's Ready condition, or "" when the pod has no Ready
	// condition.
	Ready corev1.ConditionStatus
	// ReadyTransition is the last transition time of the pod's Ready condition.
	ReadyTransition time.Time
	// Containers are the pod's containers whose requests count: the regular containers and the
	// sidecars (restartable init containers), in that order.
	Containers []Container
	// PodRequests are the pod-level requests (spec.resources.requests) of the resources that
	// may be set at pod level; empty when the pod has none. When set, they take precedence
	// over the containers' requests unless a metric names a container.
	PodRequests []ResourceAmount
}

// Container is one container of a pod, with its resource requests.
type Container struct {
	// Name is the container's name.
	Name string
	// Sidecar is true for a restartable init container (an init container with restartPolicy
	// Always), whose requests count like a regular container's.
	Sidecar bool
	// Requests are the container's resource requests.
	Requests []ResourceAmount
}

// ResourceAmount is an amount of one resource in milli-units (millicores for cpu,
// thousandths of a byte for memory), as resource.Quantity.MilliValue returns it.
type ResourceAmount struct {
	// Name is the resource's name.
	Name corev1.ResourceName
	// MilliValue is the amount in thousandths of the resource's unit.
	MilliValue int64
}

// PodMetric is the value of a per-pod metric for one pod. Each pod has at most one entry.
type PodMetric struct {
	// Pod is the name of the pod the value belongs to.
	Pod string
	// MilliValue is the value in thousandths of its unit. For resource metrics it is the sum
	// over the pod's containers, or the named container's value for container resource
	// metrics.
	MilliValue int64
	// Timestamp is when the value was measured.
	Timestamp time.Time
	// Window is the span the value was measured over.
	Window time.Duration
}

// PodFromCore converts a core Pod into the calculator's Pod.
func PodFromCore(p *corev1.Pod) Pod {
	out := Pod{
		Name:     p.Name,
		Phase:    p.Status.Phase,
		Deleting: p.DeletionTimestamp != nil,
	}
	if p.Status.StartTime != nil {
		out.StartTime = p.Status.StartTime.Time
	}
	for i := range p.Status.Conditions {
		c := &p.Status.Conditions[i]
		if c.Type == corev1.PodReady {
			out.Ready = c.Status
			out.ReadyTransition = c.LastTransitionTime.Time
			break
		}
	}
	sidecars := 0
	for i := range p.Spec.InitContainers {
		if isSidecar(&p.Spec.InitContainers[i]) {
			sidecars++
		}
	}
	out.Containers = make([]Container, 0, len(p.Spec.Containers)+sidecars)
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		out.Containers = append(out.Containers, Container{Name: c.Name, Requests: amounts(c.Resources.Requests, nil)})
	}
	for i := range p.Spec.InitContainers {
		c := &p.Spec.InitContainers[i]
		if isSidecar(c) {
			out.Containers = append(out.Containers, Container{Name: c.Name, Sidecar: true, Requests: amounts(c.Resources.Requests, nil)})
		}
	}
	if p.Spec.Resources != nil {
		out.PodRequests = amounts(p.Spec.Resources.Requests, podLevelResource)
	}
	return out
}

func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// podLevelResource reports whether a resource may be requested at pod level (cpu, memory
// and huge pages).
func podLevelResource(name corev1.ResourceName) bool {
	return name == corev1.ResourceCPU || name == corev1.ResourceMemory ||
		strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

func amounts(list corev1.ResourceList, keep func(corev1.ResourceName) bool) []ResourceAmount {
	if len(list) == 0 {
		return nil
	}
	out := make([]ResourceAmount, 0, len(list))
	for name, q := range list {
		if keep != nil && !keep(name) {
			continue
		}
		out = append(out, ResourceAmount{Name: name, MilliValue: q.MilliValue()})
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(a, b ResourceAmount) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func lookup(list []ResourceAmount, name corev1.ResourceName) (int64, bool) {
	for i := range list {
		if list[i].Name == name {
			return list[i].MilliValue, true
		}
	}
	return 0, false
}
