package nn

import (
	"slices"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer of PyTorch
// 1.13: self-attention and a feed-forward block (Linear1, activation,
// Dropout, Linear2), each with a residual connection, dropout and a
// LayerNorm after (post-LN) or before (NormFirst, pre-LN) it. Children,
// state-dict keys and printing are PyTorch's: self_attn, linear1, dropout,
// linear2, norm1, norm2, dropout1, dropout2.
type TransformerEncoderLayer struct {
	SelfAttn           *MultiheadAttention
	Linear1            *Linear
	Dropout            *Dropout
	Linear2            *Linear
	NormFirst          bool `nn:"-"`
	Norm1, Norm2       *LayerNorm
	Dropout1, Dropout2 *Dropout
	// Activation is the feed-forward activation; ActivationFn, when set
	// (ActivationFunc), replaces it.
	Activation   TransformerActivation               `nn:"-"`
	ActivationFn func(*tensor.Tensor) *tensor.Tensor `nn:"-"`
}

// NewTransformerEncoderLayer returns nn.TransformerEncoderLayer(dModel,
// nhead) initialized as PyTorch initializes it (self_attn, then linear1,
// then linear2 draw; the LayerNorms are ones and zeros): after
// rng.ManualSeed(s) its parameters equal PyTorch's after
// torch.manual_seed(s), bit for bit.
//
// Options (TransformerOption): DimFeedforward (2048), DropoutProb (0.1),
// ActivationReLU (default) / ActivationGELU / ActivationFunc, LayerNormEps
// (1e-5), BatchFirst, NormFirst, WithGenerator (initial draws and dropout
// masks), WithDType, and NoBias / Bias: PyTorch 1.13 has no bias switch
// here; NoBias follows PyTorch 2.1's bias=False, which drops the biases of
// both attention projections, of linear1 and linear2 and of both LayerNorms
// (their weights stay).
func NewTransformerEncoderLayer(dModel, nhead int, opts ...TransformerOption) *TransformerEncoderLayer {
	c := newTransformerConfig(opts)
	checkDropoutProb(c.dropout)
	l := &TransformerEncoderLayer{NormFirst: c.normFirst, Activation: c.activation, ActivationFn: c.activationFn}
	l.SelfAttn = c.attention(dModel, nhead)
	l.Linear1 = c.linear(dModel, c.dimFF)
	l.Dropout = c.dropoutLayer()
	l.Linear2 = c.linear(c.dimFF, dModel)
	l.Norm1, l.Norm2 = c.layerNorm(dModel), c.layerNorm(dModel)
	l.Dropout1, l.Dropout2 = c.dropoutLayer(), c.dropoutLayer()
	return l
}

func (c *transformerConfig) attention(dModel, nhead int) *MultiheadAttention {
	return NewMultiheadAttention(dModel, nhead, DropoutProb(c.dropout), BatchFirstOption(c.batchFirst),
		Bias(c.bias), WithGenerator(c.gen), WithDType(c.dtype))
}

func (c *transformerConfig) linear(in, out int) *Linear {
	return NewLinear(in, out, Bias(c.bias), WithGenerator(c.gen), WithDType(c.dtype))
}

func (c *transformerConfig) layerNorm(d int) *LayerNorm {
	return NewLayerNorm([]int{d}, Eps(c.eps), Bias(c.bias), WithDType(c.dtype))
}

func (c *transformerConfig) dropoutLayer() *Dropout {
	return NewDropout(c.dropout, WithGenerator(c.gen))
}

// activate applies the feed-forward activation.
func activate(a TransformerActivation, fn func(*tensor.Tensor) *tensor.Tensor, x *tensor.Tensor) *tensor.Tensor {
	if fn != nil {
		return fn(x)
	}
	if a == ActivationGELU {
		return x.GELU(false)
	}
	return x.ReLU()
}

// Forward runs the layer on src without masks; it makes the layer a Module.
func (l *TransformerEncoderLayer) Forward(src *tensor.Tensor) *tensor.Tensor {
	return l.ForwardMasked(src, nil, nil)
}

// ForwardMasked runs the layer on src — (S, N, E), (N, S, E) with
// BatchFirst, or unbatched (S, E) — with an attention mask and a key
// padding mask (PyTorch's src_mask and src_key_padding_mask; each may be
// nil; see AttnMask and KeyPaddingMask).
//
// PyTorch 1.13 takes a fused inference path (torch._transformer_encoder_layer_fwd)
// in eval mode with batch-first input and no gradients; its results differ
// from the regular path in the last bits. This is always the regular path,
// the one PyTorch takes in training.
func (l *TransformerEncoderLayer) ForwardMasked(src, srcMask, srcKeyPaddingMask *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(l, src, func(src *tensor.Tensor) *tensor.Tensor { return l.forward(src, srcMask, srcKeyPaddingMask) })
	}
	return l.forward(src, srcMask, srcKeyPaddingMask)
}

func (l *TransformerEncoderLayer) forward(src, srcMask, srcKeyPaddingMask *tensor.Tensor) *tensor.Tensor {
	if srcKeyPaddingMask != nil && !srcKeyPaddingMask.DType().IsFloat() && srcKeyPaddingMask.DType() != tensor.Bool {
		panic("only bool and floating types of key_padding_mask are supported")
	}
	hooks := HooksActive()
	if !hooks {
		l.prefetchMasks(src)
	}
	// Without hooks, which could keep them, the intermediate results are
	// read only by the layer's next operations, whose backward passes run
	// before theirs: their memory is reused once Backward is done with them.
	inner := func(t *tensor.Tensor) *tensor.Tensor {
		if !hooks && t != src {
			tensorinternal.RecycleAfterBackward(t)
		}
		return t
	}
	x := src
	if l.NormFirst {
		x = inner(x.Add(inner(l.saBlock(inner(l.Norm1.Forward(x)), srcMask, srcKeyPaddingMask))))
		x = x.Add(inner(l.ffBlock(inner(l.Norm2.Forward(x)))))
	} else {
		x = inner(l.Norm1.Forward(inner(x.Add(inner(l.saBlock(x, srcMask, srcKeyPaddingMask))))))
		x = l.Norm2.Forward(inner(x.Add(inner(l.ffBlock(x)))))
	}
	return x
}

// prefetchMasks announces the dropout masks that forward on src will draw,
// in their order (attention weights, dropout1, dropout, dropout2), to each
// generator they come from, so that the draws run alongside the products
// (see rng.Generator.PrefetchBernoulliBits). It changes no result: a draw
// announced wrongly is simply made again. Hooks, which could draw in
// between, are not expected.
func (l *TransformerEncoderLayer) prefetchMasks(src *tensor.Tensor) {
	if src.Dim() != 2 && src.Dim() != 3 {
		return
	}
	seq, batch := src.Size(0), 1
	if src.Dim() == 3 {
		batch = src.Size(1)
		if l.SelfAttn.BatchFirst {
			seq, batch = batch, seq
		}
	}
	rows := seq * batch
	var p maskPrefetch
	p.attention(l.SelfAttn, batch, seq, seq)
	p.dropout(l.Dropout1, rows*src.Size(-1))
	p.dropout(l.Dropout, rows*l.Linear1.OutFeatures)
	p.dropout(l.Dropout2, rows*src.Size(-1))
	p.start()
}

// maskPrefetch collects the dropout draws a layer will make, by generator.
type maskPrefetch struct {
	gens  []*rng.Generator
	draws [][]rng.BitsDraw
}

// add announces n draws kept with probability 1−p (as functional.Dropout
// draws them) from g (nil: the default generator), unless dropout with p
// draws nothing.
func (m *maskPrefetch) add(g *rng.Generator, n int, p float64) {
	if !(p > 0 && p < 1) || n <= 0 {
		return
	}
	if g == nil {
		g = rng.Default()
	}
	i := slices.Index(m.gens, g)
	if i < 0 {
		m.gens, m.draws = append(m.gens, g), append(m.draws, nil)
		i = len(m.gens) - 1
	}
	m.draws[i] = append(m.draws[i], rng.BitsDraw{N: n, P: 1 - p})
}

func (m *maskPrefetch) dropout(d *Dropout, n int) {
	if d != nil && d.training {
		m.add(d.gen, n, d.P)
	}
}

// attention announces the mask on the attention weights of a (batch, L, S)
// attention, S counting bias_k and the zero-attention column.
func (m *maskPrefetch) attention(a *MultiheadAttention, batch, tgt, src int) {
	if a == nil || !a.training {
		return
	}
	if a.BiasK != nil {
		src++
	}
	if a.AddZeroAttn {
		src++
	}
	m.add(a.gen, batch*a.NumHeads*tgt*src, a.DropoutP)
}

func (m *maskPrefetch) start() {
	for i, g := range m.gens {
		g.PrefetchBernoulliBits(m.draws[i]...)
	}
}

func selfAttend(m *MultiheadAttention, x, mask, kpm *tensor.Tensor) *tensor.Tensor {
	out, _ := m.Forward(x, x, x, AttnMask(mask), KeyPaddingMask(kpm), NeedWeights(false))
	return out
}

func (l *TransformerEncoderLayer) saBlock(x, mask, kpm *tensor.Tensor) *tensor.Tensor {
	return l.Dropout1.Forward(selfAttend(l.SelfAttn, x, mask, kpm))
}

func (l *TransformerEncoderLayer) ffBlock(x *tensor.Tensor) *tensor.Tensor {
	if l.ActivationFn == nil && l.Activation == ActivationReLU && !HooksActive() {
		return l.ffBlockReLU(x)
	}
	h := l.Dropout.Forward(activate(l.Activation, l.ActivationFn, l.Linear1.Forward(x)))
	return l.Dropout2.Forward(l.Linear2.Forward(h))
}

// ffBlockReLU is ffBlock with the ReLU fused into linear1 (see ReLUFuser),
// for when no hooks are registered. Its intermediate results are read only
// by the next operation (dropout or an InputReader), so Backward reuses their
// memory once it is done with them, as Sequential does.
//
// A contiguous batch goes through the block as one matrix of rows (the same
// row-wise products and the same elements for the dropout masks, in the
// same order), so that the ReLU is applied in place to linear1's product.
func (l *TransformerEncoderLayer) ffBlockReLU(x *tensor.Tensor) *tensor.Tensor {
	x2 := x
	if x.Dim() > 2 && x.IsContiguous() && x.Size(-1) > 0 {
		x2 = x.Reshape(x.Numel()/x.Size(-1), x.Size(-1))
	}
	a := l.Linear1.ForwardReLU(x2)
	h := l.Dropout.Forward(a)
	z := l.Linear2.Forward(h)
	out := l.Dropout2.Forward(z)
	tensorinternal.RecycleAfterBackward(a)
	if h != a {
		tensorinternal.RecycleAfterBackward(h)
	}
	if z != out {
		tensorinternal.RecycleAfterBackward(z)
	}
	if x2 != x {
		shape := x.Shape()
		shape[len(shape)-1] = out.Size(-1)
		out = out.Reshape(shape...)
	}
	return out
}

// ExtraRepr is empty: PyTorch prints only the children.
func (l *TransformerEncoderLayer) ExtraRepr() string { return "" }

// String prints the layer as PyTorch does.
func (l *TransformerEncoderLayer) String() string { return Repr(l) }

// TransformerEncoder is torch.nn.TransformerEncoder: Layers applied in turn,
// then the optional Norm. State-dict keys are PyTorch's (layers.0.self_attn.
// in_proj_weight, ..., norm.weight).
type TransformerEncoder struct {
	Layers []*TransformerEncoderLayer
	// Norm, if not nil, is applied to the output of the last layer.
	Norm Module
}

// NewTransformerEncoder returns nn.TransformerEncoder(layer, numLayers):
// numLayers deep copies of layer (as PyTorch's _get_clones, so every layer
// starts with layer's parameters and no random numbers are drawn; layer
// itself is not one of them). Option (TransformerEncoderOption): Norm.
// PyTorch's enable_nested_tensor and mask_check only steer its inference
// fast path and have no counterpart.
func NewTransformerEncoder(layer *TransformerEncoderLayer, numLayers int, opts ...TransformerEncoderOption) *TransformerEncoder {
	checkPositive("TransformerEncoder", "num_layers", numLayers)
	var c transformerEncoderConfig
	for _, o := range opts {
		o.applyTransformerEncoder(&c)
	}
	e := &TransformerEncoder{Norm: c.norm}
	for i := 0; i < numLayers; i++ {
		e.Layers = append(e.Layers, layer.clone())
	}
	return e
}

// Forward runs the encoder on src without masks.
func (e *TransformerEncoder) Forward(src *tensor.Tensor) *tensor.Tensor {
	return e.ForwardMasked(src, nil, nil)
}

// ForwardMasked runs every layer with the attention mask and key padding
// mask (PyTorch's mask and src_key_padding_mask; nil for none), then Norm.
func (e *TransformerEncoder) ForwardMasked(src, mask, srcKeyPaddingMask *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(e, src, func(src *tensor.Tensor) *tensor.Tensor { return e.forward(src, mask, srcKeyPaddingMask) })
	}
	return e.forward(src, mask, srcKeyPaddingMask)
}

func (e *TransformerEncoder) forward(src, mask, srcKeyPaddingMask *tensor.Tensor) *tensor.Tensor {
	x := src
	for _, l := range e.Layers {
		x = l.ForwardMasked(x, mask, srcKeyPaddingMask)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return x
}

// String prints the encoder as PyTorch does.
func (e *TransformerEncoder) String() string { return Repr(e) }

// TransformerDecoderLayer is torch.nn.TransformerDecoderLayer of PyTorch
// 1.13: self-attention, attention over the encoder's memory and a
// feed-forward block, each with a residual connection, dropout and a
// LayerNorm (after, or before with NormFirst). Children and state-dict keys
// are PyTorch's: self_attn, multihead_attn, linear1, dropout, linear2,
// norm1..3, dropout1..3.
type TransformerDecoderLayer struct {
	SelfAttn                     *MultiheadAttention
	MultiheadAttn                *MultiheadAttention
	Linear1                      *Linear
	Dropout                      *Dropout
	Linear2                      *Linear
	NormFirst                    bool `nn:"-"`
	Norm1, Norm2, Norm3          *LayerNorm
	Dropout1, Dropout2, Dropout3 *Dropout
	Activation                   TransformerActivation               `nn:"-"`
	ActivationFn                 func(*tensor.Tensor) *tensor.Tensor `nn:"-"`
}

// NewTransformerDecoderLayer returns nn.TransformerDecoderLayer(dModel,
// nhead) initialized as PyTorch initializes it (self_attn, multihead_attn,
// linear1, linear2 draw in that order). It takes the options of
// NewTransformerEncoderLayer, NoBias again following PyTorch 2.1's
// bias=False.
func NewTransformerDecoderLayer(dModel, nhead int, opts ...TransformerOption) *TransformerDecoderLayer {
	c := newTransformerConfig(opts)
	checkDropoutProb(c.dropout)
	l := &TransformerDecoderLayer{NormFirst: c.normFirst, Activation: c.activation, ActivationFn: c.activationFn}
	l.SelfAttn = c.attention(dModel, nhead)
	l.MultiheadAttn = c.attention(dModel, nhead)
	l.Linear1 = c.linear(dModel, c.dimFF)
	l.Dropout = c.dropoutLayer()
	l.Linear2 = c.linear(c.dimFF, dModel)
	l.Norm1, l.Norm2, l.Norm3 = c.layerNorm(dModel), c.layerNorm(dModel), c.layerNorm(dModel)
	l.Dropout1, l.Dropout2, l.Dropout3 = c.dropoutLayer(), c.dropoutLayer(), c.dropoutLayer()
	return l
}

// DecoderMasks are the optional masks of TransformerDecoderLayer
// (PyTorch's tgt_mask, memory_mask, tgt_key_padding_mask,
// memory_key_padding_mask); nil fields are absent.
type DecoderMasks struct {
	TgtMask, MemoryMask                     *tensor.Tensor
	TgtKeyPaddingMask, MemoryKeyPaddingMask *tensor.Tensor
}

// Forward runs the layer on tgt attending to memory, with the masks m:
// tgt is (T, N, E), (N, T, E) with BatchFirst, or unbatched (T, E); memory
// likewise with its own length.
func (l *TransformerDecoderLayer) Forward(tgt, memory *tensor.Tensor, m DecoderMasks) *tensor.Tensor {
	if HooksActive() {
		return CallHookedN(l, []*tensor.Tensor{tgt, memory}, func(in []*tensor.Tensor) []*tensor.Tensor {
			return []*tensor.Tensor{l.forward(in[0], in[1], m)}
		})[0]
	}
	return l.forward(tgt, memory, m)
}

func (l *TransformerDecoderLayer) forward(tgt, memory *tensor.Tensor, m DecoderMasks) *tensor.Tensor {
	if !HooksActive() {
		l.prefetchMasks(tgt, memory)
	}
	x := tgt
	if l.NormFirst {
		x = x.Add(l.Dropout1.Forward(selfAttend(l.SelfAttn, l.Norm1.Forward(x), m.TgtMask, m.TgtKeyPaddingMask)))
		x = x.Add(l.mhaBlock(l.Norm2.Forward(x), memory, m.MemoryMask, m.MemoryKeyPaddingMask))
		x = x.Add(l.ffBlock(l.Norm3.Forward(x)))
	} else {
		x = l.Norm1.Forward(x.Add(l.Dropout1.Forward(selfAttend(l.SelfAttn, x, m.TgtMask, m.TgtKeyPaddingMask))))
		x = l.Norm2.Forward(x.Add(l.mhaBlock(x, memory, m.MemoryMask, m.MemoryKeyPaddingMask)))
		x = l.Norm3.Forward(x.Add(l.ffBlock(x)))
	}
	return x
}

// prefetchMasks announces the dropout masks that forward on tgt and memory
// will draw, in their order (self-attention weights, dropout1, attention
// weights over memory, dropout2, dropout, dropout3), as the encoder layer's
// prefetchMasks does.
func (l *TransformerDecoderLayer) prefetchMasks(tgt, memory *tensor.Tensor) {
	if tgt.Dim() != memory.Dim() || (tgt.Dim() != 2 && tgt.Dim() != 3) {
		return
	}
	seq, mem, batch := tgt.Size(0), memory.Size(0), 1
	if tgt.Dim() == 3 {
		batch = tgt.Size(1)
		if l.SelfAttn.BatchFirst {
			seq, mem, batch = tgt.Size(1), memory.Size(1), tgt.Size(0)
		}
	}
	rows := seq * batch
	var p maskPrefetch
	p.attention(l.SelfAttn, batch, seq, seq)
	p.dropout(l.Dropout1, rows*tgt.Size(-1))
	p.attention(l.MultiheadAttn, batch, seq, mem)
	p.dropout(l.Dropout2, rows*tgt.Size(-1))
	p.dropout(l.Dropout, rows*l.Linear1.OutFeatures)
	p.dropout(l.Dropout3, rows*tgt.Size(-1))
	p.start()
}

func (l *TransformerDecoderLayer) mhaBlock(x, mem, mask, kpm *tensor.Tensor) *tensor.Tensor {
	out, _ := l.MultiheadAttn.Forward(x, mem, mem, AttnMask(mask), KeyPaddingMask(kpm), NeedWeights(false))
	return l.Dropout2.Forward(out)
}

func (l *TransformerDecoderLayer) ffBlock(x *tensor.Tensor) *tensor.Tensor {
	h := l.Dropout.Forward(activate(l.Activation, l.ActivationFn, l.Linear1.Forward(x)))
	return l.Dropout3.Forward(l.Linear2.Forward(h))
}

// ExtraRepr is empty: PyTorch prints only the children.
func (l *TransformerDecoderLayer) ExtraRepr() string { return "" }

// String prints the layer as PyTorch does.
func (l *TransformerDecoderLayer) String() string { return Repr(l) }

// Deep copies (PyTorch's copy.deepcopy): new parameter tensors with the same
// values, no random draws.

func cloneParam(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	c := tensor.NewParameter(t.Detach().Clone())
	c.SetRequiresGrad(t.RequiresGrad())
	return c
}

func (l *Linear) clone() *Linear {
	return &Linear{InFeatures: l.InFeatures, OutFeatures: l.OutFeatures, Weight: cloneParam(l.Weight), Bias: cloneParam(l.Bias)}
}

func (l *LayerNorm) clone() *LayerNorm {
	return &LayerNorm{NormalizedShape: append([]int(nil), l.NormalizedShape...), Eps: l.Eps,
		Weight: cloneParam(l.Weight), Bias: cloneParam(l.Bias)}
}

func (d *Dropout) clone() *Dropout { c := *d; return &c }

func (m *MultiheadAttention) clone() *MultiheadAttention {
	c := *m
	c.InProjWeight, c.QProjWeight, c.KProjWeight, c.VProjWeight = cloneParam(m.InProjWeight),
		cloneParam(m.QProjWeight), cloneParam(m.KProjWeight), cloneParam(m.VProjWeight)
	c.InProjBias, c.BiasK, c.BiasV = cloneParam(m.InProjBias), cloneParam(m.BiasK), cloneParam(m.BiasV)
	c.OutProj = &NonDynamicallyQuantizableLinear{*m.OutProj.Linear.clone()}
	return &c
}

func (l *TransformerEncoderLayer) clone() *TransformerEncoderLayer {
	if l == nil {
		panic("nn.TransformerEncoder: nil encoder layer")
	}
	return &TransformerEncoderLayer{SelfAttn: l.SelfAttn.clone(), Linear1: l.Linear1.clone(), Dropout: l.Dropout.clone(),
		Linear2: l.Linear2.clone(), NormFirst: l.NormFirst, Norm1: l.Norm1.clone(), Norm2: l.Norm2.clone(),
		Dropout1: l.Dropout1.clone(), Dropout2: l.Dropout2.clone(), Activation: l.Activation, ActivationFn: l.ActivationFn}
}
