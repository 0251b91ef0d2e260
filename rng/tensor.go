package rng

import (
	"fmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"sort"

	"github.com/intercept-ml/intercept/tensor"
)

// This file holds the tensor-level API: torch.rand, torch.randn,
// torch.randperm and the in-place fills uniform_, normal_ and bernoulli_.
// Package-level functions draw from the default generator (torch's global
// one); the methods of the same name take an explicit generator.

// Rand returns a float32 tensor of the given shape filled with uniform
// values in [0, 1) from the default generator, like torch.rand.
func Rand(shape ...int) *tensor.Tensor { return defaultGen.Rand(shape...) }

// Randn returns a float32 tensor of the given shape filled with standard
// normal values from the default generator, like torch.randn.
func Randn(shape ...int) *tensor.Tensor { return defaultGen.Randn(shape...) }

// RandOf is Rand with an element type (Float32 or Float64).
func RandOf(dt tensor.DType, shape ...int) *tensor.Tensor { return defaultGen.RandOf(dt, shape...) }

// RandnOf is Randn with an element type (Float32 or Float64).
func RandnOf(dt tensor.DType, shape ...int) *tensor.Tensor { return defaultGen.RandnOf(dt, shape...) }

// RandpermTensor returns a random permutation of 0..n-1 as an int64 tensor
// from the default generator, like torch.randperm.
func RandpermTensor(n int) *tensor.Tensor { return defaultGen.RandpermTensor(n) }

// Uniform fills t in place with values drawn uniformly from [from, to)
// using the default generator, like t.uniform_(from, to).
func Uniform(t *tensor.Tensor, from, to float64) *tensor.Tensor {
	return defaultGen.Uniform(t, from, to)
}

// Normal fills t in place with normal values of the given mean and standard
// deviation using the default generator, like t.normal_(mean, std).
func Normal(t *tensor.Tensor, mean, std float64) *tensor.Tensor {
	return defaultGen.Normal(t, mean, std)
}

// Bernoulli fills t in place with 1 with probability p and 0 otherwise,
// using the default generator, like t.bernoulli_(p) on a build without MKL.
func Bernoulli(t *tensor.Tensor, p float64) *tensor.Tensor {
	return defaultGen.Bernoulli(t, p)
}

// Rand is the package-level Rand drawing from g.
func (g *Generator) Rand(shape ...int) *tensor.Tensor { return g.RandOf(tensor.Float32, shape...) }

// Randn is the package-level Randn drawing from g.
func (g *Generator) Randn(shape ...int) *tensor.Tensor { return g.RandnOf(tensor.Float32, shape...) }

// RandOf is the package-level RandOf drawing from g.
func (g *Generator) RandOf(dt tensor.DType, shape ...int) *tensor.Tensor {
	return g.Uniform(floatTensor("rand", dt, shape), 0, 1)
}

// RandnOf is the package-level RandnOf drawing from g.
func (g *Generator) RandnOf(dt tensor.DType, shape ...int) *tensor.Tensor {
	return g.Normal(floatTensor("randn", dt, shape), 0, 1)
}

// RandpermTensor is the package-level RandpermTensor drawing from g.
func (g *Generator) RandpermTensor(n int) *tensor.Tensor {
	return tensor.FromInt64(g.Randperm(n))
}

func floatTensor(op string, dt tensor.DType, shape []int) *tensor.Tensor {
	if !dt.IsFloat() {
		panic(fmt.Sprintf("rng: %s: \"%s\" not implemented for %v", op, op, dt))
	}
	return tensor.ZerosOf(dt, shape...)
}

// memoryOrder returns a view of t whose row-major order is the order of
// its elements in memory (dimensions sorted by decreasing stride), which is
// the order in which PyTorch's TensorIterator fills a non-contiguous tensor.
func memoryOrder(t *tensor.Tensor) *tensor.Tensor {
	st := t.Strides()
	perm := make([]int, len(st))
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(a, b int) bool { return st[perm[a]] > st[perm[b]] })
	return t.Detach().Permute(perm...)
}

// fill writes values produced by draw32/draw64 into t: directly into the
// storage when t is contiguous, otherwise through a temporary, in memory
// order as PyTorch does. Like torch.nn.init, it does not record anything
// for autograd.
func fill(t *tensor.Tensor, op string, draw32 func([]float32), draw64 func([]float64)) *tensor.Tensor {
	orig := t
	if !t.IsContiguous() {
		t = memoryOrder(t)
	}
	switch t.DType() {
	case tensor.Float32:
		if t.IsContiguous() {
			draw32(tensorinternal.Writable32(t))
			return orig
		}
		tmp := make([]float32, t.Numel())
		draw32(tmp)
		tensor.NoGrad(func() { t.CopyFrom(tensor.FromFloat32(tmp, t.Shape()...)) })
	case tensor.Float64:
		if t.IsContiguous() {
			draw64(tensorinternal.Writable64(t))
			return orig
		}
		tmp := make([]float64, t.Numel())
		draw64(tmp)
		tensor.NoGrad(func() { t.CopyFrom(tensor.FromFloat64(tmp, t.Shape()...)) })
	default:
		panic(fmt.Sprintf("rng: %s: not implemented for %v tensors", op, t.DType()))
	}
	return orig
}

// Uniform fills t in place from g; see the package-level Uniform.
func (g *Generator) Uniform(t *tensor.Tensor, from, to float64) *tensor.Tensor {
	return fill(t, "uniform_",
		func(d []float32) { g.Uniform32(d, from, to) },
		func(d []float64) { g.Uniform64(d, from, to) })
}

// Normal fills t in place from g; see the package-level Normal. The
// sampling path follows PyTorch: the vectorized fill for contiguous tensors
// of at least 16 elements, the per-element Box–Muller path (with its cached
// value) for smaller or non-contiguous ones.
func (g *Generator) Normal(t *tensor.Tensor, mean, std float64) *tensor.Tensor {
	if t.IsContiguous() {
		return fill(t, "normal_",
			func(d []float32) { g.Normal32(d, mean, std) },
			func(d []float64) { g.Normal64(d, mean, std) })
	}
	return fill(t, "normal_",
		func(d []float32) { g.NormalScalar32(d, mean, std) },
		func(d []float64) { g.NormalScalar64(d, mean, std) })
}

// Bernoulli fills t in place from g; see the package-level Bernoulli.
func (g *Generator) Bernoulli(t *tensor.Tensor, p float64) *tensor.Tensor {
	return fill(t, "bernoulli_",
		func(d []float32) { g.Bernoulli32(d, p) },
		func(d []float64) { g.Bernoulli64(d, p) })
}
