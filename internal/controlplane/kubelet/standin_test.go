package kubelet_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/controlplane/kubelet"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// TestStandInWithFakeClock runs the stand-in against a real API server with a fake clock:
// pods become Ready when the clock says so, timing comes from annotations and the Go hook,
// and pods being deleted go at once.
func TestStandInWithFakeClock(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{})
	cs := framework.AdminClient(t, cp)
	ns := framework.CreateNamespace(t, cs, "standin")

	clk := clocktesting.NewFakeClock(time.Now().Truncate(time.Second))
	t0 := clk.Now()
	standIn, err := kubelet.New(cs, kubelet.Options{
		NodeName:   "fake-clock-node",
		ReadyAfter: 10 * time.Second,
		Clock:      clk,
		TimingFunc: func(pod *corev1.Pod, fromAnnotations kubelet.Timing) kubelet.Timing {
			if pod.Labels["slow"] == "true" {
				fromAnnotations.ReadyAfter = time.Minute
			}
			return fromAnnotations
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := standIn.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(standIn.Stop)

	node, err := cs.CoreV1().Nodes().Get(t.Context(), "fake-clock-node", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(node.Spec.Taints) != 0 {
		t.Errorf("node taints %v, want none", node.Spec.Taints)
	}
	if c := nodeCondition(node, corev1.NodeReady); c == nil || c.Status != corev1.ConditionTrue {
		t.Errorf("node Ready condition %+v, want True", c)
	}
	if cpu := node.Status.Allocatable.Cpu(); cpu.Value() != 32 {
		t.Errorf("node allocatable cpu %v, want 32", cpu)
	}

	pods := map[string]func(*corev1.Pod){
		"default": func(*corev1.Pod) {},
		"quick":   func(p *corev1.Pod) { p.Annotations = map[string]string{kubelet.AnnotationReadyAfter: "0s"} },
		"never":   func(p *corev1.Pod) { p.Annotations = map[string]string{kubelet.AnnotationReadyAfter: "never"} },
		"slow":    func(p *corev1.Pod) { p.Labels = map[string]string{"slow": "true"} },
		"old":     func(p *corev1.Pod) { p.Annotations = map[string]string{kubelet.AnnotationStartedAgo: "1h"} },
	}
	for name, mutate := range pods {
		pod := framework.NewPod(ns, name)
		mutate(pod)
		framework.CreatePod(t, cs, pod)
	}
	running := func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning }
	readyAt := func(name string) {
		t.Helper()
		pod := framework.WaitForPod(t, cs, ns, name, "ready", framework.PodReady)
		if pod.Spec.NodeName != "fake-clock-node" {
			t.Errorf("pod %s on node %q, want fake-clock-node", name, pod.Spec.NodeName)
		}
	}
	for name := range pods {
		framework.WaitForPod(t, cs, ns, name, "running", running)
	}
	readyAt("quick")
	readyAt("old")
	old := framework.WaitForPod(t, cs, ns, "old", "ready", framework.PodReady)
	if got, want := old.Status.StartTime.Time, t0.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("pod old: startTime %v, want %v (the fake clock's now minus 1h)", got, want)
	}
	if got, want := framework.PodCondition(old, corev1.PodReady).LastTransitionTime.Time, t0.Add(-time.Hour+10*time.Second); !got.Equal(want) {
		t.Errorf("pod old: Ready since %v, want %v (start plus the default 10s)", got, want)
	}
	assertUnready(t, cs, ns, "default", "slow", "never")

	clk.Step(10 * time.Second)
	readyAt("default")
	def := framework.WaitForPod(t, cs, ns, "default", "ready", framework.PodReady)
	if got, want := framework.PodCondition(def, corev1.PodReady).LastTransitionTime.Time, t0.Add(10*time.Second); !got.Equal(want) {
		t.Errorf("pod default: Ready since %v, want %v", got, want)
	}
	assertUnready(t, cs, ns, "slow", "never")

	clk.Step(50 * time.Second)
	readyAt("slow")
	assertUnready(t, cs, ns, "never")

	// Turning a Ready pod's annotation to "never" makes it unready, dated now.
	clk.Step(time.Minute)
	_, err = cs.CoreV1().Pods(ns).Patch(t.Context(), "quick", types.MergePatchType,
		[]byte(`{"metadata":{"annotations":{"`+kubelet.AnnotationReadyAfter+`":"never"}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	quick := framework.WaitForPod(t, cs, ns, "quick", "unready", func(p *corev1.Pod) bool { return !framework.PodReady(p) })
	if got, want := framework.PodCondition(quick, corev1.PodReady).LastTransitionTime.Time, clk.Now(); !got.Equal(want) {
		t.Errorf("pod quick: unready since %v, want %v", got, want)
	}

	// A pod deleted with a grace period is gone at once: no container has to stop.
	err = cs.CoreV1().Pods(ns).Delete(t.Context(), "never", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](300)})
	if err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, "pod never to be deleted", func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Pods(ns).Get(ctx, "never", metav1.GetOptions{})
		return err != nil, nil
	})
}

// assertUnready checks that the pods are Running and not Ready. The stand-in reports a pod
// Running when it starts it and changes readiness only when the clock passes the pod's ready
// time, so with a fake clock this holds until the clock is stepped.
func assertUnready(t *testing.T, cs kubernetes.Interface, ns string, names ...string) {
	t.Helper()
	for _, name := range names {
		pod, err := cs.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pod.Status.Phase != corev1.PodRunning || framework.PodReady(pod) {
			t.Errorf("pod %s: phase %s, ready %v; want Running and not Ready", name, pod.Status.Phase, framework.PodReady(pod))
		}
	}
}

func nodeCondition(node *corev1.Node, ct corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == ct {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}
