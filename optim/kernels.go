package optim

import (
	"math"
	"runtime"
	"unsafe"

	"github.com/intercept-ml/intercept/internal/fp"
	"github.com/intercept-ml/intercept/internal/kernel"
)

// The update arithmetic lives in package kernel (Adam32, RMSprop32, SGD32 and their float64
// forms): PyTorch 1.13's single-tensor CPU implementations operation by operation, in the
// element type of the parameter, with the fused multiply-adds of ATen's AVX2 build, on vector
// kernels that give the portable code's bits (pytorch_test.go compares the results with
// PyTorch's bit for bit). Python scalars (lr, betas, 1 − β, ...) are doubles that meet a tensor
// of type T rounded to T: the scalars are rounded here.

type float interface{ float32 | float64 }

// fma returns a·b + c rounded once to T.
func fma[T float](a, b, c T) T {
	if unsafe.Sizeof(a) == 4 {
		// The product of two float32 values is exact in float64, so s is
		// a·b + c rounded once to float64 whether or not the compiler
		// fuses the addition. Rounding s to float32 is then correct unless
		// s is a float32 midpoint that is not exact (or lies below the
		// normal range), which fp.FMA32 handles. Exact midpoints are
		// common — a sum of two floats often is one — and round correctly.
		s := float64(a)*float64(b) + float64(c)
		u := math.Float64bits(s)
		if u&(0x7ff<<52) >= (1023-126)<<52 {
			if u&(1<<29-1) != 1<<28 {
				return T(float32(s))
			}
			p, z := float64(float64(a)*float64(b)), float64(c)
			bv := s - p // TwoSum: the rounding error of s = fl(p + z)
			if (p-(s-bv))+(z-bv) == 0 {
				return T(float32(s))
			}
		}
		return T(fp.FMA32(float32(a), float32(b), float32(c)))
	}
	return T(math.FMA(float64(a), float64(b), float64(c)))
}

// sqrt returns the correctly rounded square root in T (the float64 square
// root of a float32 rounds correctly to float32).
func sqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }

// parallelGrain is the number of elements per core below which parallel
// runs its function on the caller's goroutine. Step functions test
// splits first, so that small parameters (the lab's networks) do not pay
// for a closure that escapes to the worker pool.
const parallelGrain = 1 << 15

// splits reports whether parallel would split n elements across cores.
func splits(n int) bool { return n >= 2*parallelGrain && runtime.GOMAXPROCS(0) > 1 }

// parallel calls fn on consecutive ranges [lo, hi) covering [0, n), on
// the kernel package's worker pool when n is large. The kernels are
// element-wise, so the results do not depend on the split.
func parallel(n int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n/parallelGrain)
	if w <= 1 {
		fn(0, n)
		return
	}
	kernel.ParallelFor(w, func(k int) { fn(k*n/w, (k+1)*n/w) })
}

// sub returns s[lo:hi], or nil for a nil s.
func sub[T float](s []T, lo, hi int) []T {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}
