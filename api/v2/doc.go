// Package v2 contains the v2 version of the autoscaling.mhpa.dev API: the HorizontalPodAutoscaler
// with every field of upstream autoscaling/v2, the v2 renames (MaxChange, MinChange,
// ScalingDisabled, PodResource), a subdomain on every metric source that chooses the metrics API
// server, shadow metrics, and mhpa's own status fields. v2 is the storage version and the hub that
// every other version converts through.
//
// +kubebuilder:object:generate=true
// +groupName=autoscaling.mhpa.dev
package v2
