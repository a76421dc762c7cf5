package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Shape is a built-in load shape: a value for every time, for one metric or all of them.
type Shape struct {
	// Metric names the metric the shape feeds (see [Bind]); empty feeds every metric that no
	// other shape names.
	Metric string
	// Kind is the kind of shape: step, ramp, spike, sine or recorded.
	Kind string
	// Spec is the shape as written, for messages and titles.
	Spec string

	params  map[string]float64
	periods map[string]time.Duration
}

// shapeKind describes one kind of shape: its parameters and its function of time.
type shapeKind struct {
	help string
	// values are the parameters in the metric's unit, with defaults (NaN: required).
	values []param
	// durations are the time parameters, with defaults (negative: required).
	durations []durationParam
	// length is the default length of a trace of this shape.
	length func(s *Shape) time.Duration
	at     func(s *Shape, t time.Duration) float64
}

type param struct {
	name string
	def  float64
	help string
}

type durationParam struct {
	name string
	def  time.Duration
	help string
}

const defaultShapeLength = 30 * time.Minute

// noiseMemory is how long the recorded shape's noise remembers itself: the correlation time of
// its drift.
const noiseMemory = 4 * time.Minute

// shapeKinds are the built-in shapes.
var shapeKinds = map[string]shapeKind{
	"step": {
		help:      "FROM until AT, then TO",
		values:    []param{{"from", 0, "value before the step"}, {"to", math.NaN(), "value from the step on"}},
		durations: []durationParam{{"at", 5 * time.Minute, "time of the step"}},
		at: func(s *Shape, t time.Duration) float64 {
			if t < s.periods["at"] {
				return s.params["from"]
			}
			return s.params["to"]
		},
	},
	"ramp": {
		help:   "FROM until START, then a straight line to TO at END, then TO",
		values: []param{{"from", 0, "value before the ramp"}, {"to", math.NaN(), "value at the end of the ramp and after"}},
		durations: []durationParam{
			{"start", 5 * time.Minute, "time the ramp starts"},
			{"end", 15 * time.Minute, "time the ramp ends"},
		},
		at: func(s *Shape, t time.Duration) float64 {
			from, to := s.params["from"], s.params["to"]
			start, end := s.periods["start"], s.periods["end"]
			switch {
			case t <= start:
				return from
			case t >= end:
				return to
			}
			return from + (to-from)*float64(t-start)/float64(end-start)
		},
	},
	"spike": {
		help:   "BASE, PEAK from AT for LENGTH, then BASE again",
		values: []param{{"base", 0, "value outside the spike"}, {"peak", math.NaN(), "value during the spike"}},
		durations: []durationParam{
			{"at", 5 * time.Minute, "time the spike starts"},
			{"length", time.Minute, "how long the spike lasts"},
		},
		at: func(s *Shape, t time.Duration) float64 {
			at := s.periods["at"]
			if t >= at && t < at+s.periods["length"] {
				return s.params["peak"]
			}
			return s.params["base"]
		},
	},
	"sine": {
		help:   "a wave around MEAN, AMPLITUDE above and below it, repeating every PERIOD",
		values: []param{{"mean", math.NaN(), "middle value"}, {"amplitude", math.NaN(), "distance of the highest and lowest value from the mean"}},
		durations: []durationParam{
			{"period", 10 * time.Minute, "time of one full wave"},
			{"phase", 0, "time into the wave at the start (period/4 starts at the top)"},
		},
		at: func(s *Shape, t time.Duration) float64 {
			p := s.periods["period"]
			x := 2 * math.Pi * float64(t+s.periods["phase"]) / float64(p)
			return max(0, s.params["mean"]+s.params["amplitude"]*math.Sin(x))
		},
	},
	"recorded": {
		help: "a day of web traffic: MIN around 4:00, busy from 9:00, MAX around 19:00",
		values: []param{
			{"min", math.NaN(), "value in the quietest hour"},
			{"max", math.NaN(), "value in the busiest hour"},
			{"noise", 0.03, "size of the random variation, as a fraction of max-min (0 for none)"},
			{"seed", 1, "seed of the random variation: the same seed gives the same trace"},
		},
		durations: []durationParam{
			{"day", 24 * time.Hour, "length of one day (shorter to compress a day)"},
			{"start", 0, "time of day at the start of the trace, for example 6h"},
		},
		length: func(s *Shape) time.Duration { return s.periods["day"] },
	},
}

// dailyProfile is the load of each hour of a typical day of a web service, relative to its
// busiest hour: a quiet night, a morning rise, a lunch plateau and an evening peak.
var dailyProfile = [24]float64{
	0.30, 0.21, 0.14, 0.10, 0.08, 0.10, 0.18, 0.35, 0.58, 0.76, 0.84, 0.90,
	0.94, 0.89, 0.86, 0.84, 0.85, 0.88, 0.94, 1.00, 0.96, 0.82, 0.62, 0.43,
}

// ShapeKinds lists the names of the built-in shapes.
func ShapeKinds() []string {
	names := make([]string, 0, len(shapeKinds))
	for k := range shapeKinds {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// ShapeHelp describes every built-in shape and its parameters, for --help.
func ShapeHelp() string {
	var b strings.Builder
	for _, name := range []string{"step", "ramp", "spike", "sine", "recorded"} {
		k := shapeKinds[name]
		fmt.Fprintf(&b, "  %s: %s\n", name, k.help)
		for _, p := range k.values {
			def := "required"
			if !math.IsNaN(p.def) {
				def = "default " + strconv.FormatFloat(p.def, 'g', -1, 64)
			}
			fmt.Fprintf(&b, "      %-10s %s (%s)\n", p.name, p.help, def)
		}
		for _, p := range k.durations {
			fmt.Fprintf(&b, "      %-10s %s (default %s)\n", p.name, p.help, p.def)
		}
	}
	return b.String()
}

// ParseShape parses a shape written as [METRIC=]KIND[:NAME=VALUE,...], for example
// "step:from=2,to=8,at=5m" or "queue=sine:mean=30,amplitude=20,period=10m". Values are numbers
// or quantities in the metric's unit; times are Go durations or seconds.
func ParseShape(spec string) (*Shape, error) {
	s := &Shape{Spec: spec, params: map[string]float64{}, periods: map[string]time.Duration{}}
	head, args, _ := strings.Cut(spec, ":")
	if metric, kind, ok := strings.Cut(head, "="); ok {
		s.Metric, head = strings.TrimSpace(metric), kind
		if s.Metric == "" {
			return nil, fmt.Errorf("shape %q: empty metric name before \"=\": write METRIC=KIND:..., or leave out METRIC= to feed every metric", spec)
		}
	}
	s.Kind = strings.TrimSpace(head)
	kind, ok := shapeKinds[s.Kind]
	if !ok {
		return nil, fmt.Errorf("shape %q: unknown kind %q: allowed kinds are %s", spec, s.Kind, strings.Join(ShapeKinds(), ", "))
	}
	allowed := make([]string, 0, len(kind.values)+len(kind.durations))
	for _, p := range kind.values {
		allowed = append(allowed, p.name)
	}
	for _, p := range kind.durations {
		allowed = append(allowed, p.name)
	}
	if strings.TrimSpace(args) != "" {
		for _, kv := range strings.Split(args, ",") {
			name, value, ok := strings.Cut(kv, "=")
			name, value = strings.TrimSpace(name), strings.TrimSpace(value)
			if !ok || value == "" {
				return nil, fmt.Errorf("shape %q: %q is not NAME=VALUE: parameters of %s are %s", spec, kv, s.Kind, strings.Join(allowed, ", "))
			}
			if err := s.set(&kind, name, value); err != nil {
				return nil, fmt.Errorf("shape %q: %s: %w", spec, name, err)
			}
		}
	}
	for _, p := range kind.values {
		if _, ok := s.params[p.name]; !ok {
			if math.IsNaN(p.def) {
				return nil, fmt.Errorf("shape %q: %s needs %s=VALUE (%s)", spec, s.Kind, p.name, p.help)
			}
			s.params[p.name] = p.def
		}
	}
	for _, p := range kind.durations {
		if _, ok := s.periods[p.name]; !ok {
			s.periods[p.name] = p.def
		}
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("shape %q: %w", spec, err)
	}
	return s, nil
}

func (s *Shape) set(kind *shapeKind, name, value string) error {
	for _, p := range kind.values {
		if p.name == name {
			v, err := ParseValue(value)
			if err != nil {
				return err
			}
			s.params[name] = v
			return nil
		}
	}
	for _, p := range kind.durations {
		if p.name == name {
			d, err := ParseTime(value)
			if err != nil {
				return err
			}
			s.periods[name] = d
			return nil
		}
	}
	allowed := []string{}
	for _, p := range kind.values {
		allowed = append(allowed, p.name)
	}
	for _, p := range kind.durations {
		allowed = append(allowed, p.name)
	}
	return fmt.Errorf("unknown parameter of %s: allowed are %s", s.Kind, strings.Join(allowed, ", "))
}

func (s *Shape) check() error {
	switch s.Kind {
	case "ramp":
		if s.periods["end"] <= s.periods["start"] {
			return fmt.Errorf("end=%s must be after start=%s", s.periods["end"], s.periods["start"])
		}
	case "spike":
		if s.periods["length"] <= 0 {
			return fmt.Errorf("length=%s must be more than 0", s.periods["length"])
		}
	case "sine":
		if s.periods["period"] <= 0 {
			return fmt.Errorf("period=%s must be more than 0", s.periods["period"])
		}
	case "recorded":
		if s.periods["day"] < time.Minute {
			return fmt.Errorf("day=%s must be at least 1m", s.periods["day"])
		}
		if s.params["max"] < s.params["min"] {
			return fmt.Errorf("max=%g must not be below min=%g", s.params["max"], s.params["min"])
		}
		if n := s.params["noise"]; n > 1 {
			return fmt.Errorf("noise=%g must be a fraction from 0 to 1", n)
		}
		if seed := s.params["seed"]; seed != math.Trunc(seed) {
			return fmt.Errorf("seed=%g must be a whole number", seed)
		}
	}
	return nil
}

// Length is the default length of a trace of this shape: a day for recorded, 30 minutes
// otherwise.
func (s *Shape) Length() time.Duration {
	if k := shapeKinds[s.Kind]; k.length != nil {
		return k.length(s)
	}
	return defaultShapeLength
}

// samples returns the shape's values at 0, step, 2×step, ... up to length.
func (s *Shape) samples(step, length time.Duration) []float64 {
	n := int(length/step) + 1
	out := make([]float64, n)
	if s.Kind == "recorded" {
		s.recorded(out, step)
		return out
	}
	at := shapeKinds[s.Kind].at
	for i := range out {
		out[i] = at(s, time.Duration(i)*step)
	}
	return out
}

// recorded fills out with the daily profile, smoothly interpolated between hours, plus
// noise that drifts (each sample keeps part of the previous one's deviation), as recorded
// traffic does.
func (s *Shape) recorded(out []float64, step time.Duration) {
	lo, hi := s.params["min"], s.params["max"]
	day := s.periods["day"]
	rng := rand.New(rand.NewPCG(uint64(s.params["seed"]), 0x6d687061))
	// The deviation drifts: it keeps a share of itself that halves every few minutes of
	// (uncompressed) time, and its spread stays noise × (max - min) at any step.
	rho := math.Exp(-float64(step) / float64(noiseMemory))
	innovation := math.Sqrt(1 - rho*rho)
	noise := 0.0
	lowest, highest := slices.Min(dailyProfile[:]), slices.Max(dailyProfile[:])
	for i := range out {
		t := time.Duration(i)*step + s.periods["start"]*day/(24*time.Hour)
		hour := math.Mod(24*float64(t)/float64(day), 24)
		h0 := int(hour)
		f := hour - float64(h0)
		f = (1 - math.Cos(math.Pi*f)) / 2
		p := dailyProfile[h0]*(1-f) + dailyProfile[(h0+1)%24]*f
		rel := (p - lowest) / (highest - lowest)
		noise = rho*noise + rng.NormFloat64()*s.params["noise"]*innovation
		out[i] = max(0, lo+(hi-lo)*(rel+noise))
	}
}

// ShapesTrace builds a trace from shapes sampled every step for length (each shape's default
// length when 0). A shape without a metric feeds every metric of metrics that no other shape
// names; metrics are named as in [Bind].
func ShapesTrace(shapes []*Shape, metrics []MetricInfo, step, length time.Duration) (*Trace, error) {
	if len(shapes) == 0 {
		return nil, fmt.Errorf("no shape given")
	}
	if length <= 0 {
		for _, s := range shapes {
			length = max(length, s.Length())
		}
	}
	var general *Shape
	named := map[int]*Shape{}
	for _, s := range shapes {
		if s.Metric == "" {
			if general != nil {
				return nil, fmt.Errorf("shapes %q and %q both feed every metric: name the metric of one, as METRIC=%s", general.Spec, s.Spec, s.Spec)
			}
			general = s
			continue
		}
		i, err := findMetric(metrics, s.Metric)
		if err != nil {
			return nil, fmt.Errorf("shape %q: %w", s.Spec, err)
		}
		if prev, ok := named[i]; ok {
			return nil, fmt.Errorf("shapes %q and %q both feed %s: give one shape per metric", prev.Spec, s.Spec, metrics[i].Name)
		}
		named[i] = s
	}
	t := &Trace{}
	var specs []string
	var columns [][]float64
	for i, m := range metrics {
		s := named[i]
		if s == nil {
			s = general
		}
		if s == nil {
			return nil, fmt.Errorf("no shape feeds spec.metrics[%d] (%s): add --shape %s=KIND:... or a shape without a metric name", i, m.Name, m.Short)
		}
		t.Columns = append(t.Columns, columnName(metrics, i))
		columns = append(columns, s.samples(step, length))
		if !slices.Contains(specs, s.Spec) {
			specs = append(specs, s.Spec)
		}
	}
	t.Source = strings.Join(specs, " ")
	for k := range columns[0] {
		p := Point{At: time.Duration(k) * step, Values: make([]float64, len(columns))}
		for c := range columns {
			p.Values[c] = columns[c][k]
		}
		t.Points = append(t.Points, p)
	}
	return t, nil
}

// columnName names metric i in a generated trace: by its name, which another autoscaler
// compared on the same trace finds whatever the order of its metrics, or by its index when
// another metric has the same name.
func columnName(metrics []MetricInfo, i int) string {
	for j := range metrics {
		if j != i && metrics[j].Name == metrics[i].Name {
			return strconv.Itoa(i)
		}
	}
	return metrics[i].Name
}
