package kernel

// Sink receives the product of GemmSink32 and GemmSink64 strip by strip:
// c[r*ld+s] = C[r0+r][s] for r < rows and s < n, where C is the m×n
// product. The strips cover C's rows in increasing order, each row once,
// whole. c is only valid during the call.
type Sink[T float] func(c []T, ld, r0, rows int)

// GemmSink32 computes C = alpha*op(A)*op(B) (Gemm32 with beta 0) and hands
// C to sink in strips of whole rows, in increasing row order, instead of
// storing it: a product whose result is only added elsewhere (the column
// gradient of a convolution, folded into the input gradient) is never
// written out whole. Every element has exactly the bits Gemm32 would
// store. It runs on the calling goroutine.
func GemmSink32(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, sink Sink[float32]) {
	checkGemmSink("GemmSink32", transA, transB, m, n, k, lda, ldb, len(a), len(b), sink != nil)
	impl.f32.gemmSink(gemmProblem[float32]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, ldc: n}, sink)
}

// GemmSink64 is GemmSink32 for float64 operands.
func GemmSink64(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, sink Sink[float64]) {
	checkGemmSink("GemmSink64", transA, transB, m, n, k, lda, ldb, len(a), len(b), sink != nil)
	impl.f64.gemmSink(gemmProblem[float64]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, ldc: n}, sink)
}

func checkGemmSink(fn string, transA, transB bool, m, n, k, lda, ldb, la, lb int, haveSink bool) {
	if !haveSink {
		panic("kernel: " + fn + ": nil sink")
	}
	// C is validated as an m×n matrix of stride n that is never stored.
	checkGemm(fn, transA, transB, m, n, k, lda, ldb, n, la, lb, m*n)
}

// gemmSinkDriver returns the GEMM of a problem whose C goes to a sink, on
// the micro-kernel mk. A product of one depth block whose columns fit one
// packed block of B (n ≤ gemmNC) runs blocked's arithmetic row tile by row
// tile, each tile's full row of micro-tiles formed into a strip that goes
// to the sink; any other is computed whole into a buffer by gemmDriver and
// handed over at once.
func gemmSinkDriver[T float](mk *microKernel[T], pool *wsPool) func(g gemmProblem[T], sink Sink[T]) {
	plain := gemmDriver(mk, pool)
	return func(g gemmProblem[T], sink Sink[T]) {
		m, n, k := g.m, g.n, g.k
		if m == 0 || n == 0 {
			return
		}
		if g.alpha == 0 || k == 0 || m*n*k <= mk.directWork || ((m == 1 || n == 1) && mk.gemv) ||
			g.depthBlock() < k || n > gemmNC/mk.nr*mk.nr {
			c := make([]T, m*n)
			plain(g.transA, g.transB, m, n, k, g.alpha, g.a, g.lda, g.b, g.ldb, 0, c, n)
			sink(c, n, 0, m)
			return
		}
		g.mk = mk
		ws := getWorkspace[T](pool)
		g.sinkStrips(ws, sink)
		pool.Put(ws)
	}
}

// sinkStrips computes C (one depth block, n ≤ gemmNC) as blocked does, by
// strips of mr rows handed to sink: each micro-tile is stored by the
// micro-kernel with beta 0 (two B panels at a time by its pair kernel), as
// blocked stores it in C.
func (g *gemmProblem[T]) sinkStrips(ws *gemmWorkspace[T], sink Sink[T]) {
	mr, nr := g.mk.mr, g.mk.nr
	mc := gemmMC / mr * mr
	kp := (g.k + g.mk.ku - 1) / g.mk.ku * g.mk.ku
	nbp := (g.n + nr - 1) / nr * nr
	ws.b = grow(ws.b, nbp/nr*panelStride(nr, kp))
	g.packB(ws, ws.b, 0, g.k, kp, 0, g.n)
	ws.acc = grow(ws.acc, mr*nbp)
	strip := ws.acc
	as, bs := panelStride(mr, kp), panelStride(nr, kp)
	for ic := 0; ic < g.m; ic += mc {
		mb := min(mc, g.m-ic)
		mbp := (mb + mr - 1) / mr * mr
		ws.a = grow(ws.a, mbp/mr*as)
		g.packA(ws.a, ic, mb, 0, g.k, kp)
		for ir := 0; ir < mb; ir += mr {
			ap := ws.a[ir/mr*as:][:mr*kp]
			for jr := 0; jr < g.n; jr += nr {
				if g.mk.pair != nil && g.n-jr >= 2*nr {
					g.mk.pair(kp, ap, ws.b[jr/nr*bs:][:bs+nr*kp], bs, g.alpha, 0, strip[jr:], nbp)
					jr += nr
					continue
				}
				g.mk.fn(kp, ap, ws.b[jr/nr*bs:][:nr*kp], g.alpha, 0, strip[jr:], nbp)
			}
			sink(strip, nbp, ic+ir, min(mr, mb-ir))
		}
	}
}
