package decision

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// TestNeedsMetrics pins when upstream's reconcile computes metrics (reconcileAutoscaler:
// shouldComputeMetricsForZeroReplicas and the min/max checks before computeReplicasForMetrics).
func TestNeedsMetrics(t *testing.T) {
	external := externalQPS(1000)
	cases := map[string]struct {
		spec         v2.HorizontalPodAutoscalerSpec
		current      int32
		scaledToZero bool
		want         bool
	}{
		"within range":                       {spec: v2.HorizontalPodAutoscalerSpec{MaxReplicas: 5}, current: 3, want: true},
		"above max":                          {spec: v2.HorizontalPodAutoscalerSpec{MaxReplicas: 5}, current: 6, want: false},
		"below min":                          {spec: v2.HorizontalPodAutoscalerSpec{MinReplicas: ptr.To[int32](2), MaxReplicas: 5}, current: 1, want: false},
		"zero, scaled there by someone else": {spec: v2.HorizontalPodAutoscalerSpec{MaxReplicas: 5}, current: 0, want: false},
		"zero, scaled by us, min raised":     {spec: v2.HorizontalPodAutoscalerSpec{MinReplicas: ptr.To[int32](1), MaxReplicas: 5}, current: 0, scaledToZero: true, want: true},
		"zero, scaled by us, external metric": {spec: v2.HorizontalPodAutoscalerSpec{MinReplicas: ptr.To[int32](0), MaxReplicas: 5,
			Metrics: []v2.MetricSpec{external}}, current: 0, scaledToZero: true, want: true},
		"zero, scaled by us, min 0, only cpu": {spec: v2.HorizontalPodAutoscalerSpec{MinReplicas: ptr.To[int32](0), MaxReplicas: 5,
			Metrics: []v2.MetricSpec{cpuUtilization(50)}}, current: 0, scaledToZero: true, want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := Input{Spec: &tc.spec, SpecReplicas: tc.current, ScaledToZero: tc.scaledToZero}
			if got := NeedsMetrics(&in); got != tc.want {
				t.Errorf("NeedsMetrics = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSelectorError pins upstream's validateAndParseSelector outcome: ScalingActive=False with
// the selector's reason, the selector event followed by FailedComputeMetricsReplicas, no
// metric computed and status.desiredReplicas kept.
func TestSelectorError(t *testing.T) {
	spec := v2.HorizontalPodAutoscalerSpec{MaxReplicas: 5, Metrics: []v2.MetricSpec{cpuUtilization(50)}}
	in := Input{
		Now: time.Unix(1000, 0), Config: DefaultConfig(), Spec: &spec, SpecReplicas: 3, StatusReplicas: 3,
		LastDesiredReplicas: 4,
		SelectorError: &SelectorError{Event: "SelectorRequired", Message: "selector is required",
			Reason: "InvalidSelector", ConditionMessage: "the HPA target's scale is missing a selector"},
	}
	d := Decide(in)
	if d.Scale || d.DesiredReplicas != 4 || d.Err == nil || len(d.Metrics) != 0 {
		t.Errorf("Decide = scale %v, desired %d, err %v, %d metrics; want no scale, desired 4 (kept), an error, no metrics",
			d.Scale, d.DesiredReplicas, d.Err, len(d.Metrics))
	}
	wantEvents := []Event{
		{Type: corev1.EventTypeWarning, Reason: "SelectorRequired", Message: "selector is required"},
		{Type: corev1.EventTypeWarning, Reason: EventFailedComputeMetricsReplicas, Message: "selector is required"},
	}
	if diff := cmp.Diff(wantEvents, d.Events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantConds := []Condition{
		{Type: v2.AbleToScale, Status: corev1.ConditionTrue, Reason: ReasonSucceededGetScale, Message: MessageSucceededGetScale},
		{Type: v2.ScalingActive, Status: corev1.ConditionFalse, Reason: "InvalidSelector", Message: "the HPA target's scale is missing a selector"},
	}
	if diff := cmp.Diff(wantConds, d.Conditions); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
}
