package podsource

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
)

// startSource starts a Source on a fake clientset holding pods and waits for its sync.
func startSource(t *testing.T, pods ...*corev1.Pod) (*Source, *fake.Clientset) {
	t.Helper()
	objs := make([]runtime.Object, 0, len(pods))
	for _, p := range pods {
		objs = append(objs, p)
	}
	cs := fake.NewClientset(objs...)
	s, err := New(Options{Client: cs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Start(ctx); err != nil {
			t.Errorf("Start: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	syncCtx, syncCancel := context.WithTimeout(ctx, 10*time.Second)
	defer syncCancel()
	if !s.WaitForCacheSync(syncCtx) {
		t.Fatal("pod cache did not sync")
	}
	return s, cs
}

func names(pods []*Pod) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	slices.Sort(out)
	return out
}

func TestList(t *testing.T) {
	pods := []*corev1.Pod{
		newPod("a", "web-1").labels("app", "web", "tier", "front").obj(),
		newPod("a", "web-2").labels("app", "web", "tier", "front").obj(),
		newPod("a", "api-1").labels("app", "api", "tier", "back").obj(),
		newPod("a", "bare").obj(),
		newPod("b", "web-1").labels("app", "web", "tier", "front").obj(),
	}
	s, _ := startSource(t, pods...)

	tests := map[string]struct {
		namespace string
		selector  labels.Selector
		want      []string
	}{
		"equality":                  {namespace: "a", selector: labels.SelectorFromSet(labels.Set{"app": "web"}), want: []string{"a/web-1", "a/web-2"}},
		"two equalities":            {namespace: "a", selector: labels.SelectorFromSet(labels.Set{"app": "api", "tier": "back"}), want: []string{"a/api-1"}},
		"equality, other namespace": {namespace: "b", selector: labels.SelectorFromSet(labels.Set{"app": "web"}), want: []string{"b/web-1"}},
		"in":                        {namespace: "a", selector: mustParse(t, "app in (web,api)"), want: []string{"a/api-1", "a/web-1", "a/web-2"}},
		"in and notin":              {namespace: "a", selector: mustParse(t, "tier in (front,back),app notin (api)"), want: []string{"a/web-1", "a/web-2"}},
		"exists only":               {namespace: "a", selector: mustParse(t, "tier"), want: []string{"a/api-1", "a/web-1", "a/web-2"}},
		"does not exist":            {namespace: "a", selector: mustParse(t, "!app"), want: []string{"a/bare"}},
		"everything":                {namespace: "a", selector: labels.Everything(), want: []string{"a/api-1", "a/bare", "a/web-1", "a/web-2"}},
		"nil selector":              {namespace: "b", want: []string{"b/web-1"}},
		"nothing":                   {namespace: "a", selector: labels.Nothing(), want: []string{}},
		"no match":                  {namespace: "a", selector: labels.SelectorFromSet(labels.Set{"app": "db"}), want: []string{}},
		"unknown namespace":         {namespace: "c", selector: labels.Everything(), want: []string{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, names(s.List(tc.namespace, tc.selector))); diff != "" {
				t.Errorf("List(%q, %v) (-want +got):\n%s", tc.namespace, tc.selector, diff)
			}
		})
	}
}

func TestListFollowsChanges(t *testing.T) {
	s, cs := startSource(t,
		newPod("a", "web-1").labels("app", "web").obj(),
		newPod("a", "web-2").labels("app", "web").obj(),
	)
	ctx := context.Background()
	web := labels.SelectorFromSet(labels.Set{"app": "web"})
	waitList := func(want ...string) {
		t.Helper()
		var got []string
		err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			got = names(s.List("a", web))
			return slices.Equal(got, want), nil
		})
		if err != nil {
			t.Fatalf("List(app=web) = %v, want %v", got, want)
		}
	}

	p, err := cs.CoreV1().Pods("a").Get(ctx, "web-2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Labels["app"] = "api"
	if _, err := cs.CoreV1().Pods("a").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitList("a/web-1")

	if _, err := cs.CoreV1().Pods("a").Create(ctx, newPod("a", "web-3").labels("app", "web").obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitList("a/web-1", "a/web-3")

	if err := cs.CoreV1().Pods("a").Delete(ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitList("a/web-3")
}

func TestListReturnsTransformedPods(t *testing.T) {
	s, _ := startSource(t, newPod("a", "web-1").labels("app", "web").container("app", "cpu=100m").
		running(t0).condition(corev1.PodReady, corev1.ConditionTrue, t1).obj())
	got := s.List("a", labels.Everything())
	want := []*Pod{{
		Namespace: "a", Name: "web-1", Labels: map[string]string{"app": "web"},
		Phase: corev1.PodRunning, StartTime: &metav1.Time{Time: t0},
		Ready: corev1.ConditionTrue, ReadyTransitionTime: metav1.Time{Time: t1},
		Containers: []Container{{Name: "app", Requests: Requests{{Name: "cpu", MilliValue: 100}}}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if l, ok := s.Labels("a", "web-1"); !ok || l["app"] != "web" {
		t.Errorf("Labels(a, web-1) = %v, %v; want app=web", l, ok)
	}
	if l, ok := s.Labels("a", "nope"); ok {
		t.Errorf("Labels of a missing pod = %v, true; want not found", l)
	}
}

func TestNewNeedsAClient(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a client: no error")
	}
}

func mustParse(t *testing.T, s string) labels.Selector {
	t.Helper()
	sel, err := labels.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}
