package simulate

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PlotOptions are the options of [WritePlot].
type PlotOptions struct {
	// Title is the plot's title; empty for one naming the autoscaler and the trace.
	Title string
}

// Plot sizes: the width of the image, the height of each panel, and the resolution of PNGs.
const (
	plotWidth       = 11 * vg.Inch
	plotPanelHeight = 3.2 * vg.Inch
	plotTitleExtra  = 0.4 * vg.Inch
	// topPanelRows is the height of the replicas panel, in metric panels.
	topPanelRows = 2
	plotDPI      = 110
)

// runColors are the colors of the runs, in order (a color-blind-safe palette).
var runColors = []color.Color{
	color.RGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}, // blue
	color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}, // vermillion
	color.RGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}, // bluish green
	color.RGBA{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}, // reddish purple
}

var (
	neededColor = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
	targetColor = color.RGBA{R: 0xc0, G: 0x00, B: 0x00, A: 0xff}
	upColor     = color.RGBA{R: 0x00, G: 0x80, B: 0x00, A: 0xff}
	downColor   = color.RGBA{R: 0xb0, G: 0x00, B: 0x00, A: 0xff}
)

func runColor(i int) color.Color { return runColors[i%len(runColors)] }

// plotFormat returns the image format of a plot file: png or svg.
func plotFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("unknown image format %q: use a file name ending in .png or .svg", ext)
	}
}

// WritePlot writes a plot of one or more runs over the same trace to path, as PNG or SVG by
// its extension: a panel with the replicas (with scale events marked), the ready pods, the
// metrics' recommendation and the needed capacity; and a panel per metric with its value
// against its target.
func WritePlot(path string, runs []*Result, opts PlotOptions) error {
	format, err := plotFormat(path)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	if err := RenderPlot(f, format, runs, opts); err != nil {
		f.Close()
		return fmt.Errorf("writing the plot %s: %w", path, err)
	}
	return f.Close()
}

// RenderPlot renders the plot of [WritePlot] to w in format png or svg.
func RenderPlot(w io.Writer, format string, runs []*Result, opts PlotOptions) error {
	panels, err := plotPanels(runs, opts)
	if err != nil {
		return err
	}
	// The replicas panel is twice as high as a metric panel: it holds more lines and a
	// longer legend.
	rows := len(panels) + topPanelRows - 1
	height := plotPanelHeight*vg.Length(rows) + plotTitleExtra
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(plotWidth, height), vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))}
	case "svg":
		c = vgsvg.New(plotWidth, height)
	default:
		return fmt.Errorf("unknown image format %q: png or svg", format)
	}
	dc := draw.New(c)
	if format == "svg" {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
	}
	grid := make([][]*plot.Plot, rows)
	grid[0] = []*plot.Plot{panels[0]}
	for i := 1; i < topPanelRows; i++ {
		grid[i] = []*plot.Plot{nil}
	}
	for i, p := range panels[1:] {
		grid[topPanelRows+i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{
		Rows: rows, Cols: 1,
		PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(10), PadRight: vg.Points(16),
		PadY: vg.Points(14),
	}
	canvases := plot.Align(grid, tiles, dc)
	top := canvases[0][0]
	top.Min.Y = canvases[topPanelRows-1][0].Min.Y
	panels[0].Draw(top)
	for i, p := range panels[1:] {
		p.Draw(canvases[topPanelRows+i][0])
	}
	if format != "svg" {
		_, err = c.WriteTo(w)
		return err
	}
	// Viewers without Liberation Sans fall back to a font of the same metrics (Arial) or
	// another sans-serif one, rather than to a serif default.
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	_, err = w.Write(bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")))
	return err
}

// timeAxis chooses the unit of the time axis: minutes up to three hours, hours beyond.
func timeAxis(d time.Duration) (float64, string) {
	if d > 3*time.Hour {
		return float64(time.Hour), "time (hours)"
	}
	return float64(time.Minute), "time (minutes)"
}

func plotPanels(runs []*Result, opts PlotOptions) ([]*plot.Plot, error) {
	lg := legends{}
	base := runs[0]
	end := base.Ticks[len(base.Ticks)-1].At + base.Scenario.SyncPeriod
	unit, xlabel := timeAxis(end)
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

	top := newPanel(title, "replicas (pods)", xmax)
	top.Y.Tick.Marker = niceTicks{n: 6, integer: true}
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
		if err := lg.addLine(top, name, seg, lineStyle(neededColor, 5, nil), plotter.PostStep); err != nil {
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
		col := color.Color(color.Gray{Y: 0x55})
		if compare {
			col = runColor(ri)
		}
		style := lineStyle(col, 0.9, []vg.Length{vg.Points(2), vg.Points(4)})
		for j, v := range []int32{spec.MaxReplicas, *spec.MinReplicas} {
			name := ""
			if j == 0 && !boundsNamed {
				name, boundsNamed = "minReplicas and maxReplicas", true
			}
			if err := lg.addLine(top, name, plotter.XYs{{X: 0, Y: float64(v)}, {X: xmax, Y: float64(v)}}, style, plotter.NoStep); err != nil {
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
			if err := lg.addLine(top, name, seg, lineStyle(col, 1.2, desiredDashes), plotter.PostStep); err != nil {
				return nil, err
			}
		}
		// Ready pods only for a single run: with several, the lines would hide each other.
		if !compare {
			if err := lg.addLine(top, "ready pods", extend(ready, xmax), lineStyle(col, 1.2, []vg.Length{vg.Points(1), vg.Points(2.5)}), plotter.PostStep); err != nil {
				return nil, err
			}
		}
		name := "replicas"
		up, down := color.Color(upColor), color.Color(downColor)
		if compare {
			name, up, down = r.Name+": replicas", col, col
		}
		if err := lg.addLine(top, name, extend(replicas, xmax), lineStyle(col, 2.4, nil), plotter.PostStep); err != nil {
			return nil, err
		}
		upName, downName := "scale up", "scale down"
		if compare {
			upName, downName = "", ""
		}
		if err := lg.addMarks(top, upName, ups, up, draw.PyramidGlyph{}); err != nil {
			return nil, err
		}
		if err := lg.addMarks(top, downName, downs, down, downTriangle{}); err != nil {
			return nil, err
		}
	}
	if compare {
		// One legend entry per style, in gray, for all runs.
		gray := color.Gray{Y: 0x55}
		lg.legendOnly(top, "desired (metrics' recommendation)", lineStyle(gray, 1.2, desiredDashes), nil)
		lg.legendOnly(top, "scale up", draw.LineStyle{}, &draw.GlyphStyle{Color: gray, Radius: vg.Points(4.5), Shape: draw.PyramidGlyph{}})
		lg.legendOnly(top, "scale down", draw.LineStyle{}, &draw.GlyphStyle{Color: gray, Radius: vg.Points(4.5), Shape: downTriangle{}})
	}
	top.Y.Min, top.Y.Max = 0, headroom(ymax, lg[top], topPanelRows)
	panels := []*plot.Plot{top}

	for m := range base.Metrics {
		info := &base.Metrics[m]
		label := info.Label()
		if info.Spec.Shadow {
			label += " (shadow)"
		}
		p := newPanel("", label, xmax)
		p.Title.Text = fmt.Sprintf("spec.metrics[%d]: %s", m, info.Name)
		p.Title.TextStyle.Font = sans(12, true)
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
				if err := lg.addLine(p, name, seg, lineStyle(runColor(ri), 2, nil), plotter.PostStep); err != nil {
					return nil, err
				}
			}
		}
		if !math.IsNaN(info.TargetValue) {
			pts := plotter.XYs{{X: 0, Y: info.TargetValue}, {X: xmax, Y: info.TargetValue}}
			if err := lg.addLine(p, "target "+formatTarget(info), pts, lineStyle(targetColor, 1.5, []vg.Length{vg.Points(6), vg.Points(4)}), plotter.NoStep); err != nil {
				return nil, err
			}
		}
		p.Y.Min, p.Y.Max = 0, headroom(max(ymax, 1e-9), lg[p], 1)
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
				segs, cur = append(segs, extend(cur, x(ticks[i].At))), nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x(ticks[i].At), Y: v})
	}
	if len(cur) > 0 {
		segs = append(segs, extend(cur, xmax))
	}
	return segs
}

// extend continues a step line to x: its last value holds until then.
func extend(pts plotter.XYs, x float64) plotter.XYs {
	if len(pts) == 0 {
		return pts
	}
	return append(pts, plotter.XY{X: x, Y: pts[len(pts)-1].Y})
}

// headroom is the top of a panel's y axis: room above the data for the legend's entries.
func headroom(ymax float64, entries, rows int) float64 {
	const (
		rowHeight  = 14.0 // points per legend entry
		axesHeight = 70.0 // points of a panel outside its data area
	)
	data := plotPanelHeight.Points()*float64(rows) - axesHeight
	f := min(0.75, (float64(entries)*rowHeight+10)/data)
	return ymax / (1 - f) * 1.04
}

func newPanel(title, ylabel string, xmax float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(15, true)
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = ylabel
	p.Y.Label.TextStyle.Font = sans(12, false)
	p.X.Label.TextStyle.Font = sans(12, false)
	p.X.Tick.Label.Font = sans(10.5, false)
	p.Y.Tick.Label.Font = sans(10.5, false)
	p.X.Min, p.X.Max = 0, xmax
	p.X.Tick.Marker = niceTicks{n: 12}
	p.Y.Tick.Marker = niceTicks{n: 6}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), vg.Points(-4)
	p.Legend.TextStyle.Font = sans(10.5, false)
	p.Legend.ThumbnailWidth = vg.Points(28)
	p.Legend.Padding = vg.Points(2)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe4}
	grid.Horizontal.Color = color.Gray{Y: 0xe4}
	p.Add(grid)
	return p
}

// sans is the plots' font: Liberation Sans, which gonum/plot embeds.
func sans(size float64, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

// legends counts the legend entries of each panel.
type legends map[*plot.Plot]int

func lineStyle(c color.Color, width float64, dashes []vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(width), Dashes: dashes}
}

func (lg legends) addLine(p *plot.Plot, name string, pts plotter.XYs, style draw.LineStyle, step plotter.StepKind) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.LineStyle = style
	l.StepStyle = step
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
		lg[p]++
	}
	return nil
}

func (lg legends) addMarks(p *plot.Plot, name string, pts plotter.XYs, c color.Color, shape draw.GlyphDrawer) error {
	if len(pts) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4.5), Shape: shape}
	p.Add(s)
	if name != "" {
		p.Legend.Add(name, s)
		lg[p]++
	}
	return nil
}

// legendOnly adds a legend entry that draws nothing in the plot: a line style or a glyph.
func (lg legends) legendOnly(p *plot.Plot, name string, line draw.LineStyle, glyph *draw.GlyphStyle) {
	var t plot.Thumbnailer = legendLine(line)
	if glyph != nil {
		t = legendGlyph(*glyph)
	}
	p.Legend.Add(name, t)
	lg[p]++
}

type legendLine draw.LineStyle

// Thumbnail implements plot.Thumbnailer.
func (l legendLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle(l), c.Min.X, y, c.Max.X, y)
}

type legendGlyph draw.GlyphStyle

// Thumbnail implements plot.Thumbnailer.
func (g legendGlyph) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle(g), c.Center())
}

// downTriangle is a filled triangle pointing down, marking a scale-down.
type downTriangle struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (downTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.2
	path := make(vg.Path, 0, 4)
	path.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	path.Line(vg.Point{X: pt.X - r*0.866, Y: pt.Y + r*0.5})
	path.Line(vg.Point{X: pt.X + r*0.866, Y: pt.Y + r*0.5})
	path.Close()
	c.Fill(path)
}

// niceTicks marks about n major ticks at round steps (1, 2 or 5 times a power of ten, whole
// numbers only when integer is set), with minor ticks between.
type niceTicks struct {
	n       int
	integer bool
}

// Ticks implements plot.Ticker.
func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if hi <= lo {
		return []plot.Tick{{Value: lo, Label: formatTick(lo)}}
	}
	// Of the round steps, the one whose number of ticks is closest to n.
	raw := (hi - lo) / float64(t.n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step, best := mag, math.Inf(1)
	for _, f := range []float64{0.5, 1, 2, 5, 10} {
		c := f * mag
		if t.integer && c < 1 {
			continue
		}
		if d := math.Abs((hi-lo)/c - float64(t.n)); d < best {
			step, best = c, d
		}
	}
	if t.integer {
		step = math.Max(1, math.Round(step))
	}
	minor := step / 2
	if t.integer && minor < 1 {
		minor = 0
	}
	var out []plot.Tick
	first := math.Ceil(lo/step-1e-9) * step
	for v := first; v <= hi+1e-9*step; v += step {
		out = append(out, plot.Tick{Value: v, Label: formatTick(v)})
		if m := v + minor; minor > 0 && m <= hi {
			out = append(out, plot.Tick{Value: m})
		}
	}
	return out
}

func formatTick(v float64) string {
	v = math.Round(v*1e6) / 1e6
	if v == 0 {
		v = 0 // not -0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
