package v2_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

func int32p(v int32) *int32 { return &v }

func policySelect(p v2.ScalingPolicySelect) *v2.ScalingPolicySelect { return &p }

func cpu(utilization int32) v2.MetricSpec {
	return v2.MetricSpec{
		Type: v2.PodResourceMetricSourceType,
		PodResource: &v2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: int32p(utilization)},
		},
	}
}

func defaultScaleUp() *v2.HPAScalingRules {
	return &v2.HPAScalingRules{
		StabilizationWindowSeconds: int32p(0),
		SelectPolicy:               policySelect(v2.MaxChangePolicySelect),
		Policies: []v2.HPAScalingPolicy{
			{Type: v2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: v2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

func defaultScaleDown() *v2.HPAScalingRules {
	return &v2.HPAScalingRules{
		SelectPolicy: policySelect(v2.MaxChangePolicySelect),
		Policies:     []v2.HPAScalingPolicy{{Type: v2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}},
	}
}

// toJSON makes objects with quantities comparable with cmp.
func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSetDefaults(t *testing.T) {
	tolerance := resource.MustParse("50m")
	pods := v2.MetricSpec{Type: v2.PodsMetricSourceType, Pods: &v2.PodsMetricSource{
		Metric: v2.MetricIdentifier{Name: "qps"},
		Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: resource.NewQuantity(10, resource.DecimalSI)},
	}}
	tests := map[string]struct {
		spec v2.HorizontalPodAutoscalerSpec
		want v2.HorizontalPodAutoscalerSpec
	}{
		"empty spec gets minReplicas 1 and 80% CPU, and no behavior": {
			spec: v2.HorizontalPodAutoscalerSpec{MaxReplicas: 5},
			want: v2.HorizontalPodAutoscalerSpec{MaxReplicas: 5, MinReplicas: int32p(1), Metrics: []v2.MetricSpec{cpu(80)}},
		},
		"empty metrics list counts as no metrics": {
			spec: v2.HorizontalPodAutoscalerSpec{MinReplicas: int32p(2), Metrics: []v2.MetricSpec{}},
			want: v2.HorizontalPodAutoscalerSpec{MinReplicas: int32p(2), Metrics: []v2.MetricSpec{cpu(80)}},
		},
		"given minReplicas 0 and metrics are kept": {
			spec: v2.HorizontalPodAutoscalerSpec{MinReplicas: int32p(0), Metrics: []v2.MetricSpec{pods}},
			want: v2.HorizontalPodAutoscalerSpec{MinReplicas: int32p(0), Metrics: []v2.MetricSpec{pods}},
		},
		"empty behavior gets both directions' defaults; scale down keeps no window": {
			spec: v2.HorizontalPodAutoscalerSpec{Behavior: &v2.HorizontalPodAutoscalerBehavior{}},
			want: v2.HorizontalPodAutoscalerSpec{MinReplicas: int32p(1), Metrics: []v2.MetricSpec{cpu(80)},
				Behavior: &v2.HorizontalPodAutoscalerBehavior{ScaleUp: defaultScaleUp(), ScaleDown: defaultScaleDown()}},
		},
		"partial rules keep what is set and get the rest": {
			spec: v2.HorizontalPodAutoscalerSpec{Behavior: &v2.HorizontalPodAutoscalerBehavior{
				ScaleUp:   &v2.HPAScalingRules{SelectPolicy: policySelect(v2.MinChangePolicySelect), Tolerance: &tolerance},
				ScaleDown: &v2.HPAScalingRules{StabilizationWindowSeconds: int32p(60), Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}},
			}},
			want: v2.HorizontalPodAutoscalerSpec{MinReplicas: int32p(1), Metrics: []v2.MetricSpec{cpu(80)},
				Behavior: &v2.HorizontalPodAutoscalerBehavior{
					ScaleUp: &v2.HPAScalingRules{
						StabilizationWindowSeconds: int32p(0),
						SelectPolicy:               policySelect(v2.MinChangePolicySelect),
						Policies:                   defaultScaleUp().Policies,
						Tolerance:                  &tolerance,
					},
					ScaleDown: &v2.HPAScalingRules{
						StabilizationWindowSeconds: int32p(60),
						SelectPolicy:               policySelect(v2.MaxChangePolicySelect),
						Policies:                   []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}},
					},
				}},
		},
		"an empty policy list is kept, as upstream does, for validation to reject": {
			spec: v2.HorizontalPodAutoscalerSpec{Behavior: &v2.HorizontalPodAutoscalerBehavior{ScaleUp: &v2.HPAScalingRules{Policies: []v2.HPAScalingPolicy{}}}},
			want: v2.HorizontalPodAutoscalerSpec{MinReplicas: int32p(1), Metrics: []v2.MetricSpec{cpu(80)},
				Behavior: &v2.HorizontalPodAutoscalerBehavior{
					ScaleUp: &v2.HPAScalingRules{
						StabilizationWindowSeconds: int32p(0),
						SelectPolicy:               policySelect(v2.MaxChangePolicySelect),
						Policies:                   []v2.HPAScalingPolicy{},
					},
					ScaleDown: defaultScaleDown(),
				}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := &v2.HorizontalPodAutoscaler{Spec: tc.spec}
			v2.SetDefaults_HorizontalPodAutoscaler(obj)
			if diff := cmp.Diff(toJSON(t, tc.want), toJSON(t, obj.Spec)); diff != "" {
				t.Errorf("spec after defaulting (-want +got):\n%s", diff)
			}
			if tc.want.Behavior != nil && tc.want.Behavior.ScaleUp.Policies != nil && len(tc.want.Behavior.ScaleUp.Policies) == 0 && obj.Spec.Behavior.ScaleUp.Policies == nil {
				t.Errorf("an empty policy list became nil")
			}
		})
	}
}

// TestSetDefaultsDoesNotShareDefaults checks that defaulting two objects does not let them
// share (and so change each other's) default values.
func TestSetDefaultsDoesNotShareDefaults(t *testing.T) {
	a := &v2.HorizontalPodAutoscaler{Spec: v2.HorizontalPodAutoscalerSpec{Behavior: &v2.HorizontalPodAutoscalerBehavior{}}}
	b := &v2.HorizontalPodAutoscaler{Spec: v2.HorizontalPodAutoscalerSpec{Behavior: &v2.HorizontalPodAutoscalerBehavior{}}}
	v2.SetDefaults_HorizontalPodAutoscaler(a)
	v2.SetDefaults_HorizontalPodAutoscaler(b)
	a.Spec.Behavior.ScaleUp.Policies[0].Value = 99
	*a.Spec.Behavior.ScaleDown.SelectPolicy = v2.MinChangePolicySelect
	*a.Spec.Metrics[0].PodResource.Target.AverageUtilization = 1
	*a.Spec.MinReplicas = 7
	want := &v2.HorizontalPodAutoscaler{Spec: v2.HorizontalPodAutoscalerSpec{Behavior: &v2.HorizontalPodAutoscalerBehavior{}}}
	v2.SetDefaults_HorizontalPodAutoscaler(want)
	if diff := cmp.Diff(toJSON(t, want), toJSON(t, b)); diff != "" {
		t.Errorf("changing one defaulted object changed another (-want +got):\n%s", diff)
	}
}

// TestSchemaDefaultsAgreeWithGo checks that every default the CRD schema of v2 declares is the
// value SetDefaults_HorizontalPodAutoscaler gives in the same situation.
func TestSchemaDefaultsAgreeWithGo(t *testing.T) {
	data, err := os.ReadFile("../../config/crd/bases/autoscaling.mhpa.dev_horizontalpodautoscalers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		t.Fatal(err)
	}
	var spec apiextensionsv1.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Name == "v2" {
			spec = v.Schema.OpenAPIV3Schema.Properties["spec"]
		}
	}
	behavior := spec.Properties["behavior"]
	defaulted := &v2.HorizontalPodAutoscaler{Spec: v2.HorizontalPodAutoscalerSpec{Behavior: &v2.HorizontalPodAutoscalerBehavior{}}}
	v2.SetDefaults_HorizontalPodAutoscaler(defaulted)

	tests := map[string]struct {
		schema apiextensionsv1.JSONSchemaProps
		want   any
	}{
		"minReplicas":        {schema: spec.Properties["minReplicas"], want: *defaulted.Spec.MinReplicas},
		"metrics":            {schema: spec.Properties["metrics"], want: defaulted.Spec.Metrics},
		"behavior.scaleUp":   {schema: behavior.Properties["scaleUp"], want: defaulted.Spec.Behavior.ScaleUp},
		"behavior.scaleDown": {schema: behavior.Properties["scaleDown"], want: defaulted.Spec.Behavior.ScaleDown},
		"behavior.scaleUp.selectPolicy": {
			schema: behavior.Properties["scaleUp"].Properties["selectPolicy"],
			want:   v2.DefaultScaleUpRules(&v2.HPAScalingRules{Policies: []v2.HPAScalingPolicy{}}).SelectPolicy,
		},
		"behavior.scaleDown.selectPolicy": {
			schema: behavior.Properties["scaleDown"].Properties["selectPolicy"],
			want:   v2.DefaultScaleDownRules(&v2.HPAScalingRules{Policies: []v2.HPAScalingPolicy{}}).SelectPolicy,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.schema.Default == nil {
				t.Fatalf("the CRD schema of v2 has no default for spec.%s", name)
			}
			var got, want any
			if err := json.Unmarshal(tc.schema.Default.Raw, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(toJSON(t, tc.want)), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("schema default of spec.%s differs from Go defaulting (-go +schema):\n%s", name, diff)
			}
		})
	}
}
