// Package builtin converts the built-in HorizontalPodAutoscalers of Kubernetes
// (autoscaling/v1 and autoscaling/v2) into mhpa's hub version, autoscaling.mhpa.dev/v2, so that
// a manifest written for the built-in controller can be simulated, described or imported.
//
// The conversion renames what autoscaling.mhpa.dev/v2 renamed: the metric source type Resource
// becomes PodResource (and its field resource becomes podResource), and the selectPolicy values
// Max, Min and Disabled become MaxChange, MinChange and ScalingDisabled. The annotation
// autoscaling.mhpa.dev/subdomains, which chooses the metrics API server of each metric of a
// built-in autoscaler in built-in mode, becomes the subdomain field of each metric source.
// For autoscaling/v1 it reads what upstream keeps in annotations as well:
// autoscaling.alpha.kubernetes.io/metrics (the metrics other than the CPU target, which come
// first, as upstream orders them) and autoscaling.alpha.kubernetes.io/behavior.
//
// Only the object's metadata and spec are converted; the status is left empty. Annotations
// the conversion consumed are removed; the rest of the metadata is copied as it is. Nothing is
// defaulted: apply v2.SetDefaults_HorizontalPodAutoscaler afterwards, as the API server would.
// Malformed annotations are errors that name the annotation and what is allowed, where upstream
// would ignore them silently.
package builtin
