package functional

import "github.com/intercept-ml/intercept/internal/kernel"

// fusedColumns reports whether a convolution's column matrices are handed
// to the GEMM as a source (colSource) rather than built by im2col: for the
// planar stride-1 geometries that im2col2DStride1 serves, other than the
// identity. The GEMM then packs its blocks of the column matrix straight
// from the input planes, and the matrix is never written out whole; its
// values, and so the products' bits, are those im2col would build.
func fusedColumns(g *geom) bool { return fuseColumns && g.planar2DStride1() && !g.identity() }

// fuseColumns enables colSource and colSink in the backward pass. It is
// off: on a loaded 2-core machine the fused backward measured no faster
// than im2col and col2im for 64→64 channels and about 6% slower for
// 32→32. Tests turn it on and compare with im2col and col2im bit for bit.
var fuseColumns = false

// fuseForward enables colSource in the forward pass too (off: measured
// slower there, where each 16-column panel is written row by row, than
// im2col followed by the vector packer). Tests turn it on.
var fuseForward = false

// colSource returns the column matrix that im2col builds from c channels
// of m samples side by side (sample j's columns at j·L, as convForward
// lays out a chunk) as a kernel.Source: x holds the first sample's c input
// planes and the next sample's start sampleStride elements further. The
// geometry must be planar with stride and dilation 1 (fusedColumns).
func colSource[T float](g *geom, c int, x []T, sampleStride, m int) kernel.Source[T] {
	h, w := g.in[1], g.in[2]
	oW, L := g.out[2], g.outSize()
	kH, kW := g.k[1], g.k[2]
	pH, pW := g.p[1], g.p[2]
	inSz := h * w
	// lohi[kw] is the range of output columns that read inside the input
	// at kernel column kw.
	lohi := make([][2]int, kW)
	for kw := range lohi {
		lohi[kw][0], lohi[kw][1] = validRange(kw-pW, 1, w, oW)
	}
	return func(dst []T, ld, r0, rows, s0, cols int) {
		// The requested positions cut into pieces within one output row
		// of one sample; the same pieces serve every row of the block.
		type piece struct{ at, n, base, oh, ow int }
		var buf [8]piece
		pieces := buf[:0]
		for s := s0; s < s0+cols; {
			smp := s / L
			pos := s - smp*L
			oh := pos / oW
			ow := pos - oh*oW
			n := min(oW-ow, s0+cols-s)
			pieces = append(pieces, piece{s - s0, n, smp * sampleStride, oh, ow})
			s += n
		}
		kw := r0 % kW
		kh := r0 / kW % kH
		ch := r0 / (kW * kH)
		for r := range rows {
			lo, hi := lohi[kw][0], lohi[kw][1]
			d := dst[r*ld : r*ld+cols]
			plane := ch*inSz + kw - pW
			for _, pc := range pieces {
				seg := d[pc.at : pc.at+pc.n]
				ih := pc.oh + kh - pH
				a, b := max(pc.ow, lo), min(pc.ow+pc.n, hi)
				if ih < 0 || ih >= h || a >= b {
					clear(seg)
					continue
				}
				if a > pc.ow {
					clear(seg[:a-pc.ow])
				}
				src := x[pc.base+plane+ih*w+a:]
				copy(seg[a-pc.ow:b-pc.ow], src[:b-a])
				if b < pc.ow+pc.n {
					clear(seg[b-pc.ow:])
				}
			}
			if kw++; kw == kW {
				kw = 0
				if kh++; kh == kH {
					kh = 0
					ch++
				}
			}
		}
	}
}

// gemmSource is gemm with B given by a source (kernel.GemmSource32/64).
func gemmSource[T float](ta, tb bool, m, n, k int, alpha T, a []T, lda int, src kernel.Source[T], beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	switch a := any(a).(type) {
	case []float32:
		kernel.GemmSource32(ta, tb, m, n, k, float32(alpha), a, lda, any(src).(kernel.Source[float32]), float32(beta), any(c).([]float32), ldc)
	case []float64:
		kernel.GemmSource64(ta, tb, m, n, k, float64(alpha), a, lda, any(src).(kernel.Source[float64]), float64(beta), any(c).([]float64), ldc)
	}
}

// colSink returns the adjoint of colSource as a kernel.Sink: it adds each
// strip of rows of a column-gradient matrix (c channels of m samples side
// by side) into the input gradient gx, as col2im2DStride1 adds them (row
// by row of the column matrix, each row's block of output rows by one
// addRows call), so the sums have col2im's order and bits. gx holds the
// first sample's c planes and the next sample's start sampleStride
// elements further. The geometry must satisfy fusedColumns.
func colSink[T float](g *geom, c int, gx []T, sampleStride, m int) kernel.Sink[T] {
	h, w := g.in[1], g.in[2]
	oH, oW, L := g.out[1], g.out[2], g.outSize()
	kH, kW := g.k[1], g.k[2]
	pH, pW := g.p[1], g.p[2]
	inSz := h * w
	return func(cb []T, ld, r0, rows int) {
		kw := r0 % kW
		kh := r0 / kW % kH
		ch := r0 / (kW * kH)
		for r := range rows {
			oh0, oh1 := validRange(kh-pH, 1, h, oH)
			lo, hi := validRange(kw-pW, 1, w, oW)
			if oh0 < oh1 && lo < hi {
				in := ch*inSz + (oh0+kh-pH)*w + lo + kw - pW
				for j := range m {
					srow := cb[r*ld+j*L : r*ld+(j+1)*L]
					addRows(gx[j*sampleStride+in:], w, srow[oh0*oW+lo:], oW, oh1-oh0, hi-lo)
				}
			}
			if kw++; kw == kW {
				kw = 0
				if kh++; kh == kH {
					kh = 0
					ch++
				}
			}
		}
	}
}

// gemmSink is a product handed to a sink (kernel.GemmSink32/64).
func gemmSink[T float](ta, tb bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, sink kernel.Sink[T]) {
	if m == 0 || n == 0 {
		return
	}
	switch a := any(a).(type) {
	case []float32:
		kernel.GemmSink32(ta, tb, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, any(sink).(kernel.Sink[float32]))
	case []float64:
		kernel.GemmSink64(ta, tb, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, any(sink).(kernel.Sink[float64]))
	}
}
