package functional

import "github.com/intercept-ml/intercept/internal/kernel"

// geom is the geometry of a sliding window over up to three spatial
// dimensions, in canonical (D, H, W) form: 1-D and 2-D problems use leading
// dimensions of size 1 with kernel 1, stride 1, dilation 1 and no padding.
type geom struct {
	in  [3]int // input spatial size
	out [3]int // number of window positions per dimension
	k   [3]int // kernel size
	s   [3]int // stride
	d   [3]int // dilation
	p   [3]int // padding before the input (top/left/front)
}

// newGeom places nd-dimensional sizes in canonical form.
func newGeom(in, out, k, s, d, p []int) *geom {
	g := &geom{in: [3]int{1, 1, 1}, out: [3]int{1, 1, 1}, k: [3]int{1, 1, 1}, s: [3]int{1, 1, 1}, d: [3]int{1, 1, 1}}
	off := 3 - len(in)
	for i := range in {
		g.in[off+i], g.out[off+i], g.k[off+i], g.s[off+i], g.d[off+i], g.p[off+i] = in[i], out[i], k[i], s[i], d[i], p[i]
	}
	return g
}

func (g *geom) inSize() int  { return g.in[0] * g.in[1] * g.in[2] }
func (g *geom) outSize() int { return g.out[0] * g.out[1] * g.out[2] }
func (g *geom) kSize() int   { return g.k[0] * g.k[1] * g.k[2] }

// planar2DStride1 reports whether the convolution is 2-D (depth 1, no
// depth kernel or padding) with stride 1 and dilation 1 in height and
// width: the case im2col and col2im copy row by row.
func (g *geom) planar2DStride1() bool {
	return g.in[0] == 1 && g.k[0] == 1 && g.p[0] == 0 && g.s[1] == 1 && g.s[2] == 1 && g.d[1] == 1 && g.d[2] == 1
}

// identity reports whether im2col is the identity (1×1 kernel, stride 1,
// no padding): the columns of a sample are its input planes.
func (g *geom) identity() bool {
	return g.kSize() == 1 && g.s == [3]int{1, 1, 1} && g.p == [3]int{} && g.in == g.out
}

// validRange returns the window positions o in [lo, hi) of one dimension for
// which o*s + off lies inside [0, n), clipped to [0, out).
func validRange(off, s, n, out int) (lo, hi int) {
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	if last := n - 1 - off; last >= 0 {
		hi = last/s + 1
	}
	lo = min(lo, out)
	hi = max(min(hi, out), lo)
	return lo, hi
}

// im2col copies the sliding windows of c channels of one sample into
// columns. src holds the c input planes (c × inSize, contiguous). Row
// r = ((ch·kD + kd)·kH + kh)·kW + kw of the result (the layout of a
// flattened convolution weight) goes to dst[r·ld + col0 :], one column per
// window position in row-major order; positions in the padding are zero.
func im2col[T float](g *geom, c int, src, dst []T, ld, col0 int) {
	if g.planar2DStride1() {
		im2col2DStride1(g, c, src, dst, ld, col0)
		return
	}
	inSz, L := g.inSize(), g.outSize()
	oW := g.out[2]
	row := 0
	for ch := 0; ch < c; ch++ {
		plane := src[ch*inSz : (ch+1)*inSz]
		for kd := 0; kd < g.k[0]; kd++ {
			for kh := 0; kh < g.k[1]; kh++ {
				for kw := 0; kw < g.k[2]; kw++ {
					drow := dst[row*ld+col0 : row*ld+col0+L]
					row++
					offW := kw*g.d[2] - g.p[2]
					lo, hi := validRange(offW, g.s[2], g.in[2], oW)
					j := 0
					for od := 0; od < g.out[0]; od++ {
						id := od*g.s[0] + kd*g.d[0] - g.p[0]
						for oh := 0; oh < g.out[1]; oh++ {
							ih := oh*g.s[1] + kh*g.d[1] - g.p[1]
							seg := drow[j : j+oW]
							j += oW
							if id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] {
								clear(seg)
								continue
							}
							srow := plane[(id*g.in[1]+ih)*g.in[2]:][:g.in[2]]
							clear(seg[:lo])
							clear(seg[hi:])
							if sw := g.s[2]; sw == 1 {
								copy(seg[lo:hi], srow[lo+offW:hi+offW])
							} else {
								iw := lo*sw + offW
								for ow := lo; ow < hi; ow++ {
									seg[ow] = srow[iw]
									iw += sw
								}
							}
						}
					}
				}
			}
		}
	}
}

// im2col2DStride1 is im2col for a 2-D geometry (depth 1) with stride and
// dilation 1, the common case: each kernel offset's block of output rows
// (a strided 2-D copy, one short segment per output row) is moved by one
// copyRows call, kernel.CopyRows32 or CopyRows64 (one vector kernel call
// instead of a copy per row).
func im2col2DStride1[T float](g *geom, c int, src, dst []T, ld, col0 int) {
	inSz, oW, L := g.inSize(), g.out[2], g.outSize()
	stride1Blocks(g, c, func(row, ch, oh0, oh1, lo, hi, in int) {
		drow := dst[row*ld+col0 : row*ld+col0+L]
		clear(drow[:oh0*oW])
		clear(drow[oh1*oW:])
		if lo > 0 || hi < oW {
			for oh := oh0; oh < oh1; oh++ {
				seg := drow[oh*oW : oh*oW+oW]
				clear(seg[:lo])
				clear(seg[hi:])
			}
		}
		if oh0 < oh1 && lo < hi {
			copyRows(drow[oh0*oW+lo:], oW, src[ch*inSz+in:], g.in[2], oh1-oh0, hi-lo)
		}
	})
}

// col2im is the adjoint of im2col: it adds every column entry back into the
// input position it was copied from (entries in the padding are dropped).
// dst holds c planes (c × inSize) and is accumulated into.
func col2im[T float](g *geom, c int, src []T, ld, col0 int, dst []T) {
	if g.planar2DStride1() {
		col2im2DStride1(g, c, src, ld, col0, dst)
		return
	}
	inSz, L := g.inSize(), g.outSize()
	oW := g.out[2]
	row := 0
	for ch := 0; ch < c; ch++ {
		plane := dst[ch*inSz : (ch+1)*inSz]
		for kd := 0; kd < g.k[0]; kd++ {
			for kh := 0; kh < g.k[1]; kh++ {
				for kw := 0; kw < g.k[2]; kw++ {
					srow := src[row*ld+col0 : row*ld+col0+L]
					row++
					offW := kw*g.d[2] - g.p[2]
					lo, hi := validRange(offW, g.s[2], g.in[2], oW)
					if lo == hi {
						continue
					}
					j := 0
					for od := 0; od < g.out[0]; od++ {
						id := od*g.s[0] + kd*g.d[0] - g.p[0]
						for oh := 0; oh < g.out[1]; oh++ {
							ih := oh*g.s[1] + kh*g.d[1] - g.p[1]
							seg := srow[j : j+oW]
							j += oW
							if id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] {
								continue
							}
							prow := plane[(id*g.in[1]+ih)*g.in[2]:][:g.in[2]]
							if sw := g.s[2]; sw == 1 {
								p := prow[lo+offW : hi+offW]
								s := seg[lo:hi]
								for i := range p {
									p[i] += s[i]
								}
							} else {
								iw := lo*sw + offW
								for ow := lo; ow < hi; ow++ {
									prow[iw] += seg[ow]
									iw += sw
								}
							}
						}
					}
				}
			}
		}
	}
}

// col2im2DStride1 is col2im for the geometries of im2col2DStride1, adding
// in the same order (row by row of the column matrix, then by position),
// each kernel offset's block of rows by one addRows call.
func col2im2DStride1[T float](g *geom, c int, src []T, ld, col0 int, dst []T) {
	inSz, oW, L := g.inSize(), g.out[2], g.outSize()
	stride1Blocks(g, c, func(row, ch, oh0, oh1, lo, hi, in int) {
		if oh0 < oh1 && lo < hi {
			srow := src[row*ld+col0 : row*ld+col0+L]
			addRows(dst[ch*inSz+in:], g.in[2], srow[oh0*oW+lo:], oW, oh1-oh0, hi-lo)
		}
	})
}

// gatherRows copies, for samples j = 0..m-1, the r rows of length s that
// start at src[base + j·stride] into dst, sample j's rows going to columns
// j·s .. (j+1)·s of a matrix with row stride m·s. It turns m samples of
// (r, s) blocks into one (r, m·s) matrix.
func gatherRows[T float](src []T, base, stride, m, r, s int, dst []T) {
	ld := m * s
	for j := 0; j < m; j++ {
		blk := src[base+j*stride:]
		for i := 0; i < r; i++ {
			copy(dst[i*ld+j*s:i*ld+j*s+s], blk[i*s:i*s+s])
		}
	}
}

// scatterRows is the inverse of gatherRows.
func scatterRows[T float](src []T, m, r, s int, dst []T, base, stride int) {
	ld := m * s
	for j := 0; j < m; j++ {
		blk := dst[base+j*stride:]
		for i := 0; i < r; i++ {
			copy(blk[i*s:i*s+s], src[i*ld+j*s:i*ld+j*s+s])
		}
	}
}

// stride1Blocks calls f for each row of the column matrix of c channels of
// a planar stride-1 geometry (rows ordered by channel, kernel row, kernel
// column) with the window positions that read inside the input: output
// rows [oh0, oh1) and columns [lo, hi), whose first element reads element
// in of channel ch's input plane. Empty ranges have oh0 == oh1 or
// lo == hi.
func stride1Blocks(g *geom, c int, f func(row, ch, oh0, oh1, lo, hi, in int)) {
	h, w := g.in[1], g.in[2]
	oH, oW := g.out[1], g.out[2]
	pH, pW := g.p[1], g.p[2]
	row := 0
	for ch := 0; ch < c; ch++ {
		for kh := 0; kh < g.k[1]; kh++ {
			oh0, oh1 := validRange(kh-pH, 1, h, oH)
			for kw := 0; kw < g.k[2]; kw++ {
				lo, hi := validRange(kw-pW, 1, w, oW)
				f(row, ch, oh0, oh1, lo, hi, (oh0+kh-pH)*w+lo+kw-pW)
				row++
			}
		}
	}
}

// copyRows sets dst[r*ds+j] = src[r*ss+j] for r < rows and j < width,
// on kernel.CopyRows32 or kernel.CopyRows64.
func copyRows[T float](dst []T, ds int, src []T, ss, rows, width int) {
	if d32, ok := any(dst).([]float32); ok {
		kernel.CopyRows32(d32, ds, any(src).([]float32), ss, rows, width)
		return
	}
	kernel.CopyRows64(any(dst).([]float64), ds, any(src).([]float64), ss, rows, width)
}

// addRows adds src[r*ss+j] into dst[r*ds+j] for r < rows and j < width,
// on kernel.AddRows32 or kernel.AddRows64.
func addRows[T float](dst []T, ds int, src []T, ss, rows, width int) {
	if d32, ok := any(dst).([]float32); ok {
		kernel.AddRows32(d32, ds, any(src).([]float32), ss, rows, width)
		return
	}
	kernel.AddRows64(any(dst).([]float64), ds, any(src).([]float64), ss, rows, width)
}
