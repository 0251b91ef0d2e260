package kernel

// Packing copies a kb×width block of a matrix X (kb depth steps by width
// rows of A or columns of B) into micro-panels of r lanes: panel t holds
// X[p][t*r+q] at offset p*r+q, panels are panelStride(r, kp) apart, and
// each panel is zero-padded to r lanes and kp steps. "rows" packers read X
// stored as X[p][q] = x[p*ld+q] (lanes contiguous); "cols" packers read
// X[p][q] = x[q*ld+p] (depth contiguous). The zero padding only ever meets
// other padding or is discarded, so it never reaches C.

// panelPad is added to the stride between packed micro-panels so that
// successive panels do not map to the same cache sets (r*kp*size is often
// a power of two).
const panelPad = 16

// panelStride is the distance between consecutive packed micro-panels of r
// lanes over kp steps.
func panelStride(r, kp int) int { return r*kp + panelPad }

// packFunc packs a kb×width block (see above) with kp ≥ kb.
type packFunc[T float] func(dst, x []T, ld, kb, width, kp int)

// packer holds the two packing routines for one panel width.
type packer[T float] struct {
	rows, cols packFunc[T]
}

// newPacker returns packers for r-lane panels, specialised for r = 2, 4,
// 6 and 16.
func newPacker[T float](r int) packer[T] {
	switch r {
	case 2:
		return packer[T]{packRows2[T], packCols2[T]}
	case 4:
		return packer[T]{packRows4[T], packCols4[T]}
	case 6:
		return packer[T]{packRows6[T], packColsR[T](6)}
	case 16:
		return packer[T]{packRows16[T], packColsR[T](16)}
	}
	return packer[T]{
		func(dst, x []T, ld, kb, width, kp int) { packRowsAny(dst, x, ld, kb, width, r, kp, 0) },
		func(dst, x []T, ld, kb, width, kp int) { packColsAny(dst, x, ld, kb, width, r, kp, 0) },
	}
}

// padPanels zero-fills the padding of panels t0 onwards: the depth steps
// kb..kp of every panel and the whole of a final partial panel.
func padPanels[T float](dst []T, kb, width, r, kp, t0 int) {
	stride := panelStride(r, kp)
	panels := (width + r - 1) / r
	for t := t0; t < panels; t++ {
		d := dst[t*stride:][:r*kp]
		if (t+1)*r > width {
			clear(d)
		} else if kb < kp {
			clear(d[r*kb:])
		}
	}
}

// packRowsAny is the general rows packer, starting at panel t0.
func packRowsAny[T float](dst, x []T, ld, kb, width, r, kp, t0 int) {
	padPanels(dst, kb, width, r, kp, t0)
	stride := panelStride(r, kp)
	for q := t0 * r; q < width; q++ {
		d := dst[q/r*stride+q%r:]
		for p := range kb {
			d[p*r] = x[p*ld+q]
		}
	}
}

// packColsAny is the general cols packer, starting at panel t0.
func packColsAny[T float](dst, x []T, ld, kb, width, r, kp, t0 int) {
	padPanels(dst, kb, width, r, kp, t0)
	stride := panelStride(r, kp)
	for q := t0 * r; q < width; q++ {
		src := x[q*ld:][:kb]
		d := dst[q/r*stride+q%r:]
		for p, v := range src {
			d[p*r] = v
		}
	}
}

// packRows2 packs 2-lane panels, eight panels (one 16-value run of each
// source row) at a time so that every source cache line is read once.
func packRows2[T float](dst, x []T, ld, kb, width, kp int) {
	stride := panelStride(2, kp)
	full := width / 2
	t0 := 0
	for ; t0+8 <= full; t0 += 8 {
		base := t0 * stride
		for p := range kb {
			s := (*[16]T)(x[p*ld+2*t0:])
			o := base + 2*p
			d := dst[o : o+7*stride+2]
			d[0], d[1] = s[0], s[1]
			d[stride], d[stride+1] = s[2], s[3]
			d[2*stride], d[2*stride+1] = s[4], s[5]
			d[3*stride], d[3*stride+1] = s[6], s[7]
			d[4*stride], d[4*stride+1] = s[8], s[9]
			d[5*stride], d[5*stride+1] = s[10], s[11]
			d[6*stride], d[6*stride+1] = s[12], s[13]
			d[7*stride], d[7*stride+1] = s[14], s[15]
		}
		if kb < kp {
			for t := t0; t < t0+8; t++ {
				clear(dst[t*stride+2*kb : t*stride+2*kp])
			}
		}
	}
	packRowsAny(dst, x, ld, kb, width, 2, kp, t0)
}

// packRows4 packs 4-lane panels, four panels at a time.
func packRows4[T float](dst, x []T, ld, kb, width, kp int) {
	stride := panelStride(4, kp)
	full := width / 4
	t0 := 0
	for ; t0+4 <= full; t0 += 4 {
		base := t0 * stride
		for p := range kb {
			s := (*[16]T)(x[p*ld+4*t0:])
			o := base + 4*p
			d := dst[o : o+3*stride+4]
			*(*[4]T)(d) = *(*[4]T)(s[0:])
			*(*[4]T)(d[stride:]) = *(*[4]T)(s[4:])
			*(*[4]T)(d[2*stride:]) = *(*[4]T)(s[8:])
			*(*[4]T)(d[3*stride:]) = *(*[4]T)(s[12:])
		}
		if kb < kp {
			for t := t0; t < t0+4; t++ {
				clear(dst[t*stride+4*kb : t*stride+4*kp])
			}
		}
	}
	packRowsAny(dst, x, ld, kb, width, 4, kp, t0)
}

// packCols2 packs 2-lane panels by interleaving two contiguous source rows.
func packCols2[T float](dst, x []T, ld, kb, width, kp int) {
	stride := panelStride(2, kp)
	full := width / 2
	for t := range full {
		s0 := x[2*t*ld:][:kb]
		s1 := x[(2*t+1)*ld:][:kb]
		d := dst[t*stride:][:2*kb]
		for p := range s0 {
			d[2*p] = s0[p]
			d[2*p+1] = s1[p]
		}
		clear(dst[t*stride+2*kb : t*stride+2*kp])
	}
	packColsAny(dst, x, ld, kb, width, 2, kp, full)
}

// packCols4 packs 4-lane panels by interleaving four contiguous source rows.
func packCols4[T float](dst, x []T, ld, kb, width, kp int) {
	stride := panelStride(4, kp)
	full := width / 4
	for t := range full {
		s0 := x[4*t*ld:][:kb]
		s1 := x[(4*t+1)*ld:][:kb]
		s2 := x[(4*t+2)*ld:][:kb]
		s3 := x[(4*t+3)*ld:][:kb]
		d := dst[t*stride:][:4*kb]
		for p := range s0 {
			dd := (*[4]T)(d[4*p:])
			dd[0], dd[1], dd[2], dd[3] = s0[p], s1[p], s2[p], s3[p]
		}
		clear(dst[t*stride+4*kb : t*stride+4*kp])
	}
	packColsAny(dst, x, ld, kb, width, 4, kp, full)
}

// packRows6 packs 6-lane panels, copying six values per depth step.
func packRows6[T float](dst, x []T, ld, kb, width, kp int) {
	stride := panelStride(6, kp)
	full := width / 6
	for t := range full {
		d := dst[t*stride:][:6*kb]
		src := x[6*t:]
		for p := range kb {
			*(*[6]T)(d[6*p:]) = *(*[6]T)(src[p*ld:])
		}
		clear(dst[t*stride+6*kb : t*stride+6*kp])
	}
	packRowsAny(dst, x, ld, kb, width, 6, kp, full)
}

// packRows16 packs 16-lane panels, copying sixteen values per depth step.
func packRows16[T float](dst, x []T, ld, kb, width, kp int) {
	stride := panelStride(16, kp)
	full := width / 16
	for t := range full {
		d := dst[t*stride:][:16*kb]
		src := x[16*t:]
		for p := range kb {
			*(*[16]T)(d[16*p:]) = *(*[16]T)(src[p*ld:])
		}
		clear(dst[t*stride+16*kb : t*stride+16*kp])
	}
	packRowsAny(dst, x, ld, kb, width, 16, kp, full)
}

// packColsR returns a cols packer for r-lane panels that interleaves r
// contiguous source rows, four depth steps at a time so that each group of
// four destination cache lines is written out in one sweep over the rows.
func packColsR[T float](r int) packFunc[T] {
	return func(dst, x []T, ld, kb, width, kp int) {
		stride := panelStride(r, kp)
		full := width / r
		for t := range full {
			d := dst[t*stride:][:r*kp]
			src := x[t*r*ld:]
			p := 0
			for ; p+4 <= kb; p += 4 {
				dd := d[p*r:][:4*r]
				for q := range r {
					s4 := (*[4]T)(src[q*ld+p:])
					dd[q] = s4[0]
					dd[r+q] = s4[1]
					dd[2*r+q] = s4[2]
					dd[3*r+q] = s4[3]
				}
			}
			for ; p < kb; p++ {
				dd := d[p*r:][:r]
				for q := range dd {
					dd[q] = src[q*ld+p]
				}
			}
			clear(d[r*kb:])
		}
		packColsAny(dst, x, ld, kb, width, r, kp, full)
	}
}
