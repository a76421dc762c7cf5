package fuzzer

import (
	"encoding/json"
	"fmt"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	utiljson "sigs.k8s.io/json"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// The round trips go through JSON between the steps, as objects do between the API server and
// the conversion webhook, and compare JSON: "the same object" means the same bytes on the wire.

// HubRoundTrip converts hub to a spoke (made by newSpoke) and back, and returns an error that
// shows the difference when the result is not hub byte for byte. It also checks that neither
// conversion changed its input.
func HubRoundTrip(hub *v2.HorizontalPodAutoscaler, newSpoke func() conversion.Convertible) error {
	want, err := json.Marshal(hub)
	if err != nil {
		return err
	}
	in := &v2.HorizontalPodAutoscaler{}
	if err := decode(want, in); err != nil {
		return err
	}
	spoke := newSpoke()
	if err := spoke.ConvertFrom(in); err != nil {
		return fmt.Errorf("converting from v2 to %T: %w", spoke, err)
	}
	if err := unchanged("v2", in, want); err != nil {
		return err
	}
	spokeJSON, err := json.Marshal(spoke)
	if err != nil {
		return err
	}
	spokeIn := newSpoke()
	if err := decode(spokeJSON, spokeIn); err != nil {
		return err
	}
	out := &v2.HorizontalPodAutoscaler{}
	if err := spokeIn.ConvertTo(out); err != nil {
		return fmt.Errorf("converting %T back to v2: %w\n%T: %s", spoke, err, spoke, spokeJSON)
	}
	if err := unchanged(fmt.Sprintf("%T", spoke), spokeIn, spokeJSON); err != nil {
		return err
	}
	got, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if diff := jsonDiff(want, got); diff != "" {
		return fmt.Errorf("v2 -> %T -> v2 is not lossless (-want +got):\n%s\nvia %s", spoke, diff, spokeJSON)
	}
	return nil
}

// SpokeRoundTrip converts spoke to the hub and back to a new spoke (made by newSpoke), and
// returns an error that shows the difference when the result is not spoke byte for byte. It
// also checks that neither conversion changed its input and that the hub carries no
// round-trip annotation.
func SpokeRoundTrip(spoke conversion.Convertible, newSpoke func() conversion.Convertible) error {
	want, err := json.Marshal(spoke)
	if err != nil {
		return err
	}
	in := newSpoke()
	if err := decode(want, in); err != nil {
		return err
	}
	hub := &v2.HorizontalPodAutoscaler{}
	if err := in.ConvertTo(hub); err != nil {
		return fmt.Errorf("converting %T to v2: %w", spoke, err)
	}
	if err := unchanged(fmt.Sprintf("%T", spoke), in, want); err != nil {
		return err
	}
	for k := range hub.Annotations {
		if v2.IsRoundTripAnnotation(k) {
			return fmt.Errorf("converting %T to v2 left the annotation %s on v2", spoke, k)
		}
	}
	hubJSON, err := json.Marshal(hub)
	if err != nil {
		return err
	}
	hubIn := &v2.HorizontalPodAutoscaler{}
	if err := decode(hubJSON, hubIn); err != nil {
		return err
	}
	out := newSpoke()
	if err := out.ConvertFrom(hubIn); err != nil {
		return fmt.Errorf("converting v2 back to %T: %w\nv2: %s", spoke, err, hubJSON)
	}
	if err := unchanged("v2", hubIn, hubJSON); err != nil {
		return err
	}
	got, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if diff := jsonDiff(want, got); diff != "" {
		return fmt.Errorf("%T -> v2 -> %T is not lossless (-want +got):\n%s\nvia %s", spoke, spoke, diff, hubJSON)
	}
	return nil
}

func decode(data []byte, into any) error {
	if err := utiljson.UnmarshalCaseSensitivePreserveInts(data, into); err != nil {
		return fmt.Errorf("decoding %T: %w\n%s", into, err, data)
	}
	return nil
}

// unchanged checks that obj still encodes to before.
func unchanged(what string, obj any, before []byte) error {
	after, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	if diff := jsonDiff(before, after); diff != "" {
		return fmt.Errorf("conversion changed its %s input (-before +after):\n%s", what, diff)
	}
	return nil
}

// jsonDiff returns "" when a and b are the same bytes, else a readable difference of their
// decoded forms (or of the texts, when those are equal).
func jsonDiff(a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	var av, bv any
	if json.Unmarshal(a, &av) == nil && json.Unmarshal(b, &bv) == nil {
		if d := cmp.Diff(av, bv); d != "" {
			return d
		}
	}
	return cmp.Diff(string(a), string(b))
}

// EditedSpokeRoundTrip converts hub to a spoke (made by newSpoke), lets edit change the
// spoke's own fields as a client would, converts the result to the hub and back, and returns
// an error when the spoke's fields (all but its annotations, which conversion rewrites) are not
// what the client wrote.
func EditedSpokeRoundTrip(hub *v2.HorizontalPodAutoscaler, newSpoke func() conversion.Convertible, edit func(conversion.Convertible)) error {
	spoke := newSpoke()
	if err := spoke.ConvertFrom(hub.DeepCopy()); err != nil {
		return fmt.Errorf("converting from v2 to %T: %w", spoke, err)
	}
	edit(spoke)
	edited, err := json.Marshal(spoke)
	if err != nil {
		return err
	}
	in := newSpoke()
	if err := decode(edited, in); err != nil {
		return err
	}
	out := &v2.HorizontalPodAutoscaler{}
	if err := in.ConvertTo(out); err != nil {
		return fmt.Errorf("converting the edited %T to v2: %w\n%s", spoke, err, edited)
	}
	hubJSON, err := json.Marshal(out)
	if err != nil {
		return err
	}
	hubIn := &v2.HorizontalPodAutoscaler{}
	if err := decode(hubJSON, hubIn); err != nil {
		return err
	}
	back := newSpoke()
	if err := back.ConvertFrom(hubIn); err != nil {
		return fmt.Errorf("converting v2 back to %T: %w", spoke, err)
	}
	got, err := json.Marshal(back)
	if err != nil {
		return err
	}
	if diff := jsonDiff(withoutAnnotations(edited), withoutAnnotations(got)); diff != "" {
		return fmt.Errorf("a client's edit of %T did not survive conversion to v2 and back (-edited +got):\n%s\nvia %s", spoke, diff, hubJSON)
	}
	return nil
}

// withoutAnnotations returns the JSON object data without metadata.annotations.
func withoutAnnotations(data []byte) []byte {
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return data
	}
	if meta, ok := obj["metadata"].(map[string]any); ok {
		delete(meta, "annotations")
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return data
	}
	return out
}
