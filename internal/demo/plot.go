package demo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mhpa-dev/mhpa/internal/chart"
)

// Plot sizes: the image's width, the height of each workload's row, the title band.
const (
	plotWidth     = 14 * vg.Inch
	plotRowHeight = 3.3 * vg.Inch
	plotTitleBand = 0.55 * vg.Inch
)

// Styles of the plot: the same in every row, explained once by the figure's legend.
var (
	seriesColor   = chart.Color(0)
	neededStyle   = chart.LineStyle(chart.NeededColor, 5, nil)
	boundsStyle   = chart.LineStyle(chart.Gray, 0.9, []vg.Length{vg.Points(2), vg.Points(4)})
	desiredStyle  = chart.LineStyle(seriesColor, 1.2, []vg.Length{vg.Points(5), vg.Points(3)})
	readyStyle    = chart.LineStyle(seriesColor, 1.2, []vg.Length{vg.Points(1), vg.Points(2.5)})
	replicasStyle = chart.LineStyle(seriesColor, 2.4, nil)
	valueStyle    = chart.LineStyle(seriesColor, 2, nil)
	targetStyle   = chart.LineStyle(chart.TargetColor, 1.5, []vg.Length{vg.Points(6), vg.Points(4)})
	upGlyph       = draw.GlyphStyle{Color: chart.UpColor, Radius: vg.Points(4.5), Shape: chart.UpTriangle{}}
	downGlyph     = draw.GlyphStyle{Color: chart.DownColor, Radius: vg.Points(4.5), Shape: chart.DownTriangle{}}
)

// figureLegend explains the replicas panels.
func figureLegend() []chart.LegendEntry {
	return []chart.LegendEntry{
		{Name: "replicas (Deployment)", Thumb: chart.LineThumb(replicasStyle)},
		{Name: "ready pods", Thumb: chart.LineThumb(readyStyle)},
		{Name: "desired (autoscaler status)", Thumb: chart.LineThumb(desiredStyle)},
		{Name: "needed for the load", Thumb: chart.LineThumb(neededStyle)},
		{Name: "min and max replicas", Thumb: chart.LineThumb(boundsStyle)},
		{Name: "scale up", Thumb: chart.GlyphThumb(upGlyph)},
		{Name: "scale down", Thumb: chart.GlyphThumb(downGlyph)},
	}
}

// PlotInput is what WritePlot draws.
type PlotInput struct {
	// Workloads and Samples of a run, in time order.
	Workloads []Workload
	Samples   []Sample
	// Timings of the run, named in the title.
	Timings Timings
}

// WritePlot writes a figure of one row per workload to path (PNG or SVG by its extension): on
// the left the Deployment's replicas, its ready pods, the autoscaler's desired replicas and the
// replicas the load needs, with scale-ups and scale-downs marked; on the right the metric value
// the autoscaler saw against its target.
func WritePlot(path string, in PlotInput) error {
	fig, err := plotFigure(in)
	if err != nil {
		return err
	}
	return fig.WriteFile(path)
}

func plotFigure(in PlotInput) (chart.Figure, error) {
	if len(in.Samples) == 0 || len(in.Workloads) == 0 {
		return chart.Figure{}, fmt.Errorf("plot: nothing was recorded")
	}
	end := max(in.Samples[len(in.Samples)-1].At, time.Second)
	unit, xlabel := chart.TimeAxis(end)
	if end <= 150*time.Second {
		unit, xlabel = float64(time.Second), "time (seconds)"
	}
	xlabel = strings.Replace(xlabel, "time", "time since the load started", 1)
	x := func(d time.Duration) float64 { return float64(d) / unit }
	xmax := x(end)

	grid := make([][]*plot.Plot, 0, len(in.Workloads))
	for i := range in.Workloads {
		left, err := replicasPanel(&in.Workloads[i], i, in.Samples, x, xmax)
		if err != nil {
			return chart.Figure{}, err
		}
		right, err := metricPanel(&in.Workloads[i], i, in.Samples, x, xmax)
		if err != nil {
			return chart.Figure{}, err
		}
		grid = append(grid, []*plot.Plot{left, right})
	}
	for _, p := range grid[len(grid)-1] {
		p.X.Label.Text = xlabel
	}
	fig := chart.Figure{
		Title: fmt.Sprintf("mhpa demo: replicas follow the load (sync period %s, scale-down stabilization %s)",
			in.Timings.SyncPeriod, in.Timings.DownscaleStabilization),
		TitleHeight: plotTitleBand,
		Width:       plotWidth,
		Grid:        grid,
		Legend:      figureLegend(),
	}
	fig.Height = plotTitleBand + fig.LegendHeight() + plotRowHeight*vg.Length(len(grid))
	return fig, nil
}

// replicasPanel draws a workload's replicas over time, in the styles of figureLegend.
func replicasPanel(w *Workload, i int, samples []Sample, x func(time.Duration) float64, xmax float64) (*plot.Plot, error) {
	p := chart.NewPanel(fmt.Sprintf("%s: replicas", w.Key()), "replicas (pods)", xmax)
	p.Title.TextStyle.Font = chart.Sans(13, true)
	p.Y.Tick.Marker = chart.Ticks{N: 6, Integer: true}
	lg := chart.Legends{}
	var needed, replicas, ready, desired, ups, downs plotter.XYs
	ymax := float64(w.MaxReplicas)
	for j, s := range samples {
		ws := s.Workloads[i]
		at := x(s.At)
		needed = append(needed, plotter.XY{X: at, Y: float64(ws.Needed)})
		replicas = append(replicas, plotter.XY{X: at, Y: float64(ws.Replicas)})
		ready = append(ready, plotter.XY{X: at, Y: float64(ws.Ready)})
		ymax = max(ymax, float64(ws.Replicas), float64(ws.Ready))
		if ws.Observed {
			desired = append(desired, plotter.XY{X: at, Y: float64(ws.DesiredReplicas)})
			ymax = max(ymax, float64(ws.DesiredReplicas))
		}
		if j > 0 {
			prev := samples[j-1].Workloads[i].Replicas
			pt := plotter.XY{X: at, Y: float64(ws.Replicas)}
			switch {
			case ws.Replicas > prev:
				ups = append(ups, pt)
			case ws.Replicas < prev:
				downs = append(downs, pt)
			}
		}
	}
	lines := []struct {
		pts   plotter.XYs
		style draw.LineStyle
		step  plotter.StepKind
	}{
		{chart.Extend(needed, xmax), neededStyle, plotter.PostStep},
		{plotter.XYs{{X: 0, Y: float64(w.MaxReplicas)}, {X: xmax, Y: float64(w.MaxReplicas)}}, boundsStyle, plotter.NoStep},
		{plotter.XYs{{X: 0, Y: float64(w.MinReplicas)}, {X: xmax, Y: float64(w.MinReplicas)}}, boundsStyle, plotter.NoStep},
		{chart.Extend(desired, xmax), desiredStyle, plotter.PostStep},
		{chart.Extend(ready, xmax), readyStyle, plotter.PostStep},
		{chart.Extend(replicas, xmax), replicasStyle, plotter.PostStep},
	}
	for _, l := range lines {
		if len(l.pts) == 0 {
			continue
		}
		if err := lg.AddLine(p, "", l.pts, l.style, l.step); err != nil {
			return nil, err
		}
	}
	if err := lg.AddMarks(p, "", ups, upGlyph.Color, upGlyph.Shape); err != nil {
		return nil, err
	}
	if err := lg.AddMarks(p, "", downs, downGlyph.Color, downGlyph.Shape); err != nil {
		return nil, err
	}
	p.Y.Min, p.Y.Max = 0, ymax*1.12
	return p, nil
}

// metricPanel draws the metric value the autoscaler saw against its target.
func metricPanel(w *Workload, i int, samples []Sample, x func(time.Duration) float64, xmax float64) (*plot.Plot, error) {
	source := "podResource cpu"
	if w.Kind == ExternalAverage {
		source = "external " + w.Metric
	}
	p := chart.NewPanel(fmt.Sprintf("%s: %s\nfrom %s", w.Key(), source, w.Group), w.MetricLabel(), xmax)
	p.Title.TextStyle.Font = chart.Sans(13, true)
	lg := chart.Legends{}
	ymax := w.Target
	var segs []plotter.XYs
	var cur plotter.XYs
	for _, s := range samples {
		ws := s.Workloads[i]
		if !ws.HasValue || math.IsNaN(ws.Value) {
			if len(cur) > 0 {
				segs, cur = append(segs, chart.Extend(cur, x(s.At))), nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x(s.At), Y: ws.Value})
		ymax = max(ymax, ws.Value)
	}
	if len(cur) > 0 {
		segs = append(segs, chart.Extend(cur, xmax))
	}
	for j, seg := range segs {
		name := ""
		if j == 0 {
			name = "value the autoscaler saw (status)"
		}
		if err := lg.AddLine(p, name, seg, valueStyle, plotter.PostStep); err != nil {
			return nil, err
		}
	}
	target := fmt.Sprintf("target %s", formatNumber(w.Target))
	if w.Kind == CPUUtilization {
		target += "%"
	} else {
		target += " per pod"
	}
	if err := lg.AddLine(p, target, plotter.XYs{{X: 0, Y: w.Target}, {X: xmax, Y: w.Target}}, targetStyle, plotter.NoStep); err != nil {
		return nil, err
	}
	p.Y.Min, p.Y.Max = 0, chart.Headroom(ymax, lg[p], plotRowHeight)
	return p, nil
}
