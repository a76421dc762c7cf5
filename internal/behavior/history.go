package behavior

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// History is the record of recent recommendations and scale events that the stabilization
// windows and the scaling policies look at. Its slices are never modified in place: a change
// yields new slices, so a History may share its arrays with an API object (see [FromAPI]).
type History struct {
	// Recommendations are runs of equal recommended replica counts, oldest first. Every entry
	// but the last is a closed run and carries the time its count was last recommended; the
	// last entry is the open run, the count recommended most recently, and carries the time
	// it was first recommended, so that recommending it again changes nothing. When a
	// different count is recommended, the open run is closed with the time it was last
	// recommended (see [Input.LastRecommendationTime]) and a new open run is appended.
	Recommendations []v2.TimedReplicas
	// ScaleUpEvents are the scale-ups, each with the number of replicas added, in the order of
	// the slots upstream keeps them in (a new event takes the slot of an outdated one).
	ScaleUpEvents []v2.TimedReplicas
	// ScaleDownEvents are the scale-downs, each with the number of replicas removed, in the
	// same slot order.
	ScaleDownEvents []v2.TimedReplicas
}

// FromAPI returns the history persisted in an object's status. It shares the API object's
// slices (neither side modifies them) and allocates nothing.
func FromAPI(h *v2.ScalingHistory) History {
	if h == nil {
		return History{}
	}
	return History{Recommendations: h.Recommendations, ScaleUpEvents: h.ScaleUpEvents, ScaleDownEvents: h.ScaleDownEvents}
}

// API returns the history in the form persisted in an object's status, sharing its slices;
// nil when the history is empty.
func (h History) API() *v2.ScalingHistory {
	if h.IsEmpty() {
		return nil
	}
	return &v2.ScalingHistory{Recommendations: h.Recommendations, ScaleUpEvents: h.ScaleUpEvents, ScaleDownEvents: h.ScaleDownEvents}
}

// IsEmpty reports whether the history holds nothing.
func (h History) IsEmpty() bool {
	return len(h.Recommendations) == 0 && len(h.ScaleUpEvents) == 0 && len(h.ScaleDownEvents) == 0
}

// Equal reports whether two histories hold the same entries.
func (h History) Equal(o History) bool {
	return entriesEqual(h.Recommendations, o.Recommendations) &&
		entriesEqual(h.ScaleUpEvents, o.ScaleUpEvents) &&
		entriesEqual(h.ScaleDownEvents, o.ScaleDownEvents)
}

func entriesEqual(a, b []v2.TimedReplicas) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Replicas != b[i].Replicas || !a[i].Time.Time.Equal(b[i].Time.Time) {
			return false
		}
	}
	return true
}

// WithInitialRecommendation returns the history with the current replica count recorded as
// the first recommendation when there is none yet, as upstream does when it first sees an
// autoscaler: a fresh autoscaler does not scale down within its first stabilization window.
func (h History) WithInitialRecommendation(current int32, now time.Time) History {
	if len(h.Recommendations) > 0 {
		return h
	}
	h.Recommendations = []v2.TimedReplicas{{Time: RecordTime(now), Replicas: current}}
	return h
}

// RecordTime is the time an entry made at now is recorded with: now rounded up to a whole
// second, the precision the API keeps. Rounding up never makes an entry look older than it is,
// so a persisted history is never more permissive than the one in memory.
func RecordTime(now time.Time) metav1.Time {
	t := now.Truncate(time.Second)
	if t.Before(now) {
		t = t.Add(time.Second)
	}
	return metav1.Time{Time: t}
}

// lastRecommended is the time the open run of recs (the count recommended most recently
// before the decision at now) was last recommended, as an entry records it: last, the time of
// the previous decision that recorded a recommendation, when it is known and consistent with
// the history (not before the open run began, and before now). Otherwise it is now: the open
// run may have been recommended until just before this decision, and taking the latest time
// it could have been keeps a superseded count in the windows at least as long as upstream
// does, never shorter.
func lastRecommended(recs []v2.TimedReplicas, last, now time.Time) metav1.Time {
	if !last.IsZero() && last.Before(now) && len(recs) > 0 {
		if t := RecordTime(last); !t.Time.Before(recs[len(recs)-1].Time.Time) {
			return t
		}
	}
	return RecordTime(now)
}

// window is a stabilization window that ends at a decision: the recommendations it holds
// bound the decision's count.
type window struct {
	cutoff time.Time
	// empty is true for a zero window, which holds no earlier recommendation: all of them
	// were made before the decision, even those whose recorded time was rounded up to it.
	empty bool
	// inclusive is true when a recommendation made exactly at the cutoff is still held, as in
	// upstream's legacy stabilization; with a behavior it is not.
	inclusive bool
}

func newWindow(now time.Time, length time.Duration, inclusive bool) window {
	return window{cutoff: now.Add(-length), empty: length <= 0, inclusive: inclusive}
}

// holds reports whether a recommendation last made at t lies within the window.
func (w window) holds(t time.Time) bool {
	switch {
	case w.empty:
		return false
	case w.inclusive:
		return !t.Before(w.cutoff)
	}
	return t.After(w.cutoff)
}

// runTime is the time the i-th run of recs was last recommended: its own time for a closed
// run, and open (from [lastRecommended]) for the open one.
func runTime(recs []v2.TimedReplicas, i int, open metav1.Time) time.Time {
	if i == len(recs)-1 {
		return open.Time
	}
	return recs[i].Time.Time
}

// recordRecommendation returns recs with a recommendation made at now: unchanged when it
// equals the open run's count; otherwise the open run is closed at open (the time it was last
// recommended), a new open run is appended, and the closed runs that no window ending now or
// later can hold (those last recommended before the longest window) are dropped.
func recordRecommendation(recs []v2.TimedReplicas, replicas int32, now time.Time, open metav1.Time, longestWindow time.Duration) []v2.TimedReplicas {
	n := len(recs)
	if n > 0 && recs[n-1].Replicas == replicas {
		return recs
	}
	keep := func(t time.Time) bool { return longestWindow > 0 && !t.Before(now.Add(-longestWindow)) }
	// Closed runs are in the order of their times, so the ones to drop come first.
	first := 0
	for first < n-1 && !keep(recs[first].Time.Time) {
		first++
	}
	out := make([]v2.TimedReplicas, 0, n-first+1)
	out = append(out, recs[first:max(n-1, first)]...)
	if n > 0 && keep(open.Time) {
		out = append(out, v2.TimedReplicas{Time: open, Replicas: recs[n-1].Replicas})
	}
	return append(out, v2.TimedReplicas{Time: RecordTime(now), Replicas: replicas})
}

// ScaleRecord describes a rescale that succeeded.
type ScaleRecord struct {
	// Now is when the scale was updated.
	Now time.Time
	// From is the replica count before the rescale, To the one after.
	From, To int32
	// Behavior is the autoscaler's spec.behavior. Without one no events are kept, as the
	// legacy limits do not use them.
	Behavior *v2.HorizontalPodAutoscalerBehavior
}

// WithScale returns the history with a successful rescale recorded as a scale-up or
// scale-down event, the way upstream stores it: the new event takes the slot of the last event
// (in slot order) of its direction that is older than that direction's longest policy period,
// or is appended when there is none. Older events that keep their slots still count for the
// other direction's policies while their periods reach them, as upstream's do. Without a
// behavior, or when the count did not change, the history is returned unchanged.
func (h History) WithScale(r ScaleRecord) History {
	if r.Behavior == nil || r.From == r.To {
		return h
	}
	event := v2.TimedReplicas{Time: RecordTime(r.Now)}
	if r.To > r.From {
		event.Replicas = r.To - r.From
		h.ScaleUpEvents = storeEvent(h.ScaleUpEvents, event, ScaleUpRules(r.Behavior.ScaleUp).LongestPeriodSeconds(), r.Now)
	} else {
		event.Replicas = r.From - r.To
		h.ScaleDownEvents = storeEvent(h.ScaleDownEvents, event, ScaleDownRules(r.Behavior.ScaleDown, 0).LongestPeriodSeconds(), r.Now)
	}
	return h
}

// storeEvent returns a copy of events with e in the slot of the last event older than the
// longest policy period (every event, for a period of zero: all were made before now), or
// appended when no event is that old.
func storeEvent(events []v2.TimedReplicas, e v2.TimedReplicas, longestSeconds int32, now time.Time) []v2.TimedReplicas {
	cutoff := now.Add(-time.Duration(longestSeconds) * time.Second)
	slot := -1
	for i := range events {
		if longestSeconds <= 0 || events[i].Time.Time.Before(cutoff) {
			slot = i
		}
	}
	if slot < 0 {
		out := make([]v2.TimedReplicas, len(events), len(events)+1)
		copy(out, events)
		return append(out, e)
	}
	out := make([]v2.TimedReplicas, len(events))
	copy(out, events)
	out[slot] = e
	return out
}

// ReplicasChange is the number of replicas the events added (or removed) within the period
// that ends now.
func ReplicasChange(events []v2.TimedReplicas, periodSeconds int32, now time.Time) int32 {
	cutoff := now.Add(-time.Duration(periodSeconds) * time.Second)
	var sum int32
	for i := range events {
		if events[i].Time.After(cutoff) {
			sum += events[i].Replicas
		}
	}
	return sum
}
