package v2beta2

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/mhpa-dev/mhpa/api/internal/roundtrip"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Conversion between v2beta2 and the hub v2.
//
// v2beta2 has every field of v2 under its old names (metric source type and field "resource"
// for "podResource", selectPolicy Max, Min and Disabled for MaxChange, MinChange and
// ScalingDisabled) except these, which it carries in annotations:
//
//   - the subdomain of each metric: autoscaling.mhpa.dev/subdomains, aligned with spec.metrics;
//   - the shadow flag of each metric: autoscaling.mhpa.dev/shadow, aligned with spec.metrics;
//   - the shadow flag of a metric status: the whole status goes into
//     autoscaling.mhpa.dev/current-metrics at its index (null entries elsewhere);
//   - behavior tolerances: autoscaling.mhpa.dev/behavior holds a v2 behavior with only the
//     tolerances set, applied back only to the directions the v2beta2 behavior still has;
//   - reference, targets, lastDecision and history: autoscaling.mhpa.dev/status.
//
// A v2 value that v2beta2 cannot represent at all (an old name used in v2, which validation
// rejects) is written under its closest v2beta2 value and kept whole in
// autoscaling.mhpa.dev/metrics or current-metrics, following the rule of package roundtrip.

const (
	specMetricsPath   = "spec.metrics"
	statusMetricsPath = "status.currentMetrics"
)

var (
	metricSpecs = roundtrip.List[v2.MetricSpec, MetricSpec]{
		Down:  metricSpecFromHub,
		Up:    metricSpecToHub,
		Strip: roundtrip.StripSubdomainAndShadow,
	}
	metricStatuses = roundtrip.List[v2.MetricStatus, MetricStatus]{
		Down: metricStatusFromHub,
		Up:   metricStatusToHub,
	}
)

// ConvertTo converts this HorizontalPodAutoscaler to the hub version v2.
func (src *HorizontalPodAutoscaler) ConvertTo(dstRaw conversion.Hub) error {
	dst, ok := dstRaw.(*v2.HorizontalPodAutoscaler)
	if !ok {
		return fmt.Errorf("cannot convert autoscaling.mhpa.dev/v2beta2 HorizontalPodAutoscaler to %T", dstRaw)
	}
	annotations := src.Annotations
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()
	dst.Annotations = roundtrip.WithoutRoundTrip(annotations)

	// spec
	specEntries, err := roundtrip.GetAligned[v2.MetricSpec](annotations, v2.MetricsAnnotation,
		len(src.Spec.Metrics), specMetricsPath, roundtrip.MetricsWant(specMetricsPath))
	if err != nil {
		return err
	}
	subdomains, shadow, err := roundtrip.GetSubdomainsAndShadow(annotations, len(src.Spec.Metrics), specMetricsPath)
	if err != nil {
		return err
	}
	dst.Spec = v2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: v2.CrossVersionObjectReference(src.Spec.ScaleTargetRef),
		MinReplicas:    roundtrip.CopyInt32(src.Spec.MinReplicas),
		MaxReplicas:    src.Spec.MaxReplicas,
		Metrics:        metricSpecs.ToHub(src.Spec.Metrics, specEntries),
		Behavior:       behaviorToHub(src.Spec.Behavior),
	}
	for i := range dst.Spec.Metrics {
		roundtrip.ApplySubdomainAndShadow(&dst.Spec.Metrics[i], roundtrip.At(subdomains, i), roundtrip.At(shadow, i))
	}
	tolerances, err := roundtrip.GetBehavior(annotations)
	if err != nil {
		return err
	}
	applyTolerances(dst.Spec.Behavior, tolerances)

	// status
	statusEntries, err := roundtrip.GetAligned[v2.MetricStatus](annotations, v2.CurrentMetricsAnnotation,
		len(src.Status.CurrentMetrics), statusMetricsPath, roundtrip.CurrentMetricsWant(statusMetricsPath))
	if err != nil {
		return err
	}
	dst.Status = v2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: roundtrip.CopyInt64(src.Status.ObservedGeneration),
		LastScaleTime:      src.Status.LastScaleTime.DeepCopy(),
		CurrentReplicas:    src.Status.CurrentReplicas,
		DesiredReplicas:    src.Status.DesiredReplicas,
		CurrentMetrics:     metricStatuses.ToHub(src.Status.CurrentMetrics, statusEntries),
		Conditions:         conditionsToHub(src.Status.Conditions),
	}
	return roundtrip.GetStatus(annotations, &dst.Status)
}

// ConvertFrom converts from the hub version v2 to this version.
func (dst *HorizontalPodAutoscaler) ConvertFrom(srcRaw conversion.Hub) error {
	src, ok := srcRaw.(*v2.HorizontalPodAutoscaler)
	if !ok {
		return fmt.Errorf("cannot convert %T to autoscaling.mhpa.dev/v2beta2 HorizontalPodAutoscaler", srcRaw)
	}
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()
	annotations := roundtrip.WithoutRoundTrip(src.Annotations)

	// spec
	metrics, specEntries := metricSpecs.ToSpoke(src.Spec.Metrics)
	dst.Spec = HorizontalPodAutoscalerSpec{
		ScaleTargetRef: CrossVersionObjectReference(src.Spec.ScaleTargetRef),
		MinReplicas:    roundtrip.CopyInt32(src.Spec.MinReplicas),
		MaxReplicas:    src.Spec.MaxReplicas,
		Metrics:        metrics,
		Behavior:       behaviorFromHub(src.Spec.Behavior),
	}
	if err := roundtrip.PutAligned(&annotations, v2.MetricsAnnotation, specEntries); err != nil {
		return err
	}
	if err := roundtrip.PutSubdomainsAndShadow(&annotations, src.Spec.Metrics); err != nil {
		return err
	}
	if tolerances := tolerancesOf(src.Spec.Behavior); tolerances != nil {
		if err := roundtrip.Put(&annotations, v2.BehaviorAnnotation, tolerances); err != nil {
			return err
		}
	}

	// status
	currentMetrics, statusEntries := metricStatuses.ToSpoke(src.Status.CurrentMetrics)
	dst.Status = HorizontalPodAutoscalerStatus{
		ObservedGeneration: roundtrip.CopyInt64(src.Status.ObservedGeneration),
		LastScaleTime:      src.Status.LastScaleTime.DeepCopy(),
		CurrentReplicas:    src.Status.CurrentReplicas,
		DesiredReplicas:    src.Status.DesiredReplicas,
		CurrentMetrics:     currentMetrics,
		Conditions:         conditionsFromHub(src.Status.Conditions),
	}
	if err := roundtrip.PutAligned(&annotations, v2.CurrentMetricsAnnotation, statusEntries); err != nil {
		return err
	}
	if err := roundtrip.PutStatus(&annotations, &src.Status); err != nil {
		return err
	}
	dst.Annotations = annotations
	return nil
}

// metricSourceTypeToHub renames the source type "Resource" to "PodResource"; other types keep
// their names.
func metricSourceTypeToHub(t MetricSourceType) v2.MetricSourceType {
	if t == ResourceMetricSourceType {
		return v2.PodResourceMetricSourceType
	}
	return v2.MetricSourceType(t)
}

// metricSourceTypeFromHub renames the source type "PodResource" to "Resource"; other types
// keep their names.
func metricSourceTypeFromHub(t v2.MetricSourceType) MetricSourceType {
	if t == v2.PodResourceMetricSourceType {
		return ResourceMetricSourceType
	}
	return MetricSourceType(t)
}

func metricIdentifierToHub(in MetricIdentifier) v2.MetricIdentifier {
	return v2.MetricIdentifier{Name: in.Name, Selector: in.Selector.DeepCopy()}
}

func metricIdentifierFromHub(in v2.MetricIdentifier) MetricIdentifier {
	return MetricIdentifier{Name: in.Name, Selector: in.Selector.DeepCopy()}
}

func metricTargetToHub(in MetricTarget) v2.MetricTarget {
	return v2.MetricTarget{
		Type:               v2.MetricTargetType(in.Type),
		Value:              roundtrip.CopyQuantity(in.Value),
		AverageValue:       roundtrip.CopyQuantity(in.AverageValue),
		AverageUtilization: roundtrip.CopyInt32(in.AverageUtilization),
	}
}

func metricTargetFromHub(in v2.MetricTarget) MetricTarget {
	return MetricTarget{
		Type:               MetricTargetType(in.Type),
		Value:              roundtrip.CopyQuantity(in.Value),
		AverageValue:       roundtrip.CopyQuantity(in.AverageValue),
		AverageUtilization: roundtrip.CopyInt32(in.AverageUtilization),
	}
}

func metricValueStatusToHub(in MetricValueStatus) v2.MetricValueStatus {
	return v2.MetricValueStatus{
		Value:              roundtrip.CopyQuantity(in.Value),
		AverageValue:       roundtrip.CopyQuantity(in.AverageValue),
		AverageUtilization: roundtrip.CopyInt32(in.AverageUtilization),
	}
}

func metricValueStatusFromHub(in v2.MetricValueStatus) MetricValueStatus {
	return MetricValueStatus{
		Value:              roundtrip.CopyQuantity(in.Value),
		AverageValue:       roundtrip.CopyQuantity(in.AverageValue),
		AverageUtilization: roundtrip.CopyInt32(in.AverageUtilization),
	}
}

// metricSpecToHub converts every source that is set, whatever the type says, so that nothing
// is lost even on a metric that validation would reject.
func metricSpecToHub(in *MetricSpec) v2.MetricSpec {
	out := v2.MetricSpec{Type: metricSourceTypeToHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &v2.ObjectMetricSource{
			DescribedObject: v2.CrossVersionObjectReference(s.DescribedObject),
			Target:          metricTargetToHub(s.Target),
			Metric:          metricIdentifierToHub(s.Metric),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &v2.PodsMetricSource{Metric: metricIdentifierToHub(s.Metric), Target: metricTargetToHub(s.Target)}
	}
	if s := in.Resource; s != nil {
		out.PodResource = &v2.ResourceMetricSource{Name: s.Name, Target: metricTargetToHub(s.Target)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &v2.ContainerResourceMetricSource{
			Name:      s.Name,
			Target:    metricTargetToHub(s.Target),
			Container: s.Container,
		}
	}
	if s := in.External; s != nil {
		out.External = &v2.ExternalMetricSource{Metric: metricIdentifierToHub(s.Metric), Target: metricTargetToHub(s.Target)}
	}
	return out
}

// metricSpecFromHub converts every source that is set; subdomains and the shadow flag are
// left to their annotations.
func metricSpecFromHub(in *v2.MetricSpec) MetricSpec {
	out := MetricSpec{Type: metricSourceTypeFromHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &ObjectMetricSource{
			DescribedObject: CrossVersionObjectReference(s.DescribedObject),
			Target:          metricTargetFromHub(s.Target),
			Metric:          metricIdentifierFromHub(s.Metric),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &PodsMetricSource{Metric: metricIdentifierFromHub(s.Metric), Target: metricTargetFromHub(s.Target)}
	}
	if s := in.PodResource; s != nil {
		out.Resource = &ResourceMetricSource{Name: s.Name, Target: metricTargetFromHub(s.Target)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &ContainerResourceMetricSource{
			Name:      s.Name,
			Target:    metricTargetFromHub(s.Target),
			Container: s.Container,
		}
	}
	if s := in.External; s != nil {
		out.External = &ExternalMetricSource{Metric: metricIdentifierFromHub(s.Metric), Target: metricTargetFromHub(s.Target)}
	}
	return out
}

func metricStatusToHub(in *MetricStatus) v2.MetricStatus {
	out := v2.MetricStatus{Type: metricSourceTypeToHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &v2.ObjectMetricStatus{
			Metric:          metricIdentifierToHub(s.Metric),
			Current:         metricValueStatusToHub(s.Current),
			DescribedObject: v2.CrossVersionObjectReference(s.DescribedObject),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &v2.PodsMetricStatus{Metric: metricIdentifierToHub(s.Metric), Current: metricValueStatusToHub(s.Current)}
	}
	if s := in.Resource; s != nil {
		out.PodResource = &v2.ResourceMetricStatus{Name: s.Name, Current: metricValueStatusToHub(s.Current)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &v2.ContainerResourceMetricStatus{
			Name:      s.Name,
			Current:   metricValueStatusToHub(s.Current),
			Container: s.Container,
		}
	}
	if s := in.External; s != nil {
		out.External = &v2.ExternalMetricStatus{Metric: metricIdentifierToHub(s.Metric), Current: metricValueStatusToHub(s.Current)}
	}
	return out
}

func metricStatusFromHub(in *v2.MetricStatus) MetricStatus {
	out := MetricStatus{Type: metricSourceTypeFromHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &ObjectMetricStatus{
			Metric:          metricIdentifierFromHub(s.Metric),
			Current:         metricValueStatusFromHub(s.Current),
			DescribedObject: CrossVersionObjectReference(s.DescribedObject),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &PodsMetricStatus{Metric: metricIdentifierFromHub(s.Metric), Current: metricValueStatusFromHub(s.Current)}
	}
	if s := in.PodResource; s != nil {
		out.Resource = &ResourceMetricStatus{Name: s.Name, Current: metricValueStatusFromHub(s.Current)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &ContainerResourceMetricStatus{
			Name:      s.Name,
			Current:   metricValueStatusFromHub(s.Current),
			Container: s.Container,
		}
	}
	if s := in.External; s != nil {
		out.External = &ExternalMetricStatus{Metric: metricIdentifierFromHub(s.Metric), Current: metricValueStatusFromHub(s.Current)}
	}
	return out
}

// selectPolicyToHub renames Max, Min and Disabled to MaxChange, MinChange and
// ScalingDisabled; other values keep their names.
func selectPolicyToHub(p *ScalingPolicySelect) *v2.ScalingPolicySelect {
	if p == nil {
		return nil
	}
	var out v2.ScalingPolicySelect
	switch *p {
	case MaxPolicySelect:
		out = v2.MaxChangePolicySelect
	case MinPolicySelect:
		out = v2.MinChangePolicySelect
	case DisabledPolicySelect:
		out = v2.DisabledPolicySelect
	default:
		out = v2.ScalingPolicySelect(*p)
	}
	return &out
}

// selectPolicyFromHub renames MaxChange, MinChange and ScalingDisabled to Max, Min and
// Disabled; other values keep their names.
func selectPolicyFromHub(p *v2.ScalingPolicySelect) *ScalingPolicySelect {
	if p == nil {
		return nil
	}
	var out ScalingPolicySelect
	switch *p {
	case v2.MaxChangePolicySelect:
		out = MaxPolicySelect
	case v2.MinChangePolicySelect:
		out = MinPolicySelect
	case v2.DisabledPolicySelect:
		out = DisabledPolicySelect
	default:
		out = ScalingPolicySelect(*p)
	}
	return &out
}

func scalingRulesToHub(in *HPAScalingRules) *v2.HPAScalingRules {
	if in == nil {
		return nil
	}
	out := &v2.HPAScalingRules{
		StabilizationWindowSeconds: roundtrip.CopyInt32(in.StabilizationWindowSeconds),
		SelectPolicy:               selectPolicyToHub(in.SelectPolicy),
	}
	if in.Policies != nil {
		out.Policies = make([]v2.HPAScalingPolicy, len(in.Policies))
		for i, p := range in.Policies {
			out.Policies[i] = v2.HPAScalingPolicy{Type: v2.HPAScalingPolicyType(p.Type), Value: p.Value, PeriodSeconds: p.PeriodSeconds}
		}
	}
	return out
}

func scalingRulesFromHub(in *v2.HPAScalingRules) *HPAScalingRules {
	if in == nil {
		return nil
	}
	out := &HPAScalingRules{
		StabilizationWindowSeconds: roundtrip.CopyInt32(in.StabilizationWindowSeconds),
		SelectPolicy:               selectPolicyFromHub(in.SelectPolicy),
	}
	if in.Policies != nil {
		out.Policies = make([]HPAScalingPolicy, len(in.Policies))
		for i, p := range in.Policies {
			out.Policies[i] = HPAScalingPolicy{Type: HPAScalingPolicyType(p.Type), Value: p.Value, PeriodSeconds: p.PeriodSeconds}
		}
	}
	return out
}

func behaviorToHub(in *HorizontalPodAutoscalerBehavior) *v2.HorizontalPodAutoscalerBehavior {
	if in == nil {
		return nil
	}
	return &v2.HorizontalPodAutoscalerBehavior{ScaleUp: scalingRulesToHub(in.ScaleUp), ScaleDown: scalingRulesToHub(in.ScaleDown)}
}

func behaviorFromHub(in *v2.HorizontalPodAutoscalerBehavior) *HorizontalPodAutoscalerBehavior {
	if in == nil {
		return nil
	}
	return &HorizontalPodAutoscalerBehavior{ScaleUp: scalingRulesFromHub(in.ScaleUp), ScaleDown: scalingRulesFromHub(in.ScaleDown)}
}

// tolerancesOf returns a behavior that holds only the tolerances of in, or nil when in has
// none.
func tolerancesOf(in *v2.HorizontalPodAutoscalerBehavior) *v2.HorizontalPodAutoscalerBehavior {
	if in == nil {
		return nil
	}
	out := &v2.HorizontalPodAutoscalerBehavior{}
	if in.ScaleUp != nil && in.ScaleUp.Tolerance != nil {
		out.ScaleUp = &v2.HPAScalingRules{Tolerance: roundtrip.CopyQuantity(in.ScaleUp.Tolerance)}
	}
	if in.ScaleDown != nil && in.ScaleDown.Tolerance != nil {
		out.ScaleDown = &v2.HPAScalingRules{Tolerance: roundtrip.CopyQuantity(in.ScaleDown.Tolerance)}
	}
	if out.ScaleUp == nil && out.ScaleDown == nil {
		return nil
	}
	return out
}

// applyTolerances sets the tolerances of the behavior annotation on the directions that
// behavior has: a direction that a client removed keeps no tolerance.
func applyTolerances(behavior, tolerances *v2.HorizontalPodAutoscalerBehavior) {
	if behavior == nil || tolerances == nil {
		return
	}
	if behavior.ScaleUp != nil && tolerances.ScaleUp != nil {
		behavior.ScaleUp.Tolerance = roundtrip.CopyQuantity(tolerances.ScaleUp.Tolerance)
	}
	if behavior.ScaleDown != nil && tolerances.ScaleDown != nil {
		behavior.ScaleDown.Tolerance = roundtrip.CopyQuantity(tolerances.ScaleDown.Tolerance)
	}
}

func conditionsToHub(in []HorizontalPodAutoscalerCondition) []v2.HorizontalPodAutoscalerCondition {
	if in == nil {
		return nil
	}
	out := make([]v2.HorizontalPodAutoscalerCondition, len(in))
	for i, c := range in {
		out[i] = v2.HorizontalPodAutoscalerCondition{
			Type:               v2.HorizontalPodAutoscalerConditionType(c.Type),
			Status:             c.Status,
			LastTransitionTime: *c.LastTransitionTime.DeepCopy(),
			Reason:             c.Reason,
			Message:            c.Message,
		}
	}
	return out
}

func conditionsFromHub(in []v2.HorizontalPodAutoscalerCondition) []HorizontalPodAutoscalerCondition {
	if in == nil {
		return nil
	}
	out := make([]HorizontalPodAutoscalerCondition, len(in))
	for i, c := range in {
		out[i] = HorizontalPodAutoscalerCondition{
			Type:               HorizontalPodAutoscalerConditionType(c.Type),
			Status:             c.Status,
			LastTransitionTime: *c.LastTransitionTime.DeepCopy(),
			Reason:             c.Reason,
			Message:            c.Message,
		}
	}
	return out
}
