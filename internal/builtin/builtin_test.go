package builtin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/randfill"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

func ptr[T any](v T) *T { return &v }

func TestFromV2(t *testing.T) {
	ref := autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	hubRef := v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	cpu := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr[int32](60)},
	}}
	hubCPU := func(subdomain string) v2.MetricSpec {
		return v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr[int32](60)}, Subdomain: subdomain,
		}}
	}
	queue := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "queue"},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))},
	}}
	hubQueue := func(subdomain string) v2.MetricSpec {
		return v2.MetricSpec{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
			Metric:    v2.MetricIdentifier{Name: "queue"},
			Target:    v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))},
			Subdomain: subdomain,
		}}
	}
	tests := map[string]struct {
		in      *autoscalingv2.HorizontalPodAutoscaler
		want    *v2.HorizontalPodAutoscaler
		wantErr string
	}{
		"renames and behavior": {
			in: &autoscalingv2.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}},
				Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
					ScaleTargetRef: ref, MinReplicas: ptr[int32](2), MaxReplicas: 10,
					Metrics: []autoscalingv2.MetricSpec{cpu, queue},
					Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
						ScaleUp: &autoscalingv2.HPAScalingRules{
							SelectPolicy: ptr(autoscalingv2.MaxChangePolicySelect),
							Policies:     []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}},
							Tolerance:    ptr(resource.MustParse("50m")),
						},
						ScaleDown: &autoscalingv2.HPAScalingRules{
							StabilizationWindowSeconds: ptr[int32](60),
							SelectPolicy:               ptr(autoscalingv2.DisabledPolicySelect),
						},
					},
				},
			},
			want: &v2.HorizontalPodAutoscaler{
				TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling.mhpa.dev/v2", Kind: "HorizontalPodAutoscaler"},
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}},
				Spec: v2.HorizontalPodAutoscalerSpec{
					ScaleTargetRef: hubRef, MinReplicas: ptr[int32](2), MaxReplicas: 10,
					Metrics: []v2.MetricSpec{hubCPU(""), hubQueue("")},
					Behavior: &v2.HorizontalPodAutoscalerBehavior{
						ScaleUp: &v2.HPAScalingRules{
							SelectPolicy: ptr(v2.MaxChangePolicySelect),
							Policies:     []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}},
							Tolerance:    ptr(resource.MustParse("50m")),
						},
						ScaleDown: &v2.HPAScalingRules{
							StabilizationWindowSeconds: ptr[int32](60),
							SelectPolicy:               ptr(v2.DisabledPolicySelect),
						},
					},
				},
			},
		},
		"subdomains annotation becomes fields and is removed": {
			in: &autoscalingv2.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{
					v2.SubdomainsAnnotation: `["", "sqs"]`, "team": "shop",
				}},
				Spec: autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 10, Metrics: []autoscalingv2.MetricSpec{cpu, queue}},
			},
			want: &v2.HorizontalPodAutoscaler{
				TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling.mhpa.dev/v2", Kind: "HorizontalPodAutoscaler"},
				ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{"team": "shop"}},
				Spec:       v2.HorizontalPodAutoscalerSpec{ScaleTargetRef: hubRef, MaxReplicas: 10, Metrics: []v2.MetricSpec{hubCPU(""), hubQueue("sqs")}},
			},
		},
		"subdomains annotation of the wrong length": {
			in: &autoscalingv2.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{v2.SubdomainsAnnotation: `["sqs"]`}},
				Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 10, Metrics: []autoscalingv2.MetricSpec{cpu, queue}},
			},
			wantErr: `metadata.annotations[autoscaling.mhpa.dev/subdomains]: Invalid value: "[\"sqs\"]": has 1 entries, must have 2`,
		},
		"subdomains annotation that is not a list": {
			in: &autoscalingv2.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{v2.SubdomainsAnnotation: `sqs`}},
				Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 10, Metrics: []autoscalingv2.MetricSpec{queue}},
			},
			wantErr: `metadata.annotations[autoscaling.mhpa.dev/subdomains]: Invalid value: "sqs": must be a JSON list of 1 strings`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := tc.in.DeepCopy()
			got, err := FromV2(tc.in)
			if diff := cmp.Diff(before, tc.in); diff != "" {
				t.Errorf("FromV2 modified its input (-before +after):\n%s", diff)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FromV2() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromV2() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("FromV2() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromV1(t *testing.T) {
	ref := autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"}
	hubRef := v2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "api"}
	cpu := v2.MetricSpec{Type: v2.PodResourceMetricSourceType, PodResource: &v2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: ptr[int32](70)},
	}}
	typeMeta := metav1.TypeMeta{APIVersion: "autoscaling.mhpa.dev/v2", Kind: "HorizontalPodAutoscaler"}
	tests := map[string]struct {
		in      *autoscalingv1.HorizontalPodAutoscaler
		want    *v2.HorizontalPodAutoscaler
		wantErr string
	}{
		"cpu target only": {
			in: &autoscalingv1.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "api"},
				Spec: autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MinReplicas: ptr[int32](2), MaxReplicas: 30,
					TargetCPUUtilizationPercentage: ptr[int32](70)},
			},
			want: &v2.HorizontalPodAutoscaler{TypeMeta: typeMeta, ObjectMeta: metav1.ObjectMeta{Name: "api"},
				Spec: v2.HorizontalPodAutoscalerSpec{ScaleTargetRef: hubRef, MinReplicas: ptr[int32](2), MaxReplicas: 30, Metrics: []v2.MetricSpec{cpu}}},
		},
		"no target: nothing to convert, defaulting adds the CPU metric": {
			in: &autoscalingv1.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "api"},
				Spec:       autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 30},
			},
			want: &v2.HorizontalPodAutoscaler{TypeMeta: typeMeta, ObjectMeta: metav1.ObjectMeta{Name: "api"},
				Spec: v2.HorizontalPodAutoscalerSpec{ScaleTargetRef: hubRef, MaxReplicas: 30}},
		},
		"alpha annotations: other metrics first, then CPU; behavior with upstream's keys": {
			in: &autoscalingv1.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "api", Annotations: map[string]string{
					AlphaMetricsAnnotation: `[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}},` +
						`{"type":"External","external":{"metricName":"queue","targetValue":"100"}}]`,
					AlphaBehaviorAnnotation:                      `{"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Min","Policies":[{"Type":"Pods","Value":2,"PeriodSeconds":30}]}}`,
					"autoscaling.alpha.kubernetes.io/conditions": `[]`,
					v2.SubdomainsAnnotation:                      `["custom-a", "", ""]`,
				}},
				Spec: autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 30, TargetCPUUtilizationPercentage: ptr[int32](70)},
			},
			want: &v2.HorizontalPodAutoscaler{TypeMeta: typeMeta, ObjectMeta: metav1.ObjectMeta{Name: "api"},
				Spec: v2.HorizontalPodAutoscalerSpec{
					ScaleTargetRef: hubRef, MaxReplicas: 30,
					Metrics: []v2.MetricSpec{
						{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
							Metric: v2.MetricIdentifier{Name: "qps"}, Subdomain: "custom-a",
							Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("10"))},
						}},
						{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
							Metric: v2.MetricIdentifier{Name: "queue"},
							Target: v2.MetricTarget{Type: v2.ValueMetricType, Value: ptr(resource.MustParse("100"))},
						}},
						cpu,
					},
					Behavior: &v2.HorizontalPodAutoscalerBehavior{ScaleDown: &v2.HPAScalingRules{
						StabilizationWindowSeconds: ptr[int32](60),
						SelectPolicy:               ptr(v2.MinChangePolicySelect),
						Policies:                   []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 2, PeriodSeconds: 30}},
					}},
				}},
		},
		"malformed metrics annotation": {
			in: &autoscalingv1.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Name: "api", Annotations: map[string]string{AlphaMetricsAnnotation: `{`}},
				Spec:       autoscalingv1.HorizontalPodAutoscalerSpec{ScaleTargetRef: ref, MaxReplicas: 30},
			},
			wantErr: "metadata.annotations[autoscaling.alpha.kubernetes.io/metrics]: Invalid value: \"{\": must be a JSON list of autoscaling/v1 MetricSpec",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := FromV1(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FromV1() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromV1() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("FromV1() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFromV2KeepsEveryField fills built-in specs at random and checks that the converted spec
// says the same, field for field, once the v2 renames are undone: no field is dropped.
func TestFromV2KeepsEveryField(t *testing.T) {
	f := randfill.NewWithSeed(7).NilChance(0.2).NumElements(0, 3).Funcs(
		func(q *resource.Quantity, c randfill.Continue) {
			*q = *resource.NewMilliQuantity(c.Int63n(1_000_000), resource.DecimalSI)
		},
		func(s *metav1.LabelSelector, c randfill.Continue) {
			s.MatchLabels = map[string]string{"app": c.String(5)}
		},
		func(p *autoscalingv2.ScalingPolicySelect, c randfill.Continue) {
			*p = []autoscalingv2.ScalingPolicySelect{"Max", "Min", "Disabled"}[c.Intn(3)]
		},
		func(m *autoscalingv2.MetricSourceType, c randfill.Continue) {
			*m = []autoscalingv2.MetricSourceType{"Resource", "Pods", "Object", "External", "ContainerResource"}[c.Intn(5)]
		},
	)
	undo := strings.NewReplacer(`"podResource"`, `"resource"`, `"PodResource"`, `"Resource"`,
		`"MaxChange"`, `"Max"`, `"MinChange"`, `"Min"`, `"ScalingDisabled"`, `"Disabled"`)
	for i := range 200 {
		var spec autoscalingv2.HorizontalPodAutoscalerSpec
		f.Fill(&spec)
		got, err := FromV2(&autoscalingv2.HorizontalPodAutoscaler{Spec: spec})
		if err != nil {
			t.Fatalf("case %d: FromV2() error = %v", i, err)
		}
		want := toMap(t, spec)
		back := map[string]any{}
		if err := json.Unmarshal([]byte(undo.Replace(string(mustJSON(t, got.Spec)))), &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, back); diff != "" {
			t.Fatalf("case %d: converted spec differs from the built-in one (-built-in +converted, v2 renames undone):\n%s", i, diff)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	out := map[string]any{}
	if err := json.Unmarshal(mustJSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConvertRejectsOtherTypes(t *testing.T) {
	_, err := Convert(&v2.HorizontalPodAutoscaler{})
	if err == nil || !strings.Contains(err.Error(), "only autoscaling/v1 and autoscaling/v2") {
		t.Fatalf("Convert(mhpa v2) error = %v, want one naming the built-in versions", err)
	}
}
