package rng

import (
	"math"

	"github.com/intercept-ml/intercept/internal/fp"
)

// unif64 draws one float64 uniform in [0, 1): the low 53 bits of one
// 64-bit draw times 2^-53 (exact).
func (g *Generator) unif64() float64 {
	return float64(g.next64()&(1<<53-1)) * (1.0 / (1 << 53))
}

// fillUnif32 fills dst with float32 uniforms in [0, 1), one output each:
// the low 24 bits times 2^-24 (exact).
func (g *Generator) fillUnif32(dst []float32) {
	for len(dst) > 0 {
		if g.left == 0 {
			g.twist()
		}
		i0 := mtN - g.left
		n := min(g.left, len(dst))
		for i, y := range g.state[i0 : i0+n] {
			dst[i] = float32(temper(y)&(1<<24-1)) * (1.0 / (1 << 24))
		}
		g.left -= n
		dst = dst[n:]
	}
}

// unifChunk is the number of float64 uniforms drawn per fillRaw call.
const unifChunk = 128

// fillUnif64 fills dst with float64 uniforms in [0, 1), as len(dst) calls
// of unif64 would.
func (g *Generator) fillUnif64(dst []float64) {
	var raw [2 * unifChunk]uint32
	for len(dst) > 0 {
		n := min(len(dst), unifChunk)
		g.fillRaw(raw[:2*n])
		for i := range dst[:n] {
			v := uint64(raw[2*i])<<32 | uint64(raw[2*i+1])
			dst[i] = float64(v&(1<<53-1)) * (1.0 / (1 << 53))
		}
		dst = dst[n:]
	}
}

// Uniform32 fills dst like Tensor.uniform_(from, to) on a contiguous float32
// tensor (torch.rand for from = 0, to = 1), one draw per element in order.
// from and to are first rounded to float32, w = to - from is computed in
// float32, and each element is fma(u, w, from) with a single rounding, as on
// PyTorch's AVX2 build. It panics unless from <= to.
func (g *Generator) Uniform32(dst []float32, from, to float64) {
	if !(from <= to) {
		panic("rng: Uniform32: from must not exceed to")
	}
	a := float32(from)
	w := float32(to) - a
	g.lock()
	defer g.unlock()
	g.fillUnif32(dst)
	if a == 0 && w == 1 {
		return // fma(u, 1, 0) = u
	}
	for i, u := range dst {
		v, ok := fp.FMA32Try(u, w, a)
		if !ok {
			v = fp.FMA32(u, w, a)
		}
		dst[i] = v
	}
}

// Uniform64 fills dst like Tensor.uniform_(from, to) on a contiguous float64
// tensor (torch.rand for from = 0, to = 1), one 64-bit draw per element in
// order; each element is fma(u, to - from, from) with a single rounding.
// It panics unless from <= to.
func (g *Generator) Uniform64(dst []float64, from, to float64) {
	if !(from <= to) {
		panic("rng: Uniform64: from must not exceed to")
	}
	w := to - from
	g.lock()
	defer g.unlock()
	g.fillUnif64(dst)
	for i, u := range dst {
		dst[i] = math.FMA(u, w, from)
	}
}

// Bernoulli32 fills dst like Tensor.bernoulli_(p) on a contiguous float32
// tensor of a PyTorch build without MKL: per element in order, one float64
// uniform u (as in Uniform64), and 1 if u < p, else 0. (MKL builds, such as
// the official wheels, use a different, thread-dependent stream.)
// It panics unless 0 <= p <= 1.
func (g *Generator) Bernoulli32(dst []float32, p float64) {
	checkProb(p)
	g.lock()
	defer g.unlock()
	var u [unifChunk]float64
	for len(dst) > 0 {
		n := min(len(dst), unifChunk)
		g.fillUnif64(u[:n])
		for i, v := range u[:n] {
			dst[i] = 0
			if v < p {
				dst[i] = 1
			}
		}
		dst = dst[n:]
	}
}

// Bernoulli64 is Bernoulli32 for a float64 tensor; the draws are the same.
func (g *Generator) Bernoulli64(dst []float64, p float64) {
	checkProb(p)
	g.lock()
	defer g.unlock()
	g.fillUnif64(dst)
	for i, v := range dst {
		dst[i] = 0
		if v < p {
			dst[i] = 1
		}
	}
}

func checkProb(p float64) {
	if !(p >= 0 && p <= 1) {
		panic("rng: Bernoulli: p must be in [0, 1]")
	}
}
