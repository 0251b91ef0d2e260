//go:build amd64 && !purego

package kernel

// dotsKernel is an assembly matrix-vector kernel: s[q] = Σ_p w[q*ld+p]·x[p]
// for q below its rows, p below blocks times its depth step, each sum
// formed from +0 by fused multiply-adds in increasing p order.
type dotsKernel[T float] func(blocks int, x *T, w *T, ld int, s *T)

// gemvDots32 and gemvDots32AVX2 are the dots hooks (see microKernel.dots)
// of the AVX-512 and AVX2 GEMMs: gemvDots with the 32- and 16-row
// AVX-512 kernels (16 depth steps per block), or the 16- and 8-row AVX2
// ones (8 steps per block).
func gemvDots32(outs, kb int, v, x []float32, xo int, s, buf []float32) int {
	return gemvDots(outs, kb, v, x, xo, s, buf, 16, gemvDots32AVX512, gemvDots16AVX512)
}

func gemvDots32AVX2(outs, kb int, v, x []float32, xo int, s, buf []float32) int {
	return gemvDots(outs, kb, v, x, xo, s, buf, 8, gemvDots16AVX2, gemvDots8AVX2)
}

// gemvDots64 is the dots hook of the AVX-512 float64 GEMM: gemvDots with the 16- and 8-row
// kernels (8 depth steps per block).
func gemvDots64(outs, kb int, v, x []float64, xo int, s, buf []float64) int {
	return gemvDots(outs, kb, v, x, xo, s, buf, 8, gemvDots16F64AVX512, gemvDots8F64AVX512)
}

// gemvDots forms the outs sums s[o] = Σ_p x[o*xo+p]·v[p] over p < kb with
// the kernels two (2·g rows) and one (g rows), g being also their depth
// step: whole groups of rows, read in place (no packing), over the whole
// g-step blocks of the depth, then every sum continued over the last
// kb mod g steps here, each step a correctly rounded fused multiply-add
// (fmaTry, or fmaExact from the same partial sum where it cannot tell).
// Each sum is thus formed from +0 in increasing p order by fused
// multiply-adds, as the packed path forms an element of C, and the
// results are the same bits. A last partial group of rows is formed as
// one more group ending at the last row (which forms some sums twice, the
// same); fewer than g rows are copied with zero rows below into buf (g·kb
// elements), and their sums written to s when it holds g elements (else
// to a temporary). It returns outs, or 0 for a depth below g.
func gemvDots[T float](outs, kb int, v, x []T, xo int, s, buf []T, g int, two, one dotsKernel[T]) int {
	blocks := kb / g
	if blocks == 0 {
		return 0
	}
	_ = v[kb-1]
	_ = s[outs-1]
	if outs < g {
		tmp := s
		if len(s) < g {
			tmp = make([]T, g)
		}
		for q := range outs {
			copy(buf[q*kb:(q+1)*kb], x[q*xo:][:kb])
		}
		clear(buf[outs*kb : g*kb])
		one(blocks, &v[0], &buf[0], kb, &tmp[0])
		copy(s, tmp[:outs])
		gemvTail(outs, kb, g, v, buf, kb, s)
		return outs
	}
	o := 0
	for ; o+2*g <= outs; o += 2 * g {
		_ = x[o*xo+(2*g-1)*xo+kb-1]
		two(blocks, &v[0], &x[o*xo], xo, &s[o])
	}
	if o+g <= outs {
		_ = x[o*xo+(g-1)*xo+kb-1]
		one(blocks, &v[0], &x[o*xo], xo, &s[o])
		o += g
	}
	if o < outs {
		o = outs - g
		_ = x[o*xo+(g-1)*xo+kb-1]
		one(blocks, &v[0], &x[o*xo], xo, &s[o])
	}
	gemvTail(outs, kb, g, v, x, xo, s)
	return outs
}

// gemvTail continues the sums s[o] of gemvDots's kernels, which cover the
// whole g-step blocks of the depth kb, over the last kb mod g steps, each
// a correctly rounded fused multiply-add (fmaTry, or fmaExact from the
// same partial sum where it cannot tell).
func gemvTail[T float](outs, kb, g int, v, x []T, xo int, s []T) {
	full := kb / g * g
	if full == kb {
		return
	}
	vt := v[full:kb]
	for o := range outs {
		r := x[o*xo+full:][:len(vt)]
		s0 := s[o]
		t, good := s0, true
		for p, w := range vt {
			var ok bool
			t, ok = fmaTry(r[p], w, t)
			good = good && ok
		}
		if !good {
			t = s0
			for p, w := range vt {
				t = fmaExact(r[p], w, t)
			}
		}
		s[o] = t
	}
}
