package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// optLens covers empty slices, lengths below, at and around the vector widths (4, 8, 16 lanes)
// and long ones.
var optLens = []int{0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1029}

// optValues returns n values of magnitude around scale, with (when special) one in ten replaced
// by NaN, ±Inf, ±0 or a subnormal.
func optValues[T float](r *rand.Rand, n int, scale float64, positive, special bool) []T {
	x := make([]T, n)
	sp := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-40, -1e-310, 3e-39}
	for i := range x {
		v := r.NormFloat64() * scale * math.Exp(2*r.NormFloat64())
		if positive {
			v = math.Abs(v)
		}
		x[i] = T(v)
		if special && r.IntN(10) == 0 {
			x[i] = T(sp[r.IntN(len(sp))])
		}
	}
	return x
}

// sameOptBits reports whether a and b have the same bits, or are both NaN (the payload of a NaN
// may differ between implementations).
func sameOptBits[T float](a, b T) bool {
	if a != a && b != b {
		return true
	}
	if v, ok := any(a).(float32); ok {
		return math.Float32bits(v) == math.Float32bits(any(b).(float32))
	}
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
}

func clone2[T float](x []T) []T {
	if x == nil {
		return nil
	}
	return append([]T(nil), x...)
}

// optCase is one run of an optimizer kernel: state slices updated in place by step.
type optCase[T float] struct {
	name  string
	bufs  [][]T // p, then the state buffers (nil when unused)
	grads [][]T // the gradient of each step
	step  func(im *implementation, bufs [][]T, g []T, k int)
}

// runOpt runs c on every implementation and compares each state slice after every step with the
// portable implementation's, bit for bit.
func runOpt[T float](t *testing.T, c optCase[T]) {
	t.Helper()
	ref := pureGo()
	want := make([][]T, len(c.bufs))
	for i, b := range c.bufs {
		want[i] = clone2(b)
	}
	var wantSteps [][][]T
	for k, g := range c.grads {
		c.step(&ref, want, g, k)
		snap := make([][]T, len(want))
		for i, b := range want {
			snap[i] = clone2(b)
		}
		wantSteps = append(wantSteps, snap)
	}
	for _, im := range implementations() {
		if im.name == "purego" {
			continue
		}
		got := make([][]T, len(c.bufs))
		for i, b := range c.bufs {
			got[i] = clone2(b)
		}
		for k, g := range c.grads {
			c.step(&im, got, g, k)
			for i := range got {
				for j := range got[i] {
					if w := wantSteps[k][i][j]; !sameOptBits(got[i][j], w) {
						t.Fatalf("%s %s: step %d, slice %d, [%d] of %d: %v, want %v", im.name, c.name, k, i, j, len(got[i]), got[i][j], w)
					}
				}
			}
		}
	}
}

func testOptimizers[T float](t *testing.T, r *rand.Rand, special bool) {
	const steps = 3
	rt := func(x float64) T { return T(x) }
	for _, n := range optLens {
		grads := make([][]T, steps)
		for k := range grads {
			grads[k] = optValues[T](r, n, 0.5, false, special)
		}
		p := optValues[T](r, n, 1, false, special)
		opt := func(on bool, positive bool) []T {
			if !on {
				return nil
			}
			return optValues[T](r, n, 0.1, positive, special)
		}
		for f := range 16 {
			l2, ams, maximize, decoupled := f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
			lr := 0.001 + 0.1*r.Float64()
			wd := 0.0
			if l2 || decoupled {
				wd = 0.5 * r.Float64()
			}
			b1, b2, eps := 0.9*r.Float64(), 0.9+0.0999*r.Float64(), math.Pow(10, -8+4*r.Float64())
			runOpt(t, optCase[T]{
				name:  fmt.Sprintf("adam n=%d flags=%d", n, f),
				bufs:  [][]T{p, opt(true, false), opt(true, true), opt(ams, true)},
				grads: grads,
				step: func(im *implementation, b [][]T, g []T, k int) {
					bc1, bc2 := 1-math.Pow(b1, float64(k+1)), 1-math.Pow(b2, float64(k+1))
					s := AdamScalars[T]{WeightDecay: rt(wd), Beta1: rt(b1), OneMinusBeta1: rt(1 - b1), Beta2: rt(b2),
						OneMinusBeta2: rt(1 - b2), NegStepSize: rt(-lr / bc1), BiasCorrection2Sqrt: rt(math.Sqrt(bc2)),
						Eps: rt(eps), Decay: rt(1 - lr*wd), L2: l2 && !decoupled, AMSGrad: ams, Maximize: maximize, Decoupled: decoupled}
					callAdam(im, b[0], g, b[1], b[2], b[3], s)
				},
			})
		}
		for f := range 16 {
			l2, centered, mom, maximize := f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0
			s := RMSpropScalars[T]{WeightDecay: rt(0.3 * r.Float64()), Alpha: rt(0.5 + 0.5*r.Float64()), Eps: rt(math.Pow(10, -8+4*r.Float64())),
				Momentum: rt(r.Float64()), NegLR: rt(-0.1 * r.Float64()), L2: l2, UseMomentum: mom, Centered: centered, Maximize: maximize}
			s.OneMinusAlpha = 1 - s.Alpha
			runOpt(t, optCase[T]{
				name:  fmt.Sprintf("rmsprop n=%d flags=%d", n, f),
				bufs:  [][]T{p, opt(true, true), opt(centered, false), opt(mom, false)},
				grads: grads,
				step: func(im *implementation, b [][]T, g []T, k int) {
					callRMSprop(im, b[0], g, b[1], b[2], b[3], s)
				},
			})
		}
		for f := range 32 {
			l2, mom, nesterov, maximize, damp := f&1 != 0, f&2 != 0, f&4 != 0, f&8 != 0, f&16 != 0
			if !mom && (nesterov || damp) {
				continue
			}
			s := &SGDScalars[T]{WeightDecay: rt(0.3 * r.Float64()), Momentum: rt(r.Float64()), OneMinusDampening: 1,
				NegLR: rt(-0.1 * r.Float64()), L2: l2, UseMomentum: mom, Nesterov: nesterov, Maximize: maximize}
			if damp {
				s.OneMinusDampening = rt(1 - 0.5*r.Float64())
			}
			runOpt(t, optCase[T]{
				name:  fmt.Sprintf("sgd n=%d flags=%d", n, f),
				bufs:  [][]T{p, opt(mom, false)},
				grads: grads,
				step: func(im *implementation, b [][]T, g []T, k int) {
					s.First = k == 0
					callSGD(im, b[0], g, b[1], *s)
				},
			})
		}
	}
}

func callAdam[T float](im *implementation, p, g, m, v, vmax []T, s AdamScalars[T]) {
	switch any(p).(type) {
	case []float32:
		im.adam32(any(p).([]float32), any(g).([]float32), any(m).([]float32), any(v).([]float32), any(vmax).([]float32), any(s).(AdamScalars[float32]))
	default:
		im.adam64(any(p).([]float64), any(g).([]float64), any(m).([]float64), any(v).([]float64), any(vmax).([]float64), any(s).(AdamScalars[float64]))
	}
}

func callRMSprop[T float](im *implementation, p, g, sq, gavg, buf []T, s RMSpropScalars[T]) {
	switch any(p).(type) {
	case []float32:
		im.rmsprop32(any(p).([]float32), any(g).([]float32), any(sq).([]float32), any(gavg).([]float32), any(buf).([]float32), any(s).(RMSpropScalars[float32]))
	default:
		im.rmsprop64(any(p).([]float64), any(g).([]float64), any(sq).([]float64), any(gavg).([]float64), any(buf).([]float64), any(s).(RMSpropScalars[float64]))
	}
}

func callSGD[T float](im *implementation, p, g, buf []T, s SGDScalars[T]) {
	switch any(p).(type) {
	case []float32:
		im.sgd32(any(p).([]float32), any(g).([]float32), any(buf).([]float32), any(s).(SGDScalars[float32]))
	default:
		im.sgd64(any(p).([]float64), any(g).([]float64), any(buf).([]float64), any(s).(SGDScalars[float64]))
	}
}

// TestOptimizerKernels runs Adam/AdamW, RMSprop and SGD with every combination of options, three
// steps, on every implementation, on random values and on values salted with NaN, ±Inf, ±0 and
// subnormals, and requires every parameter and state value after every step to have the portable
// code's bits (any NaN matching any NaN).
func TestOptimizerKernels(t *testing.T) {
	for _, special := range []bool{false, true} {
		t.Run(fmt.Sprintf("special=%v", special), func(t *testing.T) {
			testOptimizers[float32](t, rand.New(rand.NewPCG(1, 2)), special)
			testOptimizers[float64](t, rand.New(rand.NewPCG(3, 4)), special)
		})
	}
}

// TestOptimizerKernelsLengths checks the exported wrappers' length checks.
func TestOptimizerKernelsLengths(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	a, b := make([]float32, 4), make([]float32, 5)
	mustPanic("Adam32 short m", func() { Adam32(a, a, b, a, nil, AdamScalars[float32]{}) })
	mustPanic("Adam32 vmax without AMSGrad", func() { Adam32(a, a, a, a, a, AdamScalars[float32]{}) })
	mustPanic("Adam32 AMSGrad without vmax", func() { Adam32(a, a, a, a, nil, AdamScalars[float32]{AMSGrad: true}) })
	mustPanic("RMSprop32 centered without gavg", func() { RMSprop32(a, a, a, nil, nil, RMSpropScalars[float32]{Centered: true}) })
	mustPanic("SGD32 momentum short buf", func() { SGD32(a, a, b, SGDScalars[float32]{UseMomentum: true}) })
	Adam32(a, a, a, a, a, AdamScalars[float32]{AMSGrad: true})
	SGD32(a, a, nil, SGDScalars[float32]{})
}
