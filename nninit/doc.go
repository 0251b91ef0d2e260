// Package nninit fills tensors in place with the initialization schemes of
// PyTorch's torch.nn.init (version 1.13), reproducing PyTorch's results bit
// for bit on the reference build (x86-64 with AVX2, no MKL). The package is
// called nninit because a Go package cannot be imported under the name init.
//
// Every function mirrors one of PyTorch's trailing-underscore functions: it
// writes into its tensor argument and returns it, so calls can be chained or
// used as expressions:
//
//	rng.ManualSeed(0)                                            // torch.manual_seed(0)
//	w := nninit.KaimingUniform(tensor.Zeros(4, 5), nninit.ReLU)
//
// # Parity with PyTorch
//
// The scalar parameter arithmetic (fans, gains, standard deviations and
// bounds) is evaluated in float64 in exactly PyTorch's expression order, and
// the draws go through package rng, which reproduces PyTorch's CPU generator
// and its uniform and normal sampling paths. With the same seed and the same
// sequence of calls, Uniform, Normal, XavierUniform, XavierNormal,
// KaimingUniform, KaimingNormal, Sparse and the deterministic fills (Constant,
// Ones, Zeros, Eye, Dirac) give exactly PyTorch's float32 and float64 bit
// patterns, for contiguous tensors and for non-contiguous views (which are
// filled in memory order, as PyTorch does). TruncNormal is bit-exact for
// float32 tensors (see its documentation for the conditions); Orthogonal
// draws exactly PyTorch's matrix but factors it with a different QR
// implementation than LAPACK, so its results agree to about 1e-7 rather than
// bit for bit.
//
// # Generators
//
// Functions that draw random numbers use rng.Default(), the counterpart of
// PyTorch's global generator, unless they are given WithGenerator(g), the
// counterpart of the generator= argument that PyTorch 2.x added to nn.init.
//
// # Autograd and errors
//
// Initializers write without recording anything for autograd, as PyTorch runs
// them under torch.no_grad(), so they can be applied to parameters that
// require grad. Misuse (a tensor with the wrong number of dimensions, groups
// that do not divide the output channels, a negative standard deviation) is a
// programming error and panics with PyTorch's message and the offending
// values.
//
// # Options
//
// Options come in families checked by the compiler: KaimingOption (A, FanIn
// or FanOut, a Nonlinearity constant such as ReLU), XavierOption (Gain) and
// DrawOption; WithGenerator belongs to all three. Passing an option to a
// function that does not take it does not compile.
package nninit
