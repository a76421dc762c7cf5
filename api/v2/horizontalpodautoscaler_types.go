package v2

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which
// automatically manages the replica count of any resource implementing the scale subresource
// based on the metrics specified. Each metric may name the metrics API server it is read from
// through a subdomain.
//
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mhpa,categories=all;autoscaling
// +kubebuilder:printcolumn:name="Reference",type=string,JSONPath=`.status.reference`,description="The target of the autoscaler: kind/name"
// +kubebuilder:printcolumn:name="Targets",type=string,JSONPath=`.status.targets`,description="Current and target values of each metric"
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
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || self.maxReplicas >= self.minReplicas",fieldPath=".maxReplicas",messageExpression="'%d: must be greater than or equal to minReplicas (%d)'.format([self.maxReplicas, self.minReplicas])"
// +kubebuilder:validation:XValidation:rule="!has(self.minReplicas) || self.minReplicas != 0 || (has(self.metrics) && self.metrics.exists(m, (m.type == 'Object' || m.type == 'External') && !(has(m.shadow) && m.shadow)))",fieldPath=".minReplicas",message="0: may be 0 only when spec.metrics has at least one Object or External metric that is not a shadow metric (scale to zero and back); otherwise must be at least 1"
type HorizontalPodAutoscalerSpec struct {
	// scaleTargetRef points to the target resource to scale, and is used to the pods for which
	// metrics should be collected, as well as to actually change the replica count.
	// +required
	ScaleTargetRef CrossVersionObjectReference `json:"scaleTargetRef"`

	// minReplicas is the lower limit for the number of replicas to which the autoscaler can
	// scale down. It defaults to 1 pod. minReplicas may be 0 when at least one Object or
	// External metric is configured; scaling is then active as long as at least one metric
	// value is available.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=1
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// maxReplicas is the upper limit for the number of replicas to which the autoscaler can
	// scale up. It cannot be less than minReplicas.
	// +required
	// +kubebuilder:validation:Minimum=1
	MaxReplicas int32 `json:"maxReplicas"`

	// metrics contains the specifications for which to use to calculate the desired replica
	// count (the maximum replica count across all metrics will be used). If not set, the
	// default metric is 80% average CPU utilization.
	// +listType=atomic
	// +optional
	// +kubebuilder:default={{type: PodResource, podResource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}}
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
//
// Unknown fields of a metric are kept rather than dropped, so that the validating webhook can
// reject fields of older versions (such as resource) with their v2 names.
//
// +kubebuilder:validation:XPreserveUnknownFields
type MetricSpec struct {
	// type is the type of metric source: one of "ContainerResource", "External", "Object",
	// "Pods" or "PodResource", each mapping to a matching field in the object.
	// +required
	// +kubebuilder:validation:XValidation:rule="self != 'Resource'",message="renamed to \"PodResource\" in autoscaling.mhpa.dev/v2; supported values: \"ContainerResource\", \"External\", \"Object\", \"PodResource\", \"Pods\""
	Type MetricSourceType `json:"type"`

	// object refers to a metric describing a single kubernetes object.
	// +optional
	Object *ObjectMetricSource `json:"object,omitempty"`

	// pods refers to a metric describing each pod in the current scale target, averaged
	// together before being compared to the target value.
	// +optional
	Pods *PodsMetricSource `json:"pods,omitempty"`

	// podResource refers to a resource metric (such as those specified in requests and limits)
	// known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory).
	// It was called "resource" before v2.
	// +optional
	PodResource *ResourceMetricSource `json:"podResource,omitempty"`

	// containerResource refers to a resource metric known to Kubernetes describing a single
	// container in each pod of the current scale target.
	// +optional
	ContainerResource *ContainerResourceMetricSource `json:"containerResource,omitempty"`

	// external refers to a global metric that is not associated with any Kubernetes object.
	// +optional
	External *ExternalMetricSource `json:"external,omitempty"`

	// shadow marks a metric that is fetched, computed and reported in status like any other,
	// but never drives the replica count. It is used to compare a new metrics server against
	// the one in use before switching.
	// +optional
	Shadow bool `json:"shadow,omitempty"`
}

// HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and
// Down directions (scaleUp and scaleDown fields respectively).
type HorizontalPodAutoscalerBehavior struct {
	// scaleUp is scaling policy for scaling Up. If not set, the default value is the higher of:
	// increase no more than 4 pods per 60 seconds, or double the number of pods per 60 seconds.
	// No stabilization is used.
	// +optional
	// +kubebuilder:default={selectPolicy: MaxChange, stabilizationWindowSeconds: 0, policies: {{type: Pods, value: 4, periodSeconds: 15}, {type: Percent, value: 100, periodSeconds: 15}}}
	ScaleUp *HPAScalingRules `json:"scaleUp,omitempty"`

	// scaleDown is scaling policy for scaling Down. If not set, the default value is to allow
	// to scale down to minReplicas pods, with a 300 second stabilization window.
	// +optional
	// +kubebuilder:default={selectPolicy: MaxChange, policies: {{type: Percent, value: 100, periodSeconds: 15}}}
	ScaleDown *HPAScalingRules `json:"scaleDown,omitempty"`
}

// ScalingPolicySelect is used to specify which policy should be used while scaling in a
// certain direction.
type ScalingPolicySelect string

const (
	// MaxChangePolicySelect selects the policy with the highest possible change.
	MaxChangePolicySelect ScalingPolicySelect = "MaxChange"
	// MinChangePolicySelect selects the policy with the lowest possible change.
	MinChangePolicySelect ScalingPolicySelect = "MinChange"
	// DisabledPolicySelect disables the scaling in this direction.
	DisabledPolicySelect ScalingPolicySelect = "ScalingDisabled"
)

// HPAScalingRules configures the scaling behavior for one direction via scaling policy rules
// and a configurable metric tolerance.
type HPAScalingRules struct {
	// stabilizationWindowSeconds is the number of seconds for which past recommendations
	// should be considered while scaling up or scaling down: from 0 to 3600 (one hour). If not
	// set, scale up uses 0 and scale down uses 300.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	StabilizationWindowSeconds *int32 `json:"stabilizationWindowSeconds,omitempty"`

	// selectPolicy is used to specify which policy should be used: MaxChange, MinChange or
	// ScalingDisabled. If not set, MaxChange is used.
	// +optional
	// +kubebuilder:default=MaxChange
	// +kubebuilder:validation:XValidation:rule="self in ['MaxChange', 'MinChange', 'ScalingDisabled']",messageExpression="(self == 'Max' ? 'renamed to \"MaxChange\" in autoscaling.mhpa.dev/v2; ' : self == 'Min' ? 'renamed to \"MinChange\" in autoscaling.mhpa.dev/v2; ' : self == 'Disabled' ? 'renamed to \"ScalingDisabled\" in autoscaling.mhpa.dev/v2; ' : '') + 'supported values: \"MaxChange\", \"MinChange\", \"ScalingDisabled\"'"
	SelectPolicy *ScalingPolicySelect `json:"selectPolicy,omitempty"`

	// policies is a list of potential scaling polices which can be used during scaling.
	// +listType=atomic
	// +optional
	Policies []HPAScalingPolicy `json:"policies,omitempty"`

	// tolerance is the tolerance on the ratio between the current and desired metric value
	// under which no updates are made to the desired number of replicas (e.g. 0.01 for 1%).
	// Must be greater than or equal to zero. If not set, the cluster-wide tolerance applies.
	// +optional
	Tolerance *resource.Quantity `json:"tolerance,omitempty"`
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
	// +kubebuilder:validation:Enum=Pods;Percent
	Type HPAScalingPolicyType `json:"type"`

	// value contains the amount of change which is permitted by the policy. It must be
	// greater than zero.
	// +required
	// +kubebuilder:validation:Minimum=1
	Value int32 `json:"value"`

	// periodSeconds specifies the window of time for which the policy should hold true:
	// greater than zero and at most 1800 (30 min).
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1800
	PeriodSeconds int32 `json:"periodSeconds"`
}

// MetricSourceType indicates the type of metric.
type MetricSourceType string

const (
	// ObjectMetricSourceType is a metric describing a kubernetes object (for example,
	// hits-per-second on an Ingress object).
	ObjectMetricSourceType MetricSourceType = "Object"
	// PodsMetricSourceType is a metric describing each pod in the current scale target (for
	// example, transactions-processed-per-second). The values will be averaged together before
	// being compared to the target value.
	PodsMetricSourceType MetricSourceType = "Pods"
	// PodResourceMetricSourceType is a resource metric known to Kubernetes, as specified in
	// requests and limits, describing each pod in the current scale target (e.g. CPU or
	// memory). It was called "Resource" before v2.
	PodResourceMetricSourceType MetricSourceType = "PodResource"
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

	// subdomain chooses the custom metrics API server: empty reads custom.metrics.k8s.io,
	// "S" reads S.custom.metrics.k8s.io. It must be a DNS-1123 label.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Subdomain string `json:"subdomain,omitempty"`
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

	// subdomain chooses the custom metrics API server: empty reads custom.metrics.k8s.io,
	// "S" reads S.custom.metrics.k8s.io. It must be a DNS-1123 label.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Subdomain string `json:"subdomain,omitempty"`
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

	// subdomain chooses the resource metrics API server: empty reads metrics.k8s.io, "S"
	// reads S.metrics.k8s.io. It must be a DNS-1123 label.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Subdomain string `json:"subdomain,omitempty"`
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

	// subdomain chooses the resource metrics API server: empty reads metrics.k8s.io, "S"
	// reads S.metrics.k8s.io. It must be a DNS-1123 label.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Subdomain string `json:"subdomain,omitempty"`
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

	// subdomain chooses the external metrics API server: empty reads
	// external.metrics.k8s.io, "S" reads S.external.metrics.k8s.io. It must be a DNS-1123
	// label.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Subdomain string `json:"subdomain,omitempty"`
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
	// +kubebuilder:validation:Enum=Utilization;Value;AverageValue
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
	// +kubebuilder:validation:Minimum=1
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
	// +kubebuilder:validation:Minimum=0
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`

	// desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as
	// last calculated by the autoscaler.
	// +optional
	// +kubebuilder:validation:Minimum=0
	DesiredReplicas int32 `json:"desiredReplicas"`

	// currentMetrics is the last read state of the metrics used by this autoscaler.
	// +listType=atomic
	// +optional
	CurrentMetrics []MetricStatus `json:"currentMetrics"`

	// conditions is the set of conditions required for this autoscaler to scale its target,
	// and indicates whether or not those conditions are met.
	// +patchMergeKey=type
	// +patchStrategy=merge
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []HorizontalPodAutoscalerCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// reference is the scale target as kind/name, for display (the REFERENCE column).
	// +optional
	Reference string `json:"reference,omitempty"`

	// targets is each metric's current and target value, for display (the TARGETS column),
	// formatted as `kubectl get hpa` formats them.
	// +optional
	Targets string `json:"targets,omitempty"`

	// lastDecision explains the most recent scaling decision: each metric's proposal, which
	// metric won and which limit applied.
	// +optional
	LastDecision *ScalingDecision `json:"lastDecision,omitempty"`

	// history is the compact record of recent recommendations and scale events that the
	// stabilization windows and scaling policies need, so they survive a controller restart or
	// a leader change.
	// +optional
	History *ScalingHistory `json:"history,omitempty"`

	// shadowComparisons compare, for each shadow metric that shadows an active metric (one of
	// the same type, resource and target), the replica counts the two proposed, so that an
	// operator can tell whether they agree before making the shadow metric the active one.
	// The record changes only when the outcome or a disagreeing proposal changes, never just
	// because time passes.
	// +listType=atomic
	// +optional
	ShadowComparisons []ShadowComparison `json:"shadowComparisons,omitempty"`
}

// ShadowComparison is how the proposals of a shadow metric compared with those of the active
// metric it shadows: stretches of time ("runs") in which they agreed, disagreed or could not
// be compared, and totals since the comparison began.
type ShadowComparison struct {
	// shadowMetric is the index in spec.metrics of the shadow metric.
	// +required
	// +kubebuilder:validation:Minimum=0
	ShadowMetric int32 `json:"shadowMetric"`

	// activeMetric is the index in spec.metrics of the active metric it is compared with.
	// +required
	// +kubebuilder:validation:Minimum=0
	ActiveMetric int32 `json:"activeMetric"`

	// shadowName names the shadow metric and its metrics API, for example
	// "external/queue_length@tenant-a" ("@" and the subdomain are left out for the default
	// group). A comparison starts again when either name changes.
	// +required
	ShadowName string `json:"shadowName"`

	// activeName names the active metric likewise.
	// +required
	ActiveName string `json:"activeName"`

	// since is when the comparison began: the first decision that computed both metrics.
	// +required
	Since metav1.Time `json:"since"`

	// runs are the recent stretches of equal outcomes, oldest first. Each run lasts from its
	// time until the next run's time; the last one lasts until now. Runs that ended before
	// the comparison window (24 hours) are dropped, and at most 32 are kept.
	// +listType=atomic
	// +optional
	Runs []ShadowRun `json:"runs,omitempty"`

	// agreedSeconds is the total length of the runs since `since` in which the two metrics
	// agreed, not counting the last (still open) run.
	// +optional
	// +kubebuilder:validation:Minimum=0
	AgreedSeconds int64 `json:"agreedSeconds,omitempty"`

	// disagreedSeconds is the total length of the closed runs since `since` in which they
	// disagreed.
	// +optional
	// +kubebuilder:validation:Minimum=0
	DisagreedSeconds int64 `json:"disagreedSeconds,omitempty"`

	// failedSeconds is the total length of the closed runs since `since` in which at least
	// one of them gave no proposal.
	// +optional
	// +kubebuilder:validation:Minimum=0
	FailedSeconds int64 `json:"failedSeconds,omitempty"`

	// disagreements is how many runs of disagreement began since `since`.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Disagreements int32 `json:"disagreements,omitempty"`

	// lastDisagreement is the most recent disagreement: when it began (or when either proposal
	// last changed during it) and what each metric proposed then.
	// +optional
	LastDisagreement *ShadowDisagreement `json:"lastDisagreement,omitempty"`
}

// ShadowOutcome is how a shadow metric's proposal compared with its active metric's.
// +kubebuilder:validation:Enum=Agree;Disagree;Failed
type ShadowOutcome string

const (
	// ShadowAgree means both metrics proposed the same replica count.
	ShadowAgree ShadowOutcome = "Agree"
	// ShadowDisagree means both proposed a replica count, and the counts differ.
	ShadowDisagree ShadowOutcome = "Disagree"
	// ShadowFailed means at least one of the two metrics gave no proposal.
	ShadowFailed ShadowOutcome = "Failed"
)

// ShadowRun is a stretch of time with one outcome.
type ShadowRun struct {
	// time is when the run began: the first decision with its outcome, rounded up to a whole
	// second.
	// +required
	Time metav1.Time `json:"time"`

	// outcome is how the proposals compared during the run: Agree, Disagree or Failed.
	// +required
	Outcome ShadowOutcome `json:"outcome"`
}

// ShadowDisagreement records what the two metrics proposed when they disagreed.
type ShadowDisagreement struct {
	// time is when the two metrics began to propose these counts, rounded up to a whole
	// second.
	// +required
	Time metav1.Time `json:"time"`

	// activeReplicas is what the active metric proposed.
	// +required
	ActiveReplicas int32 `json:"activeReplicas"`

	// shadowReplicas is what the shadow metric proposed.
	// +required
	ShadowReplicas int32 `json:"shadowReplicas"`
}

// ScalingDecision explains one scaling decision.
type ScalingDecision struct {
	// time is when the decision was made.
	// +required
	Time metav1.Time `json:"time"`

	// currentReplicas is the replica count the decision started from.
	// +required
	CurrentReplicas int32 `json:"currentReplicas"`

	// desiredReplicas is the replica count the decision arrived at.
	// +required
	DesiredReplicas int32 `json:"desiredReplicas"`

	// metrics is each metric's proposal, in the order of spec.metrics.
	// +listType=atomic
	// +optional
	Metrics []MetricProposal `json:"metrics,omitempty"`

	// selectedMetric is the index in spec.metrics of the metric whose proposal won; absent when
	// no metric produced a proposal.
	// +optional
	SelectedMetric *int32 `json:"selectedMetric,omitempty"`

	// recommendation is the replica count the metrics proposed, before stabilization, rate
	// limits and min/max clamping.
	// +optional
	Recommendation int32 `json:"recommendation,omitempty"`

	// limit names the rule that changed the recommendation, if any (for example
	// ScaleDownStabilized, ScaleUpLimit, TooManyReplicas, TooFewReplicas).
	// +optional
	Limit string `json:"limit,omitempty"`

	// message explains the decision in words.
	// +optional
	Message string `json:"message,omitempty"`
}

// MetricProposal is what one metric proposed in a decision.
type MetricProposal struct {
	// name describes the metric, for example "pods/requests_per_second" or "podResource/cpu".
	// +required
	Name string `json:"name"`

	// replicas is the replica count this metric proposed; absent when it failed.
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// shadow is true when the metric is a shadow metric, whose proposal never drives scaling.
	// +optional
	Shadow bool `json:"shadow,omitempty"`

	// error says why the metric gave no proposal.
	// +optional
	Error string `json:"error,omitempty"`
}

// ScalingHistory is the compact record of recent recommendations and scale events.
type ScalingHistory struct {
	// recommendations are runs of equal recommended replica counts, oldest first, kept while a
	// stabilization window may still hold them. Every entry but the last is a closed run and
	// its time is when its count was last recommended; the last entry is the count recommended
	// most recently and its time is when it was first recommended, so that recommending it
	// again changes nothing. When a different count is recommended, the last entry takes the
	// time it was last recommended and a new entry is appended.
	// +listType=atomic
	// +optional
	Recommendations []TimedReplicas `json:"recommendations,omitempty"`

	// scaleUpEvents are recent scale-up events, each with the number of replicas added. A new
	// event takes the place of the last one older than the longest scale-up policy period, or
	// is appended when there is none.
	// +listType=atomic
	// +optional
	ScaleUpEvents []TimedReplicas `json:"scaleUpEvents,omitempty"`

	// scaleDownEvents are recent scale-down events, each with the number of replicas removed.
	// A new event takes the place of the last one older than the longest scale-down policy
	// period, or is appended when there is none.
	// +listType=atomic
	// +optional
	ScaleDownEvents []TimedReplicas `json:"scaleDownEvents,omitempty"`
}

// TimedReplicas is a replica count (or a change of it) at a point in time.
type TimedReplicas struct {
	// time is when the entry was recorded, rounded up to a whole second; see ScalingHistory
	// for what it means in each list.
	// +required
	Time metav1.Time `json:"time"`

	// replicas is the replica count, or for a scale event the number of replicas added or
	// removed.
	// +required
	Replicas int32 `json:"replicas"`
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
	// ScaledToZero indicates that the HPA controller scaled the workload to zero.
	ScaledToZero HorizontalPodAutoscalerConditionType = "ScaledToZero"
	// ShadowMetricsActive is mhpa's own, set while spec.metrics has a shadow metric: True
	// (reason ShadowMetricsComputed) when every shadow metric computed a replica count, False
	// when one did not, with the reason ScalingActive would have for a driving metric of its
	// type (for example FailedGetExternalMetric) and a message naming the metric. It never
	// changes ScalingActive, which speaks of the driving metrics only.
	ShadowMetricsActive HorizontalPodAutoscalerConditionType = "ShadowMetricsActive"
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
	// "Pods" or "PodResource", each corresponds to a matching field in the object.
	// +required
	Type MetricSourceType `json:"type"`

	// object refers to a metric describing a single kubernetes object.
	// +optional
	Object *ObjectMetricStatus `json:"object,omitempty"`

	// pods refers to a metric describing each pod in the current scale target.
	// +optional
	Pods *PodsMetricStatus `json:"pods,omitempty"`

	// podResource refers to a resource metric known to Kubernetes describing each pod in the
	// current scale target (e.g. CPU or memory). It was called "resource" before v2.
	// +optional
	PodResource *ResourceMetricStatus `json:"podResource,omitempty"`

	// containerResource refers to a resource metric known to Kubernetes describing a single
	// container in each pod in the current scale target.
	// +optional
	ContainerResource *ContainerResourceMetricStatus `json:"containerResource,omitempty"`

	// external refers to a global metric that is not associated with any Kubernetes object.
	// +optional
	External *ExternalMetricStatus `json:"external,omitempty"`

	// shadow is true when this status belongs to a shadow metric, which never drives scaling.
	// +optional
	Shadow bool `json:"shadow,omitempty"`
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
