package main

import (
	"fmt"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// workload is one benchmark: setup builds its state and returns a step
// function; each step does work units of work (flops for GFLOP/s,
// samples for samples/s, one step for µs).
type workload struct {
	name  string
	unit  string // "GFLOP/s", "samples/s" or "us/step"
	setup func() (step func(), work float64)
}

// workloads lists the suite in its fixed order. bench/pytorch/bench.py
// defines the same workloads under the same names.
func workloads() []workload {
	var ws []workload
	for _, s := range []int{64, 128, 256, 512, 1024, 2048} {
		ws = append(ws, matmul(fmt.Sprintf("matmul_%d", s), s, s, s))
	}
	ws = append(ws, matmul("matmul_64x784x256", 64, 784, 256))
	for _, s := range []int{64, 128, 256, 512, 1024, 2048} {
		ws = append(ws, matmulOut(fmt.Sprintf("matmul_out_%d", s), s, s, s))
	}
	ws = append(ws,
		matmulOut("matmul_out_64x784x256", 64, 784, 256),
		train("mlp_b64", 64, []int{1, 784}, newMLP(784, 256, 256, 10)),
		train("mlp_b256", 256, []int{1, 784}, newMLP(784, 256, 256, 10)),
		train("lenet5_b64", 64, []int{1, 1, 28, 28}, newLeNet5),
		train("mlp30_b128", 128, []int{1, 256}, newDeepMLP(30, 256, 10)),
		trainWith("mlp_adam_b64", 64, []int{1, 784}, newMLP(784, 256, 256, 10), newAdam),
		trainWith("lab_trial_adam_b32", 32, []int{1, 64}, newMLP(64, 128, 10), newAdam),
		linearStep(),
		recurrentStep("lstm_h128_s50_b32", func() nn.Module { return nn.NewLSTM(64, 128) }),
		recurrentStep("gru_h128_s50_b32", func() nn.Module { return nn.NewGRU(64, 128) }),
		transformerEncoderStep(),
	)
	return ws
}

// matmul multiplies an m×k by a k×n float32 matrix (torch.mm).
func matmul(name string, m, k, n int) workload {
	return workload{name: name, unit: "GFLOP/s", setup: func() (func(), float64) {
		rng.ManualSeed(0)
		a, b := rng.Randn(m, k), rng.Randn(k, n)
		return func() {
			tensor.NoGrad(func() { tensor.Matmul(a, b) })
		}, 2 * float64(m) * float64(k) * float64(n)
	}}
}

// matmulOut is matmul writing into one preallocated result
// (torch.mm(a, b, out=c)): the GEMM alone, without allocating, zeroing and
// collecting a result per product.
func matmulOut(name string, m, k, n int) workload {
	return workload{name: name, unit: "GFLOP/s", setup: func() (func(), float64) {
		rng.ManualSeed(0)
		a, b := rng.Randn(m, k), rng.Randn(k, n)
		c := tensor.Empty(tensor.Float32, m, n)
		return func() {
			tensor.MatmulInto(c, a, b)
		}, 2 * float64(m) * float64(k) * float64(n)
	}}
}

// newMLP returns a constructor of Linear-ReLU-…-Linear with the given widths.
func newMLP(widths ...int) func() nn.Module {
	return func() nn.Module {
		var layers []nn.Module
		for i := 0; i+1 < len(widths); i++ {
			if i > 0 {
				layers = append(layers, nn.NewReLU())
			}
			layers = append(layers, nn.NewLinear(widths[i], widths[i+1]))
		}
		return nn.NewSequential(layers...)
	}
}

// newDeepMLP returns a constructor of a ReLU MLP of depth Linear layers:
// depth-1 of width×width and a final width×classes.
func newDeepMLP(depth, width, classes int) func() nn.Module {
	widths := []int{width}
	for range depth - 1 {
		widths = append(widths, width)
	}
	return newMLP(append(widths, classes)...)
}

// newLeNet5 builds LeNet-5 for 28×28 inputs: conv(1→6, 5, pad 2), ReLU,
// max-pool 2, conv(6→16, 5), ReLU, max-pool 2, flatten, 400→120→84→10.
func newLeNet5() nn.Module {
	return nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Padding(2)), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewConv2d(6, 16, 5), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewFlatten(),
		nn.NewLinear(400, 120), nn.NewReLU(),
		nn.NewLinear(120, 84), nn.NewReLU(),
		nn.NewLinear(84, 10),
	)
}

// train measures training steps (zero grad, forward, cross-entropy,
// backward, SGD step) on a fixed random batch; shape is the input shape
// with the batch dimension given as 1.
func train(name string, batch int, shape []int, build func() nn.Module) workload {
	return trainWith(name, batch, shape, build, newSGD)
}

// newSGD is SGD with learning rate 0.01, the suite's default optimizer.
func newSGD(params []*tensor.Tensor) optim.Optimizer { return optim.NewSGD(params, optim.LR(0.01)) }

// newAdam is Adam with PyTorch's defaults (lr 1e-3, betas 0.9 and 0.999,
// eps 1e-8).
func newAdam(params []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(params) }

// trainWith is train with the optimizer built by newOpt.
func trainWith(name string, batch int, shape []int, build func() nn.Module, newOpt func([]*tensor.Tensor) optim.Optimizer) workload {
	return workload{name: name, unit: "samples/s", setup: func() (func(), float64) {
		rng.ManualSeed(0)
		model := build()
		opt := newOpt(nn.Parameters(model))
		in := append([]int{batch}, shape[1:]...)
		x := rng.Randn(in...)
		labels := make([]int64, batch)
		for i := range labels {
			labels[i] = int64(i % 10)
		}
		y := tensor.FromInt64(labels, batch)
		return func() {
			opt.ZeroGrad()
			loss := nn.CrossEntropyLoss(model.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, float64(batch)
	}}
}

// linearStep measures the latency of one training step of Linear(3, 1) on a
// batch of 4 with MSE loss and SGD.
func linearStep() workload {
	return workload{name: "linear3_b4_step", unit: "us/step", setup: func() (func(), float64) {
		rng.ManualSeed(0)
		layer := nn.NewLinear(3, 1)
		opt := optim.NewSGD(nn.Parameters(layer), optim.LR(0.01))
		x, y := rng.Randn(4, 3), rng.Randn(4, 1)
		return func() {
			opt.ZeroGrad()
			loss := nn.MSELoss(layer.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, 1
	}}
}

// recurrentStep measures training steps (zero grad, forward, MSE loss of the
// outputs against a fixed random target, backward, SGD step) of a
// one-layer recurrent network with input 64 and hidden 128 on a fixed
// random batch of 32 sequences of 50 steps (L, N, H_in) = (50, 32, 64).
func recurrentStep(name string, build func() nn.Module) workload {
	const seq, batch, in, hidden = 50, 32, 64, 128
	return workload{name: name, unit: "samples/s", setup: func() (func(), float64) {
		rng.ManualSeed(0)
		model := build()
		opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.01))
		x, y := rng.Randn(seq, batch, in), rng.Randn(seq, batch, hidden)
		return func() {
			opt.ZeroGrad()
			loss := nn.MSELoss(model.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, batch
	}}
}

// transformerEncoderStep measures training steps of
// TransformerEncoderLayer(d_model 128, 4 heads, dim_feedforward 512,
// dropout 0.1, batch_first) on a (batch 32, sequence 64, 128) batch with MSE
// loss against a fixed random target and SGD.
func transformerEncoderStep() workload {
	const batch, seq, d = 32, 64, 128
	return workload{name: "transformer_enc_b32_s64", unit: "samples/s", setup: func() (func(), float64) {
		rng.ManualSeed(0)
		layer := nn.NewTransformerEncoderLayer(d, 4, nn.DimFeedforward(512), nn.BatchFirst)
		opt := optim.NewSGD(nn.Parameters(layer), optim.LR(0.01))
		x, y := rng.Randn(batch, seq, d), rng.Randn(batch, seq, d)
		return func() {
			opt.ZeroGrad()
			loss := nn.MSELoss(layer.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, batch
	}}
}
