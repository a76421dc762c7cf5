package v1_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/mhpa-dev/mhpa/api/v1"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

func int32p(v int32) *int32 { return &v }

func quantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

var when = metav1.NewTime(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC))

// Fixtures.

func hub(metrics ...v2.MetricSpec) *v2.HorizontalPodAutoscaler {
	return &v2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: v2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: v2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:    int32p(1),
			MaxReplicas:    10,
			Metrics:        metrics,
		},
	}
}

func spoke(targetCPU *int32, annotations map[string]string) *v1.HorizontalPodAutoscaler {
	return &v1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: annotations},
		Spec: v1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 v1.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
			MinReplicas:                    int32p(1),
			MaxReplicas:                    10,
			TargetCPUUtilizationPercentage: targetCPU,
		},
	}
}

func cpu(utilization int32) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name:   corev1.ResourceCPU,
		Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: int32p(utilization)},
	}}
}

func memory(averageValue string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name:   corev1.ResourceMemory,
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: quantity(averageValue)},
	}}
}

func pods(name, averageValue string) v2.MetricSpec {
	return v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
		Metric: v2.MetricIdentifier{Name: name},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: quantity(averageValue)},
	}}
}

func withSubdomain(m v2.MetricSpec, subdomain string) v2.MetricSpec {
	m.PodResource.Subdomain = subdomain
	return m
}

func shadow(m v2.MetricSpec) v2.MetricSpec {
	m.Shadow = true
	return m
}

func cpuStatus(utilization int32, averageValue string) v2.MetricStatus {
	s := v2.MetricStatus{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricStatus{
		Name:    corev1.ResourceCPU,
		Current: v2.MetricValueStatus{AverageUtilization: int32p(utilization)},
	}}
	if averageValue != "" {
		s.PodResource.Current.AverageValue = quantity(averageValue)
	}
	return s
}

// JSON of the fixtures' metrics, as the annotations hold them.
const (
	podsJSON   = `{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}`
	memoryJSON = `{"type":"PodResource","podResource":{"name":"memory","target":{"type":"AverageValue","averageValue":"1Gi"}}}`
	cpu70JSON  = `{"type":"PodResource","podResource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}`
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConvertFromHub converts hand-made v2 objects to v1, compares with the expected v1
// object, and converts back, expecting the v2 object unchanged.
func TestConvertFromHub(t *testing.T) {
	tests := map[string]struct {
		hub  func() *v2.HorizontalPodAutoscaler
		want func() *v1.HorizontalPodAutoscaler
	}{
		"a single CPU metric needs no annotation": {
			hub:  func() *v2.HorizontalPodAutoscaler { return hub(cpu(50)) },
			want: func() *v1.HorizontalPodAutoscaler { return spoke(int32p(50), nil) },
		},
		"no metrics (not yet defaulted) need no annotation": {
			hub:  func() *v2.HorizontalPodAutoscaler { return hub() },
			want: func() *v1.HorizontalPodAutoscaler { return spoke(nil, nil) },
		},
		"CPU metric second keeps its place with a null entry": {
			hub: func() *v2.HorizontalPodAutoscaler { return hub(pods("qps", "10"), cpu(50)) },
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(int32p(50), map[string]string{v2.MetricsAnnotation: `[` + podsJSON + `,null]`})
			},
		},
		"only the first of two CPU metrics is targetCPUUtilizationPercentage": {
			hub: func() *v2.HorizontalPodAutoscaler { return hub(cpu(50), cpu(70)) },
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(int32p(50), map[string]string{v2.MetricsAnnotation: `[null,` + cpu70JSON + `]`})
			},
		},
		"a shadow CPU metric is not targetCPUUtilizationPercentage": {
			hub: func() *v2.HorizontalPodAutoscaler { return hub(shadow(cpu(50)), cpu(70)) },
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(int32p(70), map[string]string{
					v2.MetricsAnnotation: `[{"type":"PodResource","podResource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},null]`,
					v2.ShadowAnnotation:  `[true,false]`,
				})
			},
		},
		"only a shadow CPU metric leaves targetCPUUtilizationPercentage unset": {
			hub: func() *v2.HorizontalPodAutoscaler { return hub(shadow(cpu(50))) },
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(nil, map[string]string{
					v2.MetricsAnnotation: `[{"type":"PodResource","podResource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]`,
					v2.ShadowAnnotation:  `[true]`,
				})
			},
		},
		"the subdomain of the CPU metric goes to the subdomains annotation": {
			hub: func() *v2.HorizontalPodAutoscaler { return hub(withSubdomain(cpu(50), "blue")) },
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(int32p(50), map[string]string{
					v2.MetricsAnnotation:    `[null]`,
					v2.SubdomainsAnnotation: `["blue"]`,
				})
			},
		},
		"a CPU metric with an AverageValue target type stays whole in the annotation": {
			hub: func() *v2.HorizontalPodAutoscaler {
				m := cpu(50)
				m.PodResource.Target.Type = v2.AverageValueMetricType
				return hub(m)
			},
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(int32p(50), map[string]string{
					v2.MetricsAnnotation: `[{"type":"PodResource","podResource":{"name":"cpu","target":{"type":"AverageValue","averageUtilization":50}}}]`,
				})
			},
		},
		"no CPU metric: every metric in the annotation": {
			hub: func() *v2.HorizontalPodAutoscaler { return hub(memory("1Gi"), pods("qps", "10")) },
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(nil, map[string]string{v2.MetricsAnnotation: `[` + memoryJSON + `,` + podsJSON + `]`})
			},
		},
		"behavior goes to the behavior annotation": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(cpu(50))
				p := v2.MinChangePolicySelect
				h.Spec.Behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2.HPAScalingRules{
					SelectPolicy: &p, Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
					Tolerance: quantity("50m"),
				}}
				return h
			},
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(int32p(50), map[string]string{
					v2.BehaviorAnnotation: `{"scaleDown":{"selectPolicy":"MinChange","policies":[{"type":"Pods","value":1,"periodSeconds":60}],"tolerance":"50m"}}`,
				})
			},
		},
		"a CPU status with its raw value keeps the raw value in current-metrics": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(cpu(50))
				h.Status.CurrentMetrics = []v2.MetricStatus{cpuStatus(40, "200m")}
				return h
			},
			want: func() *v1.HorizontalPodAutoscaler {
				s := spoke(int32p(50), map[string]string{
					v2.CurrentMetricsAnnotation: `[{"type":"PodResource","podResource":{"name":"cpu","current":{"averageValue":"200m","averageUtilization":40}}}]`,
				})
				s.Status.CurrentCPUUtilizationPercentage = int32p(40)
				return s
			},
		},
		"a CPU status of utilization only needs no annotation": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(cpu(50))
				h.Status.CurrentMetrics = []v2.MetricStatus{cpuStatus(40, "")}
				return h
			},
			want: func() *v1.HorizontalPodAutoscaler {
				s := spoke(int32p(50), nil)
				s.Status.CurrentCPUUtilizationPercentage = int32p(40)
				return s
			},
		},
		"an empty list of current metrics is kept apart from none": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(cpu(50))
				h.Status.CurrentMetrics = []v2.MetricStatus{}
				return h
			},
			want: func() *v1.HorizontalPodAutoscaler {
				return spoke(int32p(50), map[string]string{v2.CurrentMetricsAnnotation: `[]`})
			},
		},
		"conditions, mhpa's own status fields and user annotations": {
			hub: func() *v2.HorizontalPodAutoscaler {
				h := hub(cpu(50))
				h.Annotations = map[string]string{"team": "shop", "autoscaling.alpha.kubernetes.io/metrics": "[]"}
				h.Status = v2.HorizontalPodAutoscalerStatus{
					CurrentReplicas: 3, DesiredReplicas: 4, LastScaleTime: &when,
					Conditions: []v2.HorizontalPodAutoscalerCondition{{
						Type: v2.AbleToScale, Status: corev1.ConditionTrue, LastTransitionTime: when, Reason: "ReadyForNewScale",
					}},
					Reference: "Deployment/web", Targets: "cpu: 40%/50%",
					History: &v2.ScalingHistory{Recommendations: []v2.TimedReplicas{{Time: when, Replicas: 4}}},
				}
				return h
			},
			want: func() *v1.HorizontalPodAutoscaler {
				s := spoke(int32p(50), map[string]string{
					"team": "shop",
					"autoscaling.alpha.kubernetes.io/metrics": "[]",
					v2.ConditionsAnnotation:                   `[{"type":"AbleToScale","status":"True","lastTransitionTime":"2025-03-04T05:06:07Z","reason":"ReadyForNewScale"}]`,
					v2.StatusAnnotation:                       `{"reference":"Deployment/web","targets":"cpu: 40%/50%","history":{"recommendations":[{"time":"2025-03-04T05:06:07Z","replicas":4}]}}`,
				})
				s.Status = v1.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, DesiredReplicas: 4, LastScaleTime: &when}
				return s
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := &v1.HorizontalPodAutoscaler{}
			if err := got.ConvertFrom(tc.hub()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.want()), mustJSON(t, got)); diff != "" {
				t.Fatalf("v2 -> v1 (-want +got):\n%s", diff)
			}
			back := &v2.HorizontalPodAutoscaler{}
			if err := got.ConvertTo(back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(t, tc.hub()), mustJSON(t, back)); diff != "" {
				t.Errorf("v2 -> v1 -> v2 (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConvertToHubAfterEdits converts v1 objects that a v1 client changed after reading them
// (or wrote from scratch) and checks that the v1 fields win over the annotations.
func TestConvertToHubAfterEdits(t *testing.T) {
	tests := map[string]struct {
		spoke *v1.HorizontalPodAutoscaler
		want  *v2.HorizontalPodAutoscaler
	}{
		"a v1 object without annotations": {
			spoke: spoke(int32p(60), nil),
			want:  hub(cpu(60)),
		},
		"a v1 object without a target has no metrics until defaulting": {
			spoke: spoke(nil, nil),
			want:  hub(),
		},
		"a changed target changes the CPU metric in its place": {
			spoke: spoke(int32p(60), map[string]string{v2.MetricsAnnotation: `[` + podsJSON + `,null]`}),
			want:  hub(pods("qps", "10"), cpu(60)),
		},
		"a removed target removes the CPU metric with its subdomain and shadow entries": {
			spoke: spoke(nil, map[string]string{
				v2.MetricsAnnotation:    `[null,` + podsJSON + `]`,
				v2.SubdomainsAnnotation: `["blue",""]`,
				v2.ShadowAnnotation:     `[false,true]`,
			}),
			want: hub(shadow(pods("qps", "10"))),
		},
		"an added target is appended": {
			spoke: spoke(int32p(60), map[string]string{v2.MetricsAnnotation: `[` + podsJSON + `]`}),
			want:  hub(pods("qps", "10"), cpu(60)),
		},
		"a changed target changes a CPU metric kept whole": {
			spoke: spoke(int32p(60), map[string]string{
				v2.MetricsAnnotation: `[{"type":"PodResource","podResource":{"name":"cpu","target":{"type":"AverageValue","averageUtilization":50}}}]`,
			}),
			want: func() *v2.HorizontalPodAutoscaler {
				m := cpu(60)
				m.PodResource.Target.Type = v2.AverageValueMetricType
				return hub(m)
			}(),
		},
		"a changed current CPU utilization changes the CPU status kept whole": {
			spoke: func() *v1.HorizontalPodAutoscaler {
				s := spoke(int32p(50), map[string]string{
					v2.CurrentMetricsAnnotation: `[{"type":"PodResource","podResource":{"name":"cpu","current":{"averageValue":"200m","averageUtilization":40}}}]`,
				})
				s.Status.CurrentCPUUtilizationPercentage = int32p(45)
				return s
			}(),
			want: func() *v2.HorizontalPodAutoscaler {
				h := hub(cpu(50))
				h.Status.CurrentMetrics = []v2.MetricStatus{cpuStatus(45, "200m")}
				return h
			}(),
		},
		"round-trip annotations never reach v2; others do": {
			spoke: spoke(int32p(50), map[string]string{v2.StatusAnnotation: `{}`, "team": "shop"}),
			want: func() *v2.HorizontalPodAutoscaler {
				h := hub(cpu(50))
				h.Annotations = map[string]string{"team": "shop"}
				return h
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
				t.Errorf("v1 -> v2 (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConvertToHubRejectsBadAnnotations checks that an annotation that cannot be read back
// fails the conversion with a message naming the annotation and what it must hold.
func TestConvertToHubRejectsBadAnnotations(t *testing.T) {
	tests := map[string]struct {
		annotations map[string]string
		wantErr     []string
	}{
		"metrics not JSON": {
			annotations: map[string]string{v2.MetricsAnnotation: `{nope`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/metrics]", `"{nope"`, "JSON array"},
		},
		"two null metrics": {
			annotations: map[string]string{v2.MetricsAnnotation: `[null,null]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/metrics]", "at most one null entry"},
		},
		"subdomains not aligned with the metrics": {
			annotations: map[string]string{v2.MetricsAnnotation: `[null,` + podsJSON + `]`, v2.SubdomainsAnnotation: `["a"]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/subdomains]", "has 1 entries", "2 entries of spec.metrics"},
		},
		"shadow flags that are not booleans": {
			annotations: map[string]string{v2.ShadowAnnotation: `["yes"]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/shadow]", "JSON array of booleans"},
		},
		"conditions not a list": {
			annotations: map[string]string{v2.ConditionsAnnotation: `{}`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/conditions]", "HorizontalPodAutoscalerCondition"},
		},
		"behavior not an object": {
			annotations: map[string]string{v2.BehaviorAnnotation: `[]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/behavior]", "spec.behavior"},
		},
		"status not an object": {
			annotations: map[string]string{v2.StatusAnnotation: `1`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/status]", "lastDecision"},
		},
		"current metrics with two nulls": {
			annotations: map[string]string{v2.CurrentMetricsAnnotation: `[null,null]`},
			wantErr:     []string{"metadata.annotations[autoscaling.mhpa.dev/current-metrics]", "at most one null entry"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := spoke(int32p(50), tc.annotations).ConvertTo(&v2.HorizontalPodAutoscaler{})
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

// TestConvertFromHubDropsStaleAnnotations checks that round-trip annotations on a v2 object
// (which validation does not let in, but which must not leak either) do not reach v1 in
// place of the ones conversion writes.
func TestConvertFromHubDropsStaleAnnotations(t *testing.T) {
	h := hub(cpu(50))
	h.Annotations = map[string]string{v2.MetricsAnnotation: `[` + podsJSON + `]`, v2.BehaviorAnnotation: `{}`, "team": "shop"}
	got := &v1.HorizontalPodAutoscaler{}
	if err := got.ConvertFrom(h); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"team": "shop"}, got.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}
