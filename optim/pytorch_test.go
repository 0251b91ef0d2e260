package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/internal/goldentensor"
	"github.com/intercept-ml/intercept/tensor"
)

// The tests in this file compare with testdata/optim.json, written by
// testdata/gen_optim.py with PyTorch 1.13.1 (CPU, AVX2 build).

// refTensor is a tensor of testdata/optim.json, decoded by internal/golden.
type refTensor = golden.Tensor

func hexFloat(t testing.TB, s string) float64 {
	t.Helper()
	u, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return math.Float64frombits(u)
}

type refData struct {
	Steps []struct {
		Name      string
		Optimizer string
		DType     string
		Defaults  map[string]any
		Groups    []map[string]any
		Params0   []refTensor
		Grads     [][]*refTensor
		After     [][]refTensor
		State     map[string]map[string]json.RawMessage
	}
	Schedules []struct {
		Name string
		Seq  []struct {
			LR       []string   `json:"lr"`
			Momentum []string   `json:"momentum"`
			Beta1    []string   `json:"beta1"`
			LastLR   [][]string `json:"last_lr"`
		}
	}
	Clip []struct {
		Kind     string
		DType    string
		MaxNorm  float64 `json:"max_norm"`
		NormType any     `json:"norm_type"`
		Clip     float64
		Grads    []*refTensor
		Total    *refTensor
		After    []*refTensor
	}
}

var refCache *refData

func loadRef(t testing.TB) *refData {
	t.Helper()
	if refCache != nil {
		return refCache
	}
	b, err := os.ReadFile("testdata/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	var r refData
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	refCache = &r
	return refCache
}

// compareBits counts the elements of got whose bits differ from want and
// the largest relative difference.
func compareBits(t testing.TB, got *tensor.Tensor, want *refTensor) (n, diff int, maxRel float64) {
	t.Helper()
	n, exact, maxRel := goldentensor.Compare(t, got, want)
	return n, n - exact, maxRel
}

func relErr(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(b), 1e-30)
}

// hyperOpts turns the JSON hyperparameters of a case into options (of
// the types that implement SGDOption, AdamOption or RMSpropOption).
func hyperOpts(t testing.TB, m map[string]any) []any {
	t.Helper()
	var opts []any
	nBetas := 0
	for k, v := range m {
		switch k {
		case "params":
		case "lr":
			opts = append(opts, LR(v.(float64)))
		case "momentum":
			opts = append(opts, Momentum(v.(float64)))
		case "dampening":
			opts = append(opts, Dampening(v.(float64)))
		case "weight_decay":
			opts = append(opts, WeightDecay(v.(float64)))
		case "beta1", "beta2":
			nBetas++
		case "eps":
			opts = append(opts, Eps(v.(float64)))
		case "alpha":
			opts = append(opts, Alpha(v.(float64)))
		case "nesterov":
			opts = append(opts, NesterovOption(v.(bool)))
		case "amsgrad":
			opts = append(opts, AMSGradOption(v.(bool)))
		case "centered":
			opts = append(opts, CenteredOption(v.(bool)))
		case "maximize":
			opts = append(opts, MaximizeOption(v.(bool)))
		default:
			t.Fatalf("unknown hyperparameter %q", k)
		}
	}
	switch nBetas {
	case 0:
	case 2:
		opts = append(opts, Betas(m["beta1"].(float64), m["beta2"].(float64)))
	default:
		t.Fatalf("beta1 without beta2 or the reverse in %v", m)
	}
	return opts
}

// optsAs returns opts as options of type O, failing for an option that is
// not one.
func optsAs[O any](t testing.TB, opts []any) []O {
	t.Helper()
	out := make([]O, len(opts))
	for i, o := range opts {
		var ok bool
		if out[i], ok = o.(O); !ok {
			t.Fatalf("%T is not a %T", o, out[i])
		}
	}
	return out
}

// newFromRef builds the optimizer of a case as PyTorch's constructor does
// from its groups and defaults: the first group through the constructor,
// the others through AddParamGroup, each with the JSON defaults followed
// by the group's own values.
func newFromRef(t testing.TB, kind string, defaults map[string]any, groups []map[string]any, params []*tensor.Tensor) Optimizer {
	t.Helper()
	d := hyperOpts(t, defaults)
	pgs := make([][]*tensor.Tensor, len(groups))
	opts := make([][]any, len(groups))
	for k, gm := range groups {
		for _, i := range gm["params"].([]any) {
			pgs[k] = append(pgs[k], params[int(i.(float64))])
		}
		opts[k] = append(append([]any{}, d...), hyperOpts(t, gm)...)
	}
	switch kind {
	case "SGD":
		o := NewSGD(pgs[0], optsAs[SGDOption](t, opts[0])...)
		for k := 1; k < len(groups); k++ {
			o.AddParamGroup(pgs[k], optsAs[SGDOption](t, opts[k])...)
		}
		return o
	case "Adam":
		o := NewAdam(pgs[0], optsAs[AdamOption](t, opts[0])...)
		for k := 1; k < len(groups); k++ {
			o.AddParamGroup(pgs[k], optsAs[AdamOption](t, opts[k])...)
		}
		return o
	case "AdamW":
		o := NewAdamW(pgs[0], optsAs[AdamOption](t, opts[0])...)
		for k := 1; k < len(groups); k++ {
			o.AddParamGroup(pgs[k], optsAs[AdamOption](t, opts[k])...)
		}
		return o
	case "RMSprop":
		o := NewRMSprop(pgs[0], optsAs[RMSpropOption](t, opts[0])...)
		for k := 1; k < len(groups); k++ {
			o.AddParamGroup(pgs[k], optsAs[RMSpropOption](t, opts[k])...)
		}
		return o
	}
	t.Fatalf("optimizer %q", kind)
	return nil
}

// TestPyTorchTrajectories runs every optimizer case of optim.json — SGD
// (momentum, dampening, Nesterov, weight decay, maximize), Adam and AdamW
// (amsgrad, maximize, betas, eps), RMSprop (centered, momentum, weight
// decay, maximize) and parameter groups with their own hyperparameters, in
// float32 and float64 — feeding PyTorch's gradients, and requires the
// parameters after the first and the last step, and the final state, to
// equal PyTorch's bit for bit.
func TestPyTorchTrajectories(t *testing.T) {
	ref := loadRef(t)
	total, totalDiff := 0, 0
	for _, c := range ref.Steps {
		t.Run(c.Name+"/"+c.DType, func(t *testing.T) {
			params := make([]*tensor.Tensor, len(c.Params0))
			for i := range c.Params0 {
				params[i] = tensor.NewParameter(goldentensor.New(&c.Params0[i]))
			}
			opt := newFromRef(t, c.Optimizer, c.Defaults, c.Groups, params)
			checkAfter := func(k, idx int) {
				for i, p := range params {
					n, diff, rel := compareBits(t, p, &c.After[idx][i])
					total += n
					totalDiff += diff
					if diff > 0 {
						t.Errorf("step %d, param %d: %d of %d elements differ from PyTorch (max rel %.3g)", k+1, i, diff, n, rel)
					}
				}
			}
			for k, gs := range c.Grads {
				for i, g := range gs {
					if g == nil {
						params[i].Grad = nil
					} else {
						params[i].Grad = goldentensor.New(g)
					}
				}
				opt.Step()
				if k == 0 {
					checkAfter(k, 0)
				}
			}
			checkAfter(len(c.Grads)-1, 1)
			// final state, through StateDict
			// The JSON numbers parameters by creation; the state dict, as
			// PyTorch's, through the groups in order.
			sd := opt.StateDict()
			sdIndex := map[int]int{}
			k := 0
			for _, g := range c.Groups {
				for _, i := range g["params"].([]any) {
					sdIndex[int(i.(float64))] = k
					k++
				}
			}
			nonEmpty := 0
			for _, st := range c.State {
				if len(st) > 0 {
					nonEmpty++ // SGD without momentum: PyTorch keeps {momentum_buffer: None}
				}
			}
			if len(sd.State) != nonEmpty {
				t.Errorf("state for %d parameters, PyTorch has %d", len(sd.State), nonEmpty)
			}
			for idxS, st := range c.State {
				if len(st) == 0 {
					continue
				}
				orig, _ := strconv.Atoi(idxS)
				idx := sdIndex[orig]
				ps := sd.State[idx]
				if ps == nil {
					t.Errorf("param %d: no state", idx)
					continue
				}
				for k, raw := range st {
					if k == "step" {
						var step int64
						if err := json.Unmarshal(raw, &step); err != nil {
							t.Fatal(err)
						}
						if c.Optimizer != "SGD" && ps.Step != step {
							t.Errorf("param %d: step %d, want %d", idx, ps.Step, step)
						}
						continue
					}
					var rt refTensor
					if err := json.Unmarshal(raw, &rt); err != nil {
						t.Fatal(err)
					}
					buf := ps.Buffers[k]
					if buf == nil {
						t.Errorf("param %d: no %s", idx, k)
						continue
					}
					if _, diff, rel := compareBits(t, buf, &rt); diff > 0 {
						t.Errorf("param %d %s: %d elements differ (max rel %.3g)", idx, k, diff, rel)
					}
				}
				for k := range ps.Buffers {
					if _, ok := st[k]; !ok {
						t.Errorf("param %d: buffer %s that PyTorch does not have", idx, k)
					}
				}
			}
		})
	}
	t.Logf("%d cases, %d parameter values compared, %d differ from PyTorch", len(ref.Steps), total, totalDiff)
}

// TestPyTorchSchedules compares the learning rates (and the momentum or β1
// that OneCycleLR cycles) of every group after construction and after each
// step with PyTorch's, bit for bit (the requirement is 1e-12 relative).
func TestPyTorchSchedules(t *testing.T) {
	ref := loadRef(t)
	build := map[string]func(opt Optimizer) []Scheduler{
		"StepLR(step_size=3,gamma=0.5)": func(o Optimizer) []Scheduler { return []Scheduler{NewStepLR(o, 3, Gamma(0.5))} },
		"StepLR(step_size=1,gamma=0.1)": func(o Optimizer) []Scheduler { return []Scheduler{NewStepLR(o, 1, Gamma(0.1))} },
		"MultiStepLR([2,5,5,9],gamma=0.1)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewMultiStepLR(o, []int{2, 5, 5, 9}, Gamma(0.1))}
		},
		"MultiStepLR([30,80],gamma=0.3)": func(o Optimizer) []Scheduler { return []Scheduler{NewMultiStepLR(o, []int{30, 80}, Gamma(0.3))} },
		"ExponentialLR(gamma=0.9)":       func(o Optimizer) []Scheduler { return []Scheduler{NewExponentialLR(o, 0.9)} },
		"CosineAnnealingLR(T_max=10,eta_min=0.001)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewCosineAnnealingLR(o, 10, EtaMin(0.001))}
		},
		"CosineAnnealingLR(T_max=7)": func(o Optimizer) []Scheduler { return []Scheduler{NewCosineAnnealingLR(o, 7)} },
		"CosineAnnealingLR(T_max=100,eta_min=1e-5)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewCosineAnnealingLR(o, 100, EtaMin(1e-5))}
		},
		"LinearLR(start_factor=0.1,total_iters=5) (warm-up)": func(o Optimizer) []Scheduler { return []Scheduler{NewLinearLR(o, StartFactor(0.1), TotalIters(5))} },
		"LinearLR() defaults":                                func(o Optimizer) []Scheduler { return []Scheduler{NewLinearLR(o)} },
		"LinearLR(start_factor=1.0,end_factor=0.1,total_iters=10)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewLinearLR(o, StartFactor(1), EndFactor(0.1), TotalIters(10))}
		},
		"LinearLR(start_factor=0.001,total_iters=1000)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewLinearLR(o, StartFactor(0.001), TotalIters(1000))}
		},
		"OneCycleLR(max_lr=0.1,total_steps=100) SGD momentum": func(o Optimizer) []Scheduler {
			return []Scheduler{NewOneCycleLR(o, 0.1, TotalSteps(100))}
		},
		"OneCycleLR(max_lr=0.1,total_steps=100) SGD no momentum": func(o Optimizer) []Scheduler {
			return []Scheduler{NewOneCycleLR(o, 0.1, TotalSteps(100))}
		},
		"OneCycleLR(max_lr=[0.01,0.002],epochs=4,steps_per_epoch=25) Adam": func(o Optimizer) []Scheduler {
			return []Scheduler{NewOneCycleLR(o, 0, MaxLRs(0.01, 0.002), Epochs(4), StepsPerEpoch(25))}
		},
		"OneCycleLR(max_lr=1.0,total_steps=57,pct_start=0.25,anneal_strategy='linear',three_phase=True,div_factor=10,final_div_factor=100,base_momentum=0.8,max_momentum=0.9)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewOneCycleLR(o, 1, TotalSteps(57), PctStart(0.25), AnnealLinear,
				ThreePhase, DivFactor(10), FinalDivFactor(100), BaseMomentum(0.8), MaxMomentum(0.9))}
		},
		"OneCycleLR(max_lr=0.5,total_steps=40,three_phase=True,cycle_momentum=False)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewOneCycleLR(o, 0.5, TotalSteps(40), ThreePhase, NoCycleMomentum)}
		},
		"chained: LinearLR(0.5,total_iters=4) + ExponentialLR(0.9)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewLinearLR(o, StartFactor(0.5), EndFactor(1), TotalIters(4)), NewExponentialLR(o, 0.9)}
		},
		"chained: StepLR(2,0.5) + CosineAnnealingLR(8)": func(o Optimizer) []Scheduler {
			return []Scheduler{NewStepLR(o, 2, Gamma(0.5)), NewCosineAnnealingLR(o, 8)}
		},
	}
	values, exact := 0, 0
	worst := 0.0
	for _, c := range ref.Schedules {
		mk, ok := build[c.Name]
		if !ok {
			t.Errorf("no Go construction for %q", c.Name)
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			p := []*tensor.Tensor{tensor.NewParameter(tensor.Zeros(2)), tensor.NewParameter(tensor.Zeros(2))}
			var opt Optimizer
			switch {
			case len(c.Seq[0].Beta1) > 0:
				lr := 0.1
				if c.Name == "CosineAnnealingLR(T_max=100,eta_min=1e-5)" {
					lr = 1e-3
				}
				lr2 := 0.05
				if lr == 1e-3 {
					lr2 = 3e-4
				}
				a := NewAdam(p[:1], LR(lr))
				a.AddParamGroup(p[1:], LR(lr2))
				opt = a
			default:
				mom := 0.0
				if c.Seq[0].Momentum != nil && hexFloat(t, c.Seq[0].Momentum[0]) != 0 && c.Name != "OneCycleLR(max_lr=0.1,total_steps=100) SGD no momentum" {
					mom = 0.9
				}
				sgd := NewSGD(p[:1], LR(0.1), Momentum(mom))
				sgd.AddParamGroup(p[1:], LR(0.05))
				opt = sgd
			}
			scheds := mk(opt)
			check := func(k int) {
				s := c.Seq[k]
				for i, g := range opt.ParamGroups() {
					cmp := func(what string, got float64, wantHex string) {
						want := hexFloat(t, wantHex)
						values++
						if got == want {
							exact++
							return
						}
						rel := relErr(got, want)
						worst = max(worst, rel)
						if rel > 1e-12 {
							t.Errorf("step %d group %d %s = %v, want %v (rel %.3g)", k, i, what, got, want, rel)
						}
					}
					cmp("lr", g.LR, s.LR[i])
					if s.Momentum != nil {
						cmp("momentum", g.Momentum, s.Momentum[i])
					}
					if s.Beta1 != nil {
						cmp("beta1", g.Beta1, s.Beta1[i])
					}
					for j, sc := range scheds {
						cmp(fmt.Sprintf("last_lr of scheduler %d", j), sc.LastLR()[i], s.LastLR[j][i])
					}
				}
			}
			check(0)
			for k := 1; k < len(c.Seq); k++ {
				opt.Step()
				for _, s := range scheds {
					s.Step()
				}
				check(k)
			}
		})
	}
	t.Logf("%d scheduler values compared: %d bit-exact, max relative difference %.3g", values, exact, worst)
}

// TestPyTorchClip compares ClipGradNorm and ClipGradValue with
// clip_grad_norm_ and clip_grad_value_.
func TestPyTorchClip(t *testing.T) {
	ref := loadRef(t)
	values, exact := 0, 0
	worst := 0.0
	for ci, c := range ref.Clip {
		var params []*tensor.Tensor
		for _, g := range c.Grads {
			p := tensor.NewParameter(tensor.Zeros(1))
			if g != nil {
				p = tensor.NewParameter(tensor.ZerosOf(goldentensor.New(g).DType(), g.Shape...))
				p.Grad = goldentensor.New(g)
			}
			params = append(params, p)
		}
		name := fmt.Sprintf("case %d (%s %s)", ci, c.Kind, c.DType)
		if c.Kind == "norm" {
			nt := 0.0
			switch v := c.NormType.(type) {
			case string:
				nt = math.Inf(1)
			case float64:
				nt = v
			}
			name = fmt.Sprintf("case %d (norm %s max_norm=%v norm_type=%v)", ci, c.DType, c.MaxNorm, nt)
			total := ClipGradNorm(params, c.MaxNorm, nt)
			want := goldentensor.New(c.Total).Float64s()[0]
			if rel := relErr(total, want); rel > 1e-6 {
				t.Errorf("%s: total norm %v, want %v", name, total, want)
			}
		} else {
			ClipGradValue(params, c.Clip)
		}
		for i, a := range c.After {
			if a == nil {
				if params[i].Grad != nil {
					t.Errorf("%s: param %d got a gradient", name, i)
				}
				continue
			}
			n, diff, rel := compareBits(t, params[i].Grad, a)
			values += n
			exact += n - diff
			worst = max(worst, rel)
			if rel > 1e-6 {
				t.Errorf("%s: param %d: %d of %d gradient values differ, max rel %.3g", name, i, diff, n, rel)
			}
		}
	}
	t.Logf("%d clipped gradient values: %d bit-exact, max relative difference %.3g", values, exact, worst)
}
