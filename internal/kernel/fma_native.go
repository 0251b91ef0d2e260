//go:build arm64 || amd64.v3

package kernel

// fma32Try returns a*b + s rounded once to float32 and true. On arm64 and with GOAMD64=v3 and
// above the compiler contracts the expression into the CPU's float32 fused multiply-add (FMADDS,
// VFMADD231SS); TestFMA32 checks that it did.
func fma32Try(a, b, s float32) (float32, bool) { return a*b + s, true }

// fma32Native reports whether fma32Try relies on the compiler's contraction.
const fma32Native = true
