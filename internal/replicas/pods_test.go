package replicas

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestSortPods pins upstream's groupPods (TestGroupPods): which pods are ready, unready,
// missing or ignored, including the CPU initialization period and initial readiness delay
// rules, with upstream's test settings (2 minutes, 10 seconds).
func TestSortPods(t *testing.T) {
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := map[string]struct {
		pods     []Pod
		metrics  []PodMetric
		resource corev1.ResourceName
		want     PodCounts
	}{
		"void": {resource: cpu},
		"count in a ready pod - memory (no readiness rules for memory)": {
			pods:     []Pod{{Name: "bentham", Phase: corev1.PodSucceeded}},
			metrics:  []PodMetric{{Pod: "bentham", MilliValue: 1, Timestamp: now, Window: time.Minute}},
			resource: memory,
			want:     PodCounts{Ready: 1},
		},
		"unready a pod without ready condition - CPU": {
			pods:     []Pod{{Name: "lucretius", Phase: corev1.PodSucceeded, StartTime: now}},
			metrics:  []PodMetric{{Pod: "lucretius", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Unready: 1},
		},
		"unready a pod without start time - CPU": {
			pods:     []Pod{{Name: "lucretius", Phase: corev1.PodRunning, Ready: T, ReadyTransition: ago(time.Hour)}},
			metrics:  []PodMetric{{Pod: "lucretius", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Unready: 1},
		},
		"count in a ready pod with fresh metrics during initialization period - CPU": {
			pods:     []Pod{{Name: "bentham", Phase: corev1.PodSucceeded, StartTime: ago(time.Minute), Ready: T, ReadyTransition: ago(30 * time.Second)}},
			metrics:  []PodMetric{{Pod: "bentham", MilliValue: 1, Timestamp: now, Window: 30 * time.Second}},
			resource: cpu,
			want:     PodCounts{Ready: 1},
		},
		"unready a ready pod without fresh metrics during initialization period - CPU": {
			pods:     []Pod{{Name: "bentham", Phase: corev1.PodSucceeded, StartTime: ago(time.Minute), Ready: T, ReadyTransition: ago(30 * time.Second)}},
			metrics:  []PodMetric{{Pod: "bentham", MilliValue: 1, Timestamp: now, Window: 60 * time.Second}},
			resource: cpu,
			want:     PodCounts{Unready: 1},
		},
		"unready an unready pod during initialization period - CPU": {
			pods:     []Pod{{Name: "lucretius", Phase: corev1.PodSucceeded, StartTime: ago(10 * time.Minute), Ready: F, ReadyTransition: ago(9*time.Minute + 54*time.Second)}},
			metrics:  []PodMetric{{Pod: "lucretius", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Unready: 1},
		},
		"count in a ready pod without fresh metrics after initialization period - CPU": {
			pods:     []Pod{{Name: "bentham", Phase: corev1.PodSucceeded, StartTime: ago(3 * time.Minute), Ready: T, ReadyTransition: ago(3 * time.Minute)}},
			metrics:  []PodMetric{{Pod: "bentham", MilliValue: 1, Timestamp: ago(2 * time.Minute), Window: time.Minute}},
			resource: cpu,
			want:     PodCounts{Ready: 1},
		},
		"count in an unready pod that was ready after initialization period - CPU": {
			pods:     []Pod{{Name: "lucretius", Phase: corev1.PodSucceeded, StartTime: ago(10 * time.Minute), Ready: F, ReadyTransition: ago(9 * time.Minute)}},
			metrics:  []PodMetric{{Pod: "lucretius", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Ready: 1},
		},
		"unready pod that has never been ready after initialization period - CPU (transition exactly at the delay counts in)": {
			pods:     []Pod{{Name: "lucretius", Phase: corev1.PodSucceeded, StartTime: ago(10 * time.Minute), Ready: F, ReadyTransition: ago(9*time.Minute + 50*time.Second)}},
			metrics:  []PodMetric{{Pod: "lucretius", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Ready: 1},
		},
		"a missing pod": {
			pods:     []Pod{{Name: "epicurus", Phase: corev1.PodSucceeded, StartTime: ago(3 * time.Minute)}},
			resource: cpu,
			want:     PodCounts{Missing: 1},
		},
		"several pods": {
			pods: []Pod{
				{Name: "lucretius", Phase: corev1.PodSucceeded, StartTime: now},
				{Name: "niccolo", Phase: corev1.PodSucceeded, StartTime: ago(3 * time.Minute), Ready: T, ReadyTransition: ago(3 * time.Minute)},
				{Name: "epicurus", Phase: corev1.PodSucceeded, StartTime: ago(3 * time.Minute)},
			},
			metrics:  []PodMetric{{Pod: "lucretius", MilliValue: 1}, {Pod: "niccolo", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Ready: 1, Unready: 1, Missing: 1},
		},
		"pending pods are unreadied": {
			pods:     []Pod{{Name: "unscheduled", Phase: corev1.PodPending}},
			resource: cpu,
			want:     PodCounts{Unready: 1},
		},
		"ignore pods with deletion timestamps": {
			pods:     []Pod{{Name: "deleted", Phase: corev1.PodPending, Deleting: true}},
			metrics:  []PodMetric{{Pod: "deleted", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Ignored: 1},
		},
		"ignore pods in a failed state": {
			pods:     []Pod{{Name: "failed", Phase: corev1.PodFailed}},
			metrics:  []PodMetric{{Pod: "failed", MilliValue: 1}},
			resource: cpu,
			want:     PodCounts{Ignored: 1},
		},
		"values out of order and values of unknown pods": {
			pods: []Pod{
				{Name: "a", Phase: corev1.PodRunning},
				{Name: "b", Phase: corev1.PodRunning},
			},
			metrics:  []PodMetric{{Pod: "zz", MilliValue: 7}, {Pod: "b", MilliValue: 2}, {Pod: "a", MilliValue: 1}},
			resource: memory,
			want:     PodCounts{Ready: 2, Extra: 1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := PodMetricInput{Now: now, Readiness: testReadiness, Pods: tc.pods, Metrics: tc.metrics, Resource: tc.resource}
			got := sortPods(&in, 0)
			if diff := cmp.Diff(tc.want, got.counts); diff != "" {
				t.Errorf("pod counts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSortPodsLargeLists checks that values are matched to pods by name in long lists, where
// an index is built, whatever their order.
func TestSortPodsLargeLists(t *testing.T) {
	const n = 50
	pods := make([]Pod, n)
	metrics := make([]PodMetric, n+2)
	for i := range pods {
		pods[i] = Pod{Name: podName(i), Phase: corev1.PodRunning}
		metrics[n-1-i] = PodMetric{Pod: podName(i), MilliValue: int64(i)}
	}
	metrics[n] = PodMetric{Pod: "gone-1", MilliValue: 1000}
	metrics[n+1] = PodMetric{Pod: "gone-2", MilliValue: 1000}
	pods[3].Phase = corev1.PodFailed
	in := PodMetricInput{Now: now, Pods: pods, Metrics: metrics, Resource: memory}
	got := sortPods(&in, 0)
	want := tally{counts: PodCounts{Ready: n - 1, Ignored: 1, Extra: 2}, readySum: int64(n*(n-1)/2 - 3), extraSum: 2000}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(tally{})); diff != "" {
		t.Errorf("tally (-want +got):\n%s", diff)
	}
}

// TestPodRequest pins upstream's calculateRequests (TestCalculateRequests and
// TestCalculatePodRequestsFromContainers_NonExistentContainer), with pod-level resources
// enabled as they are by default in v1.36.
func TestPodRequest(t *testing.T) {
	cpuReq := func(m int64) []ResourceAmount { return []ResourceAmount{{Name: cpu, MilliValue: m}} }
	twoContainers := []Container{{Name: "container1", Requests: cpuReq(100)}, {Name: "container2", Requests: cpuReq(50)}}
	tests := map[string]struct {
		pod       Pod
		container string
		want      int64
		wantErr   string
	}{
		"Sum container requests": {
			pod:  Pod{Name: "test-pod", Containers: twoContainers},
			want: 150,
		},
		"Pod-level resources not set: fall back to the sum of container requests": {
			pod:  Pod{Name: "test-pod", Containers: twoContainers, PodRequests: nil},
			want: 150,
		},
		"Pod-level resources override container requests": {
			pod:  Pod{Name: "test-pod", Containers: twoContainers, PodRequests: cpuReq(800)},
			want: 800,
		},
		"Fail if one of the containers is missing requests and pod-level requests are not set": {
			pod:     Pod{Name: "test-pod", Containers: []Container{{Name: "container1"}, {Name: "container2", Requests: cpuReq(50)}}},
			wantErr: "missing request for cpu in container container1 of Pod test-pod",
		},
		"Pod-level resources override missing container requests": {
			pod:  Pod{Name: "test-pod", Containers: []Container{{Name: "container1"}, {Name: "container2", Requests: cpuReq(50)}}, PodRequests: cpuReq(800)},
			want: 800,
		},
		"Container: a named container's request alone counts": {
			pod:       Pod{Name: "test-pod", Containers: twoContainers},
			container: "container1",
			want:      100,
		},
		"Container: a named container's request wins over pod-level requests": {
			pod:       Pod{Name: "test-pod", Containers: twoContainers, PodRequests: cpuReq(800)},
			container: "container1",
			want:      100,
		},
		"pod with restartable init containers: sidecars count": {
			pod:  Pod{Name: "test-pod", Containers: []Container{{Name: "container1", Requests: cpuReq(100)}, {Name: "restartable-container1", Sidecar: true, Requests: cpuReq(50)}}},
			want: 150,
		},
		"NonExistentContainer": {
			pod:       Pod{Name: "test-pod", Containers: []Container{{Name: "container1", Requests: cpuReq(100)}}},
			container: "non-existent-container",
			wantErr:   "container non-existent-container not found in Pod test-pod",
		},
		"pod-level requests for another resource: the containers that request this one": {
			pod: Pod{Name: "test-pod", Containers: []Container{{Name: "container1", Requests: cpuReq(100)}, {Name: "container2"}},
				PodRequests: []ResourceAmount{{Name: memory, MilliValue: 1 << 30}}},
			want: 100,
		},
		"pod-level requests for another resource and no container requests": {
			pod:     Pod{Name: "test-pod", Containers: []Container{{Name: "container1"}}, PodRequests: []ResourceAmount{{Name: memory, MilliValue: 1 << 30}}},
			wantErr: "missing pod-level request for cpu in Pod test-pod",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := podRequest(&tc.pod, tc.container, cpu)
			checkErr(t, err, tc.wantErr)
			if tc.wantErr == "" && got != tc.want {
				t.Errorf("request = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestPodFromCore checks the conversion of a core Pod: readiness, start time, deletion, the
// regular containers then the sidecars (plain init containers left out), and pod-level
// requests of the resources that may be set at pod level.
func TestPodFromCore(t *testing.T) {
	start := metav1.NewTime(now.Add(-time.Minute))
	transition := metav1.NewTime(now.Add(-30 * time.Second))
	q := resource.MustParse
	tests := map[string]struct {
		pod  *corev1.Pod
		want Pod
	}{
		"full pod": {
			pod: &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "web-1", DeletionTimestamp: &transition},
				Spec: corev1.PodSpec{
					Resources: &corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("1Gi"), corev1.ResourceEphemeralStorage: q("1Gi"),
					}},
					InitContainers: []corev1.Container{
						{Name: "setup", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: q("1")}}},
						{Name: "proxy", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
							Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: q("50m")}}},
					},
					Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceMemory: q("256Mi"), corev1.ResourceCPU: q("250m"),
					}}}},
				},
				Status: corev1.PodStatus{
					Phase:     corev1.PodRunning,
					StartTime: &start,
					Conditions: []corev1.PodCondition{
						{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
						{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: transition},
					},
				},
			},
			want: Pod{
				Name: "web-1", Phase: corev1.PodRunning, Deleting: true, StartTime: start.Time,
				Ready: corev1.ConditionFalse, ReadyTransition: transition.Time,
				Containers: []Container{
					{Name: "app", Requests: []ResourceAmount{{Name: cpu, MilliValue: 250}, {Name: memory, MilliValue: 256 << 20 * 1000}}},
					{Name: "proxy", Sidecar: true, Requests: []ResourceAmount{{Name: cpu, MilliValue: 50}}},
				},
				PodRequests: []ResourceAmount{{Name: cpu, MilliValue: 2000}, {Name: memory, MilliValue: 1 << 30 * 1000}},
			},
		},
		"pending pod without status": {
			pod:  &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "new"}, Status: corev1.PodStatus{Phase: corev1.PodPending}},
			want: Pod{Name: "new", Phase: corev1.PodPending, Containers: []Container{}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, PodFromCore(tc.pod)); diff != "" {
				t.Errorf("pod (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTolerances checks the bounds of the tolerance band.
func TestTolerances(t *testing.T) {
	tol := Tolerances{ScaleDown: 0.1, ScaleUp: 0.2}
	tests := map[string]struct {
		ratio float64
		want  bool
	}{
		"lower bound":   {ratio: 0.9, want: true},
		"below":         {ratio: 0.89, want: false},
		"upper bound":   {ratio: 1.2, want: true},
		"above":         {ratio: 1.21, want: false},
		"one":           {ratio: 1, want: true},
		"not a number":  {ratio: nan(), want: false},
		"infinite":      {ratio: inf(), want: false},
		"zero is below": {ratio: 0, want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tol.Within(tc.ratio); got != tc.want {
				t.Errorf("Within(%v) = %v, want %v", tc.ratio, got, tc.want)
			}
		})
	}
	if got, want := tol.String(), "[down:10.0%, up:20.0%]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestInvalidTargets checks that a target a validated spec cannot hold is an error, not a
// division by zero.
func TestInvalidTargets(t *testing.T) {
	w := world{current: 1, requests: []int64{100}, levels: levels(100)}
	in := PodMetricInput{Now: now, CurrentReplicas: 1, Pods: w.pods(cpu), Metrics: w.resourceMetrics(""), Resource: cpu}
	errs := map[string]error{}
	_, errs["utilization"] = PodUtilization(in)
	_, errs["average value"] = PodAverageValue(in)
	_, errs["value"] = Value(ValueInput{CurrentReplicas: 1, Usage: 1})
	_, errs["per-pod average value"] = AverageValue(AverageValueInput{StatusReplicas: 1, Usage: 1})
	for name, err := range errs {
		if err == nil || errors.Is(err, ErrNoPods) {
			t.Errorf("%s: expected an invalid target error, got %v", name, err)
		}
	}
}

func nan() float64 { return math.NaN() }
func inf() float64 { return math.Inf(1) }
