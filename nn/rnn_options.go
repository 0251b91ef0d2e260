package nn

import "github.com/intercept-ml/intercept/tensor"

// The option families of the recurrent layers. Options shared with other
// layers (NoBias / Bias, WithGenerator, WithDType) are the same values.

// RNNOption configures NewRNN: NumLayers, RNNTanh / RNNReLU, NoBias / Bias,
// BatchFirst, InterLayerDropout, Bidirectional, WithGenerator, WithDType.
type RNNOption interface{ applyRNN(*rnnConfig) }

// LSTMOption configures NewLSTM: NumLayers, NoBias / Bias, BatchFirst,
// InterLayerDropout, Bidirectional, ProjSize, WithGenerator, WithDType.
type LSTMOption interface{ applyLSTM(*rnnConfig) }

// GRUOption configures NewGRU: NumLayers, NoBias / Bias, BatchFirst,
// InterLayerDropout, Bidirectional, WithGenerator, WithDType.
type GRUOption interface{ applyGRU(*rnnConfig) }

// RNNCellOption configures NewRNNCell: NoBias / Bias, RNNTanh / RNNReLU,
// WithGenerator, WithDType.
type RNNCellOption interface{ applyRNNCell(*rnnConfig) }

// CellOption configures NewLSTMCell and NewGRUCell: NoBias / Bias,
// WithGenerator, WithDType.
type CellOption interface{ applyCell(*rnnConfig) }

// rnnConfig is the configuration of every recurrent layer and cell.
type rnnConfig struct {
	params
	numLayers                 int
	nonlinearity              Nonlinearity
	batchFirst, bidirectional bool
	dropout                   float64
	projSize                  int
}

func newRNNConfig() *rnnConfig { return &rnnConfig{params: defaultParams(), numLayers: 1} }

func (b BiasOption) applyRNN(c *rnnConfig)     { c.bias = bool(b) }
func (b BiasOption) applyLSTM(c *rnnConfig)    { c.bias = bool(b) }
func (b BiasOption) applyGRU(c *rnnConfig)     { c.bias = bool(b) }
func (b BiasOption) applyRNNCell(c *rnnConfig) { c.bias = bool(b) }
func (b BiasOption) applyCell(c *rnnConfig)    { c.bias = bool(b) }

func (o GeneratorOption) applyRNN(c *rnnConfig)     { c.gen = o.g }
func (o GeneratorOption) applyLSTM(c *rnnConfig)    { c.gen = o.g }
func (o GeneratorOption) applyGRU(c *rnnConfig)     { c.gen = o.g }
func (o GeneratorOption) applyRNNCell(c *rnnConfig) { c.gen = o.g }
func (o GeneratorOption) applyCell(c *rnnConfig)    { c.gen = o.g }

func (d DTypeOption) applyRNN(c *rnnConfig)     { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyLSTM(c *rnnConfig)    { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyGRU(c *rnnConfig)     { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyRNNCell(c *rnnConfig) { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyCell(c *rnnConfig)    { c.dtype = tensor.DType(d) }

// NumLayersOption is the value of NumLayers. It is an RNNOption, an
// LSTMOption and a GRUOption.
type NumLayersOption int

// NumLayers stacks n recurrent layers, each reading the outputs of the one
// below (PyTorch's num_layers=; default 1). n below 1 panics in the
// constructor. NewRNN, NewLSTM and NewGRU take it.
func NumLayers(n int) NumLayersOption { return NumLayersOption(n) }

func (n NumLayersOption) applyRNN(c *rnnConfig)  { c.numLayers = int(n) }
func (n NumLayersOption) applyLSTM(c *rnnConfig) { c.numLayers = int(n) }
func (n NumLayersOption) applyGRU(c *rnnConfig)  { c.numLayers = int(n) }

// BatchFirstOption is the value of BatchFirst. It is an RNNOption, an
// LSTMOption, a GRUOption, a MultiheadAttentionOption and a
// TransformerOption; BatchFirstOption(on) sets a computed value.
type BatchFirstOption bool

// BatchFirst makes a recurrent layer take and return batched sequences as
// (N, L, features) instead of (L, N, features) (PyTorch's batch_first=True).
// The hidden and cell states keep their (layers·directions, N, H) layout,
// as in PyTorch; unbatched input is (L, features) either way. NewRNN,
// NewLSTM, NewGRU, NewMultiheadAttention and the transformer layers take it.
const BatchFirst BatchFirstOption = true

func (b BatchFirstOption) applyRNN(c *rnnConfig)  { c.batchFirst = bool(b) }
func (b BatchFirstOption) applyLSTM(c *rnnConfig) { c.batchFirst = bool(b) }
func (b BatchFirstOption) applyGRU(c *rnnConfig)  { c.batchFirst = bool(b) }

// BidirectionalOption is the value of Bidirectional. It is an RNNOption, an
// LSTMOption and a GRUOption; BidirectionalOption(on) sets a computed value.
type BidirectionalOption bool

// Bidirectional adds a second direction to every layer, reading the
// sequence backwards (PyTorch's bidirectional=True): the outputs of both
// are concatenated in the feature dimension (forward first), and the
// parameters of the reverse direction carry the suffix "_reverse". NewRNN,
// NewLSTM and NewGRU take it.
const Bidirectional BidirectionalOption = true

func (b BidirectionalOption) applyRNN(c *rnnConfig)  { c.bidirectional = bool(b) }
func (b BidirectionalOption) applyLSTM(c *rnnConfig) { c.bidirectional = bool(b) }
func (b BidirectionalOption) applyGRU(c *rnnConfig)  { c.bidirectional = bool(b) }

func (p DropoutProbOption) applyRNN(c *rnnConfig)  { c.dropout = float64(p) }
func (p DropoutProbOption) applyLSTM(c *rnnConfig) { c.dropout = float64(p) }
func (p DropoutProbOption) applyGRU(c *rnnConfig)  { c.dropout = float64(p) }

// Nonlinearity is the activation of an Elman RNN or RNNCell (PyTorch's
// nonlinearity=): RNNTanh (the default) or RNNReLU. It is an RNNOption and
// an RNNCellOption: NewRNN and NewRNNCell take it.
type Nonlinearity int

const (
	// RNNTanh is nonlinearity='tanh', the default.
	RNNTanh Nonlinearity = iota
	// RNNReLU is nonlinearity='relu'.
	RNNReLU
)

// String returns "tanh" or "relu", as PyTorch spells them.
func (n Nonlinearity) String() string {
	if n == RNNReLU {
		return "relu"
	}
	return "tanh"
}

func (n Nonlinearity) applyRNN(c *rnnConfig)     { c.nonlinearity = n }
func (n Nonlinearity) applyRNNCell(c *rnnConfig) { c.nonlinearity = n }

type projSize int

func (p projSize) applyLSTM(c *rnnConfig) { c.projSize = int(p) }

// ProjSize gives an LSTM a projection of size p of its hidden state
// (PyTorch's proj_size=; default 0, none): h = (o⊙tanh(c))·W_hrᵀ, with
// W_hr (p, hidden_size) registered as weight_hr_l{k}. p must be in
// [0, hidden_size) or the constructor panics. Only NewLSTM takes it.
func ProjSize(p int) LSTMOption { return projSize(p) }
