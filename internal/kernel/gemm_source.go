package kernel

// Source writes a block of a matrix V that is not stored, for GemmSource32
// and GemmSource64: dst[r*ld+s] = V[r0+r][s0+s] for r < rows and s < cols.
// It must write every one of those elements, read nothing of dst, and be
// safe to call from several goroutines at once.
type Source[T float] func(dst []T, ld, r0, rows, s0, cols int)

// GemmSource32 is Gemm32 with B produced by src instead of read from a
// slice: V is B as Gemm32 would read it (k×n, or n×k when transB). The
// GEMM asks src for the blocks it packs, straight into its packing
// buffers, so a B that is computed from other data (the column matrix of a
// convolution) is never written out whole. The result has exactly the bits
// of Gemm32 on the stored V.
func GemmSource32(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, src Source[float32], beta float32, c []float32, ldc int) {
	checkGemmSource("GemmSource32", transA, m, n, k, lda, ldc, len(a), len(c), src != nil)
	impl.f32.gemmSource(gemmProblem[float32]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, c: c, ldc: ldc, src: src})
}

// GemmSource64 is GemmSource32 for float64 operands.
func GemmSource64(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, src Source[float64], beta float64, c []float64, ldc int) {
	checkGemmSource("GemmSource64", transA, m, n, k, lda, ldc, len(a), len(c), src != nil)
	impl.f64.gemmSource(gemmProblem[float64]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, lda: lda, c: c, ldc: ldc, src: src})
}

// checkGemmSource validates the stored operands of GemmSource32/64 as
// checkGemm does.
func checkGemmSource(fn string, transA bool, m, n, k, lda, ldc, la, lc int, haveSrc bool) {
	if !haveSrc {
		panic("kernel: " + fn + ": nil source")
	}
	// B is validated as a k×n matrix of stride n that is never read.
	checkGemm(fn, transA, false, m, n, k, lda, n, ldc, la, k*n, lc)
}

// gemmSourceDriver returns the GEMM of a problem whose B is a source, on
// the micro-kernel mk: the packed path of gemmDriver with packB asking the
// source for its blocks. The shapes that gemmDriver computes without
// packing (tiny products, m == 1 or n == 1) get B written out whole first
// and go through gemmDriver's own paths, so every shape gets gemmDriver's
// bits.
func gemmSourceDriver[T float](mk *microKernel[T], pool *wsPool) func(g gemmProblem[T]) {
	plain := gemmDriver(mk, pool)
	return func(g gemmProblem[T]) {
		m, n, k := g.m, g.n, g.k
		if m == 0 || n == 0 {
			return
		}
		if g.alpha == 0 || k == 0 || m*n*k <= mk.directWork || ((m == 1 || n == 1) && mk.gemv) {
			b, ldb := g.materializeB()
			plain(g.transA, g.transB, m, n, k, g.alpha, g.a, g.lda, b, ldb, g.beta, g.c, g.ldc)
			return
		}
		g.mk = mk
		tasks, splitM, chunk := mk.partition(m, n, k)
		if tasks == 1 || poolBusy() {
			ws := getWorkspace[T](pool)
			g.blocked(0, m, 0, n, ws)
			pool.Put(ws)
			return
		}
		g.parallel(pool, tasks, splitM, chunk)
	}
}

// materializeB writes the whole of the source's V into a new slice and
// returns it with its stride.
func (g *gemmProblem[T]) materializeB() ([]T, int) {
	rows, cols := g.k, g.n
	if g.transB {
		rows, cols = g.n, g.k
	}
	if rows == 0 || cols == 0 {
		return nil, max(cols, 1)
	}
	b := make([]T, rows*cols)
	g.src(b, cols, 0, rows, 0, cols)
	return b, cols
}

// packSourceB is packB for a B given by a source: it packs op(B)[p0:p0+kb,
// j0:j0+nb] into the same micro-panels as packB. Without transB each
// panel's rows are written by the source straight into the panel (whose
// layout is that of a kb×nr row-major matrix); with transB the source
// writes the panel's nr rows of V (kb values each) into ws.src, from which
// the cols packer transposes them.
func (g *gemmProblem[T]) packSourceB(ws *gemmWorkspace[T], dst []T, p0, kb, kp, j0, nb int) {
	nr := g.mk.nr
	stride := panelStride(nr, kp)
	for t := 0; t*nr < nb; t++ {
		j := j0 + t*nr
		w := min(nr, j0+nb-j)
		d := dst[t*stride:][:nr*kp]
		if g.transB {
			ws.src = grow(ws.src, nr*kb)
			tmp := ws.src[:w*kb]
			g.src(tmp, kb, j, w, p0, kb)
			g.mk.packB.cols(d, tmp, kb, kb, w, kp)
			continue
		}
		if w < nr {
			clear(d[:nr*kb])
		}
		g.src(d, nr, p0, kb, j, w)
		clear(d[nr*kb:])
	}
}
