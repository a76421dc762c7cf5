package podsource

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// podBuilder builds test pods fluently.
type podBuilder struct{ pod *corev1.Pod }

func newPod(ns, name string) *podBuilder {
	return &podBuilder{pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}}
}

func (b *podBuilder) labels(kv ...string) *podBuilder {
	if b.pod.Labels == nil {
		b.pod.Labels = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b.pod.Labels[kv[i]] = kv[i+1]
	}
	return b
}

// container adds a container; requests are "cpu=100m" style pairs.
func (b *podBuilder) container(name string, requests ...string) *podBuilder {
	b.pod.Spec.Containers = append(b.pod.Spec.Containers, corev1.Container{Name: name, Resources: resources(requests)})
	return b
}

// initContainer adds an init container, restartable (a sidecar) if sidecar is set.
func (b *podBuilder) initContainer(name string, sidecar bool, requests ...string) *podBuilder {
	c := corev1.Container{Name: name, Resources: resources(requests)}
	if sidecar {
		c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	}
	b.pod.Spec.InitContainers = append(b.pod.Spec.InitContainers, c)
	return b
}

func (b *podBuilder) podRequests(requests ...string) *podBuilder {
	r := resources(requests)
	b.pod.Spec.Resources = &r
	return b
}

func (b *podBuilder) overhead(requests ...string) *podBuilder {
	b.pod.Spec.Overhead = resources(requests).Requests
	return b
}

func (b *podBuilder) running(start time.Time) *podBuilder {
	b.pod.Status.Phase = corev1.PodRunning
	b.pod.Status.StartTime = &metav1.Time{Time: start}
	return b
}

func (b *podBuilder) condition(t corev1.PodConditionType, s corev1.ConditionStatus, at time.Time) *podBuilder {
	b.pod.Status.Conditions = append(b.pod.Status.Conditions, corev1.PodCondition{Type: t, Status: s, LastTransitionTime: metav1.Time{Time: at}})
	return b
}

func (b *podBuilder) deleting(at time.Time) *podBuilder {
	b.pod.DeletionTimestamp = &metav1.Time{Time: at}
	return b
}

func (b *podBuilder) obj() *corev1.Pod { return b.pod }

func resources(requests []string) corev1.ResourceRequirements {
	if len(requests) == 0 {
		return corev1.ResourceRequirements{}
	}
	rl := corev1.ResourceList{}
	for _, r := range requests {
		name, q, _ := strings.Cut(r, "=")
		rl[corev1.ResourceName(name)] = resource.MustParse(q)
	}
	return corev1.ResourceRequirements{Requests: rl}
}

var (
	t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	t1 = t0.Add(time.Minute)
)

func TestFromPod(t *testing.T) {
	tests := map[string]struct {
		pod  *corev1.Pod
		want *Pod
	}{
		"running and ready with two containers": {
			pod: newPod("ns", "web-1").labels("app", "web").
				container("app", "cpu=250m", "memory=64Mi").container("proxy", "cpu=50m").
				running(t0).condition(corev1.PodScheduled, corev1.ConditionTrue, t0).
				condition(corev1.PodReady, corev1.ConditionTrue, t1).obj(),
			want: &Pod{
				Namespace: "ns", Name: "web-1", Labels: map[string]string{"app": "web"},
				Phase: corev1.PodRunning, StartTime: &metav1.Time{Time: t0},
				Ready: corev1.ConditionTrue, ReadyTransitionTime: metav1.Time{Time: t1},
				Containers: []Container{
					{Name: "app", Requests: Requests{{Name: "cpu", MilliValue: 250}, {Name: "memory", MilliValue: 64 << 20 * 1000}}},
					{Name: "proxy", Requests: Requests{{Name: "cpu", MilliValue: 50}}},
				},
			},
		},
		"pending without conditions or requests": {
			pod:  newPod("ns", "p").container("app").obj(),
			want: &Pod{Namespace: "ns", Name: "p", Containers: []Container{{Name: "app"}}},
		},
		"sidecars kept, plain init containers dropped": {
			pod: newPod("ns", "s").container("app", "cpu=1").
				initContainer("migrate", false, "cpu=2").initContainer("mesh", true, "cpu=100m", "nvidia.com/gpu=1").obj(),
			want: &Pod{
				Namespace: "ns", Name: "s",
				Containers: []Container{{Name: "app", Requests: Requests{{Name: "cpu", MilliValue: 1000}}}},
				Sidecars:   []Container{{Name: "mesh", Requests: Requests{{Name: "cpu", MilliValue: 100}, {Name: "nvidia.com/gpu", MilliValue: 1000}}}},
			},
		},
		"pod-level requests with overhead": {
			pod: newPod("ns", "pl").container("app", "cpu=100m", "memory=1Gi").
				podRequests("cpu=2").overhead("cpu=250m").obj(),
			want: &Pod{
				Namespace: "ns", Name: "pl",
				Containers: []Container{{Name: "app", Requests: Requests{{Name: "cpu", MilliValue: 100}, {Name: "memory", MilliValue: 1 << 30 * 1000}}}},
				// cpu: pod-level 2 + overhead 250m; memory: from the containers.
				PodLevelRequests: Requests{{Name: "cpu", MilliValue: 2250}, {Name: "memory", MilliValue: 1 << 30 * 1000}},
			},
		},
		"pod-level resources of an unsupported kind only are not pod-level requests": {
			pod:  newPod("ns", "x").container("app", "cpu=1").podRequests("nvidia.com/gpu=1").obj(),
			want: &Pod{Namespace: "ns", Name: "x", Containers: []Container{{Name: "app", Requests: Requests{{Name: "cpu", MilliValue: 1000}}}}},
		},
		"terminating and unready": {
			pod: newPod("ns", "d").container("app", "cpu=1").running(t0).
				condition(corev1.PodReady, corev1.ConditionFalse, t1).deleting(t1).obj(),
			want: &Pod{
				Namespace: "ns", Name: "d", Phase: corev1.PodRunning, StartTime: &metav1.Time{Time: t0},
				DeletionTimestamp: &metav1.Time{Time: t1},
				Ready:             corev1.ConditionFalse, ReadyTransitionTime: metav1.Time{Time: t1},
				Containers: []Container{{Name: "app", Requests: Requests{{Name: "cpu", MilliValue: 1000}}}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, FromPod(tc.pod)); diff != "" {
				t.Errorf("FromPod (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTransformIsIdempotent(t *testing.T) {
	p := newPod("ns", "a").container("app", "cpu=1").obj()
	once, err := transform(p)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := transform(once)
	if err != nil {
		t.Fatal(err)
	}
	if once != twice {
		t.Errorf("transform of a *Pod returned a new object")
	}
	if _, err := transform(&corev1.Node{}); err == nil {
		t.Errorf("transform of a Node: no error")
	}
}

func TestRequestMilli(t *testing.T) {
	app := newPod("ns", "p").container("app", "cpu=200m", "memory=1Mi").container("proxy", "cpu=100m").
		initContainer("setup", false, "cpu=5").initContainer("mesh", true, "cpu=50m").obj()
	noMem := newPod("ns", "q").container("app", "cpu=200m").container("proxy").obj()
	podLevel := newPod("ns", "r").container("app", "cpu=200m").podRequests("cpu=1").obj()

	type result struct {
		Milli int64
		Err   string
	}
	tests := map[string]struct {
		pod       *corev1.Pod
		resource  corev1.ResourceName
		container string
		want      result
	}{
		"sum over containers and sidecars, not init containers": {pod: app, resource: "cpu", want: result{Milli: 350}},
		"one container": {pod: app, resource: "cpu", container: "proxy", want: result{Milli: 100}},
		"one sidecar":   {pod: app, resource: "cpu", container: "mesh", want: result{Milli: 50}},
		"plain init container is not a container":  {pod: app, resource: "cpu", container: "setup", want: result{Err: "container setup not found in Pod p"}},
		"missing request in a container":           {pod: noMem, resource: "cpu", want: result{Err: "missing request for cpu in container proxy of Pod q"}},
		"missing request in the named container":   {pod: app, resource: "memory", container: "proxy", want: result{Err: "missing request for memory in container proxy of Pod p"}},
		"pod-level request wins without container": {pod: podLevel, resource: "cpu", want: result{Milli: 1000}},
		"container wins over pod-level":            {pod: podLevel, resource: "cpu", container: "app", want: result{Milli: 200}},
		"missing pod-level request":                {pod: podLevel, resource: "memory", want: result{Err: "missing pod-level request for memory in Pod r"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got result
			v, err := FromPod(tc.pod).RequestMilli(tc.resource, tc.container)
			if err != nil {
				got.Err = err.Error()
			} else {
				got.Milli = v
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("RequestMilli(%s, %q) (-want +got):\n%s", tc.resource, tc.container, diff)
			}
		})
	}
}
