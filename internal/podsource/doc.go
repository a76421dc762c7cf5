// Package podsource lists the pods of an HPA's target from one shared pod informer, kept
// small enough for clusters with 100,000 pods.
//
// The informer's transform turns each pod into a Pod that holds only what the HPA reads:
// name, namespace, labels, phase, deletion timestamp, start time, the Ready condition's
// status and lastTransitionTime, the name and resource requests of each container and of
// each restartable init container (sidecar), and the pod-level requests when the pod sets
// them. BenchmarkMemoryPerPod measures the heap it takes per pod, indexes included.
//
// Pods are indexed by namespace and by each label (key=value) in their namespace, so that
// List of a selector such as a Deployment's reads about the pods it returns rather than the
// whole namespace.
//
// SelectorIndex answers upstream's AmbiguousSelector question (are the pods of this HPA's
// target also selected by another HPA?) by looking up, for each pod, only the HPAs whose
// selector requires one of the pod's labels.
//
// Pods returned by List are shared with the cache and must not be modified.
package podsource
