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
	g.BernoulliScaled32(dst, p, 1)
}

// BernoulliScaled32 fills dst with the draws of Bernoulli32(dst, p) times
// scale: scale where the draw is 1 and 0 where it is 0 (a dropout mask
// divided by the keep probability, in one pass). scale must be finite.
// It panics unless 0 <= p <= 1.
func (g *Generator) BernoulliScaled32(dst []float32, p float64, scale float32) {
	checkProb(p)
	g.lock()
	defer g.unlock()
	t := bernoulliThreshold(p)
	th := t >> 32
	one := math.Float32bits(scale)
	for len(dst) > 0 {
		if g.left <= 1 {
			dst[0] = math.Float32frombits(one & keepMask32(g.next53(), t))
			dst = dst[1:]
			continue
		}
		i0 := mtN - g.left
		n := min(g.left/2, len(dst))
		s := g.state[i0 : i0+2*n]
		d := dst[:n]
		for i := range d {
			h := uint64(temper(s[2*i]) & (1<<21 - 1))
			b := (h - th) >> 63
			if h == th {
				b = keepBitFull(s[2*i], s[2*i+1], t)
			}
			d[i] = math.Float32frombits(one & -uint32(b))
		}
		g.left -= 2 * n
		dst = dst[n:]
	}
}

// BernoulliBits draws n elements as Bernoulli32 does and stores them as
// bits: bit i%64 of dst[i/64] is the i-th draw. Bits from n on in the last
// word are zero; dst must hold at least (n+63)/64 words.
// It panics unless 0 <= p <= 1.
func (g *Generator) BernoulliBits(dst []uint64, n int, p float64) {
	checkProb(p)
	dst = dst[:(n+63)/64]
	g.lock()
	defer g.unlock()
	if g.prefetch != nil && g.takePrefetched(dst, n, p) {
		return
	}
	t := bernoulliThreshold(p)
	th := t >> 32
	var w uint64 // the bits of word i/64 drawn so far
	for i := 0; i < n; {
		if g.left <= 1 {
			w |= keepMask64(g.next53(), t) >> 63 << (i & 63)
			i++
			if i&63 == 0 || i == n {
				dst[(i-1)>>6] = w
				w = 0
			}
			continue
		}
		i0 := mtN - g.left
		c := min(g.left/2, n-i)
		s := g.state[i0 : i0+2*c]
		for j := 0; j < c; j++ {
			k := i + j
			h := uint64(temper(s[2*j]) & (1<<21 - 1))
			b := (h - th) >> 63
			if h == th {
				b = keepBitFull(s[2*j], s[2*j+1], t)
			}
			w |= b << (k & 63)
			if k&63 == 63 {
				dst[k>>6] = w
				w = 0
			}
		}
		g.left -= 2 * c
		i += c
		if i == n && i&63 != 0 {
			dst[i>>6] = w
		}
	}
}

// Bernoulli64 is Bernoulli32 for a float64 tensor; the draws are the same.
func (g *Generator) Bernoulli64(dst []float64, p float64) {
	g.BernoulliScaled64(dst, p, 1)
}

// BernoulliScaled64 is BernoulliScaled32 for a float64 tensor; the draws
// are the same.
func (g *Generator) BernoulliScaled64(dst []float64, p float64, scale float64) {
	checkProb(p)
	g.lock()
	defer g.unlock()
	t := bernoulliThreshold(p)
	th := t >> 32
	one := math.Float64bits(scale)
	for len(dst) > 0 {
		if g.left <= 1 {
			dst[0] = math.Float64frombits(one & keepMask64(g.next53(), t))
			dst = dst[1:]
			continue
		}
		i0 := mtN - g.left
		n := min(g.left/2, len(dst))
		s := g.state[i0 : i0+2*n]
		d := dst[:n]
		for i := range d {
			h := uint64(temper(s[2*i]) & (1<<21 - 1))
			b := (h - th) >> 63
			if h == th {
				b = keepBitFull(s[2*i], s[2*i+1], t)
			}
			d[i] = math.Float64frombits(one & -b)
		}
		g.left -= 2 * n
		dst = dst[n:]
	}
}

// bernoulliThreshold returns the t for which a uniform u = m·2^-53 (m the
// 53-bit integer of one 64-bit draw, as in unif64) is below p exactly when
// m < t: p·2^53 is exact, so u < p ⟺ m < p·2^53 ⟺ m < ⌈p·2^53⌉.
func bernoulliThreshold(p float64) uint64 {
	return uint64(math.Ceil(p * (1 << 53)))
}

// next53 returns the 53-bit integer of the next 64-bit draw, unif64's
// numerator.
func (g *Generator) next53() uint64 { return g.next64() & (1<<53 - 1) }

// draw53 is next53 from two untempered state words, the first the high one.
func draw53(hi, lo uint32) uint64 {
	return uint64(temper(hi)&(1<<21-1))<<32 | uint64(temper(lo))
}

// keepBitFull is 1 if draw53(hi, lo) < t and 0 otherwise. The Bernoulli
// loops decide m = draw53(hi, lo) < t from the high 21 bits h of m alone
// unless they equal those of t (th = t>>32; h, th <= 2^21, so h − th wraps
// exactly when h < th); only then do they call keepBitFull, which tempers
// lo too (one draw in 2^21 on average).
//
//go:noinline
func keepBitFull(hi, lo uint32, t uint64) uint64 { return keepMask64(draw53(hi, lo), t) & 1 }

// keepMask32 is all ones if m < t and zero otherwise, without a branch
// (m, t <= 2^53, so m - t wraps to a negative number exactly when m < t).
func keepMask32(m, t uint64) uint32 { return uint32(int64(m-t) >> 63) }

// keepMask64 is keepMask32 in 64 bits.
func keepMask64(m, t uint64) uint64 { return uint64(int64(m-t) >> 63) }

func checkProb(p float64) {
	if !(p >= 0 && p <= 1) {
		panic("rng: Bernoulli: p must be in [0, 1]")
	}
}
