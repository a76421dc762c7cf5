package kubelet

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// summary is the part of a pod status the tests compare.
type summary struct {
	Phase      corev1.PodPhase
	StartTime  time.Time
	PodIP      string
	HostIP     string
	Conditions map[corev1.PodConditionType]cond
	Containers []string // name=state/ready
	Init       []string
	Requeue    time.Duration
}

type cond struct {
	Status     corev1.ConditionStatus
	Reason     string
	Transition time.Time
}

func summarize(s corev1.PodStatus, requeue time.Duration) summary {
	out := summary{Phase: s.Phase, PodIP: s.PodIP, HostIP: s.HostIP, Requeue: requeue, Conditions: map[corev1.PodConditionType]cond{}}
	if s.StartTime != nil {
		out.StartTime = s.StartTime.Time.UTC()
	}
	for _, c := range s.Conditions {
		out.Conditions[c.Type] = cond{c.Status, c.Reason, c.LastTransitionTime.Time.UTC()}
	}
	describe := func(cs corev1.ContainerStatus) string {
		state := "waiting"
		switch {
		case cs.State.Running != nil:
			state = "running"
		case cs.State.Terminated != nil:
			state = "terminated/" + cs.State.Terminated.Reason
		}
		ready := "unready"
		if cs.Ready {
			ready = "ready"
		}
		return cs.Name + "=" + state + "/" + ready
	}
	for _, cs := range s.ContainerStatuses {
		out.Containers = append(out.Containers, describe(cs))
	}
	for _, cs := range s.InitContainerStatuses {
		out.Init = append(out.Init, describe(cs))
	}
	return out
}

func conds(ready, containersReady cond, start time.Time) map[corev1.PodConditionType]cond {
	on := cond{corev1.ConditionTrue, "", start}
	return map[corev1.PodConditionType]cond{
		corev1.PodReadyToStartContainers: on,
		corev1.PodInitialized:            on,
		corev1.PodScheduled:              on,
		corev1.PodReady:                  ready,
		corev1.ContainersReady:           containersReady,
	}
}

func newPod(mutate ...func(*corev1.Pod)) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "uid-1"},
		Spec: corev1.PodSpec{NodeName: "node", Containers: []corev1.Container{
			{Name: "app", Image: "app:1"}, {Name: "proxy", Image: "proxy:1"},
		}},
	}
	for _, m := range mutate {
		m(pod)
	}
	return pod
}

// withStatus gives the pod the status runningStatus computes for it at the given times.
func withStatus(start, readyAt, now time.Time) func(*corev1.Pod) {
	return func(pod *corev1.Pod) {
		pod.Status, _ = runningStatus(statusInput{pod: pod, hostIP: "127.0.0.1", podIP: "10.244.0.1", start: start, readyAt: readyAt, now: now})
	}
}

func TestRunningStatus(t *testing.T) {
	start := t0
	trueAt := func(at time.Time) cond { return cond{corev1.ConditionTrue, "", at} }
	falseAt := func(reason string, at time.Time) cond { return cond{corev1.ConditionFalse, reason, at} }
	tests := map[string]struct {
		pod          *corev1.Pod
		readyAt, now time.Time
		start        time.Time
		want         summary
	}{
		"ready at once": {
			pod: newPod(), start: start, readyAt: start, now: start,
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.9", HostIP: "127.0.0.1",
				Conditions: conds(trueAt(start), trueAt(start), start),
				Containers: []string{"app=running/ready", "proxy=running/ready"},
			},
		},
		"ready later": {
			pod: newPod(), start: start, readyAt: start.Add(20 * time.Second), now: start.Add(time.Second),
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.9", HostIP: "127.0.0.1",
				Conditions: conds(falseAt("ContainersNotReady", start), falseAt("ContainersNotReady", start), start),
				Containers: []string{"app=running/unready", "proxy=running/unready"},
				Requeue:    19 * time.Second,
			},
		},
		"never ready": {
			pod: newPod(), start: start, now: start.Add(time.Hour),
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.9", HostIP: "127.0.0.1",
				Conditions: conds(falseAt("ContainersNotReady", start), falseAt("ContainersNotReady", start), start),
				Containers: []string{"app=running/unready", "proxy=running/unready"},
			},
		},
		"becomes ready at readyAt, not when seen": {
			pod:   newPod(withStatus(start, start.Add(20*time.Second), start)),
			start: start, readyAt: start.Add(20 * time.Second), now: start.Add(25 * time.Second),
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.1", HostIP: "127.0.0.1",
				Conditions: conds(trueAt(start.Add(20*time.Second)), trueAt(start.Add(20*time.Second)), start),
				Containers: []string{"app=running/ready", "proxy=running/ready"},
			},
		},
		"backdated start is ready since start plus delay": {
			pod: newPod(), start: start.Add(-10 * time.Minute), readyAt: start.Add(-9 * time.Minute), now: start,
			want: summary{
				Phase: corev1.PodRunning, StartTime: start.Add(-10 * time.Minute), PodIP: "10.244.0.9", HostIP: "127.0.0.1",
				Conditions: conds(trueAt(start.Add(-9*time.Minute)), trueAt(start.Add(-9*time.Minute)), start.Add(-10*time.Minute)),
				Containers: []string{"app=running/ready", "proxy=running/ready"},
			},
		},
		"ready pod turned never-ready flips now": {
			pod:   newPod(withStatus(start, start, start)),
			start: start, now: start.Add(time.Minute),
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.1", HostIP: "127.0.0.1",
				Conditions: conds(falseAt("ContainersNotReady", start.Add(time.Minute)), falseAt("ContainersNotReady", start.Add(time.Minute)), start),
				Containers: []string{"app=running/unready", "proxy=running/unready"},
			},
		},
		"ready again after being turned unready flips now": {
			pod:   newPod(withStatus(start, start, start), withStatus(start, time.Time{}, start.Add(time.Minute))),
			start: start, readyAt: start, now: start.Add(2 * time.Minute),
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.1", HostIP: "127.0.0.1",
				Conditions: conds(trueAt(start.Add(2*time.Minute)), trueAt(start.Add(2*time.Minute)), start),
				Containers: []string{"app=running/ready", "proxy=running/ready"},
			},
		},
		"readiness gate holds Ready back": {
			pod: newPod(func(p *corev1.Pod) {
				p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/gate"}}
			}),
			start: start, readyAt: start, now: start,
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.9", HostIP: "127.0.0.1",
				Conditions: conds(falseAt("ReadinessGatesNotReady", start), trueAt(start), start),
				Containers: []string{"app=running/ready", "proxy=running/ready"},
			},
		},
		"init containers completed, sidecars running": {
			pod: newPod(func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{
					{Name: "setup", Image: "setup:1"},
					{Name: "sidecar", Image: "sidecar:1", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)},
				}
			}),
			start: start, readyAt: start, now: start,
			want: summary{
				Phase: corev1.PodRunning, StartTime: start, PodIP: "10.244.0.9", HostIP: "127.0.0.1",
				Conditions: conds(trueAt(start), trueAt(start), start),
				Containers: []string{"app=running/ready", "proxy=running/ready"},
				Init:       []string{"setup=terminated/Completed/ready", "sidecar=running/ready"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, requeue := runningStatus(statusInput{
				pod: tc.pod, hostIP: "127.0.0.1", podIP: "10.244.0.9", start: tc.start, readyAt: tc.readyAt, now: tc.now,
			})
			if diff := cmp.Diff(tc.want, summarize(got, requeue)); diff != "" {
				t.Errorf("runningStatus (-want +got):\n%s", diff)
			}
			// Computing again from the result changes nothing: the stand-in writes only once.
			again := tc.pod.DeepCopy()
			again.Status = got
			got2, _ := runningStatus(statusInput{pod: again, hostIP: "127.0.0.1", podIP: "10.244.0.10", start: tc.start, readyAt: tc.readyAt, now: tc.now})
			if diff := cmp.Diff(got, got2); diff != "" {
				t.Errorf("second runningStatus changed the status (-first +second):\n%s", diff)
			}
		})
	}
}

func TestTimingFromAnnotations(t *testing.T) {
	defaults := Timing{ReadyAfter: 5 * time.Second}
	tests := map[string]struct {
		annotations map[string]string
		want        Timing
		wantErr     string
	}{
		"none":          {want: defaults},
		"ready after":   {annotations: map[string]string{AnnotationReadyAfter: "20s"}, want: Timing{ReadyAfter: 20 * time.Second}},
		"ready at once": {annotations: map[string]string{AnnotationReadyAfter: "0s"}, want: Timing{}},
		"never":         {annotations: map[string]string{AnnotationReadyAfter: "never"}, want: Timing{ReadyAfter: 5 * time.Second, NeverReady: true}},
		"started ago": {
			annotations: map[string]string{AnnotationStartedAgo: "5m", AnnotationReadyAfter: "1m"},
			want:        Timing{ReadyAfter: time.Minute, StartedAgo: 5 * time.Minute},
		},
		"bad ready after": {
			annotations: map[string]string{AnnotationReadyAfter: "soon"}, want: defaults,
			wantErr: `metadata.annotations[kubelet.mhpa.dev/ready-after]: invalid value "soon": must be a non-negative Go duration such as "20s" or "5m" or "never"`,
		},
		"negative ready after": {
			annotations: map[string]string{AnnotationReadyAfter: "-1s"}, want: defaults,
			wantErr: `metadata.annotations[kubelet.mhpa.dev/ready-after]: invalid value "-1s"`,
		},
		"bad started ago": {
			annotations: map[string]string{AnnotationStartedAgo: "yesterday"}, want: defaults,
			wantErr: `metadata.annotations[kubelet.mhpa.dev/started-ago]: invalid value "yesterday"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := TimingFromAnnotations(newPod(func(p *corev1.Pod) { p.Annotations = tc.annotations }), defaults)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("timing (-want +got):\n%s", diff)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
