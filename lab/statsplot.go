package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/intercept-ml/intercept/nn/stats"
)

// StatsPlots draws the steps a stats.Recorder recorded: the std of each
// layer's activations and of the gradients w.r.t. them over depth (one
// line per step, at most five steps spread over the run), and each
// layer's activation and gradient std over the steps (when there are
// several). name prefixes the plots' names.
func StatsPlots(name string, steps []stats.StepStats) []Plot {
	if len(steps) == 0 {
		return nil
	}
	var out []Plot
	pick := steps
	if len(pick) > 5 {
		pick = nil
		for i := 0; i < 5; i++ {
			pick = append(pick, steps[i*(len(steps)-1)/4])
		}
	}
	for _, kind := range []string{"act", "grad"} {
		what := "activations"
		if kind == "grad" {
			what = "gradients w.r.t. activations"
		}
		depth := Plot{Name: name + "-" + kind + "-std-depth", Kind: LinePlot, LogY: true,
			Title: "Std of " + what + " per layer", XLabel: "layer (" + layerNames(steps[0]) + ")", YLabel: "std"}
		for _, s := range pick {
			var x, y []float64
			for i, l := range s.Layers {
				m := l.Act
				if kind == "grad" {
					m = l.Grad
				}
				if m.N > 0 {
					x, y = append(x, float64(i)), append(y, m.Std)
				}
			}
			if len(y) > 0 {
				depth.Lines = append(depth.Lines, Line{Label: fmt.Sprintf("step %d", s.Step), X: x, Y: y})
			}
		}
		if len(depth.Lines) > 0 {
			out = append(out, depth)
		}
		if len(steps) < 2 {
			continue
		}
		over := Plot{Name: name + "-" + kind + "-std-steps", Kind: LinePlot, LogY: true,
			Title: "Std of " + what + " per layer over training", XLabel: "step", YLabel: "std"}
		for i, l := range steps[0].Layers {
			var x, y []float64
			for _, s := range steps {
				if i >= len(s.Layers) {
					continue
				}
				m := s.Layers[i].Act
				if kind == "grad" {
					m = s.Layers[i].Grad
				}
				if m.N > 0 {
					x, y = append(x, float64(s.Step)), append(y, m.Std)
				}
			}
			if len(y) > 0 {
				over.Lines = append(over.Lines, Line{Label: l.Name + " " + l.Type, X: x, Y: y})
			}
		}
		if len(over.Lines) > 0 {
			out = append(out, over)
		}
	}
	return out
}

// layerNames lists a step's layers as "0 Linear, 1 ReLU, ..." for an
// axis label, shortened when long.
func layerNames(s stats.StepStats) string {
	var parts []string
	for i, l := range s.Layers {
		parts = append(parts, fmt.Sprintf("%d=%s", i, l.Type))
	}
	txt := strings.Join(parts, " ")
	if len(txt) > 80 {
		txt = txt[:77] + "..."
	}
	return txt
}

// WritePlot draws p into dir as NAME.svg and NAME.png and returns their
// paths.
func WritePlot(dir string, p *Plot) (svgPath, pngPath string, err error) {
	svg, png, err := render(p, true)
	if err != nil {
		return "", "", err
	}
	svgPath, pngPath = filepath.Join(dir, p.Name+".svg"), filepath.Join(dir, p.Name+".png")
	if err := os.WriteFile(svgPath, svg, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(pngPath, png, 0o644); err != nil {
		return "", "", err
	}
	return svgPath, pngPath, nil
}
