package chart

import (
	"bytes"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func TestTimeAxis(t *testing.T) {
	for name, tc := range map[string]struct {
		d         time.Duration
		wantUnit  time.Duration
		wantLabel string
	}{
		"minutes up to 3h": {d: 3 * time.Hour, wantUnit: time.Minute, wantLabel: "time (minutes)"},
		"hours beyond":     {d: 6 * time.Hour, wantUnit: time.Hour, wantLabel: "time (hours)"},
	} {
		t.Run(name, func(t *testing.T) {
			unit, label := TimeAxis(tc.d)
			if diff := cmp.Diff([]any{tc.wantUnit, tc.wantLabel}, []any{time.Duration(unit), label}); diff != "" {
				t.Errorf("TimeAxis(%v) (-want +got):\n%s", tc.d, diff)
			}
		})
	}
}

func TestTicks(t *testing.T) {
	for name, tc := range map[string]struct {
		ticks  Ticks
		lo, hi float64
		want   string
	}{
		"integer":   {ticks: Ticks{N: 6, Integer: true}, lo: 0, hi: 13, want: "0,2,4,6,8,10,12"},
		"fractions": {ticks: Ticks{N: 12}, lo: -0.0000001, hi: 1.2, want: "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,1.1,1.2"},
		"empty":     {ticks: Ticks{N: 6}, lo: 3, hi: 3, want: "3"},
	} {
		t.Run(name, func(t *testing.T) {
			var labels []string
			for _, tk := range tc.ticks.Ticks(tc.lo, tc.hi) {
				if tk.Label != "" {
					labels = append(labels, tk.Label)
				}
			}
			if diff := cmp.Diff(tc.want, strings.Join(labels, ",")); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	for name, tc := range map[string]struct {
		path, want, wantErr string
	}{
		"png":       {path: "a/b.png", want: "png"},
		"svg upper": {path: "b.SVG", want: "svg"},
		"jpg":       {path: "c.jpg", wantErr: `unknown image format ".jpg": use a file name ending in .png or .svg`},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := FormatOf(tc.path)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff([]string{tc.want, tc.wantErr}, []string{got, gotErr}); diff != "" {
				t.Errorf("FormatOf(%q) (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

// TestFigureSpans renders a grid whose first panel spans two rows, under a title, and checks
// the image size and that every panel and the title are drawn.
func TestFigureSpans(t *testing.T) {
	panel := func(title string) *plot.Plot {
		p := NewPanel(title, "y (units)", 10)
		lg := Legends{}
		if err := lg.AddLine(p, "line", plotter.XYs{{X: 0, Y: 1}, {X: 10, Y: 3}}, LineStyle(Color(0), 2, nil), plotter.PostStep); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fig := Figure{
		Title: "figure title", Width: 8 * vg.Inch, Height: 6 * vg.Inch, DPI: 50,
		Grid: [][]*plot.Plot{{panel("tall"), panel("right top")}, {nil, panel("right bottom")}},
		Legend: []LegendEntry{
			{Name: "shared line", Thumb: LineThumb(LineStyle(Color(1), 2, nil))},
			{Name: "shared glyph", Thumb: GlyphThumb(draw.GlyphStyle{Color: UpColor, Radius: vg.Points(4), Shape: UpTriangle{}})},
		},
	}
	var buf bytes.Buffer
	if err := fig.Render(&buf, "png"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 400 || b.Dy() != 300 {
		t.Errorf("size %dx%d, want 400x300", b.Dx(), b.Dy())
	}
	buf.Reset()
	if err := fig.Render(&buf, "svg"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"figure title", "tall", "right top", "right bottom", "y (units)", "shared line", "shared glyph", "'Liberation Sans',Arial"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the SVG has no %q", want)
		}
	}
	if got, want := fig.LegendHeight(), vg.Points(21); got != want {
		t.Errorf("LegendHeight() = %v, want one line: %v", got, want)
	}
	narrow := fig
	narrow.Width = 2 * vg.Inch
	if got, want := narrow.LegendHeight(), vg.Points(38); got != want {
		t.Errorf("LegendHeight() of a narrow figure = %v, want two lines: %v", got, want)
	}
	if err := fig.WriteFile(filepath.Join(t.TempDir(), "x.gif")); err == nil {
		t.Error("WriteFile(x.gif) did not fail")
	}
	if err := (Figure{Width: 1, Height: 1}).Render(&buf, "png"); err == nil {
		t.Error("an empty figure rendered without an error")
	}
}
