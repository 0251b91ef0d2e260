package optim_test

import (
	"testing"

	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

func benchStep(b *testing.B, mk func(p []*tensor.Tensor) optim.Optimizer) {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	p := tensor.NewParameter(g.Randn(1 << 20))
	p.Grad = g.Randn(1 << 20)
	o := mk([]*tensor.Tensor{p})
	b.SetBytes(4 << 20)
	b.ResetTimer()
	for range b.N {
		o.Step()
	}
}

// BenchmarkSGDStep and the others update one float32 parameter of 2^20
// elements per iteration.
func BenchmarkSGDStep(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9), optim.WeightDecay(1e-4))
	})
}

func BenchmarkAdamStep(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(p) })
}

func BenchmarkRMSpropStep(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewRMSprop(p, optim.Momentum(0.9), optim.Centered)
	})
}
