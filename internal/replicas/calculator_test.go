package replicas

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// proposal is the part of a Result upstream's tests check: the replica count, the reported
// usage (raw average value for utilization targets) and the utilization.
type proposal struct {
	Replicas    int32
	Usage       int64
	Utilization int32
}

func summary(r Result) proposal {
	return proposal{Replicas: r.Replicas, Usage: r.Usage, Utilization: r.Utilization}
}

// TestPodUtilization pins upstream's GetResourceReplicas: resource and container resource
// metrics with a Utilization target, one case per upstream test function of
// replica_calculator_test.go that exercises it (named after it). Pod values are the sum of
// the two containers' values (or the named container's), requests likewise.
func TestPodUtilization(t *testing.T) {
	tests := map[string]struct {
		w          world
		container  string
		target     int32
		tolerances *Tolerances
		want       proposal
		wantErr    string
	}{
		"DisjointResourcesMetrics: values of unknown pods match no request": {
			w:       world{current: 1, requests: []int64{1000}, levels: levels(100), podNames: []string{"an-older-pod-name"}},
			target:  100,
			wantErr: "no metrics returned matched known pods",
		},
		"ScaleUp": {
			w:      world{current: 3, requests: repeat(1000, 3), levels: levels(300, 500, 700)},
			target: 30,
			want:   proposal{Replicas: 5, Utilization: 50, Usage: 2 * 500},
		},
		"ContainerScaleUp: only the named container counts": {
			w:         world{current: 3, requests: repeat(1000, 3), levels: [][]int64{{1000, 300}, {1000, 500}, {1000, 700}}},
			container: "container2", target: 30,
			want: proposal{Replicas: 5, Utilization: 50, Usage: 500},
		},
		"ScaleUpUnreadyLessScale: unready pods count as zero on a scale-up": {
			w:      world{current: 3, ready: conds(F, T, T), requests: repeat(1000, 3), levels: levels(300, 500, 700)},
			target: 30,
			want:   proposal{Replicas: 4, Utilization: 60, Usage: 2 * 600},
		},
		"ScaleUpContainerHotCpuLessScale: a pod within its CPU initialization period counts as zero": {
			w:         world{current: 3, start: tm(hot, cool, cool), requests: repeat(1000, 3), levels: [][]int64{{0, 300}, {0, 500}, {0, 700}}},
			container: "container2", target: 30,
			want: proposal{Replicas: 4, Utilization: 60, Usage: 600},
		},
		"ScaleUpHotCpuLessScale": {
			w:      world{current: 3, start: tm(hot, cool, cool), requests: repeat(1000, 3), levels: levels(300, 500, 700)},
			target: 30,
			want:   proposal{Replicas: 4, Utilization: 60, Usage: 2 * 600},
		},
		"ScaleUpUnreadyNoScale: counting unready pods as zero would turn the scale-up into a scale-down": {
			w:      world{current: 3, ready: conds(T, F, F), requests: repeat(1000, 3), levels: levels(400, 500, 700)},
			target: 30,
			want:   proposal{Replicas: 3, Utilization: 40, Usage: 2 * 400},
		},
		"ScaleHotCpuNoScale": {
			w:      world{current: 3, ready: conds(T, F, F), start: tm(cool, hot, hot), requests: repeat(1000, 3), levels: levels(400, 500, 700)},
			target: 30,
			want:   proposal{Replicas: 3, Utilization: 40, Usage: 2 * 400},
		},
		"ScaleUpIgnoresFailedPods": {
			w: world{current: 2, ready: conds(T, T, F, F), phase: phases(running, running, failed, failed),
				requests: repeat(1000, 4), levels: levels(500, 700)},
			target: 30,
			want:   proposal{Replicas: 4, Utilization: 60, Usage: 2 * 600},
		},
		"MissingContainerMetricScaleUpIgnoresFailedPods: failed pods without the container's value are ignored": {
			w: world{current: 2, ready: conds(T, T, F, F), phase: phases(running, running, failed, failed),
				requests: repeat(1000, 4), levels: [][]int64{{1000, 500}, {9000, 700}, {1000}, {9000}}},
			container: "container2", target: 30,
			want: proposal{Replicas: 4, Utilization: 60, Usage: 600},
		},
		"ScaleUpContainerIgnoresFailedPods": {
			w: world{current: 2, ready: conds(T, T, F, F), phase: phases(running, running, failed, failed),
				requests: repeat(1000, 4), levels: [][]int64{{1000, 500}, {9000, 700}}},
			container: "container2", target: 30,
			want: proposal{Replicas: 4, Utilization: 60, Usage: 600},
		},
		"ScaleUpIgnoresDeletionPods": {
			w: world{current: 2, ready: conds(T, T, F, F), phase: phases(running, running, running, running),
				deleting: []bool{false, false, true, true}, requests: repeat(1000, 4), levels: levels(500, 700)},
			target: 30,
			want:   proposal{Replicas: 4, Utilization: 60, Usage: 2 * 600},
		},
		"ScaleUpContainerIgnoresDeletionPods": {
			w: world{current: 2, ready: conds(T, T, F, F), phase: phases(running, running, running, running),
				deleting: []bool{false, false, true, true}, requests: repeat(1000, 4), levels: levels(500, 700)},
			container: "container1", target: 30,
			want: proposal{Replicas: 4, Utilization: 60, Usage: 600},
		},
		"ScaleDown": {
			w:      world{current: 5, requests: repeat(1000, 5), levels: levels(100, 300, 500, 250, 250)},
			target: 50,
			want:   proposal{Replicas: 3, Utilization: 28, Usage: 2 * 280},
		},
		"ContainerScaleDown": {
			w:         world{current: 5, requests: repeat(1000, 5), levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			container: "container2", target: 50,
			want: proposal{Replicas: 3, Utilization: 28, Usage: 280},
		},
		"ScaleDownExcludeUnreadyPods: unready pods are left out of a scale-down": {
			w:      world{current: 5, ready: conds(T, T, T, F, F), requests: repeat(1000, 5), levels: levels(100, 300, 500, 250, 250)},
			target: 50,
			want:   proposal{Replicas: 2, Utilization: 30, Usage: 2 * 300},
		},
		"ScaleDownContainerExcludeUnreadyPods": {
			w: world{current: 5, ready: conds(T, T, T, F, F), requests: repeat(1000, 5),
				levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			container: "container2", target: 50,
			want: proposal{Replicas: 2, Utilization: 30, Usage: 300},
		},
		"ScaleDownExcludeUnscheduledPods: pending pods are unready": {
			w: world{current: 5, ready: conds(T, F, F, F, F), phase: phases(running, pending, pending, pending, pending),
				requests: repeat(1000, 5), levels: levels(100)},
			target: 50,
			want:   proposal{Replicas: 1, Utilization: 10, Usage: 2 * 100},
		},
		"ScaleDownContainerExcludeUnscheduledPods": {
			w: world{current: 5, ready: conds(T, F, F, F, F), phase: phases(running, pending, pending, pending, pending),
				requests: repeat(1000, 5), levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			container: "container2", target: 50,
			want: proposal{Replicas: 1, Utilization: 10, Usage: 100},
		},
		"ScaleDownIgnoreHotCpuPods": {
			w:      world{current: 5, start: tm(cool, cool, cool, hot, hot), requests: repeat(1000, 5), levels: levels(100, 300, 500, 250, 250)},
			target: 50,
			want:   proposal{Replicas: 2, Utilization: 30, Usage: 2 * 300},
		},
		"ScaleDownContainerIgnoreHotCpuPods": {
			w: world{current: 5, start: tm(cool, cool, cool, hot, hot), requests: repeat(1000, 5),
				levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 1000}, {1000, 1000}}},
			container: "container2", target: 50,
			want: proposal{Replicas: 2, Utilization: 30, Usage: 300},
		},
		"ScaleDownIgnoresFailedPods": {
			w: world{current: 5, ready: conds(T, T, T, T, T, F, F), phase: phases(running, running, running, running, running, failed, failed),
				requests: repeat(1000, 7), levels: levels(100, 300, 500, 250, 250)},
			target: 50,
			want:   proposal{Replicas: 3, Utilization: 28, Usage: 2 * 280},
		},
		"ScaleDownContainerIgnoresFailedPods": {
			w: world{current: 5, ready: conds(T, T, T, T, T, F, F), phase: phases(running, running, running, running, running, failed, failed),
				requests: repeat(1000, 7), levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			container: "container2", target: 50,
			want: proposal{Replicas: 3, Utilization: 28, Usage: 280},
		},
		"ScaleDownIgnoresDeletionPods": {
			w: world{current: 5, ready: conds(T, T, T, T, T, F, F), phase: phases(running, running, running, running, running, running, running),
				deleting: []bool{false, false, false, false, false, true, true}, requests: repeat(1000, 7), levels: levels(100, 300, 500, 250, 250)},
			target: 50,
			want:   proposal{Replicas: 3, Utilization: 28, Usage: 2 * 280},
		},
		"ScaleDownIgnoresDeletionPods_StillRunning: deleted pods still reporting are ignored": {
			w: world{current: 5, ready: conds(T, T, T, T, T, F, F), phase: phases(running, running, running, running, running, running, running),
				deleting: []bool{false, false, false, false, false, true, true}, requests: repeat(1000, 7),
				levels: [][]int64{{1000, 100}, {1000, 300}, {1000, 500}, {1000, 250}, {1000, 250}}},
			container: "container2", target: 50,
			want: proposal{Replicas: 3, Utilization: 28, Usage: 280},
		},
		"Tolerance: 102% of the target is within the default 10%": {
			w:      world{current: 3, requests: []int64{900, 1000, 1100}, levels: levels(1010, 1030, 1020)},
			target: 100,
			want:   proposal{Replicas: 3, Utilization: 102, Usage: 2 * 1020},
		},
		"ConfigurableTolerance/Outside of a 0% tolerance": {
			w:          world{current: 3, requests: []int64{900, 1000, 1100}, levels: levels(909, 1010, 1111)},
			target:     100,
			tolerances: &Tolerances{},
			want:       proposal{Replicas: 4, Utilization: 101, Usage: 2 * 1010},
		},
		"ConfigurableTolerance/Within a 200% scale-up tolerance": {
			w:          world{current: 3, requests: []int64{900, 1000, 1100}, levels: levels(1890, 1910, 1900)},
			target:     100,
			tolerances: &Tolerances{ScaleDown: 0.1, ScaleUp: 2},
			want:       proposal{Replicas: 3, Utilization: 190, Usage: 2 * 1900},
		},
		"ConfigurableTolerance/Outside 8% scale-up tolerance (and superfluous scale-down tolerance)": {
			w:          world{current: 3, requests: []int64{900, 1000, 1100}, levels: levels(1100, 1080, 1090)},
			target:     100,
			tolerances: &Tolerances{ScaleDown: 2, ScaleUp: 0.08},
			want:       proposal{Replicas: 4, Utilization: 109, Usage: 2 * 1090},
		},
		"ConfigurableTolerance/Within a 36% scale-down tolerance": {
			w:          world{current: 3, requests: []int64{900, 1000, 1100}, levels: levels(660, 640, 650)},
			target:     100,
			tolerances: &Tolerances{ScaleDown: 0.36, ScaleUp: 0.1},
			want:       proposal{Replicas: 3, Utilization: 65, Usage: 2 * 650},
		},
		"ConfigurableTolerance/Outside a 34% scale-down tolerance": {
			w:          world{current: 3, requests: []int64{900, 1000, 1100}, levels: levels(660, 640, 650)},
			target:     100,
			tolerances: &Tolerances{ScaleDown: 0.34, ScaleUp: 0.1},
			want:       proposal{Replicas: 2, Utilization: 65, Usage: 2 * 650},
		},
		"SuperfluousMetrics: values of pods not listed do not count for utilization": {
			w:      world{current: 4, requests: repeat(1000, 4), levels: levels(4000, 9500, 3000, 7000, 3200, 2000)},
			target: 100,
			want:   proposal{Replicas: 24, Utilization: 587, Usage: 2 * 5875},
		},
		"MissingMetrics: pods without values count as 100% on a scale-down": {
			w:      world{current: 4, requests: repeat(1000, 4), levels: levels(400, 95)},
			target: 100,
			want:   proposal{Replicas: 3, Utilization: 24, Usage: 495},
		},
		"EmptyMetrics: no value at all": {
			w:       world{current: 4, requests: repeat(1000, 3)},
			target:  100,
			wantErr: ErrNoMetrics.Error(),
		},
		"EmptyCPURequest: a pod without a request": {
			w:       world{current: 1, levels: levels(200)},
			target:  100,
			wantErr: "missing request for cpu in container container1 of Pod test-pod-0",
		},
		"MissingMetricsNoChangeEq: at exactly the target, missing pods change nothing": {
			w:      world{current: 2, requests: repeat(1000, 2), levels: levels(1000)},
			target: 100,
			want:   proposal{Replicas: 2, Utilization: 100, Usage: 2 * 1000},
		},
		"MissingMetricsNoChangeGt: counting the missing pod at zero brings the ratio within tolerance": {
			w:      world{current: 2, requests: repeat(1000, 2), levels: levels(1900)},
			target: 100,
			want:   proposal{Replicas: 2, Utilization: 190, Usage: 2 * 1900},
		},
		"MissingMetricsNoChangeLt: counting the missing pod at 100% keeps the count": {
			w:      world{current: 2, requests: repeat(1000, 2), levels: levels(600)},
			target: 100,
			want:   proposal{Replicas: 2, Utilization: 60, Usage: 2 * 600},
		},
		"MissingMetricsUnreadyChange: filling in would reverse the direction": {
			w:      world{current: 3, ready: conds(F, T, T), requests: repeat(1000, 3), levels: levels(100, 450)},
			target: 50,
			want:   proposal{Replicas: 3, Utilization: 45, Usage: 2 * 450},
		},
		"MissingMetricsHotCpuNoChange": {
			w:      world{current: 3, start: tm(hot, cool, cool), requests: repeat(1000, 3), levels: levels(100, 450)},
			target: 50,
			want:   proposal{Replicas: 3, Utilization: 45, Usage: 2 * 450},
		},
		"MissingMetricsUnreadyScaleUp: unready and missing pods count as zero on a scale-up": {
			w:      world{current: 3, ready: conds(F, T, T), requests: repeat(1000, 3), levels: levels(100, 2000)},
			target: 50,
			want:   proposal{Replicas: 4, Utilization: 200, Usage: 2 * 2000},
		},
		"MissingMetricsHotCpuScaleUp": {
			w:      world{current: 3, ready: conds(F, T, T), start: tm(hot, cool, cool), requests: repeat(1000, 3), levels: levels(100, 2000)},
			target: 50,
			want:   proposal{Replicas: 4, Utilization: 200, Usage: 2 * 2000},
		},
		"MissingMetricsUnreadyScaleDown": {
			w:      world{current: 4, ready: conds(F, T, T, T), requests: repeat(1000, 4), levels: levels(100, 100, 100)},
			target: 50,
			want:   proposal{Replicas: 3, Utilization: 10, Usage: 2 * 100},
		},
		"MissingMetricsScaleDownTargetOver100: missing pods count at the target when it is above 100%": {
			w:      world{current: 4, ready: conds(F, T, T, T), requests: []int64{1000, 1000, 2000, 2000}, levels: levels(200, 100, 100)},
			target: 300,
			want:   proposal{Replicas: 2, Utilization: 6, Usage: 2 * 100},
		},
		"DuringRollingUpdateWithMaxSurge: a surge pod without values does not make a scale-down a scale-up": {
			w:      world{current: 2, phase: phases(running, running, running), requests: repeat(1000, 3), levels: levels(100, 100)},
			target: 50,
			want:   proposal{Replicas: 2, Utilization: 10, Usage: 2 * 100},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tol := testTolerance
			if tc.tolerances != nil {
				tol = *tc.tolerances
			}
			got, err := PodUtilization(PodMetricInput{
				Now: now, CurrentReplicas: tc.w.current, Tolerances: tol, Readiness: testReadiness,
				Pods: tc.w.pods(cpu), Metrics: tc.w.resourceMetrics(tc.container),
				Resource: cpu, Container: tc.container, TargetUtilization: tc.target,
			})
			checkErr(t, err, tc.wantErr)
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPodAverageValue pins upstream's GetMetricReplicas and GetRawResourceReplicas (the plain
// calculation): pods metrics, and resource metrics with an AverageValue target. Values of pods
// not listed count, pods without values count at the target on a scale-down.
func TestPodAverageValue(t *testing.T) {
	tests := map[string]struct {
		w          world
		resource   corev1.ResourceName
		target     int64
		tolerances *Tolerances
		want       proposal
		wantErr    string
	}{
		"ScaleUpCM": {
			w:      world{current: 3, values: []int64{20000, 10000, 30000}},
			target: 15000,
			want:   proposal{Replicas: 4, Usage: 20000},
		},
		"ScaleUpCMUnreadyHotCpuNoLessScale: readiness does not matter for pods metrics": {
			w:      world{current: 3, ready: conds(T, T, F), start: tm(cool, cool, hot), values: []int64{50000, 10000, 30000}},
			target: 15000,
			want:   proposal{Replicas: 6, Usage: 30000},
		},
		"ScaleUpCMUnreadyHotCpuScaleWouldScaleDown": {
			w:      world{current: 3, ready: conds(F, T, F), start: tm(hot, cool, hot), values: []int64{50000, 15000, 30000}},
			target: 15000,
			want:   proposal{Replicas: 7, Usage: 31666},
		},
		"ScaleUpCMExternal (a pods metric in upstream's test)": {
			w:      world{current: 1, values: []int64{8600}},
			target: 4400,
			want:   proposal{Replicas: 2, Usage: 8600},
		},
		"ScaleUpCMExternalNoLabels (a pods metric in upstream's test)": {
			w:      world{current: 1, values: []int64{8600}},
			target: 4400,
			want:   proposal{Replicas: 2, Usage: 8600},
		},
		"ScaleDownCM": {
			w:      world{current: 5, values: repeat(12000, 5)},
			target: 20000,
			want:   proposal{Replicas: 3, Usage: 12000},
		},
		"ToleranceCM": {
			w:      world{current: 3, values: []int64{20000, 21000, 21000}},
			target: 20000,
			want:   proposal{Replicas: 3, Usage: 20666},
		},
		"ConfigurableToleranceCM: 1% scale-up tolerance": {
			w:          world{current: 3, values: []int64{20000, 21000, 21000}},
			target:     20000,
			tolerances: &Tolerances{ScaleDown: 0.1, ScaleUp: 0.01},
			want:       proposal{Replicas: 4, Usage: 20666},
		},
		"PlainMetricReplicaCalcMissingMetricsNoChangeEq": {
			w:      world{current: 5, values: []int64{20000, 19000, 21000}},
			target: 20000,
			want:   proposal{Replicas: 5, Usage: 20000},
		},
		"DuringRollingUpdateWithMaxSurgeCM": {
			w:      world{current: 2, phase: phases(running, running, running), values: []int64{10000, 10000}},
			target: 17000,
			want:   proposal{Replicas: 2, Usage: 10000},
		},
		"raw resource value: CPU start-up rules apply to an AverageValue target": {
			w:        world{current: 3, ready: conds(F, T, T), levels: levels(300, 500, 700)},
			resource: cpu, target: 500,
			want: proposal{Replicas: 5, Usage: 2 * 600},
		},
		"raw resource value: values of pods not listed still count": {
			w:        world{current: 2, levels: levels(500, 500, 1000)},
			resource: memory, target: 1000,
			want: proposal{Replicas: 3, Usage: 1333},
		},
		"no pods": {
			w:       world{current: 0, values: []int64{1}},
			target:  1,
			wantErr: ErrNoPods.Error(),
		},
		"only unready pods have values": {
			w:        world{current: 2, ready: conds(F, F), levels: levels(100, 100)},
			resource: cpu, target: 100,
			wantErr: ErrNoMetrics.Error(),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tol := testTolerance
			if tc.tolerances != nil {
				tol = *tc.tolerances
			}
			metrics := tc.w.podsMetrics()
			if tc.resource != "" {
				metrics = tc.w.resourceMetrics("")
			}
			got, err := PodAverageValue(PodMetricInput{
				Now: now, CurrentReplicas: tc.w.current, Tolerances: tol, Readiness: testReadiness,
				Pods: tc.w.pods(cpu), Metrics: metrics, Resource: tc.resource, TargetAverageValue: tc.target,
			})
			checkErr(t, err, tc.wantErr)
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValue pins upstream's GetObjectMetricReplicas and GetExternalMetricReplicas (Value
// targets): the ratio times the running, ready pods, unless within tolerance; the ratio
// itself from zero replicas.
func TestValue(t *testing.T) {
	tests := map[string]struct {
		w          world
		usage      int64
		external   []int64
		target     int64
		tolerances *Tolerances
		want       proposal
		wantErr    string
	}{
		"ScaleUpOverflow: a huge ratio saturates at the largest int32": {
			w: world{current: 3}, usage: math.MaxInt64, target: 1,
			want: proposal{Replicas: math.MaxInt32, Usage: math.MaxInt64},
		},
		"ScaleUpCMObject": {
			w: world{current: 3}, usage: 20000, target: 15000,
			want: proposal{Replicas: 4, Usage: 20000},
		},
		"ScaleUpCMObjectIgnoresUnreadyPods: only ready pods are multiplied": {
			w: world{current: 3, ready: conds(F, T, F)}, usage: 50000, target: 10000,
			want: proposal{Replicas: 5, Usage: 50000},
		},
		"ScaleUpCMExternalIgnoresUnreadyPods": {
			w: world{current: 3, ready: conds(F, T, F)}, external: []int64{8600}, target: 4400,
			want: proposal{Replicas: 2, Usage: 8600},
		},
		"ScaleDownCMObject": {
			w: world{current: 5}, usage: 12000, target: 20000,
			want: proposal{Replicas: 3, Usage: 12000},
		},
		"ScaleDownCMExternal": {
			w: world{current: 5}, external: []int64{8600}, target: 14334,
			want: proposal{Replicas: 3, Usage: 8600},
		},
		"ToleranceCMObject": {
			w: world{current: 3}, usage: 20666, target: 20000,
			want: proposal{Replicas: 3, Usage: 20666},
		},
		"ToleranceCMExternal": {
			w: world{current: 3}, external: []int64{8600}, target: 8888,
			want: proposal{Replicas: 3, Usage: 8600},
		},
		"ConfigurableToleranceCMObject": {
			w: world{current: 3}, usage: 20666, target: 20000, tolerances: &Tolerances{ScaleDown: 0.1, ScaleUp: 0.01},
			want: proposal{Replicas: 4, Usage: 20666},
		},
		"ConfigurableToleranceCMExternal": {
			w: world{current: 3}, external: []int64{8900}, target: 8800, tolerances: &Tolerances{ScaleDown: 0.1, ScaleUp: 0.01},
			want: proposal{Replicas: 4, Usage: 8900},
		},
		"ExternalMetricUsageOverflow: the sum saturates at the largest int64": {
			w: world{current: 3}, external: []int64{math.MaxInt64/2 + 1, math.MaxInt64/2 + 1}, target: math.MaxInt64,
			want: proposal{Replicas: 3, Usage: math.MaxInt64},
		},
		"from zero replicas: the ratio rounded up, no tolerance (upstream getUsageRatioReplicaCount)": {
			w: world{current: 0}, usage: 1050, target: 1000,
			want: proposal{Replicas: 2, Usage: 1050},
		},
		"from zero replicas: nothing to do": {
			w: world{current: 0}, usage: 0, target: 1000,
			want: proposal{Replicas: 0, Usage: 0},
		},
		"outside tolerance with no pods listed": {
			w: world{current: 2}, usage: 5000, target: 1000,
			wantErr: "unable to calculate ready pods: " + ErrNoPods.Error(),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tol := testTolerance
			if tc.tolerances != nil {
				tol = *tc.tolerances
			}
			usage := tc.usage
			if tc.external != nil {
				usage = ExternalValueSum(tc.external)
			}
			pods := tc.w.pods(cpu)
			if tc.wantErr != "" {
				pods = nil
			}
			got, err := Value(ValueInput{CurrentReplicas: tc.w.current, Tolerances: tol, Pods: pods, Usage: usage, Target: tc.target})
			checkErr(t, err, tc.wantErr)
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAverageValue pins upstream's GetObjectPerPodMetricReplicas and
// GetExternalPerPodMetricReplicas (AverageValue targets): total over target, rounded up,
// unless the ratio against the status replicas is within tolerance; usage per status replica.
func TestAverageValue(t *testing.T) {
	tests := map[string]struct {
		status     int32
		usage      int64
		external   []int64
		target     int64
		tolerances *Tolerances
		want       proposal
	}{
		"ExternalPerPodMetricReplicaOverflow": {
			status: 1, external: []int64{math.MaxInt64}, target: 1,
			want: proposal{Replicas: math.MaxInt32, Usage: math.MaxInt64},
		},
		"ExternalPerPodMetricUsageOverflow": {
			status: 1, external: []int64{math.MaxInt64}, target: math.MaxInt64,
			want: proposal{Replicas: 1, Usage: math.MaxInt64},
		},
		"ScaleUpCMPerPodObject": {
			status: 3, usage: 20000, target: 5000,
			want: proposal{Replicas: 4, Usage: 6667},
		},
		"ScaleUpPerPodCMExternal": {
			status: 3, external: []int64{8600}, target: 2150,
			want: proposal{Replicas: 4, Usage: 2867},
		},
		"ScaleDownPerPodCMObject": {
			status: 5, usage: 6000, target: 2000,
			want: proposal{Replicas: 3, Usage: 1200},
		},
		"ScaleDownPerPodCMExternal": {
			status: 5, external: []int64{8600}, target: 2867,
			want: proposal{Replicas: 3, Usage: 1720},
		},
		"TolerancePerPodCMObject": {
			status: 4, usage: 20166, target: 5000,
			want: proposal{Replicas: 4, Usage: 5042},
		},
		"TolerancePerPodCMExternal": {
			status: 3, external: []int64{8600}, target: 2900,
			want: proposal{Replicas: 3, Usage: 2867},
		},
		"ConfigurableTolerancePerPodCMObject": {
			status: 4, usage: 20208, target: 5000, tolerances: &Tolerances{ScaleDown: 0.1, ScaleUp: 0.01},
			want: proposal{Replicas: 5, Usage: 5052},
		},
		"ConfigurableTolerancePerPodCMExternal": {
			status: 3, external: []int64{8600}, target: 2800, tolerances: &Tolerances{ScaleDown: 0.1, ScaleUp: 0.01},
			want: proposal{Replicas: 4, Usage: 2867},
		},
		"from zero replicas: total over target; the usage reported is the total": {
			status: 0, usage: 4500, target: 1000,
			want: proposal{Replicas: 5, Usage: 4500},
		},
		"from zero replicas with nothing to do": {
			status: 0, usage: 0, target: 1000,
			want: proposal{Replicas: 0, Usage: 0},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tol := testTolerance
			if tc.tolerances != nil {
				tol = *tc.tolerances
			}
			usage := tc.usage
			if tc.external != nil {
				usage = ExternalAverageValueSum(tc.external)
			}
			got, err := AverageValue(AverageValueInput{StatusReplicas: tc.status, Tolerances: tol, Usage: usage, Target: tc.target})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExternalSums pins the two ways upstream adds up external series: saturating on
// overflow for Value targets, and treating any negative running sum as an overflow for
// AverageValue targets.
func TestExternalSums(t *testing.T) {
	tests := map[string]struct {
		values          []int64
		wantValue       int64
		wantAverageSums int64
	}{
		"plain sum":      {values: []int64{1, 2, 3}, wantValue: 6, wantAverageSums: 6},
		"none":           {values: nil, wantValue: 0, wantAverageSums: 0},
		"overflow":       {values: []int64{math.MaxInt64, 1}, wantValue: math.MaxInt64, wantAverageSums: math.MaxInt64},
		"negative value": {values: []int64{5, -10}, wantValue: -5, wantAverageSums: math.MaxInt64},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := [2]int64{ExternalValueSum(tc.values), ExternalAverageValueSum(tc.values)}
			if diff := cmp.Diff([2]int64{tc.wantValue, tc.wantAverageSums}, got); diff != "" {
				t.Errorf("sums (-want +got):\n%s", diff)
			}
		})
	}
}

// TestComputedToleranceAlgImplementation pins upstream's regression test of the same name:
// requests jittered around 2× the usage, a target just outside the tolerance scales down to 9,
// one just inside keeps 10.
func TestComputedToleranceAlgImplementation(t *testing.T) {
	const startPods = 10
	totalUsed := int64(startPods * 150)
	totalRequested := 2 * totalUsed
	requestedToUsed := float64(totalRequested / totalUsed)
	perPod := totalRequested / startPods
	w := world{
		current: startPods,
		levels:  levels(repeat(totalUsed/10, 10)...),
		requests: []int64{perPod + 100, perPod - 100, perPod + 10, perPod - 10, perPod + 2,
			perPod - 2, perPod + 1, perPod - 1, perPod, perPod},
	}
	tests := map[string]struct {
		targetOffset float64
		want         proposal
	}{
		"just outside the tolerance: scale down to 9": {targetOffset: .01, want: proposal{Replicas: 9, Utilization: 50, Usage: 2 * 150}},
		"just inside the tolerance: keep 10":          {targetOffset: .004, want: proposal{Replicas: 10, Utilization: 50, Usage: 2 * 150}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			target := math.Abs(1/(requestedToUsed*(1-0.1))) + tc.targetOffset
			got, err := PodUtilization(PodMetricInput{
				Now: now, CurrentReplicas: startPods, Tolerances: testTolerance, Readiness: testReadiness,
				Pods: w.pods(cpu), Metrics: w.resourceMetrics(""), Resource: cpu, TargetUtilization: int32(target * 100),
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summary(got)); diff != "" {
				t.Errorf("proposal (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOutcome pins the explanation of each way to a proposal, and the pod tallies.
func TestOutcome(t *testing.T) {
	tests := map[string]struct {
		w      world
		target int32
		want   Result
	}{
		"ratio applied": {
			w:      world{current: 3, requests: repeat(1000, 3), levels: levels(300, 500, 700)},
			target: 30,
			want:   Result{Replicas: 5, Outcome: OutcomeRatio, UsageRatio: 50.0 / 30, Usage: 1000, Utilization: 50, Pods: PodCounts{Ready: 3}},
		},
		"within tolerance": {
			w:      world{current: 3, requests: []int64{900, 1000, 1100}, levels: levels(1010, 1030, 1020)},
			target: 100,
			want:   Result{Replicas: 3, Outcome: OutcomeWithinTolerance, UsageRatio: 1.02, Usage: 2040, Utilization: 102, Pods: PodCounts{Ready: 3}},
		},
		"rebalanced with a missing pod": {
			w:      world{current: 4, requests: repeat(1000, 4), levels: levels(400, 95)},
			target: 100,
			want:   Result{Replicas: 3, Outcome: OutcomeRebalanced, UsageRatio: 0.24, Usage: 495, Utilization: 24, Pods: PodCounts{Ready: 2, Missing: 2}},
		},
		"rebalanced within tolerance": {
			w:      world{current: 2, requests: repeat(1000, 2), levels: levels(1900)},
			target: 100,
			want:   Result{Replicas: 2, Outcome: OutcomeRebalancedWithinTolerance, UsageRatio: 1.9, Usage: 3800, Utilization: 190, Pods: PodCounts{Ready: 1, Missing: 1}},
		},
		"rebalance flips the direction": {
			w:      world{current: 3, ready: conds(T, F, F), requests: repeat(1000, 3), levels: levels(400, 500, 700)},
			target: 30,
			want:   Result{Replicas: 3, Outcome: OutcomeRebalanceFlipped, UsageRatio: 40.0 / 30, Usage: 800, Utilization: 40, Pods: PodCounts{Ready: 1, Unready: 2}},
		},
		"ignored and extra": {
			w: world{current: 2, phase: phases(running, failed), requests: repeat(1000, 2), levels: levels(500, 500, 500),
				podNames: []string{"test-pod-0", "test-pod-1", "gone"}},
			target: 25,
			want:   Result{Replicas: 2, Outcome: OutcomeRatio, UsageRatio: 2, Usage: 1000, Utilization: 50, Pods: PodCounts{Ready: 1, Ignored: 1, Extra: 1}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := PodUtilization(PodMetricInput{
				Now: now, CurrentReplicas: tc.w.current, Tolerances: testTolerance, Readiness: testReadiness,
				Pods: tc.w.pods(cpu), Metrics: tc.w.resourceMetrics(""), Resource: cpu, TargetUtilization: tc.target,
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if got.Outcome.String() == "" || strings.HasPrefix(got.Outcome.String(), "Outcome(") {
				t.Errorf("outcome %d has no text", got.Outcome)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("expected an error containing %q, got none", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("expected an error containing %q, got %q", want, err)
	}
}

func tm(ts ...time.Time) []time.Time { return ts }

func phases(p ...corev1.PodPhase) []corev1.PodPhase { return p }

// TestUsageRatios pins upstream's GetResourceUtilizationRatio and GetMetricUsageRatio
// (metrics/utilization_test.go): utilization is the sum of the values over the sum of the
// requests of the pods that have both; values of pods without a request do not count; the
// plain usage is the average of the values.
func TestUsageRatios(t *testing.T) {
	pod := func(name string, req int64) Pod {
		return Pod{Name: name, Phase: corev1.PodRunning, Ready: T, StartTime: longAgo, ReadyTransition: longAgo,
			Containers: []Container{{Name: "c", Requests: []ResourceAmount{{Name: memory, MilliValue: req}}}}}
	}
	value := func(name string, v int64) PodMetric {
		return PodMetric{Pod: name, MilliValue: v, Timestamp: now, Window: time.Minute}
	}
	type ratios struct {
		Ratio       float64
		Utilization int32
		Usage       int64
	}
	tests := map[string]struct {
		pods    []Pod
		metrics []PodMetric
		plain   bool
		target  int64
		want    ratios
		wantErr string
	}{
		"GetResourceUtilizationRatioBaseCase": {
			pods:    []Pod{pod("test-pod-0", 100), pod("test-pod-1", 100)},
			metrics: []PodMetric{value("test-pod-0", 50), value("test-pod-1", 76)},
			target:  50, want: ratios{Ratio: 1.26, Utilization: 63, Usage: 63},
		},
		"GetResourceUtilizationRatioIgnorePodsWithNoRequest": {
			pods:    []Pod{pod("test-pod-0", 100), pod("test-pod-1", 100)},
			metrics: []PodMetric{value("test-pod-0", 50), value("test-pod-1", 76), value("test-pod-no-request", 100)},
			target:  50, want: ratios{Ratio: 1.26, Utilization: 63, Usage: 63},
		},
		"GetResourceUtilizationRatioNoRequests": {
			pods:    []Pod{pod("other-0", 100)},
			metrics: []PodMetric{value("test-pod-0", 50), value("test-pod-1", 76)},
			target:  50, wantErr: ErrNoMatchingMetrics.Error(),
		},
		"GetMetricUsageRatioBaseCase": {
			pods:    []Pod{pod("test-pod-0", 0), pod("test-pod-1", 0)},
			metrics: []PodMetric{value("test-pod-0", 5000), value("test-pod-1", 10000)},
			plain:   true, target: 10000, want: ratios{Ratio: .75, Usage: 7500},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := PodMetricInput{Now: now, CurrentReplicas: int32(len(tc.pods)), Tolerances: testTolerance, Readiness: testReadiness,
				Pods: tc.pods, Metrics: tc.metrics, Resource: memory}
			var got Result
			var err error
			if tc.plain {
				in.TargetAverageValue = tc.target
				got, err = PodAverageValue(in)
			} else {
				in.TargetUtilization = int32(tc.target)
				got, err = PodUtilization(in)
			}
			checkErr(t, err, tc.wantErr)
			if tc.wantErr != "" {
				return
			}
			if diff := cmp.Diff(tc.want, ratios{got.UsageRatio, got.Utilization, got.Usage}); diff != "" {
				t.Errorf("ratios (-want +got):\n%s", diff)
			}
		})
	}
}
