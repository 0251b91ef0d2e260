package optim_test

import (
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

func benchStep(b *testing.B, n int, mk func(p []*tensor.Tensor) optim.Optimizer) {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	p := tensor.NewParameter(g.Randn(n))
	p.Grad = g.Randn(n)
	o := mk([]*tensor.Tensor{p})
	b.SetBytes(int64(4 * n))
	b.ResetTimer()
	for range b.N {
		o.Step()
	}
}

// BenchmarkSGDStep and the others update one float32 parameter of 2^20
// elements per iteration; the 200k variants one of 200,000.
func BenchmarkSGDStep(b *testing.B) {
	benchStep(b, 1<<20, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9), optim.WeightDecay(1e-4))
	})
}

func BenchmarkAdamStep(b *testing.B) {
	benchStep(b, 1<<20, func(p []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(p) })
}

func BenchmarkRMSpropStep(b *testing.B) {
	benchStep(b, 1<<20, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewRMSprop(p, optim.Momentum(0.9), optim.Centered)
	})
}

func BenchmarkSGDStep200k(b *testing.B) {
	benchStep(b, 200_000, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9), optim.WeightDecay(1e-4))
	})
}

func BenchmarkSGDNesterovStep200k(b *testing.B) {
	benchStep(b, 200_000, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9), optim.Nesterov, optim.WeightDecay(1e-4))
	})
}

func BenchmarkAdamStep200k(b *testing.B) {
	benchStep(b, 200_000, func(p []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(p) })
}

func BenchmarkAdamWAMSGradStep200k(b *testing.B) {
	benchStep(b, 200_000, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewAdamW(p, optim.AMSGrad)
	})
}

func BenchmarkRMSpropStep200k(b *testing.B) {
	benchStep(b, 200_000, func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewRMSprop(p, optim.Momentum(0.9), optim.Centered)
	})
}

// labTrial returns the lab's typical trial model, MLP 64-128-10, with a
// batch of 32 inputs and class labels.
func labTrial() (nn.Module, *tensor.Tensor, *tensor.Tensor) {
	rng.ManualSeed(0)
	model := nn.NewSequential(nn.NewLinear(64, 128), nn.NewReLU(), nn.NewLinear(128, 10))
	x := rng.Randn(32, 64)
	labels := make([]int64, 32)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	return model, x, tensor.FromInt64(labels, 32)
}

// BenchmarkAdamLabTrialStep is one Adam step over the parameters of the
// lab's MLP 64-128-10 (four tensors, 9,610 values).
func BenchmarkAdamLabTrialStep(b *testing.B) {
	model, x, y := labTrial()
	opt := optim.NewAdam(nn.Parameters(model))
	nn.CrossEntropyLoss(model.Forward(x), y).Backward()
	b.ResetTimer()
	for range b.N {
		opt.Step()
	}
}

// BenchmarkAdamLabTrialTrain is a whole training step of the lab trial
// (zero grad, forward, cross-entropy, backward, Adam step) on a batch of 32.
func BenchmarkAdamLabTrialTrain(b *testing.B) {
	model, x, y := labTrial()
	opt := optim.NewAdam(nn.Parameters(model))
	b.ResetTimer()
	for range b.N {
		opt.ZeroGrad()
		nn.CrossEntropyLoss(model.Forward(x), y).Backward()
		opt.Step()
	}
}

// BenchmarkAdamMLP784Step is one Adam step over the parameters of MLP
// 784-256-256-10 (269,322 values).
func BenchmarkAdamMLP784Step(b *testing.B) {
	rng.ManualSeed(0)
	model := nn.NewSequential(nn.NewLinear(784, 256), nn.NewReLU(), nn.NewLinear(256, 256), nn.NewReLU(), nn.NewLinear(256, 10))
	for _, p := range nn.Parameters(model) {
		p.Grad = rng.Randn(p.Shape()...)
	}
	opt := optim.NewAdam(nn.Parameters(model))
	b.ResetTimer()
	for range b.N {
		opt.Step()
	}
}

// BenchmarkAdamTinyStep is one Adam step over eight parameters of 16
// values: the per-parameter cost of a step.
func BenchmarkAdamTinyStep(b *testing.B) {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	var ps []*tensor.Tensor
	for range 8 {
		p := tensor.NewParameter(g.Randn(16))
		p.Grad = g.Randn(16)
		ps = append(ps, p)
	}
	opt := optim.NewAdam(ps)
	b.ResetTimer()
	for range b.N {
		opt.Step()
	}
}

// BenchmarkAdamMLP784Train is a whole training step of MLP 784-256-256-10
// with Adam on a batch of 64 (cmd/bench's mlp_adam_b64).
func BenchmarkAdamMLP784Train(b *testing.B) {
	rng.ManualSeed(0)
	model := nn.NewSequential(nn.NewLinear(784, 256), nn.NewReLU(), nn.NewLinear(256, 256), nn.NewReLU(), nn.NewLinear(256, 10))
	x := rng.Randn(64, 784)
	labels := make([]int64, 64)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	y := tensor.FromInt64(labels, 64)
	opt := optim.NewAdam(nn.Parameters(model))
	b.ResetTimer()
	for range b.N {
		opt.ZeroGrad()
		nn.CrossEntropyLoss(model.Forward(x), y).Backward()
		opt.Step()
	}
}
