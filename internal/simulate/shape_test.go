package simulate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestShapeValues(t *testing.T) {
	tests := map[string]struct {
		spec string
		at   []time.Duration
		want []float64
	}{
		"step": {
			spec: "step:from=2,to=8,at=1m",
			at:   []time.Duration{0, 59 * time.Second, time.Minute, time.Hour},
			want: []float64{2, 2, 8, 8},
		},
		"step with quantities": {
			spec: "step:from=500m,to=1Ki",
			at:   []time.Duration{0, 5 * time.Minute},
			want: []float64{0.5, 1024},
		},
		"ramp": {
			spec: "ramp:from=0,to=10,start=1m,end=2m",
			at:   []time.Duration{0, time.Minute, 90 * time.Second, 2 * time.Minute, time.Hour},
			want: []float64{0, 0, 5, 10, 10},
		},
		"spike": {
			spec: "spike:base=1,peak=9,at=60,length=30s",
			at:   []time.Duration{59 * time.Second, time.Minute, 89 * time.Second, 90 * time.Second},
			want: []float64{1, 9, 9, 1},
		},
		"sine": {
			spec: "sine:mean=10,amplitude=4,period=4m",
			at:   []time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute},
			want: []float64{10, 14, 10, 6},
		},
		"sine never goes below zero": {
			spec: "sine:mean=1,amplitude=4,period=4m",
			at:   []time.Duration{3 * time.Minute},
			want: []float64{0},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := ParseShape(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float64, len(tc.at))
			for i, at := range tc.at {
				got[i] = shapeKinds[s.Kind].at(s, at)
			}
			round := cmp.Transformer("round", func(f float64) float64 { return math.Round(f*1e9) / 1e9 })
			if diff := cmp.Diff(tc.want, got, round); diff != "" {
				t.Errorf("values of %s (-want +got):\n%s", tc.spec, diff)
			}
		})
	}
}

func TestRecordedShape(t *testing.T) {
	s, err := ParseShape("recorded:min=100,max=1100,day=24h,noise=0")
	if err != nil {
		t.Fatal(err)
	}
	v := s.samples(time.Hour, 24*time.Hour)
	if len(v) != 25 {
		t.Fatalf("%d samples, want 25 (hourly over a day, both ends)", len(v))
	}
	lowest, highest := 0, 0
	for i := range 24 {
		if v[i] < v[lowest] {
			lowest = i
		}
		if v[i] > v[highest] {
			highest = i
		}
	}
	if lowest != 4 || highest != 19 {
		t.Errorf("quietest hour %d, busiest %d: want 4 and 19", lowest, highest)
	}
	if math.Abs(v[lowest]-100) > 1e-9 || math.Abs(v[highest]-1100) > 1e-9 {
		t.Errorf("quietest %g, busiest %g: want min=100 and max=1100", v[lowest], v[highest])
	}
	// A compressed day has the same shape, and the same seed gives the same noise.
	short, _ := ParseShape("recorded:min=100,max=1100,day=24m,noise=0")
	if got := short.samples(time.Minute, 24*time.Minute); math.Abs(got[19]-1100) > 1e-9 {
		t.Errorf("day=24m: minute 19 = %g, want the peak 1100", got[19])
	}
	a, _ := ParseShape("recorded:min=100,max=1100,seed=3")
	b, _ := ParseShape("recorded:min=100,max=1100,seed=3")
	c, _ := ParseShape("recorded:min=100,max=1100,seed=4")
	va, vb, vc := a.samples(time.Minute, time.Hour), b.samples(time.Minute, time.Hour), c.samples(time.Minute, time.Hour)
	if diff := cmp.Diff(va, vb); diff != "" {
		t.Errorf("same seed, different traces:\n%s", diff)
	}
	if cmp.Equal(va, vc) {
		t.Error("different seeds gave the same trace")
	}
	for i, x := range va {
		if x < 0 {
			t.Fatalf("sample %d is negative: %g", i, x)
		}
	}
}

func TestParseShapeErrors(t *testing.T) {
	tests := map[string]string{
		"wave:mean=1":                      `unknown kind "wave": allowed kinds are ramp, recorded, sine, spike, step`,
		"step":                             "step needs to=VALUE",
		"step:to":                          `"to" is not NAME=VALUE: parameters of step are from, to, at`,
		"step:to=1,height=2":               "height: unknown parameter of step: allowed are from, to, at",
		"step:to=x":                        `to: "x" is not a number or quantity`,
		"step:to=1,at=soon":                `at: "soon" is not a time`,
		"ramp:to=1,start=5m,end=1m":        "end=1m0s must be after start=5m0s",
		"sine:mean=1,amplitude=1,period=0": "period=0s must be more than 0",
		"=step:to=1":                       "empty metric name",
		"recorded:min=5,max=1":             "max=1 must not be below min=5",
		"recorded:min=1,max=5,seed=1.5":    "seed=1.5 must be a whole number",
		"spike:peak=3,length=0":            "length=0s must be more than 0",
	}
	for spec, want := range tests {
		t.Run(spec, func(t *testing.T) {
			_, err := ParseShape(spec)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("ParseShape(%q) error = %v, want one containing %q", spec, err, want)
			}
			if !strings.Contains(err.Error(), spec) {
				t.Errorf("error %q does not quote the shape %q", err, spec)
			}
		})
	}
}

func TestShapesTrace(t *testing.T) {
	metrics := []MetricInfo{{Index: 0, Name: "podResource/cpu", Short: "cpu"}, {Index: 1, Name: "external/queue", Short: "queue"}}
	general, _ := ParseShape("step:from=1,to=2,at=30s")
	queue, _ := ParseShape("queue=spike:base=5,peak=50,at=15s,length=15s")
	tr, err := ShapesTrace([]*Shape{general, queue}, metrics, 15*time.Second, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := &Trace{
		Source:  "step:from=1,to=2,at=30s queue=spike:base=5,peak=50,at=15s,length=15s",
		Columns: []string{"podResource/cpu", "external/queue"},
		Points: []Point{
			{At: 0, Values: []float64{1, 5}},
			{At: 15 * time.Second, Values: []float64{1, 50}},
			{At: 30 * time.Second, Values: []float64{2, 5}},
			{At: 45 * time.Second, Values: []float64{2, 5}},
			{At: 60 * time.Second, Values: []float64{2, 5}},
		},
	}
	if diff := cmp.Diff(want, tr); diff != "" {
		t.Errorf("ShapesTrace() mismatch (-want +got):\n%s", diff)
	}

	errs := map[string][]string{
		"a metric without a shape":            {"queue=step:to=1"},
		"two shapes for every metric":         {"step:to=1", "sine:mean=1,amplitude=1"},
		"two shapes for one metric":           {"queue=step:to=1", "1=step:to=2", "step:to=1"},
		"a shape for a metric that is absent": {"qps=step:to=1", "step:to=1"},
	}
	wants := map[string]string{
		"a metric without a shape":            "no shape feeds spec.metrics[0] (podResource/cpu): add --shape cpu=KIND:...",
		"two shapes for every metric":         `shapes "step:to=1" and "sine:mean=1,amplitude=1" both feed every metric`,
		"two shapes for one metric":           `shapes "queue=step:to=1" and "1=step:to=2" both feed external/queue`,
		"a shape for a metric that is absent": `shape "qps=step:to=1": "qps" names no metric of the autoscaler`,
	}
	for name, specs := range errs {
		t.Run(name, func(t *testing.T) {
			var shapes []*Shape
			for _, s := range specs {
				sh, err := ParseShape(s)
				if err != nil {
					t.Fatal(err)
				}
				shapes = append(shapes, sh)
			}
			_, err := ShapesTrace(shapes, metrics, 15*time.Second, 0)
			if err == nil || !strings.Contains(err.Error(), wants[name]) {
				t.Fatalf("ShapesTrace() error = %v, want one containing %q", err, wants[name])
			}
		})
	}
}

func TestShapeHelpNamesEveryParameter(t *testing.T) {
	help := ShapeHelp()
	for name, k := range shapeKinds {
		if !strings.Contains(help, "  "+name+": ") {
			t.Errorf("help does not describe shape %s", name)
		}
		for _, p := range k.values {
			if !strings.Contains(help, " "+p.name+" ") {
				t.Errorf("help does not describe %s's parameter %s", name, p.name)
			}
		}
		for _, p := range k.durations {
			if !strings.Contains(help, " "+p.name+" ") {
				t.Errorf("help does not describe %s's parameter %s", name, p.name)
			}
		}
	}
}
