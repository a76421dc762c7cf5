package simulate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

func ptr[T any](v T) *T { return &v }

// hpaBuilder builds autoscalers for tests.
type hpaBuilder struct{ hpa *v2.HorizontalPodAutoscaler }

func newHPA(minReplicas, maxReplicas int32) *hpaBuilder {
	return &hpaBuilder{hpa: &v2.HorizontalPodAutoscaler{
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr(minReplicas),
			MaxReplicas:    maxReplicas,
		},
	}}
}

func (b *hpaBuilder) pods(name, average string) *hpaBuilder {
	b.hpa.Spec.Metrics = append(b.hpa.Spec.Metrics, v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
		Metric: v2.MetricIdentifier{Name: name},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse(average))},
	}})
	return b
}

func (b *hpaBuilder) cpu(utilization int32) *hpaBuilder {
	b.hpa.Spec.Metrics = append(b.hpa.Spec.Metrics, v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr(utilization)},
	}})
	return b
}

func (b *hpaBuilder) external(name string, target v2.MetricTarget) *hpaBuilder {
	b.hpa.Spec.Metrics = append(b.hpa.Spec.Metrics, v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric: v2.MetricIdentifier{Name: name}, Target: target,
	}})
	return b
}

func (b *hpaBuilder) scaleDownWindow(seconds int32) *hpaBuilder {
	b.hpa.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2.HPAScalingRules{StabilizationWindowSeconds: ptr(seconds)}}
	return b
}

func (b *hpaBuilder) build() *v2.HorizontalPodAutoscaler {
	v2.SetDefaults_HorizontalPodAutoscaler(b.hpa)
	return b.hpa
}

func scenario(hpa *v2.HorizontalPodAutoscaler, trace string, initial int32) *Scenario {
	tr, err := ParseCSVTrace("test.csv", []byte(trace))
	if err != nil {
		panic(err)
	}
	return &Scenario{
		Name: "test", HPA: hpa, Trace: tr, Model: DefaultModel(), Config: decision.DefaultConfig(),
		SyncPeriod: 15 * time.Second, InitialReplicas: initial,
	}
}

func replicaSeries(r *Result) []int32 {
	out := make([]int32, len(r.Ticks))
	for i := range r.Ticks {
		out[i] = r.Ticks[i].Replicas
	}
	return out
}

// TestStabilizationWindowIsExact checks that each decision is told when the previous one was
// made: a count last recommended at 0:45 leaves a 60-second window at 1:45, not a sync later.
func TestStabilizationWindowIsExact(t *testing.T) {
	hpa := newHPA(1, 20).pods("qps", "10").scaleDownWindow(60).build()
	sc := scenario(hpa, "time,qps\n0,100\n60,20\n180,20\n", 10)
	r, err := Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	var downAt time.Duration = -1
	for _, tk := range r.Ticks {
		if tk.Decision.Scale {
			downAt = tk.At
			if tk.Replicas != 2 {
				t.Errorf("scaled to %d at %s, want 2", tk.Replicas, tk.At)
			}
			break
		}
	}
	if downAt != 105*time.Second {
		t.Errorf("scaled down at %s, want 1m45s: the last recommendation of 10 was made at 0:45 and a 60s window no longer holds it at 1:45", downAt)
	}
}

func TestPodLifecycle(t *testing.T) {
	hpa := newHPA(1, 20).pods("qps", "10").build()
	sc := scenario(hpa, "time,qps\n0,10\n", 1)
	sc.Model.PendingTime = 10 * time.Second
	sc.Model.StartupDelay = 20 * time.Second
	start := DefaultStart
	w := newWorkload(sc, start, []LoadModel{LoadShared})
	w.scale(start, 3)
	tests := map[string]struct {
		at   time.Duration
		want PodCounts
	}{
		"just created":   {0, PodCounts{Total: 3, Pending: 2, Ready: 1}},
		"running":        {10 * time.Second, PodCounts{Total: 3, Starting: 2, Ready: 1}},
		"not ready yet":  {29 * time.Second, PodCounts{Total: 3, Starting: 2, Ready: 1}},
		"ready at 30s":   {30 * time.Second, PodCounts{Total: 3, Ready: 3}},
		"ready for good": {time.Hour, PodCounts{Total: 3, Ready: 3}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, w.counts(start.Add(tc.at))); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
	pods := w.decisionPods(start.Add(15 * time.Second))
	want := replicas.Pod{Name: "pod-0002", Phase: corev1.PodRunning, StartTime: start.Add(10 * time.Second),
		Ready: corev1.ConditionFalse, ReadyTransition: start.Add(10 * time.Second), Containers: w.containers}
	if diff := cmp.Diff(want, pods[1]); diff != "" {
		t.Errorf("starting pod as the controller sees it (-want +got):\n%s", diff)
	}
	if pods[0].Ready != corev1.ConditionTrue || pods[2].Phase != corev1.PodRunning {
		t.Errorf("pods = %+v", pods)
	}
}

func TestScaleDownRemovesPendingThenStartingThenYoungest(t *testing.T) {
	hpa := newHPA(1, 20).pods("qps", "10").build()
	sc := scenario(hpa, "time,qps\n0,10\n", 0)
	sc.Model.PendingTime, sc.Model.StartupDelay = 0, time.Minute
	start := DefaultStart
	w := newWorkload(sc, start, []LoadModel{LoadShared})
	w.scale(start, 2)                     // pod-0001, pod-0002: ready at 1m
	w.scale(start.Add(30*time.Second), 3) // pod-0003: ready at 1m30s
	w.scale(start.Add(2*time.Minute), 4)  // pod-0004: ready at 3m
	w.scale(start.Add(2*time.Minute+time.Second), 3)
	names := func() []string {
		var out []string
		for _, p := range w.pods {
			out = append(out, p.name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"pod-0001", "pod-0002", "pod-0003"}, names()); diff != "" {
		t.Errorf("after removing one: starting pod-0004 goes first (-want +got):\n%s", diff)
	}
	w.scale(start.Add(5*time.Minute), 2)
	if diff := cmp.Diff([]string{"pod-0001", "pod-0002"}, names()); diff != "" {
		t.Errorf("after removing another: the most recently ready pod-0003 goes (-want +got):\n%s", diff)
	}
	if w.replicas != 2 {
		t.Errorf("replicas = %d, want 2", w.replicas)
	}
}

func TestGather(t *testing.T) {
	hpa := newHPA(1, 20).pods("qps", "10").
		external("queue", v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))}).
		external("latency", v2.MetricTarget{Type: v2.ValueMetricType, Value: ptr(resource.MustParse("200"))}).
		build()
	metrics := Metrics(&hpa.Spec)
	sc := scenario(hpa, "time,0,1,2\n0,1,1,1\n", 3)
	sc.Model.StartupUsage = 0.5
	start := DefaultStart
	now := start.Add(time.Second)

	w := newWorkload(sc, start, []LoadModel{LoadShared, LoadShared, LoadShared})
	w.scale(start, 4) // pod-0004 starts, not ready
	data, reported := w.gather(now, metrics, []float64{100, 90, 600})
	// 100 shared by 3 ready pods in milli-units that add up exactly: 33334, 33333, 33333.
	wantPods := []replicas.PodMetric{
		{Pod: "pod-0001", MilliValue: 33334, Timestamp: now, Window: 15 * time.Second},
		{Pod: "pod-0002", MilliValue: 33333, Timestamp: now, Window: 15 * time.Second},
		{Pod: "pod-0003", MilliValue: 33333, Timestamp: now, Window: 15 * time.Second},
		{Pod: "pod-0004", MilliValue: 16667, Timestamp: now, Window: 15 * time.Second},
	}
	if diff := cmp.Diff(wantPods, data[0].PodMetrics); diff != "" {
		t.Errorf("per-pod values, shared (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{90000}, data[1].Values); diff != "" {
		t.Errorf("external AverageValue: the total (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{200000}, data[2].Values); diff != "" {
		t.Errorf("external Value: demand per ready pod (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{100.0 / 3, 90, 200}, reported, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
		t.Errorf("reported (-want +got):\n%s", diff)
	}

	fixed := newWorkload(sc, start, []LoadModel{LoadFixed, LoadFixed, LoadFixed})
	data, _ = fixed.gather(now, metrics, []float64{7, 90, 600})
	for _, m := range data[0].PodMetrics {
		if m.MilliValue != 7000 {
			t.Errorf("fixed: pod %s reports %dm, want 7000m", m.Pod, m.MilliValue)
		}
	}
	if data[2].Values[0] != 600000 {
		t.Errorf("fixed: external Value reports %dm, want 600000m", data[2].Values[0])
	}

	data, reported = w.gather(now, metrics, []float64{math.NaN(), 1, 1})
	if data[0].Err == nil || !math.IsNaN(reported[0]) {
		t.Errorf("a missing trace value must fail the fetch: data %+v, reported %g", data[0], reported[0])
	}
}

func TestPendingPodsReportNothing(t *testing.T) {
	hpa := newHPA(1, 20).pods("qps", "10").build()
	sc := scenario(hpa, "time,qps\n0,10\n", 1)
	sc.Model.PendingTime = time.Minute
	w := newWorkload(sc, DefaultStart, []LoadModel{LoadShared})
	w.scale(DefaultStart, 2)
	data, _ := w.gather(DefaultStart, Metrics(&hpa.Spec), []float64{10})
	if len(data[0].PodMetrics) != 1 || data[0].PodMetrics[0].Pod != "pod-0001" {
		t.Errorf("pod metrics = %+v, want only the running pod-0001", data[0].PodMetrics)
	}
}

func TestScaleToZeroAndBack(t *testing.T) {
	hpa := newHPA(0, 10).external("queue", v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("10"))}).
		scaleDownWindow(0).build()
	r, err := Run(scenario(hpa, "time,queue\n0,0\n30,25\n60,25\n", 1))
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{0, 0, 3, 3, 3}
	if diff := cmp.Diff(want, replicaSeries(r)); diff != "" {
		t.Errorf("replicas (-want +got):\n%s", diff)
	}
}

// TestZeroNotScaledByTheAutoscaler checks that a target someone else scaled to zero stays
// there, as upstream leaves it.
func TestZeroNotScaledByTheAutoscaler(t *testing.T) {
	hpa := newHPA(0, 10).external("queue", v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("10"))}).build()
	r, err := Run(scenario(hpa, "time,queue\n0,50\n60,50\n", 0))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int32{0, 0, 0, 0, 0}, replicaSeries(r)); diff != "" {
		t.Errorf("replicas (-want +got):\n%s", diff)
	}
	if got := r.Ticks[0].Decision.Limit.Reason; got != decision.ReasonScalingDisabled {
		t.Errorf("limit = %q, want %s", got, decision.ReasonScalingDisabled)
	}
}

func TestCPUInitializationLeavesStartingPodsOut(t *testing.T) {
	hpa := newHPA(1, 20).cpu(50).build()
	sc := scenario(hpa, "time,cpu\n0,1\n15,4\n120,4\n", 2)
	sc.Model.StartupUsage = 3 // starting pods burn a lot of CPU, which must not count
	r, err := Run(sc)
	if err != nil {
		t.Fatal(err)
	}
	tk := r.Ticks[2] // 0:30: the pods created at 0:15 run and are not ready
	if tk.Pods.Starting == 0 {
		t.Fatalf("no starting pods at %s: %+v", tk.At, tk.Pods)
	}
	m := tk.Decision.Metrics[0]
	if m.Result.Pods.Unready != tk.Pods.Starting {
		t.Errorf("the calculator counted %d unready pods, want the %d starting ones", m.Result.Pods.Unready, tk.Pods.Starting)
	}
	if m.Result.Utilization != 200 {
		t.Errorf("utilization %d%%, want 200%% from the ready pods only", m.Result.Utilization)
	}
}

func TestRunErrors(t *testing.T) {
	hpa := newHPA(1, 20).pods("qps", "10").build()
	tests := map[string]struct {
		change func(*Scenario)
		want   string
	}{
		"no column for a metric": {func(sc *Scenario) { sc.Trace.Columns = []string{"cpu"} }, `column "cpu": "cpu" names no metric`},
		"sync period":            {func(sc *Scenario) { sc.SyncPeriod = 0 }, "sync period 0s: must be more than 0"},
		"too long":               {func(sc *Scenario) { sc.Duration = 30 * 24 * time.Hour }, "shorten the duration or lengthen the sync period"},
		"load model": {func(sc *Scenario) { sc.Model.MetricLoad = map[string]LoadModel{"qps": "sticky"} },
			`load model "sticky" of spec.metrics[0] (pods/qps): must be shared or fixed`},
		"load model of an unknown metric": {func(sc *Scenario) { sc.Model.MetricLoad = map[string]LoadModel{"rps": LoadFixed} },
			`load model of "rps" names no metric`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sc := scenario(hpa, "time,qps\n0,10\n", 1)
			tc.change(sc)
			_, err := Run(sc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	tick := func(needed, ready, replicas int32, scale int32) Tick {
		tk := Tick{Needed: needed, Pods: PodCounts{Ready: ready, Total: replicas}, Replicas: replicas}
		tk.Decision.CurrentReplicas = replicas
		if scale != 0 {
			tk.Decision.Scale, tk.Decision.CurrentReplicas, tk.Decision.DesiredReplicas = true, replicas-scale, replicas
		}
		return tk
	}
	r := &Result{Scenario: &Scenario{SyncPeriod: 30 * time.Second}, Ticks: []Tick{
		tick(2, 2, 2, 0),
		tick(6, 2, 4, 2),  // under
		tick(6, 2, 6, 2),  // under
		tick(-1, 4, 6, 0), // unknown: neither
		tick(6, 6, 6, 0),
		tick(3, 6, 3, -3),
		tick(5, 3, 3, 0), // under, until the end
	}}
	got := summarize(r)
	want := Summary{
		Duration: 7 * 30 * time.Second, Decisions: 7, ScaleUps: 2, ScaleDowns: 1, ScaleEvents: 3,
		PodMinutes: (2 + 4 + 6 + 6 + 6 + 3 + 3) * 0.5, MinReplicas: 2, MaxReplicas: 6,
		NeededTicks: 6, PeakNeeded: 6, UnderProvisioned: 90 * time.Second, TimeToCapacity: time.Minute,
		CapacityReached: false, ExcessPodMinutes: 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarize() mismatch (-want +got):\n%s", diff)
	}
}

func TestNeeded(t *testing.T) {
	hpa := newHPA(1, 50).cpu(50).pods("qps", "20").
		external("queue", v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))}).
		external("latency", v2.MetricTarget{Type: v2.ValueMetricType, Value: ptr(resource.MustParse("100"))}).
		build()
	hpa.Spec.Metrics = append(hpa.Spec.Metrics, hpa.Spec.Metrics[1])
	hpa.Spec.Metrics[4].Shadow = true
	metrics := Metrics(&hpa.Spec)
	sc := scenario(hpa, "time,0\n0,1\n", 1)
	shared := []LoadModel{LoadShared, LoadShared, LoadShared, LoadShared, LoadShared}
	tests := map[string]struct {
		demand []float64
		loads  []LoadModel
		want   int32
	}{
		// 1 CPU requested, 50%: 500m per pod.
		"cpu decides":                     {[]float64{5.1, 20, 30, 100, 1000}, shared, 11},
		"qps decides":                     {[]float64{1, 401, 30, 100, 0}, shared, 21},
		"queue decides":                   {[]float64{1, 20, 301, 100, 0}, shared, 11},
		"latency decides":                 {[]float64{1, 20, 30, 1500, 0}, shared, 15},
		"exact fits":                      {[]float64{2, 40, 60, 200, 0}, shared, 4},
		"the shadow metric never decides": {[]float64{0, 0, 0, 0, 1e6}, shared, 0},
		"a missing value":                 {[]float64{math.NaN(), 20, 30, 100, 0}, shared, -1},
		"a fixed load model":              {[]float64{1, 20, 30, 100, 0}, []LoadModel{LoadShared, LoadFixed, LoadShared, LoadShared, LoadShared}, -1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := needed(sc, metrics, tc.loads, tc.demand); got != tc.want {
				t.Errorf("needed() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestMetricsNames(t *testing.T) {
	hpa := newHPA(1, 5).cpu(50).pods("qps", "1").pods("qps", "2").build()
	got := Metrics(&hpa.Spec)
	var names, shorts, labels []string
	for _, m := range got {
		names, shorts, labels = append(names, m.Name), append(shorts, m.Short), append(labels, m.Label())
	}
	if diff := cmp.Diff([]string{"podResource/cpu", "pods/qps", "pods/qps"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"cpu", "qps#1", "qps#2"}, shorts); diff != "" {
		t.Errorf("short names are made unique (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"cpu utilization (% of request)", "qps#1 per pod", "qps#2 per pod"}, labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	// Two metrics with the same name are told apart by index in a generated trace.
	if columnName(got, 1) != "1" || columnName(got, 0) != "podResource/cpu" {
		t.Errorf("column names %q, %q", columnName(got, 0), columnName(got, 1))
	}
}

func TestReplay(t *testing.T) {
	hpa := newHPA(1, 20).pods("qps", "10").build()
	r, err := Run(scenario(hpa, "time,qps\n0,10\n30,60\n120,\n150,60\n", 1))
	if err != nil {
		t.Fatal(err)
	}
	rp := r.Replay()
	if len(rp.Steps) != len(r.Ticks) || rp.SyncPeriodSeconds != 15 || rp.InitialReplicas != 1 {
		t.Fatalf("replay: %d steps for %d ticks, sync %gs, initial %d", len(rp.Steps), len(r.Ticks), rp.SyncPeriodSeconds, rp.InitialReplicas)
	}
	for i := 1; i < len(rp.Steps); i++ {
		if rp.Steps[i].CurrentReplicas != rp.Steps[i-1].ExpectReplicas {
			t.Errorf("step %d starts at %d replicas, the previous one ended at %d", i, rp.Steps[i].CurrentReplicas, rp.Steps[i-1].ExpectReplicas)
		}
	}
	if diff := cmp.Diff(ReplayValue{Ready: "10", Starting: "0"}, rp.Steps[0].Values[0]); diff != "" {
		t.Errorf("step 0 value (-want +got):\n%s", diff)
	}
	if !rp.Steps[8].Values[0].Unavailable {
		t.Errorf("step 8 (2:00) value = %+v, want unavailable", rp.Steps[8].Values[0])
	}
	if diff := cmp.Diff([]string{"pods/qps"}, rp.Metrics); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}
