package framework_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/controlplane/kubelet"
	"github.com/mhpa-dev/mhpa/test/framework"
)

// TestDeploymentScaling: kube-controller-manager creates and deletes the pods of a scaled
// Deployment, and the kubelet stand-in binds them, runs them, and deletes the removed ones.
func TestDeploymentScaling(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	cs := framework.AdminClient(t, cp)
	ns := framework.CreateNamespace(t, cs, "scale")

	framework.CreateDeployment(t, cs, framework.DeploymentOptions{Namespace: ns, Name: "web", Replicas: 1, CPURequest: "100m"})
	framework.ScaleDeployment(t, cs, ns, "web", 3)
	pods := framework.WaitForDeploymentPods(t, cs, ns, "web")
	for _, pod := range pods {
		if pod.Spec.NodeName != cp.Kubelet().NodeName() {
			t.Errorf("pod %s: spec.nodeName = %q, want %q", pod.Name, pod.Spec.NodeName, cp.Kubelet().NodeName())
		}
		if pod.Status.Phase != corev1.PodRunning || pod.Status.StartTime == nil {
			t.Errorf("pod %s: phase %q, startTime %v; want Running with a start time", pod.Name, pod.Status.Phase, pod.Status.StartTime)
		}
		for _, ct := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
			if c := framework.PodCondition(&pod, ct); c == nil || c.Status != corev1.ConditionTrue || c.LastTransitionTime.IsZero() {
				t.Errorf("pod %s: condition %s = %+v, want True with a transition time", pod.Name, ct, c)
			}
		}
		if len(pod.Status.ContainerStatuses) != 1 || pod.Status.ContainerStatuses[0].State.Running == nil {
			t.Errorf("pod %s: container statuses %+v, want one running container", pod.Name, pod.Status.ContainerStatuses)
		}
	}

	framework.ScaleDeployment(t, cs, ns, "web", 1)
	pods = framework.WaitForDeploymentPods(t, cs, ns, "web")
	if len(pods) != 1 {
		t.Fatalf("after scaling to 1: %d pods, want 1", len(pods))
	}
	d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	framework.WaitFor(t, "deployment status to show 1 ready replica", func(ctx context.Context) (bool, error) {
		d, err = cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == 1 && d.Status.Replicas == 1, err
	})
}

// TestReadyAfterAnnotation: a pod with a ready-after annotation runs at once but becomes
// Ready only that long after its start; "never" keeps it unready; started-ago backdates it.
func TestReadyAfterAnnotation(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{Kubelet: true})
	cs := framework.AdminClient(t, cp)
	ns := framework.CreateNamespace(t, cs, "ready")

	const delay = 3 * time.Second
	created := time.Now()
	for name, annotations := range map[string]map[string]string{
		"late":  {kubelet.AnnotationReadyAfter: delay.String()},
		"never": {kubelet.AnnotationReadyAfter: "never"},
		"old":   {kubelet.AnnotationStartedAgo: "10m", kubelet.AnnotationReadyAfter: "30s"},
	} {
		pod := framework.NewPod(ns, name)
		pod.Annotations = annotations
		framework.CreatePod(t, cs, pod)
	}

	running := framework.WaitForPod(t, cs, ns, "late", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if framework.PodReady(running) && time.Since(created) < delay {
		t.Fatalf("pod late was Ready %v after creation, before its %v delay", time.Since(created), delay)
	}
	ready := framework.WaitForPod(t, cs, ns, "late", "ready", framework.PodReady)
	if elapsed := time.Since(created); elapsed < delay {
		t.Errorf("pod late became Ready %v after creation, want at least %v", elapsed, delay)
	}
	start := ready.Status.StartTime.Time
	transition := framework.PodCondition(ready, corev1.PodReady).LastTransitionTime.Time
	if got := transition.Sub(start); got < delay || got > delay+time.Second {
		t.Errorf("pod late: Ready transition %v after start, want %v (to the second)", got, delay)
	}

	never := framework.WaitForPod(t, cs, ns, "never", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	if framework.PodReady(never) {
		t.Errorf("pod never is Ready, want unready")
	}
	if c := framework.PodCondition(never, corev1.PodReady); c == nil || c.Reason != "ContainersNotReady" {
		t.Errorf("pod never: Ready condition %+v, want False with reason ContainersNotReady", c)
	}

	old := framework.WaitForPod(t, cs, ns, "old", "ready", framework.PodReady)
	if age := time.Since(old.Status.StartTime.Time); age < 10*time.Minute || age > 11*time.Minute {
		t.Errorf("pod old: started %v ago, want about 10m", age)
	}
	oldReady := framework.PodCondition(old, corev1.PodReady).LastTransitionTime.Time
	if got := oldReady.Sub(old.Status.StartTime.Time); got < 30*time.Second || got > 31*time.Second {
		t.Errorf("pod old: Ready %v after its start, want 30s", got)
	}
}
