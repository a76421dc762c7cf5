package dedupe

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/mhpa-dev/mhpa/internal/metrics"
)

func TestPodIndexPick(t *testing.T) {
	pm := func(name string, l map[string]string) metricsv1beta1.PodMetrics {
		return metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}}
	}
	ix := newPodIndex("ns", []metricsv1beta1.PodMetrics{
		pm("web-1", map[string]string{"app": "web", "tier": "front"}),
		pm("web-2", map[string]string{"app": "web", "tier": "back"}),
		pm("api-1", map[string]string{"app": "api", "tier": "back"}),
		pm("job-1", map[string]string{"job": "x"}),
		pm("bare", nil),
	}, nil)
	cases := map[string]struct {
		sel  labels.Selector
		want []string
	}{
		"everything":                   {labels.Everything(), []string{"web-1", "web-2", "api-1", "job-1", "bare"}},
		"nothing":                      {labels.Nothing(), nil},
		"equality":                     {selector("app=web"), []string{"web-1", "web-2"}},
		"two equalities":               {selector("app=web,tier=back"), []string{"web-2"}},
		"in":                           {selector("app in (api,web)"), []string{"web-1", "web-2", "api-1"}},
		"in and not in":                {selector("app in (api,web),tier notin (front)"), []string{"web-2", "api-1"}},
		"exists":                       {selector("tier"), []string{"web-1", "web-2", "api-1"}},
		"does not exist":               {selector("!app"), []string{"job-1", "bare"}},
		"not equal only (full scan)":   {selector("app!=web"), []string{"api-1", "job-1", "bare"}},
		"equality on an unknown value": {selector("app=none"), nil},
		"equality on an unknown key":   {selector("team=a"), nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, p := range ix.pick(tc.sel) {
				got = append(got, p.Name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkResourceMetricOneNamespace measures one sync of 10,000 HPAs in a
// single namespace, each reading the CPU of its own 3 pods out of the
// namespace's 30,000: one fetch, then an index lookup per HPA.
func BenchmarkResourceMetricOneNamespace(b *testing.B) {
	const hpas, podsPerHPA = 10000, 3
	src := newFakeSource()
	var items []metricsv1beta1.PodMetrics
	for h := range hpas {
		for p := range podsPerHPA {
			items = append(items, metricsv1beta1.PodMetrics{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("app-%d-%d", h, p), Namespace: "ns",
					Labels: map[string]string{"app": fmt.Sprintf("app-%d", h), "team": "t"}},
				Timestamp: metav1.NewTime(t0),
				Containers: []metricsv1beta1.ContainerMetrics{{Name: "c",
					Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}},
			})
		}
	}
	src.pods = map[string][]metricsv1beta1.PodMetrics{"ns": items}
	selectors := make([]labels.Selector, hpas)
	for h := range hpas {
		selectors[h] = labels.SelectorFromSet(labels.Set{"app": fmt.Sprintf("app-%d", h), "team": "t"})
	}
	ctx := context.Background()
	clk := clocktesting.NewFakePassiveClock(t0)
	b.ResetTimer()
	for i := range b.N {
		c := New(src, Options{Clock: clk})
		for h := range hpas {
			v, err := c.ResourceMetric(ctx, metrics.ResourceQuery{Namespace: "ns", Selector: selectors[h], Resource: corev1.ResourceCPU})
			if err != nil || len(v.Values) != podsPerHPA {
				b.Fatalf("sync %d, HPA %d: %d values, %v", i, h, len(v.Values), err)
			}
		}
	}
	b.ReportMetric(float64(src.total())/float64(b.N), "lists/sync")
}
