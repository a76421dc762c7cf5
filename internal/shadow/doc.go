// Package shadow compares shadow metrics with the active metrics they shadow, so that an
// operator moving an autoscaler from one metrics server to another can see, before flipping
// them, whether the new server's metric would have scaled the target the same way.
//
// A shadow metric (spec.metrics[i].shadow) is fetched and computed every sync like any other
// but never drives the replica count (package decision). It shadows an active metric when both
// are of the same type, name the same resource (and container) for resource metrics, and have
// the same target: typically the same metric read from another subdomain. [Pairs] finds the
// pairs: each shadow metric is paired with the first active metric of the same kind and target
// that also reads the same metric (name, selector, described object); failing that, with the
// first active metric of the same kind and target, so that a metric renamed by the new server
// still pairs up.
//
// [Observe] is pure. After each decision the controller passes it the decision's metric
// results and the comparisons persisted in status.shadowComparisons, and persists what it
// returns, together with the ShadowMetricsActive condition it says to set:
//
//   - In each decision a pair either agrees (both metrics proposed the same replica count),
//     disagrees (both proposed, differently) or failed (at least one gave no proposal).
//     Decisions that computed no metric at all (a target at zero replicas, or outside
//     minReplicas..maxReplicas, or a selector problem) are not observations.
//   - A comparison records runs of equal outcomes, like the recommendation history of package
//     behavior: a run carries only the time it began, and a new run is appended only when the
//     outcome changes. A run lasts until the next one begins, the last one until now. Steady
//     agreement, or steady disagreement with the same proposals, therefore changes nothing in
//     the status: no status write is caused by time passing. Counters per decision, or a
//     "last compared" time, would change at every sync and write the status every sync.
//   - When a run closes, its length is added to the totals since the comparison began
//     (agreedSeconds, disagreedSeconds, failedSeconds), and a new disagreement counts in
//     disagreements. Runs that ended before the window ([DefaultWindow]) are dropped when a
//     new run is appended, and at most [MaxRuns] are kept, so the status stays small however
//     long the comparison runs.
//   - lastDisagreement records when the latest disagreement began and what each metric
//     proposed; it changes when a disagreement begins or its proposals change (and then the
//     decision's proposals in status.lastDecision change too, so this adds no write).
//   - A comparison is kept while its pair exists with the same metric names (including the
//     subdomain); flipping the two metrics, or pointing either at another server, starts a new
//     one.
//
// Times are rounded up to whole seconds, as the API stores them. The length of a run is
// counted from its first decision to the next run's first decision, so each change of outcome
// may be placed up to one sync period late; the time the controller was not running, or
// decided without computing metrics, counts for the run that was open then.
//
// The ShadowMetricsActive condition (set only while spec.metrics has a shadow metric) is True
// with reason ShadowMetricsComputed when every shadow metric computed a proposal, and False
// with the reason ScalingActive would give for a failing driving metric of the same type (for
// example FailedGetExternalMetric) and a message naming the first failing shadow metric. It
// leaves ScalingActive to the driving metrics, as upstream defines it.
//
// For `kubectl mhpa describe`, [Views] turns an autoscaler's status into one [View] per pair:
// both metrics' current values and proposals (from status.currentMetrics and
// status.lastDecision) and a [Summary] of their agreement over the window and since the
// comparison began.
package shadow
