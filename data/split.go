package data

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/rng"
)

// RandomSplit splits ds into non-overlapping subsets of the given lengths,
// like torch.utils.data.random_split(ds, lengths, generator=g) in PyTorch
// 1.13: it draws randperm(len(ds)) from g (the default generator if g is
// nil) and cuts the permutation into consecutive pieces. The same seed gives
// the same subsets as PyTorch. It returns an error, and draws nothing, if a
// length is negative or the lengths do not add up to ds.Len().
func RandomSplit(ds Dataset, g *rng.Generator, lengths ...int) ([]*Subset, error) {
	total := 0
	for i, l := range lengths {
		if l < 0 {
			return nil, fmt.Errorf("data: RandomSplit: length %d at index %d is negative", l, i)
		}
		total += l
	}
	if total != ds.Len() {
		return nil, fmt.Errorf("data: RandomSplit: the lengths %v add up to %d, but the dataset has %d examples", lengths, total, ds.Len())
	}
	if g == nil {
		g = rng.Default()
	}
	perm := g.Randperm(total)
	out := make([]*Subset, len(lengths))
	off := 0
	for i, l := range lengths {
		idx := make([]int, l)
		for k := range idx {
			idx[k] = int(perm[off+k])
		}
		out[i] = &Subset{parent: ds, indices: idx}
		off += l
	}
	return out, nil
}

// RandomSplitFractions is [RandomSplit] with the lengths given as fractions
// of ds.Len() that add up to 1, as random_split accepts them in PyTorch
// 1.13: each length is floor(n·fraction), and the examples left over are
// handed out one at a time to the subsets in order (round robin). For
// example 0.8 and 0.2 of 1797 examples give 1438 and 359. It returns an
// error if a fraction is outside [0, 1] or the fractions do not add up to 1
// (within PyTorch's tolerance, math.isclose, and not above 1).
func RandomSplitFractions(ds Dataset, g *rng.Generator, fractions ...float64) ([]*Subset, error) {
	lengths, err := fractionLengths(ds.Len(), fractions)
	if err != nil {
		return nil, err
	}
	return RandomSplit(ds, g, lengths...)
}

// fractionLengths mirrors the fraction branch of random_split in 1.13.
func fractionLengths(n int, fractions []float64) ([]int, error) {
	sum := 0.0
	for _, f := range fractions {
		sum += f
	}
	if !isClose(sum, 1) || sum > 1 {
		return nil, fmt.Errorf("data: RandomSplitFractions: the fractions %v add up to %v, not 1", fractions, sum)
	}
	if len(fractions) == 0 {
		return nil, fmt.Errorf("data: RandomSplitFractions: no fractions")
	}
	lengths := make([]int, len(fractions))
	used := 0
	for i, f := range fractions {
		if !(f >= 0 && f <= 1) {
			return nil, fmt.Errorf("data: RandomSplitFractions: fraction %v at index %d is not between 0 and 1", f, i)
		}
		lengths[i] = int(math.Floor(float64(n) * f))
		used += lengths[i]
	}
	for i := range n - used {
		lengths[i%len(lengths)]++
	}
	return lengths, nil
}

// isClose is Python's math.isclose with its default tolerances.
func isClose(a, b float64) bool {
	if a == b {
		return true
	}
	d := math.Abs(a - b)
	return d <= 1e-9*math.Abs(a) || d <= 1e-9*math.Abs(b)
}
