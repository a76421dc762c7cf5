package decision

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// TargetKind says which kind of target a metric was computed against, which decides the
// fields of its status.
type TargetKind uint8

const (
	// TargetNone means the metric was not computed.
	TargetNone TargetKind = iota
	// TargetUtilization is an average utilization target of a resource metric.
	TargetUtilization
	// TargetAverageValue is an average value target.
	TargetAverageValue
	// TargetValue is a value target of an object or external metric.
	TargetValue
)

// MetricResult is one metric's outcome in a decision.
type MetricResult struct {
	// Spec is the metric's entry in spec.metrics. It is only read.
	Spec *v2.MetricSpec
	// Shadow is true for a shadow metric: computed and reported, never driving the count.
	Shadow bool
	// Target is the kind of target the metric was computed against.
	Target TargetKind
	// Result is the proposal and the figures behind it; meaningful when Err is nil.
	Result replicas.Result
	// Err is why the metric gave no proposal, worded as upstream's ScalingActive message
	// reports it; nil on success.
	Err error
	// Reason is the ScalingActive reason for Err, for example FailedGetExternalMetric.
	Reason string
}

// Failed reports whether the metric gave no proposal.
func (m *MetricResult) Failed() bool { return m.Err != nil }

// computeMetric computes the proposal of the i-th metric of the spec.
func computeMetric(in *Input, i int, data *MetricData, tol replicas.Tolerances) MetricResult {
	spec := &in.Spec.Metrics[i]
	m := MetricResult{Spec: spec, Shadow: spec.Shadow}
	m.Reason = failureReason(spec.Type)
	if data == nil {
		m.Err = fmt.Errorf("no data was gathered for spec.metrics[%d]", i)
		return m
	}
	switch spec.Type {
	case v2.PodResourceMetricSourceType:
		src := spec.PodResource
		if src == nil {
			m.Err = fmt.Errorf("invalid metric spec.metrics[%d]: type %s without podResource", i, spec.Type)
			return m
		}
		m.Target, m.Result, m.Err = podResource(in, data, tol, src.Name, "", &src.Target)
	case v2.ContainerResourceMetricSourceType:
		src := spec.ContainerResource
		if src == nil {
			m.Err = fmt.Errorf("invalid metric spec.metrics[%d]: type %s without containerResource", i, spec.Type)
			return m
		}
		m.Target, m.Result, m.Err = podResource(in, data, tol, src.Name, src.Container, &src.Target)
	case v2.PodsMetricSourceType:
		src := spec.Pods
		switch {
		case src == nil:
			m.Err = fmt.Errorf("invalid metric spec.metrics[%d]: type %s without pods", i, spec.Type)
		case src.Target.AverageValue == nil:
			m.Err = errors.New("invalid pods metric source: no average value target was set")
		case data.Err != nil:
			m.Err = fmt.Errorf("unable to get metric %s: %w", src.Metric.Name, data.Err)
		default:
			m.Target = TargetAverageValue
			m.Result, m.Err = replicas.PodAverageValue(podInput(in, data, tol, "", "", 0, src.Target.AverageValue.MilliValue()))
		}
	case v2.ObjectMetricSourceType:
		src := spec.Object
		switch {
		case src == nil:
			m.Err = fmt.Errorf("invalid metric spec.metrics[%d]: type %s without object", i, spec.Type)
		case data.Err != nil && hasObjectTarget(&src.Target):
			m.Err = fmt.Errorf("unable to get metric %s of %s %s: %w", src.Metric.Name, src.DescribedObject.Kind, src.DescribedObject.Name, data.Err)
		case src.Target.Type == v2.ValueMetricType && src.Target.Value != nil:
			m.Target = TargetValue
			m.Result, m.Err = replicas.Value(replicas.ValueInput{
				CurrentReplicas: in.SpecReplicas, Tolerances: tol, Pods: in.Pods,
				Usage: data.Value, Target: src.Target.Value.MilliValue(),
			})
		case src.Target.Type == v2.AverageValueMetricType && src.Target.AverageValue != nil:
			m.Target = TargetAverageValue
			m.Result, m.Err = replicas.AverageValue(replicas.AverageValueInput{
				StatusReplicas: in.StatusReplicas, Tolerances: tol,
				Usage: data.Value, Target: src.Target.AverageValue.MilliValue(),
			})
		default:
			m.Err = errors.New("invalid object metric source: neither a value target nor an average value target was set")
		}
	case v2.ExternalMetricSourceType:
		src := spec.External
		switch {
		case src == nil:
			m.Err = fmt.Errorf("invalid metric spec.metrics[%d]: type %s without external", i, spec.Type)
		case data.Err != nil && (src.Target.AverageValue != nil || src.Target.Value != nil):
			m.Err = fmt.Errorf("unable to get external metric %s: %w", src.Metric.Name, data.Err)
		case src.Target.AverageValue != nil:
			m.Target = TargetAverageValue
			m.Result, m.Err = replicas.AverageValue(replicas.AverageValueInput{
				StatusReplicas: in.StatusReplicas, Tolerances: tol,
				Usage: replicas.ExternalAverageValueSum(data.Values), Target: src.Target.AverageValue.MilliValue(),
			})
		case src.Target.Value != nil:
			m.Target = TargetValue
			m.Result, m.Err = replicas.Value(replicas.ValueInput{
				CurrentReplicas: in.SpecReplicas, Tolerances: tol, Pods: in.Pods,
				Usage: replicas.ExternalValueSum(data.Values), Target: src.Target.Value.MilliValue(),
			})
		default:
			m.Err = errors.New("invalid external metric source: neither a value target nor an average value target was set")
		}
	default:
		m.Err = fmt.Errorf("unknown metric source type %q in spec.metrics[%d]: must be one of %s, %s, %s, %s, %s", spec.Type, i,
			v2.PodResourceMetricSourceType, v2.ContainerResourceMetricSourceType, v2.PodsMetricSourceType, v2.ObjectMetricSourceType, v2.ExternalMetricSourceType)
	}
	if m.Err != nil {
		m.Target = TargetNone
	}
	return m
}

func hasObjectTarget(t *v2.MetricTarget) bool {
	return (t.Type == v2.ValueMetricType && t.Value != nil) || (t.Type == v2.AverageValueMetricType && t.AverageValue != nil)
}

// podResource computes a resource or container resource metric. As upstream, an average value
// target takes precedence over an average utilization target.
func podResource(in *Input, data *MetricData, tol replicas.Tolerances, name corev1.ResourceName, container string, target *v2.MetricTarget) (TargetKind, replicas.Result, error) {
	switch {
	case target.AverageValue != nil:
		if data.Err != nil {
			return TargetNone, replicas.Result{}, fmt.Errorf("failed to get %s usage: unable to get metrics for resource %s: %w", name, name, data.Err)
		}
		r, err := replicas.PodAverageValue(podInput(in, data, tol, name, container, 0, target.AverageValue.MilliValue()))
		if err != nil {
			return TargetNone, r, fmt.Errorf("failed to get %s usage: %w", name, err)
		}
		return TargetAverageValue, r, nil
	case target.AverageUtilization != nil:
		if data.Err != nil {
			return TargetNone, replicas.Result{}, fmt.Errorf("failed to get %s utilization: unable to get metrics for resource %s: %w", name, name, data.Err)
		}
		r, err := replicas.PodUtilization(podInput(in, data, tol, name, container, *target.AverageUtilization, 0))
		if err != nil {
			return TargetNone, r, fmt.Errorf("failed to get %s utilization: %w", name, err)
		}
		return TargetUtilization, r, nil
	}
	return TargetNone, replicas.Result{}, errors.New("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
}

func podInput(in *Input, data *MetricData, tol replicas.Tolerances, name corev1.ResourceName, container string, utilization int32, average int64) replicas.PodMetricInput {
	return replicas.PodMetricInput{
		Now:                in.Now,
		CurrentReplicas:    in.SpecReplicas,
		Tolerances:         tol,
		Readiness:          in.Config.Readiness,
		Pods:               in.Pods,
		Metrics:            data.PodMetrics,
		Resource:           name,
		Container:          container,
		TargetUtilization:  utilization,
		TargetAverageValue: average,
	}
}

// failureReason is the ScalingActive reason upstream sets when a metric of the type fails.
func failureReason(t v2.MetricSourceType) string {
	switch t {
	case v2.PodResourceMetricSourceType:
		return ReasonFailedGetResourceMetric
	case v2.ContainerResourceMetricSourceType:
		return ReasonFailedGetContainerResourceMetric
	case v2.PodsMetricSourceType:
		return ReasonFailedGetPodsMetric
	case v2.ObjectMetricSourceType:
		return ReasonFailedGetObjectMetric
	case v2.ExternalMetricSourceType:
		return ReasonFailedGetExternalMetric
	}
	return ReasonInvalidMetricSourceType
}

// fullError is the metric's error prefixed with the metric it belongs to, as upstream reports
// it in the error of a failed decision.
func (m *MetricResult) fullError() error {
	switch m.Spec.Type {
	case v2.PodResourceMetricSourceType:
		if m.Spec.PodResource != nil {
			return fmt.Errorf("failed to get %s resource metric value: %w", m.Spec.PodResource.Name, m.Err)
		}
	case v2.ContainerResourceMetricSourceType:
		if m.Spec.ContainerResource != nil {
			return fmt.Errorf("failed to get %s container metric value: %w", m.Spec.ContainerResource.Container, m.Err)
		}
	case v2.PodsMetricSourceType:
		return fmt.Errorf("failed to get pods metric value: %w", m.Err)
	case v2.ObjectMetricSourceType:
		return fmt.Errorf("failed to get object metric value: %w", m.Err)
	case v2.ExternalMetricSourceType:
		if m.Spec.External != nil {
			return fmt.Errorf("failed to get %s external metric value: %w", m.Spec.External.Metric.Name, m.Err)
		}
	}
	return m.Err
}

// Description names the metric as upstream's condition and event messages do, for example
// "cpu resource utilization (percentage of request)" or "pods metric qps".
func (m *MetricResult) Description() string { return m.describe("") }

// describe returns prefix followed by the metric's description, built in one allocation.
func (m *MetricResult) describe(prefix string) string {
	s := m.Spec
	switch s.Type {
	case v2.PodResourceMetricSourceType:
		if s.PodResource == nil {
			break
		}
		if m.Target == TargetAverageValue {
			return prefix + string(s.PodResource.Name) + " resource"
		}
		return prefix + string(s.PodResource.Name) + " resource utilization (percentage of request)"
	case v2.ContainerResourceMetricSourceType:
		if s.ContainerResource == nil {
			break
		}
		if m.Target == TargetAverageValue {
			return prefix + string(s.ContainerResource.Name) + " resource"
		}
		return prefix + string(s.ContainerResource.Name) + " container resource utilization (percentage of request)"
	case v2.PodsMetricSourceType:
		if s.Pods != nil {
			return prefix + "pods metric " + s.Pods.Metric.Name
		}
	case v2.ObjectMetricSourceType:
		if s.Object != nil {
			return prefix + s.Object.DescribedObject.Kind + " metric " + s.Object.Metric.Name
		}
	case v2.ExternalMetricSourceType:
		if s.External != nil {
			return prefix + "external metric " + s.External.Metric.Name + "(" + selectorString(s.External.Metric.Selector) + ")"
		}
	}
	return prefix + string(s.Type) + " metric"
}

func selectorString(sel *metav1.LabelSelector) string {
	if sel == nil {
		return "nil"
	}
	return metav1.FormatLabelSelector(sel)
}

// Name is a short name of the metric for status.lastDecision, for example "podResource/cpu",
// "containerResource/app/cpu", "pods/qps", "object/Ingress/main/hits" or "external/queue".
func (m *MetricResult) Name() string {
	s := m.Spec
	switch {
	case s.Type == v2.PodResourceMetricSourceType && s.PodResource != nil:
		return "podResource/" + string(s.PodResource.Name)
	case s.Type == v2.ContainerResourceMetricSourceType && s.ContainerResource != nil:
		return "containerResource/" + s.ContainerResource.Container + "/" + string(s.ContainerResource.Name)
	case s.Type == v2.PodsMetricSourceType && s.Pods != nil:
		return "pods/" + s.Pods.Metric.Name
	case s.Type == v2.ObjectMetricSourceType && s.Object != nil:
		return "object/" + s.Object.DescribedObject.Kind + "/" + s.Object.DescribedObject.Name + "/" + s.Object.Metric.Name
	case s.Type == v2.ExternalMetricSourceType && s.External != nil:
		return "external/" + s.External.Metric.Name
	}
	return string(s.Type)
}

// Status is the metric's entry for status.currentMetrics. A metric that failed has only its
// type (and shadow flag) set.
func (m *MetricResult) Status() v2.MetricStatus {
	s := m.Spec
	st := v2.MetricStatus{Type: s.Type, Shadow: s.Shadow}
	if m.Err != nil || m.Target == TargetNone {
		return st
	}
	switch s.Type {
	case v2.PodResourceMetricSourceType:
		st.PodResource = &v2.ResourceMetricStatus{Name: s.PodResource.Name, Current: m.resourceValue(s.PodResource.Name)}
	case v2.ContainerResourceMetricSourceType:
		st.ContainerResource = &v2.ContainerResourceMetricStatus{Name: s.ContainerResource.Name, Container: s.ContainerResource.Container,
			Current: m.resourceValue(s.ContainerResource.Name)}
	case v2.PodsMetricSourceType:
		st.Pods = &v2.PodsMetricStatus{Metric: s.Pods.Metric, Current: m.plainValue()}
	case v2.ObjectMetricSourceType:
		st.Object = &v2.ObjectMetricStatus{Metric: s.Object.Metric, DescribedObject: s.Object.DescribedObject, Current: m.plainValue()}
	case v2.ExternalMetricSourceType:
		st.External = &v2.ExternalMetricStatus{Metric: s.External.Metric, Current: m.plainValue()}
	}
	return st
}

// resourceValue reports a resource metric's usage: memory in binary units, the rest in
// decimal ones, as metrics-server reports them.
func (m *MetricResult) resourceValue(name corev1.ResourceName) v2.MetricValueStatus {
	format := resource.DecimalSI
	if name == corev1.ResourceMemory {
		format = resource.BinarySI
	}
	v := v2.MetricValueStatus{AverageValue: resource.NewMilliQuantity(m.Result.Usage, format)}
	if m.Target == TargetUtilization {
		u := m.Result.Utilization
		v.AverageUtilization = &u
	}
	return v
}

func (m *MetricResult) plainValue() v2.MetricValueStatus {
	q := resource.NewMilliQuantity(m.Result.Usage, resource.DecimalSI)
	if m.Target == TargetValue {
		return v2.MetricValueStatus{Value: q}
	}
	return v2.MetricValueStatus{AverageValue: q}
}
