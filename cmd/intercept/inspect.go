package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/safetensors"
)

// tensorStats is what `intercept inspect` reports about one tensor.
type tensorStats struct {
	Name    string  `json:"name"`
	DType   string  `json:"dtype"`
	Shape   []int   `json:"shape"`
	Mean    float64 `json:"mean"`
	Std     float64 `json:"std"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Zeros   float64 `json:"zeros"` // share of exact zeros
	NonFin  int     `json:"non_finite,omitempty"`
	FanIn   int     `json:"fan_in,omitempty"`
	FanOut  int     `json:"fan_out,omitempty"`
	Reading string  `json:"reading"`
	// Theory holds the ratio of the measured std to the std each standard
	// initialization would give this tensor.
	Theory map[string]float64 `json:"std_over_init,omitempty"`
}

// initStds returns the standard deviation each common initialization gives
// a weight with these fans: PyTorch's default (kaiming_uniform_ with
// a=√5, i.e. U(±1/√fan_in)), Xavier (Glorot) and He (Kaiming, ReLU).
func initStds(fanIn, fanOut int) map[string]float64 {
	return map[string]float64{
		"pytorch-default": 1 / math.Sqrt(3*float64(fanIn)),
		"xavier":          math.Sqrt(2 / float64(fanIn+fanOut)),
		"he":              math.Sqrt(2 / float64(fanIn)),
	}
}

// inspectFile computes per-tensor statistics of a safetensors file and
// reads each weight and bias against initialization theory.
func inspectFile(path string) ([]tensorStats, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fans := map[string]int{} // layer prefix -> fan_in of its weight
	var out []tensorStats
	for _, name := range f.Names() {
		t, err := f.Tensor(name)
		if err != nil {
			return nil, err
		}
		s := tensorStats{Name: name, DType: t.DType().String(), Shape: t.Shape()}
		if !t.DType().IsFloat() {
			s.Reading = "not a float tensor"
			out = append(out, s)
			continue
		}
		describe(&s, t.Float64s())
		if strings.HasSuffix(name, "weight") && t.Dim() >= 2 {
			s.FanIn, s.FanOut = nninit.FanInOut(t)
			fans[strings.TrimSuffix(name, "weight")] = s.FanIn
		}
		out = append(out, s)
	}
	for i := range out {
		s := &out[i]
		if s.Reading != "" {
			continue
		}
		s.Reading = readTensor(s, fans)
	}
	return out, nil
}

func describe(s *tensorStats, v []float64) {
	n := 0
	s.Min, s.Max = math.Inf(1), math.Inf(-1)
	var sum float64
	zeros := 0
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.NonFin++
			continue
		}
		n++
		sum += x
		s.Min, s.Max = math.Min(s.Min, x), math.Max(s.Max, x)
		if x == 0 {
			zeros++
		}
	}
	if n == 0 {
		s.Mean, s.Std, s.Min, s.Max = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return
	}
	s.Mean = sum / float64(n)
	var ss float64
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			ss += (x - s.Mean) * (x - s.Mean)
		}
	}
	if n > 1 {
		s.Std = math.Sqrt(ss / float64(n-1))
	}
	s.Zeros = float64(zeros) / float64(len(v))
}

// readTensor says in words what the statistics suggest.
func readTensor(s *tensorStats, fans map[string]int) string {
	switch {
	case s.NonFin > 0:
		return fmt.Sprintf("%d NaN/Inf values: a diverged run?", s.NonFin)
	case s.Std == 0 && len(s.Shape) > 0 && product(s.Shape) > 1:
		if s.Mean == 0 {
			return "all zero"
		}
		return fmt.Sprintf("constant %g", s.Mean)
	}
	if s.FanIn > 0 {
		s.Theory = map[string]float64{}
		best, bestDist := "", math.Inf(1)
		for name, std := range initStds(s.FanIn, s.FanOut) {
			r := s.Std / std
			s.Theory[name] = r
			if d := math.Abs(math.Log(r)); d < bestDist {
				best, bestDist = name, d
			}
		}
		r := s.Theory[best]
		if bestDist < math.Log(1.15) {
			return fmt.Sprintf("std matches %s init (×%.2f)", best, r)
		}
		return fmt.Sprintf("std ×%.2f of %s init, the closest (trained, or another init)", r, best)
	}
	if strings.HasSuffix(s.Name, "bias") {
		prefix := strings.TrimSuffix(s.Name, "bias")
		if fanIn, ok := fans[prefix]; ok {
			bound := 1 / math.Sqrt(float64(fanIn))
			inRange := s.Min >= -bound && s.Max <= bound
			// With enough values, the spread must look uniform too.
			if inRange && (product(s.Shape) < 8 || math.Abs(s.Std/(bound/math.Sqrt(3))-1) < 0.3) {
				return fmt.Sprintf("within PyTorch's default U(±%.3g)", bound)
			}
			return fmt.Sprintf("outside PyTorch's default U(±%.3g): trained or set by hand", bound)
		}
	}
	switch {
	case strings.HasSuffix(s.Name, "running_mean"), strings.HasSuffix(s.Name, "running_var"):
		return "BatchNorm running statistic"
	case strings.HasSuffix(s.Name, "weight") && len(s.Shape) == 1:
		return "normalization scale γ (initialized to 1)"
	case strings.HasSuffix(s.Name, "bias") && len(s.Shape) == 1:
		return "normalization shift β or a bias (initialized to 0)"
	}
	return ""
}

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// printStats writes the statistics as a table or as JSON.
func printStats(w io.Writer, stats []tensorStats, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(jsonSafe(stats))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENSOR\tSHAPE\tMEAN\tSTD\tMIN\tMAX\tZEROS\tREADING")
	for _, s := range stats {
		if s.DType != "" && s.Reading == "not a float tensor" {
			fmt.Fprintf(tw, "%s\t%v\t\t\t\t\t\t%s (%s)\n", s.Name, s.Shape, s.Reading, s.DType)
			continue
		}
		fmt.Fprintf(tw, "%s\t%v\t%.4g\t%.4g\t%.4g\t%.4g\t%.0f%%\t%s\n", s.Name, s.Shape, s.Mean, s.Std, s.Min, s.Max, 100*s.Zeros, s.Reading)
	}
	return tw.Flush()
}

// jsonSafe replaces NaN statistics (JSON has no NaN) by zero and says so
// in the reading.
func jsonSafe(stats []tensorStats) []tensorStats {
	out := append([]tensorStats(nil), stats...)
	for i := range out {
		s := &out[i]
		if math.IsNaN(s.Mean) || math.IsNaN(s.Std) {
			s.Mean, s.Std, s.Min, s.Max = 0, 0, 0, 0
		}
		for k, v := range s.Theory {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				delete(s.Theory, k)
			}
		}
	}
	return out
}
