package v2beta1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which
// automatically manages the replica count of any resource implementing the scale subresource
// based on the metrics specified.
//
// The resource names, short name and categories are declared once, on the v2 type.
//
// Printer columns: v2beta1 has no status.reference or status.targets (those are v2 fields that
// this version carries inside the autoscaling.mhpa.dev/status annotation, where no JSONPath can
// reach), so REFERENCE shows the name of the scale target (a JSONPath cannot join kind and name)
// and TARGETS shows the current average CPU utilization in percent of the requests, the value
// `kubectl get hpa` shows for the most common HPA; it is empty for an HPA without a CPU Resource
// metric.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="autoscaling.mhpa.dev/v2beta1 HorizontalPodAutoscaler is deprecated; use autoscaling.mhpa.dev/v2"
// +kubebuilder:printcolumn:name="Reference",type=string,JSONPath=`.spec.scaleTargetRef.name`,description="The name of the scale target"
// +kubebuilder:printcolumn:name="Targets",type=integer,JSONPath=`.status.currentMetrics[?(@.resource.name=="cpu")].resource.currentAverageUtilization`,description="The current average CPU utilization in percent of the requests"
// +kubebuilder:printcolumn:name="MinPods",type=integer,JSONPath=`.spec.minReplicas`,description="The lower limit of replicas"
// +kubebuilder:printcolumn:name="MaxPods",type=integer,JSONPath=`.spec.maxReplicas`,description="The upper limit of replicas"
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.status.currentReplicas`,description="The current number of replicas"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type HorizontalPodAutoscaler struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the specification for the behaviour of the autoscaler.
	// +optional
	Spec HorizontalPodAutoscalerSpec `json:"spec,omitempty"`

	// status is the current information about the autoscaler.
	// +optional
	Status HorizontalPodAutoscalerStatus `json:"status,omitempty"`
}

// CrossVersionObjectReference contains enough information to let you identify the referred resource.
type CrossVersionObjectReference struct {
	// kind is the kind of the referent.
	// +required
	Kind string `json:"kind"`

	// name is the name of the referent.
	// +required
	Name string `json:"name"`

	// apiVersion is the API version of the referent.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
}

// HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler.
type HorizontalPodAutoscalerSpec struct {
	// scaleTargetRef points to the target resource to scale, and is used to the pods for which
	// metrics should be collected, as well as to actually change the replica count.
	// +required
	ScaleTargetRef CrossVersionObjectReference `json:"scaleTargetRef"`

	// minReplicas is the lower limit for the number of replicas to which the autoscaler can
	// scale down. It defaults to 1 pod. minReplicas may be 0 when at least one Object or
	// External metric is configured.
	// +kubebuilder:default=1
	// +optional
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// maxReplicas is the upper limit for the number of replicas to which the autoscaler can
	// scale up. It cannot be less than minReplicas.
	// +required
	MaxReplicas int32 `json:"maxReplicas"`

	// metrics contains the specifications for which to use to calculate the desired replica
	// count (the maximum replica count across all metrics will be used). If not set, the
	// default metric is 80% average CPU utilization.
	// +listType=atomic
	// +kubebuilder:default={{type: Resource, resource: {name: cpu, targetAverageUtilization: 80}}}
	// +optional
	Metrics []MetricSpec `json:"metrics,omitempty"`
}

// MetricSourceType indicates the type of metric.
// +kubebuilder:validation:Enum=Object;Pods;Resource;ContainerResource;External
type MetricSourceType string

const (
	// ObjectMetricSourceType is a metric describing a kubernetes object (for example,
	// hits-per-second on an Ingress object).
	ObjectMetricSourceType MetricSourceType = "Object"
	// PodsMetricSourceType is a metric describing each pod in the current scale target (for
	// example, transactions-processed-per-second). The values will be averaged together before
	// being compared to the target value.
	PodsMetricSourceType MetricSourceType = "Pods"
	// ResourceMetricSourceType is a resource metric known to Kubernetes, as specified in
	// requests and limits, describing each pod in the current scale target (e.g. CPU or
	// memory).
	ResourceMetricSourceType MetricSourceType = "Resource"
	// ContainerResourceMetricSourceType is a resource metric known to Kubernetes, as
	// specified in requests and limits, describing a single container in each pod in the
	// current scale target (e.g. CPU or memory).
	ContainerResourceMetricSourceType MetricSourceType = "ContainerResource"
	// ExternalMetricSourceType is a global metric that is not associated with any Kubernetes
	// object (for example length of queue in cloud messaging service).
	ExternalMetricSourceType MetricSourceType = "External"
)

// MetricSpec specifies how to scale based on a single metric (only `type` and one other
// matching field should be set at once).
type MetricSpec struct {
	// type is the type of metric source: one of "ContainerResource", "External", "Object",
	// "Pods" or "Resource", each mapping to a matching field in the object.
	// +required
	Type MetricSourceType `json:"type"`

	// object refers to a metric describing a single kubernetes object.
	// +optional
	Object *ObjectMetricSource `json:"object,omitempty"`

	// pods refers to a metric describing each pod in the current scale target, averaged
	// together before being compared to the target value.
	// +optional
	Pods *PodsMetricSource `json:"pods,omitempty"`

	// resource refers to a resource metric (such as those specified in requests and limits)
	// known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory).
	// +optional
	Resource *ResourceMetricSource `json:"resource,omitempty"`

	// containerResource refers to a resource metric known to Kubernetes describing a single
	// container in each pod of the current scale target.
	// +optional
	ContainerResource *ContainerResourceMetricSource `json:"containerResource,omitempty"`

	// external refers to a global metric that is not associated with any Kubernetes object.
	// +optional
	External *ExternalMetricSource `json:"external,omitempty"`
}

// ObjectMetricSource indicates how to scale on a metric describing a kubernetes object (for
// example, hits-per-second on an Ingress object).
type ObjectMetricSource struct {
	// target is the described Kubernetes object.
	// +required
	Target CrossVersionObjectReference `json:"target"`

	// metricName is the name of the metric in question.
	// +required
	MetricName string `json:"metricName"`

	// targetValue is the target value of the metric (as a quantity). It may be left out when
	// averageValue is set (it then reads back as 0).
	// +optional
	TargetValue resource.Quantity `json:"targetValue"`

	// selector is the string-encoded form of a standard kubernetes label selector for the given
	// metric. When set, it is passed as an additional parameter to the metrics server for more
	// specific metrics scoping. When unset, just the metricName will be used to gather metrics.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	// averageValue is the target value of the average of the metric across all relevant pods
	// (as a quantity).
	// +optional
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`
}

// PodsMetricSource indicates how to scale on a metric describing each pod in the current
// scale target (for example, transactions-processed-per-second). The values will be averaged
// together before being compared to the target value.
type PodsMetricSource struct {
	// metricName is the name of the metric in question.
	// +required
	MetricName string `json:"metricName"`

	// targetAverageValue is the target value of the average of the metric across all relevant
	// pods (as a quantity).
	// +required
	TargetAverageValue resource.Quantity `json:"targetAverageValue"`

	// selector is the string-encoded form of a standard kubernetes label selector for the given
	// metric. When set, it is passed as an additional parameter to the metrics server for more
	// specific metrics scoping. When unset, just the metricName will be used to gather metrics.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as
// specified in requests and limits, describing each pod in the current scale target (e.g. CPU
// or memory). The values will be averaged together before being compared to the target. Only
// one "target" type should be set.
type ResourceMetricSource struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// targetAverageUtilization is the target value of the average of the resource metric
	// across all relevant pods, represented as a percentage of the requested value of the
	// resource for the pods.
	// +optional
	TargetAverageUtilization *int32 `json:"targetAverageUtilization,omitempty"`

	// targetAverageValue is the target value of the average of the resource metric across all
	// relevant pods, as a raw value (instead of as a percentage of the request), similar to the
	// "pods" metric source type.
	// +optional
	TargetAverageValue *resource.Quantity `json:"targetAverageValue,omitempty"`
}

// ContainerResourceMetricSource indicates how to scale on a resource metric known to
// Kubernetes, as specified in requests and limits, describing a single container in each pod
// of the current scale target (e.g. CPU or memory). Only one "target" type should be set.
type ContainerResourceMetricSource struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// targetAverageUtilization is the target value of the average of the resource metric
	// across all relevant pods, represented as a percentage of the requested value of the
	// resource for the pods.
	// +optional
	TargetAverageUtilization *int32 `json:"targetAverageUtilization,omitempty"`

	// targetAverageValue is the target value of the average of the resource metric across all
	// relevant pods, as a raw value (instead of as a percentage of the request), similar to the
	// "pods" metric source type.
	// +optional
	TargetAverageValue *resource.Quantity `json:"targetAverageValue,omitempty"`

	// container is the name of the container in the pods of the scaling target.
	// +required
	Container string `json:"container"`
}

// ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes
// object (for example length of queue in cloud messaging service, or QPS from loadbalancer
// running outside of cluster). Exactly one "target" type should be set.
type ExternalMetricSource struct {
	// metricName is the name of the metric in question.
	// +required
	MetricName string `json:"metricName"`

	// metricSelector is used to identify a specific time series within a given metric.
	// +optional
	MetricSelector *metav1.LabelSelector `json:"metricSelector,omitempty"`

	// targetValue is the target value of the metric (as a quantity). Mutually exclusive with
	// targetAverageValue.
	// +optional
	TargetValue *resource.Quantity `json:"targetValue,omitempty"`

	// targetAverageValue is the target per-pod value of global metric (as a quantity).
	// Mutually exclusive with targetValue.
	// +optional
	TargetAverageValue *resource.Quantity `json:"targetAverageValue,omitempty"`
}

// HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler.
type HorizontalPodAutoscalerStatus struct {
	// observedGeneration is the most recent generation observed by this autoscaler.
	// +optional
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`

	// lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods, used
	// by the autoscaler to control how often the number of pods is changed.
	// +optional
	LastScaleTime *metav1.Time `json:"lastScaleTime,omitempty"`

	// currentReplicas is current number of replicas of pods managed by this autoscaler, as last
	// seen by the autoscaler.
	// +optional
	CurrentReplicas int32 `json:"currentReplicas"`

	// desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as
	// last calculated by the autoscaler.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas"`

	// currentMetrics is the last read state of the metrics used by this autoscaler.
	// +listType=atomic
	// +optional
	CurrentMetrics []MetricStatus `json:"currentMetrics"`

	// conditions is the set of conditions required for this autoscaler to scale its target,
	// and indicates whether or not those conditions are met.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []HorizontalPodAutoscalerCondition `json:"conditions"`
}

// HorizontalPodAutoscalerConditionType are the valid conditions of a HorizontalPodAutoscaler.
type HorizontalPodAutoscalerConditionType string

const (
	// ScalingActive indicates that the HPA controller is able to scale if necessary: it's
	// correctly configured, can fetch the desired metrics, and isn't disabled.
	ScalingActive HorizontalPodAutoscalerConditionType = "ScalingActive"
	// AbleToScale indicates a lack of transient issues which prevent scaling from occurring,
	// such as being in a backoff window, or being unable to access/update the target scale.
	AbleToScale HorizontalPodAutoscalerConditionType = "AbleToScale"
	// ScalingLimited indicates that the calculated scale based on metrics would be above or
	// below the range for the HPA, and has thus been capped.
	ScalingLimited HorizontalPodAutoscalerConditionType = "ScalingLimited"
)

// HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a
// certain point.
type HorizontalPodAutoscalerCondition struct {
	// type describes the current condition.
	// +required
	Type HorizontalPodAutoscalerConditionType `json:"type"`

	// status is the status of the condition (True, False, Unknown).
	// +required
	Status corev1.ConditionStatus `json:"status"`

	// lastTransitionTime is the last time the condition transitioned from one status to another.
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`

	// reason is the reason for the condition's last transition.
	// +optional
	Reason string `json:"reason,omitempty"`

	// message is a human-readable explanation containing details about the transition.
	// +optional
	Message string `json:"message,omitempty"`
}

// MetricStatus describes the last-read state of a single metric.
type MetricStatus struct {
	// type is the type of metric source: one of "ContainerResource", "External", "Object",
	// "Pods" or "Resource", each corresponds to a matching field in the object.
	// +required
	Type MetricSourceType `json:"type"`

	// object refers to a metric describing a single kubernetes object.
	// +optional
	Object *ObjectMetricStatus `json:"object,omitempty"`

	// pods refers to a metric describing each pod in the current scale target.
	// +optional
	Pods *PodsMetricStatus `json:"pods,omitempty"`

	// resource refers to a resource metric known to Kubernetes describing each pod in the
	// current scale target (e.g. CPU or memory).
	// +optional
	Resource *ResourceMetricStatus `json:"resource,omitempty"`

	// containerResource refers to a resource metric known to Kubernetes describing a single
	// container in each pod in the current scale target.
	// +optional
	ContainerResource *ContainerResourceMetricStatus `json:"containerResource,omitempty"`

	// external refers to a global metric that is not associated with any Kubernetes object.
	// +optional
	External *ExternalMetricStatus `json:"external,omitempty"`
}

// ObjectMetricStatus indicates the current value of a metric describing a kubernetes object
// (for example, hits-per-second on an Ingress object).
type ObjectMetricStatus struct {
	// target is the described Kubernetes object.
	// +required
	Target CrossVersionObjectReference `json:"target"`

	// metricName is the name of the metric in question.
	// +required
	MetricName string `json:"metricName"`

	// currentValue is the current value of the metric (as a quantity).
	// +required
	CurrentValue resource.Quantity `json:"currentValue"`

	// selector is the string-encoded form of a standard kubernetes label selector for the given
	// metric.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	// averageValue is the current value of the average of the metric across all relevant pods
	// (as a quantity).
	// +optional
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`
}

// PodsMetricStatus indicates the current value of a metric describing each pod in the current
// scale target (for example, transactions-processed-per-second).
type PodsMetricStatus struct {
	// metricName is the name of the metric in question.
	// +required
	MetricName string `json:"metricName"`

	// currentAverageValue is the current value of the average of the metric across all
	// relevant pods (as a quantity).
	// +required
	CurrentAverageValue resource.Quantity `json:"currentAverageValue"`

	// selector is the string-encoded form of a standard kubernetes label selector for the given
	// metric.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// ResourceMetricStatus indicates the current value of a resource metric known to Kubernetes,
// as specified in requests and limits, describing each pod in the current scale target (e.g.
// CPU or memory).
type ResourceMetricStatus struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// currentAverageUtilization is the current value of the average of the resource metric
	// across all relevant pods, represented as a percentage of the requested value of the
	// resource for the pods. It will only be present if `targetAverageValue` was set in the
	// corresponding metric specification.
	// +optional
	CurrentAverageUtilization *int32 `json:"currentAverageUtilization,omitempty"`

	// currentAverageValue is the current value of the average of the resource metric across all
	// relevant pods, as a raw value (instead of as a percentage of the request), similar to the
	// "pods" metric source type. It will always be set, regardless of the corresponding metric
	// specification.
	// +required
	CurrentAverageValue resource.Quantity `json:"currentAverageValue"`
}

// ContainerResourceMetricStatus indicates the current value of a resource metric known to
// Kubernetes, as specified in requests and limits, describing a single container in each pod
// in the current scale target (e.g. CPU or memory).
type ContainerResourceMetricStatus struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// currentAverageUtilization is the current value of the average of the resource metric
	// across all relevant pods, represented as a percentage of the requested value of the
	// resource for the pods. It will only be present if `targetAverageValue` was set in the
	// corresponding metric specification.
	// +optional
	CurrentAverageUtilization *int32 `json:"currentAverageUtilization,omitempty"`

	// currentAverageValue is the current value of the average of the resource metric across all
	// relevant pods, as a raw value (instead of as a percentage of the request), similar to the
	// "pods" metric source type. It will always be set, regardless of the corresponding metric
	// specification.
	// +required
	CurrentAverageValue resource.Quantity `json:"currentAverageValue"`

	// container is the name of the container in the pods of the scaling target.
	// +required
	Container string `json:"container"`
}

// ExternalMetricStatus indicates the current value of a global metric not associated with any
// Kubernetes object.
type ExternalMetricStatus struct {
	// metricName is the name of a metric used for autoscaling in metric system.
	// +required
	MetricName string `json:"metricName"`

	// metricSelector is used to identify a specific time series within a given metric.
	// +optional
	MetricSelector *metav1.LabelSelector `json:"metricSelector,omitempty"`

	// currentValue is the current value of the metric (as a quantity).
	// +required
	CurrentValue resource.Quantity `json:"currentValue"`

	// currentAverageValue is the current value of metric averaged over autoscaled pods.
	// +optional
	CurrentAverageValue *resource.Quantity `json:"currentAverageValue,omitempty"`
}

// HorizontalPodAutoscalerList is a list of horizontal pod autoscaler objects.
//
// +kubebuilder:object:root=true
type HorizontalPodAutoscalerList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`

	// items is the list of horizontal pod autoscaler objects.
	// +required
	Items []HorizontalPodAutoscaler `json:"items"`
}

func init() {
	SchemeBuilder.Register(&HorizontalPodAutoscaler{}, &HorizontalPodAutoscalerList{})
}
