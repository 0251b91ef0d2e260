package kernel

import "fmt"

// float is the set of element types the kernels are written for.
type float interface {
	~float32 | ~float64
}

// ops holds one implementation's kernels for a single element type. The
// exported wrappers validate arguments and then call through these fields,
// so an implementation only ever sees well-formed input.
type ops[T float] struct {
	gemm         func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)
	gemmSource   func(g gemmProblem[T])               // a product whose B is a source (see GemmSource32)
	gemmSink     func(g gemmProblem[T], sink Sink[T]) // a product whose C goes to a sink (see GemmSink32)
	add          func(dst, x, y []T)
	sub          func(dst, x, y []T)
	mul          func(dst, x, y []T)
	div          func(dst, x, y []T)
	addScalar    func(dst, x []T, s T)
	mulScalar    func(dst, x []T, s T)
	axpy         func(dst []T, alpha T, x []T)
	relu         func(dst, x []T)
	addRowVector func(c []T, m, n int, bias []T)
	sum          func(x []T) float64
	dot          func(x, y []T) float64
	maxIndex     func(x []T) int
}

// implementation is a complete set of kernels, selected once in init.
type implementation struct {
	name string
	f32  ops[float32]
	f64  ops[float64]
	// gemmAcc32 sets C = C + op(A)·op(B) (Gemm32 with alpha 1, beta 1),
	// or nil to use f32.gemm.
	gemmAcc32      func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)
	reluBackward32 func(dst, g, y []float32)
	reluForward32  func(dst, x []float32)
	reluBackward64 func(dst, g, y []float64)
	reluForward64  func(dst, x []float64)
	maxPool2x2     func(y []float32, code []int32, r0, r1 []float32)
	copyRows32     func(dst []float32, dstStride int, src []float32, srcStride int, rows, width int)
	addRows32      func(dst []float32, dstStride int, src []float32, srcStride int, rows, width int)
	copyRows64     func(dst []float64, dstStride int, src []float64, srcStride int, rows, width int)
	addRows64      func(dst []float64, dstStride int, src []float64, srcStride int, rows, width int)
	// tanh32 is Tanh32 (sigmoid: Sigmoid32).
	tanh32 func(d []float32, sigmoid bool)
	// Optimizer steps (see Adam32, RMSprop32, SGD32 and their float64 forms).
	adam32    func(p, g, m, v, vmax []float32, s AdamScalars[float32])
	adam64    func(p, g, m, v, vmax []float64, s AdamScalars[float64])
	rmsprop32 func(p, g, sq, gavg, buf []float32, s RMSpropScalars[float32])
	rmsprop64 func(p, g, sq, gavg, buf []float64, s RMSpropScalars[float64])
	sgd32     func(p, g, buf []float32, s SGDScalars[float32])
	sgd64     func(p, g, buf []float64, s SGDScalars[float64])
}

// impl is the active implementation. It is written only by init.
var impl implementation

func init() {
	impl = defaultImplementation()
}

// Name reports the active kernel implementation: "avx512" or "avx2" for the
// assembly float32 and float64 GEMM micro-kernels (which use fused multiply-adds), or
// "purego" for the portable Go code (built with the purego tag, on other
// architectures, or on CPUs without AVX2 and FMA). The choice is made once
// at start-up from the CPU's features; the environment variable
// INTERCEPT_KERNEL=avx512|avx2|purego asks for one the CPU supports, and
// INTERCEPT_NOAVX512=1 skips AVX-512. Every implementation gives the same
// bits (see "One arithmetic" in the package doc).
func Name() string { return impl.name }

// FMAPeakLoop runs iters trips of a loop of independent vector fused
// multiply-adds with the active implementation's vector width and returns
// the floating-point operations per trip (0, without running anything, for
// the portable implementation). Timing it measures the machine's FMA peak
// for one core.
func FMAPeakLoop(iters int) (flopsPerTrip int) { return fmaLoop(iters) }

// checkGemm panics unless the arguments describe valid row-major operands:
// non-negative sizes, leading dimensions at least the stored row width, and
// slices long enough to hold every addressed element.
func checkGemm(fn string, transA, transB bool, m, n, k, lda, ldb, ldc, la, lb, lc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernel: %s: negative dimension m=%d n=%d k=%d", fn, m, n, k))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix(fn, "a", ar, ac, lda, la)
	checkMatrix(fn, "b", br, bc, ldb, lb)
	checkMatrix(fn, "c", m, n, ldc, lc)
}

func checkMatrix(fn, name string, rows, cols, ld, length int) {
	if ld < cols || ld < 0 {
		panic(fmt.Sprintf("kernel: %s: ld%s=%d less than row width %d", fn, name, ld, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; length < need {
		panic(fmt.Sprintf("kernel: %s: len(%s)=%d, need at least %d for %d×%d with stride %d", fn, name, length, need, rows, cols, ld))
	}
}

func checkLen2(fn string, dst, x int) {
	if dst != x {
		panic(fmt.Sprintf("kernel: %s: length mismatch: len(dst)=%d len(x)=%d", fn, dst, x))
	}
}

func checkLen3(fn string, dst, x, y int) {
	if dst != x || dst != y {
		panic(fmt.Sprintf("kernel: %s: length mismatch: len(dst)=%d len(x)=%d len(y)=%d", fn, dst, x, y))
	}
}

func checkRowVector(fn string, lc, m, n, lb int) {
	if m < 0 || n < 0 {
		panic(fmt.Sprintf("kernel: %s: negative dimension m=%d n=%d", fn, m, n))
	}
	if lc != m*n || lb != n {
		panic(fmt.Sprintf("kernel: %s: need len(c)=%d and len(bias)=%d, have %d and %d", fn, m*n, n, lc, lb))
	}
}

func checkNonEmpty(fn string, n int) {
	if n == 0 {
		panic("kernel: " + fn + ": empty slice")
	}
}

// Available lists the kernel implementations this CPU and build can run,
// best first; "purego" is always last.
func Available() []string {
	var names []string
	for _, im := range implementations() {
		names = append(names, im.name)
	}
	return names
}

// Use makes the named implementation (one of Available) the active one,
// for tests and benchmarks that compare code paths. It must not be called
// while kernels are running on other goroutines. It returns an error, and
// changes nothing, if the implementation is unknown or unsupported here.
func Use(name string) error {
	for _, im := range implementations() {
		if im.name == name {
			impl = im
			return nil
		}
	}
	return fmt.Errorf("kernel: implementation %q not available (have %v)", name, Available())
}
