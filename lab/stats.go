package lab

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary describes one measured quantity over the seeds of a variant:
// mean, sample standard deviation and a 95% confidence interval for the
// mean from Student's t distribution. Diverged (NaN/Inf) values are counted
// apart and excluded from the statistics.
type Summary struct {
	N         int       `json:"n"`
	Mean      float64   `json:"mean"`
	Std       float64   `json:"std"`
	CILow     float64   `json:"ci95_low"`
	CIHigh    float64   `json:"ci95_high"`
	Min       float64   `json:"min"`
	Max       float64   `json:"max"`
	NonFinite int       `json:"non_finite,omitempty"`
	Values    []float64 `json:"values"`
}

// Summarize computes a Summary of the finite values in xs.
func Summarize(xs []float64) Summary {
	s := Summary{Values: append([]float64(nil), xs...)}
	var fin []float64
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			s.NonFinite++
			continue
		}
		fin = append(fin, x)
	}
	s.N = len(fin)
	if s.N == 0 {
		s.Mean, s.Std, s.CILow, s.CIHigh, s.Min, s.Max = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return s
	}
	s.Mean = stat.Mean(fin, nil)
	s.Min, s.Max = fin[0], fin[0]
	for _, x := range fin {
		s.Min = math.Min(s.Min, x)
		s.Max = math.Max(s.Max, x)
	}
	if s.N < 2 {
		s.CILow, s.CIHigh = s.Mean, s.Mean
		return s
	}
	s.Std = stat.StdDev(fin, nil)
	h := tQuantile975(s.N-1) * s.Std / math.Sqrt(float64(s.N))
	s.CILow, s.CIHigh = s.Mean-h, s.Mean+h
	return s
}

// tQuantile975 is the 97.5% quantile of Student's t with df degrees of
// freedom (the factor of a two-sided 95% interval).
func tQuantile975(df int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975)
}

// Band is the pointwise mean and 95% confidence band of several series of
// equal meaning (one per seed), truncated to the shortest finite prefix
// shared by at least two seeds.
type Band struct {
	Mean, Low, High []float64
	N               []int // seeds contributing at each step
}

// SeriesBand computes the pointwise summary of series (one per seed).
func SeriesBand(series [][]float64) Band {
	n := 0
	for _, s := range series {
		if len(s) > n {
			n = len(s)
		}
	}
	b := Band{Mean: make([]float64, n), Low: make([]float64, n), High: make([]float64, n), N: make([]int, n)}
	col := make([]float64, 0, len(series))
	for i := 0; i < n; i++ {
		col = col[:0]
		for _, s := range series {
			if i < len(s) {
				col = append(col, s[i])
			}
		}
		sm := Summarize(col)
		b.Mean[i], b.N[i] = sm.Mean, sm.N
		b.Low[i], b.High[i] = sm.CILow, sm.CIHigh
	}
	return b
}

// Welch returns the two-sided p-value of Welch's t-test that the means of
// a and b are equal (NaN when either has fewer than two finite values).
func Welch(a, b Summary) float64 {
	if a.N < 2 || b.N < 2 {
		return math.NaN()
	}
	va, vb := a.Std*a.Std/float64(a.N), b.Std*b.Std/float64(b.N)
	se := math.Sqrt(va + vb)
	if se == 0 {
		if a.Mean == b.Mean {
			return 1
		}
		return 0
	}
	t := (a.Mean - b.Mean) / se
	df := (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
}
