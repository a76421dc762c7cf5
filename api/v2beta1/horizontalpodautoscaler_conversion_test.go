package v2beta1_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/api/v2beta1"
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

func spoke(annotations map[string]string, metrics ...v2beta1.MetricSpec) *v2beta1.HorizontalPodAutoscaler {
	return &v2beta1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: annotations},
		Spec: v2beta1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2beta1.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
			MinReplicas:    int32p(1),
			MaxReplicas:    10,
			Metrics:        metrics,
		},
	}
}

var ingress = v2.CrossVersionObjectReference{Kind: "Ingress", Name: "main", APIVersion: "networking.k8s.io/v1"}

func target(t v2.MetricTargetType, value, averageValue *resource.Quantity, utilization *int32) v2.MetricTarget {
	return v2.MetricTarget{Type: t, Value: value, AverageValue: averageValue, AverageUtilization: utilization}
}

func hubObject(t v2.MetricTarget) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ObjectMetricSourceType, Object: &v2.ObjectMetricSource{
		DescribedObject: ingress, Metric: v2.MetricIdentifier{Name: "hits"}, Target: t,
	}}
}

func hubPods(t v2.MetricTarget) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{Metric: v2.MetricIdentifier{Name: "qps"}, Target: t}}
}

func hubResource(name corev1.ResourceName, t v2.MetricTarget) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{Name: name, Target: t}}
}

func hubExternal(t v2.MetricTarget) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
		Metric: v2.MetricIdentifier{Name: "queue", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"q": "jobs"}}},
		Target: t,
	}}
}

var spokeIngress = v2beta1.CrossVersionObjectReference{Kind: "Ingress", Name: "main", APIVersion: "networking.k8s.io/v1"}

func spokeObject(targetValue string, averageValue *resource.Quantity) v2beta1.MetricSpec {
	o := &v2beta1.ObjectMetricSource{Target: spokeIngress, MetricName: "hits", AverageValue: averageValue}
	if targetValue != "" {
		o.TargetValue = resource.MustParse(targetValue)
	}
	return v2beta1.MetricSpec{Type: v2beta1.ObjectMetricSourceType, Object: o}
}

func spokePods(targetAverageValue string) v2beta1.MetricSpec {
	return v2beta1.MetricSpec{Type: v2beta1.PodsMetricSourceType, Pods: &v2beta1.PodsMetricSource{
		MetricName: "qps", TargetAverageValue: resource.MustParse(targetAverageValue),
	}}
}

func spokeResource(name corev1.ResourceName, utilization *int32, averageValue *resource.Quantity) v2beta1.MetricSpec {
	return v2beta1.MetricSpec{Type: v2beta1.ResourceMetricSourceType, Resource: &v2beta1.ResourceMetricSource{
		Name: name, TargetAverageUtilization: utilization, TargetAverageValue: averageValue,
	}}
}

func spokeExternal(value, averageValue *resource.Quantity) v2beta1.MetricSpec {
	return v2beta1.MetricSpec{Type: v2beta1.ExternalMetricSourceType, External: &v2beta1.ExternalMetricSource{
		MetricName: "queue", MetricSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"q": "jobs"}},
		TargetValue: value, TargetAverageValue: averageValue,
	}}
}

// TestConvertFromHub converts hand-made v2 objects to v2beta1, compares with the expected
// v2beta1 object, and converts back, expecting the v2 object unchanged.
func TestConvertFromHub(t *testing.T) {
	tests := map[string]struct {
		hub  func() *v2.HorizontalPodAutoscaler
		want func() *v2beta1.HorizontalPodAutoscaler
	}{
		"CPU utilization": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubResource(corev1.ResourceCPU, target(v2.UtilizationMetricType, nil, nil, int32p(80))))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				return spoke(nil, spokeResource(corev1.ResourceCPU, int32p(80), nil))
			},
		},
		"memory average value": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubResource(corev1.ResourceMemory, target(v2.AverageValueMetricType, nil, quantity("1Gi"), nil)))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				return spoke(nil, spokeResource(corev1.ResourceMemory, nil, quantity("1Gi")))
			},
		},
		"pods average value": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubPods(target(v2.AverageValueMetricType, nil, quantity("10"), nil)))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler { return spoke(nil, spokePods("10")) },
		},
		"object value": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubObject(target(v2.ValueMetricType, quantity("2k"), nil, nil)))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler { return spoke(nil, spokeObject("2k", nil)) },
		},
		"object average value alone reads as targetValue 0": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubObject(target(v2.AverageValueMetricType, nil, quantity("50"), nil)))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler { return spoke(nil, spokeObject("", quantity("50"))) },
		},
		"object with value and average value": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubObject(target(v2.AverageValueMetricType, quantity("2k"), quantity("50"), nil)))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler { return spoke(nil, spokeObject("2k", quantity("50"))) },
		},
		"external value and external average value": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubExternal(target(v2.ValueMetricType, quantity("100"), nil, nil)),
					hubExternal(target(v2.AverageValueMetricType, nil, quantity("5"), nil)))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				return spoke(nil, spokeExternal(quantity("100"), nil), spokeExternal(nil, quantity("5")))
			},
		},
		"Utilization target on a pods metric is kept whole in the annotation": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubResource(corev1.ResourceCPU, target(v2.UtilizationMetricType, nil, nil, int32p(80))),
					hubPods(target(v2.UtilizationMetricType, nil, quantity("10"), nil)))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				return spoke(map[string]string{
					v2.MetricsAnnotation: `[null,{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"Utilization","averageValue":"10"}}}]`,
				}, spokeResource(corev1.ResourceCPU, int32p(80), nil), spokePods("10"))
			},
		},
		"averageUtilization on an object metric is kept whole in the annotation": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubObject(target(v2.ValueMetricType, quantity("2k"), nil, int32p(30))))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				return spoke(map[string]string{
					v2.MetricsAnnotation: `[{"type":"Object","object":{"describedObject":{"kind":"Ingress","name":"main","apiVersion":"networking.k8s.io/v1"},"target":{"type":"Value","value":"2k","averageUtilization":30},"metric":{"name":"hits"}}}]`,
				}, spokeObject("2k", nil))
			},
		},
		"a resource value v2beta1 has no field for is kept whole": {
			hub: func() *v2.HorizontalPodAutoscaler {
				return hub(hubResource(corev1.ResourceCPU, target(v2.UtilizationMetricType, quantity("3"), nil, int32p(80))))
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				return spoke(map[string]string{
					v2.MetricsAnnotation: `[{"type":"PodResource","podResource":{"name":"cpu","target":{"type":"Utilization","value":"3","averageUtilization":80}}}]`,
				}, spokeResource(corev1.ResourceCPU, int32p(80), nil))
			},
		},
		"subdomains, shadow flags and behavior": {
			hub: func() *v2.HorizontalPodAutoscaler {
				ext := hubExternal(target(v2.ValueMetricType, quantity("100"), nil, nil))
				ext.External.Subdomain = "green"
				ext.Shadow = true
				h := hub(hubResource(corev1.ResourceCPU, target(v2.UtilizationMetricType, nil, nil, int32p(80))), ext)
				h.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{}
				return h
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				return spoke(map[string]string{
					v2.SubdomainsAnnotation: `["","green"]`,
					v2.ShadowAnnotation:     `[false,true]`,
					v2.BehaviorAnnotation:   `{}`,
				}, spokeResource(corev1.ResourceCPU, int32p(80), nil), spokeExternal(quantity("100"), nil))
			},
		},
		"statuses: exact, missing raw value, shadow": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubResource(corev1.ResourceCPU, target(v2.UtilizationMetricType, nil, nil, int32p(80))))
				h.Status.CurrentReplicas = 2
				h.Status.Conditions = []v2.HorizontalPodAutoscalerCondition{}
				h.Status.CurrentMetrics = []v2.MetricStatus{
					{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{Name: corev1.ResourceCPU,
						Current: v2.MetricValueStatus{AverageValue: quantity("200m"), AverageUtilization: int32p(40)}}},
					{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{Name: corev1.ResourceCPU,
						Current: v2.MetricValueStatus{AverageUtilization: int32p(40)}}},
					{Type: v2.PodsMetricSourceType, Shadow: true, Pods: &v2.PodsMetricStatus{Metric: v2.MetricIdentifier{Name: "qps"},
						Current: v2.MetricValueStatus{AverageValue: quantity("7")}}},
				}
				h.Status.Reference = "Deployment/web"
				return h
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				s := spoke(map[string]string{
					v2.CurrentMetricsAnnotation: `[null,{"type":"PodResource","podResource":{"name":"cpu","current":{"averageUtilization":40}}},{"type":"Pods","pods":{"metric":{"name":"qps"},"current":{"averageValue":"7"}},"shadow":true}]`,
					v2.StatusAnnotation:         `{"reference":"Deployment/web"}`,
				}, spokeResource(corev1.ResourceCPU, int32p(80), nil))
				s.Status.CurrentReplicas = 2
				s.Status.Conditions = []v2beta1.HorizontalPodAutoscalerCondition{}
				s.Status.CurrentMetrics = []v2beta1.MetricStatus{
					{Type: v2beta1.ResourceMetricSourceType, Resource: &v2beta1.ResourceMetricStatus{Name: corev1.ResourceCPU,
						CurrentAverageUtilization: int32p(40), CurrentAverageValue: resource.MustParse("200m")}},
					{Type: v2beta1.ResourceMetricSourceType, Resource: &v2beta1.ResourceMetricStatus{Name: corev1.ResourceCPU,
						CurrentAverageUtilization: int32p(40)}},
					{Type: v2beta1.PodsMetricSourceType, Pods: &v2beta1.PodsMetricStatus{MetricName: "qps", CurrentAverageValue: resource.MustParse("7")}},
				}
				return s
			},
		},
		"an empty list of current metrics stays empty, an absent one absent": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(hubPods(target(v2.AverageValueMetricType, nil, quantity("10"), nil)))
				h.Status.CurrentMetrics = []v2.MetricStatus{}
				return h
			},
			want: func() *v2beta1.HorizontalPodAutoscaler {
				s := spoke(nil, spokePods("10"))
				s.Status.CurrentMetrics = []v2beta1.MetricStatus{}
				return s
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := &v2beta1.HorizontalPodAutoscaler{}
			if err := got.ConvertFrom(tc.hub()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.want()), mustJSON(t, got)); diff != "" {
				t.Fatalf("v2 -> v2beta1 (-want +got):\n%s", diff)
			}
			back := &v2.HorizontalPodAutoscaler{}
			if err := got.ConvertTo(back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.hub()), mustJSON(t, back)); diff != "" {
				t.Errorf("v2 -> v2beta1 -> v2 (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConvertToHubAfterEdits converts v2beta1 objects that a client wrote or changed, and
// checks that the v2beta1 fields win over the annotations.
func TestConvertToHubAfterEdits(t *testing.T) {
	tests := map[string]struct {
		spoke *v2beta1.HorizontalPodAutoscaler
		want  *v2.HorizontalPodAutoscaler
	}{
		"resource with both utilization and average value": {
			spoke: spoke(nil, spokeResource(corev1.ResourceCPU, int32p(80), quantity("100m"))),
			want:  hub(hubResource(corev1.ResourceCPU, target(v2.UtilizationMetricType, nil, quantity("100m"), int32p(80)))),
		},
		"object with targetValue 0 and an average value has no value": {
			spoke: spoke(nil, spokeObject("0", quantity("50"))),
			want:  hub(hubObject(target(v2.AverageValueMetricType, nil, quantity("50"), nil))),
		},
		"an unchanged metric takes the annotation's v2 form": {
			spoke: spoke(map[string]string{
				v2.MetricsAnnotation: `[{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"Utilization","averageValue":"10"}}}]`,
			}, spokePods("10")),
			want: hub(hubPods(target(v2.UtilizationMetricType, nil, quantity("10"), nil))),
		},
		"a changed metric wins over the annotation": {
			spoke: spoke(map[string]string{
				v2.MetricsAnnotation: `[{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"Utilization","averageValue":"10"}}}]`,
			}, spokePods("20")),
			want: hub(hubPods(target(v2.AverageValueMetricType, nil, quantity("20"), nil))),
		},
		"subdomain and shadow come from their annotations": {
			spoke: spoke(map[string]string{v2.SubdomainsAnnotation: `["blue"]`, v2.ShadowAnnotation: `[true]`}, spokePods("10")),
			want: func() *v2.HorizontalPodAutoscaler {
				m := hubPods(target(v2.AverageValueMetricType, nil, quantity("10"), nil))
				m.Pods.Subdomain = "blue"
				m.Shadow = true
				return hub(m)
			}(),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := &v2.HorizontalPodAutoscaler{}
			if err := tc.spoke.ConvertTo(got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.want), mustJSON(t, got)); diff != "" {
				t.Errorf("v2beta1 -> v2 (-want +got):\n%s", diff)
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
		"metrics annotation longer than spec.metrics": {
			annotations: map[string]string{v2.MetricsAnnotation: `[null,null]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/metrics]", "has 2 entries", "1 entries of spec.metrics"},
		},
		"current-metrics annotation not aligned with status.currentMetrics": {
			annotations: map[string]string{v2.CurrentMetricsAnnotation: `[null]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/current-metrics]", "0 entries of status.currentMetrics"},
		},
		"subdomains not strings": {
			annotations: map[string]string{v2.SubdomainsAnnotation: `[1]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/subdomains]", "JSON array of strings"},
		},
		"behavior not JSON": {
			annotations: map[string]string{v2.BehaviorAnnotation: `scaleUp`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/behavior]"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := spoke(tc.annotations, spokePods("10")).ConvertTo(&v2.HorizontalPodAutoscaler{})
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
