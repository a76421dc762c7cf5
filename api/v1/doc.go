// Package v1 contains the v1 version of the autoscaling.mhpa.dev API: the
// HorizontalPodAutoscaler with exactly the fields of upstream autoscaling/v1, whose only metric
// is a target CPU utilization. It converts to and from the hub version v2 without loss; every
// other metric, the behavior, the conditions, the metric statuses, subdomains, shadow metrics and
// mhpa's own status fields are carried in autoscaling.mhpa.dev/* annotations, in the manner of
// upstream's autoscaling.alpha.kubernetes.io/* annotations.
//
// +kubebuilder:object:generate=true
// +groupName=autoscaling.mhpa.dev
package v1
