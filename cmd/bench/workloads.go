package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// workload is one benchmark: setup builds its state and returns a step
// function; each step does work units of work (flops for GFLOP/s,
// samples for samples/s, one step for µs/step, one run for s/run).
type workload struct {
	name  string
	unit  string // "GFLOP/s", "samples/s", "us/step" or "s/run"
	setup func() (step func(), work float64)
	// check, if set, builds the workload afresh, runs three steps and
	// returns the loss of the third (for products, the sum of the squared
	// elements of the result): bench.py computes the same number from the
	// same seed, which shows that both sides did the same work.
	check func() float64
	// goOnly workloads have no PyTorch twin (the whole lab).
	goOnly bool
	// minSteps is the fewest steps of a repetition (default 3); a workload
	// whose one step takes seconds sets 1 and skips the warm-up.
	minSteps int
}

// stepper is what a checked workload's setup builds: a step function and
// the loss tensor its last call computed.
type stepper struct {
	step func()
	last func() *tensor.Tensor
}

// checked makes a workload whose check runs three steps of a fresh build.
func checked(name, unit string, work float64, build func() stepper) workload {
	return workload{name: name, unit: unit,
		setup: func() (func(), float64) { return build().step, work },
		check: func() float64 {
			s := build()
			for range 3 {
				s.step()
			}
			return s.last().Item()
		}}
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
		train("mlp_b1", 1, []int{1, 784}, newMLP(784, 256, 256, 10)),
		train("mlp_b8", 8, []int{1, 784}, newMLP(784, 256, 256, 10)),
		train("mlp_b2048", 2048, []int{1, 784}, newMLP(784, 256, 256, 10)),
		trainWith("mlp_f64_b64", tensor.Float64, 64, []int{1, 784}, newMLP64(784, 256, 256, 10), newSGD),
		infer("infer_b1", 1),
		infer("infer_b256", 256),
		convStep("conv3x3_64_b32"),
		trainWith("cifar_cnn_b64", tensor.Float32, 64, []int{1, 3, 32, 32}, newCIFARNet, func(ps []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(ps, optim.LR(0.01), optim.Momentum(0.9))
		}),
		trainWith("mlp_adam_b64", tensor.Float32, 64, []int{1, 784}, newMLP(784, 256, 256, 10), newAdam),
		trainWith("lab_trial_adam_b32", tensor.Float32, 32, []int{1, 64}, newMLP(64, 128, 10), newAdam),
		linearStep(),
		recurrentStep("lstm_h128_s50_b32", func() nn.Module { return nn.NewLSTM(64, 128) }),
		recurrentStep("gru_h128_s50_b32", func() nn.Module { return nn.NewGRU(64, 128) }),
		transformerEncoderStep(),
		labRun(),
	)
	return ws
}

// matmul multiplies an m×k by a k×n float32 matrix (torch.mm).
// Neither input requires a gradient, so no graph is recorded (as in
// bench.py, which does not wrap torch.mm in torch.no_grad()).
func matmul(name string, m, k, n int) workload {
	return checked(name, "GFLOP/s", 2*float64(m)*float64(k)*float64(n), func() stepper {
		rng.ManualSeed(0)
		a, b := rng.Randn(m, k), rng.Randn(k, n)
		var c *tensor.Tensor
		return stepper{func() { c = tensor.Matmul(a, b) }, func() *tensor.Tensor { return c.Mul(c).Sum() }}
	})
}

// matmulOut is matmul writing into one preallocated result
// (torch.mm(a, b, out=c)): the GEMM alone, without allocating, zeroing and
// collecting a result per product.
func matmulOut(name string, m, k, n int) workload {
	return checked(name, "GFLOP/s", 2*float64(m)*float64(k)*float64(n), func() stepper {
		rng.ManualSeed(0)
		a, b := rng.Randn(m, k), rng.Randn(k, n)
		c := tensor.Empty(tensor.Float32, m, n)
		return stepper{func() { tensor.MatmulInto(c, a, b) }, func() *tensor.Tensor { return c.Mul(c).Sum() }}
	})
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

// newMLP64 is newMLP with float64 parameters (nn.Linear(..., dtype=torch.float64)).
func newMLP64(widths ...int) func() nn.Module {
	return func() nn.Module {
		var layers []nn.Module
		for i := 0; i+1 < len(widths); i++ {
			if i > 0 {
				layers = append(layers, nn.NewReLU())
			}
			layers = append(layers, nn.NewLinear(widths[i], widths[i+1], nn.WithDType(tensor.Float64)))
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
	return trainWith(name, tensor.Float32, batch, shape, build, newSGD)
}

// newSGD is SGD with learning rate 0.01, the suite's default optimizer.
func newSGD(params []*tensor.Tensor) optim.Optimizer { return optim.NewSGD(params, optim.LR(0.01)) }

// newAdam is Adam with PyTorch's defaults (lr 1e-3, betas 0.9 and 0.999,
// eps 1e-8).
func newAdam(params []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(params) }

// trainWith is train with a given input dtype and the optimizer built by
// newOpt.
func trainWith(name string, dt tensor.DType, batch int, shape []int, build func() nn.Module, newOpt func([]*tensor.Tensor) optim.Optimizer) workload {
	return checked(name, "samples/s", float64(batch), func() stepper {
		rng.ManualSeed(0)
		model := build()
		opt := newOpt(nn.Parameters(model))
		in := append([]int{batch}, shape[1:]...)
		x := rng.RandnOf(dt, in...)
		labels := make([]int64, batch)
		for i := range labels {
			labels[i] = int64(i % 10)
		}
		y := tensor.FromInt64(labels, batch)
		var loss *tensor.Tensor
		return stepper{func() {
			opt.ZeroGrad()
			loss = nn.CrossEntropyLoss(model.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, func() *tensor.Tensor { return loss }}
	})
}

// infer measures the forward pass of the MLP 784-256-256-10 under NoGrad
// on a fixed random batch (torch.no_grad() in bench.py): latency in µs at
// batch 1, samples/s otherwise. Its check is the sum of the squared
// logits of one pass.
func infer(name string, batch int) workload {
	unit, work := "samples/s", float64(batch)
	if batch == 1 {
		unit, work = "us/step", 1
	}
	return checked(name, unit, work, func() stepper {
		rng.ManualSeed(0)
		model := newMLP(784, 256, 256, 10)()
		x := rng.Randn(batch, 784)
		var out *tensor.Tensor
		return stepper{func() {
			tensor.NoGrad(func() { out = model.Forward(x) })
		}, func() *tensor.Tensor { return out.Mul(out).Sum() }}
	})
}

// convStep measures the forward and backward pass of Conv2d(64, 64, 3,
// padding 1) on a (32, 64, 32, 32) input that requires its gradient (as
// an inner layer of a network), with MSE against a fixed random target;
// no optimizer step, gradients zeroed each step.
func convStep(name string) workload {
	const batch = 32
	return checked(name, "samples/s", batch, func() stepper {
		rng.ManualSeed(0)
		conv := nn.NewConv2d(64, 64, 3, nn.Padding(1))
		x, y := rng.Randn(batch, 64, 32, 32), rng.Randn(batch, 64, 32, 32)
		x.SetRequiresGrad(true)
		grads := optim.NewSGD(append(nn.Parameters(conv), x), optim.LR(0.01)) // only to zero the gradients
		var loss *tensor.Tensor
		return stepper{func() {
			grads.ZeroGrad()
			loss = nn.MSELoss(conv.Forward(x), y)
			loss.Backward()
		}, func() *tensor.Tensor { return loss }}
	})
}

// newCIFARNet builds a small CIFAR-shaped CNN for 3×32×32 inputs: conv
// 3→32, ReLU, conv 32→32, ReLU, max-pool 2, conv 32→64, ReLU, max-pool 2,
// flatten, linear 4096→10 (3×3 convolutions with padding 1).
func newCIFARNet() nn.Module {
	return nn.NewSequential(
		nn.NewConv2d(3, 32, 3, nn.Padding(1)), nn.NewReLU(),
		nn.NewConv2d(32, 32, 3, nn.Padding(1)), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewConv2d(32, 64, 3, nn.Padding(1)), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewFlatten(),
		nn.NewLinear(64*8*8, 10),
	)
}

// labRun measures the whole `intercept lab` on its defaults, end to end
// (training, analysis, report), as a user runs it: the command is built
// once and run with --quiet into a fresh directory each time. It has no
// PyTorch twin.
func labRun() workload {
	return workload{name: "lab", unit: "s/run", goOnly: true, minSteps: 1, setup: func() (func(), float64) {
		dir, err := os.MkdirTemp("", "intercept-bench-lab-")
		if err != nil {
			fatal(err)
		}
		bin := filepath.Join(dir, "intercept")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/intercept").CombinedOutput(); err != nil {
			fatal(fmt.Errorf("building ./cmd/intercept for the lab workload (run the bench from the repository root): %v\n%s", err, out))
		}
		n := 0
		return func() {
			n++
			out := filepath.Join(dir, fmt.Sprintf("run-%d", n))
			if b, err := exec.Command(bin, "lab", "--quiet", "--out", out).CombinedOutput(); err != nil {
				fatal(fmt.Errorf("intercept lab: %v\n%s", err, b))
			}
			os.RemoveAll(out)
		}, 1
	}}
}

// linearStep measures the latency of one training step of Linear(3, 1) on a
// batch of 4 with MSE loss and SGD.
func linearStep() workload {
	return checked("linear3_b4_step", "us/step", 1, func() stepper {
		rng.ManualSeed(0)
		layer := nn.NewLinear(3, 1)
		opt := optim.NewSGD(nn.Parameters(layer), optim.LR(0.01))
		x, y := rng.Randn(4, 3), rng.Randn(4, 1)
		var loss *tensor.Tensor
		return stepper{func() {
			opt.ZeroGrad()
			loss = nn.MSELoss(layer.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, func() *tensor.Tensor { return loss }}
	})
}

// recurrentStep measures training steps (zero grad, forward, MSE loss of the
// outputs against a fixed random target, backward, SGD step) of a
// one-layer recurrent network with input 64 and hidden 128 on a fixed
// random batch of 32 sequences of 50 steps (L, N, H_in) = (50, 32, 64).
func recurrentStep(name string, build func() nn.Module) workload {
	const seq, batch, in, hidden = 50, 32, 64, 128
	return checked(name, "samples/s", batch, func() stepper {
		rng.ManualSeed(0)
		model := build()
		opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.01))
		x, y := rng.Randn(seq, batch, in), rng.Randn(seq, batch, hidden)
		var loss *tensor.Tensor
		return stepper{func() {
			opt.ZeroGrad()
			loss = nn.MSELoss(model.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, func() *tensor.Tensor { return loss }}
	})
}

// transformerEncoderStep measures training steps of
// TransformerEncoderLayer(d_model 128, 4 heads, dim_feedforward 512,
// dropout 0.1, batch_first) on a (batch 32, sequence 64, 128) batch with MSE
// loss against a fixed random target and SGD.
func transformerEncoderStep() workload {
	const batch, seq, d = 32, 64, 128
	return checked("transformer_enc_b32_s64", "samples/s", batch, func() stepper {
		rng.ManualSeed(0)
		layer := nn.NewTransformerEncoderLayer(d, 4, nn.DimFeedforward(512), nn.BatchFirst)
		opt := optim.NewSGD(nn.Parameters(layer), optim.LR(0.01))
		x, y := rng.Randn(batch, seq, d), rng.Randn(batch, seq, d)
		var loss *tensor.Tensor
		return stepper{func() {
			opt.ZeroGrad()
			loss = nn.MSELoss(layer.Forward(x), y)
			loss.Backward()
			opt.Step()
		}, func() *tensor.Tensor { return loss }}
	})
}
