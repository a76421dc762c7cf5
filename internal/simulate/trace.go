package simulate

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Trace is the load a simulation runs against: for each of its columns, a value over time.
// A column holds one metric's demand (see [LoadModel]); which metric of the autoscaler it feeds
// is found by its name (see [Bind]).
type Trace struct {
	// Source names where the trace came from: a file name, or the shapes it was generated from.
	Source string
	// Columns name the series, in the order of Point.Values.
	Columns []string
	// HeaderLine is the line of the source that names the columns (the CSV header, or the
	// first point of a YAML trace); 0 for a generated trace.
	HeaderLine int
	// Points are the trace's samples, in increasing time. A value holds from its point's time
	// until the next point's.
	Points []Point
}

// Point is one sample of a trace: a value per column at a time.
type Point struct {
	// At is the time of the sample, from the start of the trace.
	At time.Duration
	// Line is the line of the source the sample was read from; 0 for generated samples.
	Line int
	// Values holds a value per column, in the unit of its metric (cores for cpu, bytes for
	// memory, the metric's own unit otherwise). NaN means the metric has no value at this
	// time: fetching it fails, as when a metrics server is down.
	Values []float64
}

// End is the time of the trace's last sample.
func (t *Trace) End() time.Duration {
	if len(t.Points) == 0 {
		return 0
	}
	return t.Points[len(t.Points)-1].At
}

// ValueAt returns column c's value at time at: the value of the last sample at or before at
// (the first sample's value before it).
func (t *Trace) ValueAt(c int, at time.Duration) float64 {
	i, found := slices.BinarySearchFunc(t.Points, at, func(p Point, at time.Duration) int {
		switch {
		case p.At < at:
			return -1
		case p.At > at:
			return 1
		}
		return 0
	})
	if !found {
		i--
	}
	i = max(i, 0)
	return t.Points[i].Values[c]
}

// TimeColumn is the name of a trace's time column.
const TimeColumn = "time"

// ReadTrace reads a trace file: CSV (.csv), or YAML or JSON (.yaml, .yml, .json); see
// [ParseCSVTrace] and [ParseYAMLTrace]. "-" reads CSV from stdin.
func ReadTrace(path string, stdin io.Reader) (*Trace, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the trace: %w", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return ParseYAMLTrace(path, data)
	case ".csv", "":
		return ParseCSVTrace(path, data)
	}
	return nil, fmt.Errorf("trace %s: unknown file extension %q: use .csv for CSV, or .yaml, .yml or .json for YAML and JSON", path, filepath.Ext(path))
}

// ParseCSVTrace parses a CSV trace. The header row names the columns: first "time", then one
// column per metric, named by the metric's index in spec.metrics or by its name (see [Bind]).
// Each further row is a sample: its time (see [ParseTime]) and a value per metric (see
// [ParseValue]); an empty cell means the metric has no value at that time. Lines starting with
// # are comments.
func ParseCSVTrace(source string, data []byte) (*Trace, error) {
	// Spreadsheets may start a CSV file with a byte order mark.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty trace: expected a header row %q followed by one row per sample", source, "time,<metric>,...")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	headerLine, _ := r.FieldPos(0)
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if !strings.EqualFold(header[0], TimeColumn) {
		return nil, fmt.Errorf("%s:%d: column 1 of the header is %q, must be %q: the header is \"time,<metric>,...\"", source, headerLine, header[0], TimeColumn)
	}
	if len(header) < 2 {
		return nil, fmt.Errorf("%s:%d: the header names no metric: it is \"time,<metric>,...\", a metric named by its index in spec.metrics (0, 1, ...) or its name (cpu, pods/qps, ...)", source, headerLine)
	}
	t := &Trace{Source: source, Columns: header[1:], HeaderLine: headerLine}
	if err := checkColumns(t.Columns, func(i int) string { return fmt.Sprintf("%s:%d: column %d of the header", source, headerLine, i+2) }); err != nil {
		return nil, err
	}
	var times timeParser
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				return nil, fmt.Errorf("%s:%d: row has %d fields, the header has %d: every row is a time and one value per metric", source, pe.Line, len(rec), len(header))
			}
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		line, _ := r.FieldPos(0)
		at, err := times.parse(strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: column 1 (time): %w", source, line, err)
		}
		p := Point{At: at, Line: line, Values: make([]float64, len(t.Columns))}
		for i, cell := range rec[1:] {
			v, err := ParseValue(strings.TrimSpace(cell))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: column %d (%s): %w", source, line, i+2, t.Columns[i], err)
			}
			p.Values[i] = v
		}
		if err := t.add(p); err != nil {
			return nil, fmt.Errorf("%s:%d: column 1 (time): %w", source, line, err)
		}
	}
	if len(t.Points) == 0 {
		return nil, fmt.Errorf("%s: the trace has a header but no samples: add rows \"<time>,<value>,...\"", source)
	}
	return t, nil
}

// ParseYAMLTrace parses a YAML or JSON trace:
//
//	points:
//	- {time: 0s, cpu: 2, queue: 30}
//	- {time: 5m, cpu: 8}
//	- {time: 6m, queue: null}
//
// Each point has a time (see [ParseTime]) and values keyed by metric (by index in
// spec.metrics or by name, see [Bind]). The first point gives every metric a value; a later
// point that leaves a metric out keeps its previous value, and null means the metric has no
// value at that time.
func ParseYAMLTrace(source string, data []byte) (*Trace, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty trace: expected a mapping with a list \"points\" of {time: ..., <metric>: <value>, ...}", source)
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the trace must be a mapping with a list \"points\", not a %s", source, doc.Line, kindName(doc))
	}
	var points *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "points":
			points = v
		case "description", "name":
		default:
			return nil, fmt.Errorf("%s:%d: unknown field %q: allowed fields are points, description and name", source, k.Line, k.Value)
		}
	}
	if points == nil || points.Kind != yaml.SequenceNode || len(points.Content) == 0 {
		line := doc.Line
		if points != nil {
			line = points.Line
		}
		return nil, fmt.Errorf("%s:%d: points: must be a non-empty list of {time: ..., <metric>: <value>, ...}", source, line)
	}
	t := &Trace{Source: source}
	index := map[string]int{}
	var times timeParser
	for pi, pn := range points.Content {
		where := func(line int, field string) string {
			if field == "" {
				return fmt.Sprintf("%s:%d: points[%d]", source, line, pi)
			}
			return fmt.Sprintf("%s:%d: points[%d].%s", source, line, pi, field)
		}
		if pn.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: must be a mapping {time: ..., <metric>: <value>, ...}, not a %s", where(pn.Line, ""), kindName(pn))
		}
		p := Point{Line: pn.Line, At: -1}
		var vals map[int]float64
		for i := 0; i+1 < len(pn.Content); i += 2 {
			k, v := pn.Content[i], pn.Content[i+1]
			if k.Value == TimeColumn {
				if v.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("%s: must be a time, not a %s", where(v.Line, k.Value), kindName(v))
				}
				at, err := times.parse(v.Value)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", where(v.Line, k.Value), err)
				}
				p.At = at
				continue
			}
			c, ok := index[k.Value]
			if !ok {
				if pi > 0 {
					return nil, fmt.Errorf("%s: metric %q is not in the first point: the first point gives every metric of the trace a value (%s)", where(k.Line, k.Value), k.Value, strings.Join(t.Columns, ", "))
				}
				c = len(t.Columns)
				index[k.Value] = c
				t.Columns = append(t.Columns, k.Value)
			}
			if v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s: must be a number or quantity (for example 2.5, 2500m, 3Gi) or null, not a %s", where(v.Line, k.Value), kindName(v))
			}
			val := math.NaN()
			if v.Tag != "!!null" {
				var err error
				if val, err = ParseValue(v.Value); err != nil {
					return nil, fmt.Errorf("%s: %w", where(v.Line, k.Value), err)
				}
				if math.IsNaN(val) {
					return nil, fmt.Errorf("%s: an empty value: write null for a metric without a value", where(v.Line, k.Value))
				}
			}
			if vals == nil {
				vals = map[int]float64{}
			}
			vals[c] = val
		}
		if p.At < 0 {
			return nil, fmt.Errorf("%s: no time: every point has a time, for example {time: 30s, cpu: 2}", where(pn.Line, ""))
		}
		if pi == 0 {
			t.HeaderLine = pn.Line
			if len(t.Columns) == 0 {
				return nil, fmt.Errorf("%s: no metric: the first point gives every metric a value, for example {time: 0s, cpu: 2}", where(pn.Line, ""))
			}
			if err := checkColumns(t.Columns, func(i int) string { return where(pn.Line, t.Columns[i]) }); err != nil {
				return nil, err
			}
		}
		p.Values = make([]float64, len(t.Columns))
		for c := range p.Values {
			v, ok := vals[c]
			if !ok {
				v = t.Points[len(t.Points)-1].Values[c]
			}
			p.Values[c] = v
		}
		if err := t.add(p); err != nil {
			return nil, fmt.Errorf("%s: %w", where(pn.Line, TimeColumn), err)
		}
	}
	return t, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	}
	return "node"
}

// checkColumns rejects empty and repeated column names.
func checkColumns(cols []string, where func(int) string) error {
	seen := map[string]int{}
	for i, c := range cols {
		if c == "" {
			return fmt.Errorf("%s: empty metric name: name each column by the metric's index in spec.metrics (0, 1, ...) or its name (cpu, pods/qps, ...)", where(i))
		}
		if j, ok := seen[c]; ok {
			return fmt.Errorf("%s: metric %q is named twice (also column %d): each metric has one column", where(i), c, j+2)
		}
		seen[c] = i
	}
	return nil
}

// where names the trace, with the line of its header when it has one, for messages.
func (t *Trace) where() string {
	if t.HeaderLine > 0 {
		return fmt.Sprintf("%s:%d", t.Source, t.HeaderLine)
	}
	return t.Source
}

// add appends a point, whose time must be later than the last one's.
func (t *Trace) add(p Point) error {
	if n := len(t.Points); n > 0 && p.At <= t.Points[n-1].At {
		return fmt.Errorf("time %s is not after the previous sample's %s: samples are in increasing time", p.At, t.Points[n-1].At)
	}
	t.Points = append(t.Points, p)
	return nil
}

// timeParser parses the times of a trace's samples, which are all offsets or all timestamps.
type timeParser struct {
	first      time.Time
	timestamps bool
	n          int
}

// parse parses one sample's time; see [ParseTime].
func (tp *timeParser) parse(s string) (time.Duration, error) {
	tp.n++
	if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
		switch {
		case tp.n == 1:
			tp.first, tp.timestamps = ts, true
		case !tp.timestamps:
			return 0, fmt.Errorf("%q is a timestamp, but the first sample's time is an offset: use offsets or timestamps throughout", s)
		}
		return ts.Sub(tp.first), nil
	}
	if tp.timestamps {
		return 0, fmt.Errorf("%q is not an RFC 3339 timestamp like the first sample's time (for example 2026-01-02T15:04:05Z)", s)
	}
	d, err := ParseTime(s)
	if err != nil {
		return 0, err
	}
	return d, nil
}

// ParseTime parses the time of a trace sample given as an offset from the start: seconds (90,
// 1.5) or a Go duration (90s, 1m30s, 2h). (A trace may instead give RFC 3339 timestamps, taken
// relative to its first sample.)
func ParseTime(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty time: give seconds (90), a duration (1m30s) or an RFC 3339 timestamp (2026-01-02T15:04:05Z)")
	}
	var d time.Duration
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		d = time.Duration(f * float64(time.Second))
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("%q is not a time: give seconds (90), a duration (1m30s) or an RFC 3339 timestamp (2026-01-02T15:04:05Z)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative: times are offsets from the start of the trace", s)
	}
	return d, nil
}

// ParseValue parses a value of a trace: a number (2.5) or a Kubernetes quantity (2500m, 3Gi),
// in the metric's unit (cores for cpu, bytes for memory). An empty string is NaN: no value.
func ParseValue(s string) (float64, error) {
	if s == "" {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		q, qerr := resource.ParseQuantity(s)
		if qerr != nil {
			return 0, fmt.Errorf("%q is not a number or quantity: give a number (2.5) or a quantity (2500m, 3Gi), or leave the cell empty when the metric has no value", s)
		}
		v = q.AsApproximateFloat64()
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("%q is not allowed: values are finite and not negative", s)
	}
	return v, nil
}
