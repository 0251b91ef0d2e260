package kernel

// UseReference makes the portable implementation with an unfused GEMM the active one and returns
// a function that restores the previous one. It is for tests that compare bit for bit with
// PyTorch running on the reference BLAS (netlib's, compiled without fused multiply-adds), which
// forms each element of a product as the sum from zero, in increasing k order, of products each
// rounded before it is added, and then alpha*sum + beta*c: this GEMM does the same, in one depth
// block. It departs from the rule every implementation follows (see "One arithmetic" in the
// package doc), so nothing but such a test may use it, and, like Use, not while kernels run on
// other goroutines.
func UseReference() (restore func()) {
	saved := impl
	im := pureGo()
	im.name = "reference"
	im.f32.gemm = referenceGemm[float32]
	im.f64.gemm = referenceGemm[float64]
	im.gemmAcc32 = nil
	impl = im
	return func() { impl = saved }
}

// referenceGemm is the unfused GEMM of UseReference.
func referenceGemm[T float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	g := gemmProblem[T]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	for i := range m {
		row := c[i*ldc:][:n]
		for j := range row {
			var s T
			for p := range k {
				s += T(g.opA(i, p) * g.opB(p, j))
			}
			row[j] = g.update(row[j], s, true)
		}
	}
}
