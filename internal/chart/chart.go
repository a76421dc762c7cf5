package chart

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
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DefaultDPI is the resolution of PNG figures whose DPI is not set.
const DefaultDPI = 110

// palette holds the colors of series that are told apart by color (a color-blind-safe set).
var palette = []color.Color{
	color.RGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}, // blue
	color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}, // vermillion
	color.RGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}, // bluish green
	color.RGBA{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}, // reddish purple
}

// Colors of lines with a fixed meaning.
var (
	// Gray draws bounds and legend entries that stand for several series.
	Gray color.Color = color.Gray{Y: 0x55}
	// NeededColor draws the capacity a demand needs.
	NeededColor color.Color = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
	// TargetColor draws a metric's target.
	TargetColor color.Color = color.RGBA{R: 0xc0, G: 0x00, B: 0x00, A: 0xff}
	// UpColor marks scale-ups.
	UpColor color.Color = color.RGBA{R: 0x00, G: 0x80, B: 0x00, A: 0xff}
	// DownColor marks scale-downs.
	DownColor color.Color = color.RGBA{R: 0xb0, G: 0x00, B: 0x00, A: 0xff}
)

// Color returns the i-th color of the palette, repeating after its end.
func Color(i int) color.Color { return palette[i%len(palette)] }

// FormatOf returns the image format of a plot file by its extension: "png" or "svg".
func FormatOf(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("unknown image format %q: use a file name ending in .png or .svg", ext)
	}
}

// Figure is a grid of panels drawn on one image.
type Figure struct {
	// Title is drawn centered above the panels, in a band of TitleHeight; empty for none.
	Title string
	// TitleHeight is the height of the title band; default 0.5 inch when Title is set.
	TitleHeight vg.Length
	// Width and Height are the size of the image.
	Width, Height vg.Length
	// DPI is the resolution of PNG images; default DefaultDPI.
	DPI int
	// Grid holds the panels by row, then column; every row has the same number of columns.
	// A nil cell belongs to the nearest panel above it in its column, which then spans it.
	Grid [][]*plot.Plot
	// Legend holds entries shared by several panels, drawn side by side (wrapping into more
	// lines as needed) in a band under the title.
	Legend []LegendEntry
}

// LegendEntry is an entry of a Figure's legend: a sample of a line or glyph and its name.
type LegendEntry struct {
	Name  string
	Thumb plot.Thumbnailer
}

// LineThumb is the legend sample of a line.
func LineThumb(style draw.LineStyle) plot.Thumbnailer { return legendLine(style) }

// GlyphThumb is the legend sample of a glyph.
func GlyphThumb(style draw.GlyphStyle) plot.Thumbnailer { return legendGlyph(style) }

// Sizes of a Figure's legend.
const (
	legendThumbWidth = 28 // points
	legendGap        = 6  // points between a thumbnail and its name
	legendSpacing    = 20 // points between entries
	legendLineHeight = 17 // points per line of entries
	legendFontSize   = 11 // points
	legendPad        = 4  // points below the legend band
)

// WriteFile renders the figure to path, as PNG or SVG by its extension.
func (f Figure) WriteFile(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing the plot: %w", err)
	}
	if err := f.Render(out, format); err != nil {
		out.Close()
		return fmt.Errorf("writing the plot %s: %w", path, err)
	}
	return out.Close()
}

// Render renders the figure to w in format "png" or "svg".
func (f Figure) Render(w io.Writer, format string) error {
	if len(f.Grid) == 0 || len(f.Grid[0]) == 0 || f.Grid[0][0] == nil {
		return fmt.Errorf("figure: grid: must have a panel in its first cell")
	}
	if f.Width <= 0 || f.Height <= 0 {
		return fmt.Errorf("figure: size: invalid value %vx%v: must be positive", f.Width, f.Height)
	}
	dpi := f.DPI
	if dpi == 0 {
		dpi = DefaultDPI
	}
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))}
	case "svg":
		c = vgsvg.New(f.Width, f.Height)
	default:
		return fmt.Errorf("unknown image format %q: png or svg", format)
	}
	dc := draw.New(c)
	if format == "svg" {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
	}
	if f.Title != "" {
		band := f.TitleHeight
		if band == 0 {
			band = 0.5 * vg.Inch
		}
		sty := text.Style{Color: color.Black, Font: Sans(16, true),
			XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
		dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - band/2}, f.Title)
		dc = draw.Crop(dc, 0, 0, 0, -band)
	}
	if len(f.Legend) > 0 {
		dc = drawLegend(dc, f.Legend)
	}
	tiles := draw.Tiles{
		Rows: len(f.Grid), Cols: len(f.Grid[0]),
		PadTop: vg.Points(8), PadBottom: vg.Points(8), PadLeft: vg.Points(10), PadRight: vg.Points(16),
		PadX: vg.Points(24), PadY: vg.Points(14),
	}
	canvases := plot.Align(f.Grid, tiles, dc)
	for r, row := range f.Grid {
		for col, p := range row {
			if p == nil {
				continue
			}
			cv := canvases[r][col]
			for below := r + 1; below < len(f.Grid) && f.Grid[below][col] == nil; below++ {
				cv.Min.Y = canvases[below][col].Min.Y
			}
			p.Draw(cv)
		}
	}
	if format != "svg" {
		_, err := c.WriteTo(w)
		return err
	}
	// Viewers without Liberation Sans fall back to a font of the same metrics (Arial) or
	// another sans-serif one, rather than to a serif default.
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	_, err := w.Write(bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")))
	return err
}

// legendStyle is the text style of a Figure's legend.
func legendStyle() text.Style {
	return text.Style{Color: color.Black, Font: Sans(legendFontSize, false), XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
}

// legendLines splits the entries into lines no wider than width, each with its total width.
func legendLines(entries []LegendEntry, width vg.Length) ([][]LegendEntry, []vg.Length) {
	sty := legendStyle()
	var lines [][]LegendEntry
	var widths []vg.Length
	var cur []LegendEntry
	var curWidth vg.Length
	for _, e := range entries {
		w := vg.Points(legendThumbWidth+legendGap) + sty.Width(e.Name)
		if len(cur) > 0 && curWidth+vg.Points(legendSpacing)+w > width {
			lines, widths, cur, curWidth = append(lines, cur), append(widths, curWidth), nil, 0
		}
		if len(cur) > 0 {
			curWidth += vg.Points(legendSpacing)
		}
		cur, curWidth = append(cur, e), curWidth+w
	}
	if len(cur) > 0 {
		lines, widths = append(lines, cur), append(widths, curWidth)
	}
	return lines, widths
}

// legendWidth is the width the legend's lines may take in a figure of width w.
func legendWidth(w vg.Length) vg.Length { return w - vg.Points(40) }

// LegendHeight returns the height of the band the figure's legend takes: a line of entries for
// as many as fit across Width, and a small gap.
func (f Figure) LegendHeight() vg.Length {
	if len(f.Legend) == 0 {
		return 0
	}
	lines, _ := legendLines(f.Legend, legendWidth(f.Width))
	return vg.Points(legendLineHeight*float64(len(lines)) + legendPad)
}

// drawLegend draws the entries side by side at the top of dc, centered, wrapping into more
// lines where they do not fit, and returns the canvas below them.
func drawLegend(dc draw.Canvas, entries []LegendEntry) draw.Canvas {
	sty := legendStyle()
	lines, widths := legendLines(entries, legendWidth(dc.Max.X-dc.Min.X))
	y := dc.Max.Y - vg.Points(legendLineHeight)/2
	for i, line := range lines {
		x := (dc.Min.X+dc.Max.X)/2 - widths[i]/2
		for _, e := range line {
			thumb := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y - vg.Points(legendLineHeight)/2 + 3},
				Max: vg.Point{X: x + vg.Points(legendThumbWidth), Y: y + vg.Points(legendLineHeight)/2 - 3},
			}}
			e.Thumb.Thumbnail(&thumb)
			dc.FillText(sty, vg.Point{X: x + vg.Points(legendThumbWidth+legendGap), Y: y}, e.Name)
			x += vg.Points(legendThumbWidth+legendGap) + sty.Width(e.Name) + vg.Points(legendSpacing)
		}
		y -= vg.Points(legendLineHeight)
	}
	return draw.Crop(dc, 0, 0, 0, -vg.Points(legendLineHeight*float64(len(lines))+legendPad))
}

// TimeAxis chooses the unit of a time axis that runs to d: minutes up to three hours, hours
// beyond. It returns the length of the unit and the axis label.
func TimeAxis(d time.Duration) (float64, string) {
	if d > 3*time.Hour {
		return float64(time.Hour), "time (hours)"
	}
	return float64(time.Minute), "time (minutes)"
}

// NewPanel returns an empty panel with the common look: a title, a y axis label, an x axis
// from 0 to xmax, a light grid, round ticks and the legend at the top left.
func NewPanel(title, ylabel string, xmax float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = Sans(15, true)
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = ylabel
	p.Y.Label.TextStyle.Font = Sans(12, false)
	p.X.Label.TextStyle.Font = Sans(12, false)
	p.X.Tick.Label.Font = Sans(10.5, false)
	p.Y.Tick.Label.Font = Sans(10.5, false)
	p.X.Min, p.X.Max = 0, xmax
	p.X.Tick.Marker = Ticks{N: 12}
	p.Y.Tick.Marker = Ticks{N: 6}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), vg.Points(-4)
	p.Legend.TextStyle.Font = Sans(10.5, false)
	p.Legend.ThumbnailWidth = vg.Points(28)
	p.Legend.Padding = vg.Points(2)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe4}
	grid.Horizontal.Color = color.Gray{Y: 0xe4}
	p.Add(grid)
	return p
}

// Sans is the plots' font: Liberation Sans, which gonum/plot embeds.
func Sans(size float64, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

// Headroom is the top of a panel's y axis for data up to ymax: room above the data for a
// legend of entries lines, in a panel of height panelHeight.
func Headroom(ymax float64, entries int, panelHeight vg.Length) float64 {
	const (
		rowHeight  = 14.0 // points per legend entry
		axesHeight = 70.0 // points of a panel outside its data area
	)
	data := panelHeight.Points() - axesHeight
	f := min(0.75, (float64(entries)*rowHeight+10)/data)
	return ymax / (1 - f) * 1.04
}

// LineStyle returns a line of color c, width in points, and dashes (nil for solid).
func LineStyle(c color.Color, width float64, dashes []vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(width), Dashes: dashes}
}

// Extend continues a step line to x: its last value holds until then.
func Extend(pts plotter.XYs, x float64) plotter.XYs {
	if len(pts) == 0 {
		return pts
	}
	return append(pts, plotter.XY{X: x, Y: pts[len(pts)-1].Y})
}

// Legends adds lines and glyphs to panels and counts each panel's legend entries, for
// Headroom.
type Legends map[*plot.Plot]int

// AddLine draws pts on p in style, as steps or straight segments, with a legend entry unless
// name is empty.
func (lg Legends) AddLine(p *plot.Plot, name string, pts plotter.XYs, style draw.LineStyle, step plotter.StepKind) error {
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

// AddMarks draws a glyph of shape and color c at each point, with a legend entry unless name is
// empty. No points draw nothing, not even the legend entry.
func (lg Legends) AddMarks(p *plot.Plot, name string, pts plotter.XYs, c color.Color, shape draw.GlyphDrawer) error {
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

// LegendOnly adds a legend entry that draws nothing in the plot: a line style, or a glyph if
// glyph is not nil.
func (lg Legends) LegendOnly(p *plot.Plot, name string, line draw.LineStyle, glyph *draw.GlyphStyle) {
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

// UpTriangle is a filled triangle pointing up, marking a scale-up.
type UpTriangle = draw.PyramidGlyph

// DownTriangle is a filled triangle pointing down, marking a scale-down.
type DownTriangle struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (DownTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.2
	path := make(vg.Path, 0, 4)
	path.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	path.Line(vg.Point{X: pt.X - r*0.866, Y: pt.Y + r*0.5})
	path.Line(vg.Point{X: pt.X + r*0.866, Y: pt.Y + r*0.5})
	path.Close()
	c.Fill(path)
}

// Ticks marks about N major ticks at round steps (1, 2 or 5 times a power of ten, whole
// numbers only when Integer is set), with minor ticks between.
type Ticks struct {
	N       int
	Integer bool
}

// Ticks implements plot.Ticker.
func (t Ticks) Ticks(lo, hi float64) []plot.Tick {
	if hi <= lo {
		return []plot.Tick{{Value: lo, Label: FormatTick(lo)}}
	}
	// Of the round steps, the one whose number of ticks is closest to N.
	raw := (hi - lo) / float64(t.N)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step, best := mag, math.Inf(1)
	for _, f := range []float64{0.5, 1, 2, 5, 10} {
		c := f * mag
		if t.Integer && c < 1 {
			continue
		}
		if d := math.Abs((hi-lo)/c - float64(t.N)); d < best {
			step, best = c, d
		}
	}
	if t.Integer {
		step = math.Max(1, math.Round(step))
	}
	minor := step / 2
	if t.Integer && minor < 1 {
		minor = 0
	}
	var out []plot.Tick
	first := math.Ceil(lo/step-1e-9) * step
	for v := first; v <= hi+1e-9*step; v += step {
		out = append(out, plot.Tick{Value: v, Label: FormatTick(v)})
		if m := v + minor; minor > 0 && m <= hi {
			out = append(out, plot.Tick{Value: m})
		}
	}
	return out
}

// FormatTick formats a tick value with no more digits than it needs.
func FormatTick(v float64) string {
	v = math.Round(v*1e6) / 1e6
	if v == 0 {
		v = 0 // not -0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
