//go:build amd64 && !purego

package kernel

import (
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/cpu"
)

//go:generate go run -C asmgen . -out ../asm_amd64.s -stubs ../asm_amd64.go -pkg kernel

// The assembly micro-kernels. A product below 2^19 multiply-adds (parallelWork) stays on one core,
// and the panels handed to the cores hold about 2^20 multiply-adds each (taskWork).
var (
	microAVX512 = &microKernel[float32]{mr: 16, nr: 16, ku: 1, fn: microAVX512Fn, pair: microAVX512PairFn,
		packA: packer[float32]{packRows16Asm, packCols16Asm}, packB: packer[float32]{packRows16Asm, packCols16Asm},
		directWork: fusedDirectWork, dots: gemvDots32, parallelWork: 1 << 19, taskWork: 1 << 20}
	// microAVX512PrefetchC is microAVX512 prefetching C rows in its depth
	// loop (see gemmPrefetchCMin).
	microAVX512PrefetchC = &microKernel[float32]{mr: 16, nr: 16, ku: 1, fn: microAVX512PrefetchCFn, pair: microAVX512PairPrefetchCFn,
		packA: packer[float32]{packRows16Asm, packCols16Asm}, packB: packer[float32]{packRows16Asm, packCols16Asm},
		directWork: fusedDirectWork, dots: gemvDots32, parallelWork: 1 << 19, taskWork: 1 << 20}
	microAVX2 = &microKernel[float32]{mr: 6, nr: 16, ku: 1, fn: microAVX2Fn,
		packA: newPacker[float32](6), packB: newPacker[float32](16),
		directWork: fusedDirectWork, dots: gemvDots32AVX2, parallelWork: 1 << 19, taskWork: 1 << 20}
	// microAVX2in512 is microAVX2 with the AVX-512 packers for B and a
	// 6×32 AVX-512 pair kernel, for products of few rows on CPUs with
	// AVX-512.
	microAVX2in512 = &microKernel[float32]{mr: 6, nr: 16, ku: 1, fn: microAVX2Fn, pair: microAVX512Pair6Fn,
		packA: newPacker[float32](6), packB: packer[float32]{packRows16Asm, packCols16Asm},
		directWork: fusedDirectWork, dots: gemvDots32, parallelWork: 1 << 19, taskWork: 1 << 20}
)

func microAVX512Fn(kc int, a, b []float32, alpha, beta float32, c []float32, ldc int) {
	_ = a[kc*16-1]
	_ = b[kc*16-1]
	_ = c[15*ldc+15]
	gemmMicroAVX512(kc, &a[0], &b[0], alpha, beta, &c[0], ldc)
}

func microAVX512PrefetchCFn(kc int, a, b []float32, alpha, beta float32, c []float32, ldc int) {
	_ = a[kc*16-1]
	_ = b[kc*16-1]
	_ = c[15*ldc+15]
	gemmMicroAVX512PrefetchC(kc, &a[0], &b[0], alpha, beta, &c[0], ldc)
}

func microAVX512PairFn(kc int, a, b []float32, bs int, alpha, beta float32, c []float32, ldc int) {
	_ = a[kc*16-1]
	_ = b[bs+kc*16-1]
	_ = c[15*ldc+31]
	gemmMicroAVX512Pair(kc, &a[0], &b[0], bs, alpha, beta, &c[0], ldc)
}

func microAVX512PairPrefetchCFn(kc int, a, b []float32, bs int, alpha, beta float32, c []float32, ldc int) {
	_ = a[kc*16-1]
	_ = b[bs+kc*16-1]
	_ = c[15*ldc+31]
	gemmMicroAVX512PairPrefetchC(kc, &a[0], &b[0], bs, alpha, beta, &c[0], ldc)
}

func microAVX512Pair6Fn(kc int, a, b []float32, bs int, alpha, beta float32, c []float32, ldc int) {
	_ = a[kc*6-1]
	_ = b[bs+kc*16-1]
	_ = c[5*ldc+31]
	gemmMicroAVX512Pair6(kc, &a[0], &b[0], bs, alpha, beta, &c[0], ldc)
}

// gemmPrefetchCMin is the share of C per core (m·n elements over the cores used, 2 MiB) from which
// the AVX-512 GEMM uses microAVX512PrefetchC. Below it a core's part of C stays in its caches
// between depth blocks and the prefetches only take load slots; above it they hide the misses of
// the tile updates.
const gemmPrefetchCMin = 1 << 19

func microAVX2Fn(kc int, a, b []float32, alpha, beta float32, c []float32, ldc int) {
	_ = a[kc*6-1]
	_ = b[kc*16-1]
	_ = c[5*ldc+15]
	gemmMicroAVX2(kc, &a[0], &b[0], alpha, beta, &c[0], ldc)
}

var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
)

// withGemm32 returns the portable implementation with its float32 GEMM replaced by one built on mk.
func withGemm32(name string, mk *microKernel[float32]) implementation {
	im := pureGo()
	im.name = name
	im.f32.gemm = gemmDriver(mk, &pool32)
	im.f32.gemmSource = gemmSourceDriver(mk, &pool32)
	im.f32.gemmSink = gemmSinkDriver(mk, &pool32)
	im.reluBackward32 = reluBackward32Asm
	im.reluForward32 = reluForward32Asm
	im.maxPool2x2 = maxPool2x2Asm
	im.tanh32 = tanh32Asm
	setOptimizersAsm(&im, name == "avx512")
	setFloat64Asm(&im, name == "avx512")
	im.f32.add = binaryAsm(addAVX2)
	im.f32.sub = binaryAsm(subAVX2)
	im.f32.mul = binaryAsm(mulAVX2)
	im.f32.div = binaryAsm(divAVX2)
	return im
}

// implementations lists the implementations this CPU can run, best first.
func implementations() []implementation {
	var list []implementation
	if hasAVX512 {
		im := withGemm32("avx512", microAVX512)
		// Products of at most 6 rows fill only 6 of the 16 rows of the
		// AVX-512 tile; the 6×16 AVX2 kernel and the 6×32 AVX-512 pair
		// kernel of microAVX2in512 fit them exactly. All these kernels
		// form every element with the same fused multiply-adds in the
		// same order, so the results are the same.
		// Products with a large C, and accumulations into a C that is
		// not in the cache (see GemmAccumulate32), use the variant that
		// prefetches C.
		wide, narrow := im.f32.gemm, gemmDriver(microAVX2in512, &pool32)
		large := gemmDriver(microAVX512PrefetchC, &pool32)
		im.f32.gemm = func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			switch {
			case m <= 6:
				narrow(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			case m*n >= gemmPrefetchCMin*min(runtime.GOMAXPROCS(0), runtime.NumCPU()):
				large(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			default:
				wide(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
			}
		}
		wideSrc, narrowSrc := im.f32.gemmSource, gemmSourceDriver(microAVX2in512, &pool32)
		largeSrc := gemmSourceDriver(microAVX512PrefetchC, &pool32)
		im.f32.gemmSource = func(g gemmProblem[float32]) {
			switch {
			case g.m <= 6:
				narrowSrc(g)
			case g.m*g.n >= gemmPrefetchCMin*min(runtime.GOMAXPROCS(0), runtime.NumCPU()):
				largeSrc(g)
			default:
				wideSrc(g)
			}
		}
		wideSink, narrowSink := im.f32.gemmSink, gemmSinkDriver(microAVX2in512, &pool32)
		im.f32.gemmSink = func(g gemmProblem[float32], sink Sink[float32]) {
			if g.m <= 6 {
				narrowSink(g, sink)
				return
			}
			wideSink(g, sink)
		}
		im.gemmAcc32 = func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
			if m <= 6 {
				narrow(transA, transB, m, n, k, 1, a, lda, b, ldb, 1, c, ldc)
				return
			}
			large(transA, transB, m, n, k, 1, a, lda, b, ldb, 1, c, ldc)
		}
		im.copyRows32 = copyRows32Asm
		im.addRows32 = addRows32Asm
		im.copyRows64 = copyRows64Asm
		im.addRows64 = addRows64Asm
		list = append(list, im)
	}
	if hasAVX2 {
		list = append(list, withGemm32("avx2", microAVX2))
	}
	return append(list, pureGo())
}

// defaultImplementation picks the best implementation the CPU supports, honouring the environment
// variables INTERCEPT_KERNEL (avx512, avx2 or purego: use that one if the CPU can) and
// INTERCEPT_NOAVX512=1 (skip AVX-512, for benchmarking the AVX2 path).
func defaultImplementation() implementation {
	list := implementations()
	if want := os.Getenv("INTERCEPT_KERNEL"); want != "" {
		for _, im := range list {
			if im.name == want {
				return im
			}
		}
	}
	if os.Getenv("INTERCEPT_NOAVX512") == "1" && list[0].name == "avx512" {
		return list[1]
	}
	return list[0]
}

// fmaLoop runs the FMA throughput loop for the active implementation and returns the flops per
// trip, or 0 when the implementation has none.
func fmaLoop(iters int) int {
	switch impl.name {
	case "avx512":
		fmaLoopAVX512(iters)
		return 384
	case "avx2":
		fmaLoopAVX2(iters)
		return 192
	}
	return 0
}

// packCols16Asm is the 16-lane cols packer (see pack_purego.go) with the full 16-step blocks of
// each panel transposed by packCols16AVX512. A last panel of fewer than 16 columns is first copied,
// with zero rows below, into a 16-row buffer (when kb ≤ partialKBMax), which the vector transpose
// then packs with its zero padding.
func packCols16Asm(dst, x []float32, ld, kb, width, kp int) {
	stride := panelStride(16, kp)
	full := width / 16
	for t := range full {
		src := x[t*16*ld:]
		_ = src[15*ld+kb-1]
		packPanel16(dst[t*stride:][:16*kp], src, ld, kb)
	}
	if w := width - full*16; w > 0 && kb >= 16 && kb <= partialKBMax {
		buf := partialBufs.Get().(*[16 * partialKBMax]float32)
		rows := buf[:16*kb]
		for q := range w {
			copy(rows[q*kb:(q+1)*kb], x[(full*16+q)*ld:][:kb])
		}
		clear(rows[w*kb:])
		packPanel16(dst[full*stride:][:16*kp], rows, kb, kb)
		partialBufs.Put(buf)
		return
	}
	packColsAny(dst, x, ld, kb, width, 16, kp, full)
}

// partialKBMax is the deepest partial panel packCols16Asm transposes with vector code.
const partialKBMax = 256

// partialBufs holds the 16-row buffers of packCols16Asm's partial panels (reused rather than zeroed
// whole on every call).
var partialBufs = sync.Pool{New: func() any { return new([16 * partialKBMax]float32) }}

// packPanel16 packs one 16-column panel: d[p*16+q] = src[q*ld+p] for p < kb, zero for p in [kb,
// len(d)/16).
func packPanel16(d, src []float32, ld, kb int) {
	blocks := kb / 16
	if blocks > 0 {
		packCols16AVX512(blocks, &src[0], ld, &d[0])
	}
	for p := blocks * 16; p < kb; p++ {
		dd := d[p*16:][:16]
		for q := range dd {
			dd[q] = src[q*ld+p]
		}
	}
	clear(d[16*kb:])
}

// packRows16Asm is packRows16 with each full panel copied by packRows16AVX512.
func packRows16Asm(dst, x []float32, ld, kb, width, kp int) {
	stride := panelStride(16, kp)
	full := width / 16
	if kb > 0 {
		for t := range full {
			d := dst[t*stride:][:16*kp]
			src := x[16*t:]
			_ = src[(kb-1)*ld+15]
			packRows16AVX512(kb, &src[0], ld, &d[0])
			clear(d[16*kb:])
		}
	}
	packRowsAny(dst, x, ld, kb, width, 16, kp, full)
}

func reluBackward32Asm(dst, g, y []float32) {
	if len(dst) > 0 {
		_ = g[len(dst)-1]
		_ = y[len(dst)-1]
		reluBackwardAVX2(len(dst), &dst[0], &g[0], &y[0])
	}
}

func reluForward32Asm(dst, x []float32) {
	if len(dst) > 0 {
		_ = x[len(dst)-1]
		reluAVX2(len(dst), &dst[0], &x[0])
	}
}

// binaryAsm wraps an assembly element-wise kernel (lengths were checked by the caller).
func binaryAsm(fn func(n int, dst, x, y *float32)) func(dst, x, y []float32) {
	return func(dst, x, y []float32) {
		if len(dst) > 0 {
			_ = x[len(dst)-1]
			_ = y[len(dst)-1]
			fn(len(dst), &dst[0], &x[0], &y[0])
		}
	}
}

// maxPool2x2Asm runs maxPool2x2AVX2 on the outputs in whole groups of 8 and the portable loop on
// the rest (lengths were checked by the caller).
func maxPool2x2Asm(y []float32, code []int32, r0, r1 []float32) {
	full := len(y) / 8 * 8
	if full > 0 {
		_ = r0[2*full-1]
		_ = r1[2*full-1]
		_ = code[full-1]
		maxPool2x2AVX2(full, &r0[0], &r1[0], &y[0], &code[0])
		if full < len(y) {
			// The tail as one more vector ending at the last output,
			// overlapping the previous one (which it rewrites unchanged).
			t := len(y) - 8
			maxPool2x2AVX2(8, &r0[2*t], &r1[2*t], &y[t], &code[t])
		}
		return
	}
	maxPool2x2Go(y, code, r0, r1)
}

// copyRows32Asm and addRows32Asm run the AVX-512 strided row kernels (bounds were checked by the
// caller).
func copyRows32Asm(dst []float32, dstStride int, src []float32, srcStride int, rows, width int) {
	if rows > 0 && width > 0 {
		copyRowsAVX512(rows, &dst[0], dstStride, &src[0], srcStride, width/16, 1<<(width%16)-1)
	}
}

func addRows32Asm(dst []float32, dstStride int, src []float32, srcStride int, rows, width int) {
	if rows > 0 && width > 0 {
		addRowsAVX512(rows, &dst[0], dstStride, &src[0], srcStride, width/16, 1<<(width%16)-1)
	}
}

// tanh32Asm is Tanh32 (sigmoid: Sigmoid32) with tanhAVX2 for whole groups of 8 and the portable
// code for the rest (the same bits).
func tanh32Asm(d []float32, sigmoid bool) {
	n := len(d) &^ 7
	if n > 0 {
		s := 0
		if sigmoid {
			s = 1
		}
		tanhAVX2(n, &d[0], &tanhConsts[0], s)
	}
	tanh32Go(d[n:], sigmoid)
}
