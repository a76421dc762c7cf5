package dedupe

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/mhpa-dev/mhpa/internal/metrics"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeSource counts the calls it gets, by a description of each call, and
// can hold calls until released.
type fakeSource struct {
	mu      sync.Mutex
	calls   map[string]int
	hold    chan struct{} // when set, calls wait for it to close
	entered chan struct{}
	err     error
	pods    map[string][]metricsv1beta1.PodMetrics // by namespace
}

func newFakeSource() *fakeSource {
	return &fakeSource{calls: map[string]int{}, entered: make(chan struct{}, 1000)}
}

func (f *fakeSource) record(ctx context.Context, call string) error {
	f.mu.Lock()
	f.calls[call]++
	hold, err := f.hold, f.err
	f.mu.Unlock()
	f.entered <- struct{}{}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func (f *fakeSource) count(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[call]
}

func (f *fakeSource) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeSource) ListPodMetrics(ctx context.Context, q metrics.PodMetricsQuery) ([]metricsv1beta1.PodMetrics, error) {
	if err := f.record(ctx, "list "+q.Subdomain+"/"+q.Namespace+"?"+metrics.OrEverything(q.Selector).String()); err != nil {
		return nil, err
	}
	return f.pods[q.Namespace], nil
}

func (f *fakeSource) ResourceMetric(context.Context, metrics.ResourceQuery) (metrics.PodValues, error) {
	panic("the deduplicating client must list PodMetrics instead")
}

func (f *fakeSource) PodsMetric(ctx context.Context, q metrics.PodsQuery) (metrics.PodValues, error) {
	if err := f.record(ctx, "pods "+q.Metric+"?"+metrics.OrEverything(q.Selector).String()); err != nil {
		return metrics.PodValues{}, err
	}
	return metrics.PodValues{Timestamp: t0, Values: map[string]metrics.PodValue{"p": {MilliValue: 1, Timestamp: t0}}}, nil
}

func (f *fakeSource) ObjectMetric(ctx context.Context, q metrics.ObjectQuery) (metrics.ObjectValue, error) {
	if err := f.record(ctx, "object "+q.Object.Name+"/"+q.Metric); err != nil {
		return metrics.ObjectValue{}, err
	}
	return metrics.ObjectValue{MilliValue: 7, Timestamp: t0}, nil
}

func (f *fakeSource) ExternalMetric(ctx context.Context, q metrics.ExternalQuery) (metrics.ExternalValues, error) {
	if err := f.record(ctx, "external "+q.Subdomain+"/"+q.Metric+"?"+metrics.OrEverything(q.MetricSelector).String()); err != nil {
		return metrics.ExternalValues{}, err
	}
	return metrics.ExternalValues{MilliValues: []int64{1, 2}, Timestamp: t0}, nil
}

func selector(s string) labels.Selector {
	sel, err := labels.Parse(s)
	if err != nil {
		panic(err)
	}
	return sel
}

// TestSharedFetch checks that many identical queries at once make one
// fetch, that queries within the freshness window are answered from it, and
// that a later one fetches again.
func TestSharedFetch(t *testing.T) {
	src := newFakeSource()
	src.hold = make(chan struct{})
	clk := clocktesting.NewFakePassiveClock(t0)
	reg := prometheus.NewRegistry()
	c := New(src, Options{Clock: clk, Freshness: 12 * time.Second, Registerer: reg})
	ctx := t.Context()
	q := metrics.ExternalQuery{Subdomain: "tenant-a", Namespace: "ns", Metric: "queue", MetricSelector: selector("q=1")}

	const hpas = 200
	var wg sync.WaitGroup
	results := make(chan metrics.ExternalValues, hpas)
	for range hpas {
		wg.Go(func() {
			v, err := c.ExternalMetric(ctx, q)
			if err != nil {
				t.Errorf("query: %v", err)
			}
			results <- v
		})
	}
	waitForWaiters(t, c, hpas)
	close(src.hold)
	wg.Wait()
	close(results)
	for v := range results {
		if diff := cmp.Diff(metrics.ExternalValues{MilliValues: []int64{1, 2}, Timestamp: t0}, v); diff != "" {
			t.Fatalf("result (-want +got):\n%s", diff)
		}
	}
	if n := src.total(); n != 1 {
		t.Fatalf("%d identical queries at once: want 1 fetch, got %d", hpas, n)
	}

	clk.SetTime(t0.Add(11 * time.Second))
	for range 50 {
		if _, err := c.ExternalMetric(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if n := src.total(); n != 1 {
		t.Errorf("within the freshness window: want still 1 fetch, got %d", n)
	}

	other := q
	other.MetricSelector = selector("q=2")
	if _, err := c.ExternalMetric(ctx, other); err != nil {
		t.Fatal(err)
	}
	otherSub := q
	otherSub.Subdomain = "tenant-b"
	if _, err := c.ExternalMetric(ctx, otherSub); err != nil {
		t.Fatal(err)
	}
	if n := src.total(); n != 3 {
		t.Errorf("different selector and subdomain: want 3 fetches, got %d", n)
	}

	clk.SetTime(t0.Add(12 * time.Second))
	if _, err := c.ExternalMetric(ctx, q); err != nil {
		t.Fatal(err)
	}
	if n := src.count("external tenant-a/queue?q=1"); n != 2 {
		t.Errorf("after the freshness window: want 2 fetches of the query, got %d", n)
	}
	if v := testutil.ToFloat64(c.queries.WithLabelValues("external", "cached")); v != 50 {
		t.Errorf("want 50 cached queries counted, got %v", v)
	}
	if v := testutil.ToFloat64(c.queries.WithLabelValues("external", "fetched")); v != 4 {
		t.Errorf("want 4 fetched queries counted, got %v", v)
	}
	if got, err := testutil.GatherAndCount(reg, MetricQueries); err != nil || got != 3 {
		t.Errorf("want 3 series of %s registered, got %d (%v)", MetricQueries, got, err)
	}
}

// waitForWaiters waits until n callers wait for fetches in flight.
func waitForWaiters(t *testing.T, c *Client, n int64) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return c.waiters.Load() == n, nil
	})
	if err != nil {
		t.Fatalf("waiting for %d callers to wait on a fetch (have %d): %v", n, c.waiters.Load(), err)
	}
}

// TestResourceOneListPerNamespace checks that resource metrics of many HPAs
// in a namespace come from one PodMetrics list of the whole namespace, each
// HPA getting the pods its selector matches.
func TestResourceOneListPerNamespace(t *testing.T) {
	pod := func(name, app, cpu string) metricsv1beta1.PodMetrics {
		return metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": app}},
			Timestamp:  metav1.NewTime(t0), Window: metav1.Duration{Duration: time.Minute},
			Containers: []metricsv1beta1.ContainerMetrics{
				{Name: "main", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
				{Name: "side", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}},
			},
		}
	}
	src := newFakeSource()
	src.pods = map[string][]metricsv1beta1.PodMetrics{
		"ns":    {pod("web-1", "web", "100m"), pod("web-2", "web", "200m"), pod("api-1", "api", "300m")},
		"other": {pod("x-1", "x", "1")},
	}
	clk := clocktesting.NewFakePassiveClock(t0)
	c := New(src, Options{Clock: clk})
	ctx := t.Context()
	v := func(milli int64) metrics.PodValue {
		return metrics.PodValue{MilliValue: milli, Timestamp: t0, Window: time.Minute}
	}

	cases := map[string]struct {
		q    metrics.ResourceQuery
		want metrics.PodValues
	}{
		"web pods": {
			q:    metrics.ResourceQuery{Namespace: "ns", Selector: selector("app=web"), Resource: corev1.ResourceCPU},
			want: metrics.PodValues{Timestamp: t0, Values: map[string]metrics.PodValue{"web-1": v(110), "web-2": v(210)}},
		},
		"api pods, one container": {
			q:    metrics.ResourceQuery{Namespace: "ns", Selector: selector("app=api"), Resource: corev1.ResourceCPU, Container: "main"},
			want: metrics.PodValues{Timestamp: t0, Values: map[string]metrics.PodValue{"api-1": v(300)}},
		},
		"set-based selector": {
			q:    metrics.ResourceQuery{Namespace: "ns", Selector: selector("app in (api,web)"), Resource: corev1.ResourceCPU, Container: "side"},
			want: metrics.PodValues{Timestamp: t0, Values: map[string]metrics.PodValue{"web-1": v(10), "web-2": v(10), "api-1": v(10)}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for range 10 {
				got, err := c.ResourceMetric(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Fatalf("(-want +got):\n%s", diff)
				}
			}
		})
	}
	if n, want := src.count("list /ns?"), 1; n != want || src.total() != want {
		t.Errorf("want 1 list of the whole namespace ns and nothing else, got %v", src.calls)
	}

	_, err := c.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: "ns", Selector: selector("app=none"), Resource: corev1.ResourceCPU})
	if !errors.Is(err, metrics.ErrNoMetrics) {
		t.Errorf("a selector matching no pod: want ErrNoMetrics, got %v", err)
	}
	if _, err := c.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: "other", Resource: corev1.ResourceCPU}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ResourceMetric(ctx, metrics.ResourceQuery{Subdomain: "t", Namespace: "ns", Resource: corev1.ResourceCPU}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"list /ns?": 1, "list /other?": 1, "list t/ns?": 1}, src.calls); diff != "" {
		t.Errorf("one list per namespace and subdomain (-want +got):\n%s", diff)
	}
}

// TestPodLabelsFromInformer checks that pod labels given by PodLabels win
// over those on the PodMetrics, and that pods it does not know are left out.
func TestPodLabelsFromInformer(t *testing.T) {
	pm := func(name string) metricsv1beta1.PodMetrics {
		return metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Timestamp: metav1.NewTime(t0),
			Containers: []metricsv1beta1.ContainerMetrics{{Name: "c", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}
	}
	src := newFakeSource()
	src.pods = map[string][]metricsv1beta1.PodMetrics{"ns": {pm("a"), pm("b"), pm("gone")}}
	known := map[string]labels.Set{"a": {"app": "web"}, "b": {"app": "api"}}
	c := New(src, Options{PodLabels: func(ns, name string) (labels.Set, bool) {
		l, ok := known[name]
		return l, ok && ns == "ns"
	}})
	got, err := c.ResourceMetric(t.Context(), metrics.ResourceQuery{Namespace: "ns", Selector: selector("app"), Resource: corev1.ResourceCPU})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range got.Values {
		names = append(names, n)
	}
	if diff := cmp.Diff([]string{"a", "b"}, names, cmpSorted); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// TestErrorsAndOwnership checks that errors are reused only for
// ErrorFreshness, that callers get results they may change, and that a
// caller giving up does not cancel a fetch others wait for.
func TestErrorsAndOwnership(t *testing.T) {
	src := newFakeSource()
	clk := clocktesting.NewFakePassiveClock(t0)
	c := New(src, Options{Clock: clk, Freshness: 12 * time.Second, ErrorFreshness: 3 * time.Second})
	ctx := t.Context()
	q := metrics.PodsQuery{Namespace: "ns", Metric: "rps", Selector: selector("app=web")}

	src.err = errors.New("server down")
	for range 5 {
		if _, err := c.PodsMetric(ctx, q); err == nil || err.Error() != "server down" {
			t.Fatalf("want the source's error, got %v", err)
		}
	}
	if n := src.total(); n != 1 {
		t.Errorf("within ErrorFreshness: want 1 fetch, got %d", n)
	}
	src.err = nil
	clk.SetTime(t0.Add(3 * time.Second))
	got, err := c.PodsMetric(ctx, q)
	if err != nil {
		t.Fatalf("after ErrorFreshness: %v", err)
	}
	if n := src.total(); n != 2 {
		t.Errorf("after ErrorFreshness: want 2 fetches, got %d", n)
	}

	// A caller changing its result does not change what others get.
	delete(got.Values, "p")
	again, err := c.PodsMetric(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again.Values["p"]; !ok {
		t.Errorf("a caller's change leaked into the shared result: %+v", again)
	}

	// The first caller gives up; a second one waiting on the same fetch
	// still gets the answer.
	src.hold = make(chan struct{})
	obj := metrics.ObjectQuery{Namespace: "ns", Metric: "m", Object: metrics.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d"}}
	firstCtx, cancel := context.WithCancel(ctx)
	firstDone := make(chan error, 1)
	go func() {
		_, err := c.ObjectMetric(firstCtx, obj)
		firstDone <- err
	}()
	waitForWaiters(t, c, 1)
	secondDone := make(chan error, 1)
	var second metrics.ObjectValue
	go func() {
		var err error
		second, err = c.ObjectMetric(ctx, obj)
		secondDone <- err
	}()
	waitForWaiters(t, c, 2)
	cancel()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up: want context.Canceled, got %v", err)
	}
	close(src.hold)
	if err := <-secondDone; err != nil {
		t.Fatalf("the caller still waiting: %v", err)
	}
	if second.MilliValue != 7 {
		t.Errorf("want 7, got %d", second.MilliValue)
	}
	if n := src.count("object d/m"); n != 1 {
		t.Errorf("want 1 fetch of the object metric, got %d", n)
	}
}
