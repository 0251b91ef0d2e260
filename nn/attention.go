package nn

import (
	"fmt"
	"math"

	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// NonDynamicallyQuantizableLinear is the Linear that MultiheadAttention uses
// as its out_proj (torch.nn.modules.linear.NonDynamicallyQuantizableLinear):
// a Linear under another name, so that the model prints as PyTorch's.
type NonDynamicallyQuantizableLinear struct{ Linear }

// String prints the layer as PyTorch does.
func (l *NonDynamicallyQuantizableLinear) String() string { return Repr(l) }

// MultiheadAttention is torch.nn.MultiheadAttention of PyTorch 1.13:
// attention over NumHeads heads of HeadDim = EmbedDim/NumHeads features
// each, with a packed (InProjWeight) or, when KDim or VDim differ from
// EmbedDim, separate (QProjWeight, KProjWeight, VProjWeight) input
// projection. Parameters and state-dict keys are PyTorch's: in_proj_weight
// or q_proj_weight/k_proj_weight/v_proj_weight, in_proj_bias, bias_k,
// bias_v, out_proj.weight, out_proj.bias; a parameter switched off is nil
// and absent.
type MultiheadAttention struct {
	EmbedDim, NumHeads, HeadDim, KDim, VDim int `nn:"-"`
	// DropoutP is the dropout probability on the attention weights.
	DropoutP    float64 `nn:"-"`
	BatchFirst  bool    `nn:"-"`
	AddZeroAttn bool    `nn:"-"`

	InProjWeight                          *tensor.Tensor
	QProjWeight, KProjWeight, VProjWeight *tensor.Tensor
	InProjBias                            *tensor.Tensor
	OutProj                               *NonDynamicallyQuantizableLinear
	BiasK, BiasV                          *tensor.Tensor

	training bool
	gen      *rng.Generator
}

// NewMultiheadAttention returns nn.MultiheadAttention(embedDim, numHeads)
// initialized as PyTorch 1.13 initializes it, drawing in PyTorch's order:
// out_proj as a Linear (kaiming_uniform_ weight, uniform bias), then
// _reset_parameters: xavier_uniform_ on in_proj_weight (or on q_proj_weight,
// k_proj_weight, v_proj_weight), zeros in in_proj_bias and out_proj.bias,
// xavier_normal_ on bias_k and bias_v. After rng.ManualSeed(s) the
// parameters equal PyTorch's after torch.manual_seed(s), bit for bit.
//
// Options (MultiheadAttentionOption): NoBias / Bias (bias=, both
// projections), AddBiasKV, AddZeroAttn, KDim, VDim, BatchFirst,
// DropoutProb (on the attention weights), WithGenerator (initial draws and
// dropout masks), WithDType. embedDim not divisible by numHeads panics with
// "embed_dim must be divisible by num_heads".
func NewMultiheadAttention(embedDim, numHeads int, opts ...MultiheadAttentionOption) *MultiheadAttention {
	c := newMHAConfig(opts)
	checkPositive("MultiheadAttention", "embed_dim", embedDim, "kdim", c.kdim, "vdim", c.vdim)
	if numHeads <= 0 {
		panic(fmt.Sprintf("nn.MultiheadAttention: num_heads must be positive, got %d", numHeads))
	}
	checkDropoutProb(c.dropout)
	m := &MultiheadAttention{EmbedDim: embedDim, NumHeads: numHeads, KDim: embedDim, VDim: embedDim,
		DropoutP: c.dropout, BatchFirst: c.batchFirst, AddZeroAttn: c.addZeroAttn, training: true, gen: c.gen}
	if c.kdim > 0 {
		m.KDim = c.kdim
	}
	if c.vdim > 0 {
		m.VDim = c.vdim
	}
	m.HeadDim = embedDim / numHeads
	if m.HeadDim*numHeads != embedDim {
		panic(fmt.Sprintf("embed_dim must be divisible by num_heads (embed_dim=%d, num_heads=%d)", embedDim, numHeads))
	}
	dt := c.dtype
	param := func(shape ...int) *tensor.Tensor { return tensor.NewParameter(tensor.ZerosOf(dt, shape...)) }
	if m.sameEmbedDim() {
		m.InProjWeight = param(3*embedDim, embedDim)
	} else {
		m.QProjWeight = param(embedDim, embedDim)
		m.KProjWeight = param(embedDim, m.KDim)
		m.VProjWeight = param(embedDim, m.VDim)
	}
	if c.bias {
		m.InProjBias = param(3 * embedDim)
	}
	out := &NonDynamicallyQuantizableLinear{Linear{InFeatures: embedDim, OutFeatures: embedDim}}
	out.Weight = param(embedDim, embedDim)
	if c.bias {
		out.Bias = param(embedDim)
	}
	out.Linear.resetParameters(c.gen) // Linear.__init__ draws first
	m.OutProj = out
	if c.addBiasKV {
		m.BiasK = param(1, 1, embedDim)
		m.BiasV = param(1, 1, embedDim)
	}
	m.resetParameters(c.gen)
	return m
}

func (m *MultiheadAttention) sameEmbedDim() bool {
	return m.KDim == m.EmbedDim && m.VDim == m.EmbedDim
}

// resetParameters is PyTorch 1.13's MultiheadAttention._reset_parameters.
func (m *MultiheadAttention) resetParameters(g *rng.Generator) {
	gen := nninit.WithGenerator(g)
	if m.InProjWeight != nil {
		nninit.XavierUniform(m.InProjWeight, gen)
	} else {
		nninit.XavierUniform(m.QProjWeight, gen)
		nninit.XavierUniform(m.KProjWeight, gen)
		nninit.XavierUniform(m.VProjWeight, gen)
	}
	if m.InProjBias != nil {
		nninit.Zeros(m.InProjBias)
		nninit.Zeros(m.OutProj.Bias)
	}
	if m.BiasK != nil {
		nninit.XavierNormal(m.BiasK, gen)
	}
	if m.BiasV != nil {
		nninit.XavierNormal(m.BiasV, gen)
	}
}

// SetTraining switches dropout on the attention weights on or off.
func (m *MultiheadAttention) SetTraining(on bool) { m.training = on }

// ExtraRepr is empty: PyTorch prints only the out_proj child.
func (m *MultiheadAttention) ExtraRepr() string { return "" }

// String prints the layer as PyTorch does.
func (m *MultiheadAttention) String() string { return Repr(m) }

// Forward attends from query to key/value and returns the output and, when
// NeedWeights is on (the default), the attention weights, as PyTorch's
// forward(query, key, value, key_padding_mask=None, need_weights=True,
// attn_mask=None, average_attn_weights=True) does outside its inference fast
// path (functional.MultiheadAttention has the details).
//
// query is (L, N, E), key (S, N, KDim), value (S, N, VDim) — (N, L, E) etc.
// with BatchFirst — or unbatched (L, E), (S, KDim), (S, VDim). The output
// has query's shape; the weights are (N, L, S) averaged over heads, or
// (N, NumHeads, L, S) with AverageAttnWeights(false), without N for
// unbatched input; nil with NeedWeights(false). Call options
// (AttentionCallOption): KeyPaddingMask, AttnMask, NeedWeights,
// AverageAttnWeights. Bad shapes or mask types panic with PyTorch's
// messages.
//
// PyTorch 1.13 takes a fused inference path (torch._native_multi_head_attention)
// when not training, batch-first and without gradients; its results differ
// from the regular path in the last bits. This Forward is always the regular
// path.
func (m *MultiheadAttention) Forward(query, key, value *tensor.Tensor, opts ...AttentionCallOption) (out, weights *tensor.Tensor) {
	if HooksActive() {
		r := CallHookedN(m, []*tensor.Tensor{query, key, value}, func(in []*tensor.Tensor) []*tensor.Tensor {
			o, w := m.forward(in[0], in[1], in[2], opts...)
			return []*tensor.Tensor{o, w}
		})
		return r[0], r[1]
	}
	return m.forward(query, key, value, opts...)
}

func (m *MultiheadAttention) forward(query, key, value *tensor.Tensor, opts ...AttentionCallOption) (out, weights *tensor.Tensor) {
	c := attentionCall{needWeights: true, average: true}
	for _, o := range opts {
		o.applyAttentionCall(&c)
	}
	if query == nil || key == nil || value == nil {
		panic("nn.MultiheadAttention: query, key and value must not be nil")
	}
	batched := query.Dim() == 3
	if m.BatchFirst && batched {
		// Keep query/key/value identity (PyTorch's "is" tests pick the
		// packed projection).
		switch {
		case key == value && query == key:
			query = query.Transpose(1, 0)
			key, value = query, query
		case key == value:
			query, key = query.Transpose(1, 0), key.Transpose(1, 0)
			value = key
		default:
			if key.Dim() == 3 && value.Dim() == 3 {
				query, key, value = query.Transpose(1, 0), key.Transpose(1, 0), value.Transpose(1, 0)
			}
		}
	}
	g := m.gen
	if g == nil {
		g = rng.Default()
	}
	p := &F.MultiheadAttentionParams{
		NumHeads:     m.NumHeads,
		InProjWeight: m.InProjWeight, QProjWeight: m.QProjWeight, KProjWeight: m.KProjWeight, VProjWeight: m.VProjWeight,
		InProjBias: m.InProjBias, BiasK: m.BiasK, BiasV: m.BiasV, AddZeroAttn: m.AddZeroAttn,
		OutProjWeight: m.OutProj.Weight, OutProjBias: m.OutProj.Bias,
		DropoutP: m.DropoutP, Training: m.training, Generator: g,
		KeyPaddingMask: c.keyPaddingMask, AttnMask: c.attnMask,
		NeedWeights: c.needWeights, AverageAttnWeights: c.average,
	}
	out, weights = F.MultiheadAttention(query, key, value, p)
	if m.BatchFirst && batched {
		out = out.Transpose(1, 0)
	}
	return out, weights
}

// GenerateSquareSubsequentMask returns the causal mask of PyTorch's
// nn.Transformer.generate_square_subsequent_mask(n): an (n, n) Float32
// tensor with -inf above the diagonal and 0 on and below it, to pass as
// AttnMask (convert it with To for Float64 models; MultiheadAttention
// converts float masks to the query's type itself).
func GenerateSquareSubsequentMask(n int) *tensor.Tensor {
	checkPositive("GenerateSquareSubsequentMask", "sz", n)
	d := make([]float32, n*n)
	ninf := float32(math.Inf(-1))
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			d[i*n+j] = ninf
		}
	}
	return tensor.FromFloat32(d, n, n)
}
