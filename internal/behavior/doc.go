// Package behavior turns the replica count that the metrics recommend into the count the
// autoscaler sets, the way the upstream Kubernetes HPA controller (kube-controller-manager
// v1.36) does: stabilization windows, scaling policies over periods, selectPolicy, the legacy
// limits when spec.behavior is not set, and min/max clamping. Every result carries the
// condition reason and message upstream would set (AbleToScale for stabilization,
// ScalingLimited for limits).
//
// It is pure decision code: the current time and the history of past recommendations and
// scale events are inputs, and the updated history is an output. The history has the shape of
// the API type v2.ScalingHistory so that the controller can persist it in the object's status
// and read it back without loss:
//
//   - Recommendations are runs of equal recommended counts. A closed run carries the time its
//     count was last recommended; the open run (the last entry, the count recommended most
//     recently) carries the time it was first recommended. A new entry is recorded only when
//     the recommendation differs from the open run's: the open run is then closed with the
//     time of the previous decision that recorded a recommendation (an input, since it changes
//     at every decision and is not persisted), so a steady state leaves the history unchanged
//     (and the status unwritten).
//   - Scale events record the number of replicas added or removed at a time. A new event
//     takes the slot of the last event of its direction older than that direction's longest
//     policy period, or is appended, as upstream stores them.
//   - Times are rounded up to whole seconds, as the API stores them, so a history that went
//     through the API decides exactly like the one in memory.
//   - Closed runs are dropped when a new entry is recorded once no window ending then or later
//     can hold them: last recommended before the longest stabilization window.
//
// Upstream keeps one timestamped sample per decision that recommends a count (and one of the
// current count when it first sees an autoscaler). A window holds the decision's own
// recommendation and the samples made after the window's start: with the legacy window also
// one made exactly at its start, with a zero window none. A window holds some sample of a run
// exactly when it holds the run's last one, so a closed run stands for its samples exactly.
// The open run's count is the one recommended before, so its samples matter only when this
// decision recommends a different count, and then its last sample is the previous recommending
// decision's. Upstream reuses the slot of a sample that no window holds any more, and such a
// sample never comes back into a window that keeps its length; runs are dropped likewise, and
// events are stored in upstream's slots. So while the windows and policy periods keep their
// lengths, decisions equal upstream's step by step, except that:
//
//   - Entry times are rounded up to whole seconds, so a count may stay in a window or an event
//     in a period up to one second longer than with upstream's clock.
//   - When the time of the previous recommending decision is unknown (after a restart of the
//     controller) the open run is taken to have been recommended until the decision that
//     closes it: it may stay in the windows up to one sync period longer, never shorter.
//     Upstream, restarted, forgets every sample instead.
//
// When a window or a policy period changes length, upstream may bring back samples or events
// whose slots it has not reused yet, which depends on the order of its slots; here the runs
// not dropped and the events not replaced yet count.
package behavior
