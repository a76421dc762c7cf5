package behavior

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// TestUnknownLastRecommendationIsConservative checks the fallback for an unknown time of the
// last recommendation (after a restart): compared with the decisions made knowing it, the
// decision that closes the open run and every later one with the same inputs hold a superset
// of the recommendations in each window. With a behavior they never scale down further, nor
// up further; without one the stabilized count (the highest in the window, in either
// direction) is never lower. A superseded higher count thus never leaves the scale-down
// window earlier than upstream's last sample of it would, and a lower one never leaves the
// scale-up window earlier either.
func TestUnknownLastRecommendationIsConservative(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 2000 {
		var b *v2.HorizontalPodAutoscalerBehavior
		if rng.IntN(3) > 0 {
			b = &v2.HorizontalPodAutoscalerBehavior{
				ScaleUp:   &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To(int32(rng.IntN(4) * 20))},
				ScaleDown: &v2.HPAScalingRules{StabilizationWindowSeconds: ptr.To(int32(rng.IntN(4) * 40))},
			}
		}
		flag := time.Duration(rng.IntN(4)*45) * time.Second
		// A history of runs recorded every 15 seconds, its open run last recommended at
		// last, a reconcile or more before the decision that closes it.
		var h History
		at := now.Add(-20 * time.Minute)
		for range 1 + rng.IntN(8) {
			rec := int32(1 + rng.IntN(9))
			res := Normalize(Input{Now: at, CurrentReplicas: 5, Recommendation: rec, MinReplicas: 1, MaxReplicas: 20,
				Behavior: b, DownscaleStabilizationWindow: flag, History: h, LastRecommendationTime: at.Add(-15 * time.Second)})
			h = res.History
			at = at.Add(time.Duration(1+rng.IntN(12)) * 15 * time.Second)
		}
		last := at.Add(-time.Duration(1+rng.IntN(8)) * 15 * time.Second)
		if open := h.Recommendations[len(h.Recommendations)-1].Time.Time; last.Before(open) {
			last = open
		}
		current := int32(1 + rng.IntN(9))
		recs := make([]int32, 1+rng.IntN(12))
		for j := range recs {
			recs[j] = int32(1 + rng.IntN(9))
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			known, unknown := h, h
			knownLast, unknownLast := last, time.Time{}
			for j, rec := range recs {
				ts := at.Add(time.Duration(j) * 15 * time.Second)
				in := Input{Now: ts, CurrentReplicas: current, Recommendation: rec, MinReplicas: 1, MaxReplicas: 20,
					Behavior: b, DownscaleStabilizationWindow: flag}
				in.History, in.LastRecommendationTime = known, knownLast
				k := Normalize(in)
				in.History, in.LastRecommendationTime = unknown, unknownLast
				u := Normalize(in)
				further := (rec < current && u.Stabilized < k.Stabilized) || (rec > current && u.Stabilized > k.Stabilized)
				if b == nil {
					further = u.Stabilized < k.Stabilized
				}
				if further {
					t.Fatalf("step %d (current %d, recommendation %d): stabilized %d with the last recommendation unknown, %d with it known at %s\nhistory %+v",
						j, current, rec, u.Stabilized, k.Stabilized, last, h)
				}
				known, unknown, knownLast, unknownLast = k.History, u.History, ts, ts
			}
		})
	}
}
