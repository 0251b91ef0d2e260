// Package synth generates the synthetic data sets of the lab: toy
// classification and regression problems whose inputs or targets are not
// centred on zero, so that a model without bias terms cannot fit them.
//
// Every generator draws from an explicit *rng.Generator (nil means the
// default generator) in a documented order, so the same seed gives the same
// data. Where the documentation gives a PyTorch expression, that expression
// with the same torch.Generator seed produces bit-identical data (verified for
// Rain, XOR and Blobs by testdata/gen_synth.py). Arithmetic that is not in
// the form of a PyTorch expression is done in float64 and rounded to float32
// once, so results do not depend on whether the compiler fuses
// multiply-adds.
//
// Classification sets return int64 class labels of shape (N,), for
// cross-entropy (convert with y.Float() for a binary loss); regression sets
// return float32 targets of shape (N, 1).
package synth

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

func gen(g *rng.Generator) *rng.Generator {
	if g == nil {
		return rng.Default()
	}
	return g
}

func checkN(name string, n int) {
	if n < 1 {
		panic(fmt.Sprintf("synth: %s: the number of examples must be positive, got %d", name, n))
	}
}

// Rain returns n examples of a toy weather problem: will it rain? The two
// features are the relative humidity h, uniform in [0, 1), and the air
// pressure anomaly p, (pressure − 1000 hPa) / 50 hPa, uniform in [−1, 1). It
// rains (label 1) when h − 0.3·p > 0.6: above 60 % humidity at 1000 hPa,
// from 30 % at 950 hPa, only above 90 % at 1050 hPa. About 40 % of the
// examples are rainy. The classes are linearly separable, but the boundary
// passes nowhere near the origin: the best line through the origin
// classifies only about 68 % correctly, so a linear classifier needs its
// bias. In PyTorch:
//
//	u = torch.rand(n, 2, generator=g)
//	x = torch.stack([u[:, 0], u[:, 1] * 2 - 1], 1)
//	y = ((x[:, 0] - x[:, 1] * 0.3) > 0.6).long()
func Rain(n int, g *rng.Generator) *data.TensorDataset {
	checkN("Rain", n)
	x := make([]float32, 2*n)
	gen(g).Uniform32(x, 0, 1)
	y := make([]int64, n)
	for i := range n {
		h := x[2*i]
		p := float32(x[2*i+1]*2) - 1
		x[2*i+1] = p
		if h-float32(p*0.3) > 0.6 {
			y[i] = 1
		}
	}
	return data.NewTensorDataset(tensor.FromFloat32(x, n, 2), tensor.FromInt64(y, n))
}

// Linear returns n examples of a linear regression problem with the given
// number of features: y = x·w + offset + noise·ε with x and ε standard
// normal and the true weights w uniform in [−1, 1). The offset moves the
// targets away from zero; a model without bias cannot follow it. It returns
// w too. Draw order: w (Uniform32 over features values), x (Normal32 over
// n·features), ε (Normal32 over n); y is computed in float64 and rounded.
func Linear(n, features int, offset, noise float64, g *rng.Generator) (ds *data.TensorDataset, w []float32) {
	checkN("Linear", n)
	if features < 1 {
		panic(fmt.Sprintf("synth: Linear: the number of features must be positive, got %d", features))
	}
	g = gen(g)
	w = make([]float32, features)
	g.Uniform32(w, -1, 1)
	x := make([]float32, n*features)
	g.Normal32(x, 0, 1)
	eps := make([]float32, n)
	g.Normal32(eps, 0, 1)
	y := make([]float32, n)
	for i := range n {
		s := 0.0
		for j, wj := range w {
			s += float64(x[i*features+j]) * float64(wj)
		}
		y[i] = float32(s + offset + float64(noise*float64(eps[i])))
	}
	return data.NewTensorDataset(tensor.FromFloat32(x, n, features), tensor.FromFloat32(y, n, 1)), w
}

// Nonlinear returns n examples of a one-dimensional non-linear regression
// problem: x uniform in [−3, 3) and y = sin(2x) + x/2 + offset + noise·ε
// with ε standard normal. Without offset the targets average zero over the
// input range; the offset shifts them. Draw order: x (Uniform32 over n), ε
// (Normal32 over n); y is computed in float64 and rounded.
func Nonlinear(n int, offset, noise float64, g *rng.Generator) *data.TensorDataset {
	checkN("Nonlinear", n)
	g = gen(g)
	x := make([]float32, n)
	g.Uniform32(x, -3, 3)
	eps := make([]float32, n)
	g.Normal32(eps, 0, 1)
	y := make([]float32, n)
	for i, v := range x {
		xv := float64(v)
		y[i] = float32(xmath.Sin(2*xv) + xv/2 + offset + float64(noise*float64(eps[i])))
	}
	return data.NewTensorDataset(tensor.FromFloat32(x, n, 1), tensor.FromFloat32(y, n, 1))
}

// XOR returns n examples of the XOR problem: two bits a and b, each 0 or 1
// with probability 1/2, observed as the point (a, b) plus Gaussian noise of
// standard deviation noise, with label a XOR b. The four clusters sit at the
// corners of the unit square, not around the origin. In PyTorch:
//
//	bits = torch.rand(n, 2, generator=g) < 0.5
//	x = bits.float() + torch.randn(n, 2, generator=g) * noise
//	y = (bits[:, 0] ^ bits[:, 1]).long()
func XOR(n int, noise float64, g *rng.Generator) *data.TensorDataset {
	checkN("XOR", n)
	g = gen(g)
	u := make([]float32, 2*n)
	g.Uniform32(u, 0, 1)
	x := make([]float32, 2*n)
	g.Normal32(x, 0, 1)
	s := float32(noise)
	y := make([]int64, n)
	for i := range n {
		var a, b int64
		if u[2*i] < 0.5 {
			a = 1
		}
		if u[2*i+1] < 0.5 {
			b = 1
		}
		x[2*i] = float32(x[2*i]*s) + float32(a)
		x[2*i+1] = float32(x[2*i+1]*s) + float32(b)
		y[i] = a ^ b
	}
	return data.NewTensorDataset(tensor.FromFloat32(x, n, 2), tensor.FromInt64(y, n))
}

// Spirals returns n examples of two interleaved spirals of 1.5 turns each:
// example i belongs to class i mod 2 and lies at (t cos θ, t sin θ) plus
// Gaussian noise of standard deviation noise, with t uniform in [0, 1) and
// θ = 3π·t + π·class. Draw order: t (Uniform32 over n), noise (Normal32
// over 2n); points are computed in float64 and rounded.
func Spirals(n int, noise float64, g *rng.Generator) *data.TensorDataset {
	checkN("Spirals", n)
	g = gen(g)
	t := make([]float32, n)
	g.Uniform32(t, 0, 1)
	x := make([]float32, 2*n)
	g.Normal32(x, 0, 1)
	y := make([]int64, n)
	for i, tv := range t {
		c := int64(i % 2)
		r := float64(tv)
		th := float64(3*math.Pi*r) + float64(math.Pi*float64(c))
		x[2*i] = float32(float64(r*xmath.Cos(th)) + float64(noise*float64(x[2*i])))
		x[2*i+1] = float32(float64(r*xmath.Sin(th)) + float64(noise*float64(x[2*i+1])))
		y[i] = c
	}
	return data.NewTensorDataset(tensor.FromFloat32(x, n, 2), tensor.FromInt64(y, n))
}

// Blobs returns n examples of k Gaussian clusters in the given number of
// dimensions, like scikit-learn's make_blobs: the centres are uniform in
// [−10, 10) per coordinate, example i belongs to class i mod k and is its
// centre plus Gaussian noise of standard deviation spread. In PyTorch:
//
//	centers = torch.empty(k, features).uniform_(-10, 10, generator=g)
//	y = torch.arange(n) % k
//	x = centers[y] + torch.randn(n, features, generator=g) * spread
func Blobs(n, k, features int, spread float64, g *rng.Generator) *data.TensorDataset {
	checkN("Blobs", n)
	if k < 1 || features < 1 {
		panic(fmt.Sprintf("synth: Blobs: need at least one class and one feature, got k=%d, features=%d", k, features))
	}
	g = gen(g)
	centers := make([]float32, k*features)
	g.Uniform32(centers, -10, 10)
	x := make([]float32, n*features)
	g.Normal32(x, 0, 1)
	s := float32(spread)
	y := make([]int64, n)
	for i := range n {
		c := i % k
		y[i] = int64(c)
		for j := range features {
			x[i*features+j] = centers[c*features+j] + float32(x[i*features+j]*s)
		}
	}
	return data.NewTensorDataset(tensor.FromFloat32(x, n, features), tensor.FromInt64(y, n))
}
