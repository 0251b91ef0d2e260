package nn

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Reference data written by testdata/gen_rnn.py with PyTorch 1.13.1.

type rnnCase struct {
	Name          string
	Kind          string
	Args          []int
	Options       map[string]any
	DType         string
	Seed          uint64
	Repr          string
	StateDictKeys []string `json:"state_dict_keys"`
	Init          map[string]*golden.Tensor
	Train         bool
	X, H0, C0     *golden.Tensor
	Params        map[string]*golden.Tensor
	ForwardSeed   uint64                    `json:"forward_seed"`
	LossWeights   map[string]*golden.Tensor `json:"loss_weights"`
	Outputs       map[string]*golden.Tensor
	Grads         map[string]*golden.Tensor
}

type rnnRef struct {
	Cases  []rnnCase
	Errors []struct{ What, Error string }
	Reprs  map[string]string
}

func loadRNNRef(t testing.TB) *rnnRef {
	t.Helper()
	b, err := os.ReadFile("testdata/rnn.json")
	if err != nil {
		t.Fatal(err)
	}
	var r rnnRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// rnnBuild builds the Go layer of a case from its kind, sizes and PyTorch
// keyword options, with extra options (WithDType) appended.
func rnnBuild(t testing.TB, kind string, args []int, kw map[string]any, dt tensor.DType) any {
	in, hid := args[0], args[1]
	var rnnOpts []RNNOption
	var lstmOpts []LSTMOption
	var gruOpts []GRUOption
	var rcOpts []RNNCellOption
	var cOpts []CellOption
	add := func(o any) {
		if v, ok := o.(RNNOption); ok {
			rnnOpts = append(rnnOpts, v)
		}
		if v, ok := o.(LSTMOption); ok {
			lstmOpts = append(lstmOpts, v)
		}
		if v, ok := o.(GRUOption); ok {
			gruOpts = append(gruOpts, v)
		}
		if v, ok := o.(RNNCellOption); ok {
			rcOpts = append(rcOpts, v)
		}
		if v, ok := o.(CellOption); ok {
			cOpts = append(cOpts, v)
		}
	}
	for k, v := range kw {
		switch k {
		case "num_layers":
			add(NumLayers(int(v.(float64))))
		case "bias":
			add(Bias(v.(bool)))
		case "batch_first":
			add(BatchFirstOption(v.(bool)))
		case "bidirectional":
			add(BidirectionalOption(v.(bool)))
		case "dropout":
			add(DropoutProb(v.(float64)))
		case "proj_size":
			add(ProjSize(int(v.(float64))))
		case "nonlinearity":
			if v.(string) == "relu" {
				add(RNNReLU)
			} else {
				add(RNNTanh)
			}
		default:
			t.Fatalf("option %s", k)
		}
	}
	add(WithDType(dt))
	switch kind {
	case "RNN":
		return NewRNN(in, hid, rnnOpts...)
	case "LSTM":
		return NewLSTM(in, hid, lstmOpts...)
	case "GRU":
		return NewGRU(in, hid, gruOpts...)
	case "RNNCell":
		return NewRNNCell(in, hid, rcOpts...)
	case "LSTMCell":
		return NewLSTMCell(in, hid, cOpts...)
	case "GRUCell":
		return NewGRUCell(in, hid, cOpts...)
	}
	t.Fatalf("kind %s", kind)
	return nil
}

// rnnForward runs the layer m with PyTorch's calling convention of the
// case and returns the named outputs.
func rnnForward(m any, x, h0, c0 *tensor.Tensor) map[string]*tensor.Tensor {
	switch m := m.(type) {
	case *RNN:
		out, hn := m.ForwardState(x, h0)
		return map[string]*tensor.Tensor{"out": out, "hn": hn}
	case *GRU:
		out, hn := m.ForwardState(x, h0)
		return map[string]*tensor.Tensor{"out": out, "hn": hn}
	case *LSTM:
		out, hn, cn := m.ForwardState(x, h0, c0)
		return map[string]*tensor.Tensor{"out": out, "hn": hn, "cn": cn}
	case *RNNCell:
		return map[string]*tensor.Tensor{"h": m.ForwardState(x, h0)}
	case *GRUCell:
		return map[string]*tensor.Tensor{"h": m.ForwardState(x, h0)}
	case *LSTMCell:
		h, c := m.ForwardState(x, h0, c0)
		return map[string]*tensor.Tensor{"h": h, "c": c}
	}
	panic("unknown layer")
}

// TestRNNMatchPyTorch checks every case of testdata/rnn.json: repr,
// state-dict keys and the default parameters after the same seed bit for
// bit; then, with PyTorch's parameters in the case's dtype, the outputs,
// final states and the gradients of every parameter, of the input and of
// the initial states (1e-5 of the largest magnitude in float32, 1e-12 in
// float64).
func TestRNNMatchPyTorch(t *testing.T) {
	ref := loadRNNRef(t)
	if len(ref.Cases) < 20 {
		t.Fatalf("%d cases", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			rng.ManualSeed(c.Seed)
			m := rnnBuild(t, c.Kind, c.Args, c.Options, tensor.Float32)
			if got := Repr(m); got != c.Repr {
				t.Errorf("repr %q, want %q", got, c.Repr)
			}
			if got := fmt.Sprint(m); got != c.Repr {
				t.Errorf("String() %q, want %q", got, c.Repr)
			}
			sd := StateDictOf(m)
			if !reflect.DeepEqual(sd.Keys(), c.StateDictKeys) {
				t.Fatalf("state dict keys %v, want %v", sd.Keys(), c.StateDictKeys)
			}
			for _, e := range sd {
				exactBits(t, "init "+e.Name, e.Tensor, c.Init[e.Name])
			}

			dt := tensor.Float32
			if c.DType == "float64" {
				dt = tensor.Float64
			}
			m = rnnBuild(t, c.Kind, c.Args, c.Options, dt)
			for _, p := range NamedParameters(m) {
				tensor.NoGrad(func() { p.Tensor.CopyFrom(toTensor(t, c.Params[p.Name])) })
			}
			if !c.Train {
				Eval(m)
			}
			x := toTensor(t, c.X).SetRequiresGrad(true)
			var h0, c0 *tensor.Tensor
			if c.H0 != nil {
				h0 = toTensor(t, c.H0).SetRequiresGrad(true)
			}
			if c.C0 != nil {
				c0 = toTensor(t, c.C0).SetRequiresGrad(true)
			}
			rng.ManualSeed(c.ForwardSeed)
			outs := rnnForward(m, x, h0, c0)
			if len(outs) != len(c.Outputs) {
				t.Fatalf("%d outputs, PyTorch %d", len(outs), len(c.Outputs))
			}
			var loss *tensor.Tensor
			for k, want := range c.Outputs {
				closeTo(t, k, outs[k], want)
				term := outs[k].Mul(toTensor(t, c.LossWeights[k])).Sum()
				if loss == nil {
					loss = term
				} else {
					loss = loss.Add(term)
				}
			}
			loss.Backward()
			for _, p := range NamedParameters(m) {
				closeTo(t, "grad "+p.Name, p.Tensor.Grad, c.Grads[p.Name])
			}
			closeTo(t, "grad x", x.Grad, c.Grads["x"])
			if h0 != nil {
				closeTo(t, "grad h0", h0.Grad, c.Grads["h0"])
			}
			if c0 != nil {
				closeTo(t, "grad c0", c0.Grad, c.Grads["c0"])
			}
		})
	}
}

// TestRNNReprs checks more reprs against PyTorch's.
func TestRNNReprs(t *testing.T) {
	ref := loadRNNRef(t)
	build := map[string]any{
		"RNN(3,4,bias=False)":                                 NewRNN(3, 4, NoBias),
		"RNN(3,4,nonlinearity='relu')":                        NewRNN(3, 4, RNNReLU),
		"LSTM(3,5,num_layers=2,bidirectional=True)":           NewLSTM(3, 5, NumLayers(2), Bidirectional),
		"LSTM(3,5,proj_size=2)":                               NewLSTM(3, 5, ProjSize(2)),
		"GRU(2,3,bidirectional=True)":                         NewGRU(2, 3, Bidirectional),
		"GRU(2,3,batch_first=True,dropout=0.25,num_layers=2)": NewGRU(2, 3, BatchFirst, DropoutProb(0.25), NumLayers(2)),
		"LSTMCell(3,4)":                                       NewLSTMCell(3, 4),
		"LSTMCell(3,4,bias=False)":                            NewLSTMCell(3, 4, NoBias),
		"RNNCell(3,4,nonlinearity='relu')":                    NewRNNCell(3, 4, RNNReLU),
		"RNNCell(3,4,bias=False)":                             NewRNNCell(3, 4, NoBias),
		"GRUCell(3,4)":                                        NewGRUCell(3, 4),
	}
	if len(build) != len(ref.Reprs) {
		t.Errorf("%d Go constructions, %d PyTorch reprs", len(build), len(ref.Reprs))
	}
	for what, want := range ref.Reprs {
		m, ok := build[what]
		if !ok {
			t.Errorf("no Go construction for %s", what)
			continue
		}
		if got := Repr(m); got != want {
			t.Errorf("%s: repr %q, want %q", what, got, want)
		}
	}
}

func rnnPanic(f func()) (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	f()
	return "<nil>"
}

// TestRNNErrors checks that bad inputs panic with PyTorch's messages.
func TestRNNErrors(t *testing.T) {
	ref := loadRNNRef(t)
	rng.ManualSeed(0)
	lstm := NewLSTM(3, 5, NumLayers(2))
	blstm := NewLSTM(3, 5, Bidirectional, ProjSize(2))
	gru := NewGRU(3, 5, NumLayers(2))
	rnn := NewRNN(3, 5)
	lc, gc, rc := NewLSTMCell(3, 4), NewGRUCell(3, 4), NewRNNCell(3, 4)
	z := tensor.Zeros
	cases := map[string]func(){
		"LSTM(3,5,num_layers=2) x(4,3,4)":   func() { lstm.Forward(z(4, 3, 4)) },
		"LSTM(3,5,num_layers=2) x(4,3,3,1)": func() { lstm.Forward(z(4, 3, 3, 1)) },
		"LSTM(3,5,num_layers=2) h0(1,3,5)":  func() { lstm.ForwardState(z(4, 3, 3), z(1, 3, 5), z(2, 3, 5)) },
		"LSTM(3,5,num_layers=2) c0(2,3,4)":  func() { lstm.ForwardState(z(4, 3, 3), z(2, 3, 5), z(2, 3, 4)) },
		"LSTM(3,5,num_layers=2) unbatched h0 3-D": func() {
			lstm.ForwardState(z(4, 3), z(2, 1, 5), z(2, 1, 5))
		},
		"LSTM(3,5,num_layers=2) batched h0 2-D": func() { lstm.ForwardState(z(4, 3, 3), z(2, 5), z(2, 5)) },
		"LSTM(3,5,proj_size=2,bidirectional=True) h0(2,3,5)": func() {
			blstm.ForwardState(z(4, 3, 3), z(2, 3, 5), z(2, 3, 5))
		},
		"GRU(3,5,num_layers=2) h0(2,4,5)":        func() { gru.ForwardState(z(4, 3, 3), z(2, 4, 5)) },
		"GRU(3,5,num_layers=2) unbatched h0 3-D": func() { gru.ForwardState(z(4, 3), z(2, 1, 5)) },
		"RNN(3,5) x(4,3,2)":                      func() { rnn.Forward(z(4, 3, 2)) },
		"RNN(3,5) x(3)":                          func() { rnn.Forward(z(3)) },
		"LSTMCell(3,4) x(2,5)":                   func() { lc.Forward(z(2, 5)) },
		"LSTMCell(3,4) x(2,3,1)":                 func() { lc.Forward(z(2, 3, 1)) },
		"LSTMCell(3,4) h(3,4)":                   func() { lc.ForwardState(z(2, 3), z(3, 4), z(2, 4)) },
		"GRUCell(3,4) h(2,5)":                    func() { gc.ForwardState(z(2, 3), z(2, 5)) },
		"RNNCell(3,4) x(2,2)":                    func() { rc.Forward(z(2, 2)) },
		"RNN(3,5,dropout=1.5)":                   func() { NewRNN(3, 5, DropoutProb(1.5)) },
		"LSTM(3,5,proj_size=5)":                  func() { NewLSTM(3, 5, ProjSize(5)) },
		"LSTM(3,5,proj_size=-1)":                 func() { NewLSTM(3, 5, ProjSize(-1)) },
		"RNN(3,0)":                               func() { NewRNN(3, 0) },
	}
	// PyTorch fails on num_layers=0 with an IndexError of its own code;
	// the Go constructor says what is wrong.
	ours := map[string]string{"RNN(3,5,num_layers=0)": "num_layers must be at least 1, got 0"}
	for _, e := range ref.Errors {
		f, ok := cases[e.What]
		want := e.Error
		if w, mine := ours[e.What]; mine {
			want = w
			f = func() { NewRNN(3, 5, NumLayers(0)) }
		} else if !ok {
			t.Errorf("no Go case for %s", e.What)
			continue
		}
		if got := rnnPanic(f); !strings.Contains(got, want) {
			t.Errorf("%s: panic %q, want %q", e.What, got, want)
		}
	}
}

// TestSetForgetGateBias checks what SetForgetGateBias writes in every layer
// and direction, that it leaves the other gates alone, and that an LSTM
// without biases refuses it.
func TestSetForgetGateBias(t *testing.T) {
	rng.ManualSeed(1)
	m := NewLSTM(3, 4, NumLayers(2), Bidirectional)
	before := map[string][]float32{}
	for _, e := range StateDictOf(m) {
		before[e.Name] = e.Tensor.Float32s()
	}
	m.SetForgetGateBias(1)
	for _, e := range StateDictOf(m) {
		got := e.Tensor.Float32s()
		for i, v := range got {
			want := before[e.Name][i]
			if strings.HasPrefix(e.Name, "bias_") && i >= 4 && i < 8 {
				want = 0
				if strings.HasPrefix(e.Name, "bias_ih") {
					want = 1
				}
			}
			if v != want {
				t.Errorf("%s[%d] = %v, want %v", e.Name, i, v, want)
			}
		}
	}
	if m.Layers[0].BiasIH.RequiresGrad() != true || m.Layers[0].BiasIH.Grad != nil {
		t.Error("SetForgetGateBias changed the parameter's autograd state")
	}
	c := NewLSTMCell(2, 3)
	c.SetForgetGateBias(2)
	if got := c.BiasIH.Float32s()[3:6]; got[0] != 2 || got[1] != 2 || got[2] != 2 {
		t.Errorf("cell bias_ih[H:2H] = %v", got)
	}
	if msg := rnnPanic(func() { NewLSTM(3, 4, NoBias).SetForgetGateBias(1) }); !strings.Contains(msg, "without biases") {
		t.Errorf("NoBias LSTM: %q", msg)
	}
}

// TestRNNStateDictRoundTrip loads one recurrent model's state dict into
// another of the same shape and checks the outputs agree.
func TestRNNStateDictRoundTrip(t *testing.T) {
	rng.ManualSeed(3)
	a := NewGRU(3, 4, NumLayers(2), Bidirectional, BatchFirst)
	b := NewGRU(3, 4, NumLayers(2), Bidirectional, BatchFirst)
	if err := LoadStateDict(b, StateDictOf(a), true); err != nil {
		t.Fatal(err)
	}
	x := rng.Randn(2, 5, 3)
	ya, yb := a.Forward(x), b.Forward(x)
	if !reflect.DeepEqual(ya.Float32s(), yb.Float32s()) || !reflect.DeepEqual(ya.Shape(), []int{2, 5, 8}) {
		t.Errorf("outputs differ after loading, or shape %v", ya.Shape())
	}
	if err := LoadStateDict(NewGRU(3, 4), StateDictOf(a), true); err == nil || !strings.Contains(err.Error(), `Unexpected key(s) in state_dict: "weight_ih_l0_reverse"`) {
		t.Errorf("loading into a smaller GRU: %v", err)
	}
}

// TestRNNDropoutGeneratorAndEval checks that the inter-layer dropout draws
// from the layer's generator in training mode only.
func TestRNNDropoutGeneratorAndEval(t *testing.T) {
	g1, g2 := rng.NewGenerator(), rng.NewGenerator()
	g1.ManualSeed(5)
	g2.ManualSeed(5)
	m1 := NewLSTM(3, 4, NumLayers(2), DropoutProb(0.5), WithGenerator(g1))
	m2 := NewLSTM(3, 4, NumLayers(2), DropoutProb(0.5), WithGenerator(g2))
	x := rng.Randn(4, 2, 3)
	if !reflect.DeepEqual(m1.Forward(x).Float32s(), m2.Forward(x).Float32s()) {
		t.Error("same generator seed, different outputs")
	}
	y1 := m1.Forward(x).Float32s()
	y2 := m1.Forward(x).Float32s()
	if reflect.DeepEqual(y1, y2) {
		t.Error("training mode: two forward passes drew the same dropout mask")
	}
	Eval(m1)
	e1, e2 := m1.Forward(x).Float32s(), m1.Forward(x).Float32s()
	if !reflect.DeepEqual(e1, e2) {
		t.Error("eval mode is not deterministic")
	}
	Train(m1)
	if reflect.DeepEqual(m1.Forward(x).Float32s(), e1) {
		t.Error("Train did not switch dropout back on")
	}
}

// TestRNNFloat64Init checks that WithDType(Float64) builds float64
// parameters for every recurrent layer and cell.
func TestRNNFloat64Init(t *testing.T) {
	for _, m := range []any{
		NewRNN(2, 3, WithDType(tensor.Float64)), NewLSTM(2, 3, ProjSize(1), WithDType(tensor.Float64)),
		NewGRU(2, 3, WithDType(tensor.Float64)), NewRNNCell(2, 3, WithDType(tensor.Float64)),
		NewLSTMCell(2, 3, WithDType(tensor.Float64)), NewGRUCell(2, 3, WithDType(tensor.Float64)),
	} {
		for _, p := range NamedParameters(m) {
			if p.Tensor.DType() != tensor.Float64 {
				t.Errorf("%v: %s is %v", m, p.Name, p.Tensor.DType())
			}
		}
	}
}
