// Package replicas is the replica calculator of mhpa: given one metric's current value, its
// target and the pods of the scale target, it proposes a replica count the way the upstream
// Kubernetes HPA controller (kube-controller-manager v1.36) does.
//
// It is pure decision code. Its inputs are plain values that the controller fills from its
// informers and metrics clients, and that a simulator can fill from a trace: pods as [Pod]
// (phase, readiness, start time, requests), per-pod metric values as [PodMetric], object and
// external metric values as milli-values, and the current time. Nothing here reads a clock, a
// client or a cache.
//
// The rules it implements, metric kind by metric kind:
//
//   - Per-pod metrics (resource, container resource and pods metrics): the usage ratio is the
//     average current value over the pods that have a value, divided by the target. Pods being
//     deleted and failed pods are ignored. Pending pods, and for CPU the pods that are not ready
//     yet or whose sample predates their readiness (see [Readiness]), are left out of the
//     average; on a scale-up they are then counted as using nothing. Pods without a value are
//     counted as using exactly the target (100% of their request for utilization targets above
//     100%: the target) on a scale-down and nothing on a scale-up. If filling them in flips
//     the direction of the change, or brings the ratio within tolerance, the current count is
//     kept.
//   - Object and external metrics with a Value target: the ratio of the value to the target
//     times the number of ready pods; from zero replicas, the ratio itself, rounded up.
//   - Object and external metrics with an AverageValue target: the value divided by the
//     target, rounded up.
//
// No proposal changes the count while the usage ratio is within the tolerances.
package replicas
