package builtin

import (
	"encoding/json"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Annotations of upstream's autoscaling/v1 that carry what autoscaling/v1 has no field for.
const (
	// AlphaMetricsAnnotation holds the metrics other than the CPU utilization target, as a JSON
	// list of autoscaling/v1 MetricSpec.
	AlphaMetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics"
	// AlphaBehaviorAnnotation holds spec.behavior as JSON.
	AlphaBehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior"
)

// alphaAnnotations are upstream's round-trip annotations of autoscaling/v1. They describe the
// object they were written on and are dropped by the conversion, as upstream drops them.
var alphaAnnotations = []string{
	AlphaMetricsAnnotation,
	AlphaBehaviorAnnotation,
	"autoscaling.alpha.kubernetes.io/current-metrics",
	"autoscaling.alpha.kubernetes.io/conditions",
	"autoscaling.alpha.kubernetes.io/scale-down-tolerance",
	"autoscaling.alpha.kubernetes.io/scale-up-tolerance",
}

// Convert converts a built-in autoscaling/v1 or autoscaling/v2 HorizontalPodAutoscaler to
// autoscaling.mhpa.dev/v2.
func Convert(obj runtime.Object) (*v2.HorizontalPodAutoscaler, error) {
	switch o := obj.(type) {
	case *autoscalingv2.HorizontalPodAutoscaler:
		return FromV2(o)
	case *autoscalingv1.HorizontalPodAutoscaler:
		return FromV1(o)
	}
	return nil, fmt.Errorf("cannot convert %T: only autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers are built-in autoscalers", obj)
}

// FromV2 converts a built-in autoscaling/v2 HorizontalPodAutoscaler to
// autoscaling.mhpa.dev/v2. It does not modify in.
func FromV2(in *autoscalingv2.HorizontalPodAutoscaler) (*v2.HorizontalPodAutoscaler, error) {
	out := newHub(&in.ObjectMeta)
	out.Spec = v2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: v2.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
		MinReplicas:    copyInt32(in.Spec.MinReplicas),
		MaxReplicas:    in.Spec.MaxReplicas,
		Behavior:       behaviorToHub(in.Spec.Behavior),
	}
	if in.Spec.Metrics != nil {
		out.Spec.Metrics = make([]v2.MetricSpec, len(in.Spec.Metrics))
		for i := range in.Spec.Metrics {
			out.Spec.Metrics[i] = MetricSpecToHub(&in.Spec.Metrics[i])
		}
	}
	if err := applySubdomains(in.Annotations, out); err != nil {
		return nil, err
	}
	return out, nil
}

// FromV1 converts a built-in autoscaling/v1 HorizontalPodAutoscaler to
// autoscaling.mhpa.dev/v2, with the metrics and behavior that upstream keeps in its alpha
// annotations. It does not modify in.
func FromV1(in *autoscalingv1.HorizontalPodAutoscaler) (*v2.HorizontalPodAutoscaler, error) {
	out := newHub(&in.ObjectMeta)
	out.Spec = v2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: v2.CrossVersionObjectReference(in.Spec.ScaleTargetRef),
		MinReplicas:    copyInt32(in.Spec.MinReplicas),
		MaxReplicas:    in.Spec.MaxReplicas,
	}
	annotations := field.NewPath("metadata", "annotations")
	if raw, ok := in.Annotations[AlphaMetricsAnnotation]; ok {
		var list []autoscalingv1.MetricSpec
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return nil, field.Invalid(annotations.Key(AlphaMetricsAnnotation), raw,
				"must be a JSON list of autoscaling/v1 MetricSpec (as upstream writes it): "+err.Error())
		}
		for i := range list {
			out.Spec.Metrics = append(out.Spec.Metrics, alphaMetricToHub(&list[i]))
		}
	}
	// As upstream: the CPU target comes after the metrics of the annotation.
	if in.Spec.TargetCPUUtilizationPercentage != nil {
		u := *in.Spec.TargetCPUUtilizationPercentage
		out.Spec.Metrics = append(out.Spec.Metrics, v2.MetricSpec{
			Type: v2.PodResourceMetricSourceType,
			PodResource: &v2.ResourceMetricSource{
				Name:   corev1.ResourceCPU,
				Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: &u},
			},
		})
	}
	if raw, ok := in.Annotations[AlphaBehaviorAnnotation]; ok {
		// Upstream writes its internal type, whose JSON keys are capitalized; decoding
		// matches them case-insensitively.
		var b autoscalingv2.HorizontalPodAutoscalerBehavior
		if err := json.Unmarshal([]byte(raw), &b); err != nil {
			return nil, field.Invalid(annotations.Key(AlphaBehaviorAnnotation), raw,
				"must be a JSON object with scaleUp and scaleDown rules (autoscaling/v2 HorizontalPodAutoscalerBehavior): "+err.Error())
		}
		if b != (autoscalingv2.HorizontalPodAutoscalerBehavior{}) {
			out.Spec.Behavior = behaviorToHub(&b)
		}
	}
	if err := applySubdomains(in.Annotations, out); err != nil {
		return nil, err
	}
	return out, nil
}

// newHub returns a v2 object with a copy of meta, without the annotations the conversion
// consumes.
func newHub(meta *metav1.ObjectMeta) *v2.HorizontalPodAutoscaler {
	out := &v2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: v2.GroupVersion.String(), Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: *meta.DeepCopy(),
	}
	if out.Annotations != nil {
		delete(out.Annotations, v2.SubdomainsAnnotation)
		for _, k := range alphaAnnotations {
			delete(out.Annotations, k)
		}
		if len(out.Annotations) == 0 {
			out.Annotations = nil
		}
	}
	return out
}

// applySubdomains sets each metric's subdomain from the autoscaling.mhpa.dev/subdomains
// annotation, a JSON list of strings aligned with spec.metrics ("" for the default group).
func applySubdomains(annotations map[string]string, out *v2.HorizontalPodAutoscaler) error {
	raw, ok := annotations[v2.SubdomainsAnnotation]
	if !ok {
		return nil
	}
	path := field.NewPath("metadata", "annotations").Key(v2.SubdomainsAnnotation)
	var subdomains []string
	if err := json.Unmarshal([]byte(raw), &subdomains); err != nil {
		return field.Invalid(path, raw, fmt.Sprintf("must be a JSON list of %d strings, one per entry of spec.metrics (\"\" for the default metrics API group): %v", len(out.Spec.Metrics), err))
	}
	if len(subdomains) != len(out.Spec.Metrics) {
		return field.Invalid(path, raw, fmt.Sprintf("has %d entries, must have %d: one per entry of spec.metrics, in order (\"\" for the default metrics API group)", len(subdomains), len(out.Spec.Metrics)))
	}
	for i, s := range subdomains {
		m := &out.Spec.Metrics[i]
		switch {
		case m.PodResource != nil:
			m.PodResource.Subdomain = s
		case m.ContainerResource != nil:
			m.ContainerResource.Subdomain = s
		case m.Pods != nil:
			m.Pods.Subdomain = s
		case m.Object != nil:
			m.Object.Subdomain = s
		case m.External != nil:
			m.External.Subdomain = s
		case s != "":
			return field.Invalid(path.Index(i), s, fmt.Sprintf("spec.metrics[%d] has no metric source to set a subdomain on", i))
		}
	}
	return nil
}

// MetricSourceTypeToHub returns the autoscaling.mhpa.dev/v2 name of a built-in metric source
// type: Resource becomes PodResource, the others keep their names.
func MetricSourceTypeToHub(t autoscalingv2.MetricSourceType) v2.MetricSourceType {
	if t == autoscalingv2.ResourceMetricSourceType {
		return v2.PodResourceMetricSourceType
	}
	return v2.MetricSourceType(t)
}

// SelectPolicyToHub returns the autoscaling.mhpa.dev/v2 name of a built-in selectPolicy: Max,
// Min and Disabled become MaxChange, MinChange and ScalingDisabled; other values are kept, for
// validation to reject.
func SelectPolicyToHub(p autoscalingv2.ScalingPolicySelect) v2.ScalingPolicySelect {
	switch p {
	case autoscalingv2.MaxChangePolicySelect:
		return v2.MaxChangePolicySelect
	case autoscalingv2.MinChangePolicySelect:
		return v2.MinChangePolicySelect
	case autoscalingv2.DisabledPolicySelect:
		return v2.DisabledPolicySelect
	}
	return v2.ScalingPolicySelect(p)
}

// MetricSpecToHub converts one built-in autoscaling/v2 metric to autoscaling.mhpa.dev/v2.
func MetricSpecToHub(in *autoscalingv2.MetricSpec) v2.MetricSpec {
	out := v2.MetricSpec{Type: MetricSourceTypeToHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &v2.ObjectMetricSource{
			DescribedObject: v2.CrossVersionObjectReference(s.DescribedObject),
			Target:          targetToHub(s.Target),
			Metric:          identifierToHub(s.Metric),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &v2.PodsMetricSource{Metric: identifierToHub(s.Metric), Target: targetToHub(s.Target)}
	}
	if s := in.Resource; s != nil {
		out.PodResource = &v2.ResourceMetricSource{Name: s.Name, Target: targetToHub(s.Target)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &v2.ContainerResourceMetricSource{Name: s.Name, Container: s.Container, Target: targetToHub(s.Target)}
	}
	if s := in.External; s != nil {
		out.External = &v2.ExternalMetricSource{Metric: identifierToHub(s.Metric), Target: targetToHub(s.Target)}
	}
	return out
}

// alphaMetricToHub converts a metric of upstream's autoscaling/v1 alpha annotation, as
// upstream's conversion does.
func alphaMetricToHub(in *autoscalingv1.MetricSpec) v2.MetricSpec {
	out := v2.MetricSpec{Type: MetricSourceTypeToHub(autoscalingv2.MetricSourceType(in.Type))}
	if s := in.Object; s != nil {
		t := v2.MetricTarget{Type: v2.ValueMetricType, Value: copyQuantity(&s.TargetValue)}
		if s.AverageValue != nil {
			t = v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: copyQuantity(s.AverageValue)}
			if !s.TargetValue.IsZero() {
				t.Value = copyQuantity(&s.TargetValue)
			}
		}
		out.Object = &v2.ObjectMetricSource{
			DescribedObject: v2.CrossVersionObjectReference(s.Target),
			Target:          t,
			Metric:          v2.MetricIdentifier{Name: s.MetricName, Selector: s.Selector.DeepCopy()},
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &v2.PodsMetricSource{
			Metric: v2.MetricIdentifier{Name: s.MetricName, Selector: s.Selector.DeepCopy()},
			Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: copyQuantity(&s.TargetAverageValue)},
		}
	}
	if s := in.Resource; s != nil {
		out.PodResource = &v2.ResourceMetricSource{Name: s.Name, Target: resourceTarget(s.TargetAverageUtilization, s.TargetAverageValue)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &v2.ContainerResourceMetricSource{Name: s.Name, Container: s.Container,
			Target: resourceTarget(s.TargetAverageUtilization, s.TargetAverageValue)}
	}
	if s := in.External; s != nil {
		t := v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: copyQuantity(s.TargetAverageValue)}
		if s.TargetValue != nil {
			t.Type, t.Value = v2.ValueMetricType, copyQuantity(s.TargetValue)
		}
		out.External = &v2.ExternalMetricSource{
			Metric: v2.MetricIdentifier{Name: s.MetricName, Selector: s.MetricSelector.DeepCopy()},
			Target: t,
		}
	}
	return out
}

func resourceTarget(utilization *int32, average *resource.Quantity) v2.MetricTarget {
	if utilization != nil {
		return v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: copyInt32(utilization), AverageValue: copyQuantity(average)}
	}
	return v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: copyQuantity(average)}
}

func targetToHub(in autoscalingv2.MetricTarget) v2.MetricTarget {
	return v2.MetricTarget{
		Type:               v2.MetricTargetType(in.Type),
		Value:              copyQuantity(in.Value),
		AverageValue:       copyQuantity(in.AverageValue),
		AverageUtilization: copyInt32(in.AverageUtilization),
	}
}

func identifierToHub(in autoscalingv2.MetricIdentifier) v2.MetricIdentifier {
	return v2.MetricIdentifier{Name: in.Name, Selector: in.Selector.DeepCopy()}
}

func behaviorToHub(in *autoscalingv2.HorizontalPodAutoscalerBehavior) *v2.HorizontalPodAutoscalerBehavior {
	if in == nil {
		return nil
	}
	return &v2.HorizontalPodAutoscalerBehavior{ScaleUp: rulesToHub(in.ScaleUp), ScaleDown: rulesToHub(in.ScaleDown)}
}

func rulesToHub(in *autoscalingv2.HPAScalingRules) *v2.HPAScalingRules {
	if in == nil {
		return nil
	}
	out := &v2.HPAScalingRules{
		StabilizationWindowSeconds: copyInt32(in.StabilizationWindowSeconds),
		Tolerance:                  copyQuantity(in.Tolerance),
	}
	if in.SelectPolicy != nil {
		p := SelectPolicyToHub(*in.SelectPolicy)
		out.SelectPolicy = &p
	}
	if in.Policies != nil {
		out.Policies = make([]v2.HPAScalingPolicy, len(in.Policies))
		for i, p := range in.Policies {
			out.Policies[i] = v2.HPAScalingPolicy{Type: v2.HPAScalingPolicyType(p.Type), Value: p.Value, PeriodSeconds: p.PeriodSeconds}
		}
	}
	return out
}

func copyInt32(p *int32) *int32 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyQuantity(q *resource.Quantity) *resource.Quantity {
	if q == nil {
		return nil
	}
	c := q.DeepCopy()
	return &c
}
