// Package v2beta1 contains the deprecated v2beta1 version of the autoscaling.mhpa.dev API: the
// HorizontalPodAutoscaler with exactly the fields of upstream autoscaling/v2beta1 (targetValue,
// targetAverageValue and targetAverageUtilization instead of a MetricTarget, metric source type
// "Resource", no behavior). It converts to and from the hub version v2 without loss; what
// v2beta1 cannot express (target shapes it has no fields for, behavior, subdomains, shadow
// metrics, mhpa's own status fields) is carried in autoscaling.mhpa.dev/* annotations.
//
// +kubebuilder:object:generate=true
// +groupName=autoscaling.mhpa.dev
package v2beta1
