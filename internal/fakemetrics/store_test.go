package fakemetrics

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakePods is a PodSource over a fixed list.
type fakePods []*corev1.Pod

func (f fakePods) ListPods(namespace string, selector labels.Selector) ([]*corev1.Pod, error) {
	var out []*corev1.Pod
	for _, p := range f {
		if (namespace == "" || p.Namespace == namespace) && selector.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out, nil
}

func clusterPod(namespace, name string, lbls map[string]string, phase corev1.PodPhase, containers ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: lbls},
		Status:     corev1.PodStatus{Phase: phase},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c})
	}
	return p
}

func newTestGroup(kind adapter.APIKind, pods PodSource) (*Group, *clocktesting.FakeClock, chan struct{}) {
	clk := clocktesting.NewFakeClock(now)
	stopped := make(chan struct{})
	return newGroup("test."+string(kind)+".metrics.k8s.io", kind, clk, 30*time.Second, pods, stopped), clk, stopped
}

func cpu(q string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(q)}
}

func sel(s string) labels.Selector {
	l, err := labels.Parse(s)
	if err != nil {
		panic(err)
	}
	return l
}

func statusCode(err error) int32 {
	var s apierrors.APIStatus
	if errors.As(err, &s) {
		return s.Status().Code
	}
	return 0
}

func TestPodMetrics(t *testing.T) {
	cluster := fakePods{
		clusterPod("ns1", "web-abc", map[string]string{"app": "web"}, corev1.PodRunning, "app", "sidecar"),
		clusterPod("ns1", "web-def", map[string]string{"app": "web"}, corev1.PodRunning, "app"),
		clusterPod("ns1", "web-pending", map[string]string{"app": "web"}, corev1.PodPending, "app"),
		clusterPod("ns2", "web-xyz", map[string]string{"app": "web"}, corev1.PodRunning, "app"),
	}
	g, _, _ := newTestGroup(adapter.ResourceMetrics, cluster)
	g.SetPod(Pod{Namespace: "ns1", Name: "db-0", Labels: map[string]string{"app": "db"}, Containers: []Container{{Name: "db", Usage: cpu("1")}}})
	// Explicit values take precedence over the rule for web-def.
	g.SetPod(Pod{Namespace: "ns1", Name: "web-def", Labels: map[string]string{"app": "web"}, Containers: []Container{{Name: "app", Usage: cpu("900m")}}})
	if err := g.SetPodRule("web", PodRule{Namespace: "ns1", Selector: "app=web", Usage: map[string]corev1.ResourceList{"": cpu("100m"), "sidecar": cpu("10m")}}); err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		namespace string
		selector  string
		want      []string
	}{
		"web pods from explicit values and the rule": {namespace: "ns1", selector: "app=web", want: []string{"ns1/web-abc app=100m sidecar=10m", "ns1/web-def app=900m"}},
		"explicit pod by label":                      {namespace: "ns1", selector: "app=db", want: []string{"ns1/db-0 db=1"}},
		"rule limited to its namespace":              {namespace: "ns2", selector: "", want: nil},
		"every namespace":                            {namespace: "", selector: "app=web", want: []string{"ns1/web-abc app=100m sidecar=10m", "ns1/web-def app=900m"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := g.ListPodMetrics(context.Background(), tc.namespace, sel(tc.selector))
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, p := range got {
				var cs []string
				for _, c := range p.Containers {
					cs = append(cs, fmt.Sprintf("%s=%s", c.Name, c.Usage.Cpu()))
				}
				lines = append(lines, p.Namespace+"/"+p.Name+" "+strings.Join(cs, " "))
				if !p.Timestamp.Time.Equal(now) || p.Window.Duration != 30*time.Second {
					t.Errorf("pod %s timestamp %v window %v, want %v and 30s", p.Name, p.Timestamp, p.Window, now)
				}
			}
			sort.Strings(lines)
			if diff := cmp.Diff(tc.want, lines); diff != "" {
				t.Errorf("ListPodMetrics mismatch (-want +got):\n%s", diff)
			}
		})
	}

	if _, err := g.GetPodMetrics(context.Background(), "ns1", "web-pending"); statusCode(err) != 404 {
		t.Errorf("GetPodMetrics of a pending pod: err = %v, want a 404", err)
	}
	m, err := g.GetPodMetrics(context.Background(), "ns1", "web-abc")
	if err != nil || len(m.Containers) != 2 {
		t.Errorf("GetPodMetrics(web-abc) = %+v, %v; want two containers from the rule", m, err)
	}
}

func TestCustomMetrics(t *testing.T) {
	cluster := fakePods{
		clusterPod("ns1", "web-abc", map[string]string{"app": "web"}, corev1.PodRunning, "app"),
		clusterPod("ns1", "web-def", map[string]string{"app": "web"}, corev1.PodRunning, "app"),
	}
	g, _, _ := newTestGroup(adapter.CustomMetrics, cluster)
	g.SetObjectMetric(ObjectMetric{Resource: "services", Namespace: "ns1", Name: "web", Labels: map[string]string{"tier": "front"}, Metric: "requests", MetricLabels: map[string]string{"verb": "GET"}, Value: resource.MustParse("100")})
	g.SetObjectMetric(ObjectMetric{Resource: "services", Namespace: "ns1", Name: "web", Labels: map[string]string{"tier": "front"}, Metric: "requests", MetricLabels: map[string]string{"verb": "POST"}, Value: resource.MustParse("20")})
	g.SetObjectMetric(ObjectMetric{Resource: "nodes", Name: "n1", Metric: "temperature", Value: resource.MustParse("70")})
	g.SetObjectMetric(ObjectMetric{Resource: "namespaces", Name: "ns1", Metric: "queue_length", Value: resource.MustParse("5")})
	g.SetObjectMetric(ObjectMetric{Resource: "deployments.apps", Namespace: "ns1", Name: "web", Metric: "lag", Value: resource.MustParse("3")})
	// web-def has an explicit value; web-abc gets the rule's.
	g.SetPodsMetric("ns1", "rps", map[string]resource.Quantity{"web-def": resource.MustParse("30")})
	if err := g.SetPodRule("web", PodRule{Selector: "app=web", Metrics: map[string]resource.Quantity{"rps": resource.MustParse("10")}}); err != nil {
		t.Fatal(err)
	}

	services := schema.GroupResource{Resource: "services"}
	pods := schema.GroupResource{Resource: "pods"}
	byName := map[string]struct {
		name           types.NamespacedName
		info           adapter.CustomMetricInfo
		metricSelector string
		want           string
		wantCode       int32
	}{
		"all series summed": {
			name: types.NamespacedName{Namespace: "ns1", Name: "web"}, info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "requests"},
			want: "Service v1 ns1/web requests 120",
		},
		"series picked by metric selector": {
			name: types.NamespacedName{Namespace: "ns1", Name: "web"}, info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "requests"},
			metricSelector: "verb=GET", want: "Service v1 ns1/web requests 100",
		},
		"cluster-scoped object": {
			name: types.NamespacedName{Name: "n1"}, info: adapter.CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "nodes"}, Metric: "temperature"},
			want: "Node v1 /n1 temperature 70",
		},
		"namespace object": {
			name: types.NamespacedName{Name: "ns1"}, info: adapter.CustomMetricInfo{GroupResource: schema.GroupResource{Resource: "namespaces"}, Metric: "queue_length"},
			want: "Namespace v1 /ns1 queue_length 5",
		},
		"object of another group": {
			name: types.NamespacedName{Namespace: "ns1", Name: "web"}, info: adapter.CustomMetricInfo{GroupResource: schema.GroupResource{Group: "apps", Resource: "deployments"}, Namespaced: true, Metric: "lag"},
			want: "Deployment apps/v1 ns1/web lag 3",
		},
		"pod from a rule": {
			name: types.NamespacedName{Namespace: "ns1", Name: "web-abc"}, info: adapter.CustomMetricInfo{GroupResource: pods, Namespaced: true, Metric: "rps"},
			want: "Pod v1 ns1/web-abc rps 10",
		},
		"unknown metric": {
			name: types.NamespacedName{Namespace: "ns1", Name: "web"}, info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "nope"},
			wantCode: 404,
		},
		"known metric, other object": {
			name: types.NamespacedName{Namespace: "ns1", Name: "api"}, info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "requests"},
			wantCode: 404,
		},
		"known metric, no series for the selector": {
			name: types.NamespacedName{Namespace: "ns1", Name: "web"}, info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "requests"},
			metricSelector: "verb=PUT", wantCode: 404,
		},
	}
	for name, tc := range byName {
		t.Run("by name/"+name, func(t *testing.T) {
			got, err := g.GetMetricByName(context.Background(), tc.name, tc.info, sel(tc.metricSelector))
			if tc.wantCode != 0 {
				if statusCode(err) != tc.wantCode {
					t.Fatalf("GetMetricByName err = %v, want status %d", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			line := fmt.Sprintf("%s %s %s/%s %s %s", got.DescribedObject.Kind, got.DescribedObject.APIVersion, got.DescribedObject.Namespace, got.DescribedObject.Name, got.Metric.Name, got.Value.String())
			if line != tc.want {
				t.Errorf("GetMetricByName = %q, want %q", line, tc.want)
			}
		})
	}

	bySelector := map[string]struct {
		namespace string
		selector  string
		info      adapter.CustomMetricInfo
		want      []string
		wantCode  int32
	}{
		"pods metric from explicit values and a rule": {
			namespace: "ns1", selector: "app=web", info: adapter.CustomMetricInfo{GroupResource: pods, Namespaced: true, Metric: "rps"},
			want: []string{"web-abc 10", "web-def 30"},
		},
		"pods metric, no pod matches": {
			namespace: "ns1", selector: "app=db", info: adapter.CustomMetricInfo{GroupResource: pods, Namespaced: true, Metric: "rps"},
			want: nil,
		},
		"objects by their labels": {
			namespace: "ns1", selector: "tier=front", info: adapter.CustomMetricInfo{GroupResource: services, Namespaced: true, Metric: "requests"},
			want: []string{"web 120"},
		},
		"unknown metric": {
			namespace: "ns1", selector: "", info: adapter.CustomMetricInfo{GroupResource: pods, Namespaced: true, Metric: "nope"},
			wantCode: 404,
		},
	}
	for name, tc := range bySelector {
		t.Run("by selector/"+name, func(t *testing.T) {
			got, err := g.GetMetricBySelector(context.Background(), tc.namespace, sel(tc.selector), tc.info, labels.Everything())
			if tc.wantCode != 0 {
				if statusCode(err) != tc.wantCode {
					t.Fatalf("GetMetricBySelector err = %v, want status %d", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, v := range got.Items {
				lines = append(lines, v.DescribedObject.Name+" "+v.Value.String())
			}
			if diff := cmp.Diff(tc.want, lines); diff != "" {
				t.Errorf("GetMetricBySelector mismatch (-want +got):\n%s", diff)
			}
		})
	}

	var all []string
	for _, m := range g.ListAllMetrics(context.Background()) {
		all = append(all, m.String())
	}
	want := []string{"deployments.apps/lag(namespaced)", "namespaces/queue_length", "nodes/temperature", "pods/rps(namespaced)", "services/requests(namespaced)"}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("ListAllMetrics mismatch (-want +got):\n%s", diff)
	}
}

func TestExternalMetrics(t *testing.T) {
	g, _, _ := newTestGroup(adapter.ExternalMetrics, nil)
	g.SetExternalMetric(ExternalMetric{Namespace: "ns1", Metric: "queue_length", Labels: map[string]string{"queue": "a"}, Value: resource.MustParse("30")})
	g.SetExternalMetric(ExternalMetric{Namespace: "ns1", Metric: "queue_length", Labels: map[string]string{"queue": "b"}, Value: resource.MustParse("12")})
	g.SetExternalMetric(ExternalMetric{Metric: "global", Value: resource.MustParse("1")})
	// Replaces the series with the same namespace, metric and labels.
	g.SetExternalMetric(ExternalMetric{Namespace: "ns1", Metric: "queue_length", Labels: map[string]string{"queue": "b"}, Value: resource.MustParse("15")})

	tests := map[string]struct {
		namespace string
		metric    string
		selector  string
		want      []string
		wantCode  int32
	}{
		"every series":             {namespace: "ns1", metric: "queue_length", want: []string{"queue=a 30", "queue=b 15"}},
		"series by selector":       {namespace: "ns1", metric: "queue_length", selector: "queue=b", want: []string{"queue=b 15"}},
		"no series for selector":   {namespace: "ns1", metric: "queue_length", selector: "queue=c", want: nil},
		"other namespace":          {namespace: "ns2", metric: "queue_length", wantCode: 404},
		"visible in any namespace": {namespace: "ns2", metric: "global", want: []string{" 1"}},
		"unknown metric":           {namespace: "ns1", metric: "nope", wantCode: 404},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := g.GetExternalMetric(context.Background(), tc.namespace, sel(tc.selector), adapter.ExternalMetricInfo{Metric: tc.metric})
			if tc.wantCode != 0 {
				if statusCode(err) != tc.wantCode {
					t.Fatalf("err = %v, want status %d", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, v := range got.Items {
				lines = append(lines, labels.Set(v.MetricLabels).String()+" "+v.Value.String())
			}
			if diff := cmp.Diff(tc.want, lines); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	var names []string
	for _, m := range g.ListAllExternalMetrics(context.Background()) {
		names = append(names, m.Metric)
	}
	if diff := cmp.Diff([]string{"global", "queue_length"}, names); diff != "" {
		t.Errorf("ListAllExternalMetrics mismatch (-want +got):\n%s", diff)
	}
}

func TestFaults(t *testing.T) {
	query := func(g *Group, ctx context.Context) error {
		_, err := g.GetExternalMetric(ctx, "ns1", labels.Everything(), adapter.ExternalMetricInfo{Metric: "m"})
		return err
	}
	t.Run("error defaults to an internal error", func(t *testing.T) {
		g, _, _ := newTestGroup(adapter.ExternalMetrics, nil)
		g.SetFault(Fault{Mode: FaultError, Message: "backend down"})
		err := query(g, context.Background())
		if err == nil || statusCode(err) != 0 || err.Error() != "backend down" {
			t.Errorf("err = %v, want the plain error %q (served as a 500)", err, "backend down")
		}
	})
	t.Run("error with a status code", func(t *testing.T) {
		g, _, _ := newTestGroup(adapter.ExternalMetrics, nil)
		g.SetFault(Fault{Mode: FaultError, Code: 503, Message: "backend down"})
		if err := query(g, context.Background()); statusCode(err) != 503 {
			t.Errorf("err = %v, want status 503", err)
		}
	})
	t.Run("hang until the context ends", func(t *testing.T) {
		g, _, _ := newTestGroup(adapter.ExternalMetrics, nil)
		g.SetFault(Fault{Mode: FaultHang})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- query(g, ctx) }()
		select {
		case err := <-done:
			t.Fatalf("a hanging query returned %v before its context ended", err)
		case <-time.After(50 * time.Millisecond):
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("hang until the server stops", func(t *testing.T) {
		g, _, stopped := newTestGroup(adapter.ExternalMetrics, nil)
		g.SetFault(Fault{Mode: FaultHang})
		done := make(chan error, 1)
		go func() { done <- query(g, context.Background()) }()
		close(stopped)
		if err := <-done; err == nil {
			t.Error("a hanging query succeeded after the server stopped")
		}
	})
	t.Run("delay follows the clock", func(t *testing.T) {
		g, clk, _ := newTestGroup(adapter.ExternalMetrics, nil)
		g.SetExternalMetric(ExternalMetric{Metric: "m", Value: resource.MustParse("1")})
		g.SetFault(Fault{Mode: FaultDelay, Delay: 5 * time.Second})
		done := make(chan error, 1)
		go func() { done <- query(g, context.Background()) }()
		if err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			return clk.HasWaiters(), nil
		}); err != nil {
			t.Fatal("the delayed query never waited on the clock")
		}
		clk.Step(4 * time.Second)
		select {
		case err := <-done:
			t.Fatalf("answered (%v) after 4s of a 5s delay", err)
		case <-time.After(50 * time.Millisecond):
		}
		clk.Step(time.Second)
		if err := <-done; err != nil {
			t.Errorf("err = %v after the delay, want the value", err)
		}
	})
	t.Run("requests are counted, failed ones too", func(t *testing.T) {
		g, _, _ := newTestGroup(adapter.ExternalMetrics, nil)
		g.SetFault(Fault{Mode: FaultError})
		for range 3 {
			_ = query(g, context.Background())
		}
		if got := g.Requests(); got != 3 {
			t.Errorf("Requests() = %d, want 3", got)
		}
		g.ResetRequests()
		if got := g.Requests(); got != 0 {
			t.Errorf("Requests() after reset = %d, want 0", got)
		}
	})
}
