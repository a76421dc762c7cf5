package behavior

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// TestWithScale pins upstream's storeScaleEvent and getReplicasChangePerPeriod
// (TestStoreScaleEvents), for scale-ups and scale-downs alike: no events without a behavior;
// with one, the new event takes the slot of the last event older than the direction's longest
// policy period, other old events keep theirs, and without an old event it is appended.
func TestWithScale(t *testing.T) {
	tests := map[string]struct {
		prev       []v2.TimedReplicas
		rules      *v2.HPAScalingRules
		wantChange int32
		want       []v2.TimedReplicas
	}{
		"empty entries with default behavior (no behavior: nothing stored)": {
			prev: entries(), wantChange: 0, want: entries(),
		},
		"empty entries with two-policy-behavior": {
			prev: entries(), rules: rules(10, 60, 100, 60, 0), wantChange: 0,
			want: entries(at(0, 5)),
		},
		"one outdated entry to be kept untouched without behavior": {
			prev: entries(at(61*time.Second, 7)), wantChange: 0,
			want: entries(at(61*time.Second, 7)),
		},
		"one outdated entry to be replaced with behavior": {
			prev: entries(at(61*time.Second, 7)), rules: rules(10, 60, 100, 60, 0), wantChange: 0,
			want: entries(at(0, 5)),
		},
		"one actual entry to be not touched with behavior": {
			prev: entries(at(58*time.Second, 7)), rules: rules(10, 60, 100, 60, 0), wantChange: 7,
			want: entries(at(58*time.Second, 7), at(0, 5)),
		},
		"two entries, one of them to be replaced": {
			prev: entries(at(61*time.Second, 7), at(59*time.Second, 6)), rules: rules(10, 60, 0, 0, 0), wantChange: 6,
			want: entries(at(0, 5), at(59*time.Second, 6)),
		},
		"replace one entry, use policies with different periods": {
			prev:  entries(at(29*time.Second, 8), at(59*time.Second, 6), at(61*time.Second, 7), at(61*time.Second, 9)),
			rules: rules(10, 60, 100, 30, 0), wantChange: 14,
			want: entries(at(29*time.Second, 8), at(59*time.Second, 6), at(61*time.Second, 7), at(0, 5)),
		},
		"two entries, both actual": {
			prev: entries(at(58*time.Second, 7), at(59*time.Second, 6)), rules: rules(10, 120, 100, 30, 0), wantChange: 13,
			want: entries(at(58*time.Second, 7), at(59*time.Second, 6), at(0, 5)),
		},
	}
	for name, tc := range tests {
		for _, up := range []bool{true, false} {
			direction := map[bool]string{true: "up", false: "down"}[up]
			t.Run(name+"/"+direction, func(t *testing.T) {
				var b *v2.HorizontalPodAutoscalerBehavior
				h := History{ScaleDownEvents: tc.prev}
				to := int32(10 - 5)
				if up {
					h = History{ScaleUpEvents: tc.prev}
					to = 10 + 5
				}
				if tc.rules != nil {
					b = &v2.HorizontalPodAutoscalerBehavior{}
					if up {
						b.ScaleUp = tc.rules
					} else {
						b.ScaleDown = tc.rules
					}
				}
				if got := ReplicasChange(tc.prev, 60, now); got != tc.wantChange {
					t.Errorf("replicas changed within 60s = %d, want %d", got, tc.wantChange)
				}
				got := h.WithScale(ScaleRecord{Now: now, From: 10, To: to, Behavior: b})
				gotEvents, other := got.ScaleDownEvents, got.ScaleUpEvents
				if up {
					gotEvents, other = got.ScaleUpEvents, got.ScaleDownEvents
				}
				if diff := cmp.Diff(tc.want, gotEvents, cmp.Comparer(equalEntries)); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
				if len(other) != 0 {
					t.Errorf("events of the other direction: %v", other)
				}
			})
		}
	}
}

// TestWithScaleOutdatedEventsCountForTheOtherDirection pins how upstream's slots interact
// with the other direction's policies: an event older than its own direction's longest period
// keeps counting for the other direction (whose periods may be longer) until a new event of
// its own direction takes its slot, and only one slot is taken per event.
func TestWithScaleOutdatedEventsCountForTheOtherDirection(t *testing.T) {
	b := &v2.HorizontalPodAutoscalerBehavior{
		ScaleUp:   rules(4, 15, 0, 0, 0),
		ScaleDown: rules(1, 600, 0, 0, 0),
	}
	h := History{ScaleUpEvents: entries(at(5*time.Minute, 2), at(100*time.Second, 3))}
	down := ScaleDownRules(b.ScaleDown, 0)
	limit := func(h History) int32 {
		return ScaleDownLimit(LimitInput{Now: now, CurrentReplicas: 10, History: h, Rules: down}).PeriodStartReplicas
	}
	if got := limit(h); got != 10-5 {
		t.Errorf("period start before the scale-up = %d, want %d (both old scale-ups count within 600s)", got, 10-5)
	}
	h = h.WithScale(ScaleRecord{Now: now, From: 10, To: 11, Behavior: b})
	want := entries(at(5*time.Minute, 2), at(0, 1))
	if diff := cmp.Diff(want, h.ScaleUpEvents, cmp.Comparer(equalEntries)); diff != "" {
		t.Errorf("scale-up events (-want +got):\n%s", diff)
	}
	if got := limit(h); got != 10-3 {
		t.Errorf("period start after the scale-up = %d, want %d (the reused slot no longer counts)", got, 10-3)
	}
}

// TestHistoryDoesNotModifyItsInput checks that recording never writes into the arrays of the
// history it started from, which may belong to an object in an informer's cache.
func TestHistoryDoesNotModifyItsInput(t *testing.T) {
	recs := make([]v2.TimedReplicas, 2, 8)
	recs[0], recs[1] = at(2*time.Minute, 4), at(time.Minute, 5)
	events := make([]v2.TimedReplicas, 1, 8)
	events[0] = at(10*time.Second, 1)
	h := History{Recommendations: recs, ScaleUpEvents: events}
	b := &v2.HorizontalPodAutoscalerBehavior{}
	res := Normalize(Input{Now: now, CurrentReplicas: 5, Recommendation: 7, MinReplicas: 1, MaxReplicas: 10, Behavior: b, History: h})
	res.History.WithScale(ScaleRecord{Now: now, From: 5, To: 7, Behavior: b})
	if full := recs[:cap(recs)]; full[2] != (v2.TimedReplicas{}) {
		t.Errorf("recording a recommendation wrote into the input array: %v", full[2])
	}
	if full := events[:cap(events)]; full[1] != (v2.TimedReplicas{}) {
		t.Errorf("recording a scale event wrote into the input array: %v", full[1])
	}
}

// TestSteadyStateKeepsHistory checks that a steady state leaves the history as it is, so the
// controller writes no status: the same recommendation decision after decision records nothing,
// returns the very same slices, and allocates nothing.
func TestSteadyStateKeepsHistory(t *testing.T) {
	for _, b := range []*v2.HorizontalPodAutoscalerBehavior{nil, {ScaleDown: rules(1, 60, 0, 0, 600)}} {
		name := map[bool]string{true: "legacy", false: "behavior"}[b == nil]
		t.Run(name, func(t *testing.T) {
			h := History{}.WithInitialRecommendation(6, now)
			first := Normalize(Input{Now: now, CurrentReplicas: 6, Recommendation: 4, MinReplicas: 1, MaxReplicas: 10,
				Behavior: b, DownscaleStabilizationWindow: 5 * time.Minute, History: h})
			h = first.History
			for i := 1; i <= 100; i++ {
				in := Input{Now: now.Add(time.Duration(i) * 15 * time.Second), CurrentReplicas: 6, Recommendation: 4,
					MinReplicas: 1, MaxReplicas: 10, Behavior: b, DownscaleStabilizationWindow: 5 * time.Minute, History: h}
				got := Normalize(in)
				if !got.History.Equal(h) || &got.History.Recommendations[0] != &h.Recommendations[0] {
					t.Fatalf("decision %d changed the history: %v -> %v", i, h, got.History)
				}
			}
			in := Input{Now: now.Add(time.Hour), CurrentReplicas: 6, Recommendation: 4, MinReplicas: 1, MaxReplicas: 10,
				Behavior: b, DownscaleStabilizationWindow: 5 * time.Minute, History: h}
			if allocs := testing.AllocsPerRun(100, func() { Normalize(in) }); allocs != 0 {
				t.Errorf("a steady-state normalization allocates %.0f times, want 0", allocs)
			}
		})
	}
}

// TestHistoryRoundTrip checks that the history survives the API type and its JSON form without
// loss, even with decision times that are not whole seconds, and that a round-tripped history
// decides exactly as the original.
func TestHistoryRoundTrip(t *testing.T) {
	start := now.Add(123 * time.Millisecond)
	b := &v2.HorizontalPodAutoscalerBehavior{
		ScaleUp:   rules(2, 60, 0, 0, 30),
		ScaleDown: rules(1, 60, 0, 0, 120),
	}
	h := History{}.WithInitialRecommendation(3, start)
	last := start
	current := int32(3)
	recs := []int32{3, 6, 6, 9, 9, 9, 4, 4}
	for len(recs) < 60 {
		recs = append(recs, 2)
	}
	for i, rec := range recs {
		ts := start.Add(time.Duration(i)*15*time.Second + time.Duration(i)*37*time.Millisecond)
		in := Input{Now: ts, CurrentReplicas: current, Recommendation: rec, MinReplicas: 1, MaxReplicas: 10, Behavior: b,
			DownscaleStabilizationWindow: 5 * time.Minute, History: h, LastRecommendationTime: last}
		got := Normalize(in)

		raw, err := json.Marshal(h.API())
		if err != nil {
			t.Fatal(err)
		}
		var back *v2.ScalingHistory
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		restored := FromAPI(back)
		if !restored.Equal(h) {
			t.Fatalf("step %d: history changed through JSON:\n%s", i, cmp.Diff(h, restored, cmp.Comparer(equalEntries)))
		}
		in.History = restored
		again := Normalize(in)
		if diff := cmp.Diff(got, again, cmp.Comparer(equalEntries)); diff != "" {
			t.Fatalf("step %d: a restored history decides differently (-original +restored):\n%s", i, diff)
		}
		h, last = got.History, ts
		if got.Replicas != current {
			h = h.WithScale(ScaleRecord{Now: ts, From: current, To: got.Replicas, Behavior: b})
			current = got.Replicas
		}
	}
	if current != 2 {
		t.Errorf("the sequence should have ended at 2 replicas, got %d", current)
	}
	if h.API() == nil || (History{}).API() != nil {
		t.Errorf("API() must be nil exactly for an empty history")
	}
	if FromAPI(nil).IsEmpty() == false {
		t.Errorf("FromAPI(nil) must be empty")
	}
}

// TestRecordTime checks that entries are recorded at whole seconds, rounded up.
func TestRecordTime(t *testing.T) {
	tests := map[string]struct {
		in, want time.Time
	}{
		"whole second":    {in: now, want: now},
		"just after":      {in: now.Add(time.Nanosecond), want: now.Add(time.Second)},
		"half a second":   {in: now.Add(500 * time.Millisecond), want: now.Add(time.Second)},
		"just before one": {in: now.Add(999 * time.Millisecond), want: now.Add(time.Second)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := RecordTime(tc.in); !got.Time.Equal(tc.want) {
				t.Errorf("RecordTime(%s) = %s, want %s", tc.in, got.Time, tc.want)
			}
		})
	}
}

// TestPruneRecommendations checks how recording a different recommendation closes the open
// run and drops the closed runs that no window ending now or later can hold: those last
// recommended before the longest window. A run last recommended exactly at the window's start
// stays, as the legacy window still holds it now.
func TestPruneRecommendations(t *testing.T) {
	tests := map[string]struct {
		recs   []v2.TimedReplicas
		closed time.Duration // how long ago the open run was last recommended
		window time.Duration
		want   []v2.TimedReplicas
	}{
		"drops closed runs last recommended before the window": {
			recs:   entries(at(20*time.Minute, 1), at(10*time.Minute, 2), at(4*time.Minute, 3), at(time.Minute, 4)),
			closed: 15 * time.Second, window: 5 * time.Minute,
			want: entries(at(4*time.Minute, 3), at(15*time.Second, 4), at(0, 9)),
		},
		"a run last recommended exactly at the window start stays": {
			recs:   entries(at(20*time.Minute, 1), at(5*time.Minute, 2), at(3*time.Minute, 7)),
			closed: 30 * time.Second, window: 5 * time.Minute,
			want: entries(at(5*time.Minute, 2), at(30*time.Second, 7), at(0, 9)),
		},
		"the closing run goes when last recommended before the window": {
			recs:   entries(at(20*time.Minute, 1)),
			closed: 10 * time.Minute, window: 5 * time.Minute,
			want: entries(at(0, 9)),
		},
		"a zero window keeps only the new run": {
			recs:   entries(at(20*time.Minute, 1), at(10*time.Second, 2)),
			closed: 0, window: 0,
			want: entries(at(0, 9)),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := recordRecommendation(tc.recs, 9, now, RecordTime(now.Add(-tc.closed)), tc.window)
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(equalEntries)); diff != "" {
				t.Errorf("recommendations (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWithInitialRecommendation pins upstream's recordInitialRecommendation: the current count
// is the first recommendation of an autoscaler seen for the first time, and only then.
func TestWithInitialRecommendation(t *testing.T) {
	got := History{}.WithInitialRecommendation(5, now.Add(300*time.Millisecond))
	want := entries(v2.TimedReplicas{Time: metav1.NewTime(now.Add(time.Second)), Replicas: 5})
	if diff := cmp.Diff(want, got.Recommendations, cmp.Comparer(equalEntries)); diff != "" {
		t.Errorf("initial recommendation (-want +got):\n%s", diff)
	}
	again := got.WithInitialRecommendation(9, now.Add(time.Hour))
	if diff := cmp.Diff(want, again.Recommendations, cmp.Comparer(equalEntries)); diff != "" {
		t.Errorf("a second initial recommendation changed the history (-want +got):\n%s", diff)
	}
}

// TestScaleDownAfterWindowSequence replays reconciles every 15 seconds: the target runs at 10
// replicas, recommended for an hour until the reconcile before the first step, the metrics
// drop to 4, and the count follows once the last recommendation of 10 leaves the 5-minute
// scale-down window, as upstream's last sample of 10 does. With a behavior the window holds
// samples made after its start, so the count drops 4m45s after the change; upstream's legacy
// window still holds a sample made exactly at its start, so without a behavior it drops at 5m.
// When the time of the last recommendation of 10 is unknown (after a restart), it is taken to
// be the first step, one sync period later than upstream's.
func TestScaleDownAfterWindowSequence(t *testing.T) {
	behaviors := map[string]*v2.HorizontalPodAutoscalerBehavior{
		"legacy":                           nil,
		"behavior with the default window": {ScaleDown: &v2.HPAScalingRules{SelectPolicy: ptr.To(v2.MaxChangePolicySelect)}},
	}
	tests := map[string]struct {
		behavior    string
		lastUnknown bool
		want        time.Duration
	}{
		"legacy":                                {behavior: "legacy", want: 5 * time.Minute},
		"behavior":                              {behavior: "behavior with the default window", want: 4*time.Minute + 45*time.Second},
		"legacy, last recommendation unknown":   {behavior: "legacy", lastUnknown: true, want: 5*time.Minute + 15*time.Second},
		"behavior, last recommendation unknown": {behavior: "behavior with the default window", lastUnknown: true, want: 5 * time.Minute},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := behaviors[tc.behavior]
			h := History{}.WithInitialRecommendation(10, now.Add(-time.Hour))
			last := now.Add(-15 * time.Second)
			if tc.lastUnknown {
				last = time.Time{}
			}
			current := int32(10)
			var droppedAt time.Duration
			for step := 0; step <= 40; step++ {
				offset := time.Duration(step) * 15 * time.Second
				got := Normalize(Input{Now: now.Add(offset), CurrentReplicas: current, Recommendation: 4, MinReplicas: 1, MaxReplicas: 20,
					Behavior: b, DownscaleStabilizationWindow: 5 * time.Minute, History: h, LastRecommendationTime: last})
				h, last = got.History, now.Add(offset)
				if got.Replicas != current {
					droppedAt, current = offset, got.Replicas
					break
				}
				if got.Stabilization.Reason != ReasonScaleDownStabilized {
					t.Fatalf("at %s: stabilization reason %q, want %q", offset, got.Stabilization.Reason, ReasonScaleDownStabilized)
				}
			}
			if current != 4 || droppedAt != tc.want {
				t.Errorf("scaled to %d at %s, want 4 at %s", current, droppedAt, tc.want)
			}
		})
	}
}

func equalEntries(a, b v2.TimedReplicas) bool {
	return a.Replicas == b.Replicas && a.Time.Time.Equal(b.Time.Time)
}
