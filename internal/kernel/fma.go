package kernel

import (
	"math"
	"unsafe"

	"github.com/intercept-ml/intercept/internal/fp"
)

// fmaTry returns a*b + s rounded once to T and true, or an unspecified value and false where only
// fmaExact can tell: the step of every GEMM sum, in every implementation. It is small enough to
// inline; a loop of steps collects the flags and redoes its sums with fmaExact when one is false
// (never for float64, nor for float32 where the compiler fuses, see fma32Try).
func fmaTry[T float](a, b, s T) (T, bool) {
	if unsafe.Sizeof(s) == 4 {
		r, ok := fma32Try(float32(a), float32(b), float32(s))
		return T(r), ok
	}
	return T(math.FMA(float64(a), float64(b), float64(s))), true
}

// fmaExact returns a*b + s rounded once to T (fp.FMA32 for float32, math.FMA for float64).
func fmaExact[T float](a, b, s T) T {
	if unsafe.Sizeof(s) == 4 {
		return T(fp.FMA32(float32(a), float32(b), float32(s)))
	}
	return T(math.FMA(float64(a), float64(b), float64(s)))
}

// emulTiny bounds the tiny check of the emulated float32 micro-kernel (micro32_emul.go): a step's
// float64 sum t is non-zero and below 2^-126 in magnitude when (bits(t)<<1) - 1 < emulTiny.
const emulTiny = 897<<53 - 1

// microExact32 forms the mr×nr sums of a micro-kernel over kc packed steps (see microKernel) with
// fp.FMA32, into s (row-major, mr×nr): the slow path of the emulated float32 micro-kernel.
func microExact32(kc, mr, nr int, a, b, s []float32) {
	clear(s[:mr*nr])
	for p := range kc {
		ap := a[p*mr:][:mr]
		bp := b[p*nr:][:nr]
		for i, x := range ap {
			row := s[i*nr:][:nr]
			for j, y := range bp {
				row[j] = fp.FMA32(x, y, row[j])
			}
		}
	}
}
