package optim_test

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

type mlp struct {
	FC1, FC2 *nn.Linear
}

func (m *mlp) Forward(x *tensor.Tensor) *tensor.Tensor { return m.FC2.Forward(m.FC1.Forward(x).Tanh()) }

func newMLP(seed uint64) *mlp {
	rng.ManualSeed(seed)
	return &mlp{nn.NewLinear(5, 7), nn.NewLinear(7, 2)}
}

type setup struct {
	name  string
	opt   func(m *mlp) optim.Optimizer
	sched func(o optim.Optimizer) optim.Scheduler
}

func setups() []setup {
	return []setup{
		{"SGD nesterov+wd, StepLR", func(m *mlp) optim.Optimizer {
			o := optim.NewSGD(nn.Parameters(m.FC1), optim.LR(0.05), optim.Momentum(0.9), optim.Nesterov, optim.WeightDecay(1e-3))
			o.AddParamGroup(nn.Parameters(m.FC2), optim.LR(0.02))
			return o
		}, func(o optim.Optimizer) optim.Scheduler { return optim.NewStepLR(o, 3, optim.Gamma(0.5)) }},
		{"Adam amsgrad, CosineAnnealingLR", func(m *mlp) optim.Optimizer {
			o := optim.NewAdam(nn.Parameters(m.FC1), optim.LR(0.01), optim.AMSGrad)
			o.AddParamGroup(nn.Parameters(m.FC2), optim.LR(0.02))
			return o
		}, func(o optim.Optimizer) optim.Scheduler { return optim.NewCosineAnnealingLR(o, 5, optim.EtaMin(1e-4)) }},
		{"AdamW, OneCycleLR", func(m *mlp) optim.Optimizer {
			decay, noDecay := optim.SplitDecay(m)
			o := optim.NewAdamW(decay, optim.LR(0.01), optim.WeightDecay(0.05))
			o.AddParamGroup(noDecay, optim.WeightDecay(0))
			return o
		}, func(o optim.Optimizer) optim.Scheduler {
			return optim.NewOneCycleLR(o, 0.05, optim.TotalSteps(12))
		}},
		{"RMSprop centered+momentum, linear warm-up", func(m *mlp) optim.Optimizer {
			o := optim.NewRMSprop(nn.Parameters(m.FC1), optim.LR(0.005), optim.Momentum(0.5), optim.Centered)
			o.AddParamGroup(nn.Parameters(m.FC2), optim.LR(0.02))
			return o
		}, func(o optim.Optimizer) optim.Scheduler {
			return optim.NewLinearLR(o, optim.StartFactor(0.1), optim.TotalIters(4))
		}},
	}
}

func trainSteps(m *mlp, o optim.Optimizer, s optim.Scheduler, x, y *tensor.Tensor, n int) {
	for range n {
		o.ZeroGrad()
		nn.MSELoss(m.Forward(x), y).Backward()
		o.Step()
		s.Step()
	}
}

// TestCheckpointResume trains 10 steps without interruption and, from the
// same start, 4 steps, a checkpoint (model, optimizer and scheduler state
// in one safetensors file), a fresh model, optimizer and scheduler restored
// from it, and 6 more steps: the two runs must end bit-identical.
func TestCheckpointResume(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(11)
	x, y := g.Randn(8, 5), g.Randn(8, 2)
	for _, su := range setups() {
		t.Run(su.name, func(t *testing.T) {
			ref := newMLP(1)
			ro := su.opt(ref)
			rs := su.sched(ro)
			trainSteps(ref, ro, rs, x, y, 10)

			m := newMLP(1)
			o := su.opt(m)
			s := su.sched(o)
			trainSteps(m, o, s, x, y, 4)

			tensors, meta := o.StateDict().Flatten("optim.")
			ss, err := json.Marshal(s.StateDict())
			if err != nil {
				t.Fatal(err)
			}
			meta["scheduler"] = string(ss)
			path := filepath.Join(t.TempDir(), "ckpt.safetensors")
			if err := safetensors.Save(path, append(nn.StateDictOf(m), tensors...), meta); err != nil {
				t.Fatal(err)
			}

			m2 := newMLP(2) // different weights, overwritten by the load
			o2 := su.opt(m2)
			s2 := su.sched(o2)
			all, meta2, err := safetensors.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var model nn.StateDict
			for _, e := range all {
				if !strings.HasPrefix(e.Name, "optim.") {
					model = append(model, e)
				}
			}
			if err := nn.LoadStateDict(m2, model, true); err != nil {
				t.Fatal(err)
			}
			sd, err := optim.StateDictFromFlat(all, meta2, "optim.")
			if err != nil {
				t.Fatal(err)
			}
			if err := o2.LoadStateDict(sd); err != nil {
				t.Fatal(err)
			}
			var st optim.SchedulerState
			if err := json.Unmarshal([]byte(meta2["scheduler"]), &st); err != nil {
				t.Fatal(err)
			}
			if err := s2.LoadStateDict(st); err != nil {
				t.Fatal(err)
			}
			trainSteps(m2, o2, s2, x, y, 6)

			for i, p := range nn.Parameters(ref) {
				if !bitsEqual(p, nn.Parameters(m2)[i]) {
					t.Errorf("parameter %d differs after resuming", i)
				}
			}
			if fmt.Sprint(rs.LastLR()) != fmt.Sprint(s2.LastLR()) {
				t.Errorf("learning rates %v after resuming, want %v", s2.LastLR(), rs.LastLR())
			}
		})
	}
}

func bitsEqual(a, b *tensor.Tensor) bool {
	av, bv := a.Float64s(), b.Float64s()
	if len(av) != len(bv) {
		return false
	}
	for i := range av {
		if math.Float64bits(av[i]) != math.Float64bits(bv[i]) {
			return false
		}
	}
	return true
}

func TestStateDictIsACopy(t *testing.T) {
	p := tensor.NewParameter(tensor.Ones(3))
	o := optim.NewAdam([]*tensor.Tensor{p})
	p.Grad = tensor.Ones(3)
	o.Step()
	sd := o.StateDict()
	before := sd.State[0].Buffers["exp_avg"].Float32s()
	o.Step()
	if fmt.Sprint(sd.State[0].Buffers["exp_avg"].Float32s()) != fmt.Sprint(before) || sd.State[0].Step != 1 {
		t.Error("a later step changed a saved state dict")
	}
	if sd.Optimizer != "Adam" || len(sd.Groups) != 1 || sd.Groups[0].LR != 1e-3 || sd.Groups[0].Beta2 != 0.999 {
		t.Errorf("state dict %+v", sd.Groups)
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	mk := func() (*optim.Adam, []*tensor.Tensor) {
		ps := []*tensor.Tensor{tensor.NewParameter(tensor.Ones(4, 3)), tensor.NewParameter(tensor.Ones(4))}
		o := optim.NewAdam(ps[:1])
		o.AddParamGroup(ps[1:], optim.AMSGrad)
		for _, p := range ps {
			p.Grad = tensor.OnesLike(p)
		}
		o.Step()
		return o, ps
	}
	o, _ := mk()
	good := o.StateDict()
	cases := []struct {
		name string
		edit func(sd *optim.StateDict)
		want string
	}{
		{"kind", func(sd *optim.StateDict) { sd.Optimizer = "SGD" }, "loaded state dict is for SGD, not Adam"},
		{"groups", func(sd *optim.StateDict) { sd.Groups = sd.Groups[:1] }, "different number of parameter groups (1, optimizer has 2)"},
		{"group size", func(sd *optim.StateDict) { sd.Groups[1].Params = []int{1, 2} },
			"doesn't match the size of optimizer's group (group 1: 2 parameters, optimizer's has 1)"},
		{"shape", func(sd *optim.StateDict) { sd.State[0].Buffers["exp_avg"] = tensor.Zeros(3) },
			"state of parameter 0: exp_avg has shape [3], but the parameter has shape [4 3]"},
		{"unknown buffer", func(sd *optim.StateDict) { sd.State[0].Buffers["momentum_buffer"] = tensor.Zeros(4, 3) },
			`Adam keeps no buffer "momentum_buffer"`},
		{"missing buffer", func(sd *optim.StateDict) { delete(sd.State[1].Buffers, "max_exp_avg_sq") },
			`state of parameter 1: missing buffer "max_exp_avg_sq"`},
		{"orphan state", func(sd *optim.StateDict) { sd.State[7] = sd.State[0] },
			"state for parameter index 7, which is in no parameter group"},
		{"bad hyperparameter", func(sd *optim.StateDict) { sd.Groups[0].Beta1 = 1.5 },
			"group 0: Invalid beta parameter at index 0: 1.5"},
		{"int buffer", func(sd *optim.StateDict) { sd.State[1].Buffers["exp_avg"] = tensor.ZerosOf(tensor.Int64, 4) },
			"exp_avg has element type torch.int64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, ps := mk()
			sd := o.StateDict()
			c.edit(sd)
			before := o.StateDict()
			beforeP := ps[0].Float32s()
			err := o.LoadStateDict(sd)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			after := o.StateDict()
			if fmt.Sprint(after.Groups) != fmt.Sprint(before.Groups) ||
				fmt.Sprint(after.State[0].Buffers["exp_avg"].Float32s()) != fmt.Sprint(before.State[0].Buffers["exp_avg"].Float32s()) ||
				fmt.Sprint(ps[0].Float32s()) != fmt.Sprint(beforeP) {
				t.Error("a failed load changed the optimizer")
			}
		})
	}
	if err := o.LoadStateDict(good); err != nil {
		t.Errorf("loading its own state dict: %v", err)
	}
	// float64 state loads into float32 parameters (converted)
	sd := o.StateDict()
	sd.State[0].Buffers["exp_avg"] = sd.State[0].Buffers["exp_avg"].Double()
	if err := o.LoadStateDict(sd); err != nil {
		t.Errorf("float64 buffer: %v", err)
	}
	if _, err := optim.StateDictFromFlat(nil, map[string]string{}, "x."); err == nil {
		t.Error("StateDictFromFlat without metadata: no error")
	}
	if _, err := optim.StateDictFromFlat([]nn.Named{{Name: "x.state.a.exp_avg", Tensor: tensor.Zeros(1)}},
		map[string]string{"x.optimizer": `{"optimizer":"Adam","param_groups":[],"steps":{}}`}, "x."); err == nil || !strings.Contains(err.Error(), "x.state.<index>.<buffer>") {
		t.Errorf("bad tensor name: %v", err)
	}
}

func TestParamGroupsAndHyperparameters(t *testing.T) {
	a := tensor.NewParameter(tensor.Ones(2))
	b := tensor.NewParameter(tensor.Ones(2))
	o := optim.NewSGD([]*tensor.Tensor{a}, optim.LR(0.1), optim.Momentum(0.9))
	o.AddParamGroup([]*tensor.Tensor{b}, optim.LR(0.5), optim.Momentum(0))
	g := o.ParamGroups()
	if g[0].LR != 0.1 || g[0].Momentum != 0.9 || g[1].LR != 0.5 || g[1].Momentum != 0 {
		t.Fatalf("groups %+v %+v", g[0].Hyper, g[1].Hyper)
	}
	c := tensor.NewParameter(tensor.Ones(1))
	o.AddParamGroup([]*tensor.Tensor{c}, optim.WeightDecay(0.1))
	if len(o.ParamGroups()) != 3 || o.ParamGroups()[2].LR != 0.1 || o.ParamGroups()[2].WeightDecay != 0.1 {
		t.Fatal("AddParamGroup")
	}
	for _, p := range []*tensor.Tensor{a, b, c} {
		p.Grad = tensor.OnesLike(p)
	}
	o.ParamGroups()[1].LR = 0.25 // as param_groups[1]['lr'] = 0.25
	o.Step()
	if a.At(0) != float64(float32(1-0.1)) || b.At(0) != 0.75 || c.At(0) != float64(float32(1-float32(0.1)*float32(1+float32(0.1)))) {
		t.Errorf("after step: %v %v %v", a.At(0), b.At(0), c.At(0))
	}
	o.ZeroGrad()
	if a.Grad == nil || a.Grad.At(0) != 0 {
		t.Error("ZeroGrad did not zero in place")
	}
	o.ZeroGrad(optim.SetToNone)
	if a.Grad != nil {
		t.Error("ZeroGrad(SetToNone) kept the gradient")
	}
	o.Step() // no gradients: nothing happens
	if b.At(0) != 0.75 {
		t.Error("a step without gradients changed a parameter")
	}
}

func TestSplitDecay(t *testing.T) {
	type net struct {
		Conv *nn.Conv2d
		BN   *nn.BatchNorm2d
		LN   *nn.LayerNorm
		FC   *nn.Linear
		Head *nn.Linear
	}
	rng.ManualSeed(0)
	m := &net{nn.NewConv2d(1, 2, 3), nn.NewBatchNorm2d(2), nn.NewLayerNorm([]int{4}), nn.NewLinear(4, 3), nn.NewLinear(3, 1, nn.NoBias)}
	nn.SetRequiresGrad(m.Head, false)
	decay, noDecay := optim.SplitDecay(m)
	name := map[*tensor.Tensor]string{}
	for _, np := range nn.NamedParameters(m) {
		name[np.Tensor] = np.Name
	}
	names := func(ps []*tensor.Tensor) []string {
		var out []string
		for _, p := range ps {
			out = append(out, name[p])
		}
		return out
	}
	if got := fmt.Sprint(names(noDecay)); got != "[conv.bias bn.weight bn.bias ln.weight ln.bias fc.bias]" {
		t.Errorf("no-decay group %s", got)
	}
	if got := fmt.Sprint(names(decay)); got != "[conv.weight fc.weight]" {
		t.Errorf("decay group %s", got)
	}
	o := optim.NewAdamW(decay, optim.WeightDecay(0.05))
	o.AddParamGroup(noDecay, optim.WeightDecay(0))
	if o.ParamGroups()[0].WeightDecay != 0.05 || o.ParamGroups()[1].WeightDecay != 0 {
		t.Error("AdamW groups")
	}
}

func mustPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want %q", want)
		} else if !strings.Contains(fmt.Sprint(r), want) {
			t.Errorf("panic %q, want %q", r, want)
		}
	}()
	fn()
}

func TestMisuse(t *testing.T) {
	p := []*tensor.Tensor{tensor.NewParameter(tensor.Ones(2))}
	mustPanic(t, "NewSGD requires an LR option (torch.optim.SGD has no default learning rate)", func() { optim.NewSGD(p) })
	optim.NewSGD(p, optim.LR(0)) // lr=0 is allowed, as in PyTorch
	mustPanic(t, "Invalid learning rate: -0.1", func() { optim.NewSGD(p, optim.LR(-0.1)) })
	mustPanic(t, "Invalid learning rate: -1.0", func() {
		optim.NewSGD(p, optim.LR(0.1)).AddParamGroup([]*tensor.Tensor{tensor.NewParameter(tensor.Ones(1))}, optim.LR(-1))
	})
	mustPanic(t, "Nesterov momentum requires a momentum and zero dampening", func() {
		optim.NewSGD(p, optim.LR(0.1), optim.Nesterov)
	})
	mustPanic(t, "Invalid beta parameter at index 1: 1.0", func() { optim.NewAdam(p, optim.Betas(0.9, 1)) })
	mustPanic(t, "Invalid epsilon value: -1.0", func() { optim.NewRMSprop(p, optim.Eps(-1)) })
	mustPanic(t, "Invalid alpha value: -0.5", func() { optim.NewRMSprop(p, optim.Alpha(-0.5)) })
	mustPanic(t, "optimizer got an empty parameter list", func() { optim.NewAdam([]*tensor.Tensor{}) })
	mustPanic(t, "some parameters appear in more than one parameter group", func() {
		optim.NewAdam(p).AddParamGroup(p)
	})
	mustPanic(t, "can't optimize a non-leaf Tensor", func() {
		optim.NewAdam([]*tensor.Tensor{p[0].MulScalar(2)})
	})
	// the constructor computes step 0; steps 1..3 are allowed, as in PyTorch
	mustPanic(t, "Tried to step 5 times. The specified number of total steps is 3", func() {
		o := optim.NewSGD(p, optim.LR(0.1))
		s := optim.NewOneCycleLR(o, 1, optim.TotalSteps(3), optim.PctStart(0.5))
		for range 4 {
			s.Step()
		}
	})
	sgd := optim.NewSGD(p, optim.LR(0.1))
	mustPanic(t, "You must define either total_steps OR (epochs AND steps_per_epoch)", func() { optim.NewOneCycleLR(sgd, 1) })
	mustPanic(t, "Expected positive integer total_steps, but got 0", func() {
		optim.NewOneCycleLR(sgd, 1, optim.TotalSteps(0))
	})
	mustPanic(t, "anneal_strategy must by one of 'cos' or 'linear', instead got AnnealStrategy(7)", func() {
		optim.NewOneCycleLR(sgd, 1, optim.TotalSteps(5), optim.AnnealStrategy(7))
	})
}

// TestAdamWDefaults checks the defaults that differ between Adam and
// AdamW, and that Adam's are PyTorch's.
func TestAdamWDefaults(t *testing.T) {
	p := []*tensor.Tensor{tensor.NewParameter(tensor.Ones(2))}
	a := optim.NewAdam(p).ParamGroups()[0]
	w := optim.NewAdamW([]*tensor.Tensor{tensor.NewParameter(tensor.Ones(2))}).ParamGroups()[0]
	if a.LR != 1e-3 || a.Beta1 != 0.9 || a.Beta2 != 0.999 || a.Eps != 1e-8 || a.WeightDecay != 0 {
		t.Errorf("Adam defaults %+v", a.Hyper)
	}
	if w.LR != 1e-3 || w.WeightDecay != 1e-2 {
		t.Errorf("AdamW defaults %+v", w.Hyper)
	}
	r := optim.NewRMSprop([]*tensor.Tensor{tensor.NewParameter(tensor.Ones(2))}).ParamGroups()[0]
	if r.LR != 1e-2 || r.Alpha != 0.99 || r.Eps != 1e-8 {
		t.Errorf("RMSprop defaults %+v", r.Hyper)
	}
}

// TestNonContiguousParameter updates a parameter that is a transposed view:
// the update reaches the storage.
func TestNonContiguousParameter(t *testing.T) {
	base := tensor.FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	p := tensor.NewParameter(base.T())
	o := optim.NewSGD([]*tensor.Tensor{p}, optim.LR(1))
	p.Grad = tensor.OnesLike(p)
	o.Step()
	if got := fmt.Sprint(base.Float32s()); got != "[0 1 2 3 4 5]" {
		t.Errorf("storage after the step %s", got)
	}
}

func TestClipGradNormEdgeCases(t *testing.T) {
	p := tensor.NewParameter(tensor.Ones(2))
	if n := optim.ClipGradNorm([]*tensor.Tensor{p}, 1, 2); n != 0 {
		t.Errorf("no gradients: %v", n)
	}
	p.Grad = tensor.New([]float64{3, 4})
	if n := optim.ClipGradNorm([]*tensor.Tensor{p}, 10, 2); n != 5 || p.Grad.At(1) != 4 {
		t.Errorf("below the limit: norm %v, grad %v", n, p.Grad)
	}
	p.Grad = tensor.New([]float64{math.Inf(1), 1})
	n := optim.ClipGradNorm([]*tensor.Tensor{p}, 1, 2)
	if !math.IsInf(n, 1) || !math.IsNaN(p.Grad.At(0)) || p.Grad.At(1) != 0 {
		t.Errorf("infinite norm %v: grad %v, want [nan, 0.] as PyTorch", n, p.Grad)
	}
	p.Grad = tensor.New([]float64{math.NaN(), 1})
	n = optim.ClipGradNorm([]*tensor.Tensor{p}, 1, 2)
	if !math.IsNaN(n) || !math.IsNaN(p.Grad.At(1)) {
		t.Errorf("NaN norm %v: grad %v, want [nan, nan] as PyTorch", n, p.Grad)
	}
}

// TestLargeParameterParallel checks that splitting a large update across
// goroutines gives the same bits as one goroutine.
func TestLargeParameterParallel(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(5)
	p0, gr := g.Randn(200_003), g.Randn(200_003)
	run := func(procs int, mk func(p []*tensor.Tensor) optim.Optimizer) *tensor.Tensor {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		p := tensor.NewParameter(p0.Clone())
		o := mk([]*tensor.Tensor{p})
		for range 3 {
			p.Grad = gr.Clone()
			o.Step()
		}
		return p
	}
	for name, mk := range map[string]func(p []*tensor.Tensor) optim.Optimizer{
		"SGD": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9), optim.Dampening(0.1))
		},
		"AdamW": func(p []*tensor.Tensor) optim.Optimizer { return optim.NewAdamW(p, optim.AMSGrad) },
		"RMSprop": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewRMSprop(p, optim.Momentum(0.5), optim.Centered)
		},
	} {
		if !bitsEqual(run(1, mk), run(4, mk)) {
			t.Errorf("%s: the parallel update differs from the serial one", name)
		}
	}
}

// TestOptionFamilies checks which optimizer each option configures: an
// option of another optimizer does not compile (this test states the
// table; the compiler enforces it).
func TestOptionFamilies(t *testing.T) {
	for _, c := range []struct {
		opt                any
		sgd, adam, rmsprop bool
	}{
		{optim.LR(0.1), true, true, true},
		{optim.WeightDecay(0.1), true, true, true},
		{optim.Maximize, true, true, true},
		{optim.Momentum(0.9), true, false, true},
		{optim.Dampening(0.1), true, false, false},
		{optim.Nesterov, true, false, false},
		{optim.Betas(0.9, 0.99), false, true, false},
		{optim.AMSGrad, false, true, false},
		{optim.Eps(1e-6), false, true, true},
		{optim.Alpha(0.9), false, false, true},
		{optim.Centered, false, false, true},
	} {
		_, sgd := c.opt.(optim.SGDOption)
		_, adam := c.opt.(optim.AdamOption)
		_, rmsprop := c.opt.(optim.RMSpropOption)
		if sgd != c.sgd || adam != c.adam || rmsprop != c.rmsprop {
			t.Errorf("%T: SGD %v, Adam %v, RMSprop %v; want %v %v %v", c.opt, sgd, adam, rmsprop, c.sgd, c.adam, c.rmsprop)
		}
	}
}

// TestZeroGradAllocs checks that ZeroGrad, called every step, allocates
// nothing, with or without options.
func TestZeroGradAllocs(t *testing.T) {
	p := tensor.NewParameter(tensor.Ones(4))
	o := optim.NewSGD([]*tensor.Tensor{p}, optim.LR(0.1))
	grad := tensor.Ones(4)
	if n := testing.AllocsPerRun(100, func() {
		p.Grad = grad
		o.ZeroGrad()
		o.ZeroGrad(optim.SetToNone)
	}); n != 0 {
		t.Errorf("ZeroGrad: %v allocations per call", n)
	}
}
