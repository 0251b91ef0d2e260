package nn

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/tensor"
)

// Options of the attention and transformer layers. BatchFirstOption and
// DropoutProbOption are shared types meant for every sequence layer family
// (the recurrent layers may implement them too).

// MultiheadAttentionOption configures NewMultiheadAttention: NoBias / Bias,
// AddBiasKV, AddZeroAttn, KDim, VDim, BatchFirst, DropoutProb,
// WithGenerator, WithDType.
type MultiheadAttentionOption interface{ applyMultiheadAttention(*mhaConfig) }

// TransformerOption configures NewTransformerEncoderLayer and
// NewTransformerDecoderLayer: DimFeedforward, DropoutProb, the activation
// (ActivationReLU, ActivationGELU, ActivationFunc), LayerNormEps,
// BatchFirst, NormFirst, NoBias / Bias, WithGenerator, WithDType.
type TransformerOption interface{ applyTransformer(*transformerConfig) }

// TransformerEncoderOption configures NewTransformerEncoder: Norm.
type TransformerEncoderOption interface {
	applyTransformerEncoder(*transformerEncoderConfig)
}

// AttentionCallOption configures one call of MultiheadAttention.Forward:
// KeyPaddingMask, AttnMask, NeedWeights, AverageAttnWeights.
type AttentionCallOption interface{ applyAttentionCall(*attentionCall) }

type (
	mhaConfig struct {
		params
		addBiasKV, addZeroAttn bool
		kdim, vdim             int // 0: embed_dim
		batchFirst             bool
		dropout                float64
	}
	transformerConfig struct {
		params
		dimFF        int
		dropout      float64
		activation   TransformerActivation
		activationFn func(*tensor.Tensor) *tensor.Tensor
		eps          float64
		batchFirst   bool
		normFirst    bool
	}
	transformerEncoderConfig struct{ norm Module }
	attentionCall            struct {
		keyPaddingMask, attnMask *tensor.Tensor
		needWeights, average     bool
	}
)

func newMHAConfig(opts []MultiheadAttentionOption) *mhaConfig {
	c := &mhaConfig{params: defaultParams()}
	for _, o := range opts {
		o.applyMultiheadAttention(c)
	}
	return c
}

func newTransformerConfig(opts []TransformerOption) *transformerConfig {
	c := &transformerConfig{params: defaultParams(), dimFF: 2048, dropout: 0.1, activation: ActivationReLU, eps: 1e-5}
	for _, o := range opts {
		o.applyTransformer(c)
	}
	return c
}

func checkDropoutProb(p float64) {
	if p < 0 || p > 1 || math.IsNaN(p) {
		panic(fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", p))
	}
}

// Shared options (options.go) taken by the new families.

func (b BiasOption) applyMultiheadAttention(c *mhaConfig)       { c.bias = bool(b) }
func (b BiasOption) applyTransformer(c *transformerConfig)      { c.bias = bool(b) }
func (o GeneratorOption) applyMultiheadAttention(c *mhaConfig)  { c.gen = o.g }
func (o GeneratorOption) applyTransformer(c *transformerConfig) { c.gen = o.g }
func (d DTypeOption) applyMultiheadAttention(c *mhaConfig)      { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyTransformer(c *transformerConfig)     { c.dtype = tensor.DType(d) }

func (b BatchFirstOption) applyMultiheadAttention(c *mhaConfig)  { c.batchFirst = bool(b) }
func (b BatchFirstOption) applyTransformer(c *transformerConfig) { c.batchFirst = bool(b) }

// DropoutProbOption is the value of DropoutProb. It is a
// MultiheadAttentionOption, a TransformerOption, an RNNOption, an LSTMOption
// and a GRUOption.
type DropoutProbOption float64

// DropoutProb sets a layer's dropout probability (PyTorch's dropout=; the
// name Dropout is the layer). MultiheadAttention applies it to the attention
// weights (default 0); the transformer layers to the attention weights, the
// feed-forward hidden layer and each residual branch (default 0.1); RNN, LSTM
// and GRU to the outputs of every layer but the last, in training mode
// (default 0), with masks drawn from the layer's generator as PyTorch draws
// them. Values outside [0, 1] panic in the constructor.
func DropoutProb(p float64) DropoutProbOption { return DropoutProbOption(p) }

func (p DropoutProbOption) applyMultiheadAttention(c *mhaConfig)  { c.dropout = float64(p) }
func (p DropoutProbOption) applyTransformer(c *transformerConfig) { c.dropout = float64(p) }

type addBiasKV bool

func (a addBiasKV) applyMultiheadAttention(c *mhaConfig) { c.addBiasKV = bool(a) }

// AddBiasKV adds the learnable bias_k and bias_v (1, 1, embed_dim) that
// MultiheadAttention appends to the key and value sequences (PyTorch's
// add_bias_kv=; default false).
func AddBiasKV(on bool) MultiheadAttentionOption { return addBiasKV(on) }

type addZeroAttn bool

func (a addZeroAttn) applyMultiheadAttention(c *mhaConfig) { c.addZeroAttn = bool(a) }

// AddZeroAttn makes MultiheadAttention append a zero key and value to every
// head's sequence (PyTorch's add_zero_attn=; default false).
func AddZeroAttn(on bool) MultiheadAttentionOption { return addZeroAttn(on) }

type kdim int

func (k kdim) applyMultiheadAttention(c *mhaConfig) { c.kdim = int(k) }

// KDim sets the number of features of MultiheadAttention's keys (PyTorch's
// kdim=; default embed_dim). With a kdim or vdim other than embed_dim the
// layer has separate q_proj_weight, k_proj_weight and v_proj_weight instead
// of the packed in_proj_weight.
func KDim(n int) MultiheadAttentionOption { return kdim(n) }

type vdim int

func (v vdim) applyMultiheadAttention(c *mhaConfig) { c.vdim = int(v) }

// VDim sets the number of features of MultiheadAttention's values
// (PyTorch's vdim=; default embed_dim); see KDim.
func VDim(n int) MultiheadAttentionOption { return vdim(n) }

// TransformerActivation is the activation of a transformer layer's
// feed-forward block (PyTorch's activation="relu" / "gelu"); its constants
// are TransformerOptions.
type TransformerActivation int

const (
	// ActivationReLU is activation="relu" (the default).
	ActivationReLU TransformerActivation = iota
	// ActivationGELU is activation="gelu" (the exact, erf form).
	ActivationGELU
)

func (a TransformerActivation) applyTransformer(c *transformerConfig) {
	c.activation, c.activationFn = a, nil
}

type activationFunc func(*tensor.Tensor) *tensor.Tensor

func (f activationFunc) applyTransformer(c *transformerConfig) { c.activationFn = f }

// ActivationFunc makes f the activation of a transformer layer's
// feed-forward block (PyTorch's activation=<callable>).
func ActivationFunc(f func(*tensor.Tensor) *tensor.Tensor) TransformerOption {
	return activationFunc(f)
}

type dimFeedforward int

func (d dimFeedforward) applyTransformer(c *transformerConfig) { c.dimFF = int(d) }

// DimFeedforward sets the width of a transformer layer's feed-forward
// block (PyTorch's dim_feedforward=; default 2048).
func DimFeedforward(n int) TransformerOption { return dimFeedforward(n) }

type layerNormEps float64

func (e layerNormEps) applyTransformer(c *transformerConfig) { c.eps = float64(e) }

// LayerNormEps sets the eps of a transformer layer's LayerNorms (PyTorch's
// layer_norm_eps=; default 1e-5).
func LayerNormEps(eps float64) TransformerOption { return layerNormEps(eps) }

type normFirst bool

func (n normFirst) applyTransformer(c *transformerConfig) { c.normFirst = bool(n) }

// NormFirst makes a transformer layer normalize before attention and the
// feed-forward block (pre-LN) instead of after (PyTorch's norm_first=;
// default false).
func NormFirst(on bool) TransformerOption { return normFirst(on) }

type encoderNorm struct{ m Module }

func (n encoderNorm) applyTransformerEncoder(c *transformerEncoderConfig) { c.norm = n.m }

// Norm sets the module, usually a LayerNorm, that TransformerEncoder applies
// after its last layer (PyTorch's norm=; default none).
func Norm(m Module) TransformerEncoderOption { return encoderNorm{m} }

type keyPaddingMask struct{ m *tensor.Tensor }

func (k keyPaddingMask) applyAttentionCall(c *attentionCall) { c.keyPaddingMask = k.m }

// KeyPaddingMask marks keys to ignore (PyTorch's key_padding_mask=): a
// (batch, source) tensor, (source) for unbatched input, that is true (Bool)
// at padding positions or holds values added to the attention scores
// (floating point).
func KeyPaddingMask(m *tensor.Tensor) AttentionCallOption { return keyPaddingMask{m} }

type attnMask struct{ m *tensor.Tensor }

func (a attnMask) applyAttentionCall(c *attentionCall) { c.attnMask = a.m }

// AttnMask forbids or biases attention from target to source positions
// (PyTorch's attn_mask=): (target, source) or (batch·num_heads, target,
// source), true (Bool) where attention is not allowed, or floating-point
// values added to the scores (GenerateSquareSubsequentMask gives the causal
// mask).
func AttnMask(m *tensor.Tensor) AttentionCallOption { return attnMask{m} }

type needWeights bool

func (n needWeights) applyAttentionCall(c *attentionCall) { c.needWeights = bool(n) }

// NeedWeights controls whether MultiheadAttention.Forward returns the
// attention weights (PyTorch's need_weights=; default true).
func NeedWeights(on bool) AttentionCallOption { return needWeights(on) }

type averageAttnWeights bool

func (a averageAttnWeights) applyAttentionCall(c *attentionCall) { c.average = bool(a) }

// AverageAttnWeights controls whether the returned attention weights are
// averaged over the heads (PyTorch's average_attn_weights=; default true).
func AverageAttnWeights(on bool) AttentionCallOption { return averageAttnWeights(on) }
