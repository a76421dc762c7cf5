// Package explain turns an autoscaler's status and events into the text `kubectl mhpa
// describe` prints: per metric its subdomain and metrics API group, current value, target and
// the replica count it proposed, which metric won, the limit or stabilization window that
// changed the recommendation, the behavior in force, the history the windows look at, shadow
// comparisons, conditions and events.
//
// It only presents what the controller recorded (status.lastDecision, status.currentMetrics,
// status.conditions, status.history, status.shadowComparisons and the events), in the
// controller's own words: it recomputes no decision. The metric names, API groups and shadow
// summaries come from the packages the controller uses (decision, metrics, shadow).
//
// [Describe] is pure: the time ages are counted to is an input.
package explain
