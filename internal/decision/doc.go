// Package decision makes one scaling decision for an autoscaler, the way one reconcile of the
// upstream Kubernetes HPA controller (kube-controller-manager v1.36) decides: it computes a
// proposal per metric with package replicas, picks the largest, applies the stabilization
// windows and limits with package behavior, handles targets at zero replicas and outside
// minReplicas..maxReplicas, and says which conditions and events upstream would set.
//
// [Decide] is pure: the controller gathers the inputs (the spec, the target's scale, its pods,
// the metric values or the errors fetching them, the persisted history, the time) and applies
// the [Decision] (scale the target, write status and conditions with [ApplyConditions], emit
// events, persist the history). When the scale update fails, [Decision.ScaleFailed] gives the
// decision as it then stands. The simulator and the CLI's explanations call the same
// functions.
//
// The order of a decision, as upstream's reconcile:
//
//  1. An autoscaler seen for the first time records the current count as a recommendation.
//     Every decision that gets as far as a recommendation records it (step 4).
//  2. A target at zero replicas is left alone (ScalingActive=False, ScalingDisabled) unless
//     the autoscaler scaled it to zero itself (ScaledToZero=True) and either minReplicas is
//     above zero or an object or external metric can say how many replicas are needed.
//  3. A target above maxReplicas or below minReplicas is brought within them, no metric read.
//  4. Otherwise every metric proposes a count. If all driving metrics fail, or some fail and
//     the others propose fewer replicas than now, nothing changes (ScalingActive=False with
//     the first failure's reason). Otherwise the largest proposal is the recommendation
//     (ScalingActive=True, ValidMetricFound), which stabilization, rate limits and min/max
//     turn into the desired count (AbleToScale and ScalingLimited say how).
//  5. A rescale sets AbleToScale=True (SucceededRescale), ScaledToZero, a SuccessfulRescale
//     event and, with a behavior, records the scale event.
//
// Where mhpa differs from upstream, on purpose:
//
//   - Scale to zero (upstream's alpha HPAScaleToZero gate), configurable tolerance
//     (HPAConfigurableTolerance) and pod-level requests (PodLevelResources) are always on.
//   - Shadow metrics are computed and reported, with their failure events (upstream's reason
//     for the metric type, and a message that begins "shadow metric <name>"), but never chosen,
//     never block a scale-down and do not count as the object or external metric that allows
//     scaling from zero. An autoscaler whose metrics are all shadow metrics gets
//     ScalingActive=False with reason NoDrivingMetric.
//   - The history is persisted in the status, as runs of recommendations (see package
//     behavior), so it survives a restart of the controller where upstream starts afresh.
//     The time the latest run was last recommended is kept by the controller in memory
//     ([Input.LastRecommendationTime], [Decision.LastRecommendationTime]); after a restart it
//     is unknown, and that run may stay in the stabilization windows up to one sync period
//     longer than upstream's last sample of it would. Times are kept to whole seconds,
//     rounded up.
//   - In status.currentMetrics a metric that failed keeps its type (upstream writes an empty
//     entry); an AverageValue object or external metric of a target at zero reports its total
//     value; replica counts beyond the int32 range saturate instead of wrapping.
//   - Some messages are worded better: an object metric with an AverageValue target is
//     described as "<Kind> metric <name>" (upstream calls it an external metric), and object
//     metric fetch errors name the object.
package decision
