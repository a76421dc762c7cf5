package behavior

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

var now = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)

// at is an entry d before now.
func at(d time.Duration, replicas int32) v2.TimedReplicas {
	return v2.TimedReplicas{Time: metav1.NewTime(now.Add(-d)), Replicas: replicas}
}

func entries(e ...v2.TimedReplicas) []v2.TimedReplicas { return e }

// rules builds scaling rules the way upstream's generateScalingRules does: a Pods policy and
// a Percent policy when their values are not zero, MaxChange, and a stabilization window.
func rules(pods, podsPeriod, percent, percentPeriod, window int32) *v2.HPAScalingRules {
	r := &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To(window), SelectPolicy: ptr.To(v2.MaxChangePolicySelect)}
	if pods != 0 {
		r.Policies = append(r.Policies, v2.HPAScalingPolicy{Type: v2.PodsScalingPolicy, Value: pods, PeriodSeconds: podsPeriod})
	}
	if percent != 0 {
		r.Policies = append(r.Policies, v2.HPAScalingPolicy{Type: v2.PercentScalingPolicy, Value: percent, PeriodSeconds: percentPeriod})
	}
	return r
}

// uniform spreads events evenly over the period that ends now, each in the middle of its
// segment, as upstream's generateEventsUniformDistribution does: {1, 5, 9} over 120 s gives
// events 100 s, 60 s and 20 s ago.
func uniform(changes []int32, periodSeconds int) []v2.TimedReplicas {
	out := make([]v2.TimedReplicas, len(changes))
	seg := float64(periodSeconds) / float64(len(changes))
	for i, c := range changes {
		back := time.Duration(float64(periodSeconds)-seg*float64(i+1)+seg/2) * time.Second
		out[i] = v2.TimedReplicas{Time: metav1.NewTime(now.Add(-back)), Replicas: c}
	}
	return out
}

func values(recs []v2.TimedReplicas) []int32 {
	out := make([]int32, len(recs))
	for i, r := range recs {
		out[i] = r.Replicas
	}
	return out
}

// unknown marks a case whose last recommendation time is unknown.
const unknown = time.Duration(-1)

// lastAt is the LastRecommendationTime of a case: ago before now, or zero for unknown.
func lastAt(ago time.Duration) time.Time {
	if ago == unknown {
		return time.Time{}
	}
	return now.Add(-ago)
}

// TestNormalizeLegacyStabilization pins upstream's stabilizeRecommendation
// (TestNormalizeDesiredReplicas): without a behavior the highest recommendation within the
// downscale stabilization window (5 minutes here) wins, a recommendation made exactly at the
// window's start included. Upstream's sample lists become runs: a closed run carries the time
// of its last sample, the open run its first, and the time of the open run's last sample
// (last) comes with the decision. Upstream reuses the slot of one sample older than the
// window; runs last recommended before the window are dropped, so the logs are shorter.
func TestNormalizeLegacyStabilization(t *testing.T) {
	tests := map[string]struct {
		recs       []v2.TimedReplicas
		last       time.Duration
		zeroWindow bool
		desired    int32
		want       int32
		wantLog    []v2.TimedReplicas
	}{
		"empty log": {
			last: unknown, desired: 5, want: 5,
			wantLog: entries(at(0, 5)),
		},
		"stabilize": {
			recs: entries(at(2*time.Minute, 4), at(time.Minute, 5)), last: time.Minute,
			desired: 3, want: 5,
			wantLog: entries(at(2*time.Minute, 4), at(time.Minute, 5), at(0, 3)),
		},
		"no stabilize": {
			recs: entries(at(2*time.Minute, 1), at(time.Minute, 2)), last: time.Minute,
			desired: 3, want: 3,
			wantLog: entries(at(2*time.Minute, 1), at(time.Minute, 2), at(0, 3)),
		},
		"no stabilize - old recommendations": {
			recs: entries(at(10*time.Minute, 10), at(9*time.Minute, 9)), last: 9 * time.Minute,
			desired: 3, want: 3,
			wantLog: entries(at(0, 3)),
		},
		"stabilize - old recommendations": {
			recs: entries(at(10*time.Minute, 10), at(9*time.Minute, 9), at(2*time.Minute, 5), at(time.Minute, 4)), last: time.Minute,
			desired: 3, want: 5,
			wantLog: entries(at(2*time.Minute, 5), at(time.Minute, 4), at(0, 3)),
		},
		"the open run counts when last recommended within the window, however old its start": {
			recs: entries(at(time.Hour, 7)), last: 30 * time.Second,
			desired: 3, want: 7,
			wantLog: entries(at(30*time.Second, 7), at(0, 3)),
		},
		"the open run last recommended exactly a window ago still counts": {
			recs: entries(at(time.Hour, 7)), last: 5 * time.Minute,
			desired: 3, want: 7,
			wantLog: entries(at(5*time.Minute, 7), at(0, 3)),
		},
		"the open run last recommended before the window does not count": {
			recs: entries(at(time.Hour, 7)), last: 5*time.Minute + time.Second,
			desired: 3, want: 3,
			wantLog: entries(at(0, 3)),
		},
		"an unknown last recommendation counts as made now": {
			recs: entries(at(time.Hour, 7)), last: unknown,
			desired: 3, want: 7,
			wantLog: entries(at(0, 7), at(0, 3)),
		},
		"a last recommendation before the open run began counts as unknown": {
			recs: entries(at(2*time.Minute, 7)), last: 3 * time.Minute,
			desired: 3, want: 7,
			wantLog: entries(at(0, 7), at(0, 3)),
		},
		"a zero window holds nothing": {
			recs: entries(at(time.Hour, 7)), last: unknown, zeroWindow: true,
			desired: 3, want: 3,
			wantLog: entries(at(0, 3)),
		},
		"an unchanged recommendation records nothing": {
			recs: entries(at(time.Hour, 7), at(6*time.Minute, 3)), last: 15 * time.Second,
			desired: 3, want: 3,
			wantLog: entries(at(time.Hour, 7), at(6*time.Minute, 3)),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			window := 5 * time.Minute
			if tc.zeroWindow {
				window = 0
			}
			got := Normalize(Input{
				Now: now, CurrentReplicas: 100, Recommendation: tc.desired, MinReplicas: 1, MaxReplicas: 1000,
				DownscaleStabilizationWindow: window, History: History{Recommendations: tc.recs}, LastRecommendationTime: lastAt(tc.last),
			})
			if got.Stabilized != tc.want {
				t.Errorf("stabilized = %d, want %d", got.Stabilized, tc.want)
			}
			if diff := cmp.Diff(tc.wantLog, got.History.Recommendations, cmp.Comparer(equalEntries)); diff != "" {
				t.Errorf("recommendations (-want +got):\n%s", diff)
			}
			wantReason := ReasonReadyForNewScale
			if tc.want != tc.desired {
				wantReason = ReasonScaleDownStabilized
			}
			if got.Stabilization.Reason != wantReason {
				t.Errorf("stabilization reason = %q, want %q", got.Stabilization.Reason, wantReason)
			}
		})
	}
}

// TestNormalizeWithBehaviorStabilization pins upstream's stabilizeRecommendationWithBehaviors
// (TestNormalizeDesiredReplicasWithBehavior): the count moves from the current one no further
// than the lowest recommendation within the scale-up window (upwards) and the highest within
// the scale-down window (downwards); a window holds what was recommended after its start.
// Upstream's sample lists become runs as in TestNormalizeLegacyStabilization; upstream reuses
// the slot of one sample older than both windows where runs last recommended before the
// longest window are dropped.
func TestNormalizeWithBehaviorStabilization(t *testing.T) {
	tests := map[string]struct {
		recs           []v2.TimedReplicas
		last           time.Duration
		current        int32
		desired        int32
		upWindow       int32
		downWindow     int32
		want           int32
		wantReason     string
		wantLogReplica []int32
	}{
		"empty recommendations for scaling down": {
			last: unknown, current: 100, desired: 5, want: 5, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{5},
		},
		"simple scale down stabilization": {
			recs: entries(at(2*time.Minute, 4), at(time.Minute, 5)), last: time.Minute,
			current: 100, desired: 3, downWindow: 3 * 60, want: 5, wantReason: ReasonScaleDownStabilized,
			wantLogReplica: []int32{4, 5, 3},
		},
		"simple scale up stabilization": {
			recs: entries(at(2*time.Minute, 4), at(time.Minute, 5)), last: time.Minute,
			current: 1, desired: 7, upWindow: 5 * 60, want: 4, wantReason: ReasonScaleUpStabilized,
			wantLogReplica: []int32{4, 5, 7},
		},
		"no scale down stabilization": {
			recs: entries(at(2*time.Minute, 1), at(time.Minute, 2)), last: time.Minute,
			current: 100, desired: 3, upWindow: 5 * 60, want: 3, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{1, 2, 3},
		},
		"no scale up stabilization": {
			recs: entries(at(2*time.Minute, 4), at(time.Minute, 5)), last: time.Minute,
			current: 1, desired: 3, downWindow: 5 * 60, want: 3, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{4, 5, 3},
		},
		"no scale down stabilization, reuse recommendation element": {
			recs: entries(at(10*time.Minute, 10), at(9*time.Minute, 9)), last: 9 * time.Minute,
			current: 100, desired: 3, want: 3, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{3},
		},
		"no scale up stabilization, reuse recommendation element": {
			recs: entries(at(10*time.Minute, 10), at(9*time.Minute, 9)), last: 9 * time.Minute,
			current: 1, desired: 100, want: 100, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{100},
		},
		"scale down stabilization, reuse one of obsolete recommendation element": {
			recs: entries(at(10*time.Minute, 10), at(9*time.Minute, 9), at(2*time.Minute, 5), at(time.Minute, 4)), last: time.Minute,
			current: 100, desired: 3, downWindow: 3 * 60, want: 5, wantReason: ReasonScaleDownStabilized,
			wantLogReplica: []int32{5, 4, 3},
		},
		"scale up stabilization, reuse one of obsolete recommendation element": {
			recs: entries(at(100*time.Minute, 10), at(3*time.Minute, 9), at(2*time.Minute, 5), at(time.Minute, 6)), last: time.Minute,
			current: 1, desired: 100, upWindow: 300, want: 5, wantReason: ReasonScaleUpStabilized,
			wantLogReplica: []int32{9, 5, 6, 100},
		},
		"scale up and down stabilization, do not scale up when prenormalized rec goes down": {
			recs: entries(at(100*time.Minute, 2), at(3*time.Minute, 3)), last: 3 * time.Minute,
			current: 2, desired: 1, upWindow: 300, downWindow: 300, want: 2, wantReason: ReasonScaleDownStabilized,
			wantLogReplica: []int32{3, 1},
		},
		"scale up and down stabilization, do not scale down when prenormalized rec goes up": {
			recs: entries(at(100*time.Minute, 2), at(3*time.Minute, 1)), last: 3 * time.Minute,
			current: 2, desired: 3, upWindow: 300, downWindow: 300, want: 2, wantReason: ReasonScaleUpStabilized,
			wantLogReplica: []int32{1, 3},
		},
		"a scale-up window shorter than the sync period holds nothing of the previous decision": {
			recs: entries(at(time.Hour, 4)), last: 15 * time.Second,
			current: 4, desired: 8, upWindow: 10, want: 8, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{8},
		},
		"the open run last recommended exactly a window ago no longer counts": {
			recs: entries(at(time.Hour, 9)), last: 2 * time.Minute,
			current: 9, desired: 3, downWindow: 120, want: 3, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{9, 3},
		},
		"an unknown last recommendation counts as made now": {
			recs: entries(at(time.Hour, 9)), last: unknown,
			current: 9, desired: 3, downWindow: 120, want: 9, wantReason: ReasonScaleDownStabilized,
			wantLogReplica: []int32{9, 3},
		},
		"an unknown last recommendation is not held by a zero window": {
			recs: entries(at(time.Hour, 9)), last: unknown,
			current: 9, desired: 3, want: 3, wantReason: ReasonReadyForNewScale,
			wantLogReplica: []int32{3},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := &v2.HorizontalPodAutoscalerBehavior{
				ScaleUp:   &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To(tc.upWindow)},
				ScaleDown: &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To(tc.downWindow)},
			}
			got := Normalize(Input{
				Now: now, CurrentReplicas: tc.current, Recommendation: tc.desired, MinReplicas: 0, MaxReplicas: 1000,
				Behavior: b, DownscaleStabilizationWindow: 5 * time.Minute, History: History{Recommendations: tc.recs},
				LastRecommendationTime: lastAt(tc.last),
			})
			type out struct {
				Stabilized int32
				Reason     string
				Log        []int32
			}
			want := out{tc.want, tc.wantReason, tc.wantLogReplica}
			if diff := cmp.Diff(want, out{got.Stabilized, got.Stabilization.Reason, values(got.History.Recommendations)}); diff != "" {
				t.Errorf("stabilization (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNormalizeWithBehaviorRateLimits pins upstream's convertDesiredReplicasWithBehaviorRate
// (TestScalingWithRules, including the case upstream skips), with scale events spread as
// upstream's generateEventsUniformDistribution spreads them. Rules left nil get upstream's
// defaults. No recommendation is recorded yet, so no stabilization applies.
func TestNormalizeWithBehaviorRateLimits(t *testing.T) {
	tests := map[string]struct {
		upEvents, downEvents []v2.TimedReplicas
		min, max             int32
		up, down             *v2.HPAScalingRules
		current, desired     int32
		want                 int32
		wantReason           string
	}{
		"prenormalized desired replicas within range": {
			current: 5, desired: 7, min: 3, max: 8, want: 7, wantReason: ReasonDesiredWithinRange,
		},
		"prenormalized desired replicas < minReplicas": {
			current: 3, desired: 1, min: 2, max: 8, want: 2, wantReason: ReasonTooFewReplicas,
		},
		"prenormalized desired replicas within range when minReplicas is 0": {
			current: 1, desired: 0, min: 0, max: 10, want: 0, wantReason: ReasonDesiredWithinRange,
		},
		"maxReplicas is the limit because maxReplicas < scaleUpLimit": {
			current: 20, desired: 1000, min: 1, max: 10, want: 10, wantReason: ReasonTooManyReplicas,
		},
		"desired replica count is more than the maximum replica count": {
			current: 100, desired: 1000, min: 100, max: 150, want: 150, wantReason: ReasonTooManyReplicas,
		},
		"scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies": {
			current: 3, desired: 1000, min: 1, max: 2000, up: rules(0, 0, 1, 60, 0), want: 4, wantReason: ReasonScaleUpLimit,
		},
		"scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies (skipped upstream)": {
			current: 1000, desired: 3, min: 3, max: 2000, down: rules(20, 60, 0, 0, 0), want: 980, wantReason: ReasonScaleDownLimit,
		},
		"scaleUp with default behavior": {
			current: 10, desired: 50, min: 1, max: 1000, want: 20, wantReason: ReasonScaleUpLimit,
		},
		"scaleUp with pods policy larger than percent policy": {
			current: 10, desired: 500, min: 1, max: 1000, up: rules(100, 60, 100, 60, 0), want: 110, wantReason: ReasonScaleUpLimit,
		},
		"scaleUp with percent policy larger than pods policy": {
			current: 10, desired: 500, min: 1, max: 1000, up: rules(2, 60, 100, 60, 0), want: 20, wantReason: ReasonScaleUpLimit,
		},
		"scaleUp with spec MaxReplicas limitation with large pod policy": {
			current: 10, desired: 50, min: 1, max: 1000, up: rules(100, 60, 0, 0, 0), want: 50, wantReason: ReasonDesiredWithinRange,
		},
		"scaleUp with spec MaxReplicas limitation with large percent policy": {
			current: 10, desired: 50, min: 1, max: 1000, up: rules(10000, 60, 0, 0, 0), want: 50, wantReason: ReasonDesiredWithinRange,
		},
		"scaleUp with pod policy limitation": {
			current: 10, desired: 50, min: 1, max: 1000, up: rules(30, 60, 0, 0, 0), want: 40, wantReason: ReasonScaleUpLimit,
		},
		"scaleUp with percent policy limitation": {
			current: 10, desired: 50, min: 1, max: 1000, up: rules(0, 0, 200, 60, 0), want: 30, wantReason: ReasonScaleUpLimit,
		},
		"scaleDown with percent policy larger than pod policy": {
			current: 100, desired: 2, min: 1, max: 1000, down: rules(20, 60, 1, 60, 300), want: 80, wantReason: ReasonScaleDownLimit,
		},
		"scaleDown with pod policy larger than percent policy": {
			current: 100, desired: 2, min: 1, max: 1000, down: rules(2, 60, 1, 60, 300), want: 98, wantReason: ReasonScaleDownLimit,
		},
		"scaleDown with spec MinReplicas=nil limitation with large pod policy": {
			current: 10, desired: 0, min: 1, max: 1000, down: rules(100, 60, 0, 0, 300), want: 1, wantReason: ReasonTooFewReplicas,
		},
		"scaleDown with spec MinReplicas limitation with large percent policy": {
			current: 10, desired: 2, min: 5, max: 1000, down: rules(0, 0, 100, 60, 300), want: 5, wantReason: ReasonTooFewReplicas,
		},
		"scaleDown with pod policy limitation": {
			current: 10, desired: 2, min: 1, max: 1000, down: rules(5, 60, 0, 0, 300), want: 5, wantReason: ReasonScaleDownLimit,
		},
		"scaleDown with percent policy limitation": {
			current: 10, desired: 5, min: 1, max: 1000, down: rules(0, 0, 50, 60, 300), want: 5, wantReason: ReasonDesiredWithinRange,
		},
		"scaleUp with spec MaxReplicas limitation with large pod policy and events": {
			upEvents: uniform([]int32{1, 5, 9}, 120),
			current:  100, desired: 500, min: 1, max: 200, up: rules(300, 60, 0, 0, 0), want: 200, wantReason: ReasonTooManyReplicas,
		},
		"scaleUp with spec MaxReplicas limitation with large percent policy and events": {
			upEvents: uniform([]int32{1, 5, 9}, 120),
			current:  100, desired: 500, min: 1, max: 200, up: rules(0, 0, 10000, 60, 0), want: 200, wantReason: ReasonTooManyReplicas,
		},
		"scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events": {
			upEvents: uniform([]int32{1, 5, 9}, 120),
			current:  100, desired: 500, min: 1, max: 1000, up: rules(5, 120, 0, 0, 0), want: 100, wantReason: ReasonScaleUpLimit,
		},
		"scaleUp with pod policy and previous scale up events": {
			upEvents: uniform([]int32{1, 5, 9}, 120),
			current:  100, desired: 500, min: 1, max: 1000, up: rules(150, 120, 0, 0, 0), want: 235, wantReason: ReasonScaleUpLimit,
		},
		"scaleUp with percent policy and previous scale up events": {
			upEvents: uniform([]int32{1, 5, 9}, 120),
			current:  100, desired: 500, min: 1, max: 1000, up: rules(0, 0, 200, 120, 0), want: 255, wantReason: ReasonScaleUpLimit,
		},
		"scaleUp with percent policy and previous scale up and down events": {
			upEvents: uniform([]int32{4}, 120), downEvents: uniform([]int32{2}, 120),
			current: 6, desired: 24, min: 1, max: 1000, up: rules(0, 0, 300, 300, 0), want: 16, wantReason: ReasonScaleUpLimit,
		},
		"scaleDown with default policy and previous events": {
			downEvents: uniform([]int32{1, 5, 9}, 120),
			current:    10, desired: 5, min: 1, max: 1000, want: 5, wantReason: ReasonDesiredWithinRange,
		},
		"scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events": {
			downEvents: uniform([]int32{1, 5, 9}, 120),
			current:    100, desired: 0, min: 1, max: 1000, down: rules(115, 120, 0, 0, 300), want: 1, wantReason: ReasonTooFewReplicas,
		},
		"scaleDown with spec MinReplicas limitation with large pod policy and previous events": {
			downEvents: uniform([]int32{1, 5, 9}, 120),
			current:    100, desired: 0, min: 5, max: 1000, down: rules(130, 120, 0, 0, 300), want: 5, wantReason: ReasonTooFewReplicas,
		},
		"scaleDown with spec MinReplicas limitation with large percent policy and previous events": {
			downEvents: uniform([]int32{1, 5, 9}, 120),
			current:    100, desired: 2, min: 5, max: 1000, down: rules(0, 0, 100, 120, 300), want: 5, wantReason: ReasonTooFewReplicas,
		},
		"scaleDown with pod policy limitation and previous events": {
			downEvents: uniform([]int32{1, 5, 9}, 120),
			current:    100, desired: 2, min: 1, max: 1000, down: rules(5, 120, 0, 0, 300), want: 100, wantReason: ReasonScaleDownLimit,
		},
		"scaleDown with percent policy limitation and previous events": {
			downEvents: uniform([]int32{2, 4, 6}, 120),
			current:    100, desired: 0, min: 1, max: 1000, down: rules(0, 0, 50, 120, 300), want: 56, wantReason: ReasonScaleDownLimit,
		},
		"scaleDown with percent policy and previous scale up and down events": {
			upEvents: uniform([]int32{2}, 120), downEvents: uniform([]int32{4}, 120),
			current: 10, desired: 1, min: 1, max: 1000, down: rules(0, 0, 50, 180, 0), want: 6, wantReason: ReasonScaleDownLimit,
		},
		"scaleDown with previous events preventing further scale down": {
			downEvents: uniform([]int32{10, 10, 10}, 120),
			current:    100, desired: 0, min: 1, max: 1000, down: rules(0, 0, 10, 120, 300), want: 100, wantReason: ReasonScaleDownLimit,
		},
		"scaleDown with with previous events still allowing more scale down": {
			downEvents: uniform([]int32{10, 10, 10}, 120),
			current:    10, desired: 5, min: 1, max: 1000, down: rules(0, 0, 1000, 120, 300), want: 5, wantReason: ReasonDesiredWithinRange,
		},
		"check 'outdated' flag for events for one behavior for up": {
			upEvents: uniform([]int32{8, 12, 9, 11}, 120),
			current:  100, desired: 200, min: 1, max: 1000, up: rules(1000, 60, 0, 0, 0), want: 200, wantReason: ReasonDesiredWithinRange,
		},
		"check that events were not marked 'outdated' for two different policies in the behavior for up": {
			upEvents: uniform([]int32{8, 12, 9, 11}, 120),
			current:  100, desired: 200, min: 1, max: 1000, up: rules(1000, 120, 100, 60, 0), want: 200, wantReason: ReasonDesiredWithinRange,
		},
		"check that events were marked 'outdated' for two different policies in the behavior for up": {
			upEvents: uniform([]int32{8, 12, 9, 11}, 120),
			current:  100, desired: 200, min: 1, max: 1000, up: rules(1000, 30, 100, 60, 0), want: 200, wantReason: ReasonDesiredWithinRange,
		},
		"check 'outdated' flag for events for one behavior for down": {
			downEvents: uniform([]int32{8, 12, 9, 11}, 120),
			current:    100, desired: 5, min: 1, max: 1000, down: rules(1000, 60, 0, 0, 300), want: 5, wantReason: ReasonDesiredWithinRange,
		},
		"check that events were not marked 'outdated' for two different policies in the behavior for down": {
			downEvents: uniform([]int32{8, 12, 9, 11}, 120),
			current:    100, desired: 5, min: 1, max: 1000, down: rules(1000, 120, 100, 60, 300), want: 5, wantReason: ReasonDesiredWithinRange,
		},
		"check that events were marked 'outdated' for two different policies in the behavior for down": {
			downEvents: uniform([]int32{8, 12, 9, 11}, 120),
			current:    100, desired: 5, min: 1, max: 1000, down: rules(1000, 30, 100, 60, 300), want: 5, wantReason: ReasonDesiredWithinRange,
		},
		"scale-up disabled": {
			current: 4, desired: 10, min: 1, max: 20,
			up:   &v2.HPAScalingRules{SelectPolicy: ptr.To(v2.DisabledPolicySelect)},
			want: 4, wantReason: ReasonScaleUpLimit,
		},
		"scale-down disabled": {
			current: 4, desired: 1, min: 1, max: 20,
			down: &v2.HPAScalingRules{SelectPolicy: ptr.To(v2.DisabledPolicySelect)},
			want: 4, wantReason: ReasonScaleDownLimit,
		},
		"scale-down disabled does not stop a scale-up": {
			current: 4, desired: 6, min: 1, max: 20,
			down: &v2.HPAScalingRules{SelectPolicy: ptr.To(v2.DisabledPolicySelect)},
			want: 6, wantReason: ReasonDesiredWithinRange,
		},
		"scale-up with an empty policy list cannot go up": {
			current: 4, desired: 6, min: 1, max: 20,
			up:   &v2.HPAScalingRules{Policies: []v2.HPAScalingPolicy{}},
			want: 4, wantReason: ReasonScaleUpLimit,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Normalize(Input{
				Now: now, CurrentReplicas: tc.current, Recommendation: tc.desired, MinReplicas: tc.min, MaxReplicas: tc.max,
				Behavior:                     &v2.HorizontalPodAutoscalerBehavior{ScaleUp: tc.up, ScaleDown: tc.down},
				DownscaleStabilizationWindow: 5 * time.Minute,
				History:                      History{ScaleUpEvents: tc.upEvents, ScaleDownEvents: tc.downEvents},
			})
			type out struct {
				Replicas int32
				Reason   string
				Limited  bool
			}
			want := out{tc.want, tc.wantReason, tc.want != tc.desired}
			if diff := cmp.Diff(want, out{got.Replicas, got.Limit.Reason, got.Limited()}); diff != "" {
				t.Errorf("limit (-want +got):\n%s", diff)
			}
			if got.Stabilized != tc.desired {
				t.Errorf("stabilized = %d, want the recommendation %d (no recommendations recorded yet)", got.Stabilized, tc.desired)
			}
			if got.Limited() && got.Limit.Detail() == "" {
				t.Errorf("a limit that changed the count must explain itself")
			}
		})
	}
}

// TestLegacyLimits pins upstream's convertDesiredReplicasWithRules
// (TestConvertDesiredReplicasWithRules): without a behavior a scale-up goes to at most
// max(2 × current, 4) at once, then min/max apply.
func TestLegacyLimits(t *testing.T) {
	tests := map[string]struct {
		current, desired, min, max int32
		want                       int32
		wantReason                 string
	}{
		"prenormalized desired replicas within range":                  {current: 5, desired: 7, min: 3, max: 8, want: 7, wantReason: ReasonDesiredWithinRange},
		"prenormalized desired replicas < minReplicas":                 {current: 3, desired: 1, min: 2, max: 8, want: 2, wantReason: ReasonTooFewReplicas},
		"prenormalized desired zeroed replicas within range":           {current: 1, desired: 0, min: 0, max: 10, want: 0, wantReason: ReasonDesiredWithinRange},
		"maxReplicas is the limit because maxReplicas < scaleUpLimit":  {current: 20, desired: 1000, min: 1, max: 10, want: 10, wantReason: ReasonTooManyReplicas},
		"scaleUpLimit is the limit because scaleUpLimit < maxReplicas": {current: 3, desired: 1000, min: 1, max: 2000, want: 6, wantReason: ReasonScaleUpLimit},
		"the legacy limit is at least 4":                               {current: 1, desired: 1000, min: 1, max: 2000, want: 4, wantReason: ReasonScaleUpLimit},
		"from zero the legacy limit is 4":                              {current: 0, desired: 9, min: 0, max: 20, want: 4, wantReason: ReasonScaleUpLimit},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Normalize(Input{Now: now, CurrentReplicas: tc.current, Recommendation: tc.desired, MinReplicas: tc.min, MaxReplicas: tc.max,
				DownscaleStabilizationWindow: 5 * time.Minute})
			type out struct {
				Replicas int32
				Reason   string
			}
			if diff := cmp.Diff(out{tc.want, tc.wantReason}, out{got.Replicas, got.Limit.Reason}); diff != "" {
				t.Errorf("legacy limit (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPolicyLimits pins upstream's calculateScaleUpLimitWithScalingRules and
// calculateScaleDownLimitWithBehaviors (TestCalculateScaleUpLimitWithScalingRules,
// TestCalculateScaleDownLimitWithBehaviors) and the selectPolicy variants.
func TestPolicyLimits(t *testing.T) {
	twoPolicies := []v2.HPAScalingPolicy{
		{Type: v2.PodsScalingPolicy, Value: 2, PeriodSeconds: 60},
		{Type: v2.PercentScalingPolicy, Value: 50, PeriodSeconds: 60},
	}
	tests := map[string]struct {
		up      bool
		current int32
		sel     v2.ScalingPolicySelect
		want    Limit
	}{
		"CalculateScaleUpLimitWithScalingRules: MinChange picks the smaller increase": {
			up: true, current: 1, sel: v2.MinChangePolicySelect,
			want: Limit{Replicas: 2, Policy: 1, PeriodStartReplicas: 1},
		},
		"scale-up MaxChange picks the larger increase": {
			up: true, current: 1, sel: v2.MaxChangePolicySelect,
			want: Limit{Replicas: 3, Policy: 0, PeriodStartReplicas: 1},
		},
		"CalculateScaleDownLimitWithBehaviors: MinChange picks the smaller decrease": {
			up: false, current: 5, sel: v2.MinChangePolicySelect,
			want: Limit{Replicas: 3, Policy: 0, PeriodStartReplicas: 5},
		},
		"scale-down MaxChange picks the larger decrease (percent rounds down)": {
			up: false, current: 5, sel: v2.MaxChangePolicySelect,
			want: Limit{Replicas: 2, Policy: 1, PeriodStartReplicas: 5},
		},
		"scale-up disabled": {
			up: true, current: 5, sel: v2.DisabledPolicySelect,
			want: Limit{Replicas: 5, Disabled: true, Policy: -1},
		},
		"scale-down disabled": {
			up: false, current: 5, sel: v2.DisabledPolicySelect,
			want: Limit{Replicas: 5, Disabled: true, Policy: -1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := LimitInput{Now: now, CurrentReplicas: tc.current, Rules: Rules{StabilizationWindowSeconds: 300, SelectPolicy: tc.sel, Policies: twoPolicies}}
			got := ScaleDownLimit(in)
			if tc.up {
				got = ScaleUpLimit(in)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("limit (-want +got):\n%s", diff)
			}
		})
	}
	// Without policies MaxChange allows nothing and MinChange everything, as upstream.
	empty := LimitInput{Now: now, CurrentReplicas: 5, Rules: Rules{SelectPolicy: v2.MinChangePolicySelect}}
	if got := ScaleUpLimit(empty).Replicas; got != math.MaxInt32 {
		t.Errorf("scale-up limit with no policies and MinChange = %d, want no limit", got)
	}
}

// TestRulesDefaults pins upstream's GenerateHPAScaleUpRules and GenerateHPAScaleDownRules with
// maybeInitScaleDownStabilizationWindow: what is unset takes the default, the scale-down
// window the controller's flag.
func TestRulesDefaults(t *testing.T) {
	type pair struct{ Up, Down Rules }
	tests := map[string]struct {
		up, down *v2.HPAScalingRules
		want     pair
	}{
		"nothing set": {
			want: pair{
				Up:   Rules{StabilizationWindowSeconds: 0, SelectPolicy: v2.MaxChangePolicySelect, Policies: defaultScaleUpPolicies},
				Down: Rules{StabilizationWindowSeconds: 120, SelectPolicy: v2.MaxChangePolicySelect, Policies: defaultScaleDownPolicies},
			},
		},
		"only windows set": {
			up: &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)}, down: &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](0)},
			want: pair{
				Up:   Rules{StabilizationWindowSeconds: 60, SelectPolicy: v2.MaxChangePolicySelect, Policies: defaultScaleUpPolicies},
				Down: Rules{StabilizationWindowSeconds: 0, SelectPolicy: v2.MaxChangePolicySelect, Policies: defaultScaleDownPolicies},
			},
		},
		"everything set": {
			up:   rules(1, 10, 0, 0, 30),
			down: &v2.HPAScalingRules{SelectPolicy: ptr.To(v2.MinChangePolicySelect), Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 1, PeriodSeconds: 600}}},
			want: pair{
				Up:   Rules{StabilizationWindowSeconds: 30, SelectPolicy: v2.MaxChangePolicySelect, Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 1, PeriodSeconds: 10}}},
				Down: Rules{StabilizationWindowSeconds: 120, SelectPolicy: v2.MinChangePolicySelect, Policies: []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 1, PeriodSeconds: 600}}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := pair{ScaleUpRules(tc.up), ScaleDownRules(tc.down, 2*time.Minute)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}
