package v2beta1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/mhpa-dev/mhpa/api/internal/roundtrip"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Conversion between v2beta1 and the hub v2.
//
// v2beta1 describes a metric target with fields of its own instead of a MetricTarget:
//
//   - object: targetValue (required) and averageValue. Type Value when averageValue is not
//     set, else AverageValue; a targetValue of 0 next to an averageValue means "no value".
//   - pods: targetAverageValue (required), type AverageValue.
//   - resource, containerResource: targetAverageUtilization and targetAverageValue; type
//     Utilization when targetAverageUtilization is set, else AverageValue.
//   - external: targetValue and targetAverageValue; type Value when targetValue is set, else
//     AverageValue.
//
// Metric statuses likewise (currentValue, currentAverageValue, currentAverageUtilization).
//
// A v2 target or status that these fields cannot represent (a target type other than the one
// the fields imply, such as Utilization on a pods or object metric; a value field that the
// source has no place for, such as averageUtilization on an external metric; a missing value
// where v2beta1 requires one) is written with the fields v2beta1 has (a missing required
// quantity reads as 0), and the whole v2 metric goes into autoscaling.mhpa.dev/metrics (or
// current-metrics) at its index, following the rule of package roundtrip: it is restored on
// the way back as long as the v2beta1 fields are unchanged.
//
// v2beta1 has no behavior (autoscaling.mhpa.dev/behavior holds all of it), no subdomains
// (autoscaling.mhpa.dev/subdomains), no shadow flags (autoscaling.mhpa.dev/shadow for specs,
// current-metrics for statuses) and none of mhpa's own status fields
// (autoscaling.mhpa.dev/status).

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
		return fmt.Errorf("cannot convert autoscaling.mhpa.dev/v2beta1 HorizontalPodAutoscaler to %T", dstRaw)
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
	behavior, err := roundtrip.GetBehavior(annotations)
	if err != nil {
		return err
	}
	dst.Spec = v2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: v2.CrossVersionObjectReference(src.Spec.ScaleTargetRef),
		MinReplicas:    roundtrip.CopyInt32(src.Spec.MinReplicas),
		MaxReplicas:    src.Spec.MaxReplicas,
		Metrics:        metricSpecs.ToHub(src.Spec.Metrics, specEntries),
		Behavior:       behavior,
	}
	for i := range dst.Spec.Metrics {
		roundtrip.ApplySubdomainAndShadow(&dst.Spec.Metrics[i], roundtrip.At(subdomains, i), roundtrip.At(shadow, i))
	}

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
		return fmt.Errorf("cannot convert %T to autoscaling.mhpa.dev/v2beta1 HorizontalPodAutoscaler", srcRaw)
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
	}
	if err := roundtrip.PutAligned(&annotations, v2.MetricsAnnotation, specEntries); err != nil {
		return err
	}
	if err := roundtrip.PutSubdomainsAndShadow(&annotations, src.Spec.Metrics); err != nil {
		return err
	}
	if err := roundtrip.PutBehavior(&annotations, src.Spec.Behavior); err != nil {
		return err
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

// valueOf returns *q, or a zero quantity for a field that v2beta1 requires but v2 left unset.
func valueOf(q *resource.Quantity) resource.Quantity {
	if q == nil {
		return resource.Quantity{}
	}
	return q.DeepCopy()
}

// pointerTo returns a pointer to a copy of q.
func pointerTo(q resource.Quantity) *resource.Quantity {
	v := q.DeepCopy()
	return &v
}

// utilizationOrAverageValue is the v2 target of resource and containerResource metrics.
func utilizationOrAverageValue(utilization *int32, averageValue *resource.Quantity) v2.MetricTarget {
	t := v2.MetricTarget{
		Type:               v2.AverageValueMetricType,
		AverageValue:       roundtrip.CopyQuantity(averageValue),
		AverageUtilization: roundtrip.CopyInt32(utilization),
	}
	if utilization != nil {
		t.Type = v2.UtilizationMetricType
	}
	return t
}

// metricSpecToHub converts every source that is set, whatever the type says, so that nothing
// is lost even on a metric that validation would reject.
func metricSpecToHub(in *MetricSpec) v2.MetricSpec {
	out := v2.MetricSpec{Type: metricSourceTypeToHub(in.Type)}
	if s := in.Object; s != nil {
		target := v2.MetricTarget{Type: v2.ValueMetricType, Value: pointerTo(s.TargetValue)}
		if s.AverageValue != nil {
			target.Type = v2.AverageValueMetricType
			target.AverageValue = roundtrip.CopyQuantity(s.AverageValue)
			// v2beta1 cannot leave targetValue out: 0 next to an averageValue means unset.
			if s.TargetValue.IsZero() {
				target.Value = nil
			}
		}
		out.Object = &v2.ObjectMetricSource{
			DescribedObject: v2.CrossVersionObjectReference(s.Target),
			Target:          target,
			Metric:          v2.MetricIdentifier{Name: s.MetricName, Selector: s.Selector.DeepCopy()},
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &v2.PodsMetricSource{
			Metric: v2.MetricIdentifier{Name: s.MetricName, Selector: s.Selector.DeepCopy()},
			Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: pointerTo(s.TargetAverageValue)},
		}
	}
	if s := in.Resource; s != nil {
		out.PodResource = &v2.ResourceMetricSource{
			Name:   s.Name,
			Target: utilizationOrAverageValue(s.TargetAverageUtilization, s.TargetAverageValue),
		}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &v2.ContainerResourceMetricSource{
			Name:      s.Name,
			Target:    utilizationOrAverageValue(s.TargetAverageUtilization, s.TargetAverageValue),
			Container: s.Container,
		}
	}
	if s := in.External; s != nil {
		target := v2.MetricTarget{
			Type:         v2.AverageValueMetricType,
			Value:        roundtrip.CopyQuantity(s.TargetValue),
			AverageValue: roundtrip.CopyQuantity(s.TargetAverageValue),
		}
		if s.TargetValue != nil {
			target.Type = v2.ValueMetricType
		}
		out.External = &v2.ExternalMetricSource{
			Metric: v2.MetricIdentifier{Name: s.MetricName, Selector: s.MetricSelector.DeepCopy()},
			Target: target,
		}
	}
	return out
}

// metricSpecFromHub converts every source that is set into the closest v2beta1 fields;
// subdomains and the shadow flag are left to their annotations.
func metricSpecFromHub(in *v2.MetricSpec) MetricSpec {
	out := MetricSpec{Type: metricSourceTypeFromHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &ObjectMetricSource{
			Target:       CrossVersionObjectReference(s.DescribedObject),
			MetricName:   s.Metric.Name,
			TargetValue:  valueOf(s.Target.Value),
			Selector:     s.Metric.Selector.DeepCopy(),
			AverageValue: roundtrip.CopyQuantity(s.Target.AverageValue),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &PodsMetricSource{
			MetricName:         s.Metric.Name,
			TargetAverageValue: valueOf(s.Target.AverageValue),
			Selector:           s.Metric.Selector.DeepCopy(),
		}
	}
	if s := in.PodResource; s != nil {
		out.Resource = &ResourceMetricSource{
			Name:                     s.Name,
			TargetAverageUtilization: roundtrip.CopyInt32(s.Target.AverageUtilization),
			TargetAverageValue:       roundtrip.CopyQuantity(s.Target.AverageValue),
		}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &ContainerResourceMetricSource{
			Name:                     s.Name,
			TargetAverageUtilization: roundtrip.CopyInt32(s.Target.AverageUtilization),
			TargetAverageValue:       roundtrip.CopyQuantity(s.Target.AverageValue),
			Container:                s.Container,
		}
	}
	if s := in.External; s != nil {
		out.External = &ExternalMetricSource{
			MetricName:         s.Metric.Name,
			MetricSelector:     s.Metric.Selector.DeepCopy(),
			TargetValue:        roundtrip.CopyQuantity(s.Target.Value),
			TargetAverageValue: roundtrip.CopyQuantity(s.Target.AverageValue),
		}
	}
	return out
}

func metricStatusToHub(in *MetricStatus) v2.MetricStatus {
	out := v2.MetricStatus{Type: metricSourceTypeToHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &v2.ObjectMetricStatus{
			Metric: v2.MetricIdentifier{Name: s.MetricName, Selector: s.Selector.DeepCopy()},
			Current: v2.MetricValueStatus{
				Value:        pointerTo(s.CurrentValue),
				AverageValue: roundtrip.CopyQuantity(s.AverageValue),
			},
			DescribedObject: v2.CrossVersionObjectReference(s.Target),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &v2.PodsMetricStatus{
			Metric:  v2.MetricIdentifier{Name: s.MetricName, Selector: s.Selector.DeepCopy()},
			Current: v2.MetricValueStatus{AverageValue: pointerTo(s.CurrentAverageValue)},
		}
	}
	if s := in.Resource; s != nil {
		out.PodResource = &v2.ResourceMetricStatus{
			Name: s.Name,
			Current: v2.MetricValueStatus{
				AverageValue:       pointerTo(s.CurrentAverageValue),
				AverageUtilization: roundtrip.CopyInt32(s.CurrentAverageUtilization),
			},
		}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &v2.ContainerResourceMetricStatus{
			Name: s.Name,
			Current: v2.MetricValueStatus{
				AverageValue:       pointerTo(s.CurrentAverageValue),
				AverageUtilization: roundtrip.CopyInt32(s.CurrentAverageUtilization),
			},
			Container: s.Container,
		}
	}
	if s := in.External; s != nil {
		out.External = &v2.ExternalMetricStatus{
			Metric: v2.MetricIdentifier{Name: s.MetricName, Selector: s.MetricSelector.DeepCopy()},
			Current: v2.MetricValueStatus{
				Value:        pointerTo(s.CurrentValue),
				AverageValue: roundtrip.CopyQuantity(s.CurrentAverageValue),
			},
		}
	}
	return out
}

func metricStatusFromHub(in *v2.MetricStatus) MetricStatus {
	out := MetricStatus{Type: metricSourceTypeFromHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &ObjectMetricStatus{
			Target:       CrossVersionObjectReference(s.DescribedObject),
			MetricName:   s.Metric.Name,
			CurrentValue: valueOf(s.Current.Value),
			Selector:     s.Metric.Selector.DeepCopy(),
			AverageValue: roundtrip.CopyQuantity(s.Current.AverageValue),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &PodsMetricStatus{
			MetricName:          s.Metric.Name,
			CurrentAverageValue: valueOf(s.Current.AverageValue),
			Selector:            s.Metric.Selector.DeepCopy(),
		}
	}
	if s := in.PodResource; s != nil {
		out.Resource = &ResourceMetricStatus{
			Name:                      s.Name,
			CurrentAverageUtilization: roundtrip.CopyInt32(s.Current.AverageUtilization),
			CurrentAverageValue:       valueOf(s.Current.AverageValue),
		}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &ContainerResourceMetricStatus{
			Name:                      s.Name,
			CurrentAverageUtilization: roundtrip.CopyInt32(s.Current.AverageUtilization),
			CurrentAverageValue:       valueOf(s.Current.AverageValue),
			Container:                 s.Container,
		}
	}
	if s := in.External; s != nil {
		out.External = &ExternalMetricStatus{
			MetricName:          s.Metric.Name,
			MetricSelector:      s.Metric.Selector.DeepCopy(),
			CurrentValue:        valueOf(s.Current.Value),
			CurrentAverageValue: roundtrip.CopyQuantity(s.Current.AverageValue),
		}
	}
	return out
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
