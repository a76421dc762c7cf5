package decision

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// TestShadowFailureEvents checks that a failing shadow metric gets a warning event with the
// reason of its type, worded as a shadow metric's, and that a failing driving metric's event
// is worded as upstream's.
func TestShadowFailureEvents(t *testing.T) {
	tc := ctrlCase{min: 1, max: 10, specReplicas: 5, statusReplicas: 5, cpuTarget: 50,
		metrics: []v2.MetricSpec{shadow(externalQPS(1000)), externalQPS(1000)},
		levels:  []int64{100, 300, 500, 250, 250}, requests: repeat(1000, 5), history: seen(3),
		fetchErr: map[int]error{1: errSomethingWrong, 2: errSomethingWrong}}
	d := Decide(tc.input())
	var got []Event
	for _, e := range d.Events {
		if e.Reason == ReasonFailedGetExternalMetric {
			got = append(got, e)
		}
	}
	want := []Event{
		{Type: corev1.EventTypeWarning, Reason: ReasonFailedGetExternalMetric,
			Message: "shadow metric external/qps (spec.metrics[1], never drives scaling): unable to get external metric qps: something went wrong"},
		{Type: corev1.EventTypeWarning, Reason: ReasonFailedGetExternalMetric,
			Message: "unable to get external metric qps: something went wrong"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events of the failing metrics (-want +got):\n%s", diff)
	}
}
