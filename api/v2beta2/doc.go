// Package v2beta2 contains the deprecated v2beta2 version of the autoscaling.mhpa.dev API: the
// HorizontalPodAutoscaler with exactly the fields of upstream autoscaling/v2beta2 (metric source
// type "Resource", selectPolicy Max, Min and Disabled). It converts to and from the hub version
// v2 without loss; what v2beta2 cannot express (subdomains, shadow metrics, behavior tolerances,
// mhpa's own status fields) is carried in autoscaling.mhpa.dev/* annotations.
//
// +kubebuilder:object:generate=true
// +groupName=autoscaling.mhpa.dev
package v2beta2
