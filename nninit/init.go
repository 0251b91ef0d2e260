package nninit

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/tensor"
)

// Uniform fills t with values drawn from the uniform distribution on
// [a, b), like torch.nn.init.uniform_(t, a, b) (PyTorch's defaults are
// a = 0, b = 1). a and b are rounded to t's type, and each element is
// fma(u, b−a, a) for one uniform draw u, in memory order. It panics unless
// a <= b and t is a float32 or float64 tensor. Option: WithGenerator.
func Uniform(t *tensor.Tensor, a, b float64, opts ...DrawOption) *tensor.Tensor {
	c := drawConfig(opts)
	uniform(t, "Uniform", a, b, c)
	return t
}

func uniform(t *tensor.Tensor, fn string, a, b float64, c *config) {
	requireFloat(t, fn)
	if !(a <= b) {
		panic(fmt.Sprintf("nninit: %s: uniform_ expects to return a [from, to) range, but found from=%v > to=%v", fn, a, b))
	}
	c.gen.Uniform(t, a, b)
}

// Normal fills t with values drawn from the normal distribution with the
// given mean and standard deviation, like torch.nn.init.normal_(t, mean,
// std) (PyTorch's defaults are mean = 0, std = 1). The sampling path is
// PyTorch's: the vectorized Box–Muller fill for contiguous tensors of at
// least 16 elements, the per-element path with its cached second value for
// smaller or non-contiguous tensors (see package rng). It panics if std < 0
// or t is not a float32 or float64 tensor. Option: WithGenerator.
func Normal(t *tensor.Tensor, mean, std float64, opts ...DrawOption) *tensor.Tensor {
	c := drawConfig(opts)
	normal(t, "Normal", mean, std, c)
	return t
}

func normal(t *tensor.Tensor, fn string, mean, std float64, c *config) {
	requireFloat(t, fn)
	if !(std >= 0) {
		panic(fmt.Sprintf("nninit: %s: normal expects std >= 0.0, but found std %v", fn, std))
	}
	c.gen.Normal(t, mean, std)
}

// Constant fills t with v (converted to t's type), like
// torch.nn.init.constant_. It draws no random numbers.
func Constant(t *tensor.Tensor, v float64) *tensor.Tensor {
	tensor.NoGrad(func() { t.Fill(v) })
	return t
}

// Ones fills t with ones, like torch.nn.init.ones_.
func Ones(t *tensor.Tensor) *tensor.Tensor { return Constant(t, 1) }

// Zeros fills t with zeros, like torch.nn.init.zeros_.
func Zeros(t *tensor.Tensor) *tensor.Tensor {
	tensor.NoGrad(func() { t.Zero() })
	return t
}

// Eye fills the matrix t with the identity matrix: ones on the main
// diagonal, zeros elsewhere, also when t is not square, like
// torch.nn.init.eye_. In a Linear layer it preserves as many inputs as
// possible. It panics unless t has exactly 2 dimensions.
func Eye(t *tensor.Tensor) *tensor.Tensor {
	if t.Dim() != 2 {
		panic(fmt.Sprintf("nninit: Eye: Only tensors with 2 dimensions are supported (got %d dimensions, shape %v)", t.Dim(), t.Shape()))
	}
	n := min(t.Size(0), t.Size(1))
	tensor.NoGrad(func() {
		t.Zero()
		for i := range n {
			t.Set(1, i, i)
		}
	})
	return t
}

// Dirac fills the 3-, 4- or 5-dimensional convolution weight t (out,
// in/groups, k…) with the Dirac delta, like torch.nn.init.dirac_(t, groups):
// zeros, except weight[g·out/groups + d, d, centre…] = 1 for every group g
// and d < min(out/groups, size(1)), where centre is size//2 in each spatial
// dimension. A convolution with this weight preserves as many input channels
// as possible (per group). It panics if t does not have 3, 4 or 5
// dimensions, if groups < 1 or if groups does not divide size(0).
func Dirac(t *tensor.Tensor, groups int) *tensor.Tensor {
	dims := t.Dim()
	if dims < 3 || dims > 5 {
		panic(fmt.Sprintf("nninit: Dirac: Only tensors with 3, 4, or 5 dimensions are supported (got %d dimensions, shape %v)", dims, t.Shape()))
	}
	if groups < 1 {
		panic(fmt.Sprintf("nninit: Dirac: groups must be positive (got %d)", groups))
	}
	shape := t.Shape()
	if shape[0]%groups != 0 {
		panic(fmt.Sprintf("nninit: Dirac: dim 0 must be divisible by groups (dim 0 is %d, groups is %d)", shape[0], groups))
	}
	perGroup := shape[0] / groups
	minDim := min(perGroup, shape[1])
	idx := make([]int, dims)
	for k := 2; k < dims; k++ {
		idx[k] = shape[k] / 2
	}
	tensor.NoGrad(func() {
		t.Zero()
		for g := range groups {
			for d := range minDim {
				idx[0], idx[1] = g*perGroup+d, d
				t.Set(1, idx...)
			}
		}
	})
	return t
}

// XavierUniform fills t with values drawn from U(−a, a) with
// a = gain·√(6 / (fanIn + fanOut)) (see FanInOut), like
// torch.nn.init.xavier_uniform_ (Glorot & Bengio, 2010). The bound is
// computed as PyTorch does, std = gain·sqrt(2/(fanIn+fanOut)), a = sqrt(3)·std,
// in float64. Options: Gain (default 1), WithGenerator. It panics if t has
// fewer than 2 dimensions or fanIn + fanOut is 0.
func XavierUniform(t *tensor.Tensor, opts ...XavierOption) *tensor.Tensor {
	c := xavierConfig(opts)
	a := math.Sqrt(3.0) * xavierStd(t, "XavierUniform", c.gain)
	uniform(t, "XavierUniform", -a, a, c)
	return t
}

// XavierNormal fills t with values drawn from N(0, std²) with
// std = gain·√(2 / (fanIn + fanOut)) (see FanInOut), like
// torch.nn.init.xavier_normal_ (Glorot & Bengio, 2010). Options: Gain
// (default 1), WithGenerator. It panics if t has fewer than 2 dimensions or
// fanIn + fanOut is 0.
func XavierNormal(t *tensor.Tensor, opts ...XavierOption) *tensor.Tensor {
	c := xavierConfig(opts)
	normal(t, "XavierNormal", 0, xavierStd(t, "XavierNormal", c.gain), c)
	return t
}

func xavierStd(t *tensor.Tensor, fn string, gain float64) float64 {
	fanIn, fanOut := FanInOut(t)
	if fanIn+fanOut == 0 {
		// Python raises ZeroDivisionError here.
		panic(fmt.Sprintf("nninit: %s: float division by zero (fan_in + fan_out is 0 for shape %v)", fn, t.Shape()))
	}
	return gain * math.Sqrt(2.0/float64(fanIn+fanOut))
}

// KaimingUniform fills t with values drawn from U(−bound, bound) with
// bound = gain·√(3 / fan), like torch.nn.init.kaiming_uniform_ (He et al.,
// 2015), where fan is t's fan-in or fan-out (see FanInOut and Mode) and gain
// is CalculateGain(nonlinearity, a). As in PyTorch, std = gain/sqrt(fan) and
// bound = sqrt(3)·std are computed in float64.
//
// Options (KaimingOption) and PyTorch's defaults: A (0), FanIn or FanOut
// (FanIn), a Nonlinearity constant (LeakyReLU, so the default gain is √2),
// WithGenerator. A tensor with a zero-length dimension is left unchanged
// (PyTorch warns and does nothing). It panics if t has fewer than 2
// dimensions or the nonlinearity is not one of the constants.
//
// PyTorch's default initialization of Linear and Conv weights is
// KaimingUniform(w, A(math.Sqrt(5))).
func KaimingUniform(t *tensor.Tensor, opts ...KaimingOption) *tensor.Tensor {
	c := kaimingConfig(opts)
	std, ok := kaimingStd(t, c)
	if ok {
		bound := math.Sqrt(3.0) * std
		uniform(t, "KaimingUniform", -bound, bound, c)
	}
	return t
}

// KaimingNormal fills t with values drawn from N(0, std²) with
// std = gain/√fan, like torch.nn.init.kaiming_normal_ (He et al., 2015); fan
// and gain as for KaimingUniform, which also lists the options.
func KaimingNormal(t *tensor.Tensor, opts ...KaimingOption) *tensor.Tensor {
	c := kaimingConfig(opts)
	if std, ok := kaimingStd(t, c); ok {
		normal(t, "KaimingNormal", 0, std, c)
	}
	return t
}

// kaimingStd returns gain/sqrt(fan), or ok = false for a tensor with a
// zero-length dimension, which PyTorch leaves untouched.
func kaimingStd(t *tensor.Tensor, c *config) (std float64, ok bool) {
	for _, s := range t.Shape() {
		if s == 0 {
			return 0, false
		}
	}
	f := fan(t, c.mode)
	return CalculateGain(c.nonlinearity, c.a) / math.Sqrt(float64(f)), true
}

// Sparse fills the matrix t (rows, cols) as a sparse matrix, like
// torch.nn.init.sparse_(t, sparsity, std) (Martens, 2010; PyTorch's default
// std is 0.01): first every element is drawn from N(0, std²) (one normal
// fill of the whole tensor), then, for each column in order, a random
// permutation of the rows is drawn and the first ⌈sparsity·rows⌉ rows it
// lists are set to zero in that column. The permutation is drawn for every
// column even when nothing is zeroed. The count follows Python's slicing, as
// in PyTorch: more than rows zeroes the whole column, and a negative count
// −k zeroes all but k rows. Option: WithGenerator. It panics unless t has
// exactly 2 dimensions, sparsity is finite and std >= 0.
func Sparse(t *tensor.Tensor, sparsity, std float64, opts ...DrawOption) *tensor.Tensor {
	c := drawConfig(opts)
	if t.Dim() != 2 {
		panic(fmt.Sprintf("nninit: Sparse: Only tensors with 2 dimensions are supported (got %d dimensions, shape %v)", t.Dim(), t.Shape()))
	}
	if math.IsNaN(sparsity) || math.IsInf(sparsity, 0) {
		panic(fmt.Sprintf("nninit: Sparse: sparsity must be finite (got %v)", sparsity))
	}
	rows, cols := t.Size(0), t.Size(1)
	zeros := math.Ceil(sparsity * float64(rows))
	var nz int
	switch {
	case zeros >= float64(rows):
		nz = rows
	case zeros <= -float64(rows):
		nz = 0
	case zeros < 0:
		nz = rows + int(zeros) // Python's perm[:-k]
	default:
		nz = int(zeros)
	}
	normal(t, "Sparse", 0, std, c)
	tensor.NoGrad(func() {
		for col := range cols {
			perm := c.gen.Randperm(rows)
			for _, r := range perm[:nz] {
				t.Set(0, int(r), col)
			}
		}
	})
	return t
}
