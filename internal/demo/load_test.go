package demo

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestShapeAt(t *testing.T) {
	s := DefaultShape(100 * time.Second)
	type point struct {
		Phase Phase
		Level float64
	}
	for name, tc := range map[string]struct {
		at   time.Duration
		want point
	}{
		"before the start": {at: -time.Second, want: point{PhaseBaseline, 0}},
		"baseline":         {at: 5 * time.Second, want: point{PhaseBaseline, 0}},
		"rise begins":      {at: 10 * time.Second, want: point{PhaseRise, 0}},
		"rise half way":    {at: 20 * time.Second, want: point{PhaseRise, 0.5}},
		"plateau":          {at: 45 * time.Second, want: point{PhasePlateau, 1}},
		"fall half way":    {at: 65 * time.Second, want: point{PhaseFall, 0.5}},
		"calm":             {at: 80 * time.Second, want: point{PhaseCalm, 0}},
		"after the end":    {at: 200 * time.Second, want: point{PhaseCalm, 0}},
	} {
		t.Run(name, func(t *testing.T) {
			phase, level := s.At(tc.at)
			if diff := cmp.Diff(tc.want, point{phase, level}); diff != "" {
				t.Errorf("At(%v) (-want +got):\n%s", tc.at, diff)
			}
		})
	}
}

func TestShapeSpans(t *testing.T) {
	got := DefaultShape(60 * time.Second).Spans()
	want := []PhaseSpan{
		{PhaseBaseline, 0, 6 * time.Second},
		{PhaseRise, 6 * time.Second, 18 * time.Second},
		{PhasePlateau, 18 * time.Second, 36 * time.Second},
		{PhaseFall, 36 * time.Second, 42 * time.Second},
		{PhaseCalm, 42 * time.Second, 60 * time.Second},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Spans (-want +got):\n%s", diff)
	}
}

func TestShapeValidate(t *testing.T) {
	for name, tc := range map[string]struct {
		shape   Shape
		wantErr string
	}{
		"default":  {shape: DefaultShape(time.Minute)},
		"no time":  {shape: DefaultShape(0), wantErr: "duration: invalid value 0s: must be positive"},
		"negative": {shape: Shape{Duration: time.Minute, Baseline: -0.5, Plateau: 1.5}, wantErr: "load shape: invalid fraction -0.5: must not be negative"},
		"short":    {shape: Shape{Duration: time.Minute, Plateau: 0.5}, wantErr: "load shape: fractions add up to 0.5: must add up to 1"},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.shape.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Errorf("Validate() = %q, want %q", got, tc.wantErr)
			}
		})
	}
}
