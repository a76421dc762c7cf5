package behavior

import (
	"testing"
	"time"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// BenchmarkNormalizeWithBehavior measures a normalization with a behavior, a history of 20
// runs and 10 scale events of each direction, that keeps the count (the steady state).
func BenchmarkNormalizeWithBehavior(b *testing.B) {
	var h History
	for i := 0; i < 20; i++ {
		h.Recommendations = append(h.Recommendations, at(time.Duration(20-i)*15*time.Second, int32(5+i%3)))
	}
	for i := 0; i < 10; i++ {
		h.ScaleUpEvents = append(h.ScaleUpEvents, at(time.Duration(10-i)*20*time.Second, 1))
		h.ScaleDownEvents = append(h.ScaleDownEvents, at(time.Duration(10-i)*25*time.Second, 1))
	}
	in := Input{Now: now, CurrentReplicas: 6, Recommendation: 6, MinReplicas: 1, MaxReplicas: 20,
		Behavior: &v2.HorizontalPodAutoscalerBehavior{ScaleUp: rules(4, 60, 100, 60, 60), ScaleDown: rules(1, 60, 10, 120, 300)},
		History:  h}
	b.ReportAllocs()
	for b.Loop() {
		if r := Normalize(in); r.Replicas != 6 {
			b.Fatalf("replicas = %d", r.Replicas)
		}
	}
}
