package nn

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Reference data written by testdata/gen_hooks.py with PyTorch 1.13.1.

type hookEvent struct {
	Kind        string
	Module      string
	Inputs      [][]int
	Outputs     [][]int
	Values      []*golden.Tensor
	GradInputs  []*golden.Tensor `json:"grad_inputs"`
	GradOutputs []*golden.Tensor `json:"grad_outputs"`
}

type hooksRef struct {
	Events struct {
		X, Out *golden.Tensor
		Events []hookEvent
		Grads  map[string]*golden.Tensor
	}
	Modify struct {
		Out   *golden.Tensor
		Grads map[string]*golden.Tensor
	}
	Encoder struct {
		Src, Out *golden.Tensor
		SrcGrad  *golden.Tensor `json:"src_grad"`
		Events   []hookEvent
	}
	CNN struct {
		X, Out *golden.Tensor
		XGrad  *golden.Tensor `json:"x_grad"`
		Events []hookEvent
	} `json:"cnn"`
	Tensor map[string]struct {
		YGrad []float32   `json:"y_grad"`
		XGrad []float32   `json:"x_grad"`
		Calls [][]float32 `json:"calls"`
	}
}

func loadHooksRef(t testing.TB) *hooksRef {
	t.Helper()
	b, err := os.ReadFile("testdata/hooks.json")
	if err != nil {
		t.Fatal(err)
	}
	var r hooksRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// hookNet is gen_hooks.py's Net: a model of one's own following the
// documented pattern, so that hooks registered on it fire.
type hookNet struct {
	Seq  *Sequential
	Head *Linear
}

func (n *hookNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(n, x, n.forward)
	}
	return n.forward(x)
}

func (n *hookNet) forward(x *tensor.Tensor) *tensor.Tensor { return n.Head.Forward(n.Seq.Forward(x)) }

func newHookNet() *hookNet {
	rng.ManualSeed(0)
	return &hookNet{
		Seq:  NewSequential(NewLinear(4, 8), NewReLU(), NewLinear(8, 6), NewTanh()),
		Head: NewLinear(6, 3),
	}
}

func shapesOf(ts []*tensor.Tensor) [][]int {
	out := make([][]int, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = t.Shape()
		}
	}
	return out
}

// recordHooks registers the three kinds of hooks on every module of m
// (except those skipped) and returns the list the calls are appended to,
// and a function removing them.
func recordHooks(m any, skip ...string) (*[]hookEvent, func()) {
	ev := &[]hookEvent{}
	var handles []*HookHandle
	for _, nm := range NamedModules(m) {
		if slices.Contains(skip, nm.Name) {
			continue
		}
		name := nm.Name
		handles = append(handles,
			RegisterForwardPreHook(nm.Module, func(_ any, in []*tensor.Tensor) []*tensor.Tensor {
				*ev = append(*ev, hookEvent{Kind: "pre", Module: name, Inputs: shapesOf(in)})
				return nil
			}),
			RegisterForwardHook(nm.Module, func(_ any, in, out []*tensor.Tensor) []*tensor.Tensor {
				*ev = append(*ev, hookEvent{Kind: "forward", Module: name, Inputs: shapesOf(in), Outputs: shapesOf(out),
					Values: toGolden(out)})
				return nil
			}),
			RegisterFullBackwardHook(nm.Module, func(_ any, gin, gout []*tensor.Tensor) []*tensor.Tensor {
				*ev = append(*ev, hookEvent{Kind: "backward", Module: name, Inputs: shapesOf(gin), Outputs: shapesOf(gout),
					GradInputs: toGolden(gin), GradOutputs: toGolden(gout)})
				return nil
			}))
	}
	return ev, func() {
		for _, h := range handles {
			h.Remove()
		}
	}
}

// toGolden keeps tensors in a golden.Tensor-shaped box (the values are
// compared through gotTensors).
func toGolden(ts []*tensor.Tensor) []*golden.Tensor {
	out := make([]*golden.Tensor, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = &golden.Tensor{Shape: t.Shape(), DType: "go"}
			gotTensors[out[i]] = t.Detach().Clone()
		}
	}
	return out
}

var gotTensors = map[*golden.Tensor]*tensor.Tensor{}

func compareEvents(t *testing.T, got, want []hookEvent, values bool) {
	t.Helper()
	kinds := func(ev []hookEvent) []string {
		var s []string
		for _, e := range ev {
			s = append(s, e.Kind+" "+e.Module)
		}
		return s
	}
	if len(want) == 0 {
		t.Fatal("no reference hook calls")
	}
	if !slices.Equal(kinds(got), kinds(want)) {
		t.Fatalf("hook calls:\n got %q\nwant %q", kinds(got), kinds(want))
	}
	for i, w := range want {
		g := got[i]
		what := fmt.Sprintf("call %d (%s %q)", i, w.Kind, w.Module)
		if !reflect.DeepEqual(g.Inputs, w.Inputs) || !reflect.DeepEqual(g.Outputs, w.Outputs) {
			t.Errorf("%s: shapes in %v out %v, PyTorch in %v out %v", what, g.Inputs, g.Outputs, w.Inputs, w.Outputs)
			continue
		}
		if !values {
			continue
		}
		for _, pair := range [][2][]*golden.Tensor{{g.Values, w.Values}, {g.GradInputs, w.GradInputs}, {g.GradOutputs, w.GradOutputs}} {
			for j := range pair[1] {
				if pair[1][j] == nil {
					if j < len(pair[0]) && pair[0][j] != nil {
						t.Errorf("%s: value %d is not nil", what, j)
					}
					continue
				}
				if j >= len(pair[0]) || pair[0][j] == nil {
					t.Errorf("%s: value %d is nil", what, j)
					continue
				}
				closeTo(t, fmt.Sprintf("%s value %d", what, j), gotTensors[pair[0][j]], pair[1][j])
			}
		}
	}
}

// TestModuleHooksMatchPyTorch registers a forward pre-hook, a forward hook
// and a full backward hook on every module of a model of one's own (a
// Sequential and a Linear inside), runs one forward and backward, and
// compares with PyTorch: which hooks fire, in what order, with what shapes
// and values.
func TestModuleHooksMatchPyTorch(t *testing.T) {
	ref := loadHooksRef(t)
	net := newHookNet()
	ev, remove := recordHooks(net)
	x := toTensor(t, ref.Events.X)
	out := net.Forward(x)
	out.Mul(out).Sum().Backward()
	closeTo(t, "output", out, ref.Events.Out)
	compareEvents(t, *ev, ref.Events.Events, true)
	for _, p := range NamedParameters(net) {
		closeTo(t, "grad "+p.Name, p.Tensor.Grad, ref.Events.Grads[p.Name])
	}

	// Removed, they fire no more, and the model computes the same.
	remove()
	n := len(*ev)
	zeroGrads(net)
	out2 := net.Forward(x)
	out2.Mul(out2).Sum().Backward()
	if len(*ev) != n {
		t.Errorf("%d hook calls after Remove", len(*ev)-n)
	}
	closeTo(t, "output without hooks", out2, ref.Events.Out)
	for _, p := range NamedParameters(net) {
		closeTo(t, "grad without hooks "+p.Name, p.Tensor.Grad, ref.Events.Grads[p.Name])
	}
	if HooksActive() {
		t.Error("HooksActive after every hook was removed")
	}
}

// TestModuleHooksModifyLikePyTorch: a pre-hook replacing the input, a
// forward hook replacing the output and a backward hook replacing the
// gradient w.r.t. the input change the results as in PyTorch.
func TestModuleHooksModifyLikePyTorch(t *testing.T) {
	ref := loadHooksRef(t)
	net := newHookNet()
	hs := []*HookHandle{
		RegisterForwardPreHook(net.Head, func(_ any, in []*tensor.Tensor) []*tensor.Tensor {
			return []*tensor.Tensor{in[0].AddScalar(1)}
		}),
		RegisterForwardHook(net.Seq.At(2), func(_ any, _, out []*tensor.Tensor) []*tensor.Tensor {
			return []*tensor.Tensor{out[0].MulScalar(2)}
		}),
		RegisterFullBackwardHook(net.Seq.At(2), func(_ any, gin, _ []*tensor.Tensor) []*tensor.Tensor {
			r := make([]*tensor.Tensor, len(gin))
			for i, g := range gin {
				if g != nil {
					r[i] = g.MulScalar(0.5)
				}
			}
			return r
		}),
	}
	defer func() {
		for _, h := range hs {
			h.Remove()
		}
	}()
	out := net.Forward(toTensor(t, ref.Events.X))
	out.Mul(out).Sum().Backward()
	closeTo(t, "output", out, ref.Modify.Out)
	for _, p := range NamedParameters(net) {
		closeTo(t, "grad "+p.Name, p.Tensor.Grad, ref.Modify.Grads[p.Name])
	}
}

// TestTransformerHooksMatchPyTorch hooks every module of a
// TransformerEncoderLayer: MultiheadAttention sees (query, key, value) and
// returns (output, nil weights); its backward hook gets the gradients of
// its three inputs at once.
func TestTransformerHooksMatchPyTorch(t *testing.T) {
	ref := loadHooksRef(t)
	rng.ManualSeed(0)
	layer := NewTransformerEncoderLayer(8, 2, DimFeedforward(16), DropoutProb(0))
	Eval(layer)
	ev, remove := recordHooks(layer, "self_attn.out_proj")
	defer remove()
	src := toTensor(t, ref.Encoder.Src).SetRequiresGrad(true)
	out := layer.Forward(src)
	out.Mul(out).Sum().Backward()
	closeTo(t, "output", out, ref.Encoder.Out)
	closeTo(t, "src grad", src.Grad, ref.Encoder.SrcGrad)
	compareEvents(t, *ev, ref.Encoder.Events, false)
	for i, w := range ref.Encoder.Events {
		for j, gi := range w.GradInputs {
			if gi != nil && i < len(*ev) && j < len((*ev)[i].GradInputs) && (*ev)[i].GradInputs[j] != nil {
				closeTo(t, fmt.Sprintf("%s grad_input %d", w.Module, j), gotTensors[(*ev)[i].GradInputs[j]], gi)
			}
		}
	}
}

// TestConvHooksMatchPyTorch hooks every module of a Sequential of
// convolutions, batch norm, pooling and activations (Conv2d+ReLU, which
// Sequential would fuse, included) on an input that requires grad.
func TestConvHooksMatchPyTorch(t *testing.T) {
	ref := loadHooksRef(t)
	rng.ManualSeed(0)
	model := NewSequential(NewConv2d(1, 3, 3, Padding(1)), NewBatchNorm2d(3), NewReLU(), NewMaxPool2d(2),
		NewConv2d(3, 2, 3), NewReLU(), NewAvgPool2d(2), NewFlatten(), NewLinear(2, 4), NewGELU(),
		NewLinear(4, 3), NewLeakyReLU(0.1), NewSiLU(), NewLogSoftmax(1))
	ev, remove := recordHooks(model)
	defer remove()
	x := toTensor(t, ref.CNN.X).SetRequiresGrad(true)
	out := model.Forward(x)
	out.Mul(out).Sum().Backward()
	closeTo(t, "output", out, ref.CNN.Out)
	closeTo(t, "input grad", x.Grad, ref.CNN.XGrad)
	compareEvents(t, *ev, ref.CNN.Events, true)
}

// TestTensorHooksMatchPyTorch checks Tensor.RegisterHook against
// register_hook: order with RetainGrad, one call with the sum for a leaf
// used twice, replacement, Remove.
func TestTensorHooksMatchPyTorch(t *testing.T) {
	ref := loadHooksRef(t).Tensor
	check := func(what string, got *tensor.Tensor, want []float32) {
		t.Helper()
		if got == nil || !slices.Equal(got.Float32s(), want) {
			t.Errorf("%s: %v, PyTorch %v", what, got, want)
		}
	}
	times10 := func(g *tensor.Tensor) *tensor.Tensor { return g.MulScalar(10) }

	x := tensor.FromFloat32([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	y := x.MulScalar(2)
	y.RetainGrad()
	y.RegisterHook(times10)
	y.Sum().Backward()
	check("retain then hook: y.grad", y.Grad, ref["retain_then_hook"].YGrad)
	check("retain then hook: x.grad", x.Grad, ref["retain_then_hook"].XGrad)

	x = tensor.FromFloat32([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	y = x.MulScalar(2)
	y.RegisterHook(times10)
	y.RetainGrad()
	y.Sum().Backward()
	check("hook then retain: y.grad", y.Grad, ref["hook_then_retain"].YGrad)
	check("hook then retain: x.grad", x.Grad, ref["hook_then_retain"].XGrad)

	x = tensor.FromFloat32([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	var calls [][]float32
	x.RegisterHook(func(g *tensor.Tensor) *tensor.Tensor { calls = append(calls, g.Float32s()); return nil })
	h := x.RegisterHook(func(g *tensor.Tensor) *tensor.Tensor { return g.AddScalar(1) })
	x.MulScalar(2).Add(x.Mul(x)).Sum().Backward()
	check("leaf used twice: x.grad", x.Grad, ref["leaf_twice"].XGrad)
	if !reflect.DeepEqual(calls, ref["leaf_twice"].Calls[:1]) {
		t.Errorf("leaf used twice: hook calls %v, PyTorch %v", calls, ref["leaf_twice"].Calls[:1])
	}
	h.Remove()
	x.Grad = nil
	x.MulScalar(2).Add(x.Mul(x)).Sum().Backward()
	check("after Remove: x.grad", x.Grad, ref["leaf_removed"].XGrad)
	if !reflect.DeepEqual(calls, ref["leaf_removed"].Calls) {
		t.Errorf("after Remove: hook calls %v, PyTorch %v", calls, ref["leaf_removed"].Calls)
	}
}
