package simulate

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

func plotRuns(t *testing.T) []*Result {
	t.Helper()
	a := newHPA(1, 20).pods("qps", "10").
		external("queue", v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))}).build()
	a.Name = "web"
	b := newHPA(1, 20).pods("qps", "10").
		external("queue", v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("30"))}).
		scaleDownWindow(0).build()
	b.Name = "web-fast"
	trace := "time,qps,queue\n0,20,30\n60,120,90\n300,30,\n360,30,60\n600,30,60\n"
	var runs []*Result
	for _, hpa := range []*v2.HorizontalPodAutoscaler{a, b} {
		sc := scenario(hpa, trace, 2)
		sc.Name = hpa.Name
		r, err := Run(sc)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

func TestRenderPlotPNG(t *testing.T) {
	runs := plotRuns(t)
	for name, rs := range map[string][]*Result{"single": runs[:1], "compare": runs} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderPlot(&buf, "png", rs, PlotOptions{}); err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			// 11 inches wide at 110 dpi; a double-height replicas panel, two metric panels and
			// the title.
			b := img.Bounds()
			if b.Dx() != 1210 || b.Dy() != int((4*3.2+0.4)*110) {
				t.Errorf("size %dx%d, want 1210x%d", b.Dx(), b.Dy(), int((4*3.2+0.4)*110))
			}
			// Every run's color is drawn.
			for i := range rs {
				if !hasColor(img, runColor(i)) {
					t.Errorf("run %d's color is not in the image", i)
				}
			}
			if !hasColor(img, targetColor) {
				t.Error("the targets' color is not in the image")
			}
		})
	}
}

// hasColor reports whether some pixel of img has exactly the color c.
func hasColor(img image.Image, c color.Color) bool {
	r0, g0, b0, _ := c.RGBA()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r == r0 && g == g0 && bl == b0 {
				return true
			}
		}
	}
	return false
}

func TestRenderPlotSVG(t *testing.T) {
	runs := plotRuns(t)
	var buf bytes.Buffer
	if err := RenderPlot(&buf, "svg", runs, PlotOptions{Title: "my title"}); err != nil {
		t.Fatal(err)
	}
	var texts []string
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	inText := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			inText = tk.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, string(tk))
			}
		case xml.EndElement:
			inText = false
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{
		"my title", "replicas (pods)", "time (minutes)",
		"spec.metrics[0]: pods/qps", "qps per pod", "spec.metrics[1]: external/queue", "queue per pod",
		"web: replicas", "web-fast: replicas", "needed for the demand", "desired (metrics' recommendation)",
		"scale up", "scale down", "target 10", "target 30",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the SVG has no text %q; it has:\n%s", want, all)
		}
	}
}

func TestWritePlot(t *testing.T) {
	runs := plotRuns(t)[:1]
	dir := t.TempDir()
	for _, name := range []string{"a.png", "a.SVG"} {
		path := filepath.Join(dir, name)
		if err := WritePlot(path, runs, PlotOptions{}); err != nil {
			t.Fatalf("WritePlot(%s): %v", name, err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() < 1000 {
			t.Errorf("WritePlot(%s) wrote %v, %v", name, fi, err)
		}
	}
	err := WritePlot(filepath.Join(dir, "a.jpg"), runs, PlotOptions{})
	if err == nil || !strings.Contains(err.Error(), `unknown image format ".jpg": use a file name ending in .png or .svg`) {
		t.Errorf("WritePlot(a.jpg) error = %v", err)
	}
}
