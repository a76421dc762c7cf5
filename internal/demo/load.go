package demo

import (
	"fmt"
	"time"
)

// Phase is a part of the load shape.
type Phase string

// The phases of the load shape, in order.
const (
	PhaseBaseline Phase = "baseline"
	PhaseRise     Phase = "rise"
	PhasePlateau  Phase = "plateau"
	PhaseFall     Phase = "fall"
	PhaseCalm     Phase = "calm"
)

// Shape is the load over a run of Duration: the baseline, a linear rise to the peak, a
// plateau at the peak, a linear fall back to the baseline, and a calm at the baseline during
// which the autoscalers scale down once their stabilization window has passed. The phases take
// the given fractions of Duration, which add up to 1.
type Shape struct {
	Duration                            time.Duration
	Baseline, Rise, Plateau, Fall, Calm float64
}

// DefaultShape returns the demo's shape over d: 10% baseline, 20% rise, 30% plateau, 10% fall
// and 30% calm.
func DefaultShape(d time.Duration) Shape {
	return Shape{Duration: d, Baseline: 0.10, Rise: 0.20, Plateau: 0.30, Fall: 0.10, Calm: 0.30}
}

// Validate checks that the fractions are not negative and add up to 1.
func (s Shape) Validate() error {
	if s.Duration <= 0 {
		return fmt.Errorf("duration: invalid value %v: must be positive", s.Duration)
	}
	sum := 0.0
	for _, f := range []float64{s.Baseline, s.Rise, s.Plateau, s.Fall, s.Calm} {
		if f < 0 {
			return fmt.Errorf("load shape: invalid fraction %v: must not be negative", f)
		}
		sum += f
	}
	if sum < 0.999 || sum > 1.001 {
		return fmt.Errorf("load shape: fractions add up to %v: must add up to 1", sum)
	}
	return nil
}

// PhaseSpan is when a phase begins and ends, from the start of the load.
type PhaseSpan struct {
	Phase      Phase
	Start, End time.Duration
}

// Spans returns the phases with their times.
func (s Shape) Spans() []PhaseSpan {
	var out []PhaseSpan
	at := time.Duration(0)
	for _, p := range []struct {
		phase Phase
		frac  float64
	}{{PhaseBaseline, s.Baseline}, {PhaseRise, s.Rise}, {PhasePlateau, s.Plateau}, {PhaseFall, s.Fall}, {PhaseCalm, s.Calm}} {
		d := time.Duration(p.frac * float64(s.Duration))
		out = append(out, PhaseSpan{Phase: p.phase, Start: at, End: at + d})
		at += d
	}
	out[len(out)-1].End = s.Duration
	return out
}

// Span returns the span of phase p.
func (s Shape) Span(p Phase) PhaseSpan {
	for _, sp := range s.Spans() {
		if sp.Phase == p {
			return sp
		}
	}
	return PhaseSpan{Phase: p}
}

// At returns the phase at t and the level of the load: 0 at the baseline, 1 at the peak. Before
// 0 it is the baseline, from Duration on the calm.
func (s Shape) At(t time.Duration) (Phase, float64) {
	spans := s.Spans()
	if t < 0 {
		return PhaseBaseline, 0
	}
	for _, sp := range spans {
		if t >= sp.End {
			continue
		}
		frac := 0.0
		if sp.End > sp.Start {
			frac = float64(t-sp.Start) / float64(sp.End-sp.Start)
		}
		switch sp.Phase {
		case PhaseRise:
			return sp.Phase, frac
		case PhasePlateau:
			return sp.Phase, 1
		case PhaseFall:
			return sp.Phase, 1 - frac
		default:
			return sp.Phase, 0
		}
	}
	return PhaseCalm, 0
}

// Load is the demand on one workload: Base at the baseline, Peak at the plateau.
type Load struct {
	Base, Peak float64
}

// At returns the demand at a level of the shape.
func (l Load) At(level float64) float64 {
	return l.Base + (l.Peak-l.Base)*level
}
