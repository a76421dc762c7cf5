package v1

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/mhpa-dev/mhpa/api/internal/roundtrip"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Conversion between v1 and the hub v2.
//
// v1 has one metric field, spec.targetCPUUtilizationPercentage, and one metric status field,
// status.currentCPUUtilizationPercentage. They express the first metric of v2 that is a
// PodResource cpu metric with an averageUtilization and is not a shadow metric (the "CPU
// metric"), and the first such metric status. Everything else is carried in annotations, in
// the manner of upstream's autoscaling.alpha.kubernetes.io/* annotations but without loss:
//
//   - autoscaling.mhpa.dev/metrics: the whole of spec.metrics (v2 shape, without subdomain and
//     shadow), with null in the place of the CPU metric when targetCPUUtilizationPercentage
//     says all there is to say about it, so that its position is kept. It is left out when
//     spec.metrics is exactly the CPU metric (or empty).
//   - autoscaling.mhpa.dev/subdomains and autoscaling.mhpa.dev/shadow: aligned with the list of
//     the metrics annotation, written only together with it.
//   - autoscaling.mhpa.dev/current-metrics: the whole of status.currentMetrics likewise, null
//     in the place of the CPU status when currentCPUUtilizationPercentage says all of it; left
//     out when status.currentMetrics is exactly that status (or nil).
//   - autoscaling.mhpa.dev/conditions: status.conditions.
//   - autoscaling.mhpa.dev/behavior: spec.behavior.
//   - autoscaling.mhpa.dev/status: reference, targets, lastDecision and history.
//
// Converting back, the v1 fields win over the annotations for the CPU metric: a changed
// targetCPUUtilizationPercentage changes the CPU metric's averageUtilization where it stands,
// a removed one removes the CPU metric (a further CPU metric, if there is one, is then the one
// that v1 shows), and one added to an object whose metrics had no CPU metric appends one at
// the end. The same holds for currentCPUUtilizationPercentage and the CPU status.
//
// Unlike upstream, converting to v2 does not add the default CPU metric: that is defaulting's
// job, and the defaulting webhook does it for every version.

const (
	specMetricsPath   = "spec.metrics"
	statusMetricsPath = "status.currentMetrics"
)

// ConvertTo converts this HorizontalPodAutoscaler to the hub version v2.
func (src *HorizontalPodAutoscaler) ConvertTo(dstRaw conversion.Hub) error {
	dst, ok := dstRaw.(*v2.HorizontalPodAutoscaler)
	if !ok {
		return fmt.Errorf("cannot convert autoscaling.mhpa.dev/v1 HorizontalPodAutoscaler to %T", dstRaw)
	}
	annotations := src.Annotations
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()
	dst.Annotations = roundtrip.WithoutRoundTrip(annotations)

	metrics, err := specMetricsToHub(annotations, src.Spec.TargetCPUUtilizationPercentage)
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
		Metrics:        metrics,
		Behavior:       behavior,
	}

	currentMetrics, err := statusMetricsToHub(annotations, src.Status.CurrentCPUUtilizationPercentage)
	if err != nil {
		return err
	}
	var conditions []v2.HorizontalPodAutoscalerCondition
	if _, err := roundtrip.Get(annotations, v2.ConditionsAnnotation, &conditions,
		"a JSON array of autoscaling.mhpa.dev/v2 HorizontalPodAutoscalerCondition objects"); err != nil {
		return err
	}
	dst.Status = v2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: roundtrip.CopyInt64(src.Status.ObservedGeneration),
		LastScaleTime:      src.Status.LastScaleTime.DeepCopy(),
		CurrentReplicas:    src.Status.CurrentReplicas,
		DesiredReplicas:    src.Status.DesiredReplicas,
		CurrentMetrics:     currentMetrics,
		Conditions:         conditions,
	}
	return roundtrip.GetStatus(annotations, &dst.Status)
}

// ConvertFrom converts from the hub version v2 to this version.
func (dst *HorizontalPodAutoscaler) ConvertFrom(srcRaw conversion.Hub) error {
	src, ok := srcRaw.(*v2.HorizontalPodAutoscaler)
	if !ok {
		return fmt.Errorf("cannot convert %T to autoscaling.mhpa.dev/v1 HorizontalPodAutoscaler", srcRaw)
	}
	dst.ObjectMeta = *src.ObjectMeta.DeepCopy()
	annotations := roundtrip.WithoutRoundTrip(src.Annotations)

	targetCPU, err := specMetricsFromHub(&annotations, src.Spec.Metrics)
	if err != nil {
		return err
	}
	dst.Spec = HorizontalPodAutoscalerSpec{
		ScaleTargetRef:                 CrossVersionObjectReference(src.Spec.ScaleTargetRef),
		MinReplicas:                    roundtrip.CopyInt32(src.Spec.MinReplicas),
		MaxReplicas:                    src.Spec.MaxReplicas,
		TargetCPUUtilizationPercentage: targetCPU,
	}
	if err := roundtrip.PutBehavior(&annotations, src.Spec.Behavior); err != nil {
		return err
	}

	currentCPU, err := statusMetricsFromHub(&annotations, src.Status.CurrentMetrics)
	if err != nil {
		return err
	}
	dst.Status = HorizontalPodAutoscalerStatus{
		ObservedGeneration:              roundtrip.CopyInt64(src.Status.ObservedGeneration),
		LastScaleTime:                   src.Status.LastScaleTime.DeepCopy(),
		CurrentReplicas:                 src.Status.CurrentReplicas,
		DesiredReplicas:                 src.Status.DesiredReplicas,
		CurrentCPUUtilizationPercentage: currentCPU,
	}
	if len(src.Status.Conditions) > 0 {
		if err := roundtrip.Put(&annotations, v2.ConditionsAnnotation, src.Status.Conditions); err != nil {
			return err
		}
	}
	if err := roundtrip.PutStatus(&annotations, &src.Status); err != nil {
		return err
	}
	dst.Annotations = annotations
	return nil
}

// isCPUMetric reports whether m is a metric that targetCPUUtilizationPercentage can stand for.
func isCPUMetric(m *v2.MetricSpec) bool {
	return m.Type == v2.PodResourceMetricSourceType && m.PodResource != nil &&
		m.PodResource.Name == corev1.ResourceCPU && m.PodResource.Target.AverageUtilization != nil && !m.Shadow
}

// cpuMetric is the v2 metric that a targetCPUUtilizationPercentage of utilization means.
func cpuMetric(utilization int32) v2.MetricSpec {
	return v2.MetricSpec{
		Type: v2.PodResourceMetricSourceType,
		PodResource: &v2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: v2.MetricTarget{Type: v2.UtilizationMetricType, AverageUtilization: &utilization},
		},
	}
}

// isCPUStatus reports whether s is a metric status that currentCPUUtilizationPercentage can
// stand for.
func isCPUStatus(s *v2.MetricStatus) bool {
	return s.Type == v2.PodResourceMetricSourceType && s.PodResource != nil &&
		s.PodResource.Name == corev1.ResourceCPU && s.PodResource.Current.AverageUtilization != nil && !s.Shadow
}

// cpuStatus is the v2 metric status that a currentCPUUtilizationPercentage of utilization
// means.
func cpuStatus(utilization int32) v2.MetricStatus {
	return v2.MetricStatus{
		Type: v2.PodResourceMetricSourceType,
		PodResource: &v2.ResourceMetricStatus{
			Name:    corev1.ResourceCPU,
			Current: v2.MetricValueStatus{AverageUtilization: &utilization},
		},
	}
}

// specMetricsFromHub returns targetCPUUtilizationPercentage for metrics and writes the metrics,
// subdomains and shadow annotations when that field alone does not give metrics back.
func specMetricsFromHub(annotations *map[string]string, metrics []v2.MetricSpec) (*int32, error) {
	cpu := -1
	var targetCPU *int32
	for i := range metrics {
		if isCPUMetric(&metrics[i]) {
			cpu = i
			targetCPU = roundtrip.CopyInt32(metrics[i].PodResource.Target.AverageUtilization)
			break
		}
	}
	if len(metrics) == 0 || (len(metrics) == 1 && cpu == 0 && equality.Semantic.DeepEqual(metrics[0], cpuMetric(*targetCPU))) {
		return targetCPU, nil
	}
	entries := make([]*v2.MetricSpec, len(metrics))
	for i := range metrics {
		stripped := roundtrip.StripSubdomainAndShadow(metrics[i])
		if i == cpu && equality.Semantic.DeepEqual(stripped, cpuMetric(*targetCPU)) {
			continue
		}
		entries[i] = &stripped
	}
	if err := roundtrip.Put(annotations, v2.MetricsAnnotation, entries); err != nil {
		return nil, err
	}
	return targetCPU, roundtrip.PutSubdomainsAndShadow(annotations, metrics)
}

// specMetricsToHub rebuilds spec.metrics from the metrics, subdomains and shadow annotations
// and targetCPUUtilizationPercentage.
func specMetricsToHub(annotations map[string]string, targetCPU *int32) ([]v2.MetricSpec, error) {
	var entries []*v2.MetricSpec
	found, err := roundtrip.Get(annotations, v2.MetricsAnnotation, &entries, roundtrip.MetricsWant(specMetricsPath))
	if err != nil {
		return nil, err
	}
	if !found {
		if targetCPU == nil {
			// Only an empty list of metrics goes without the metrics annotation.
			entries = nil
		} else {
			entries = []*v2.MetricSpec{nil}
		}
	}
	subdomains, shadow, err := roundtrip.GetSubdomainsAndShadow(annotations, len(entries), specMetricsPath)
	if err != nil {
		return nil, err
	}
	var metrics []v2.MetricSpec
	if found {
		metrics = make([]v2.MetricSpec, 0, len(entries)+1)
	}
	cpu := -1
	for i, e := range entries {
		var m v2.MetricSpec
		isSlot := false
		if e == nil {
			if cpu >= 0 {
				return nil, field.Invalid(field.NewPath("metadata", "annotations").Key(v2.MetricsAnnotation), annotations[v2.MetricsAnnotation],
					"must have at most one null entry (the metric that spec.targetCPUUtilizationPercentage stands for)")
			}
			isSlot = true
			if targetCPU != nil {
				m = cpuMetric(*targetCPU)
			}
		} else {
			m = *e.DeepCopy()
		}
		roundtrip.ApplySubdomainAndShadow(&m, roundtrip.At(subdomains, i), roundtrip.At(shadow, i))
		if !isSlot && cpu < 0 && isCPUMetric(&m) {
			isSlot = true
			if targetCPU != nil {
				m.PodResource.Target.AverageUtilization = roundtrip.CopyInt32(targetCPU)
			}
		}
		if isSlot {
			cpu = i
			if targetCPU == nil {
				continue // targetCPUUtilizationPercentage was removed: so is its metric.
			}
		}
		metrics = append(metrics, m)
	}
	if cpu < 0 && targetCPU != nil {
		metrics = append(metrics, cpuMetric(*targetCPU))
	}
	return metrics, nil
}

// statusMetricsFromHub returns currentCPUUtilizationPercentage for currentMetrics and writes
// the current-metrics annotation when that field alone does not give currentMetrics back.
func statusMetricsFromHub(annotations *map[string]string, currentMetrics []v2.MetricStatus) (*int32, error) {
	cpu := -1
	var currentCPU *int32
	for i := range currentMetrics {
		if isCPUStatus(&currentMetrics[i]) {
			cpu = i
			currentCPU = roundtrip.CopyInt32(currentMetrics[i].PodResource.Current.AverageUtilization)
			break
		}
	}
	// An empty list (as the controller writes for an HPA whose metrics all failed) differs
	// from an absent one in v2, so only an absent one goes without the annotation.
	if currentMetrics == nil || (len(currentMetrics) == 1 && cpu == 0 && equality.Semantic.DeepEqual(currentMetrics[0], cpuStatus(*currentCPU))) {
		return currentCPU, nil
	}
	entries := make([]*v2.MetricStatus, len(currentMetrics))
	for i := range currentMetrics {
		if i == cpu && equality.Semantic.DeepEqual(currentMetrics[i], cpuStatus(*currentCPU)) {
			continue
		}
		entries[i] = currentMetrics[i].DeepCopy()
	}
	return currentCPU, roundtrip.Put(annotations, v2.CurrentMetricsAnnotation, entries)
}

// statusMetricsToHub rebuilds status.currentMetrics from the current-metrics annotation and
// currentCPUUtilizationPercentage.
func statusMetricsToHub(annotations map[string]string, currentCPU *int32) ([]v2.MetricStatus, error) {
	var entries []*v2.MetricStatus
	found, err := roundtrip.Get(annotations, v2.CurrentMetricsAnnotation, &entries, roundtrip.CurrentMetricsWant(statusMetricsPath))
	if err != nil {
		return nil, err
	}
	if !found {
		if currentCPU == nil {
			return nil, nil
		}
		return []v2.MetricStatus{cpuStatus(*currentCPU)}, nil
	}
	statuses := make([]v2.MetricStatus, 0, len(entries)+1)
	cpu := -1
	for _, e := range entries {
		var s v2.MetricStatus
		isSlot := false
		if e == nil {
			if cpu >= 0 {
				return nil, field.Invalid(field.NewPath("metadata", "annotations").Key(v2.CurrentMetricsAnnotation), annotations[v2.CurrentMetricsAnnotation],
					"must have at most one null entry (the metric status that status.currentCPUUtilizationPercentage stands for)")
			}
			isSlot = true
			if currentCPU != nil {
				s = cpuStatus(*currentCPU)
			}
		} else {
			s = *e.DeepCopy()
			if cpu < 0 && isCPUStatus(&s) {
				isSlot = true
				if currentCPU != nil {
					s.PodResource.Current.AverageUtilization = roundtrip.CopyInt32(currentCPU)
				}
			}
		}
		if isSlot {
			cpu = len(statuses)
			if currentCPU == nil {
				continue // currentCPUUtilizationPercentage was removed: so is its status.
			}
		}
		statuses = append(statuses, s)
	}
	if cpu < 0 && currentCPU != nil {
		statuses = append(statuses, cpuStatus(*currentCPU))
	}
	return statuses, nil
}
