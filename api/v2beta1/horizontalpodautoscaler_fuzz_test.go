package v2beta1_test

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/conversion"

	"github.com/mhpa-dev/mhpa/api/internal/fuzzer"
	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/api/v2beta1"
)

func newV2beta1() conversion.Convertible { return &v2beta1.HorizontalPodAutoscaler{} }

// FuzzV2beta1RoundTrip converts random v2beta1 objects to v2 and back; the seed corpus is in
// testdata/fuzz/FuzzV2beta1RoundTrip.
func FuzzV2beta1RoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &v2beta1.HorizontalPodAutoscaler{}
		fuzzer.New(data).Fill(in)
		if err := fuzzer.SpokeRoundTrip(in, newV2beta1); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzHubThroughV2beta1 converts random v2 objects to v2beta1 and back; then it edits the v2beta1
// object as a client would and checks that the edit survives conversion to v2 and back. The
// seed corpus is in testdata/fuzz/FuzzHubThroughV2beta1.
func FuzzHubThroughV2beta1(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		filler := fuzzer.New(data)
		in := &v2.HorizontalPodAutoscaler{}
		filler.Fill(in)
		if err := fuzzer.HubRoundTrip(in, newV2beta1); err != nil {
			t.Fatal(err)
		}
		edit := func(o conversion.Convertible) { fuzzer.Edit(filler, o) }
		if err := fuzzer.EditedSpokeRoundTrip(in, newV2beta1, edit); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRandomRoundTrips runs both round trips on objects from fixed seeds, so that every
// `go test` covers many shapes without -fuzz.
func TestRandomRoundTrips(t *testing.T) {
	for seed := int64(0); seed < 1000; seed++ {
		spoke := &v2beta1.HorizontalPodAutoscaler{}
		fuzzer.NewWithSeed(seed).Fill(spoke)
		if err := fuzzer.SpokeRoundTrip(spoke, newV2beta1); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		filler := fuzzer.NewWithSeed(seed)
		hub := &v2.HorizontalPodAutoscaler{}
		filler.Fill(hub)
		if err := fuzzer.HubRoundTrip(hub, newV2beta1); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		edit := func(o conversion.Convertible) { fuzzer.Edit(filler, o) }
		if err := fuzzer.EditedSpokeRoundTrip(hub, newV2beta1, edit); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}
