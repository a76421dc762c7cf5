// Package controller is the reconcile loop of mhpa-controller: for each HorizontalPodAutoscaler
// it gathers the inputs of a decision (the target's scale, its pods, each metric's values),
// calls the pure decision code of package decision, and applies the outcome (the target's new
// scale, status, conditions and events), as one reconcile of the upstream Kubernetes HPA
// controller does.
//
// Built for many autoscalers: reads are served by informers (package scaletarget for the
// scale of targets, package podsource for pods), metric queries go through the deduplicating
// and isolating metrics layer, status is written only when it changed, and no lock is held
// across an API or metrics call. The recommendation and scale-event history lives in status,
// so stabilization windows survive a restart or a change of leader.
//
// Shadow metrics: after each decision the controller hands the metric results to package
// shadow, which compares each shadow metric with the active metric it shadows, and persists
// the comparisons in status.shadowComparisons and the ShadowMetricsActive condition it
// returns (removed when spec.metrics has no shadow metric). ScalingActive keeps upstream's
// meaning: it speaks of the driving metrics only. A failing shadow metric also gets a Warning
// event from the decision, with the reason of its metric type and a message that begins
// "shadow metric".
//
// Built-in mode (SetupBuiltinWithManager, the --builtin-hpas flag): built-in autoscaling/v2
// HorizontalPodAutoscalers are converted to the hub version in memory with package builtin and
// go through the same reconcile; only where the status is written differs (see builtin.go).
// One reconcile function, for both, is the only place that turns a decision into writes.
package controller
