package lab

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

const (
	plotWidth  = 16 * vg.Centimeter
	plotHeight = 10 * vg.Centimeter
)

// fastPNG is a raster canvas whose WriteTo encodes PNG at BestSpeed.
type fastPNG struct{ *vgimg.Canvas }

func (c fastPNG) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(cw, c.Image())
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// render draws p and returns its SVG encoding, and with withPNG its PNG
// encoding too. A panic inside the plotting library (it panics on some
// degenerate axes) becomes an error.
func render(p *Plot, withPNG bool) (svg, png []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			svg, png, err = nil, nil, fmt.Errorf("plot %s: %v", p.Name, r)
		}
	}()
	pl, err := buildPlot(p)
	if err != nil {
		return nil, nil, fmt.Errorf("plot %s: %w", p.Name, err)
	}
	// Many lines: the legend goes to the right of the axes, where it cannot
	// hide the data.
	w := plotWidth
	var legend *plot.Legend
	if legendEntries(p) > 4 {
		leg := pl.Legend
		legend = &leg
		legend.Top, legend.Left = true, true
		pl.Legend = plot.NewLegend()
		w += legendWidth(legend)
	}
	formats := []string{"svg"}
	if withPNG {
		formats = append(formats, "png")
	}
	for _, format := range formats {
		var c vg.CanvasWriterTo
		if format == "png" {
			// encoded below at png.BestSpeed: the default level spends most
			// of the report's time compressing pixels, for a file 10–20%
			// smaller
			c = fastPNG{vgimg.New(w, plotHeight)}
		} else {
			var err error
			if c, err = draw.NewFormattedCanvas(w, plotHeight, format); err != nil {
				return nil, nil, fmt.Errorf("plot %s: %w", p.Name, err)
			}
		}
		dc := draw.New(c)
		if legend != nil {
			pl.Draw(draw.Crop(dc, 0, -(w - plotWidth), 0, 0))
			legend.Draw(draw.Crop(dc, plotWidth+vg.Millimeter*2, 0, 0, -vg.Centimeter))
		} else {
			pl.Draw(dc)
		}
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, nil, fmt.Errorf("plot %s: %w", p.Name, err)
		}
		if format == "svg" {
			svg = buf.Bytes()
		} else {
			png = buf.Bytes()
		}
	}
	return svg, png, nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// segments splits a line into runs of plottable points (finite, and
// positive on a log axis), so that a diverged stretch leaves a gap.
func segments(x, y []float64, logY bool) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i := range y {
		xi := float64(i)
		if x != nil {
			xi = x[i]
		}
		ok := finite(y[i]) && finite(xi) && (!logY || y[i] > 0)
		if !ok {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: xi, Y: y[i]})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

func buildPlot(p *Plot) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = p.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Legend.Top = true
	pl.Add(plotter.NewGrid())
	switch p.Kind {
	case LinePlot, "":
		if p.LogY && !hasPositive(p.Lines) {
			// Nothing to draw on a log axis (e.g. no trial finished yet):
			// an empty linear axis instead of a panic in the plotting library.
			q := *p
			q.LogY = false
			p = &q
		}
		if p.LogY {
			pl.Y.Scale = plot.LogScale{}
			pl.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		}
		colors := lineColors(p.Lines)
		floor := bandFloor(p.Lines)
		for i, l := range p.Lines {
			c := colors[i]
			if l.Low != nil && l.High != nil {
				for _, band := range bandPolygons(l, p.LogY, floor) {
					poly, err := plotter.NewPolygon(band)
					if err != nil {
						return nil, err
					}
					poly.Color = withAlpha(c, 50)
					poly.LineStyle.Width = 0
					pl.Add(poly)
				}
			}
			var first *plotter.Line
			for _, seg := range segments(l.X, l.Y, p.LogY) {
				line, err := plotter.NewLine(seg)
				if err != nil {
					return nil, err
				}
				line.Color = c
				line.Width = vg.Points(1.5)
				if l.Dashed {
					line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
				}
				if len(seg) == 1 {
					sc, _ := plotter.NewScatter(seg)
					sc.Color = c
					sc.Shape = draw.CircleGlyph{}
					pl.Add(sc)
				}
				pl.Add(line)
				if first == nil {
					first = line
				}
			}
			if first != nil {
				pl.Legend.Add(l.Label, first)
			}
		}
	case BarPlot:
		var labels []string
		for i, l := range p.Lines {
			v := math.NaN()
			if len(l.Y) > 0 {
				v = l.Y[0]
			}
			if !finite(v) {
				v = 0
			}
			bars, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(28))
			if err != nil {
				return nil, err
			}
			bars.Color = plotutil.Color(i)
			bars.LineStyle.Width = 0
			bars.XMin = float64(i)
			pl.Add(bars)
			if len(l.Low) > 0 && len(l.High) > 0 && finite(l.Low[0]) && finite(l.High[0]) {
				eb, err := plotter.NewYErrorBars(errPoints{x: float64(i), y: v, lo: v - l.Low[0], hi: l.High[0] - v})
				if err != nil {
					return nil, err
				}
				pl.Add(eb)
			}
			labels = append(labels, l.Label)
		}
		pl.NominalX(labels...)
	case HistPlot:
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, l := range p.Lines {
			for _, v := range l.Values {
				if finite(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
		for i, l := range p.Lines {
			vals := plotter.Values{}
			for _, v := range l.Values {
				if finite(v) {
					vals = append(vals, v)
				}
			}
			if len(vals) == 0 {
				continue
			}
			// a common bin range so the histograms are comparable
			vals = append(vals, lo, hi)
			h, err := plotter.NewHist(vals, 40)
			if err != nil {
				return nil, err
			}
			h.Bins[0].Weight--
			h.Bins[len(h.Bins)-1].Weight--
			h.Normalize(1)
			h.FillColor = withAlpha(plotutil.Color(i), 70)
			h.LineStyle.Color = plotutil.Color(i)
			pl.Add(h)
			pl.Legend.Add(l.Label, h)
		}
	default:
		return nil, fmt.Errorf("unknown plot kind %q", p.Kind)
	}
	return pl, nil
}

// bandPolygons returns the confidence band of a line as polygons over the
// stretches where both bounds are plottable.
func bandPolygons(l Line, logY bool, floor float64) []plotter.XYs {
	var out []plotter.XYs
	var lo, hi plotter.XYs
	flush := func() {
		if len(lo) > 1 {
			poly := append(plotter.XYs{}, lo...)
			for i := len(hi) - 1; i >= 0; i-- {
				poly = append(poly, hi[i])
			}
			out = append(out, poly)
		}
		lo, hi = nil, nil
	}
	for i := range l.Low {
		x := float64(i)
		if l.X != nil {
			x = l.X[i]
		}
		a, b := l.Low[i], l.High[i]
		if logY && a < floor && finite(b) && b > 0 {
			// The band reaches below what the plot shows (a CI of a
			// positive quantity can go negative); cut it at the floor
			// rather than stretch the log axis down to it.
			a = math.Min(floor, b)
		}
		if !finite(a) || !finite(b) || (logY && (a <= 0 || b <= 0)) {
			flush()
			continue
		}
		lo = append(lo, plotter.XY{X: x, Y: a})
		hi = append(hi, plotter.XY{X: x, Y: b})
	}
	flush()
	return out
}

// errPoints is one bar's error bar.
type errPoints struct{ x, y, lo, hi float64 }

func (e errPoints) Len() int                      { return 1 }
func (e errPoints) XY(int) (float64, float64)     { return e.x, e.y }
func (e errPoints) YError(int) (float64, float64) { return e.lo, e.hi }

// hasPositive reports whether any line has a finite positive y value.
func hasPositive(lines []Line) bool {
	for _, l := range lines {
		for _, y := range l.Y {
			if y > 0 && finite(y) {
				return true
			}
		}
	}
	return false
}

// lineColors gives each line its colour: lines with the same Group share
// one, otherwise each line has its own.
func lineColors(lines []Line) []color.Color {
	out := make([]color.Color, len(lines))
	groups := map[string]int{}
	next := 0
	for i, l := range lines {
		if l.Group == "" {
			out[i] = plotutil.Color(next)
			next++
			continue
		}
		k, ok := groups[l.Group]
		if !ok {
			k = next
			groups[l.Group] = k
			next++
		}
		out[i] = plotutil.Color(k)
	}
	return out
}

// bandFloor is the lowest value a log-scale confidence band is drawn to: a
// third of the smallest positive value of any line.
func bandFloor(lines []Line) float64 {
	m := math.Inf(1)
	for _, l := range lines {
		for _, y := range l.Y {
			if finite(y) && y > 0 {
				m = math.Min(m, y)
			}
		}
	}
	if math.IsInf(m, 1) {
		return 0
	}
	return m / 3
}

// legendEntries counts the legend entries buildPlot makes for p.
func legendEntries(p *Plot) int {
	if p.Kind == BarPlot {
		return 0
	}
	return len(p.Lines)
}

// legendWidth is the width of a legend drawn beside the axes.
func legendWidth(l *plot.Legend) vg.Length {
	r := l.Rectangle(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 100 * vg.Centimeter, Y: 100 * vg.Centimeter}}})
	return r.Max.X - r.Min.X + 4*vg.Millimeter
}
