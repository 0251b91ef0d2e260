// Package xmath provides the float64 elementary functions that intercept's numeric code uses
// (exp, log, log1p, tanh, erf, pow, sin, cos), written so that they return the same bits on every
// GOARCH, every GOAMD64 level and every CPU.
//
// Go's math package cannot promise that: math.Exp and math.Log have assembly on amd64 and arm64
// (and math.Exp on amd64 takes another path on CPUs without FMA), and its pure-Go functions are
// compiled with fused multiply-adds on arm64, where the Go specification lets the compiler fuse
// x*y + z. Here every product that feeds an addition is rounded explicitly (float64(x*y) + z), so
// no compiler can fuse it, and no function calls a math function with architecture-specific code
// except the exactly rounded ones (Sqrt, Abs, Floor, Modf, Frexp, Ldexp, FMA), whose results are
// defined by IEEE 754.
//
// Log, Sin and Cos are internal/glibm's bit-exact ports of glibc 2.36 (correctly rounded in all
// but rare cases). Exp follows the classic fdlibm algorithm (reduction by ln 2 in two parts, a
// degree-5 minimax polynomial of r², the Remez form 1 − ((lo − r·c/(2−c)) − hi)); Erf follows
// fdlibm's piecewise rational approximations; Tanh the Cephes rational approximation below 0.625
// and 1 − 2/(e^{2|x|} + 1) above; Log1p is log(u) + c/u for the rounded u = 1 + x and its exact
// rounding error c; Pow splits the exponent into an integer part, applied by repeated squaring of
// the mantissa, and a fractional part of at most ½ in magnitude, applied as exp(f·log x). Their
// measured accuracy against Go's math package and special values are in xmath_test.go.
package xmath
