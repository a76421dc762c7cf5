package simulate

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// nan compares NaNs as equal.
var nan = cmpopts.EquateNaNs()

func TestParseCSVTrace(t *testing.T) {
	tests := map[string]struct {
		csv  string
		want *Trace
	}{
		"offsets, durations, quantities and a missing value": {
			csv: "# load\ntime,cpu,external/queue\n0,2.5,30\n90s,2500m,\n2m30s,3, 1k\n",
			want: &Trace{Source: "load.csv", Columns: []string{"cpu", "external/queue"}, HeaderLine: 2, Points: []Point{
				{At: 0, Line: 3, Values: []float64{2.5, 30}},
				{At: 90 * time.Second, Line: 4, Values: []float64{2.5, math.NaN()}},
				{At: 150 * time.Second, Line: 5, Values: []float64{3, 1000}},
			}},
		},
		"timestamps are relative to the first": {
			csv: "TIME,0\n2026-03-01T10:00:00Z,1\n2026-03-01T10:00:30Z,2\n",
			want: &Trace{Source: "load.csv", Columns: []string{"0"}, HeaderLine: 1, Points: []Point{
				{At: 0, Line: 2, Values: []float64{1}},
				{At: 30 * time.Second, Line: 3, Values: []float64{2}},
			}},
		},
		"a byte order mark and CRLF line ends, as spreadsheets write": {
			csv: "\ufefftime,qps\r\n0,1\r\n",
			want: &Trace{Source: "load.csv", Columns: []string{"qps"}, HeaderLine: 1, Points: []Point{
				{At: 0, Line: 2, Values: []float64{1}},
			}},
		},
		"memory in binary units": {
			csv: "time,memory\n0,1Gi\n",
			want: &Trace{Source: "load.csv", Columns: []string{"memory"}, HeaderLine: 1, Points: []Point{
				{At: 0, Line: 2, Values: []float64{1 << 30}},
			}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseCSVTrace("load.csv", []byte(tc.csv))
			if err != nil {
				t.Fatalf("ParseCSVTrace() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got, nan); diff != "" {
				t.Errorf("ParseCSVTrace() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCSVTraceErrors(t *testing.T) {
	tests := map[string]struct {
		csv  string
		want string
	}{
		"empty":             {"", `load.csv: empty trace: expected a header row "time,<metric>,..."`},
		"no time column":    {"t,cpu\n0,1\n", `load.csv:1: column 1 of the header is "t", must be "time"`},
		"no metric":         {"time\n0\n", "load.csv:1: the header names no metric"},
		"repeated metric":   {"time,cpu,cpu\n0,1,1\n", `load.csv:1: column 3 of the header: metric "cpu" is named twice (also column 2)`},
		"bad value":         {"time,cpu\n0,1\n30,abc\n", `load.csv:3: column 2 (cpu): "abc" is not a number or quantity`},
		"negative value":    {"time,cpu\n0,-1\n", `load.csv:2: column 2 (cpu): "-1" is not allowed: values are finite and not negative`},
		"bad time":          {"time,cpu\n0,1\nsoon,2\n", `load.csv:3: column 1 (time): "soon" is not a time`},
		"time going back":   {"time,cpu\n0,1\n60,1\n30,1\n", "load.csv:4: column 1 (time): time 30s is not after the previous sample's 1m0s"},
		"mixed time kinds":  {"time,cpu\n2026-03-01T10:00:00Z,1\n30,1\n", `load.csv:3: column 1 (time): "30" is not an RFC 3339 timestamp`},
		"short row":         {"time,cpu,qps\n0,1,2\n30,1\n", "load.csv:3: row has 2 fields, the header has 3"},
		"header but no row": {"time,cpu\n", "load.csv: the trace has a header but no samples"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseCSVTrace("load.csv", []byte(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseCSVTrace() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseYAMLTrace(t *testing.T) {
	doc := `description: two metrics
points:
- {time: 0s, cpu: 2, queue: 30}
- {time: 1m, cpu: 2500m}
- time: 90
  queue: null
`
	want := &Trace{Source: "load.yaml", Columns: []string{"cpu", "queue"}, HeaderLine: 3, Points: []Point{
		{At: 0, Line: 3, Values: []float64{2, 30}},
		{At: time.Minute, Line: 4, Values: []float64{2.5, 30}},
		{At: 90 * time.Second, Line: 5, Values: []float64{2.5, math.NaN()}},
	}}
	got, err := ParseYAMLTrace("load.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, nan); diff != "" {
		t.Errorf("ParseYAMLTrace() mismatch (-want +got):\n%s", diff)
	}
	// JSON is YAML too.
	got, err = ParseYAMLTrace("load.json", []byte(`{"points": [{"time": 0, "cpu": 1}, {"time": "30s", "cpu": "2"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Points) != 2 || got.Points[1].Values[0] != 2 || got.Points[1].At != 30*time.Second {
		t.Errorf("ParseYAMLTrace(JSON) = %+v", got)
	}
}

func TestParseYAMLTraceErrors(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want string
	}{
		"not a mapping":       {"- 1\n", "load.yaml:1: the trace must be a mapping with a list \"points\", not a list"},
		"unknown field":       {"point: []\n", `load.yaml:1: unknown field "point": allowed fields are points, description and name`},
		"no points":           {"points: []\n", "load.yaml:1: points: must be a non-empty list"},
		"point without time":  {"points:\n- {cpu: 1}\n", "load.yaml:2: points[0]: no time"},
		"new metric later":    {"points:\n- {time: 0, cpu: 1}\n- {time: 1, qps: 2}\n", `load.yaml:3: points[1].qps: metric "qps" is not in the first point`},
		"bad value":           {"points:\n- {time: 0, cpu: lots}\n", `load.yaml:2: points[0].cpu: "lots" is not a number or quantity`},
		"value is a list":     {"points:\n- time: 0\n  cpu: [1]\n", "load.yaml:3: points[0].cpu: must be a number or quantity"},
		"time going back":     {"points:\n- {time: 1m, cpu: 1}\n- {time: 30s, cpu: 1}\n", "load.yaml:3: points[1].time: time 30s is not after"},
		"syntax error":        {"points: [\n", "load.yaml: yaml: line"},
		"first point no data": {"points:\n- {time: 0}\n", "load.yaml:2: points[0]: no metric"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseYAMLTrace("load.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseYAMLTrace() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestTraceValueAt(t *testing.T) {
	tr := &Trace{Columns: []string{"x"}, Points: []Point{
		{At: 10 * time.Second, Values: []float64{1}},
		{At: 20 * time.Second, Values: []float64{2}},
		{At: 40 * time.Second, Values: []float64{math.NaN()}},
	}}
	tests := map[string]struct {
		at   time.Duration
		want float64
	}{
		"before the first sample": {0, 1},
		"at a sample":             {20 * time.Second, 2},
		"between samples":         {39 * time.Second, 2},
		"a missing value":         {40 * time.Second, math.NaN()},
		"after the last sample":   {time.Hour, math.NaN()},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tr.ValueAt(0, tc.at), nan); diff != "" {
				t.Errorf("ValueAt(%s) (-want +got):\n%s", tc.at, diff)
			}
		})
	}
	if tr.End() != 40*time.Second {
		t.Errorf("End() = %s, want 40s", tr.End())
	}
}

func TestReadTrace(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"load.txt": "time,cpu\n0,1\n", "load.csv": "time,cpu\n0,1\n", "load.yml": "points: [{time: 0, cpu: 1}]\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_, err := ReadTrace(filepath.Join(dir, "load.txt"), nil)
	if err == nil || !strings.Contains(err.Error(), `unknown file extension ".txt": use .csv for CSV, or .yaml, .yml or .json`) {
		t.Errorf("ReadTrace(load.txt) error = %v, want one naming the allowed extensions", err)
	}
	for _, name := range []string{"load.csv", "load.yml"} {
		tr, err := ReadTrace(filepath.Join(dir, name), nil)
		if err != nil || len(tr.Points) != 1 || tr.Columns[0] != "cpu" {
			t.Errorf("ReadTrace(%s) = %+v, %v", name, tr, err)
		}
	}
	tr, err := ReadTrace("-", strings.NewReader("time,qps\n0,5\n"))
	if err != nil || tr.Points[0].Values[0] != 5 {
		t.Errorf("ReadTrace(stdin) = %+v, %v", tr, err)
	}
}
