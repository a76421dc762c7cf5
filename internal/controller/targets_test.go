package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// TestFormatTargets pins the TARGETS column to what `kubectl get hpa` prints for the same
// metrics (k8s.io/kubernetes pkg/printers/internalversion formatHPAMetrics).
func TestFormatTargets(t *testing.T) {
	q := func(s string) *resource.Quantity { return ptr.To(resource.MustParse(s)) }
	cpu := v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)}}}
	cpuStatus := v2.MetricStatus{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{
		Name: corev1.ResourceCPU, Current: v2.MetricValueStatus{AverageUtilization: ptr.To[int32](40), AverageValue: q("40m")}}}
	memValue := v2.MetricSpec{Type: v2.ContainerResourceMetricSourceType, ContainerResource: &v2.ContainerResourceMetricSource{
		Name: corev1.ResourceMemory, Container: "app", Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: q("100Mi")}}}
	pods := v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
		Metric: v2.MetricIdentifier{Name: "rps"}, Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: q("10")}}}
	podsStatus := v2.MetricStatus{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricStatus{
		Metric: v2.MetricIdentifier{Name: "rps"}, Current: v2.MetricValueStatus{AverageValue: q("12")}}}
	external := v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric: v2.MetricIdentifier{Name: "queue"}, Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: q("30")}}}
	externalStatus := v2.MetricStatus{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricStatus{
		Metric: v2.MetricIdentifier{Name: "queue"}, Current: v2.MetricValueStatus{AverageValue: q("45")}}}
	object := v2.MetricSpec{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricSource{
		Metric: v2.MetricIdentifier{Name: "hits"}, Target: v2.MetricTarget{Type: v2.ValueMetricType, Value: q("100")}}}
	objectStatus := v2.MetricStatus{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricStatus{
		Metric: v2.MetricIdentifier{Name: "hits"}, Current: v2.MetricValueStatus{Value: q("250")}}}
	shadowExternal := external
	shadowExternal.Shadow = true

	cases := map[string]struct {
		spec     []v2.MetricSpec
		statuses []v2.MetricStatus
		want     string
	}{
		"no metrics":                      {want: "<none>"},
		"cpu utilization":                 {spec: []v2.MetricSpec{cpu}, statuses: []v2.MetricStatus{cpuStatus}, want: "cpu: 40%/80%"},
		"cpu before the first reconcile":  {spec: []v2.MetricSpec{cpu}, want: "cpu: <unknown>/80%"},
		"container average value unknown": {spec: []v2.MetricSpec{memValue}, want: "memory: <unknown>/100Mi"},
		"pods and external average":       {spec: []v2.MetricSpec{pods, external}, statuses: []v2.MetricStatus{podsStatus, externalStatus}, want: "12/10, 45/30 (avg)"},
		"object value":                    {spec: []v2.MetricSpec{object}, statuses: []v2.MetricStatus{objectStatus}, want: "250/100"},
		"more than two metrics": {spec: []v2.MetricSpec{cpu, pods, external, object}, statuses: []v2.MetricStatus{cpuStatus, podsStatus},
			want: "cpu: 40%/80%, 12/10 + 2 more..."},
		"shadow metric marked": {spec: []v2.MetricSpec{shadowExternal}, statuses: []v2.MetricStatus{externalStatus}, want: "45/30 (avg) (shadow)"},
		"status of a failed metric has no source": {spec: []v2.MetricSpec{external}, statuses: []v2.MetricStatus{{Type: v2.ExternalMetricSourceType}},
			want: "<unknown>/30 (avg)"},
		"unknown type": {spec: []v2.MetricSpec{{Type: "Cheese"}}, want: "<unknown type>"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := FormatTargets(tc.spec, tc.statuses); got != tc.want {
				t.Errorf("FormatTargets = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSameDecision pins that a decision differing only in its time is not a change, so a
// steady autoscaler writes no status.
func TestSameDecision(t *testing.T) {
	a := v2.ScalingDecision{Time: metav1.Unix(100, 0), CurrentReplicas: 3, DesiredReplicas: 3, Message: "steady"}
	b := a
	b.Time = metav1.Unix(115, 0)
	if !sameDecision(&a, &b) {
		t.Error("decisions differing only in time are reported different")
	}
	b.DesiredReplicas = 4
	if sameDecision(&a, &b) {
		t.Error("decisions with different desired replicas are reported the same")
	}
}
