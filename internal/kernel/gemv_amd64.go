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
func gemvDots32(outs, kb int, v, x []float32, xo int, s []float32) int {
	blocks := kb / 16
	if blocks == 0 || outs < 16 {
		return 0
	}
	done := outs &^ 15
	_ = v[kb-1]
	_ = s[done-1]
	o := 0
	for ; o+32 <= done; o += 32 {
		_ = x[o*xo+31*xo+kb-1]
		gemvDots32AVX512(blocks, &v[0], &x[o*xo], xo, &s[o])
	}
	if o < done {
		_ = x[o*xo+15*xo+kb-1]
		gemvDots16AVX512(blocks, &v[0], &x[o*xo], xo, &s[o])
	}
	if full := blocks * 16; full < kb {
		vt := v[full:kb]
		for o := range done {
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
	return done
}
