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
package controller
