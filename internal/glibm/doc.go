// Package glibm is a pure-Go, bit-exact port of the few GNU C Library 2.36 (x86-64) math functions
// that PyTorch 1.13's CPU random number generator calls: the double-precision log, sin and cos, and
// the single-precision erff, expf and logf.
//
// # Why
//
// PyTorch draws normal samples with the Box–Muller transform, r = sqrt(−2·log(1−u)), θ = 2π·u',
// r·cos θ, r·sin θ, evaluated in double precision with the C library's log, sin and cos, and its
// float32 erfinv (used by nn.init.trunc_normal_) refines its result with glibc's erff and expf.
// Go's math.Log, math.Sin and math.Cos are accurate to about one ulp but they are different
// algorithms: they disagree with glibc in 7 %, 23 % and 27 % of the Box–Muller inputs, and
// float32(math.Erf) disagrees with glibc's erff in a few per cent of inputs (3.4 % of those erfinv
// sees). Reproducing PyTorch's float64 normal draws and float32 trunc_normal_ bit for bit therefore
// needs glibc's own algorithms, constant tables and rounding sequence, which this package provides.
//
// # What exactly
//
// On an x86-64 CPU with FMA and AVX2, glibc 2.36 selects (through ifunc) builds of log, sin, cos,
// expf and logf that were compiled with -mfma -mavx2; GCC then contracted many a*b+c expressions
// into fused multiply-adds. The functions here reproduce those builds (__ieee754_log_fma,
// __sin_fma, __cos_fma, __expf_fma, __logf_fma), with math.FMA exactly where the machine code fuses
// and explicitly rounded products (float64(a*b) + c) everywhere else, so that the Go compiler
// cannot fuse them either (it does on GOAMD64=v3 and on arm64 and other targets). erff has a
// single, unfused build in glibc (fdlibm's float code); the large-argument reduction of sin and cos
// (__branred) is unfused too. The results are therefore the same on every GOARCH and GOAMD64 level,
// and equal to glibc's on an x86-64 machine with FMA and AVX2. On a CPU without them glibc picks
// its SSE2 (or other) builds of log, sin, cos, expf and logf, whose results can differ from these
// in the last bit; erff, which calls expf, can then differ too.
//
// The results were checked against the real glibc 2.36 (Debian 12) bit for bit, NaN payloads
// included: testdata/gen.c computes the reference data with glibc. The tests compare explicit
// vectors, hashed blocks of several million generated inputs per function (more with
// GLIBM_EXTRA=file, a file of "gen hashes" output), and a sample of the float32 inputs of erff,
// expf and logf (all 2^32 of them with GLIBM_EXHAUSTIVE=1).
//
// Rounding is to nearest, the only mode Go uses; errno and floating-point exception flags are not
// modelled.
//
// # Origin and licence
//
// The algorithms and tables are those of the GNU C Library 2.36, distributed under the GNU Lesser
// General Public License, version 2.1 or later: log, expf and logf come from ARM's
// optimized-routines (sysdeps/ieee754/dbl-64/e_log.c, sysdeps/ieee754/flt-32/e_expf.c, e_logf.c,
// Copyright ARM Ltd / Free Software Foundation), sin and cos from the IBM Accurate Mathematical
// Library (sysdeps/ieee754/dbl-64/s_sin.c, branred.c, sincostab.c, Copyright IBM Corp. / Free
// Software Foundation), erff from Sun Microsystems' fdlibm (sysdeps/ieee754/flt-32/s_erff.c,
// Copyright Sun Microsystems, Inc., freely distributable with its notice preserved). This Go
// translation is a derivative work of that code.
package glibm

import "math"

// fma is the fused multiply-add x*y + z with a single rounding. It marks the
// places where glibc's FMA build has a fused instruction.
func fma(x, y, z float64) float64 { return math.FMA(x, y, z) }

// quietNaN64 returns x (a NaN) with its quiet bit set, as an x86 arithmetic
// instruction returns a NaN operand.
func quietNaN64(x float64) float64 {
	return math.Float64frombits(math.Float64bits(x) | 1<<51)
}

// quietNaN32 is quietNaN64 for float32.
func quietNaN32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) | 1<<22)
}

// defaultNaN64 and defaultNaN32 are the NaNs that an x86 invalid operation
// (0/0, ∞−∞) produces: negative sign, quiet bit only.
const (
	defaultNaN64 = 0xfff8000000000000
	defaultNaN32 = 0xffc00000
)
