package shadow

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func at(seconds int) time.Time { return t0.Add(time.Duration(seconds) * time.Second) }

func mt(seconds int) metav1.Time { return metav1.Time{Time: at(seconds)} }

// metric builders.

func external(name, average, subdomain string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric:    v2.MetricIdentifier{Name: name},
		Target:    v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse(average))},
		Subdomain: subdomain,
	}}
}

func cpu(percent int32, subdomain string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name:      corev1.ResourceCPU,
		Target:    v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr.To(percent)},
		Subdomain: subdomain,
	}}
}

func memory(percent int32) v2.MetricSpec {
	m := cpu(percent, "")
	m.PodResource.Name = corev1.ResourceMemory
	return m
}

func shadowed(m v2.MetricSpec) v2.MetricSpec {
	m.Shadow = true
	return m
}

func TestPairs(t *testing.T) {
	tests := map[string]struct {
		metrics []v2.MetricSpec
		want    []Pair
	}{
		"no shadow metric": {
			metrics: []v2.MetricSpec{external("q", "10", ""), cpu(50, "")},
		},
		"the same metric on another subdomain": {
			metrics: []v2.MetricSpec{external("q", "10", ""), shadowed(external("q", "10", "tenant-a"))},
			want:    []Pair{{Shadow: 1, Active: 0}},
		},
		"a target of the same value written otherwise pairs": {
			metrics: []v2.MetricSpec{external("q", "1000m", ""), shadowed(external("q", "1", "tenant-a"))},
			want:    []Pair{{Shadow: 1, Active: 0}},
		},
		"another target does not pair": {
			metrics: []v2.MetricSpec{external("q", "10", ""), shadowed(external("q", "20", "tenant-a"))},
		},
		"another type does not pair": {
			metrics: []v2.MetricSpec{cpu(50, ""), shadowed(external("q", "50", "tenant-a"))},
		},
		"another resource does not pair": {
			metrics: []v2.MetricSpec{memory(50), shadowed(cpu(50, "tenant-a"))},
		},
		"a renamed metric pairs when nothing reads the same metric": {
			metrics: []v2.MetricSpec{external("queue_length", "10", ""), shadowed(external("s0-queue-length", "10", "keda"))},
			want:    []Pair{{Shadow: 1, Active: 0}},
		},
		"the same metric is preferred over an earlier one of the same kind and target": {
			metrics: []v2.MetricSpec{external("other", "10", ""), external("q", "10", ""), shadowed(external("q", "10", "tenant-a"))},
			want:    []Pair{{Shadow: 2, Active: 1}},
		},
		"a shadow metric never pairs with another shadow metric": {
			metrics: []v2.MetricSpec{shadowed(external("q", "10", "")), shadowed(external("q", "10", "tenant-a"))},
		},
		"two shadow metrics may shadow one active metric": {
			metrics: []v2.MetricSpec{shadowed(cpu(50, "a")), cpu(50, ""), shadowed(cpu(50, "b"))},
			want:    []Pair{{Shadow: 0, Active: 1}, {Shadow: 2, Active: 1}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Pairs(tc.metrics)); diff != "" {
				t.Errorf("Pairs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMetricName(t *testing.T) {
	if got, want := MetricName(ptr.To(external("q", "10", "tenant-a"))), "external/q@tenant-a"; got != want {
		t.Errorf("MetricName = %q, want %q", got, want)
	}
	if got, want := MetricName(ptr.To(cpu(50, ""))), "podResource/cpu"; got != want {
		t.Errorf("MetricName = %q, want %q", got, want)
	}
}

// proposals builds the decision's results for metrics: each entry of props is a replica
// count, or -1 for a metric that failed.
func proposals(metrics []v2.MetricSpec, props ...int32) []decision.MetricResult {
	out := make([]decision.MetricResult, len(metrics))
	for i := range metrics {
		out[i] = decision.MetricResult{Spec: &metrics[i], Shadow: metrics[i].Shadow}
		if props[i] < 0 {
			out[i].Err = errors.New(`unable to get external metric q: subdomain "tenant-a": API group tenant-a.external.metrics.k8s.io is not served`)
			out[i].Reason = decision.ReasonFailedGetExternalMetric
			continue
		}
		out[i].Result = replicas.Result{Replicas: props[i]}
	}
	return out
}

// step is one decision of a sequence: its time, and each metric's proposal (-1: failed; nil:
// no metric computed).
type step struct {
	at    int
	props []int32
}

var pairSpec = []v2.MetricSpec{external("q", "10", ""), shadowed(external("q", "10", "tenant-a"))}

// run observes the steps in order, each on the previous one's comparisons, and returns the
// last result and how many of the steps changed the comparisons (a status write).
func run(t *testing.T, metrics []v2.MetricSpec, prev []v2.ShadowComparison, steps []step) (Result, int) {
	t.Helper()
	var res Result
	writes := 0
	for _, s := range steps {
		var results []decision.MetricResult
		if s.props != nil {
			results = proposals(metrics, s.props...)
		}
		res = Observe(Input{Now: at(s.at).Add(300 * time.Millisecond), Metrics: metrics, Results: results, Previous: prev})
		if !sameSlice(res.Comparisons, prev) {
			writes++
		}
		prev = res.Comparisons
	}
	return res, writes
}

// sameSlice reports whether two slices are the same slice (not merely equal).
func sameSlice(a, b []v2.ShadowComparison) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0]
}

func TestObserve(t *testing.T) {
	name := func(c v2.ShadowComparison) v2.ShadowComparison {
		c.ShadowMetric, c.ActiveMetric, c.ShadowName, c.ActiveName = 1, 0, "external/q@tenant-a", "external/q"
		return c
	}
	tests := map[string]struct {
		steps      []step
		want       []v2.ShadowComparison
		wantWrites int
	}{
		"steady agreement is recorded once": {
			steps:      []step{{0, []int32{3, 3}}, {2, []int32{3, 3}}, {4, []int32{3, 3}}, {600, []int32{3, 3}}},
			want:       []v2.ShadowComparison{name(v2.ShadowComparison{Since: mt(1), Runs: []v2.ShadowRun{{Time: mt(1), Outcome: v2.ShadowAgree}}})},
			wantWrites: 1,
		},
		"agreeing on other counts is still agreement and writes nothing": {
			steps:      []step{{0, []int32{3, 3}}, {2, []int32{5, 5}}, {4, []int32{2, 2}}},
			want:       []v2.ShadowComparison{name(v2.ShadowComparison{Since: mt(1), Runs: []v2.ShadowRun{{Time: mt(1), Outcome: v2.ShadowAgree}}})},
			wantWrites: 1,
		},
		"a disagreement opens a run and closes the agreement": {
			steps: []step{{0, []int32{3, 3}}, {10, []int32{3, 3}}, {20, []int32{3, 5}}, {22, []int32{3, 5}}, {30, []int32{3, 3}}},
			want: []v2.ShadowComparison{name(v2.ShadowComparison{
				Since: mt(1),
				Runs: []v2.ShadowRun{
					{Time: mt(1), Outcome: v2.ShadowAgree}, {Time: mt(21), Outcome: v2.ShadowDisagree}, {Time: mt(31), Outcome: v2.ShadowAgree},
				},
				AgreedSeconds: 20, DisagreedSeconds: 10, Disagreements: 1,
				LastDisagreement: &v2.ShadowDisagreement{Time: mt(21), ActiveReplicas: 3, ShadowReplicas: 5},
			})},
			wantWrites: 3,
		},
		"new proposals during a disagreement update the last disagreement": {
			steps: []step{{0, []int32{3, 5}}, {2, []int32{3, 5}}, {4, []int32{4, 6}}},
			want: []v2.ShadowComparison{name(v2.ShadowComparison{
				Since: mt(1), Runs: []v2.ShadowRun{{Time: mt(1), Outcome: v2.ShadowDisagree}}, Disagreements: 1,
				LastDisagreement: &v2.ShadowDisagreement{Time: mt(5), ActiveReplicas: 4, ShadowReplicas: 6},
			})},
			wantWrites: 2,
		},
		"a failing metric is a run of its own": {
			steps: []step{{0, []int32{3, 3}}, {10, []int32{3, -1}}, {14, []int32{-1, 3}}, {20, []int32{3, 3}}},
			want: []v2.ShadowComparison{name(v2.ShadowComparison{
				Since:         mt(1),
				Runs:          []v2.ShadowRun{{Time: mt(1), Outcome: v2.ShadowAgree}, {Time: mt(11), Outcome: v2.ShadowFailed}, {Time: mt(21), Outcome: v2.ShadowAgree}},
				AgreedSeconds: 10, FailedSeconds: 10,
			})},
			wantWrites: 3,
		},
		"decisions that computed no metric are not observations": {
			steps:      []step{{0, nil}, {2, []int32{3, 3}}, {4, nil}, {6, []int32{3, 3}}},
			want:       []v2.ShadowComparison{name(v2.ShadowComparison{Since: mt(3), Runs: []v2.ShadowRun{{Time: mt(3), Outcome: v2.ShadowAgree}}})},
			wantWrites: 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, writes := run(t, pairSpec, nil, tc.steps)
			if diff := cmp.Diff(tc.want, res.Comparisons); diff != "" {
				t.Errorf("comparisons (-want +got):\n%s", diff)
			}
			if writes != tc.wantWrites {
				t.Errorf("the comparisons changed in %d decisions, want %d", writes, tc.wantWrites)
			}
		})
	}
}

// TestObserveBounded checks that flapping outcomes keep at most MaxRuns runs, drop runs that
// ended before the window, and keep the totals.
func TestObserveBounded(t *testing.T) {
	var steps []step
	for i := 0; i < 3*MaxRuns; i++ {
		props := []int32{3, 3}
		if i%2 == 1 {
			props = []int32{3, 4}
		}
		steps = append(steps, step{at: 10 * i, props: props})
	}
	res, _ := run(t, pairSpec, nil, steps)
	c := res.Comparisons[0]
	if len(c.Runs) != MaxRuns {
		t.Errorf("%d runs kept, want %d", len(c.Runs), MaxRuns)
	}
	if got, want := c.Runs[len(c.Runs)-1].Time, mt(10*(3*MaxRuns-1)+1); !got.Equal(&want) {
		t.Errorf("last run began %v, want %v", got, want)
	}
	// Every closed run lasted 10 s.
	if got, want := c.AgreedSeconds+c.DisagreedSeconds, int64(10*(3*MaxRuns-1)); got != want {
		t.Errorf("closed runs total %d s, want %d", got, want)
	}
	if got, want := c.Disagreements, int32(3*MaxRuns/2); got != want {
		t.Errorf("disagreements = %d, want %d", got, want)
	}

	// Long after: a change drops every run that ended before the window.
	late := DefaultWindow / time.Second
	res, _ = run(t, pairSpec, res.Comparisons, []step{{at: 10*3*MaxRuns + int(late) + 100, props: []int32{3, 3}}})
	runs := res.Comparisons[0].Runs
	if len(runs) != 2 {
		t.Fatalf("runs after a change a window later: %+v, want the open run that reaches into the window and the new one", runs)
	}
}

func TestObserveIdentity(t *testing.T) {
	first, _ := run(t, pairSpec, nil, []step{{0, []int32{3, 5}}})
	// Flipping the two metrics is a new pair: the comparison starts again.
	flipped := []v2.MetricSpec{shadowed(external("q", "10", "")), external("q", "10", "tenant-a")}
	res, _ := run(t, flipped, first.Comparisons, []step{{10, []int32{3, 3}}})
	want := []v2.ShadowComparison{{
		ShadowMetric: 0, ActiveMetric: 1, ShadowName: "external/q", ActiveName: "external/q@tenant-a",
		Since: mt(11), Runs: []v2.ShadowRun{{Time: mt(11), Outcome: v2.ShadowAgree}},
	}}
	if diff := cmp.Diff(want, res.Comparisons); diff != "" {
		t.Errorf("comparisons after the flip (-want +got):\n%s", diff)
	}
	// Without a shadow metric there is nothing to compare and no condition.
	none := Observe(Input{Now: at(20), Metrics: []v2.MetricSpec{external("q", "10", "")}, Results: proposals([]v2.MetricSpec{external("q", "10", "")}, 3),
		Previous: res.Comparisons})
	if none.Comparisons != nil || none.HasShadow || none.Condition != nil {
		t.Errorf("without shadow metrics: %+v, want no comparison, HasShadow false and no condition", none)
	}
}

func TestCondition(t *testing.T) {
	tests := map[string]struct {
		metrics []v2.MetricSpec
		props   []int32
		want    *decision.Condition
	}{
		"every shadow metric computed": {
			metrics: pairSpec, props: []int32{3, 4},
			want: &decision.Condition{Type: v2.ShadowMetricsActive, Status: corev1.ConditionTrue, Reason: ReasonShadowMetricsComputed,
				Message: "every shadow metric (1) computed a replica count"},
		},
		"a failing shadow metric": {
			metrics: pairSpec, props: []int32{3, -1},
			want: &decision.Condition{Type: v2.ShadowMetricsActive, Status: corev1.ConditionFalse, Reason: decision.ReasonFailedGetExternalMetric,
				Message: `shadow metric external/q@tenant-a (spec.metrics[1]) could not compute a replica count: unable to get external metric q: subdomain "tenant-a": API group tenant-a.external.metrics.k8s.io is not served`},
		},
		"a failing active metric is not the condition's business": {
			metrics: pairSpec, props: []int32{-1, 3},
			want: &decision.Condition{Type: v2.ShadowMetricsActive, Status: corev1.ConditionTrue, Reason: ReasonShadowMetricsComputed,
				Message: "every shadow metric (1) computed a replica count"},
		},
		"two of three failing": {
			metrics: []v2.MetricSpec{external("q", "10", ""), shadowed(external("q", "10", "a")), shadowed(external("q", "10", "b")), shadowed(external("r", "5", "c"))},
			props:   []int32{3, 3, -1, -1},
			want: &decision.Condition{Type: v2.ShadowMetricsActive, Status: corev1.ConditionFalse, Reason: decision.ReasonFailedGetExternalMetric,
				Message: `shadow metric external/q@b (spec.metrics[2]) could not compute a replica count: unable to get external metric q: subdomain "tenant-a": API group tenant-a.external.metrics.k8s.io is not served (2 of 3 shadow metrics failed)`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := Observe(Input{Now: t0, Metrics: tc.metrics, Results: proposals(tc.metrics, tc.props...)})
			if diff := cmp.Diff(tc.want, res.Condition); diff != "" {
				t.Errorf("condition (-want +got):\n%s", diff)
			}
		})
	}
	// A decision that computed no metric leaves the condition alone.
	if res := Observe(Input{Now: t0, Metrics: pairSpec}); res.Condition != nil || !res.HasShadow {
		t.Errorf("no metric computed: condition %+v, HasShadow %v; want no condition, HasShadow true", res.Condition, res.HasShadow)
	}
}

func TestSummarize(t *testing.T) {
	c := v2.ShadowComparison{
		ShadowMetric: 1, ShadowName: "external/q@tenant-a", ActiveName: "external/q",
		Since: mt(-3 * 3600),
		Runs: []v2.ShadowRun{
			{Time: mt(-2 * 3600), Outcome: v2.ShadowAgree}, {Time: mt(-600), Outcome: v2.ShadowDisagree}, {Time: mt(-540), Outcome: v2.ShadowAgree},
		},
		AgreedSeconds: 3600 + 6600, DisagreedSeconds: 60, Disagreements: 1,
		LastDisagreement: &v2.ShadowDisagreement{Time: mt(-600), ActiveReplicas: 3, ShadowReplicas: 5},
	}
	got := Summarize(&c, at(0), time.Hour)
	want := Summary{
		ShadowMetric: 1, ShadowName: "external/q@tenant-a", ActiveName: "external/q",
		Current: v2.ShadowAgree, CurrentSince: at(-540),
		Window: time.Hour, Covered: time.Hour, Agreed: time.Hour - time.Minute, Disagreed: time.Minute, WindowDisagreements: 1,
		Since: at(-3 * 3600), TotalAgreed: (3600 + 6600 + 540) * time.Second, TotalDisagreed: time.Minute, Disagreements: 1,
		LastDisagreement: c.LastDisagreement,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
	line := got.String()
	for _, part := range []string{"agreed 98.3% of the last 1h", "disagreed 1 time, 1m;", "99.4% of 3h since", "agree since", "last disagreement", "active proposed 3, shadow 5"} {
		if !strings.Contains(line, part) {
			t.Errorf("summary %q does not say %q", line, part)
		}
	}
}

func TestViews(t *testing.T) {
	hpa := &v2.HorizontalPodAutoscaler{Status: v2.HorizontalPodAutoscalerStatus{
		CurrentMetrics: []v2.MetricStatus{
			{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricStatus{Metric: v2.MetricIdentifier{Name: "q"},
				Current: v2.MetricValueStatus{AverageValue: ptr.To(resource.MustParse("30"))}}},
			{Type: v2.ExternalMetricSourceType, Shadow: true},
		},
		LastDecision: &v2.ScalingDecision{Metrics: []v2.MetricProposal{
			{Name: "external/q", Replicas: ptr.To[int32](3)},
			{Name: "external/q", Shadow: true, Error: "unable to get external metric q"},
		}},
		ShadowComparisons: []v2.ShadowComparison{{
			ShadowMetric: 1, ActiveMetric: 0, ShadowName: "external/q@tenant-a", ActiveName: "external/q",
			Since: mt(-60), Runs: []v2.ShadowRun{{Time: mt(-60), Outcome: v2.ShadowFailed}},
		}},
	}}
	views := Views(hpa, at(0), 0)
	if len(views) != 1 {
		t.Fatalf("%d views, want 1", len(views))
	}
	v := views[0]
	got := []string{v.ActiveValue, v.ShadowValue, v.ActiveProposal, v.ShadowProposal}
	want := []string{"30 (avg)", "<unknown>", "3", "failed: unable to get external metric q"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values and proposals (-want +got):\n%s", diff)
	}
	lines := strings.Join(v.Lines(), "\n")
	for _, part := range []string{"shadow external/q@tenant-a (spec.metrics[1]) vs active external/q (spec.metrics[0])", "agreed 0.0% of the last 1m", "failed 1m"} {
		if !strings.Contains(lines, part) {
			t.Errorf("view %q does not say %q", lines, part)
		}
	}
}
