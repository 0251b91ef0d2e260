package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/safetensors"
)

// stat is a statistic; in --json, NaN and ±Inf (which JSON cannot hold)
// are written as the strings "NaN", "+Inf" and "-Inf".
type stat float64

func (s stat) MarshalJSON() ([]byte, error) {
	v := float64(s)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (s *stat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*s = stat(math.NaN())
	case `"+Inf"`:
		*s = stat(math.Inf(1))
	case `"-Inf"`:
		*s = stat(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("not a statistic: %s", b)
		}
		*s = stat(v)
	}
	return nil
}

// tensorStats is what `intercept inspect` reports about one tensor.
type tensorStats struct {
	Name    string `json:"name"`
	DType   string `json:"dtype"` // as the file stores it: F32, BF16, I64, ...
	Shape   []int  `json:"shape"`
	Mean    stat   `json:"mean"`
	Std     stat   `json:"std"`
	Min     stat   `json:"min"`
	Max     stat   `json:"max"`
	Zeros   stat   `json:"zeros"` // share of exact zeros
	NonFin  int    `json:"non_finite,omitempty"`
	FanIn   int    `json:"fan_in,omitempty"`
	FanOut  int    `json:"fan_out,omitempty"`
	Reading string `json:"reading"`
	// Theory holds the ratio of the measured std to the std each
	// initialization considered would give this tensor.
	Theory map[string]stat `json:"std_over_init,omitempty"`
	// CILow and CIHigh bound the ratio measured std / true std at 99.9%
	// for this many elements: a ratio to an init inside them is
	// consistent with that init.
	CILow  stat `json:"ci_low,omitempty"`
	CIHigh stat `json:"ci_high,omitempty"`

	n     int  // finite elements
	stats bool // the statistics were computed (a float tensor)
}

func (s tensorStats) hasStats() bool { return s.stats }

// An init is one way PyTorch initializes a tensor: the std it gives and
// the bound of its values when it draws from a uniform distribution.
type init_ struct {
	name  string
	std   float64
	bound float64 // 0 when not bounded
}

var recurrentRE = regexp.MustCompile(`^(.*)(weight|bias)_(ih|hh)_l\d+(_reverse)?$`)

// weightInits lists the inits a weight of these fans could have had:
// PyTorch's default for Linear and Conv (kaiming_uniform_ with a=√5, i.e.
// U(±1/√fan_in)), Xavier (Glorot: MultiheadAttention's in_proj), He
// (Kaiming, ReLU gain) in fan_in and fan_out mode (the ResNet recipe is
// fan_out), and N(0, 1) (Embedding's default).
func weightInits(fanIn, fanOut int) []init_ {
	b := 1 / math.Sqrt(float64(fanIn))
	return []init_{
		{"pytorch-default", b / math.Sqrt(3), b},
		{"xavier", math.Sqrt(2 / float64(fanIn+fanOut)), 0},
		{"he-fan_in", math.Sqrt(2 / float64(fanIn)), 0},
		{"he-fan_out", math.Sqrt(2 / float64(fanOut)), 0},
		{"normal(0,1)", 1, 0},
	}
}

// recurrentInit is PyTorch's init of every weight and bias of RNN, LSTM and
// GRU: U(±1/√hidden_size).
func recurrentInit(hidden int) init_ {
	b := 1 / math.Sqrt(float64(hidden))
	return init_{fmt.Sprintf("recurrent-default U(±1/√%d)", hidden), b / math.Sqrt(3), b}
}

// inspectFile computes per-tensor statistics of a safetensors file and
// reads each weight and bias against initialization theory.
func inspectFile(path string) ([]tensorStats, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fans := map[string]int{}   // layer prefix -> fan_in of its weight
	hidden := map[string]int{} // recurrent module prefix -> hidden size
	var out []tensorStats
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		s := tensorStats{Name: name, DType: string(info.DType), Shape: info.Shape}
		if !info.DType.Convertible() {
			s.Reading = "no statistics: " + string(info.DType) + " has no tensor type here"
			out = append(out, s)
			continue
		}
		t, err := f.Tensor(name)
		if err != nil {
			return nil, err
		}
		if !t.DType().IsFloat() {
			s.Reading = "not a float tensor"
			out = append(out, s)
			continue
		}
		describe(&s, t.Float64s())
		if m := recurrentRE.FindStringSubmatch(name); m != nil && m[2] == "weight" && m[3] == "hh" && t.Dim() == 2 {
			hidden[m[1]] = t.Size(1)
		}
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
		s.Reading = readTensor(s, fans, hidden)
	}
	return out, nil
}

func describe(s *tensorStats, v []float64) {
	s.stats = true
	n := 0
	mn, mx := math.Inf(1), math.Inf(-1)
	var sum float64
	zeros := 0
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.NonFin++
			continue
		}
		n++
		sum += x
		mn, mx = math.Min(mn, x), math.Max(mx, x)
		if x == 0 {
			zeros++
		}
	}
	s.n = n
	if len(v) > 0 {
		s.Zeros = stat(float64(zeros) / float64(len(v)))
	}
	if n == 0 {
		s.Mean, s.Std, s.Min, s.Max = stat(math.NaN()), stat(math.NaN()), stat(math.NaN()), stat(math.NaN())
		return
	}
	mean := sum / float64(n)
	var ss float64
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			ss += float64((x - mean) * (x - mean))
		}
	}
	s.Mean, s.Min, s.Max = stat(mean), stat(mn), stat(mx)
	if n > 1 {
		s.Std = stat(math.Sqrt(ss / float64(n-1)))
	}
}

// z999 is the two-sided 99.9% quantile of the standard normal.
const z999 = 3.2905

// stdInterval returns the factors [lo, hi] within which the sample std of
// n values falls, at 99.9%, around the true std: log s is close to normal
// with standard error √(2/(n-1))/2 for normal data (uniform data, with
// negative excess kurtosis, spreads less, so the interval is conservative
// for it).
func stdInterval(n int) (lo, hi float64) {
	if n < 2 {
		return 0, math.Inf(1)
	}
	se := math.Sqrt(2/float64(n-1)) / 2
	return math.Exp(-z999 * se), math.Exp(z999 * se)
}

// readTensor says in words what the statistics suggest.
func readTensor(s *tensorStats, fans, hidden map[string]int) string {
	std, mn, mx := float64(s.Std), float64(s.Min), float64(s.Max)
	switch {
	case s.NonFin > 0:
		return fmt.Sprintf("%d NaN/Inf values: a diverged run?", s.NonFin)
	case s.n == 0:
		return "empty"
	case math.IsInf(std, 0) || math.IsNaN(std):
		return "values too large for their spread to be measured"
	case std == 0 && len(s.Shape) > 0 && product(s.Shape) > 1:
		if s.Mean == 0 {
			return "all zero"
		}
		return "constant " + strconv.FormatFloat(float64(s.Mean), 'g', -1, 32)
	}
	lo, hi := stdInterval(s.n)
	var inits []init_
	rec := recurrentRE.FindStringSubmatch(s.Name)
	isWeight := s.FanIn > 0
	switch {
	case rec != nil && hidden[rec[1]] > 0:
		inits = []init_{recurrentInit(hidden[rec[1]])}
		if isWeight {
			inits = append(inits, weightInits(s.FanIn, s.FanOut)...)
		}
	case isWeight:
		inits = weightInits(s.FanIn, s.FanOut)
	case strings.HasSuffix(s.Name, "bias"):
		if fanIn, ok := fans[strings.TrimSuffix(s.Name, "bias")]; ok {
			b := 1 / math.Sqrt(float64(fanIn))
			inits = []init_{{fmt.Sprintf("pytorch-default U(±1/√%d)", fanIn), b / math.Sqrt(3), b}}
		}
	}
	if len(inits) == 0 {
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
	s.Theory = map[string]stat{}
	s.CILow, s.CIHigh = stat(lo), stat(hi)
	type match struct {
		name string
		r    float64
	}
	var ok, all []match
	for _, in := range inits {
		r := std / in.std
		s.Theory[in.name] = stat(r)
		all = append(all, match{in.name, r})
		fits := r >= lo && r <= hi
		if in.bound > 0 && (mn < -in.bound*(1+1e-6) || mx > in.bound*(1+1e-6)) {
			fits = false // a uniform init cannot leave its bounds
		}
		if fits {
			ok = append(ok, match{in.name, r})
		}
	}
	byDist := func(ms []match) {
		sort.SliceStable(ms, func(i, j int) bool { return math.Abs(math.Log(ms[i].r)) < math.Abs(math.Log(ms[j].r)) })
	}
	byDist(ok)
	byDist(all)
	interval := fmt.Sprintf("99.9%% interval ×%.2f–×%.2f for %d values", lo, hi, s.n)
	if len(ok) > 0 {
		text := fmt.Sprintf("std matches %s init (×%.2f; %s)", ok[0].name, ok[0].r, interval)
		if len(ok) > 1 {
			var also []string
			for _, m := range ok[1:] {
				also = append(also, fmt.Sprintf("%s ×%.2f", m.name, m.r))
			}
			text += "; also consistent with " + strings.Join(also, ", ")
		}
		return text
	}
	return fmt.Sprintf("std ×%.2f of %s init, the closest, outside the %s (trained, or another init)", all[0].r, all[0].name, interval)
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
		// A tensor without statistics (not a float tensor, or a raw type)
		// has no mean, std, min, max or zeros in the JSON, rather than zeros.
		type noStats struct {
			Name    string `json:"name"`
			DType   string `json:"dtype"`
			Shape   []int  `json:"shape"`
			Reading string `json:"reading"`
		}
		out := make([]any, len(stats))
		for i, s := range stats {
			out[i] = s
			if !s.hasStats() {
				out[i] = noStats{s.Name, s.DType, s.Shape, s.Reading}
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENSOR\tDTYPE\tSHAPE\tMEAN\tSTD\tMIN\tMAX\tZEROS\tREADING")
	for _, s := range stats {
		if !s.hasStats() {
			fmt.Fprintf(tw, "%s\t%s\t%v\t\t\t\t\t\t%s\n", s.Name, s.DType, s.Shape, s.Reading)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%.4g\t%.4g\t%.4g\t%.4g\t%.0f%%\t%s\n", s.Name, s.DType, s.Shape, float64(s.Mean), float64(s.Std), float64(s.Min), float64(s.Max), 100*float64(s.Zeros), s.Reading)
	}
	return tw.Flush()
}
