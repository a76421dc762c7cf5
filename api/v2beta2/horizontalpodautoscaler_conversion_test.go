package v2beta2_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/api/v2beta2"
)

func int32p(v int32) *int32 { return &v }

func quantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var when = metav1.NewTime(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC))

func hub(metrics ...v2.MetricSpec) *v2.HorizontalPodAutoscaler {
	return &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
			MinReplicas:    int32p(1),
			MaxReplicas:    10,
			Metrics:        metrics,
		},
	}
}

func spoke(annotations map[string]string, metrics ...v2beta2.MetricSpec) *v2beta2.HorizontalPodAutoscaler {
	return &v2beta2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: annotations},
		Spec: v2beta2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2beta2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
			MinReplicas:    int32p(1),
			MaxReplicas:    10,
			Metrics:        metrics,
		},
	}
}

func hubCPU(utilization int32, subdomain string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name:      corev1.ResourceCPU,
		Target:    v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: int32p(utilization)},
		Subdomain: subdomain,
	}}
}

func spokeCPU(utilization int32) v2beta2.MetricSpec {
	return v2beta2.MetricSpec{Type: v2beta2.ResourceMetricSourceType, Resource: &v2beta2.ResourceMetricSource{
		Name:   corev1.ResourceCPU,
		Target: v2beta2.MetricTarget{Type: v2beta2.UtilizationMetricType, AverageUtilization: int32p(utilization)},
	}}
}

func hubPods(averageValue string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
		Metric: v2.MetricIdentifier{Name: "qps"},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: quantity(averageValue)},
	}}
}

func spokePods(averageValue string) v2beta2.MetricSpec {
	return v2beta2.MetricSpec{Type: v2beta2.PodsMetricSourceType, Pods: &v2beta2.PodsMetricSource{
		Metric: v2beta2.MetricIdentifier{Name: "qps"},
		Target: v2beta2.MetricTarget{Type: v2beta2.AverageValueMetricType, AverageValue: quantity(averageValue)},
	}}
}

func hubPolicy(p v2.ScalingPolicySelect) *v2.ScalingPolicySelect { return &p }

func spokePolicy(p v2beta2.ScalingPolicySelect) *v2beta2.ScalingPolicySelect { return &p }

// TestConvertFromHub converts hand-made v2 objects to v2beta2, compares with the expected
// v2beta2 object, and converts back, expecting the v2 object unchanged.
func TestConvertFromHub(t *testing.T) {
	tests := map[string]struct {
		hub  func() *v2.HorizontalPodAutoscaler
		want func() *v2beta2.HorizontalPodAutoscaler
	}{
		"PodResource is Resource; no annotations needed": {
			hub:  func() *v2.HorizontalPodAutoscaler { return hub(hubCPU(80, ""), hubPods("10")) },
			want: func() *v2beta2.HorizontalPodAutoscaler { return spoke(nil, spokeCPU(80), spokePods("10")) },
		},
		"selectPolicy names and tolerances": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubCPU(80, ""))
				h.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{
					ScaleUp: &v2.HPAScalingRules{StabilizationWindowSeconds: int32p(0), SelectPolicy: hubPolicy(v2.MaxChangePolicySelect),
						Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}}, Tolerance: quantity("50m")},
					ScaleDown: &v2.HPAScalingRules{SelectPolicy: hubPolicy(v2.DisabledPolicySelect),
						Policies: []v2.HPAScalingPolicy{{Type: v2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}},
				}
				return h
			},
			want: func() *v2beta2.HorizontalPodAutoscaler {
				s := spoke(map[string]string{v2.BehaviorAnnotation: `{"scaleUp":{"tolerance":"50m"}}`}, spokeCPU(80))
				s.Spec.Behavior = &v2beta2.HorizontalPodAutoscalerBehavior{
					ScaleUp: &v2beta2.HPAScalingRules{StabilizationWindowSeconds: int32p(0), SelectPolicy: spokePolicy(v2beta2.MaxPolicySelect),
						Policies: []v2beta2.HPAScalingPolicy{{Type: v2beta2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}}},
					ScaleDown: &v2beta2.HPAScalingRules{SelectPolicy: spokePolicy(v2beta2.DisabledPolicySelect),
						Policies: []v2beta2.HPAScalingPolicy{{Type: v2beta2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}},
				}
				return s
			},
		},
		"MinChange is Min": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubCPU(80, ""))
				h.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2.HPAScalingRules{SelectPolicy: hubPolicy(v2.MinChangePolicySelect)}}
				return h
			},
			want: func() *v2beta2.HorizontalPodAutoscaler {
				s := spoke(nil, spokeCPU(80))
				s.Spec.Behavior = &v2beta2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2beta2.HPAScalingRules{SelectPolicy: spokePolicy(v2beta2.MinPolicySelect)}}
				return s
			},
		},
		"subdomains and shadow flags": {
			hub: func() *v2.HorizontalPodAutoscaler {
				p := hubPods("10")
				p.Shadow = true
				p.Pods.Subdomain = "green"
				return hub(hubCPU(80, "blue"), p)
			},
			want: func() *v2beta2.HorizontalPodAutoscaler {
				return spoke(map[string]string{
					v2.SubdomainsAnnotation: `["blue","green"]`,
					v2.ShadowAnnotation:     `[false,true]`,
				}, spokeCPU(80), spokePods("10"))
			},
		},
		"a shadow status and mhpa's own status fields": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubCPU(80, ""))
				h.Status = v2.HorizontalPodAutoscalerStatus{
					CurrentReplicas: 2, DesiredReplicas: 3,
					CurrentMetrics: []v2.MetricStatus{
						{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{Name: corev1.ResourceCPU,
							Current: v2.MetricValueStatus{AverageUtilization: int32p(90), AverageValue: quantity("450m")}}},
						{Type: v2.PodsMetricSourceType, Shadow: true, Pods: &v2.PodsMetricStatus{Metric: v2.MetricIdentifier{Name: "qps"},
							Current: v2.MetricValueStatus{AverageValue: quantity("7")}}},
					},
					Conditions: []v2.HorizontalPodAutoscalerCondition{{Type: v2.ScalingActive, Status: corev1.ConditionTrue, LastTransitionTime: when}},
					LastDecision: &v2.ScalingDecision{Time: when, CurrentReplicas: 2, DesiredReplicas: 3, SelectedMetric: int32p(0),
						Metrics: []v2.MetricProposal{{Name: "podResource/cpu", Replicas: int32p(3)}, {Name: "pods/qps", Shadow: true, Error: "no metrics"}}},
				}
				return h
			},
			want: func() *v2beta2.HorizontalPodAutoscaler {
				s := spoke(map[string]string{
					v2.CurrentMetricsAnnotation: `[null,{"type":"Pods","pods":{"metric":{"name":"qps"},"current":{"averageValue":"7"}},"shadow":true}]`,
					v2.StatusAnnotation:         `{"lastDecision":{"time":"2025-03-04T05:06:07Z","currentReplicas":2,"desiredReplicas":3,"metrics":[{"name":"podResource/cpu","replicas":3},{"name":"pods/qps","shadow":true,"error":"no metrics"}],"selectedMetric":0}}`,
				}, spokeCPU(80))
				s.Status = v2beta2.HorizontalPodAutoscalerStatus{
					CurrentReplicas: 2, DesiredReplicas: 3,
					CurrentMetrics: []v2beta2.MetricStatus{
						{Type: v2beta2.ResourceMetricSourceType, Resource: &v2beta2.ResourceMetricStatus{Name: corev1.ResourceCPU,
							Current: v2beta2.MetricValueStatus{AverageUtilization: int32p(90), AverageValue: quantity("450m")}}},
						{Type: v2beta2.PodsMetricSourceType, Pods: &v2beta2.PodsMetricStatus{Metric: v2beta2.MetricIdentifier{Name: "qps"},
							Current: v2beta2.MetricValueStatus{AverageValue: quantity("7")}}},
					},
					Conditions: []v2beta2.HorizontalPodAutoscalerCondition{{Type: v2beta2.ScalingActive, Status: corev1.ConditionTrue, LastTransitionTime: when}},
				}
				return s
			},
		},
		"user annotations are kept": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubCPU(80, ""))
				h.Annotations = map[string]string{"team": "shop", "autoscaling.alpha.kubernetes.io/behavior": "{}"}
				return h
			},
			want: func() *v2beta2.HorizontalPodAutoscaler {
				return spoke(map[string]string{"team": "shop", "autoscaling.alpha.kubernetes.io/behavior": "{}"}, spokeCPU(80))
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := &v2beta2.HorizontalPodAutoscaler{}
			if err := got.ConvertFrom(tc.hub()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.want()), mustJSON(t, got)); diff != "" {
				t.Fatalf("v2 -> v2beta2 (-want +got):\n%s", diff)
			}
			back := &v2.HorizontalPodAutoscaler{}
			if err := got.ConvertTo(back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.hub()), mustJSON(t, back)); diff != "" {
				t.Errorf("v2 -> v2beta2 -> v2 (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConvertToHubAfterEdits converts v2beta2 objects that a client changed after reading
// them, and checks that the v2beta2 fields win over the annotations.
func TestConvertToHubAfterEdits(t *testing.T) {
	tests := map[string]struct {
		spoke func() *v2beta2.HorizontalPodAutoscaler
		want  func() *v2.HorizontalPodAutoscaler
	}{
		"a tolerance is kept when its direction's rules change": {
			spoke: func() *v2beta2.HorizontalPodAutoscaler {
				s := spoke(map[string]string{v2.BehaviorAnnotation: `{"scaleUp":{"tolerance":"50m"}}`}, spokeCPU(80))
				s.Spec.Behavior = &v2beta2.HorizontalPodAutoscalerBehavior{ScaleUp: &v2beta2.HPAScalingRules{StabilizationWindowSeconds: int32p(30)}}
				return s
			},
			want: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubCPU(80, ""))
				h.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleUp: &v2.HPAScalingRules{StabilizationWindowSeconds: int32p(30), Tolerance: quantity("50m")}}
				return h
			},
		},
		"a tolerance goes away with its direction": {
			spoke: func() *v2beta2.HorizontalPodAutoscaler {
				s := spoke(map[string]string{v2.BehaviorAnnotation: `{"scaleUp":{"tolerance":"50m"}}`}, spokeCPU(80))
				s.Spec.Behavior = &v2beta2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2beta2.HPAScalingRules{SelectPolicy: spokePolicy(v2beta2.MaxPolicySelect)}}
				return s
			},
			want: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubCPU(80, ""))
				h.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2.HPAScalingRules{SelectPolicy: hubPolicy(v2.MaxChangePolicySelect)}}
				return h
			},
		},
		"a changed status wins over the current-metrics annotation": {
			spoke: func() *v2beta2.HorizontalPodAutoscaler {
				s := spoke(map[string]string{
					v2.CurrentMetricsAnnotation: `[{"type":"Pods","pods":{"metric":{"name":"qps"},"current":{"averageValue":"7"}},"shadow":true}]`,
				}, spokeCPU(80))
				s.Status.CurrentMetrics = []v2beta2.MetricStatus{{Type: v2beta2.PodsMetricSourceType, Pods: &v2beta2.PodsMetricStatus{
					Metric: v2beta2.MetricIdentifier{Name: "qps"}, Current: v2beta2.MetricValueStatus{AverageValue: quantity("8")}}}}
				return s
			},
			want: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubCPU(80, ""))
				h.Status.CurrentMetrics = []v2.MetricStatus{{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricStatus{
					Metric: v2.MetricIdentifier{Name: "qps"}, Current: v2.MetricValueStatus{AverageValue: quantity("8")}}}}
				return h
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := &v2.HorizontalPodAutoscaler{}
			if err := tc.spoke().ConvertTo(got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.want()), mustJSON(t, got)); diff != "" {
				t.Errorf("v2beta2 -> v2 (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConvertToHubRejectsBadAnnotations checks that annotations that do not fit the object
// fail the conversion with a message naming the annotation and what it must hold.
func TestConvertToHubRejectsBadAnnotations(t *testing.T) {
	tests := map[string]struct {
		annotations map[string]string
		wantErr     []string
	}{
		"shadow flags not aligned with spec.metrics": {
			annotations: map[string]string{v2.ShadowAnnotation: `[true,false]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/shadow]", "has 2 entries", "1 entries of spec.metrics"},
		},
		"subdomains not a list": {
			annotations: map[string]string{v2.SubdomainsAnnotation: `"blue"`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/subdomains]", "JSON array of strings"},
		},
		"status annotation not JSON": {
			annotations: map[string]string{v2.StatusAnnotation: `reference: x`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/status]"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := spoke(tc.annotations, spokeCPU(80)).ConvertTo(&v2.HorizontalPodAutoscaler{})
			if err == nil {
				t.Fatal("conversion succeeded, want an error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
