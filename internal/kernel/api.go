package kernel

// Gemm32 computes C = alpha*op(A)*op(B) + beta*C, where op(X) is X or Xᵀ, op(A) is m×k, op(B) is
// k×n and C is m×n. All matrices are row-major: A is m×k with row stride lda (k×m when transA), B
// is k×n with stride ldb (n×k when transB), C has stride ldc. beta == 0 means C is overwritten
// (NaNs in C are not propagated), as in BLAS; when alpha == 0 or k == 0, A and B are not read and C
// is only scaled by beta. C must not overlap A or B.
//
// The result is bit-for-bit the same in every implementation (see Name), at any GOMAXPROCS and any
// GOAMD64 level and on every GOARCH: each element is summed by fused multiply-adds in increasing k
// order in blocks whose depth depends on the shape alone, whatever the partition of the work (see
// "One arithmetic" in the package doc). Gemm32 panics if a dimension is negative, a leading dimension
// is smaller than its matrix's row width, or a slice is too short.
func Gemm32(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm("Gemm32", transA, transB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	impl.f32.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmAccumulateMin is the smallest C, in elements, that GemmAccumulate32 accumulates into: below
// it a separate product (in a buffer that stays in the cache) and an addition are as fast.
const GemmAccumulateMin = 1 << 17

// GemmAccumulate32 adds op(A)·op(B) into C (Gemm32 with alpha 1 and beta 1) when that gives exactly
// the bits of computing the product apart and then adding it to C element by element: when the
// depth k is a single depth block (the same in every implementation), so that each element of C is added
// once, to its complete sum, and C has at least GemmAccumulateMin elements. It reports whether it
// accumulated; otherwise C is untouched. It panics as Gemm32 does.
func GemmAccumulate32(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) bool {
	checkGemm("GemmAccumulate32", transA, transB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	if k == 0 || m*n < GemmAccumulateMin || gemmDepthBlock(m, n, k) < k {
		return false
	}
	if impl.gemmAcc32 != nil {
		impl.gemmAcc32(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	} else {
		impl.f32.gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 1, c, ldc)
	}
	return true
}

// GemmAccumulate64 is GemmAccumulate32 for float64 operands: it adds op(A)·op(B) into C when that
// gives the bits of adding the separately computed product (k a single depth block, C at least
// GemmAccumulateMin elements), and reports whether it did.
func GemmAccumulate64(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) bool {
	checkGemm("GemmAccumulate64", transA, transB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	if k == 0 || m*n < GemmAccumulateMin || gemmDepthBlock(m, n, k) < k {
		return false
	}
	impl.f64.gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 1, c, ldc)
	return true
}

// Gemm64 is Gemm32 for float64 operands.
func Gemm64(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkGemm("Gemm64", transA, transB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	impl.f64.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// The element-wise kernels below take contiguous slices of equal length and panic otherwise. dst
// may be the same slice as an input (in-place update); any other overlap gives unspecified results.

// Add32 sets dst[i] = x[i] + y[i]. Long slices are split across the worker pool (see splitVector).
func Add32(dst, x, y []float32) {
	checkLen3("Add32", len(dst), len(x), len(y))
	if len(dst) >= vectorSplitMin && splitVector(len(dst), func(lo, hi int) { impl.f32.add(dst[lo:hi], x[lo:hi], y[lo:hi]) }) {
		return
	}
	impl.f32.add(dst, x, y)
}

// Clear32 sets every element of dst to zero, splitting long slices across the worker pool (see
// splitVector).
func Clear32(dst []float32) {
	if len(dst) >= vectorSplitMin && splitVector(len(dst), func(lo, hi int) { clear(dst[lo:hi]) }) {
		return
	}
	clear(dst)
}

// vectorSplitMin is the shortest slice that element-wise kernels split across the worker pool:
// below it a core does the work in about the time it takes to hand half of it to another.
const vectorSplitMin = 1 << 16

// splitVector runs fn on consecutive ranges covering [0, n) on the worker pool, one range per core,
// and reports whether it did; it does nothing and returns false when n is below vectorSplitMin or
// there is one core. Callers test n ≥ vectorSplitMin before calling it, so that short slices do not
// build a closure that escapes to the worker pool (an allocation per call). The ranges are dealt to
// the same participants from call to call (see parJob.run), so successive element-wise passes over
// a slice find each part in the cache of the core that touched it last. The kernels it serves are
// element-wise, so results do not depend on the split.
func splitVector(n int, fn func(lo, hi int)) bool {
	if n < vectorSplitMin {
		return false
	}
	w := min(parallelParticipants(n/(vectorSplitMin/2)), 8)
	if w <= 1 {
		return false
	}
	parallelFor(w, func(k int) { fn(k*n/w, (k+1)*n/w) })
	return true
}

// Add64 sets dst[i] = x[i] + y[i].
func Add64(dst, x, y []float64) {
	checkLen3("Add64", len(dst), len(x), len(y))
	impl.f64.add(dst, x, y)
}

// Sub32 sets dst[i] = x[i] - y[i].
func Sub32(dst, x, y []float32) {
	checkLen3("Sub32", len(dst), len(x), len(y))
	impl.f32.sub(dst, x, y)
}

// Sub64 sets dst[i] = x[i] - y[i].
func Sub64(dst, x, y []float64) {
	checkLen3("Sub64", len(dst), len(x), len(y))
	impl.f64.sub(dst, x, y)
}

// Mul32 sets dst[i] = x[i] * y[i].
func Mul32(dst, x, y []float32) {
	checkLen3("Mul32", len(dst), len(x), len(y))
	impl.f32.mul(dst, x, y)
}

// Mul64 sets dst[i] = x[i] * y[i].
func Mul64(dst, x, y []float64) {
	checkLen3("Mul64", len(dst), len(x), len(y))
	impl.f64.mul(dst, x, y)
}

// Div32 sets dst[i] = x[i] / y[i] (IEEE division: x/0 is ±Inf or NaN).
func Div32(dst, x, y []float32) {
	checkLen3("Div32", len(dst), len(x), len(y))
	impl.f32.div(dst, x, y)
}

// Div64 sets dst[i] = x[i] / y[i] (IEEE division: x/0 is ±Inf or NaN).
func Div64(dst, x, y []float64) {
	checkLen3("Div64", len(dst), len(x), len(y))
	impl.f64.div(dst, x, y)
}

// AddScalar32 sets dst[i] = x[i] + s.
func AddScalar32(dst, x []float32, s float32) {
	checkLen2("AddScalar32", len(dst), len(x))
	impl.f32.addScalar(dst, x, s)
}

// AddScalar64 sets dst[i] = x[i] + s.
func AddScalar64(dst, x []float64, s float64) {
	checkLen2("AddScalar64", len(dst), len(x))
	impl.f64.addScalar(dst, x, s)
}

// MulScalar32 sets dst[i] = x[i] * s.
func MulScalar32(dst, x []float32, s float32) {
	checkLen2("MulScalar32", len(dst), len(x))
	impl.f32.mulScalar(dst, x, s)
}

// MulScalar64 sets dst[i] = x[i] * s.
func MulScalar64(dst, x []float64, s float64) {
	checkLen2("MulScalar64", len(dst), len(x))
	impl.f64.mulScalar(dst, x, s)
}

// Axpy32 sets dst[i] += alpha*x[i]. The product is rounded to float32 before the add (never fused),
// so results do not depend on GOAMD64.
func Axpy32(dst []float32, alpha float32, x []float32) {
	checkLen2("Axpy32", len(dst), len(x))
	impl.f32.axpy(dst, alpha, x)
}

// Axpy64 sets dst[i] += alpha*x[i], rounding the product before the add.
func Axpy64(dst []float64, alpha float64, x []float64) {
	checkLen2("Axpy64", len(dst), len(x))
	impl.f64.axpy(dst, alpha, x)
}

// ReLU32 sets dst[i] = 0 where x[i] < 0 and dst[i] = x[i] otherwise, so NaN and -0 pass through
// unchanged, as in PyTorch.
func ReLU32(dst, x []float32) {
	checkLen2("ReLU32", len(dst), len(x))
	impl.f32.relu(dst, x)
}

// ReLU64 is ReLU32 for float64.
func ReLU64(dst, x []float64) {
	checkLen2("ReLU64", len(dst), len(x))
	impl.f64.relu(dst, x)
}

// AddRowVector32 adds bias to every row of the row-major m×n matrix c: c[i*n+j] += bias[j]. It
// panics unless len(c) == m*n and len(bias) == n.
func AddRowVector32(c []float32, m, n int, bias []float32) {
	checkRowVector("AddRowVector32", len(c), m, n, len(bias))
	impl.f32.addRowVector(c, m, n, bias)
}

// AddRowVector64 is AddRowVector32 for float64.
func AddRowVector64(c []float64, m, n int, bias []float64) {
	checkRowVector("AddRowVector64", len(c), m, n, len(bias))
	impl.f64.addRowVector(c, m, n, bias)
}

// Sum32 returns the sum of x, accumulated in float64 in a fixed blocked pairwise order that depends
// only on len(x). The sum of an empty slice is 0. Callers wanting a float32 result round the
// returned value once.
func Sum32(x []float32) float64 { return impl.f32.sum(x) }

// Sum64 returns the sum of x in a fixed blocked pairwise order that depends only on len(x). The sum
// of an empty slice is 0.
func Sum64(x []float64) float64 { return impl.f64.sum(x) }

// Dot32 returns Σ x[i]*y[i]. Each product is exact in float64; the products are summed in float64
// in the same fixed order as Sum32. It panics if the lengths differ.
func Dot32(x, y []float32) float64 {
	checkLen2("Dot32", len(x), len(y))
	return impl.f32.dot(x, y)
}

// Dot64 returns Σ x[i]*y[i], each product rounded to float64 (never fused) and summed in the same
// fixed order as Sum64. It panics if the lengths differ.
func Dot64(x, y []float64) float64 {
	checkLen2("Dot64", len(x), len(y))
	return impl.f64.dot(x, y)
}

// MaxIndex32 returns the index of the first maximum of x. As in PyTorch's argmax, NaN counts as
// larger than any number, so the index of the first NaN is returned if there is one. It panics if x
// is empty.
func MaxIndex32(x []float32) int {
	checkNonEmpty("MaxIndex32", len(x))
	return impl.f32.maxIndex(x)
}

// MaxIndex64 is MaxIndex32 for float64.
func MaxIndex64(x []float64) int {
	checkNonEmpty("MaxIndex64", len(x))
	return impl.f64.maxIndex(x)
}
