package validationtest

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Expected is one error an invalid object must be rejected with.
type Expected struct {
	// Path is the field path of the error, e.g. spec.metrics[0].type.
	Path string
	// Contains is a part of the error's message. Where the CRD schema or a CEL rule and the Go
	// validation both report an error, it is a part that both messages share.
	Contains string
}

// Case is one invalid HorizontalPodAutoscaler.
type Case struct {
	// Name is unique, and a valid object name.
	Name string
	// Mutate changes a valid object into the invalid one.
	Mutate func(*mhpav2.HorizontalPodAutoscaler)
	// MutateJSON, if set, changes the object after it is turned into JSON, for mistakes that the
	// Go types cannot hold (fields of older versions, unknown fields).
	MutateJSON func(obj map[string]any)
	// Errors are the errors the object must be rejected with.
	Errors []Expected
}

// Object returns the invalid object as JSON-shaped data: the valid object named c.Name, changed
// by c.Mutate and then c.MutateJSON.
func (c Case) Object() (map[string]any, error) {
	hpa := Valid(c.Name)
	if c.Mutate != nil {
		c.Mutate(hpa)
	}
	data, err := json.Marshal(hpa)
	if err != nil {
		return nil, err
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	if c.MutateJSON != nil {
		c.MutateJSON(obj)
	}
	return obj, nil
}

// Valid returns a valid v2 HorizontalPodAutoscaler named name, in no namespace: it scales the
// Deployment web between 1 and 10 replicas on 80% average CPU utilization.
func Valid(name string) *mhpav2.HorizontalPodAutoscaler {
	return &mhpav2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: mhpav2.GroupVersion.String(), Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: mhpav2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: mhpav2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](1),
			MaxReplicas:    10,
			Metrics:        []mhpav2.MetricSpec{CPUMetric(80)},
		},
	}
}

// CPUMetric is a PodResource metric on average CPU utilization.
func CPUMetric(utilization int32) mhpav2.MetricSpec {
	return mhpav2.MetricSpec{
		Type: mhpav2.PodResourceMetricSourceType,
		PodResource: &mhpav2.ResourceMetricSource{
			Name:   "cpu",
			Target: mhpav2.MetricTarget{Type: mhpav2.UtilizationMetricType, AverageUtilization: ptr.To(utilization)},
		},
	}
}

// ExternalMetric is an External metric queue_length with an average value of 30 per pod.
func ExternalMetric() mhpav2.MetricSpec {
	return mhpav2.MetricSpec{
		Type: mhpav2.ExternalMetricSourceType,
		External: &mhpav2.ExternalMetricSource{
			Metric: mhpav2.MetricIdentifier{Name: "queue_length"},
			Target: mhpav2.MetricTarget{Type: mhpav2.AverageValueMetricType, AverageValue: quantity("30")},
		},
	}
}

// ObjectMetric is an Object metric requests_per_second of the Ingress web, with a value of 100.
func ObjectMetric() mhpav2.MetricSpec {
	return mhpav2.MetricSpec{
		Type: mhpav2.ObjectMetricSourceType,
		Object: &mhpav2.ObjectMetricSource{
			DescribedObject: mhpav2.CrossVersionObjectReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "web"},
			Metric:          mhpav2.MetricIdentifier{Name: "requests_per_second"},
			Target:          mhpav2.MetricTarget{Type: mhpav2.ValueMetricType, Value: quantity("100")},
		},
	}
}

// PodsMetric is a Pods metric transactions_per_second with an average value of 10.
func PodsMetric() mhpav2.MetricSpec {
	return mhpav2.MetricSpec{
		Type: mhpav2.PodsMetricSourceType,
		Pods: &mhpav2.PodsMetricSource{
			Metric: mhpav2.MetricIdentifier{Name: "transactions_per_second"},
			Target: mhpav2.MetricTarget{Type: mhpav2.AverageValueMetricType, AverageValue: quantity("10")},
		},
	}
}

// ContainerMetric is a ContainerResource metric on the CPU of container app at 60% utilization.
func ContainerMetric() mhpav2.MetricSpec {
	return mhpav2.MetricSpec{
		Type: mhpav2.ContainerResourceMetricSourceType,
		ContainerResource: &mhpav2.ContainerResourceMetricSource{
			Name:      "cpu",
			Container: "app",
			Target:    mhpav2.MetricTarget{Type: mhpav2.UtilizationMetricType, AverageUtilization: ptr.To[int32](60)},
		},
	}
}

// Behavior is a complete behavior, as defaulting leaves it.
func Behavior() *mhpav2.HorizontalPodAutoscalerBehavior {
	rules := func(window int32) *mhpav2.HPAScalingRules {
		return &mhpav2.HPAScalingRules{
			StabilizationWindowSeconds: ptr.To(window),
			SelectPolicy:               ptr.To(mhpav2.MaxChangePolicySelect),
			Policies: []mhpav2.HPAScalingPolicy{
				{Type: mhpav2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
				{Type: mhpav2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
			},
		}
	}
	return &mhpav2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(0), ScaleDown: rules(300)}
}

func quantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

// withMetric replaces the metrics with m.
func withMetric(m mhpav2.MetricSpec, change func(*mhpav2.MetricSpec)) func(*mhpav2.HorizontalPodAutoscaler) {
	return func(h *mhpav2.HorizontalPodAutoscaler) {
		if change != nil {
			change(&m)
		}
		h.Spec.Metrics = []mhpav2.MetricSpec{m}
	}
}

// withScaleUp sets a complete behavior and changes its scaleUp rules.
func withScaleUp(change func(*mhpav2.HPAScalingRules)) func(*mhpav2.HorizontalPodAutoscaler) {
	return func(h *mhpav2.HorizontalPodAutoscaler) {
		h.Spec.Behavior = Behavior()
		change(h.Spec.Behavior.ScaleUp)
	}
}

// metric0 returns the JSON of spec.metrics[0].
func metric0(obj map[string]any) map[string]any {
	return obj["spec"].(map[string]any)["metrics"].([]any)[0].(map[string]any)
}

const (
	metricTypes   = `"ContainerResource", "External", "Object", "PodResource", "Pods"`
	selectPolicys = `"MaxChange", "MinChange", "ScalingDisabled"`
	dns1123Label  = `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
)

// Invalid returns the table of invalid objects.
func Invalid() []Case {
	m0 := "spec.metrics[0]"
	cases := []Case{
		{
			Name:   "min-replicas-negative",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](-1) },
			Errors: []Expected{{"spec.minReplicas", "greater than or equal to 0"}},
		},
		{
			Name:   "min-replicas-zero-with-resource-metric",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](0) },
			Errors: []Expected{{"spec.minReplicas", "may be 0 only when spec.metrics has at least one Object or External metric"}},
		},
		{
			Name: "min-replicas-zero-with-shadow-external-metric",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
				ext := ExternalMetric()
				ext.Shadow = true
				h.Spec.MinReplicas = ptr.To[int32](0)
				h.Spec.Metrics = append(h.Spec.Metrics, ext)
			},
			Errors: []Expected{{"spec.minReplicas", "that is not a shadow metric"}},
		},
		{
			Name:   "max-replicas-zero",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 },
			Errors: []Expected{
				{"spec.maxReplicas", "greater than or equal to 1"},
				{"spec.maxReplicas", "must be greater than or equal to minReplicas (1)"},
			},
		},
		{
			Name:   "max-replicas-below-min-replicas",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.MinReplicas, h.Spec.MaxReplicas = ptr.To[int32](5), 3 },
			Errors: []Expected{{"spec.maxReplicas", "must be greater than or equal to minReplicas (5)"}},
		},
		{
			Name:   "scale-target-kind-empty",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Kind = "" },
			Errors: []Expected{{"spec.scaleTargetRef.kind", "must be set to the kind of the object"}},
		},
		{
			Name:   "scale-target-name-empty",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "" },
			Errors: []Expected{{"spec.scaleTargetRef.name", "must be set to the name of the object"}},
		},
		{
			Name:   "scale-target-name-with-slash",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "web/v2" },
			Errors: []Expected{{"spec.scaleTargetRef.name", `Invalid value: "web/v2": may not contain '/'`}},
		},
		{
			Name:   "scale-target-name-dot-dot",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = ".." },
			Errors: []Expected{{"spec.scaleTargetRef.name", `Invalid value: "..": may not be '..'`}},
		},
		{
			Name:   "scale-target-api-version-without-group",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.APIVersion = "v1" },
			Errors: []Expected{{"spec.scaleTargetRef.apiVersion", `Invalid value: "v1": must name an API group`}},
		},
		{
			Name:   "scale-target-api-version-empty",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.APIVersion = "" },
			Errors: []Expected{{"spec.scaleTargetRef.apiVersion", "must name an API group"}},
		},
		{
			Name:   "scale-target-api-version-malformed",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.APIVersion = "apps/v1/beta" },
			Errors: []Expected{{"spec.scaleTargetRef.apiVersion", `Invalid value: "apps/v1/beta": must be group/version`}},
		},
		{
			Name:   "metric-type-empty",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.Type = "" }),
			Errors: []Expected{{m0 + ".type", metricTypes}},
		},
		{
			Name:   "metric-type-unknown",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.Type = "Custom" }),
			Errors: []Expected{{m0 + ".type", `"Custom": supported values: ` + metricTypes}},
		},
		{
			Name:   "metric-type-resource-renamed",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.Type = "Resource" }),
			Errors: []Expected{{m0 + ".type", `"Resource": renamed to "PodResource" in autoscaling.mhpa.dev/v2; supported values: ` + metricTypes}},
		},
		{
			Name: "metric-field-resource-renamed",
			MutateJSON: func(obj map[string]any) {
				m := metric0(obj)
				m["resource"] = m["podResource"]
				delete(m, "podResource")
			},
			Errors: []Expected{
				{m0 + ".resource", `unknown field "resource": renamed to "podResource" in autoscaling.mhpa.dev/v2`},
				{m0 + ".podResource", `must be set when type is "PodResource"`},
			},
		},
		{
			Name:       "metric-field-unknown",
			MutateJSON: func(obj map[string]any) { metric0(obj)["weight"] = int64(2) },
			Errors:     []Expected{{m0 + ".weight", `unknown field "weight": allowed fields are "containerResource", "external", "object", "podResource", "pods", "shadow", "type"`}},
		},
		{
			Name:   "metric-source-missing",
			Mutate: withMetric(PodsMetric(), func(m *mhpav2.MetricSpec) { m.Pods = nil }),
			Errors: []Expected{{m0 + ".pods", `must be set when type is "Pods"`}},
		},
		{
			Name:   "metric-two-sources",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.External = ExternalMetric().External }),
			Errors: []Expected{{m0 + ".external", `must not be set when type is "PodResource"`}},
		},
		{
			Name:   "object-described-object-kind-empty",
			Mutate: withMetric(ObjectMetric(), func(m *mhpav2.MetricSpec) { m.Object.DescribedObject.Kind = "" }),
			Errors: []Expected{{m0 + ".object.describedObject.kind", "must be set to the kind of the object"}},
		},
		{
			Name:   "object-described-object-api-version-malformed",
			Mutate: withMetric(ObjectMetric(), func(m *mhpav2.MetricSpec) { m.Object.DescribedObject.APIVersion = "a/b/c" }),
			Errors: []Expected{{m0 + ".object.describedObject.apiVersion", `Invalid value: "a/b/c": must be group/version`}},
		},
		{
			Name:   "object-metric-name-empty",
			Mutate: withMetric(ObjectMetric(), func(m *mhpav2.MetricSpec) { m.Object.Metric.Name = "" }),
			Errors: []Expected{{m0 + ".object.metric.name", "must be set to the name of the metric"}},
		},
		{
			Name:   "object-target-without-value",
			Mutate: withMetric(ObjectMetric(), func(m *mhpav2.MetricSpec) { m.Object.Target.Value = nil }),
			Errors: []Expected{{m0 + ".object.target.averageValue", "must set either value or averageValue for an Object metric"}},
		},
		{
			Name:   "object-target-value-zero",
			Mutate: withMetric(ObjectMetric(), func(m *mhpav2.MetricSpec) { m.Object.Target.Value = quantity("0") }),
			Errors: []Expected{{m0 + ".object.target.value", `Invalid value: "0": must be a quantity greater than 0`}},
		},
		{
			Name:   "object-subdomain-uppercase",
			Mutate: withMetric(ObjectMetric(), func(m *mhpav2.MetricSpec) { m.Object.Subdomain = "TenantA" }),
			Errors: []Expected{{m0 + ".object.subdomain", `Invalid value: "TenantA"`}, {m0 + ".object.subdomain", dns1123Label}},
		},
		{
			Name:   "pods-target-without-average-value",
			Mutate: withMetric(PodsMetric(), func(m *mhpav2.MetricSpec) { m.Pods.Target.AverageValue, m.Pods.Target.Value = nil, quantity("10") }),
			Errors: []Expected{{m0 + ".pods.target.averageValue", "must be set to a positive quantity for a Pods metric"}},
		},
		{
			Name:   "pods-metric-name-with-slash",
			Mutate: withMetric(PodsMetric(), func(m *mhpav2.MetricSpec) { m.Pods.Metric.Name = "http/requests" }),
			Errors: []Expected{{m0 + ".pods.metric.name", `Invalid value: "http/requests": may not contain '/'`}},
		},
		{
			Name: "pods-metric-selector-invalid-operator",
			Mutate: withMetric(PodsMetric(), func(m *mhpav2.MetricSpec) {
				m.Pods.Metric.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: "Equals", Values: []string{"web"}},
				}}
			}),
			Errors: []Expected{{m0 + ".pods.metric.selector.matchExpressions[0].operator", `Invalid value: "Equals": not a valid selector operator`}},
		},
		{
			Name:   "pods-subdomain-too-long",
			Mutate: withMetric(PodsMetric(), func(m *mhpav2.MetricSpec) { m.Pods.Subdomain = strings.Repeat("a", 64) }),
			Errors: []Expected{{m0 + ".pods.subdomain", "63"}},
		},
		{
			Name:   "pod-resource-name-empty",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.PodResource.Name = "" }),
			Errors: []Expected{{m0 + ".podResource.name", "must be set to a resource name"}},
		},
		{
			Name:   "pod-resource-target-without-values",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.PodResource.Target.AverageUtilization = nil }),
			Errors: []Expected{{m0 + ".podResource.target.averageUtilization", "must set either averageUtilization (percent of requests) or averageValue"}},
		},
		{
			Name:   "pod-resource-target-with-both-values",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.PodResource.Target.AverageValue = quantity("500m") }),
			Errors: []Expected{{m0 + ".podResource.target.averageValue", "must not be set together with averageUtilization"}},
		},
		{
			Name:   "pod-resource-utilization-zero",
			Mutate: withMetric(CPUMetric(0), nil),
			Errors: []Expected{{m0 + ".podResource.target.averageUtilization", "greater than or equal to 1"}},
		},
		{
			Name:   "pod-resource-target-type-unknown",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.PodResource.Target.Type = "Percent" }),
			Errors: []Expected{{m0 + ".podResource.target.type", `Unsupported value: "Percent": supported values: "Utilization", "Value", "AverageValue"`}},
		},
		{
			Name:   "container-resource-container-empty",
			Mutate: withMetric(ContainerMetric(), func(m *mhpav2.MetricSpec) { m.ContainerResource.Container = "" }),
			Errors: []Expected{{m0 + ".containerResource.container", "must be set to the name of a container"}},
		},
		{
			Name:   "container-resource-container-invalid",
			Mutate: withMetric(ContainerMetric(), func(m *mhpav2.MetricSpec) { m.ContainerResource.Container = "Main_App" }),
			Errors: []Expected{{m0 + ".containerResource.container", `Invalid value: "Main_App": a lowercase RFC 1123 label`}},
		},
		{
			Name:   "container-resource-name-not-for-containers",
			Mutate: withMetric(ContainerMetric(), func(m *mhpav2.MetricSpec) { m.ContainerResource.Name = "pods" }),
			Errors: []Expected{{m0 + ".containerResource.name", `Invalid value: "pods": must be a standard resource for containers`}},
		},
		{
			Name:   "pod-resource-subdomain-custom",
			Mutate: withMetric(CPUMetric(80), func(m *mhpav2.MetricSpec) { m.PodResource.Subdomain = "custom" }),
			Errors: []Expected{{m0 + ".podResource.subdomain", `Invalid value: "custom": for the resource metrics API it names group custom.metrics.k8s.io`}},
		},
		{
			Name:   "container-resource-subdomain-external",
			Mutate: withMetric(ContainerMetric(), func(m *mhpav2.MetricSpec) { m.ContainerResource.Subdomain = "external" }),
			Errors: []Expected{{m0 + ".containerResource.subdomain", "names group external.metrics.k8s.io, which is the external metrics API"}},
		},
		{
			Name:   "container-resource-subdomain-with-dot",
			Mutate: withMetric(ContainerMetric(), func(m *mhpav2.MetricSpec) { m.ContainerResource.Subdomain = "tenant.a" }),
			Errors: []Expected{{m0 + ".containerResource.subdomain", `Invalid value: "tenant.a"`}, {m0 + ".containerResource.subdomain", dns1123Label}},
		},
		{
			Name:   "external-target-with-both-values",
			Mutate: withMetric(ExternalMetric(), func(m *mhpav2.MetricSpec) { m.External.Target.Value = quantity("100") }),
			Errors: []Expected{{m0 + ".external.target.value", "must not be set together with averageValue"}},
		},
		{
			Name:   "external-target-without-values",
			Mutate: withMetric(ExternalMetric(), func(m *mhpav2.MetricSpec) { m.External.Target.AverageValue = nil }),
			Errors: []Expected{{m0 + ".external.target.averageValue", "must set either value (for the metric) or averageValue (per pod)"}},
		},
		{
			Name:   "external-target-average-value-negative",
			Mutate: withMetric(ExternalMetric(), func(m *mhpav2.MetricSpec) { m.External.Target.AverageValue = quantity("-1") }),
			Errors: []Expected{{m0 + ".external.target.averageValue", `Invalid value: "-1": must be a quantity greater than 0`}},
		},
		{
			Name:   "external-subdomain-leading-dash",
			Mutate: withMetric(ExternalMetric(), func(m *mhpav2.MetricSpec) { m.External.Subdomain = "-tenant" }),
			Errors: []Expected{{m0 + ".external.subdomain", `Invalid value: "-tenant"`}, {m0 + ".external.subdomain", dns1123Label}},
		},
		{
			Name:   "behavior-stabilization-window-negative",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.StabilizationWindowSeconds = ptr.To[int32](-1) }),
			Errors: []Expected{{"spec.behavior.scaleUp.stabilizationWindowSeconds", "greater than or equal to 0"}},
		},
		{
			Name:   "behavior-stabilization-window-too-long",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.StabilizationWindowSeconds = ptr.To[int32](3601) }),
			Errors: []Expected{{"spec.behavior.scaleUp.stabilizationWindowSeconds", "less than or equal to 3600"}},
		},
		{
			Name:   "behavior-policy-type-unknown",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.Policies[0].Type = "Replicas" }),
			Errors: []Expected{{"spec.behavior.scaleUp.policies[0].type", `Unsupported value: "Replicas": supported values: "Pods", "Percent"`}},
		},
		{
			Name:   "behavior-policy-value-zero",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.Policies[1].Value = 0 }),
			Errors: []Expected{{"spec.behavior.scaleUp.policies[1].value", "greater than or equal to 1"}},
		},
		{
			Name:   "behavior-policy-period-zero",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.Policies[0].PeriodSeconds = 0 }),
			Errors: []Expected{{"spec.behavior.scaleUp.policies[0].periodSeconds", "greater than or equal to 1"}},
		},
		{
			Name:   "behavior-policy-period-too-long",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.Policies[0].PeriodSeconds = 1801 }),
			Errors: []Expected{{"spec.behavior.scaleUp.policies[0].periodSeconds", "less than or equal to 1800"}},
		},
		{
			Name:   "behavior-tolerance-negative",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.Tolerance = quantity("-0.05") }),
			Errors: []Expected{{"spec.behavior.scaleUp.tolerance", `Invalid value: "-50m": must be greater than or equal to 0`}},
		},
		{
			// An empty list counts as set, so defaulting leaves it (and validation rejects it);
			// no policies at all would be defaulted.
			Name:   "behavior-with-empty-policies",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) {}),
			MutateJSON: func(obj map[string]any) {
				obj["spec"].(map[string]any)["behavior"].(map[string]any)["scaleUp"].(map[string]any)["policies"] = []any{}
			},
			Errors: []Expected{{"spec.behavior.scaleUp.policies", "must have at least one policy"}},
		},
		{
			Name:   "behavior-select-policy-unknown",
			Mutate: withScaleUp(func(r *mhpav2.HPAScalingRules) { r.SelectPolicy = ptr.To[mhpav2.ScalingPolicySelect]("Random") }),
			Errors: []Expected{{"spec.behavior.scaleUp.selectPolicy", `"Random": supported values: ` + selectPolicys}},
		},
	}
	// The select policies that v2 renamed.
	for _, r := range []struct{ old, renamed string }{{"Max", "MaxChange"}, {"Min", "MinChange"}, {"Disabled", "ScalingDisabled"}} {
		cases = append(cases, Case{
			Name: "behavior-select-policy-" + strings.ToLower(r.old) + "-renamed",
			Mutate: func(h *mhpav2.HorizontalPodAutoscaler) {
				h.Spec.Behavior = Behavior()
				h.Spec.Behavior.ScaleDown.SelectPolicy = ptr.To(mhpav2.ScalingPolicySelect(r.old))
			},
			Errors: []Expected{{"spec.behavior.scaleDown.selectPolicy",
				fmt.Sprintf(`Invalid value: %q: renamed to %q in autoscaling.mhpa.dev/v2; supported values: %s`, r.old, r.renamed, selectPolicys)}},
		})
	}
	return cases
}
