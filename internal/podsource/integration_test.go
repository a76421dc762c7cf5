package podsource_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
	"github.com/mhpa-dev/mhpa/internal/podsource"
	"github.com/mhpa-dev/mhpa/test/framework"
)

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// sortPods sorts pods by name.
func sortPods(pods []*podsource.Pod) []*podsource.Pod {
	slices.SortFunc(pods, func(a, b *podsource.Pod) int { return strings.Compare(a.Name, b.Name) })
	return pods
}

// TestOnAPIServer lists the pods of a Deployment, scaled by kube-controller-manager and run by
// the kubelet stand-in, and of a pod with sidecars and pod-level requests, from the cache.
func TestOnAPIServer(t *testing.T) {
	cp := framework.StartControlPlane(t, controlplane.Options{ControllerManager: true, Kubelet: true})
	admin := framework.AdminClient(t, cp)
	ctx := t.Context()
	ns := framework.CreateNamespace(t, admin, "pods")
	framework.WaitForDefaultServiceAccount(t, admin, ns)

	var requests atomic.Int64
	cfg := rest.CopyConfig(cp.AdminConfig())
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Query().Get("watch") != "true" {
				requests.Add(1)
			}
			return rt.RoundTrip(r)
		})
	})
	src, err := podsource.NewForConfig(cfg, podsource.Options{})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := src.Start(runCtx); err != nil {
			t.Errorf("Start: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	if !src.WaitForCacheSync(ctx) {
		t.Fatal("pod cache did not sync")
	}

	framework.CreateDeployment(t, admin, framework.DeploymentOptions{Namespace: ns, Name: "web", Replicas: 3, CPURequest: "100m", MemoryRequest: "64Mi"})
	web := labels.SelectorFromSet(labels.Set{"app": "web"})

	t.Run("pods of a Deployment, as the API has them", func(t *testing.T) {
		framework.WaitForDeploymentPods(t, admin, ns, "web")
		framework.WaitFor(t, "the cache to hold the 3 ready pods as the API does", func(ctx context.Context) (bool, error) {
			list, err := admin.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: web.String()})
			if err != nil {
				return false, err
			}
			want := make([]*podsource.Pod, 0, len(list.Items))
			for i := range list.Items {
				want = append(want, podsource.FromPod(&list.Items[i]))
			}
			got := src.List(ns, web)
			if diff := cmp.Diff(sortPods(want), sortPods(got)); diff != "" {
				return false, fmt.Errorf("cache differs from the API (-api +cache):\n%s", diff)
			}
			return len(got) == 3, nil
		})
		for _, p := range src.List(ns, web) {
			if p.Phase != corev1.PodRunning || p.Ready != corev1.ConditionTrue || p.StartTime == nil || p.ReadyTransitionTime.IsZero() {
				t.Errorf("pod %s: phase %s, ready %s at %v, start %v; want Running and Ready with times", p.Name, p.Phase, p.Ready, p.ReadyTransitionTime, p.StartTime)
			}
			cpu, err := p.RequestMilli(corev1.ResourceCPU, "")
			if err != nil || cpu != 100 {
				t.Errorf("pod %s: cpu request %d, %v; want 100m", p.Name, cpu, err)
			}
			if p.Labels["pod-template-hash"] == "" {
				t.Errorf("pod %s: labels %v lack pod-template-hash", p.Name, p.Labels)
			}
		}
	})

	t.Run("sidecars, init containers and pod-level requests", func(t *testing.T) {
		pod := framework.NewPod(ns, "solo")
		pod.Labels = map[string]string{"app": "solo"}
		pod.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")}
		pod.Spec.InitContainers = []corev1.Container{
			{Name: "setup", Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}},
			{Name: "mesh", Image: "registry.k8s.io/pause:3.10", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("32Mi")}}},
		}
		pod.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}}
		framework.CreatePod(t, admin, pod)
		framework.WaitForPod(t, admin, ns, "solo", "ready", framework.PodReady)

		var got *podsource.Pod
		framework.WaitFor(t, "the solo pod ready in the cache", func(context.Context) (bool, error) {
			pods := src.List(ns, labels.SelectorFromSet(labels.Set{"app": "solo"}))
			if len(pods) != 1 {
				return false, fmt.Errorf("%d pods", len(pods))
			}
			got = pods[0]
			return got.Ready == corev1.ConditionTrue, nil
		})
		want := struct {
			Containers, Sidecars []podsource.Container
			PodLevel             podsource.Requests
		}{
			Containers: []podsource.Container{{Name: "main", Requests: podsource.Requests{{Name: "cpu", MilliValue: 200}}}},
			Sidecars:   []podsource.Container{{Name: "mesh", Requests: podsource.Requests{{Name: "cpu", MilliValue: 50}, {Name: "memory", MilliValue: 32 << 20 * 1000}}}},
			// cpu from the pod level; memory aggregated from the containers.
			PodLevel: podsource.Requests{{Name: "cpu", MilliValue: 3000}, {Name: "memory", MilliValue: 32 << 20 * 1000}},
		}
		gotView := struct {
			Containers, Sidecars []podsource.Container
			PodLevel             podsource.Requests
		}{got.Containers, got.Sidecars, got.PodLevelRequests}
		if diff := cmp.Diff(want, gotView); diff != "" {
			t.Errorf("cached containers and requests (-want +got):\n%s", diff)
		}
		if cpu, err := got.RequestMilli(corev1.ResourceCPU, ""); err != nil || cpu != 3000 {
			t.Errorf("pod cpu request = %d, %v; want the pod-level 3000m", cpu, err)
		}
		if cpu, err := got.RequestMilli(corev1.ResourceCPU, "mesh"); err != nil || cpu != 50 {
			t.Errorf("mesh cpu request = %d, %v; want 50m", cpu, err)
		}
	})

	t.Run("a pod being deleted", func(t *testing.T) {
		pod := framework.NewPod(ns, "held")
		pod.Labels = map[string]string{"app": "held"}
		pod.Finalizers = []string{"test.mhpa.dev/hold"}
		framework.CreatePod(t, admin, pod)
		if err := admin.CoreV1().Pods(ns).Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = admin.CoreV1().Pods(ns).Patch(context.Background(), "held", types.JSONPatchType,
				[]byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{})
		})
		framework.WaitFor(t, "the held pod to show its deletion timestamp in the cache", func(context.Context) (bool, error) {
			pods := src.List(ns, labels.SelectorFromSet(labels.Set{"app": "held"}))
			return len(pods) == 1 && pods[0].DeletionTimestamp != nil, nil
		})
	})

	t.Run("lists send no request", func(t *testing.T) {
		before := requests.Load()
		for i := 0; i < 1000; i++ {
			if n := len(src.List(ns, web)); n != 3 {
				t.Fatalf("List returned %d pods, want 3", n)
			}
		}
		if n := requests.Load() - before; n != 0 {
			t.Errorf("1000 lists sent %d requests, want 0", n)
		}
	})

	t.Run("ambiguous selectors", func(t *testing.T) {
		x := podsource.NewSelectorIndex()
		x.Set(ns, "web", web)
		x.Set(ns, "solo", labels.SelectorFromSet(labels.Set{"app": "solo"}))
		if err := x.Check(ns, web.String(), src.List(ns, web)); err != nil {
			t.Errorf("Check with one HPA per target: %v", err)
		}
		broad, err := labels.Parse("app in (web,solo)")
		if err != nil {
			t.Fatal(err)
		}
		x.Set(ns, "broad", broad)
		err = x.Check(ns, web.String(), src.List(ns, web))
		want := fmt.Sprintf("pods by selector app=web are controlled by multiple HPAs: [%s/broad %s/web]", ns, ns)
		if err == nil || err.Error() != want {
			t.Errorf("Check = %v, want %q", err, want)
		}
	})

	t.Run("scaling down removes pods from the cache", func(t *testing.T) {
		framework.ScaleDeployment(t, admin, ns, "web", 1)
		framework.WaitFor(t, "one web pod in the cache", func(context.Context) (bool, error) {
			if n := len(src.List(ns, web)); n != 1 {
				return false, fmt.Errorf("%d pods", n)
			}
			return true, nil
		})
	})
}
