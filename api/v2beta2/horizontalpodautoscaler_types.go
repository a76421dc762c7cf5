package v2beta2

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
// Printer columns: v2beta2 has no status.reference or status.targets (those are v2 fields that
// this version carries inside the autoscaling.mhpa.dev/status annotation, where no JSONPath can
// reach), so REFERENCE shows the name of the scale target (a JSONPath cannot join kind and name)
// and TARGETS shows the current average CPU utilization in percent of the requests, the value
// `kubectl get hpa` shows for the most common HPA; it is empty for an HPA without a CPU Resource
// metric.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:deprecatedversion:warning="autoscaling.mhpa.dev/v2beta2 HorizontalPodAutoscaler is deprecated; use autoscaling.mhpa.dev/v2"
// +kubebuilder:printcolumn:name="Reference",type=string,JSONPath=`.spec.scaleTargetRef.name`,description="The name of the scale target"
// +kubebuilder:printcolumn:name="Targets",type=integer,JSONPath=`.status.currentMetrics[?(@.resource.name=="cpu")].resource.current.averageUtilization`,description="The current average CPU utilization in percent of the requests"
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
	// +kubebuilder:default={{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}}
	// +optional
	Metrics []MetricSpec `json:"metrics,omitempty"`

	// behavior configures the scaling behavior of the target in both Up and Down directions
	// (scaleUp and scaleDown fields respectively). If not set, the legacy limits apply.
	// +optional
	Behavior *HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
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

// HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and
// Down directions (scaleUp and scaleDown fields respectively).
type HorizontalPodAutoscalerBehavior struct {
	// scaleUp is scaling policy for scaling Up. If not set, the default value is the higher of:
	// increase no more than 4 pods per 15 seconds, or double the number of pods per 15 seconds.
	// No stabilization is used.
	// +kubebuilder:default={selectPolicy: Max, stabilizationWindowSeconds: 0, policies: {{type: Pods, value: 4, periodSeconds: 15}, {type: Percent, value: 100, periodSeconds: 15}}}
	// +optional
	ScaleUp *HPAScalingRules `json:"scaleUp,omitempty"`

	// scaleDown is scaling policy for scaling Down. If not set, the default value is to allow
	// to scale down to minReplicas pods, with the stabilization window of the controller's
	// --horizontal-pod-autoscaler-downscale-stabilization flag (300 seconds by default).
	// +kubebuilder:default={selectPolicy: Max, policies: {{type: Percent, value: 100, periodSeconds: 15}}}
	// +optional
	ScaleDown *HPAScalingRules `json:"scaleDown,omitempty"`
}

// ScalingPolicySelect is used to specify which policy should be used while scaling in a
// certain direction.
// +kubebuilder:validation:Enum=Max;Min;Disabled
type ScalingPolicySelect string

const (
	// MaxPolicySelect selects the policy with the highest possible change.
	MaxPolicySelect ScalingPolicySelect = "Max"
	// MinPolicySelect selects the policy with the lowest possible change.
	MinPolicySelect ScalingPolicySelect = "Min"
	// DisabledPolicySelect disables the scaling in this direction.
	DisabledPolicySelect ScalingPolicySelect = "Disabled"
)

// HPAScalingRules configures the scaling behavior for one direction. These Rules are applied
// after calculating DesiredReplicas from metrics for the HPA. They can limit the scaling
// velocity by specifying scaling policies. They can prevent flapping by specifying the
// stabilization window, so that the number of replicas is not set instantly, instead, the
// safest value from the stabilization window is chosen.
type HPAScalingRules struct {
	// stabilizationWindowSeconds is the number of seconds for which past recommendations
	// should be considered while scaling up or scaling down: from 0 to 3600 (one hour). If not
	// set, scale up uses 0 and scale down uses the controller's default (300).
	// +optional
	StabilizationWindowSeconds *int32 `json:"stabilizationWindowSeconds,omitempty"`

	// selectPolicy is used to specify which policy should be used: Max, Min or Disabled. If
	// not set, Max is used.
	// +kubebuilder:default=Max
	// +optional
	SelectPolicy *ScalingPolicySelect `json:"selectPolicy,omitempty"`

	// policies is a list of potential scaling polices which can be used during scaling. At
	// least one policy must be specified.
	// +listType=atomic
	// +optional
	Policies []HPAScalingPolicy `json:"policies,omitempty"`
}

// HPAScalingPolicyType is the type of the policy which could be used while making scaling
// decisions.
type HPAScalingPolicyType string

const (
	// PodsScalingPolicy is a policy used to specify a change in absolute number of pods.
	PodsScalingPolicy HPAScalingPolicyType = "Pods"
	// PercentScalingPolicy is a policy used to specify a relative amount of change with
	// respect to the current number of pods.
	PercentScalingPolicy HPAScalingPolicyType = "Percent"
)

// HPAScalingPolicy is a single policy which must hold true for a specified past interval.
type HPAScalingPolicy struct {
	// type is used to specify the scaling policy: Pods or Percent.
	// +required
	Type HPAScalingPolicyType `json:"type"`

	// value contains the amount of change which is permitted by the policy. It must be
	// greater than zero.
	// +required
	Value int32 `json:"value"`

	// periodSeconds specifies the window of time for which the policy should hold true:
	// greater than zero and at most 1800 (30 min).
	// +required
	PeriodSeconds int32 `json:"periodSeconds"`
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

// ObjectMetricSource indicates how to scale on a metric describing a kubernetes object (for
// example, hits-per-second on an Ingress object).
type ObjectMetricSource struct {
	// describedObject specifies the descriptions of an object, such as kind, name, apiVersion.
	// +required
	DescribedObject CrossVersionObjectReference `json:"describedObject"`

	// target specifies the target value for the given metric.
	// +required
	Target MetricTarget `json:"target"`

	// metric identifies the target metric by name and selector.
	// +required
	Metric MetricIdentifier `json:"metric"`
}

// PodsMetricSource indicates how to scale on a metric describing each pod in the current
// scale target (for example, transactions-processed-per-second). The values will be averaged
// together before being compared to the target value.
type PodsMetricSource struct {
	// metric identifies the target metric by name and selector.
	// +required
	Metric MetricIdentifier `json:"metric"`

	// target specifies the target value for the given metric.
	// +required
	Target MetricTarget `json:"target"`
}

// ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as
// specified in requests and limits, describing each pod in the current scale target (e.g. CPU
// or memory). The values will be averaged together before being compared to the target. Only
// one "target" type should be set.
type ResourceMetricSource struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// target specifies the target value for the given metric.
	// +required
	Target MetricTarget `json:"target"`
}

// ContainerResourceMetricSource indicates how to scale on a resource metric known to
// Kubernetes, as specified in requests and limits, describing a single container in each pod
// of the current scale target (e.g. CPU or memory). Only one "target" type should be set.
type ContainerResourceMetricSource struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// target specifies the target value for the given metric.
	// +required
	Target MetricTarget `json:"target"`

	// container is the name of the container in the pods of the scaling target.
	// +required
	Container string `json:"container"`
}

// ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes
// object (for example length of queue in cloud messaging service, or QPS from loadbalancer
// running outside of cluster).
type ExternalMetricSource struct {
	// metric identifies the target metric by name and selector.
	// +required
	Metric MetricIdentifier `json:"metric"`

	// target specifies the target value for the given metric.
	// +required
	Target MetricTarget `json:"target"`
}

// MetricIdentifier defines the name and optionally selector for a metric.
type MetricIdentifier struct {
	// name is the name of the given metric.
	// +required
	Name string `json:"name"`

	// selector is the string-encoded form of a standard kubernetes label selector for the given
	// metric. When set, it is passed as an additional parameter to the metrics server for more
	// specific metrics scoping. When unset, just the metricName will be used to gather metrics.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// MetricTarget defines the target value, average value, or average utilization of a specific
// metric.
type MetricTarget struct {
	// type represents whether the metric type is Utilization, Value, or AverageValue.
	// +required
	Type MetricTargetType `json:"type"`

	// value is the target value of the metric (as a quantity).
	// +optional
	Value *resource.Quantity `json:"value,omitempty"`

	// averageValue is the target value of the average of the metric across all relevant pods
	// (as a quantity).
	// +optional
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`

	// averageUtilization is the target value of the average of the resource metric across all
	// relevant pods, represented as a percentage of the requested value of the resource for the
	// pods. Currently only valid for Resource metric source type.
	// +optional
	AverageUtilization *int32 `json:"averageUtilization,omitempty"`
}

// MetricTargetType specifies the type of metric being targeted, and should be either
// "Value", "AverageValue", or "Utilization".
type MetricTargetType string

const (
	// UtilizationMetricType declares a MetricTarget is an AverageUtilization value.
	UtilizationMetricType MetricTargetType = "Utilization"
	// ValueMetricType declares a MetricTarget is a raw value.
	ValueMetricType MetricTargetType = "Value"
	// AverageValueMetricType declares a MetricTarget is an AverageValue.
	AverageValueMetricType MetricTargetType = "AverageValue"
)

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

// ObjectMetricStatus indicates the current value of a metric describing a kubernetes object.
type ObjectMetricStatus struct {
	// metric identifies the target metric by name and selector.
	// +required
	Metric MetricIdentifier `json:"metric"`

	// current contains the current value for the given metric.
	// +required
	Current MetricValueStatus `json:"current"`

	// describedObject specifies the descriptions of an object, such as kind, name, apiVersion.
	// +required
	DescribedObject CrossVersionObjectReference `json:"describedObject"`
}

// PodsMetricStatus indicates the current value of a metric describing each pod in the current
// scale target.
type PodsMetricStatus struct {
	// metric identifies the target metric by name and selector.
	// +required
	Metric MetricIdentifier `json:"metric"`

	// current contains the current value for the given metric.
	// +required
	Current MetricValueStatus `json:"current"`
}

// ResourceMetricStatus indicates the current value of a resource metric known to Kubernetes,
// as specified in requests and limits, describing each pod in the current scale target.
type ResourceMetricStatus struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// current contains the current value for the given metric.
	// +required
	Current MetricValueStatus `json:"current"`
}

// ContainerResourceMetricStatus indicates the current value of a resource metric known to
// Kubernetes, as specified in requests and limits, describing a single container in each pod
// in the current scale target.
type ContainerResourceMetricStatus struct {
	// name is the name of the resource in question.
	// +required
	Name corev1.ResourceName `json:"name"`

	// current contains the current value for the given metric.
	// +required
	Current MetricValueStatus `json:"current"`

	// container is the name of the container in the pods of the scaling target.
	// +required
	Container string `json:"container"`
}

// ExternalMetricStatus indicates the current value of a global metric not associated with any
// Kubernetes object.
type ExternalMetricStatus struct {
	// metric identifies the target metric by name and selector.
	// +required
	Metric MetricIdentifier `json:"metric"`

	// current contains the current value for the given metric.
	// +required
	Current MetricValueStatus `json:"current"`
}

// MetricValueStatus holds the current value for a metric.
type MetricValueStatus struct {
	// value is the current value of the metric (as a quantity).
	// +optional
	Value *resource.Quantity `json:"value,omitempty"`

	// averageValue is the current value of the average of the metric across all relevant pods
	// (as a quantity).
	// +optional
	AverageValue *resource.Quantity `json:"averageValue,omitempty"`

	// averageUtilization is the current value of the average of the resource metric across all
	// relevant pods, represented as a percentage of the requested value of the resource for the
	// pods.
	// +optional
	AverageUtilization *int32 `json:"averageUtilization,omitempty"`
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
