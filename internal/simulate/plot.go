package simulate

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mhpa-dev/mhpa/internal/chart"
)

// PlotOptions are the options of [WritePlot].
type PlotOptions struct {
	// Title is the plot's title; empty for one naming the autoscaler and the trace.
	Title string
}

// Plot sizes: the width of the image, the height of each panel, and the extra height of the
// title.
const (
	plotWidth       = 11 * vg.Inch
	plotPanelHeight = 3.2 * vg.Inch
	plotTitleExtra  = 0.4 * vg.Inch
	// topPanelRows is the height of the replicas panel, in metric panels.
	topPanelRows = 2
)

// Colors of the plot (package chart's palette).
var (
	neededColor = chart.NeededColor
	targetColor = chart.TargetColor
	upColor     = chart.UpColor
	downColor   = chart.DownColor
)

func runColor(i int) color.Color { return chart.Color(i) }

// plotFormat returns the image format of a plot file: png or svg.
func plotFormat(path string) (string, error) { return chart.FormatOf(path) }

// WritePlot writes a plot of one or more runs over the same trace to path, as PNG or SVG by
// its extension: a panel with the replicas (with scale events marked), the ready pods, the
// metrics' recommendation and the needed capacity; and a panel per metric with its value
// against its target.
func WritePlot(path string, runs []*Result, opts PlotOptions) error {
	fig, err := plotFigure(runs, opts)
	if err != nil {
		return err
	}
	return fig.WriteFile(path)
}

// RenderPlot renders the plot of [WritePlot] to w in format png or svg.
func RenderPlot(w io.Writer, format string, runs []*Result, opts PlotOptions) error {
	fig, err := plotFigure(runs, opts)
	if err != nil {
		return err
	}
	return fig.Render(w, format)
}

// plotFigure lays the panels out: the replicas panel is twice as high as a metric panel, since
// it holds more lines and a longer legend.
func plotFigure(runs []*Result, opts PlotOptions) (chart.Figure, error) {
	panels, err := plotPanels(runs, opts)
	if err != nil {
		return chart.Figure{}, err
	}
	rows := len(panels) + topPanelRows - 1
	grid := make([][]*plot.Plot, rows)
	grid[0] = []*plot.Plot{panels[0]}
	for i := 1; i < topPanelRows; i++ {
		grid[i] = []*plot.Plot{nil}
	}
	for i, p := range panels[1:] {
		grid[topPanelRows+i] = []*plot.Plot{p}
	}
	return chart.Figure{
		Width:  plotWidth,
		Height: plotPanelHeight*vg.Length(rows) + plotTitleExtra,
		Grid:   grid,
	}, nil
}

func plotPanels(runs []*Result, opts PlotOptions) ([]*plot.Plot, error) {
	lg := chart.Legends{}
	base := runs[0]
	end := base.Ticks[len(base.Ticks)-1].At + base.Scenario.SyncPeriod
	unit, xlabel := chart.TimeAxis(end)
	x := func(d time.Duration) float64 { return float64(d) / unit }
	xmax := x(end)

	compare := len(runs) > 1
	title := opts.Title
	if title == "" {
		names := make([]string, len(runs))
		for i, r := range runs {
			names[i] = r.Name
			if hpa := r.Scenario.HPA.Name; hpa != "" && hpa != r.Name {
				names[i] = fmt.Sprintf("%s (%s)", hpa, r.Name)
			}
		}
		title = fmt.Sprintf("mhpa simulate: %s\nload: %s", strings.Join(names, " vs "), base.Scenario.Trace.Source)
	}

	top := chart.NewPanel(title, "replicas (pods)", xmax)
	top.Y.Tick.Marker = chart.Ticks{N: 6, Integer: true}
	ymax := 1.0
	// The needed capacity first, so that the runs draw over it.
	segs := stepSegments(base.Ticks, x, xmax, func(t *Tick) (float64, bool) { return float64(t.Needed), t.Needed >= 0 })
	for i, seg := range segs {
		for _, pt := range seg {
			ymax = max(ymax, pt.Y)
		}
		name := ""
		if i == 0 {
			name = "needed for the demand"
		}
		if err := lg.AddLine(top, name, seg, chart.LineStyle(neededColor, 5, nil), plotter.PostStep); err != nil {
			return nil, err
		}
	}
	// minReplicas and maxReplicas, once when the runs share them.
	boundsNamed := false
	for ri, r := range runs {
		spec := &r.Scenario.HPA.Spec
		if ri > 0 && *spec.MinReplicas == *base.Scenario.HPA.Spec.MinReplicas && spec.MaxReplicas == base.Scenario.HPA.Spec.MaxReplicas {
			continue
		}
		col := chart.Gray
		if compare {
			col = runColor(ri)
		}
		style := chart.LineStyle(col, 0.9, []vg.Length{vg.Points(2), vg.Points(4)})
		for j, v := range []int32{spec.MaxReplicas, *spec.MinReplicas} {
			name := ""
			if j == 0 && !boundsNamed {
				name, boundsNamed = "minReplicas and maxReplicas", true
			}
			if err := lg.AddLine(top, name, plotter.XYs{{X: 0, Y: float64(v)}, {X: xmax, Y: float64(v)}}, style, plotter.NoStep); err != nil {
				return nil, err
			}
		}
	}
	desiredDashes := []vg.Length{vg.Points(5), vg.Points(3)}
	for ri, r := range runs {
		col := runColor(ri)
		replicas := make(plotter.XYs, 0, len(r.Ticks)+2)
		ready := make(plotter.XYs, 0, len(r.Ticks)+1)
		var ups, downs plotter.XYs
		for i := range r.Ticks {
			tk := &r.Ticks[i]
			if i == 0 {
				replicas = append(replicas, plotter.XY{X: 0, Y: float64(tk.Decision.CurrentReplicas)})
			}
			replicas = append(replicas, plotter.XY{X: x(tk.At), Y: float64(tk.Replicas)})
			ready = append(ready, plotter.XY{X: x(tk.At), Y: float64(tk.Pods.Ready)})
			if tk.Decision.Recommended {
				ymax = max(ymax, float64(tk.Decision.Recommendation))
			}
			ymax = max(ymax, float64(tk.Replicas), float64(tk.Decision.CurrentReplicas))
			if tk.Decision.Scale {
				pt := plotter.XY{X: x(tk.At), Y: float64(tk.Replicas)}
				if tk.Replicas > tk.Decision.CurrentReplicas {
					ups = append(ups, pt)
				} else {
					downs = append(downs, pt)
				}
			}
		}
		recs := stepSegments(r.Ticks, x, xmax, func(t *Tick) (float64, bool) {
			return float64(t.Decision.Recommendation), t.Decision.Recommended
		})
		for i, seg := range recs {
			name := ""
			if i == 0 && !compare {
				name = "desired (metrics' recommendation)"
			}
			if err := lg.AddLine(top, name, seg, chart.LineStyle(col, 1.2, desiredDashes), plotter.PostStep); err != nil {
				return nil, err
			}
		}
		// Ready pods only for a single run: with several, the lines would hide each other.
		if !compare {
			if err := lg.AddLine(top, "ready pods", chart.Extend(ready, xmax), chart.LineStyle(col, 1.2, []vg.Length{vg.Points(1), vg.Points(2.5)}), plotter.PostStep); err != nil {
				return nil, err
			}
		}
		name := "replicas"
		up, down := color.Color(upColor), color.Color(downColor)
		if compare {
			name, up, down = r.Name+": replicas", col, col
		}
		if err := lg.AddLine(top, name, chart.Extend(replicas, xmax), chart.LineStyle(col, 2.4, nil), plotter.PostStep); err != nil {
			return nil, err
		}
		upName, downName := "scale up", "scale down"
		if compare {
			upName, downName = "", ""
		}
		if err := lg.AddMarks(top, upName, ups, up, chart.UpTriangle{}); err != nil {
			return nil, err
		}
		if err := lg.AddMarks(top, downName, downs, down, chart.DownTriangle{}); err != nil {
			return nil, err
		}
	}
	if compare {
		// One legend entry per style, in gray, for all runs.
		gray := chart.Gray
		lg.LegendOnly(top, "desired (metrics' recommendation)", chart.LineStyle(gray, 1.2, desiredDashes), nil)
		lg.LegendOnly(top, "scale up", draw.LineStyle{}, &draw.GlyphStyle{Color: gray, Radius: vg.Points(4.5), Shape: chart.UpTriangle{}})
		lg.LegendOnly(top, "scale down", draw.LineStyle{}, &draw.GlyphStyle{Color: gray, Radius: vg.Points(4.5), Shape: chart.DownTriangle{}})
	}
	top.Y.Min, top.Y.Max = 0, chart.Headroom(ymax, lg[top], plotPanelHeight*topPanelRows)
	panels := []*plot.Plot{top}

	for m := range base.Metrics {
		info := &base.Metrics[m]
		label := info.Label()
		if info.Spec.Shadow {
			label += " (shadow)"
		}
		p := chart.NewPanel("", label, xmax)
		p.Title.Text = fmt.Sprintf("spec.metrics[%d]: %s", m, info.Name)
		p.Title.TextStyle.Font = chart.Sans(12, true)
		ymax := 0.0
		if !math.IsNaN(info.TargetValue) {
			ymax = info.TargetValue
		}
		for ri, r := range runs {
			prefix := ""
			if len(runs) > 1 {
				prefix = r.Name + ": "
			}
			segs := stepSegments(r.Ticks, x, xmax, func(t *Tick) (float64, bool) {
				v := t.Metrics[m].Current
				return v, !math.IsNaN(v)
			})
			for _, seg := range segs {
				for _, pt := range seg {
					ymax = max(ymax, pt.Y)
				}
			}
			for si, seg := range segs {
				name := ""
				if si == 0 {
					name = prefix + "value the controller saw"
				}
				if err := lg.AddLine(p, name, seg, chart.LineStyle(runColor(ri), 2, nil), plotter.PostStep); err != nil {
					return nil, err
				}
			}
		}
		if !math.IsNaN(info.TargetValue) {
			pts := plotter.XYs{{X: 0, Y: info.TargetValue}, {X: xmax, Y: info.TargetValue}}
			if err := lg.AddLine(p, "target "+formatTarget(info), pts, chart.LineStyle(targetColor, 1.5, []vg.Length{vg.Points(6), vg.Points(4)}), plotter.NoStep); err != nil {
				return nil, err
			}
		}
		p.Y.Min, p.Y.Max = 0, chart.Headroom(max(ymax, 1e-9), lg[p], plotPanelHeight)
		panels = append(panels, p)
	}
	last := panels[len(panels)-1]
	last.X.Label.Text = xlabel
	return panels, nil
}

// stepSegments returns the step lines of y over the ticks, broken where y has no value: each
// value holds until the next tick (the last one until xmax).
func stepSegments(ticks []Tick, x func(time.Duration) float64, xmax float64, y func(*Tick) (float64, bool)) []plotter.XYs {
	var segs []plotter.XYs
	var cur plotter.XYs
	for i := range ticks {
		v, ok := y(&ticks[i])
		if !ok {
			if len(cur) > 0 {
				segs, cur = append(segs, chart.Extend(cur, x(ticks[i].At))), nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x(ticks[i].At), Y: v})
	}
	if len(cur) > 0 {
		segs = append(segs, chart.Extend(cur, xmax))
	}
	return segs
}
