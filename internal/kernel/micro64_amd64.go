//go:build amd64 && !purego

package kernel

// The float64 assembly kernels: the double-precision GEMM micro-kernels (8×16 AVX-512, 6×8 AVX2)
// and the AVX2 element-wise loops. Each gives the portable code's bits (see "One arithmetic" in
// the package doc): the micro-kernels form every element's depth-block sum from +0 by fused
// multiply-adds in increasing k order, as micro64_4x2 does with math.FMA, and round alpha*s,
// beta*c and the addition separately; the element-wise loops are IEEE operations.
var (
	micro64AVX512 = &microKernel[float64]{mr: 8, nr: 16, ku: 1, fn: micro64AVX512Fn,
		packA:      packer[float64]{packRowsF64Asm(8), packColsF64Asm(8, 8, packCols8F64AVX512)},
		packB:      packer[float64]{packRowsF64Asm(16), packColsF64Asm(16, 8, packCols8F64AVX512)},
		directWork: fusedDirectWork, dots: gemvDots64, parallelWork: 1 << 19, taskWork: 1 << 20}
	micro64AVX2 = &microKernel[float64]{mr: 6, nr: 8, ku: 1, fn: micro64AVX2Fn,
		packA: newPacker[float64](6), packB: packer[float64]{packRowsR[float64](8), packColsF64Asm(8, 4, packCols4F64AVX2)},
		directWork: fusedDirectWork, parallelWork: 1 << 19, taskWork: 1 << 20}
)

func micro64AVX512Fn(kc int, a, b []float64, alpha, beta float64, c []float64, ldc int) {
	_ = a[kc*8-1]
	_ = b[kc*16-1]
	_ = c[7*ldc+15]
	gemmMicro64AVX512(kc, &a[0], &b[0], alpha, beta, &c[0], ldc)
}

func micro64AVX2Fn(kc int, a, b []float64, alpha, beta float64, c []float64, ldc int) {
	_ = a[kc*6-1]
	_ = b[kc*8-1]
	_ = c[5*ldc+7]
	gemmMicro64AVX2(kc, &a[0], &b[0], alpha, beta, &c[0], ldc)
}

// setFloat64Asm installs the float64 assembly kernels in im: the AVX-512 micro-kernel when
// avx512, else the AVX2 one.
func setFloat64Asm(im *implementation, avx512 bool) {
	mk := micro64AVX2
	if avx512 {
		mk = micro64AVX512
	}
	im.f64.gemm = gemmDriver(mk, &pool64)
	im.f64.add = binary64Asm(add64AVX2)
	im.f64.sub = binary64Asm(sub64AVX2)
	im.f64.mul = binary64Asm(mul64AVX2)
	im.f64.div = binary64Asm(div64AVX2)
	im.f64.relu = relu64Asm
	im.reluForward64 = reluForward64Asm
	im.reluBackward64 = reluBackward64Asm
}

// binary64Asm wraps an assembly float64 element-wise kernel (lengths were checked by the caller).
func binary64Asm(fn func(n int, dst, x, y *float64)) func(dst, x, y []float64) {
	return func(dst, x, y []float64) {
		if len(dst) > 0 {
			_ = x[len(dst)-1]
			_ = y[len(dst)-1]
			fn(len(dst), &dst[0], &x[0], &y[0])
		}
	}
}

func relu64Asm(dst, x []float64) {
	if len(dst) > 0 {
		_ = x[len(dst)-1]
		relu64AVX2(len(dst), &dst[0], &x[0])
	}
}

func reluForward64Asm(dst, x []float64) {
	if len(dst) > 0 {
		_ = x[len(dst)-1]
		reluForward64AVX2(len(dst), &dst[0], &x[0])
	}
}

func reluBackward64Asm(dst, g, y []float64) {
	if len(dst) > 0 {
		_ = g[len(dst)-1]
		_ = y[len(dst)-1]
		reluBackward64AVX2(len(dst), &dst[0], &g[0], &y[0])
	}
}

// copyRows64Asm and addRows64Asm run the AVX-512 strided float64 row kernels (bounds were checked by
// the caller).
func copyRows64Asm(dst []float64, dstStride int, src []float64, srcStride int, rows, width int) {
	if rows > 0 && width > 0 {
		copyRows64AVX512(rows, &dst[0], dstStride, &src[0], srcStride, width/8, 1<<(width%8)-1)
	}
}

func addRows64Asm(dst []float64, dstStride int, src []float64, srcStride int, rows, width int) {
	if rows > 0 && width > 0 {
		addRows64AVX512(rows, &dst[0], dstStride, &src[0], srcStride, width/8, 1<<(width%8)-1)
	}
}

// packColsF64Asm returns the cols packer of r-lane panels (see pack_purego.go) that transposes
// whole g×g blocks with kern (packCols8F64AVX512, g = 8, or packCols4F64AVX2, g = 4; one call per
// g lanes of a full panel, r a multiple of g) and packs the last depth steps below a multiple of g,
// and a last partial panel, in Go.
func packColsF64Asm(r, g int, kern func(blocks int, src *float64, ld int, dst *float64, dstStride int)) packFunc[float64] {
	return func(dst, x []float64, ld, kb, width, kp int) {
		stride := panelStride(r, kp)
		full := width / r
		blocks := kb / g
		for t := range full {
			d := dst[t*stride:][:r*kp]
			src := x[t*r*ld:]
			if blocks > 0 {
				_ = src[(r-1)*ld+kb-1]
				for h := 0; h < r; h += g {
					kern(blocks, &src[h*ld], ld, &d[h], r)
				}
			}
			for p := blocks * g; p < kb; p++ {
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

// packRowsF64Asm returns the rows packer of r-lane panels (r = 8 or 16, see pack_purego.go) that
// copies each full panel with packRows8F64AVX512 or packRows16F64AVX512.
func packRowsF64Asm(r int) packFunc[float64] {
	rows := packRows8F64AVX512
	if r == 16 {
		rows = packRows16F64AVX512
	}
	return func(dst, x []float64, ld, kb, width, kp int) {
		stride := panelStride(r, kp)
		full := width / r
		if kb > 0 {
			for t := range full {
				d := dst[t*stride:][:r*kp]
				src := x[t*r:]
				_ = src[(kb-1)*ld+r-1]
				rows(kb, &src[0], ld, &d[0])
				clear(d[r*kb:])
			}
		}
		packRowsAny(dst, x, ld, kb, width, r, kp, full)
	}
}

// packRowsR returns a rows packer for r-lane panels (see pack_purego.go) that copies r values
// per depth step.
func packRowsR[T float](r int) packFunc[T] {
	return func(dst, x []T, ld, kb, width, kp int) {
		stride := panelStride(r, kp)
		full := width / r
		for t := range full {
			d := dst[t*stride:][:r*kp]
			src := x[t*r:]
			for p := range kb {
				copy(d[p*r:][:r], src[p*ld:][:r])
			}
			clear(d[r*kb:])
		}
		packRowsAny(dst, x, ld, kb, width, r, kp, full)
	}
}
