package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

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

// HorizontalPodAutoscalerSpec is the specification of a horizontal pod autoscaler.
type HorizontalPodAutoscalerSpec struct {
	// scaleTargetRef is the reference to the scaled resource; the horizontal pod autoscaler will
	// learn the current resource consumption and will set the desired number of pods by using
	// its Scale subresource.
	// +required
	ScaleTargetRef CrossVersionObjectReference `json:"scaleTargetRef"`

	// minReplicas is the lower limit for the number of replicas to which the autoscaler can
	// scale down. It defaults to 1 pod. minReplicas may be 0 when at least one Object or
	// External metric is configured (such metrics are carried in the
	// autoscaling.mhpa.dev/metrics annotation in this version).
	// +kubebuilder:default=1
	// +optional
	MinReplicas *int32 `json:"minReplicas,omitempty"`

	// maxReplicas is the upper limit for the number of pods that can be set by the autoscaler;
	// cannot be smaller than minReplicas.
	// +required
	MaxReplicas int32 `json:"maxReplicas"`

	// targetCPUUtilizationPercentage is the target average CPU utilization (represented as a
	// percentage of requested CPU) over all the pods; if not specified (and no other metric is
	// given in the autoscaling.mhpa.dev/metrics annotation) the default of 80% applies.
	// +optional
	TargetCPUUtilizationPercentage *int32 `json:"targetCPUUtilizationPercentage,omitempty"`
}

// HorizontalPodAutoscalerStatus is the current status of a horizontal pod autoscaler.
type HorizontalPodAutoscalerStatus struct {
	// observedGeneration is the most recent generation observed by this autoscaler.
	// +optional
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`

	// lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods; used
	// by the autoscaler to control how often the number of pods is changed.
	// +optional
	LastScaleTime *metav1.Time `json:"lastScaleTime,omitempty"`

	// currentReplicas is the current number of replicas of pods managed by this autoscaler.
	// +optional
	CurrentReplicas int32 `json:"currentReplicas"`

	// desiredReplicas is the desired number of replicas of pods managed by this autoscaler.
	// +optional
	DesiredReplicas int32 `json:"desiredReplicas"`

	// currentCPUUtilizationPercentage is the current average CPU utilization over all pods,
	// represented as a percentage of requested CPU, e.g. 70 means that an average pod is using
	// now 70% of its requested CPU.
	// +optional
	CurrentCPUUtilizationPercentage *int32 `json:"currentCPUUtilizationPercentage,omitempty"`
}

// HorizontalPodAutoscaler is the configuration of a horizontal pod autoscaler.
//
// The resource names, short name and categories are declared once, on the v2 type.
//
// Printer columns: v1 has no status.reference or status.targets (those are v2 fields that this
// version carries inside the autoscaling.mhpa.dev/status annotation, where no JSONPath can
// reach), so REFERENCE shows the name of the scale target (a JSONPath cannot join kind and name)
// and TARGETS shows the current average CPU utilization in percent of the requests, the one
// metric v1 has a field for.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Reference",type=string,JSONPath=`.spec.scaleTargetRef.name`,description="The name of the scale target"
// +kubebuilder:printcolumn:name="Targets",type=integer,JSONPath=`.status.currentCPUUtilizationPercentage`,description="The current average CPU utilization in percent of the requests"
// +kubebuilder:printcolumn:name="MinPods",type=integer,JSONPath=`.spec.minReplicas`,description="The lower limit of replicas"
// +kubebuilder:printcolumn:name="MaxPods",type=integer,JSONPath=`.spec.maxReplicas`,description="The upper limit of replicas"
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.status.currentReplicas`,description="The current number of replicas"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type HorizontalPodAutoscaler struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec defines the behaviour of autoscaler.
	// +optional
	Spec HorizontalPodAutoscalerSpec `json:"spec,omitempty"`

	// status is the current information about the autoscaler.
	// +optional
	Status HorizontalPodAutoscalerStatus `json:"status,omitempty"`
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
