package rng

import "github.com/intercept-ml/intercept/internal/glibm"

// The float64 logarithm, sine and cosine of the normal paths (A) and (C).
// PyTorch calls glibc's, and Go's math package differs from glibc by one ulp
// on roughly a quarter of the inputs these paths see, which changes float64
// results (float32 results of path (A) are not affected in practice). All
// double-precision libm calls of this package go through these three
// functions, which use glibm's bit-exact ports of glibc 2.36 (x86-64 FMA
// builds).

func dlog(x float64) float64 { return glibm.Log(x) }

func dsin(x float64) float64 { return glibm.Sin(x) }

func dcos(x float64) float64 { return glibm.Cos(x) }
