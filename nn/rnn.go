package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// RNNBase is what RNN, LSTM and GRU share (torch.nn.RNNBase): the sizes,
// the switches and the parameters of every layer and direction.
//
// Parameters and state dict. Layer k, direction d (0 forward, 1 reverse)
// has its weights in Layers[k·D+d] (D = 2 when Bidirectional, else 1),
// registered under PyTorch's names weight_ih_l{k}, weight_hh_l{k},
// bias_ih_l{k}, bias_hh_l{k} and, for a projected LSTM, weight_hr_l{k},
// with the suffix "_reverse" for d = 1: weight_ih (G·H, in_k), weight_hh
// (G·H, H_r), the biases (G·H) (nil with NoBias), weight_hr (proj, H). G is
// the number of gates (1 RNN, 4 LSTM in the order i, f, g, o, 3 GRU in the
// order r, z, n), H_r is ProjSize or HiddenSize, and in_k is InputSize for
// k = 0 and H_r·D above.
type RNNBase struct {
	InputSize, HiddenSize, NumLayers, ProjSize int
	Bias, BatchFirst, Bidirectional            bool
	// Dropout is the probability of the dropout between layers
	// (InterLayerDropout).
	Dropout float64
	// Layers holds the parameters of layer k, direction d at k·D+d.
	Layers []F.RNNWeights

	mode     F.RNNMode
	training bool
	gen      *rng.Generator
}

func newRNNBase(layer string, mode F.RNNMode, in, hidden int, c *rnnConfig) RNNBase {
	checkPositive(layer, "input_size", in, "hidden_size", hidden)
	if !(c.dropout >= 0 && c.dropout <= 1) {
		panic("dropout should be a number in range [0, 1] representing the probability of an element being zeroed")
	}
	if c.projSize < 0 {
		panic("proj_size should be a positive integer or zero to disable projections")
	}
	if c.projSize >= hidden {
		panic("proj_size has to be smaller than hidden_size")
	}
	if c.numLayers < 1 {
		panic(fmt.Sprintf("nn.%s: num_layers must be at least 1, got %d", layer, c.numLayers))
	}
	r := RNNBase{InputSize: in, HiddenSize: hidden, NumLayers: c.numLayers, ProjSize: c.projSize,
		Bias: c.bias, BatchFirst: c.batchFirst, Bidirectional: c.bidirectional, Dropout: c.dropout,
		mode: mode, training: true, gen: c.gen}
	gh := mode.Gates() * hidden
	hr := hidden
	if c.projSize > 0 {
		hr = c.projSize
	}
	D := r.directions()
	param := func(shape ...int) *tensor.Tensor { return tensor.NewParameter(tensor.ZerosOf(c.dtype, shape...)) }
	for k := range c.numLayers {
		li := in
		if k > 0 {
			li = hr * D
		}
		for range D {
			var w F.RNNWeights
			w.WeightIH, w.WeightHH = param(gh, li), param(gh, hr)
			if c.bias {
				w.BiasIH, w.BiasHH = param(gh), param(gh)
			}
			if c.projSize > 0 {
				w.WeightHR = param(c.projSize, hidden)
			}
			r.Layers = append(r.Layers, w)
		}
	}
	// reset_parameters: every parameter uniform(-1/√H, 1/√H) in
	// registration order.
	resetUniform(r.parameters(), hidden, c.gen)
	return r
}

// resetUniform initializes ps in order as RNNBase.reset_parameters and
// RNNCellBase.reset_parameters do:
//
//	stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
//	for weight in self.parameters():
//	    init.uniform_(weight, -stdv, stdv)
func resetUniform(ps []*tensor.Tensor, hidden int, g *rng.Generator) {
	stdv := 0.0
	if hidden > 0 {
		stdv = 1 / math.Sqrt(float64(hidden))
	}
	for _, p := range ps {
		nninit.Uniform(p, -stdv, stdv, nninit.WithGenerator(g))
	}
}

func (r *RNNBase) directions() int {
	if r.Bidirectional {
		return 2
	}
	return 1
}

// stateSize returns H_r, the size of the hidden state and of the outputs of
// one direction.
func (r *RNNBase) stateSize() int {
	if r.ProjSize > 0 {
		return r.ProjSize
	}
	return r.HiddenSize
}

// children lists the parameters under PyTorch's names, in registration
// order (see the module walk in module.go).
func (r *RNNBase) children() []entry {
	var out []entry
	D := r.directions()
	for i, w := range r.Layers {
		suffix := fmt.Sprintf("_l%d", i/D)
		if i%D == 1 {
			suffix += "_reverse"
		}
		for _, p := range []struct {
			name string
			t    *tensor.Tensor
		}{{"weight_ih", w.WeightIH}, {"weight_hh", w.WeightHH}, {"bias_ih", w.BiasIH}, {"bias_hh", w.BiasHH}, {"weight_hr", w.WeightHR}} {
			if p.t != nil && p.t.IsParameter() {
				out = append(out, entry{name: p.name + suffix, kind: kindParam, tensor: p.t})
			}
		}
	}
	return out
}

func (r *RNNBase) parameters() []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, e := range r.children() {
		ps = append(ps, e.tensor)
	}
	return ps
}

// SetTraining switches the dropout between layers on (training) or off.
func (r *RNNBase) SetTraining(on bool) { r.training = on }

// ExtraRepr returns PyTorch's extra_repr: "3, 5, num_layers=2,
// bidirectional=True" (settings at their defaults are left out; the RNN's
// nonlinearity is never printed, as in PyTorch).
func (r *RNNBase) ExtraRepr() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d, %d", r.InputSize, r.HiddenSize)
	if r.ProjSize != 0 {
		fmt.Fprintf(&b, ", proj_size=%d", r.ProjSize)
	}
	if r.NumLayers != 1 {
		fmt.Fprintf(&b, ", num_layers=%d", r.NumLayers)
	}
	if !r.Bias {
		b.WriteString(", bias=False")
	}
	if r.BatchFirst {
		b.WriteString(", batch_first=True")
	}
	if r.Dropout != 0 {
		b.WriteString(", dropout=" + pyfmt.Float(r.Dropout))
	}
	if r.Bidirectional {
		b.WriteString(", bidirectional=True")
	}
	return b.String()
}

// run is the forward pass of every RNNBase: input checks as PyTorch's
// (with its messages), then layer by layer and direction by direction
// functional.RNNLayer, with dropout between layers in training mode.
func (r *RNNBase) run(mode F.RNNMode, x, h0, c0 *tensor.Tensor) (out, hn, cn *tensor.Tensor) {
	lstm := mode == F.ModeLSTM
	if x.Dim() != 2 && x.Dim() != 3 {
		// PyTorch unsqueezes any input that is not 3-D before checking
		panic(fmt.Sprintf("input must have 3 dimensions, got %d", x.Dim()+1))
	}
	batched := x.Dim() == 3
	states := []*tensor.Tensor{h0}
	if lstm {
		states = append(states, c0)
	}
	given := h0 != nil || c0 != nil
	if given {
		want := 3
		if !batched {
			want = 2
		}
		bad := false
		for _, s := range states {
			bad = bad || s != nil && s.Dim() != want
		}
		if bad {
			kind := "batched 3-D"
			if !batched {
				kind = "unbatched 2-D"
			}
			if lstm {
				panic(fmt.Sprintf("For %s input, hx and cx should also be %d-D but got (%s, %s) tensors", kind, want, dimStr(h0), dimStr(c0)))
			}
			panic(fmt.Sprintf("For %s input, hx should also be %d-D but got %s tensor", kind, want, dimStr(h0)))
		}
	}
	if !batched {
		x = x.Unsqueeze(1)
		if h0 != nil {
			h0 = h0.Unsqueeze(1)
		}
		if c0 != nil {
			c0 = c0.Unsqueeze(1)
		}
	} else if r.BatchFirst {
		x = x.Transpose(0, 1)
	}
	if x.Size(-1) != r.InputSize {
		panic(fmt.Sprintf("input.size(-1) must be equal to input_size. Expected %d, got %d", r.InputSize, x.Size(-1)))
	}
	D := r.directions()
	N := x.Size(1)
	hr := r.stateSize()
	checkHidden := func(what string, s *tensor.Tensor, size int) {
		if s == nil {
			return
		}
		if sh := s.Shape(); len(sh) != 3 || sh[0] != r.NumLayers*D || sh[1] != N || sh[2] != size {
			panic(fmt.Sprintf("Expected %s size (%d, %d, %d), got %s", what, r.NumLayers*D, N, size, shapeList(sh)))
		}
	}
	if lstm {
		checkHidden("hidden[0]", h0, hr)
		checkHidden("hidden[1]", c0, r.HiddenSize)
	} else {
		checkHidden("hidden", h0, hr)
	}

	layerIn := x
	hns := make([]*tensor.Tensor, 0, r.NumLayers*D)
	var cns []*tensor.Tensor
	for k := range r.NumLayers {
		outs := make([]*tensor.Tensor, D)
		for d := range D {
			i := k*D + d
			var h, c *tensor.Tensor
			if h0 != nil {
				h = h0.Select(0, i)
			}
			if c0 != nil {
				c = c0.Select(0, i)
			}
			o, hk, ck := F.RNNLayer(mode, layerIn, h, c, r.Layers[i], d == 1)
			outs[d] = o
			hns = append(hns, hk)
			if lstm {
				cns = append(cns, ck)
			}
		}
		layerOut := outs[0]
		if D == 2 {
			layerOut = tensor.Cat(outs, 2)
		}
		if r.Dropout > 0 && r.training && k < r.NumLayers-1 {
			g := r.gen
			if g == nil {
				g = rng.Default()
			}
			layerOut = F.Dropout(layerOut, r.Dropout, F.WithGenerator(g))
		}
		layerIn = layerOut
	}
	out = layerIn
	hn = stackStates(hns)
	if lstm {
		cn = stackStates(cns)
	}
	switch {
	case !batched:
		out, hn = out.Squeeze(1), hn.Squeeze(1)
		if cn != nil {
			cn = cn.Squeeze(1)
		}
	case r.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return out, hn, cn
}

func stackStates(s []*tensor.Tensor) *tensor.Tensor {
	if len(s) == 1 {
		return s[0].Unsqueeze(0)
	}
	return tensor.Stack(s, 0)
}

func dimStr(t *tensor.Tensor) string {
	if t == nil {
		return "None"
	}
	return fmt.Sprintf("%d-D", t.Dim())
}

// shapeList formats a shape as Python prints list(t.size()): [1, 3, 5].
func shapeList(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// RNN is a multi-layer Elman RNN with tanh or ReLU (torch.nn.RNN):
// h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) for every layer
// and direction. See RNNBase for the parameters.
type RNN struct {
	RNNBase
	// Nonlinearity is RNNTanh or RNNReLU.
	Nonlinearity Nonlinearity
}

// NewRNN returns an RNN initialized as PyTorch initializes it: after
// rng.ManualSeed(s) its parameters equal those of nn.RNN(in, hidden, ...)
// after torch.manual_seed(s), bit for bit. Options (RNNOption): NumLayers,
// RNNTanh / RNNReLU, NoBias / Bias, BatchFirst, InterLayerDropout,
// Bidirectional, WithGenerator, WithDType.
func NewRNN(in, hidden int, opts ...RNNOption) *RNN {
	c := newRNNConfig()
	for _, o := range opts {
		o.applyRNN(c)
	}
	mode := F.ModeRNNTanh
	if c.nonlinearity == RNNReLU {
		mode = F.ModeRNNReLU
	}
	return &RNN{RNNBase: newRNNBase("RNN", mode, in, hidden, c), Nonlinearity: c.nonlinearity}
}

// Forward returns the outputs of the last layer for every step, starting
// from zero hidden states: (L, N, D·H) for x (L, N, input_size),
// (N, L, D·H) with BatchFirst, (L, D·H) for unbatched x (L, input_size).
func (r *RNN) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(r, x, r.forward)
	}
	return r.forward(x)
}

func (r *RNN) forward(x *tensor.Tensor) *tensor.Tensor {
	out, _ := r.ForwardState(x, nil)
	return out
}

// ForwardState is PyTorch's rnn(x, h0): it returns the outputs (as
// Forward) and the final hidden state of every layer and direction,
// hn (num_layers·D, N, H) ((num_layers·D, H) unbatched), the reverse
// direction's being its state after reading x[0]. h0 has hn's shape; nil
// means zeros.
func (r *RNN) ForwardState(x, h0 *tensor.Tensor) (out, hn *tensor.Tensor) {
	mode := F.ModeRNNTanh
	if r.Nonlinearity == RNNReLU {
		mode = F.ModeRNNReLU
	}
	out, hn, _ = r.run(mode, x, h0, nil)
	return out, hn
}

// String prints the layer as PyTorch does: "RNN(3, 4, num_layers=2)".
func (r *RNN) String() string { return Repr(r) }

// LSTM is a multi-layer long short-term memory network (torch.nn.LSTM).
// Each step of each layer and direction computes, with the gates in
// PyTorch's order (rows [0,H), [H,2H), [2H,3H), [3H,4H) of weight_ih,
// weight_hh, bias_ih and bias_hh):
//
//	i = σ(x·W_iiᵀ + b_ii + h·W_hiᵀ + b_hi)    input gate
//	f = σ(x·W_ifᵀ + b_if + h·W_hfᵀ + b_hf)    forget gate
//	g = tanh(x·W_igᵀ + b_ig + h·W_hgᵀ + b_hg) cell candidate
//	o = σ(x·W_ioᵀ + b_io + h·W_hoᵀ + b_ho)    output gate
//	c' = f⊙c + i⊙g,  h' = o⊙tanh(c')  (h'·W_hrᵀ with ProjSize)
//
// so that bias_ih_l{k}[H:2H] and bias_hh_l{k}[H:2H] are the forget-gate
// biases (see SetForgetGateBias). See RNNBase for the parameters.
type LSTM struct{ RNNBase }

// NewLSTM returns an LSTM initialized as PyTorch initializes it: after
// rng.ManualSeed(s) its parameters equal those of nn.LSTM(in, hidden, ...)
// after torch.manual_seed(s), bit for bit. Options (LSTMOption): NumLayers,
// NoBias / Bias, BatchFirst, InterLayerDropout, Bidirectional, ProjSize,
// WithGenerator, WithDType.
func NewLSTM(in, hidden int, opts ...LSTMOption) *LSTM {
	c := newRNNConfig()
	for _, o := range opts {
		o.applyLSTM(c)
	}
	return &LSTM{newRNNBase("LSTM", F.ModeLSTM, in, hidden, c)}
}

// Forward returns the outputs of the last layer for every step, starting
// from zero states: (L, N, D·H_r) for x (L, N, input_size), (N, L, D·H_r)
// with BatchFirst, (L, D·H_r) for unbatched x (L, input_size); H_r is
// ProjSize or HiddenSize.
func (r *LSTM) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(r, x, r.forward)
	}
	return r.forward(x)
}

func (r *LSTM) forward(x *tensor.Tensor) *tensor.Tensor {
	out, _, _ := r.ForwardState(x, nil, nil)
	return out
}

// ForwardState is PyTorch's lstm(x, (h0, c0)): it returns the outputs (as
// Forward) and the final hidden and cell states of every layer and
// direction, hn (num_layers·D, N, H_r) and cn (num_layers·D, N, H)
// (without N for unbatched x). h0 and c0 have the shapes of hn and cn;
// nil means zeros (each may be nil on its own, where PyTorch takes both or
// neither).
func (r *LSTM) ForwardState(x, h0, c0 *tensor.Tensor) (out, hn, cn *tensor.Tensor) {
	return r.run(F.ModeLSTM, x, h0, c0)
}

// SetForgetGateBias sets the forget-gate bias of every layer and direction
// to v, the usual "forget-gate bias = 1" initialization (Gers et al. 2000,
// Jozefowicz et al. 2015): bias_ih_l{k}[H:2H] = v and bias_hh_l{k}[H:2H] = 0,
// so that the forget gate's total bias b_if + b_hf is exactly v (PyTorch
// adds both biases; filling both with v would give 2v). The other gates'
// biases are left as they are. It is the PyTorch idiom
//
//	with torch.no_grad():
//	    for k in range(num_layers):  # and the _reverse ones
//	        getattr(lstm, f"bias_ih_l{k}")[H:2*H].fill_(v)
//	        getattr(lstm, f"bias_hh_l{k}")[H:2*H].zero_()
//
// An LSTM built with NoBias has no bias to set: SetForgetGateBias panics.
func (r *LSTM) SetForgetGateBias(v float64) {
	for _, w := range r.Layers {
		setForgetBias(w.BiasIH, w.BiasHH, r.HiddenSize, v)
	}
}

func setForgetBias(bih, bhh *tensor.Tensor, h int, v float64) {
	if bih == nil || bhh == nil {
		panic("nn: SetForgetGateBias on an LSTM without biases (built with NoBias)")
	}
	tensor.NoGrad(func() {
		bih.Narrow(0, h, h).Fill(v)
		bhh.Narrow(0, h, h).Fill(0)
	})
}

// String prints the layer as PyTorch does: "LSTM(3, 5, num_layers=2,
// bidirectional=True)".
func (r *LSTM) String() string { return Repr(r) }

// GRU is a multi-layer gated recurrent unit network (torch.nn.GRU). Each
// step computes, with the gates in PyTorch's order reset, update, new:
//
//	r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)
//	z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
//	n = tanh(x·W_inᵀ + b_in + r⊙(h·W_hnᵀ + b_hn))
//	h' = (1−z)⊙n + z⊙h
//
// See RNNBase for the parameters.
type GRU struct{ RNNBase }

// NewGRU returns a GRU initialized as PyTorch initializes it: after
// rng.ManualSeed(s) its parameters equal those of nn.GRU(in, hidden, ...)
// after torch.manual_seed(s), bit for bit. Options (GRUOption): NumLayers,
// NoBias / Bias, BatchFirst, InterLayerDropout, Bidirectional,
// WithGenerator, WithDType.
func NewGRU(in, hidden int, opts ...GRUOption) *GRU {
	c := newRNNConfig()
	for _, o := range opts {
		o.applyGRU(c)
	}
	return &GRU{newRNNBase("GRU", F.ModeGRU, in, hidden, c)}
}

// Forward returns the outputs of the last layer, as RNN.Forward.
func (r *GRU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(r, x, r.forward)
	}
	return r.forward(x)
}

func (r *GRU) forward(x *tensor.Tensor) *tensor.Tensor {
	out, _ := r.ForwardState(x, nil)
	return out
}

// ForwardState is PyTorch's gru(x, h0), with the shapes of
// RNN.ForwardState.
func (r *GRU) ForwardState(x, h0 *tensor.Tensor) (out, hn *tensor.Tensor) {
	out, hn, _ = r.run(F.ModeGRU, x, h0, nil)
	return out, hn
}

// String prints the layer as PyTorch does: "GRU(2, 3, bidirectional=True)".
func (r *GRU) String() string { return Repr(r) }

// ---------------------------------------------------------------- cells

// cellBase is what the cells share (torch.nn.RNNCellBase).
type cellBase struct {
	InputSize, HiddenSize int `nn:"-"`
	// WeightIH (G·H, input_size), WeightHH (G·H, H), BiasIH and BiasHH
	// (G·H, nil with NoBias), registered as weight_ih, weight_hh, bias_ih,
	// bias_hh.
	WeightIH, WeightHH, BiasIH, BiasHH *tensor.Tensor
}

func newCellBase(layer string, gates, in, hidden int, c *rnnConfig) cellBase {
	checkPositive(layer, "input_size", in, "hidden_size", hidden)
	b := cellBase{InputSize: in, HiddenSize: hidden}
	param := func(shape ...int) *tensor.Tensor { return tensor.NewParameter(tensor.ZerosOf(c.dtype, shape...)) }
	b.WeightIH, b.WeightHH = param(gates*hidden, in), param(gates*hidden, hidden)
	ps := []*tensor.Tensor{b.WeightIH, b.WeightHH}
	if c.bias {
		b.BiasIH, b.BiasHH = param(gates*hidden), param(gates*hidden)
		ps = append(ps, b.BiasIH, b.BiasHH)
	}
	resetUniform(ps, hidden, c.gen)
	return b
}

func (b *cellBase) extraRepr(extra string) string {
	s := fmt.Sprintf("%d, %d", b.InputSize, b.HiddenSize)
	if b.BiasIH == nil {
		s += ", bias=False"
	}
	return s + extra
}

// prepare checks a cell's input and states as PyTorch does, and returns
// them batched.
func (b *cellBase) prepare(layer string, x *tensor.Tensor, states ...*tensor.Tensor) (bool, *tensor.Tensor, []*tensor.Tensor) {
	if x.Dim() != 1 && x.Dim() != 2 {
		panic(fmt.Sprintf("%s: Expected input to be 1-D or 2-D but received %d-D tensor", layer, x.Dim()))
	}
	batched := x.Dim() == 2
	if !batched {
		x = x.Unsqueeze(0)
	}
	if x.Size(1) != b.InputSize {
		panic(fmt.Sprintf("input has inconsistent input_size: got %d expected %d", x.Size(1), b.InputSize))
	}
	out := make([]*tensor.Tensor, len(states))
	for i, s := range states {
		if s == nil {
			continue
		}
		if !batched {
			if s.Dim() != 1 {
				panic(fmt.Sprintf("%s: Expected hidden state to be 1-D for unbatched input, got %d-D", layer, s.Dim()))
			}
			s = s.Unsqueeze(0)
		}
		if s.Dim() != 2 {
			panic(fmt.Sprintf("%s: Expected hidden state to be 2-D for batched input, got %d-D", layer, s.Dim()))
		}
		if s.Size(0) != x.Size(0) {
			panic(fmt.Sprintf("Input batch size %d doesn't match hidden%d batch size %d", x.Size(0), i, s.Size(0)))
		}
		if s.Size(1) != b.HiddenSize {
			panic(fmt.Sprintf("hidden%d has inconsistent hidden_size: got %d, expected %d", i, s.Size(1), b.HiddenSize))
		}
		out[i] = s
	}
	return batched, x, out
}

func unbatch(batched bool, t *tensor.Tensor) *tensor.Tensor {
	if batched {
		return t
	}
	return t.Squeeze(0)
}

// RNNCell is one step of an Elman RNN (torch.nn.RNNCell):
// h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), or relu.
type RNNCell struct {
	cellBase
	// Nonlinearity is RNNTanh or RNNReLU.
	Nonlinearity Nonlinearity `nn:"-"`
}

// NewRNNCell returns an RNNCell initialized as PyTorch initializes it (bit
// for bit after the same seed). Options (RNNCellOption): NoBias / Bias,
// RNNTanh / RNNReLU, WithGenerator, WithDType.
func NewRNNCell(in, hidden int, opts ...RNNCellOption) *RNNCell {
	c := newRNNConfig()
	for _, o := range opts {
		o.applyRNNCell(c)
	}
	return &RNNCell{newCellBase("RNNCell", 1, in, hidden, c), c.nonlinearity}
}

// Forward returns the next hidden state from a zero state: (N, H) for x
// (N, input_size), (H) for x (input_size).
func (m *RNNCell) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *RNNCell) forward(x *tensor.Tensor) *tensor.Tensor {
	return m.ForwardState(x, nil)
}

// ForwardState returns the next hidden state from h ((N, H), or (H) for
// unbatched x; nil means zeros), PyTorch's cell(x, h).
func (m *RNNCell) ForwardState(x, h *tensor.Tensor) *tensor.Tensor {
	batched, x, s := m.prepare("RNNCell", x, h)
	f := F.RNNTanhCell
	if m.Nonlinearity == RNNReLU {
		f = F.RNNReLUCell
	}
	return unbatch(batched, f(x, s[0], m.WeightIH, m.WeightHH, m.BiasIH, m.BiasHH))
}

// ExtraRepr returns "3, 4, bias=False, nonlinearity=relu" as PyTorch.
func (m *RNNCell) ExtraRepr() string {
	extra := ""
	if m.Nonlinearity != RNNTanh {
		extra = ", nonlinearity=" + m.Nonlinearity.String()
	}
	return m.extraRepr(extra)
}

// String prints the cell as PyTorch does: "RNNCell(3, 4)".
func (m *RNNCell) String() string { return Repr(m) }

// LSTMCell is one LSTM step (torch.nn.LSTMCell), with LSTM's gate order.
type LSTMCell struct{ cellBase }

// NewLSTMCell returns an LSTMCell initialized as PyTorch initializes it
// (bit for bit after the same seed). Options (CellOption): NoBias / Bias,
// WithGenerator, WithDType.
func NewLSTMCell(in, hidden int, opts ...CellOption) *LSTMCell {
	c := newRNNConfig()
	for _, o := range opts {
		o.applyCell(c)
	}
	return &LSTMCell{newCellBase("LSTMCell", 4, in, hidden, c)}
}

// Forward returns the next hidden state from zero states (see
// ForwardState for the cell state).
func (m *LSTMCell) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *LSTMCell) forward(x *tensor.Tensor) *tensor.Tensor {
	h, _ := m.ForwardState(x, nil, nil)
	return h
}

// ForwardState returns the next hidden and cell states (N, H) (or (H) for
// unbatched x) from h and c (nil: zeros), PyTorch's cell(x, (h, c)).
func (m *LSTMCell) ForwardState(x, h, c *tensor.Tensor) (h1, c1 *tensor.Tensor) {
	batched, x, s := m.prepare("LSTMCell", x, h, c)
	h1, c1 = F.LSTMCell(x, s[0], s[1], m.WeightIH, m.WeightHH, m.BiasIH, m.BiasHH)
	return unbatch(batched, h1), unbatch(batched, c1)
}

// SetForgetGateBias sets bias_ih[H:2H] to v and bias_hh[H:2H] to 0, as
// LSTM.SetForgetGateBias.
func (m *LSTMCell) SetForgetGateBias(v float64) { setForgetBias(m.BiasIH, m.BiasHH, m.HiddenSize, v) }

// ExtraRepr returns "3, 4" or "3, 4, bias=False".
func (m *LSTMCell) ExtraRepr() string { return m.extraRepr("") }

// String prints the cell as PyTorch does: "LSTMCell(3, 4)".
func (m *LSTMCell) String() string { return Repr(m) }

// GRUCell is one GRU step (torch.nn.GRUCell), with GRU's gate order.
type GRUCell struct{ cellBase }

// NewGRUCell returns a GRUCell initialized as PyTorch initializes it (bit
// for bit after the same seed). Options (CellOption): NoBias / Bias,
// WithGenerator, WithDType.
func NewGRUCell(in, hidden int, opts ...CellOption) *GRUCell {
	c := newRNNConfig()
	for _, o := range opts {
		o.applyCell(c)
	}
	return &GRUCell{newCellBase("GRUCell", 3, in, hidden, c)}
}

// Forward returns the next hidden state from a zero state.
func (m *GRUCell) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *GRUCell) forward(x *tensor.Tensor) *tensor.Tensor {
	return m.ForwardState(x, nil)
}

// ForwardState returns the next hidden state from h (nil: zeros), PyTorch's
// cell(x, h).
func (m *GRUCell) ForwardState(x, h *tensor.Tensor) *tensor.Tensor {
	batched, x, s := m.prepare("GRUCell", x, h)
	return unbatch(batched, F.GRUCell(x, s[0], m.WeightIH, m.WeightHH, m.BiasIH, m.BiasHH))
}

// ExtraRepr returns "3, 4" or "3, 4, bias=False".
func (m *GRUCell) ExtraRepr() string { return m.extraRepr("") }

// String prints the cell as PyTorch does: "GRUCell(3, 4)".
func (m *GRUCell) String() string { return Repr(m) }
