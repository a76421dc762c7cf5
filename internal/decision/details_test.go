package decision

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
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// TestEvents pins the events upstream emits in a reconcile (TestEventCreated,
// TestEventNotCreated and the failure events of TestConditionFailedGetMetrics and
// TestScaleUpOneMetricEmpty): a SuccessfulRescale naming the metric above target, a warning per
// failed metric, and FailedComputeMetricsReplicas when no count could be computed.
func TestEvents(t *testing.T) {
	tests := map[string]struct {
		tc   ctrlCase
		want []Event
	}{
		"EventCreated": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 1, statusReplicas: 1, cpuTarget: 50, levels: []int64{200}, requests: []int64{200}},
			want: []Event{{Type: corev1.EventTypeNormal, Reason: EventSuccessfulRescale,
				Message: "New size: 2; reason: cpu resource utilization (percentage of request) above target"}},
		},
		"EventNotCreated": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 2, statusReplicas: 2, cpuTarget: 50, levels: []int64{200, 200}, requests: []int64{400, 400}},
		},
		"scale down": {
			tc:   ctrlCase{min: 1, max: 5, specReplicas: 4, statusReplicas: 4, cpuTarget: 50, levels: []int64{200}, requests: []int64{200}, history: seen(2)},
			want: []Event{{Type: corev1.EventTypeNormal, Reason: EventSuccessfulRescale, Message: "New size: 2; reason: All metrics below target"}},
		},
		"above maxReplicas": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 7, statusReplicas: 7, cpuTarget: 50},
			want: []Event{{Type: corev1.EventTypeNormal, Reason: EventSuccessfulRescale,
				Message: "New size: 5; reason: Current number of replicas above Spec.MaxReplicas"}},
		},
		"all metrics failed": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{externalQPS(300)}, levels: []int64{100},
				fetchErr: map[int]error{0: errSomethingWrong}},
			want: []Event{
				{Type: corev1.EventTypeWarning, Reason: ReasonFailedGetExternalMetric, Message: "unable to get external metric qps: something went wrong"},
				{Type: corev1.EventTypeWarning, Reason: EventFailedComputeMetricsReplicas,
					Message: "invalid metrics (1 invalid out of 1), first error is: failed to get qps external metric value: unable to get external metric qps: something went wrong"},
			},
		},
		"one metric failed, the other scales up": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, metrics: []v2.MetricSpec{externalQPS(100)},
				levels: []int64{300, 400, 500}, requests: repeat(1000, 3), fetchErr: map[int]error{1: errSomethingWrong}},
			want: []Event{
				{Type: corev1.EventTypeWarning, Reason: ReasonFailedGetExternalMetric, Message: "unable to get external metric qps: something went wrong"},
				{Type: corev1.EventTypeNormal, Reason: EventSuccessfulRescale, Message: "New size: 4; reason: cpu resource utilization (percentage of request) above target"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.tc.input())
			if diff := cmp.Diff(tc.want, d.Events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMessages pins the condition messages (upstream's wording) and the error of a decision.
func TestMessages(t *testing.T) {
	tests := map[string]struct {
		tc       ctrlCase
		want     []Condition
		wantErr  string
		explains []string
	}{
		"scale up": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 3, statusReplicas: 3, cpuTarget: 30, levels: []int64{300, 500, 700}, requests: repeat(1000, 3)},
			want: []Condition{
				{v2.AbleToScale, T, ReasonSucceededRescale, "the HPA controller was able to update the target scale to 5"},
				{v2.ScalingActive, T, ReasonValidMetricFound, "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
				{v2.ScalingLimited, F, "DesiredWithinRange", "the desired count is within the acceptable range"},
				{v2.ScaledToZero, F, ReasonNotScaledToZero, "the HPA controller did not scale the workload to zero"},
			},
			explains: []string{"metric 0 podResource/cpu (selected): proposes 5 replicas", "result: scale from 3 to 5 replicas"},
		},
		"stabilized": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, levels: []int64{100, 300, 500, 250, 250}, requests: repeat(1000, 5)},
			want: []Condition{
				{v2.AbleToScale, T, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation"},
				{v2.ScalingActive, T, ReasonValidMetricFound, "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
				{v2.ScalingLimited, F, "DesiredWithinRange", "the desired count is within the acceptable range"},
			},
			explains: []string{"stabilization (ScaleDownStabilized): 5 replicas: the highest recommendation within the last 300s (scale-down stabilization window) was 5"},
		},
		"pods metric failed": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{podsQPS("15")}, levels: []int64{100, 200, 300},
				requests: []int64{100, 100, 100}, fetchErr: map[int]error{0: errSomethingWrong}},
			want: []Condition{
				{v2.AbleToScale, T, ReasonSucceededGetScale, "the HPA controller was able to get the target's current scale"},
				{v2.ScalingActive, F, ReasonFailedGetPodsMetric, "the HPA was unable to compute the replica count: unable to get metric qps: something went wrong"},
			},
			wantErr:  "invalid metrics (1 invalid out of 1), first error is: failed to get pods metric value: unable to get metric qps: something went wrong",
			explains: []string{"metric 0 pods/qps: failed (FailedGetPodsMetric)"},
		},
		"resource metric without pods": {
			tc: ctrlCase{min: 1, max: 5, specReplicas: 1, statusReplicas: 1, cpuTarget: 100, levels: []int64{200}, requests: []int64{}},
			want: []Condition{
				{v2.AbleToScale, T, ReasonSucceededGetScale, "the HPA controller was able to get the target's current scale"},
				{v2.ScalingActive, F, ReasonFailedGetResourceMetric,
					"the HPA was unable to compute the replica count: failed to get cpu utilization: no pods returned by selector while calculating replica count"},
			},
			wantErr: "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: no pods returned by selector while calculating replica count",
		},
		"object metric failed": {
			tc: ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, metrics: []v2.MetricSpec{objectQPS("15")}, levels: []int64{100},
				fetchErr: map[int]error{0: errSomethingWrong}},
			want: []Condition{
				{v2.AbleToScale, T, ReasonSucceededGetScale, "the HPA controller was able to get the target's current scale"},
				{v2.ScalingActive, F, ReasonFailedGetObjectMetric, "the HPA was unable to compute the replica count: unable to get metric qps of Deployment some-deployment: something went wrong"},
			},
			wantErr: "invalid metrics (1 invalid out of 1), first error is: failed to get object metric value: unable to get metric qps of Deployment some-deployment: something went wrong",
		},
		"scaling disabled": {
			tc: ctrlCase{min: 1, max: 6, specReplicas: 0, statusReplicas: 0, cpuTarget: 50, requests: []int64{}},
			want: []Condition{
				{v2.AbleToScale, T, ReasonSucceededGetScale, "the HPA controller was able to get the target's current scale"},
				{v2.ScalingActive, F, ReasonScalingDisabled, "scaling is disabled since the replica count of the target is zero"},
			},
			explains: []string{"result: keep 0 replicas"},
		},
		"a failed metric holds a scale-down": {
			tc: ctrlCase{min: 2, max: 6, specReplicas: 5, statusReplicas: 5, cpuTarget: 50, metrics: []v2.MetricSpec{externalQPS(1000)},
				levels: []int64{100, 300, 500, 250, 250}, requests: repeat(1000, 5), history: seen(3), fetchErr: map[int]error{1: errSomethingWrong}},
			want: []Condition{
				{v2.AbleToScale, T, ReasonSucceededGetScale, "the HPA controller was able to get the target's current scale"},
				{v2.ScalingActive, F, ReasonFailedGetExternalMetric, "the HPA was unable to compute the replica count: unable to get external metric qps: something went wrong"},
			},
			wantErr:  "invalid metrics (1 invalid out of 2), first error is: failed to get qps external metric value: unable to get external metric qps: something went wrong",
			explains: []string{"metric 0 podResource/cpu: proposes 3 replicas", "result: keep 5 replicas"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.tc.input())
			if diff := cmp.Diff(tc.want, d.Conditions); diff != "" {
				t.Errorf("conditions (-want +got):\n%s", diff)
			}
			gotErr := ""
			if d.Err != nil {
				gotErr = d.Err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error = %q, want %q", gotErr, tc.wantErr)
			}
			explanation := d.Explain()
			for _, s := range tc.explains {
				if !strings.Contains(explanation, s) {
					t.Errorf("explanation lacks %q:\n%s", s, explanation)
				}
			}
		})
	}
}

// TestCurrentMetrics pins status.currentMetrics: each metric's current value as upstream
// reports it (resource usage in the resource's format, TestBuildQuantity), in spec order, with
// failed metrics reduced to their type and shadow metrics flagged.
func TestCurrentMetrics(t *testing.T) {
	q := func(milli int64, f resource.Format) *resource.Quantity { return resource.NewMilliQuantity(milli, f) }
	memAverage := v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name: corev1.ResourceMemory, Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("1Mi"))}}}
	tc := ctrlCase{min: 1, max: 10, specReplicas: 2, statusReplicas: 2,
		metrics: []v2.MetricSpec{cpuUtilization(50), memAverage, containerCPU("container1", 50), podsQPS("1"), objectQPS("1"),
			objectQPSPerPod("1"), externalQPS(1000), shadow(externalQPSPerPod(1000)), cheddar()},
		levels: []int64{1000, 1000}, requests: []int64{1000, 1000}}
	in := tc.input()
	// Memory values in bytes × 1000, as resource.Quantity.MilliValue gives them.
	for i := range in.Metrics[1].PodMetrics {
		in.Metrics[1].PodMetrics[i].MilliValue = 1000 * 1000
	}
	in.Metrics[6].Values = []int64{1500, 500}
	in.Metrics[7].Values = []int64{3000}
	d := Decide(in)
	want := []v2.MetricStatus{
		{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{Name: corev1.ResourceCPU,
			Current: v2.MetricValueStatus{AverageUtilization: ptr.To[int32](100), AverageValue: q(1000, resource.DecimalSI)}}},
		{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{Name: corev1.ResourceMemory,
			Current: v2.MetricValueStatus{AverageValue: resource.NewQuantity(1000, resource.BinarySI)}}},
		{Type: v2.ContainerResourceMetricSourceType, ContainerResource: &v2.ContainerResourceMetricStatus{Name: corev1.ResourceCPU, Container: "container1",
			Current: v2.MetricValueStatus{AverageUtilization: ptr.To[int32](100), AverageValue: q(500, resource.DecimalSI)}}},
		{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricStatus{Metric: v2.MetricIdentifier{Name: "qps"},
			Current: v2.MetricValueStatus{AverageValue: q(1000, resource.DecimalSI)}}},
		{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricStatus{Metric: v2.MetricIdentifier{Name: "qps"},
			DescribedObject: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "some-deployment"},
			Current:         v2.MetricValueStatus{Value: q(1000, resource.DecimalSI)}}},
		{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricStatus{Metric: v2.MetricIdentifier{Name: "qps"},
			DescribedObject: v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "some-deployment"},
			Current:         v2.MetricValueStatus{AverageValue: q(500, resource.DecimalSI)}}},
		{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricStatus{Metric: v2.MetricIdentifier{Name: "qps", Selector: &metav1.LabelSelector{}},
			Current: v2.MetricValueStatus{Value: q(2000, resource.DecimalSI)}}},
		{Type: v2.ExternalMetricSourceType, Shadow: true, External: &v2.ExternalMetricStatus{Metric: v2.MetricIdentifier{Name: "qps", Selector: &metav1.LabelSelector{}},
			Current: v2.MetricValueStatus{AverageValue: q(1500, resource.DecimalSI)}}},
		{Type: "CheddarCheese"},
	}
	if diff := cmp.Diff(want, d.CurrentMetrics(), cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 && a.Format == b.Format })); diff != "" {
		t.Errorf("current metrics (-want +got):\n%s", diff)
	}
	// The shadow metric proposes 3 replicas, more than any other, and still is not chosen.
	if d.Metrics[7].Result.Replicas != 3 || d.Selected == 7 {
		t.Errorf("shadow metric proposal %d, selected metric %d", d.Metrics[7].Result.Replicas, d.Selected)
	}
}

// TestScalingDecision pins status.lastDecision: proposals per metric, the winner, the
// recommendation and the rule that changed it.
func TestScalingDecision(t *testing.T) {
	tc := ctrlCase{min: 1, max: 100, specReplicas: 3, statusReplicas: 3, cpuTarget: 10, metrics: []v2.MetricSpec{shadow(podsQPS("15")), externalQPS(300)},
		levels: []int64{100, 200, 300}, requests: []int64{100, 100, 100}, up: scalingRules(0, 0, 700, 60, 0), fetchErr: map[int]error{2: errSomethingWrong}}
	d := Decide(tc.input())
	got := d.ScalingDecision(metav1.NewTime(now))
	want := v2.ScalingDecision{
		Time: metav1.NewTime(now), CurrentReplicas: 3, DesiredReplicas: 24,
		Metrics: []v2.MetricProposal{
			{Name: "podResource/cpu", Replicas: ptr.To[int32](60)},
			{Name: "pods/qps", Replicas: ptr.To[int32](1), Shadow: true},
			{Name: "external/qps", Error: "unable to get external metric qps: something went wrong"},
		},
		SelectedMetric: ptr.To[int32](0),
		Recommendation: 60,
		Limit:          "ScaleUpLimit",
	}
	got.Message = ""
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scaling decision (-want +got):\n%s", diff)
	}
	summary := d.Summary()
	for _, s := range []string{"cpu resource utilization (percentage of request) proposed 60", "policy Percent 700% per 60s", "scaling from 3 to 24"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary lacks %q: %s", s, summary)
		}
	}
}

// TestScaleFailed pins upstream's handling of a failed scale update
// (TestConditionFailedUpdateScale): AbleToScale false with FailedUpdateScale, a FailedRescale
// event, ScaledToZero left alone, the desired count in status unchanged, and no scale event
// in the history.
func TestScaleFailed(t *testing.T) {
	tc := ctrlCase{min: 1, max: 5, specReplicas: 3, statusReplicas: 3, cpuTarget: 100, levels: []int64{150, 150, 150},
		requests: []int64{100, 100, 100}, up: scalingRules(4, 15, 0, 0, 0)}
	d := Decide(tc.input())
	if !d.Scale || d.DesiredReplicas != 5 || len(d.History.ScaleUpEvents) != 1 {
		t.Fatalf("expected a scale to 5 with a scale event, got %+v", d)
	}
	failed := d.ScaleFailed(errSomethingWrong)
	type out struct {
		Desired    int32
		Scale      bool
		Conditions []cond
		Events     []Event
		UpEvents   int
		Err        string
	}
	want := out{
		Desired: 3,
		Conditions: []cond{{v2.AbleToScale, F, ReasonFailedUpdateScale}, {v2.ScalingActive, T, ReasonValidMetricFound},
			{v2.ScalingLimited, F, "DesiredWithinRange"}},
		Events: []Event{{Type: corev1.EventTypeWarning, Reason: EventFailedRescale,
			Message: "New size: 5; reason: cpu resource utilization (percentage of request) above target; error: something went wrong"}},
		Err: "failed to rescale to 5 replicas: something went wrong",
	}
	got := out{failed.DesiredReplicas, failed.Scale, project(ApplyConditions(nil, failed.Conditions, metav1.NewTime(now))), failed.Events,
		len(failed.History.ScaleUpEvents), failed.Err.Error()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failed scale (-want +got):\n%s", diff)
	}
	if !failed.History.Equal(d.unscaledHist) || len(failed.History.Recommendations) == 0 {
		t.Errorf("the recommendation must stay recorded without the scale event")
	}
	if d.Conditions[0].Reason != ReasonSucceededRescale {
		t.Errorf("ScaleFailed modified the original decision")
	}
	if again := failed.ScaleFailed(errors.New("again")); again.Err != failed.Err {
		t.Errorf("ScaleFailed on a decision without a scale must change nothing")
	}
}

// TestApplyConditions pins upstream's setConditionInList and TestAvoidUnnecessaryUpdates: a
// decision that changes nothing leaves the conditions slice as it is (no status write);
// otherwise existing conditions are updated in place, new ones appended, and the transition
// time moves only when the status changes.
func TestApplyConditions(t *testing.T) {
	earlier := metav1.NewTime(now.Add(-time.Hour))
	existing := []v2.HorizontalPodAutoscalerCondition{
		{Type: v2.AbleToScale, Status: T, LastTransitionTime: earlier, Reason: "ReadyForNewScale", Message: "recommended size matches current size"},
		{Type: v2.ScalingActive, Status: T, LastTransitionTime: earlier, Reason: ReasonValidMetricFound,
			Message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
		{Type: v2.ScalingLimited, Status: T, LastTransitionTime: earlier, Reason: "TooFewReplicas", Message: "the desired replica count is less than the minimum replica count"},
	}
	t.Run("AvoidUnnecessaryUpdates", func(t *testing.T) {
		tc := ctrlCase{min: 2, max: 6, specReplicas: 2, statusReplicas: 2, cpuTarget: 80, levels: []int64{400, 500, 700},
			requests: repeat(1000, 3), start: tm(cool, hot, hot), history: seen(1)}
		d := Decide(tc.input())
		got := ApplyConditions(existing, d.Conditions, metav1.NewTime(now))
		if d.Scale || d.DesiredReplicas != 2 || len(got) != len(existing) || &got[0] != &existing[0] {
			t.Errorf("an unchanged decision must return the existing conditions: scale %v, desired %d, %v", d.Scale, d.DesiredReplicas, got)
		}
	})
	t.Run("update in place, append, transition times", func(t *testing.T) {
		updates := []Condition{
			{v2.AbleToScale, T, ReasonSucceededRescale, "the HPA controller was able to update the target scale to 3"},
			{v2.ScalingLimited, F, "DesiredWithinRange", "the desired count is within the acceptable range"},
			{v2.ScaledToZero, F, ReasonNotScaledToZero, MessageNotScaledToZero},
		}
		before := append([]v2.HorizontalPodAutoscalerCondition(nil), existing...)
		got := ApplyConditions(existing, updates, metav1.NewTime(now))
		want := []v2.HorizontalPodAutoscalerCondition{
			{Type: v2.AbleToScale, Status: T, LastTransitionTime: earlier, Reason: ReasonSucceededRescale, Message: "the HPA controller was able to update the target scale to 3"},
			existing[1],
			{Type: v2.ScalingLimited, Status: F, LastTransitionTime: metav1.NewTime(now), Reason: "DesiredWithinRange", Message: "the desired count is within the acceptable range"},
			{Type: v2.ScaledToZero, Status: F, LastTransitionTime: metav1.NewTime(now), Reason: ReasonNotScaledToZero, Message: MessageNotScaledToZero},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("conditions (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, existing); diff != "" {
			t.Errorf("ApplyConditions modified its input (-before +after):\n%s", diff)
		}
	})
}

// TestHistoryThroughDecisions checks the history a decision hands back: the first sight
// records the current count, a rescale with a behavior records the scale event (none without
// a behavior), and an unchanged steady state hands back the very same history, conditions and
// status, so the controller writes nothing.
func TestHistoryThroughDecisions(t *testing.T) {
	base := ctrlCase{min: 1, max: 10, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, levels: []int64{1000, 1000, 1000}, requests: repeat(1000, 3)}
	t.Run("first sight and scale event with a behavior", func(t *testing.T) {
		tc := base
		tc.up = scalingRules(4, 60, 0, 0, 0)
		d := Decide(tc.input())
		want := behavior.History{
			Recommendations: []v2.TimedReplicas{{Time: metav1.NewTime(now), Replicas: 3}, {Time: metav1.NewTime(now), Replicas: 6}},
			ScaleUpEvents:   []v2.TimedReplicas{{Time: metav1.NewTime(now), Replicas: 3}},
		}
		if !d.History.Equal(want) {
			t.Errorf("history = %+v, want %+v", d.History, want)
		}
	})
	t.Run("no scale events without a behavior", func(t *testing.T) {
		d := Decide(base.input())
		if d.DesiredReplicas != 6 || len(d.History.ScaleUpEvents) != 0 || len(d.History.Recommendations) != 2 {
			t.Errorf("desired %d, history %+v", d.DesiredReplicas, d.History)
		}
	})
	t.Run("steady state", func(t *testing.T) {
		tc := base
		tc.levels = []int64{500, 500, 500}
		tc.down = scalingRules(1, 60, 0, 0, 300)
		in := tc.input()
		first := Decide(in)
		conditions := ApplyConditions(nil, first.Conditions, metav1.NewTime(now))
		status := first.CurrentMetrics()
		in.History, in.LastRecommendationTime = first.History, first.LastRecommendationTime
		for i := 1; i <= 20; i++ {
			in.Now = now.Add(time.Duration(i) * 15 * time.Second)
			d := Decide(in)
			in.LastRecommendationTime = d.LastRecommendationTime
			if d.Scale || !d.History.Equal(in.History) || &d.History.Recommendations[0] != &in.History.Recommendations[0] {
				t.Fatalf("decision %d changed something: scale %v, history %+v", i, d.Scale, d.History)
			}
			if got := ApplyConditions(conditions, d.Conditions, metav1.NewTime(in.Now)); &got[0] != &conditions[0] {
				t.Fatalf("decision %d changed the conditions", i)
			}
			if diff := cmp.Diff(status, d.CurrentMetrics()); diff != "" {
				t.Fatalf("decision %d changed the metric status:\n%s", i, diff)
			}
		}
	})
}

// TestLastRecommendationTime pins the time a decision hands back for the next one: its own
// time when it recorded a recommendation (from the metrics, or the current count on first
// sight), the input's when it recorded none (metrics failed, the count was outside
// minReplicas..maxReplicas), also after a failed scale update.
func TestLastRecommendationTime(t *testing.T) {
	earlier := now.Add(-15 * time.Second)
	tests := map[string]struct {
		tc   ctrlCase
		want time.Time
	}{
		"a recommendation": {
			tc:   ctrlCase{min: 1, max: 10, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, levels: repeat(500, 3), requests: repeat(1000, 3), history: seen(3), lastRecommendation: earlier},
			want: now,
		},
		"failing metrics": {
			tc: ctrlCase{min: 1, max: 10, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, levels: repeat(500, 3), requests: repeat(1000, 3), history: seen(3), lastRecommendation: earlier,
				fetchErr: map[int]error{0: errSomethingWrong}},
			want: earlier,
		},
		"above maxReplicas": {
			tc:   ctrlCase{min: 1, max: 2, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, levels: repeat(500, 3), requests: repeat(1000, 3), history: seen(3), lastRecommendation: earlier},
			want: earlier,
		},
		"unknown stays unknown without a recommendation": {
			tc:   ctrlCase{min: 1, max: 2, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, levels: repeat(500, 3), requests: repeat(1000, 3), history: seen(3)},
			want: time.Time{},
		},
		"first sight records the current count even when the metrics fail": {
			tc: ctrlCase{min: 1, max: 10, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, levels: repeat(500, 3), requests: repeat(1000, 3), lastRecommendation: earlier,
				fetchErr: map[int]error{0: errSomethingWrong}},
			want: now,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.tc.input())
			if !d.LastRecommendationTime.Equal(tc.want) {
				t.Errorf("last recommendation time = %s, want %s", d.LastRecommendationTime, tc.want)
			}
		})
	}
	t.Run("a failed scale update keeps the recommendation", func(t *testing.T) {
		tc := ctrlCase{min: 1, max: 10, specReplicas: 3, statusReplicas: 3, cpuTarget: 50, levels: repeat(1000, 3), requests: repeat(1000, 3), history: seen(3), lastRecommendation: earlier}
		d := Decide(tc.input())
		if !d.Scale {
			t.Fatalf("expected a scale: %s", d.Explain())
		}
		if failed := d.ScaleFailed(errSomethingWrong); !failed.LastRecommendationTime.Equal(now) {
			t.Errorf("last recommendation time after a failed scale = %s, want %s", failed.LastRecommendationTime, now)
		}
	})
}

// TestScaleToZeroAndBack replays an autoscaler with minReplicas 0 and an external metric as
// upstream 1.36 runs it with scale to zero enabled: the metric drops to zero and the target is
// scaled to zero (ScaledToZero=True); at zero, with the condition set, the metric keeps being
// read and nothing changes; when the metric rises the target is scaled up from zero, and the
// condition turns False.
func TestScaleToZeroAndBack(t *testing.T) {
	spec := &v2.HorizontalPodAutoscalerSpec{MinReplicas: ptr.To[int32](0), MaxReplicas: 10, Metrics: []v2.MetricSpec{externalQPS(1000)},
		Behavior: &v2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](0)}}}
	type step struct {
		queue    int64
		replicas int32
		scale    bool
		zeroCond corev1.ConditionStatus
	}
	steps := []step{
		{queue: 1000, replicas: 3},
		{queue: 0, replicas: 0, scale: true, zeroCond: T},
		{queue: 0, replicas: 0, zeroCond: T},
		{queue: 0, replicas: 0, zeroCond: T},
		{queue: 1200, replicas: 2, scale: true, zeroCond: F},
		{queue: 1000, replicas: 2, zeroCond: F},
	}
	current := int32(3)
	var hist behavior.History
	var lastRec time.Time
	var conditions []v2.HorizontalPodAutoscalerCondition
	for i, s := range steps {
		ts := now.Add(time.Duration(i) * 15 * time.Second)
		var pods []replicas.Pod
		for j := int32(0); j < current; j++ {
			pods = append(pods, replicas.Pod{Name: podName(int(j)), Phase: corev1.PodRunning, Ready: T, StartTime: longAgo, ReadyTransition: longAgo})
		}
		zero := false
		for _, c := range conditions {
			zero = zero || (c.Type == v2.ScaledToZero && c.Status == T)
		}
		d := Decide(Input{Now: ts, Config: testConfig, Spec: spec, SpecReplicas: current, StatusReplicas: current, ScaledToZero: zero,
			Pods: pods, Metrics: []MetricData{{Values: []int64{s.queue}}}, History: hist, LastRecommendationTime: lastRec})
		conditions = ApplyConditions(conditions, d.Conditions, metav1.NewTime(ts))
		zeroCond := corev1.ConditionStatus("")
		if i := conditionIndex(conditions, v2.ScaledToZero); i >= 0 {
			zeroCond = conditions[i].Status
		}
		got := step{queue: s.queue, replicas: d.DesiredReplicas, scale: d.Scale, zeroCond: zeroCond}
		if diff := cmp.Diff(s, got, cmp.AllowUnexported(step{})); diff != "" {
			t.Fatalf("step %d (-want +got):\n%s\n%s", i, diff, d.Explain())
		}
		if d.Scale {
			current = d.DesiredReplicas
		}
		hist, lastRec = d.History, d.LastRecommendationTime
	}
}
