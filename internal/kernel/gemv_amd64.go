//go:build amd64 && !purego

package kernel

// gemvDots32 is the dots hook of the AVX-512 GEMMs' matrix-vector path
// (see microKernel.dots): it forms the sums of whole groups of 16 outputs,
// 32 at a time where it can, with gemvDots32AVX512 and gemvDots16AVX512
// over the whole 16-step blocks of the depth, reading each output's row
// of x in place (no packing), and continues every sum over the last
// kb mod 16 steps here, each a correctly rounded fused multiply-add (fmaTry,
// or fmaExact from the same partial sum where it cannot tell). Each sum is
// thus formed from +0 in increasing p order by fused multiply-adds, as the
// packed path forms an element of C, and the results are the same bits.
func gemvDots32(outs, kb int, v, x []float32, xo int, s, buf []float32) int {
	blocks := kb / 16
	if blocks == 0 {
		return 0
	}
	_ = v[kb-1]
	_ = s[outs-1]
	if outs < 16 {
		// Too few rows for a group: copy them, with zero rows below,
		// into buf (16 rows of kb), and form all 16 sums there.
		var tmp [16]float32
		for q := range outs {
			copy(buf[q*kb:(q+1)*kb], x[q*xo:][:kb])
		}
		clear(buf[outs*kb : 16*kb])
		gemvDots16AVX512(blocks, &v[0], &buf[0], kb, &tmp[0])
		copy(s, tmp[:outs])
		gemvTail(outs, kb, v, buf, kb, s)
		return outs
	}
	o := 0
	for ; o+32 <= outs; o += 32 {
		_ = x[o*xo+31*xo+kb-1]
		gemvDots32AVX512(blocks, &v[0], &x[o*xo], xo, &s[o])
	}
	if o+16 <= outs {
		_ = x[o*xo+15*xo+kb-1]
		gemvDots16AVX512(blocks, &v[0], &x[o*xo], xo, &s[o])
		o += 16
	}
	if o < outs {
		// The last rows as one more group of 16 ending at the last
		// output, overlapping the previous one (whose sums it forms
		// again, the same).
		o = outs - 16
		_ = x[o*xo+15*xo+kb-1]
		gemvDots16AVX512(blocks, &v[0], &x[o*xo], xo, &s[o])
	}
	gemvTail(outs, kb, v, x, xo, s)
	return outs
}

// gemvTail continues the sums s[o] of gemvDots32's kernels, which cover
// the whole 16-step blocks of the depth kb, over the last kb mod 16 steps,
// each a correctly rounded fused multiply-add (fmaTry, or fmaExact from
// the same partial sum where it cannot tell).
func gemvTail(outs, kb int, v, x []float32, xo int, s []float32) {
	full := kb &^ 15
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
