package framework

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// CreateNamespace creates a namespace named prefix plus a random suffix, deletes it when the
// test ends (without waiting), and returns its name. Pods can be created in it once its
// default service account exists (see WaitForDefaultServiceAccount); controllers that create
// pods retry until then.
func CreateNamespace(t testing.TB, cs kubernetes.Interface, prefix string) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating namespace %s-*: %v", prefix, err)
	}
	t.Cleanup(func() {
		err := cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Logf("deleting namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// WaitForDefaultServiceAccount waits until the service account controller (run by
// kube-controller-manager) has created the "default" service account in ns.
func WaitForDefaultServiceAccount(t testing.TB, cs kubernetes.Interface, ns string) {
	t.Helper()
	WaitFor(t, describe("service account %s/default", ns), func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
}

// DeploymentOptions describe a Deployment for CreateDeployment.
type DeploymentOptions struct {
	// Namespace and Name of the Deployment. Required.
	Namespace, Name string
	// Replicas is spec.replicas.
	Replicas int32
	// Labels are the pod labels and the selector; default {"app": Name}.
	Labels map[string]string
	// PodAnnotations are set on the pod template, e.g. the kubelet stand-in's timing
	// annotations.
	PodAnnotations map[string]string
	// CPURequest and MemoryRequest are the container's requests, e.g. "100m", "64Mi"
	// (resource metrics are ratios to requests). Empty means none.
	CPURequest, MemoryRequest string
	// Image is the container image; default "registry.k8s.io/pause:3.10". Nothing pulls it.
	Image string
}

// CreateDeployment creates a Deployment with one container and returns it.
func CreateDeployment(t testing.TB, cs kubernetes.Interface, opts DeploymentOptions) *appsv1.Deployment {
	t.Helper()
	if opts.Namespace == "" || opts.Name == "" {
		t.Fatalf("CreateDeployment: DeploymentOptions.Namespace and .Name are required, got %q and %q", opts.Namespace, opts.Name)
	}
	lbls := opts.Labels
	if lbls == nil {
		lbls = map[string]string{"app": opts.Name}
	}
	image := opts.Image
	if image == "" {
		image = "registry.k8s.io/pause:3.10"
	}
	requests := corev1.ResourceList{}
	for name, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: opts.CPURequest, corev1.ResourceMemory: opts.MemoryRequest} {
		if v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			t.Fatalf("CreateDeployment: DeploymentOptions request for %s: invalid value %q: %v", name, v, err)
		}
		requests[name] = q
	}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: opts.Namespace, Name: opts.Name, Labels: lbls},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(opts.Replicas),
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls, Annotations: opts.PodAnnotations},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:      "main",
						Image:     image,
						Resources: corev1.ResourceRequirements{Requests: requests},
					}},
					TerminationGracePeriodSeconds: ptr.To[int64](30),
				},
			},
		},
	}
	d, err := cs.AppsV1().Deployments(opts.Namespace).Create(t.Context(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating deployment %s/%s: %v", opts.Namespace, opts.Name, err)
	}
	return d
}

// ScaleDeployment sets the Deployment's replicas through its scale subresource.
func ScaleDeployment(t testing.TB, cs kubernetes.Interface, ns, name string, replicas int32) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		scale, err := cs.AppsV1().Deployments(ns).GetScale(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		scale.Spec.Replicas = replicas
		_, err = cs.AppsV1().Deployments(ns).UpdateScale(t.Context(), name, scale, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("scaling deployment %s/%s to %d: %v", ns, name, replicas, err)
	}
}

// WaitForDeploymentPods waits until the Deployment's selector matches exactly its
// spec.replicas pods and all of them are Ready, and returns them. The count includes pods
// being deleted, so after a scale-down it waits until the extra pods are gone.
func WaitForDeploymentPods(t testing.TB, cs kubernetes.Interface, ns, name string) []corev1.Pod {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting deployment %s/%s: %v", ns, name, err)
	}
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		t.Fatalf("deployment %s/%s: spec.selector: %v", ns, name, err)
	}
	return WaitForReadyPods(t, cs, ns, selector, int(ptr.Deref(d.Spec.Replicas, 1)))
}

// WaitForReadyPods waits until selector matches exactly n pods in ns, all Ready and none
// being deleted, and returns them.
func WaitForReadyPods(t testing.TB, cs kubernetes.Interface, ns string, selector labels.Selector, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	WaitFor(t, describe("%d ready pods matching %q in %s", n, selector, ns), func(ctx context.Context) (bool, error) {
		list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
		if err != nil {
			return false, err
		}
		ready := 0
		for i := range list.Items {
			if list.Items[i].DeletionTimestamp == nil && PodReady(&list.Items[i]) {
				ready++
			}
		}
		if len(list.Items) != n || ready != n {
			return false, fmt.Errorf("%d pods, %d of them ready and not being deleted", len(list.Items), ready)
		}
		pods = list.Items
		return true, nil
	})
	return pods
}

// PodReady reports whether the pod's Ready condition is True.
func PodReady(pod *corev1.Pod) bool {
	c := PodCondition(pod, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

// PodCondition returns the pod's condition of type ct, or nil.
func PodCondition(pod *corev1.Pod, ct corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == ct {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// NewPod returns a pod with one container (image "registry.k8s.io/pause:3.10", which nothing
// pulls) for CreatePod; set more fields on it as needed.
func NewPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "main", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
}

// CreatePod creates the pod and returns it as created.
func CreatePod(t testing.TB, cs kubernetes.Interface, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	created, err := cs.CoreV1().Pods(pod.Namespace).Create(t.Context(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return created
}

// WaitForPod waits until the pod exists and cond holds for it, and returns it. what names the
// awaited state in the failure message.
func WaitForPod(t testing.TB, cs kubernetes.Interface, ns, name, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	WaitFor(t, describe("pod %s/%s %s", ns, name, what), func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pod = p
		return cond(p), nil
	})
	return pod
}
