package decision

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
)

// outcome is what upstream's controller tests check of a reconcile: the desired replica count
// written to status (and the scale, when it changes), the conditions (type, status, reason),
// and for CPU cases the utilization reported in status.currentMetrics.
type outcome struct {
	Desired     int32
	Scale       bool
	Conditions  []cond
	Utilization *int32
}

func observe(d Decision, initial []v2.HorizontalPodAutoscalerCondition) outcome {
	o := outcome{Desired: d.DesiredReplicas, Scale: d.Scale, Conditions: project(ApplyConditions(initial, d.Conditions, metav1.NewTime(now)))}
	for _, s := range d.CurrentMetrics() {
		if s.PodResource != nil && s.PodResource.Name == corev1.ResourceCPU && s.PodResource.Current.AverageUtilization != nil {
			o.Utilization = s.PodResource.Current.AverageUtilization
		}
	}
	return o
}

func util(u int32) *int32 { return &u }

// TestDecide pins one reconcile of upstream's HPA controller, case by case after the test
// functions of horizontal_test.go named in each case (with scale to zero and configurable
// tolerance enabled, as they are in mhpa). Where upstream starts from an empty recommendation
// log the case starts from seen(n): the metrics have recommended n for an hour.
func TestDecide(t *testing.T) {
	scaledToZero := []v2.HorizontalPodAutoscalerCondition{{Type: v2.ScaledToZero, Status: T, Reason: ReasonScaledToZero}}
	tests := map[string]struct {
		tc      ctrlCase
		initial []v2.HorizontalPodAutoscalerCondition
		want    outcome
	}{
		"ScaleUp (and ScaleUpDeployment, ScaleUpReplicaSet: the target kind does not matter)": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, levels: []int64{300, 500, 700}, requests: repeat(1000, 3)},
			want: outcome{Desired: 5, Scale: true, Conditions: statusOK(), Utilization: util(50)},
		},
		"ScaleUpContainer": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{containerCPU("container1", 30)},
				levels: []int64{300, 500, 700}, requests: repeat(1000, 3)},
			want: outcome{Desired: 5, Scale: true, Conditions: statusOK()},
		},
		"ScaleUpUnreadyLessScale": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, levels: []int64{300, 500, 700}, requests: repeat(1000, 3),
				readiness: conds(F, T, T)},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK(), Utilization: util(60)},
		},
		"ScaleUpHotCpuLessScale": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, levels: []int64{300, 500, 700}, requests: repeat(1000, 3),
				start: tm(hot, cool, cool)},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK(), Utilization: util(60)},
		},
		"ScaleUpUnreadyNoScale": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, levels: []int64{400, 500, 700}, requests: repeat(1000, 3),
				readiness: conds(T, F, F)},
			want: outcome{Desired: 3, Conditions: statusNoScale(), Utilization: util(40)},
		},
		"ScaleUpHotCpuNoScale": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, levels: []int64{400, 500, 700}, requests: repeat(1000, 3),
				readiness: conds(T, F, F), start: tm(cool, hot, hot)},
			want: outcome{Desired: 3, Conditions: statusNoScale(), Utilization: util(40)},
		},
		"ScaleUpIgnoresFailedPods": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 2, statusReplicas: 2, cpuTarget: 30, levels: []int64{500, 700}, requests: repeat(1000, 4),
				readiness: conds(T, T, F, F), phase: phases(corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed)},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK(), Utilization: util(60)},
		},
		"ScaleUpIgnoresDeletionPods": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 2, statusReplicas: 2, cpuTarget: 30, levels: []int64{500, 700}, requests: repeat(1000, 4),
				readiness: conds(T, T, F, F), deleting: []bool{false, false, true, true}},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK(), Utilization: util(60)},
		},
		"ScaleUpCM": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("15")},
				levels: []int64{20000, 10000, 30000}, requests: repeat(1000, 3)},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK()},
		},
		"ScaleUpCMUnreadyAndHotCpuNoLessScale: readiness does not matter for pods metrics": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("15")},
				levels: []int64{50000, 10000, 30000}, requests: repeat(1000, 3), readiness: conds(T, T, F), start: tm(cool, cool, hot)},
			want: outcome{Desired: 6, Scale: true, Conditions: statusOK()},
		},
		"ScaleUpCMUnreadyandCpuHot": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("15")},
				levels: []int64{50000, 15000, 30000}, requests: repeat(1000, 3), readiness: conds(F, T, F), start: tm(hot, cool, hot)},
			want: outcome{Desired: 6, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooManyReplicas"})},
		},
		"ScaleUpHotCpuNoScaleWouldScaleDown": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("15")},
				levels: []int64{50000, 15000, 30000}, requests: repeat(1000, 3), start: tm(hot, cool, hot)},
			want: outcome{Desired: 6, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooManyReplicas"})},
		},
		"ScaleUpCMObject": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{objectQPS("15")}, levels: []int64{20000}},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK()},
		},
		"ScaleUpFromZeroCMObject": {
			tc: ctrlCase{min: 0, max: 6, specReplicas: 0, statusReplicas: 0, metrics: []v2.MetricSpec{objectQPS("15")}, levels: []int64{20000},
				scaledToZero: true},
			initial: scaledToZero,
			want: outcome{Desired: 2, Scale: true, Conditions: []cond{
				{v2.ScaledToZero, F, ReasonNotScaledToZero}, {v2.AbleToScale, T, ReasonSucceededRescale},
				{v2.ScalingActive, T, ReasonValidMetricFound}, {v2.ScalingLimited, F, "DesiredWithinRange"}}},
		},
		"ScaleUpFromZeroIgnoresToleranceCMObject": {
			tc: ctrlCase{min: 0, max: 6, specReplicas: 0, statusReplicas: 0, metrics: []v2.MetricSpec{objectQPS("1")}, levels: []int64{1000},
				scaledToZero: true},
			initial: scaledToZero,
			want: outcome{Desired: 1, Scale: true, Conditions: []cond{
				{v2.ScaledToZero, F, ReasonNotScaledToZero}, {v2.AbleToScale, T, ReasonSucceededRescale},
				{v2.ScalingActive, T, ReasonValidMetricFound}, {v2.ScalingLimited, F, "DesiredWithinRange"}}},
		},
		"ScaleUpPerPodCMObject": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{objectQPSPerPod("10")}, levels: []int64{40000}},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK()},
		},
		"ScaleUpCMExternal": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{externalQPS(6666)}, levels: []int64{8600}},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK()},
		},
		"ScaleUpPerPodCMExternal": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{externalQPSPerPod(2222)}, levels: []int64{8600}},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK()},
		},
		"ScaleDown": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250},
				requests: repeat(1000, 5), history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK(), Utilization: util(28)},
		},
		"ScaleDownContainerResource": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{containerCPU("container2", 50)},
				levels: []int64{100, 300, 500, 250, 250}, requests: repeat(1000, 5), history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK()},
		},
		"ScaleDownWithScalingRules": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250},
				requests: repeat(1000, 5), up: scalingRules(0, 0, 100, 15, 30), history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK(), Utilization: util(28)},
		},
		"ScaleUpOneMetricInvalid: an invalid metric does not stop a scale-up": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, metrics: []v2.MetricSpec{cheddar()},
				levels: []int64{300, 400, 500}, requests: repeat(1000, 3)},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK(), Utilization: util(40)},
		},
		"ScaleUpFromZeroOneMetricInvalid: resource metrics cannot scale from zero": {
			tc: ctrlCase{min: 0, max: 6, specReplicas: 0, statusReplicas: 0, cpuTarget: 30, metrics: []v2.MetricSpec{cheddar()},
				levels: []int64{300, 400, 500}, requests: repeat(1000, 3)},
			want: outcome{Desired: 0, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededGetScale}, {v2.ScalingActive, F, ReasonScalingDisabled}}},
		},
		"ScaleUpBothMetricsEmpty": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{cheddar()}, requests: repeat(1000, 3)},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonInvalidMetricSourceType)},
		},
		"ScaleDownStabilizeInitialSize: a first sight records the current count": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250},
				requests: repeat(1000, 5)},
			want: outcome{Desired: 5, Conditions: statusNoScale(cond{v2.AbleToScale, T, "ScaleDownStabilized"}), Utilization: util(28)},
		},
		"ScaleDownCM": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{podsQPS("20")},
				levels: repeat(12000, 5), requests: repeat(1000, 5), history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK()},
		},
		"ScaleDownCMObject": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{objectQPS("20")},
				levels: []int64{12000}, requests: repeat(1000, 5), history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK()},
		},
		"ScaleDownToZeroCMObject": {
			tc: ctrlCase{min: 0, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{objectQPS("20")},
				levels: []int64{0}, requests: repeat(1000, 5), history: seen(0)},
			want: outcome{Desired: 0, Scale: true, Conditions: statusOK(cond{v2.ScaledToZero, T, ReasonScaledToZero})},
		},
		"ScaleDownPerPodCMObject": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{objectQPSPerPod("20")},
				levels: []int64{60000}, requests: repeat(1000, 5), history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK()},
		},
		"ScaleDownCMExternal": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{externalQPS(14400)},
				levels: []int64{8600}, history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK()},
		},
		"ScaleDownToZeroCMExternal": {
			tc: ctrlCase{min: 0, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{externalQPS(14400)},
				levels: []int64{0}, history: seen(0)},
			want: outcome{Desired: 0, Scale: true, Conditions: statusOK(cond{v2.ScaledToZero, T, ReasonScaledToZero})},
		},
		"ScaleUpFromZeroWithoutCondition: a target someone else scaled to zero is left alone": {
			tc:   ctrlCase{min: 0, max: 6, specReplicas: 0, statusReplicas: 0, metrics: []v2.MetricSpec{objectQPS("15")}, levels: []int64{20000}},
			want: outcome{Desired: 0, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededGetScale}, {v2.ScalingActive, F, ReasonScalingDisabled}}},
		},
		"ScaleUpFromZeroWhenMinReplicasIncreased": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 0, statusReplicas: 0, metrics: []v2.MetricSpec{objectQPS("15")}, levels: []int64{10000},
				scaledToZero: true},
			initial: scaledToZero,
			want: outcome{Desired: 2, Scale: true, Conditions: []cond{
				{v2.ScaledToZero, F, ReasonNotScaledToZero}, {v2.AbleToScale, T, ReasonSucceededRescale},
				{v2.ScalingActive, T, ReasonValidMetricFound}, {v2.ScalingLimited, T, "TooFewReplicas"}}},
		},
		"ScaledToZeroConditionHandledOnNormalRescale": {
			tc: ctrlCase{min: 1, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, levels: []int64{300, 500, 700}, requests: repeat(1000, 3),
				scaledToZero: true},
			initial: scaledToZero,
			want: outcome{Desired: 5, Scale: true, Utilization: util(50), Conditions: []cond{
				{v2.ScaledToZero, F, ReasonNotScaledToZero}, {v2.AbleToScale, T, ReasonSucceededRescale},
				{v2.ScalingActive, T, ReasonValidMetricFound}, {v2.ScalingLimited, F, "DesiredWithinRange"}}},
		},
		"ManualScaleToZeroDisablesHPA": {
			tc:   ctrlCase{min: 1, max: 6, specReplicas: 0, statusReplicas: 0, cpuTarget: 50, requests: []int64{}},
			want: outcome{Desired: 0, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededGetScale}, {v2.ScalingActive, F, ReasonScalingDisabled}}},
		},
		"ScaleDownPerPodCMExternal": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, metrics: []v2.MetricSpec{externalQPSPerPod(3000)},
				levels: []int64{8600}, history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK()},
		},
		"ScaleDownIncludeUnreadyPods": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250},
				requests: repeat(1000, 5), readiness: conds(T, T, T, F, F), history: seen(2)},
			want: outcome{Desired: 2, Scale: true, Conditions: statusOK(), Utilization: util(30)},
		},
		"ScaleDownIgnoreHotCpuPods": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250},
				requests: repeat(1000, 5), start: tm(cool, cool, cool, hot, hot), history: seen(2)},
			want: outcome{Desired: 2, Scale: true, Conditions: statusOK(), Utilization: util(30)},
		},
		"ScaleDownIgnoresFailedPods": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250},
				requests: repeat(1000, 7), readiness: conds(T, T, T, T, T, F, F),
				phase:   phases(corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodRunning, corev1.PodFailed, corev1.PodFailed),
				history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK(), Utilization: util(28)},
		},
		"ScaleDownIgnoresDeletionPods": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250},
				requests: repeat(1000, 7), readiness: conds(T, T, T, T, T, F, F), deleting: []bool{false, false, false, false, false, true, true},
				history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK(), Utilization: util(28)},
		},
		"Tolerance": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 100, levels: []int64{1010, 1030, 1020},
				requests: []int64{900, 1000, 1100}},
			want: outcome{Desired: 3, Conditions: statusNoScale(), Utilization: util(102)},
		},
		"ConfigurableTolerance/Scaling up because of a 1% configurable tolerance": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 100, levels: []int64{1010, 1030, 1020},
				requests: []int64{900, 1000, 1100}, up: &v2.HPAScalingRules{Tolerance: ptr.To(resource.MustParse("0.01"))}},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK(), Utilization: util(102)},
		},
		"ConfigurableTolerance/No scale-down because of a 90% configurable tolerance": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 100, levels: []int64{300, 300, 300},
				requests: repeat(1000, 3), down: &v2.HPAScalingRules{Tolerance: ptr.To(resource.MustParse("0.9"))}},
			want: outcome{Desired: 3, Conditions: statusNoScale(), Utilization: util(30)},
		},
		"ConfigurableTolerance/No scaling because of the large default tolerance": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 100, levels: []int64{1010, 1030, 1020},
				requests: []int64{900, 1000, 1100}},
			want: outcome{Desired: 3, Conditions: statusNoScale(), Utilization: util(102)},
		},
		"ToleranceCM": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("20")},
				levels: []int64{20000, 20001, 21000}, requests: []int64{900, 1000, 1100}},
			want: outcome{Desired: 3, Conditions: statusNoScale()},
		},
		"ToleranceCMObject": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{objectQPS("20")},
				levels: []int64{20050}, requests: []int64{900, 1000, 1100}},
			want: outcome{Desired: 3, Conditions: statusNoScale()},
		},
		"ToleranceCMExternal": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 4, statusReplicas: 4, metrics: []v2.MetricSpec{externalQPS(8666)}, levels: []int64{8600}},
			want: outcome{Desired: 4, Conditions: statusNoScale()},
		},
		"TolerancePerPodCMObject": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 4, statusReplicas: 4, metrics: []v2.MetricSpec{objectQPSPerPod("2200m")}, levels: []int64{8600}},
			want: outcome{Desired: 4, Conditions: statusNoScale()},
		},
		"TolerancePerPodCMExternal": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 4, statusReplicas: 4, metrics: []v2.MetricSpec{externalQPSPerPod(2200)}, levels: []int64{8600}},
			want: outcome{Desired: 4, Conditions: statusNoScale()},
		},
		"MinReplicas": {
			tc: ctrlCase{min: 2, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90, levels: []int64{10, 95, 10},
				requests: []int64{900, 1000, 1100}, history: seen(1)},
			want: outcome{Desired: 2, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooFewReplicas"}), Utilization: util(3)},
		},
		"ZeroMinReplicasDesiredZero": {
			tc: ctrlCase{min: 0, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90, levels: []int64{0, 0, 0},
				requests: []int64{900, 1000, 1100}, history: seen(0)},
			want: outcome{Desired: 0, Scale: true, Conditions: statusOK(), Utilization: util(0)},
		},
		"MinReplicasDesiredZero": {
			tc: ctrlCase{min: 2, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90, levels: []int64{0, 0, 0},
				requests: []int64{900, 1000, 1100}, history: seen(0)},
			want: outcome{Desired: 2, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooFewReplicas"}), Utilization: util(0)},
		},
		"ZeroReplicas": {
			tc:   ctrlCase{min: 3, max: 5, specReplicas: 0, statusReplicas: 0, cpuTarget: 90, requests: []int64{}},
			want: outcome{Desired: 0, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededGetScale}, {v2.ScalingActive, F, ReasonScalingDisabled}}},
		},
		"TooFewReplicas: below minReplicas, no metric is computed": {
			tc:   ctrlCase{min: 3, max: 5, specReplicas: 2, statusReplicas: 2, cpuTarget: 90, requests: []int64{}},
			want: outcome{Desired: 3, Scale: true, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededRescale}, {v2.ScaledToZero, F, ReasonNotScaledToZero}}},
		},
		"TooManyReplicas: above maxReplicas, no metric is computed": {
			tc:   ctrlCase{min: 3, max: 5, specReplicas: 10, statusReplicas: 10, cpuTarget: 90, requests: []int64{}},
			want: outcome{Desired: 5, Scale: true, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededRescale}, {v2.ScaledToZero, F, ReasonNotScaledToZero}}},
		},
		"MaxReplicas": {
			tc: ctrlCase{min: 2, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 90, levels: []int64{8000, 9500, 1000},
				requests: []int64{900, 1000, 1100}},
			want: outcome{Desired: 5, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooManyReplicas"}), Utilization: util(616)},
		},
		"SuperfluousMetrics": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 4, statusReplicas: 4, cpuTarget: 100, levels: []int64{4000, 9500, 3000, 7000, 3200, 2000},
				requests: repeat(1000, 4)},
			want: outcome{Desired: 6, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooManyReplicas"}), Utilization: util(587)},
		},
		"MissingMetrics": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 4, statusReplicas: 4, cpuTarget: 100, levels: []int64{400, 95},
				requests: repeat(1000, 4), history: seen(3)},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK(), Utilization: util(24)},
		},
		"EmptyMetrics": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 4, statusReplicas: 4, cpuTarget: 100, levels: []int64{}, requests: repeat(1000, 4)},
			want: outcome{Desired: 4, Conditions: failedGet(ReasonFailedGetResourceMetric)},
		},
		"EmptyCPURequest: no pods": {
			tc:   ctrlCase{min: 1, max: 5, specReplicas: 1, statusReplicas: 1, cpuTarget: 100, levels: []int64{200}, requests: []int64{}},
			want: outcome{Desired: 1, Conditions: failedGet(ReasonFailedGetResourceMetric)},
		},
		"EventNotCreated": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 2, statusReplicas: 2, cpuTarget: 50, levels: []int64{200, 200},
				requests: []int64{400, 400}},
			want: outcome{Desired: 2, Conditions: statusNoScale(), Utilization: util(50)},
		},
		"MissingReports": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 4, statusReplicas: 4, cpuTarget: 50, levels: []int64{200},
				requests: []int64{200}, history: seen(2)},
			want: outcome{Desired: 2, Scale: true, Conditions: statusOK(), Utilization: util(100)},
		},
		"UpscaleCap: a 700% policy caps the scale-up": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, levels: []int64{100, 200, 300},
				requests: []int64{100, 100, 100}, up: scalingRules(0, 0, 700, 60, 0)},
			want: outcome{Desired: 24, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "ScaleUpLimit"}), Utilization: util(200)},
		},
		"UpscaleCapGreaterThanMaxReplicas": {
			tc: ctrlCase{min: 1, max: 20, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, levels: []int64{100, 200, 300},
				requests: []int64{100, 100, 100}, up: scalingRules(0, 0, 700, 60, 0)},
			want: outcome{Desired: 20, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooManyReplicas"}), Utilization: util(200)},
		},
		"MoreReplicasThanSpecNoScale: a surge pod does not trigger a scale": {
			tc: ctrlCase{min: 1, max: 8, specReplicas: 4, statusReplicas: 5, cpuTarget: 50, levels: repeat(500, 5),
				requests: repeat(1000, 5)},
			want: outcome{Desired: 4, Conditions: statusNoScale(), Utilization: util(50)},
		},
		"ConditionFailedGetMetrics/FailedGetResourceMetric": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, levels: []int64{100, 200, 300},
				requests: []int64{100, 100, 100}, fetchErr: map[int]error{0: errSomethingWrong}},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonFailedGetResourceMetric)},
		},
		"ConditionFailedGetMetrics/FailedGetPodsMetric": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("15")}, levels: []int64{100, 200, 300},
				requests: []int64{100, 100, 100}, fetchErr: map[int]error{0: errSomethingWrong}},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonFailedGetPodsMetric)},
		},
		"ConditionFailedGetMetrics/FailedGetObjectMetric": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{objectQPS("15")}, levels: []int64{100},
				fetchErr: map[int]error{0: errSomethingWrong}},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonFailedGetObjectMetric)},
		},
		"ConditionFailedGetMetrics/FailedGetExternalMetric": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{externalQPS(300)}, levels: []int64{100},
				fetchErr: map[int]error{0: errSomethingWrong}},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonFailedGetExternalMetric)},
		},
		"failed container resource metric": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{containerCPU("app", 50)}, levels: []int64{100},
				fetchErr: map[int]error{0: errSomethingWrong}},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonFailedGetContainerResourceMetric)},
		},
		"ConditionInvalidSourceType": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{cheddar()}, levels: []int64{20000}},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonInvalidMetricSourceType)},
		},
		"NoBackoffUpscaleCM": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("15")},
				levels: []int64{20000, 10000, 30000}, requests: repeat(1000, 3)},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK()},
		},
		"NoBackoffUpscaleCMNoBackoffCpu: the largest proposal wins": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, metrics: []v2.MetricSpec{podsQPS("15")},
				levels: []int64{20000, 10000, 30000}, requests: repeat(1000, 3)},
			want: outcome{Desired: 5, Scale: true, Conditions: statusOK(cond{v2.ScalingLimited, T, "TooManyReplicas"}), Utilization: util(2000)},
		},
		"StabilizeDownscale: a higher recommendation within the window holds the count": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 4, statusReplicas: 4, cpuTarget: 100, levels: []int64{50, 50, 50},
				requests: []int64{100, 100, 100},
				history: behavior.History{Recommendations: []v2.TimedReplicas{
					{Time: metav1.NewTime(now.Add(-10 * time.Minute)), Replicas: 10},
					{Time: metav1.NewTime(now.Add(-6 * time.Minute)), Replicas: 4},
				}},
				lastRecommendation: now.Add(-time.Minute)},
			want: outcome{Desired: 4, Conditions: statusNoScale(cond{v2.AbleToScale, T, "ScaleDownStabilized"}), Utilization: util(50)},
		},
		"ScaleUpRCImmediately: below minReplicas": {
			tc:   ctrlCase{min: 2, max: 6, specReplicas: 1, statusReplicas: 1, levels: []int64{0, 0, 0, 0}, requests: repeat(1000, 4)},
			want: outcome{Desired: 2, Scale: true, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededRescale}, {v2.ScaledToZero, F, ReasonNotScaledToZero}}},
		},
		"ScaleDownRCImmediately: above maxReplicas": {
			tc: ctrlCase{min: 2, max: 5, specReplicas: 6, statusReplicas: 6, cpuTarget: 50, levels: []int64{8000, 9500, 1000},
				requests: []int64{900, 1000, 1100}},
			want: outcome{Desired: 5, Scale: true, Conditions: []cond{{v2.AbleToScale, T, ReasonSucceededRescale}, {v2.ScaledToZero, F, ReasonNotScaledToZero}}},
		},
		"ScaleUpOneMetricEmpty: a failing metric does not stop a scale-up": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, metrics: []v2.MetricSpec{externalQPS(100)},
				levels: []int64{300, 400, 500}, requests: repeat(1000, 3), fetchErr: map[int]error{1: errSomethingWrong}},
			want: outcome{Desired: 4, Scale: true, Conditions: statusOK(), Utilization: util(40)},
		},
		"NoScaleDownOneMetricInvalid": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, metrics: []v2.MetricSpec{cheddar()},
				levels: []int64{100, 300, 500, 250, 250}, requests: repeat(1000, 5), history: seen(3)},
			want: outcome{Desired: 5, Conditions: failedGet(ReasonInvalidMetricSourceType), Utilization: util(28)},
		},
		"NoScaleDownOneMetricEmpty": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, metrics: []v2.MetricSpec{externalQPS(1000)},
				levels: []int64{100, 300, 500, 250, 250}, requests: repeat(1000, 5), history: seen(3), fetchErr: map[int]error{1: errSomethingWrong}},
			want: outcome{Desired: 5, Conditions: failedGet(ReasonFailedGetExternalMetric), Utilization: util(28)},
		},
		"a failing metric while the others keep the count: scaling stays active": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, metrics: []v2.MetricSpec{externalQPS(1000)},
				levels: []int64{500, 500, 500}, requests: repeat(1000, 3), fetchErr: map[int]error{1: errSomethingWrong}},
			want: outcome{Desired: 3, Conditions: statusNoScale(), Utilization: util(50)},
		},
		"a shadow metric is reported but never chosen": {
			tc: ctrlCase{min: 1, max: 10, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, metrics: []v2.MetricSpec{shadow(objectQPS("1"))},
				levels: []int64{500, 500, 500}, requests: repeat(1000, 3)},
			want: outcome{Desired: 3, Conditions: statusNoScale(), Utilization: util(50)},
		},
		"a failing shadow metric does not stop a scale-down": {
			tc: ctrlCase{min: 1, max: 10, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, metrics: []v2.MetricSpec{shadow(externalQPS(1000))},
				levels: []int64{100, 300, 500, 250, 250}, requests: repeat(1000, 5), history: seen(3), fetchErr: map[int]error{1: errSomethingWrong}},
			want: outcome{Desired: 3, Scale: true, Conditions: statusOK(), Utilization: util(28)},
		},
		"only shadow metrics: nothing drives the count": {
			tc: ctrlCase{min: 1, max: 10, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{shadow(cpuUtilization(50))},
				levels: []int64{900, 900, 900}, requests: repeat(1000, 3)},
			want: outcome{Desired: 3, Conditions: failedGet(ReasonNoDrivingMetric), Utilization: util(90)},
		},
		"a shadow object metric does not allow scaling from zero": {
			tc: ctrlCase{min: 0, max: 6, specReplicas: 0, statusReplicas: 0, cpuTarget: 50, metrics: []v2.MetricSpec{shadow(objectQPS("15"))},
				levels: []int64{20000}, requests: []int64{}, scaledToZero: true},
			initial: scaledToZero,
			want: outcome{Desired: 0, Conditions: []cond{{v2.ScaledToZero, T, ReasonScaledToZero}, {v2.AbleToScale, T, ReasonSucceededGetScale},
				{v2.ScalingActive, F, ReasonScalingDisabled}}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.tc.input())
			if diff := cmp.Diff(tc.want, observe(d, tc.initial)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			for _, c := range d.Conditions {
				if c.Message == "" {
					t.Errorf("condition %s has no message", c.Type)
				}
			}
			if d.Summary() == "" || d.Explain() == "" {
				t.Errorf("the decision must explain itself")
			}
		})
	}
}

// scalingRules builds rules as upstream's generateScalingRules does.
func scalingRules(pods, podsPeriod, percent, percentPeriod, window int32) *v2.HPAScalingRules {
	r := &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To(window), SelectPolicy: ptr.To(v2.MaxChangePolicySelect)}
	if pods != 0 {
		r.Policies = append(r.Policies, v2.HPAScalingPolicy{Type: v2.PodsScalingPolicy, Value: pods, PeriodSeconds: podsPeriod})
	}
	if percent != 0 {
		r.Policies = append(r.Policies, v2.HPAScalingPolicy{Type: v2.PercentScalingPolicy, Value: percent, PeriodSeconds: percentPeriod})
	}
	return r
}
