package optim_test

import (
	"fmt"
	"sort"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
)

// The outputs below are what PyTorch 1.13 prints for the same programs.

func ExampleSGD() {
	w := tensor.NewParameter(tensor.New([]float64{0.5, -1, 2}))
	target := tensor.New([]float64{1, 2, 3})
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.LR(0.1), optim.Momentum(0.9))
	for step := range 3 {
		opt.ZeroGrad()
		loss := nn.MSELoss(w, target)
		loss.Backward()
		opt.Step()
		fmt.Printf("step %d: loss %.4f\n", step, loss.Item())
	}
	fmt.Println(w)
	// Output:
	// step 0: loss 3.4167
	// step 1: loss 2.9763
	// step 2: loss 2.2478
	// Parameter containing:
	// tensor([0.6765, 0.0589, 2.3530], requires_grad=True)
}

func ExampleAdam() {
	w := tensor.NewParameter(tensor.New([]float64{0.5, -1, 2}))
	target := tensor.New([]float64{1, 2, 3})
	opt := optim.NewAdam([]*tensor.Tensor{w}, optim.LR(0.1))
	for range 3 {
		opt.ZeroGrad()
		nn.MSELoss(w, target).Backward()
		opt.Step()
	}
	fmt.Println(w)
	st := opt.StateDict().State[0]
	fmt.Println(st.Step, st.Buffers["exp_avg"], st.Buffers["exp_avg_sq"])
	// Output:
	// Parameter containing:
	// tensor([ 0.7951, -0.7004,  2.2984], requires_grad=True)
	// 3 tensor([-0.0711, -0.5227, -0.1614]) tensor([0.0002, 0.0112, 0.0011])
}

// Parameter groups: the head learns ten times faster than the body, and
// both have the momentum given to NewSGD.
func ExampleSGD_AddParamGroup() {
	body := nn.NewLinear(4, 8)
	head := nn.NewLinear(8, 2)
	opt := optim.NewSGD(nn.Parameters(body), optim.LR(0.01), optim.Momentum(0.9))
	opt.AddParamGroup(nn.Parameters(head), optim.LR(0.1))
	for i, g := range opt.ParamGroups() {
		fmt.Printf("group %d: %d tensors, lr %g, momentum %g\n", i, len(g.Params), g.LR, g.Momentum)
	}
	// Output:
	// group 0: 2 tensors, lr 0.01, momentum 0.9
	// group 1: 2 tensors, lr 0.1, momentum 0.9
}

// No weight decay on biases and normalization weights.
func ExampleSplitDecay() {
	model := nn.NewSequential(nn.NewLinear(3, 4), nn.NewLayerNorm([]int{4}), nn.NewLinear(4, 1))
	decay, noDecay := optim.SplitDecay(model)
	opt := optim.NewAdamW(decay, optim.LR(1e-3), optim.WeightDecay(0.05))
	opt.AddParamGroup(noDecay, optim.WeightDecay(0))
	for _, g := range opt.ParamGroups() {
		fmt.Printf("weight decay %g: %d tensors\n", g.WeightDecay, len(g.Params))
	}
	// Output:
	// weight decay 0.05: 2 tensors
	// weight decay 0: 4 tensors
}

func ExampleNewCosineAnnealingLR() {
	w := tensor.NewParameter(tensor.Zeros(1))
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.LR(0.1))
	sched := optim.NewCosineAnnealingLR(opt, 4)
	lrs := sched.LastLR()
	for range 6 {
		opt.Step()
		sched.Step()
		lrs = append(lrs, sched.LastLR()...)
	}
	fmt.Println(lrs)
	// Output:
	// [0.1 0.08535533905932738 0.05 0.014644660940672627 0 0.014644660940672622 0.05000000000000001]
}

func ExampleNewOneCycleLR() {
	w := tensor.NewParameter(tensor.Zeros(1))
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.LR(0.1), optim.Momentum(0.9))
	sched := optim.NewOneCycleLR(opt, 1, optim.TotalSteps(5))
	g := opt.ParamGroups()[0]
	fmt.Printf("%.6g %.6g\n", g.LR, g.Momentum)
	for range 4 {
		opt.Step()
		sched.Step()
		fmt.Printf("%.6g %.6g\n", g.LR, g.Momentum)
	}
	// Output:
	// 0.04 0.95
	// 0.950485 0.854952
	// 0.611262 0.888874
	// 0.188258 0.931174
	// 4e-06 0.95
}

func ExampleClipGradNorm() {
	a := tensor.NewParameter(tensor.Zeros(2))
	b := tensor.NewParameter(tensor.Zeros(1))
	a.Grad = tensor.New([]float64{3, 0})
	b.Grad = tensor.New([]float64{4})
	total := optim.ClipGradNorm([]*tensor.Tensor{a, b}, 1, 2)
	fmt.Println(total, a.Grad, b.Grad)
	// Output:
	// 5 tensor([0.6000, 0.0000]) tensor([0.8000])
}

// A checkpoint holds the optimizer state as named tensors and metadata,
// next to the model's weights.
func ExampleStateDict_Flatten() {
	w := tensor.NewParameter(tensor.Ones(3))
	opt := optim.NewAdam([]*tensor.Tensor{w}, optim.LR(0.01))
	w.Grad = tensor.Ones(3)
	opt.Step()
	tensors, meta := opt.StateDict().Flatten("optim.")
	for _, t := range tensors {
		fmt.Println(t.Name, t.Tensor.Shape())
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println(keys)
	// Pass tensors (with the model's) and meta to safetensors.Save; read them
	// back with safetensors.Load, optim.StateDictFromFlat and
	// opt.LoadStateDict.
	// Output:
	// optim.state.0.exp_avg [3]
	// optim.state.0.exp_avg_sq [3]
	// [optim.optimizer]
}
