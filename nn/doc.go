// Package nn builds neural networks the way torch.nn does: layers that carry
// a bias by default (switched off with NoBias), PyTorch's default
// initialization bit for bit after the same seed, and models that are plain
// Go structs.
//
// A model's parameters, buffers and sub-modules are found by walking its
// exported struct fields in declaration order, with no registration step,
// and are named as PyTorch names them: a field FC1 holding a *Linear gives
// "fc1.weight" and "fc1.bias"; a slice field Layers gives "layers.0.weight".
// A struct tag renames (`nn:"name"`), hides (`nn:"-"`) or marks a buffer
// (`nn:",buffer"`). Parameters, NamedParameters, StateDictOf, LoadStateDict,
// Train, Eval, Apply, SetRequiresGrad, NumParameters and Repr work on any
// such model, and Repr prints it exactly as PyTorch prints the equal model.
//
// A bias that is switched off is absent: the field is nil, there is no
// parameter and no state-dict key, and forward does no work for it.
//
// # Options
//
// PyTorch's keyword arguments are options, checked by the compiler: each
// layer family has an option interface (LinearOption, ConvOption,
// ConvTransposeOption, MaxPool2dOption, AvgPool2dOption, UpsampleOption, DropoutOption,
// EmbeddingOption, BatchNormOption, LayerNormOption, GroupNormOption,
// InstanceNormOption, PReLUOption, RNNOption, LSTMOption, GRUOption,
// RNNCellOption, CellOption, MultiheadAttentionOption, TransformerOption, and
// functional's ELUOption, CELUOption, SoftplusOption, HardtanhOption and
// GELUOption for the activations), and an option shared by several families,
// such as NoBias, WithGenerator, Stride, Eps or Affine, implements each of
// them. So
// nn.NewConv2d(3, 16, 3, nn.Stride(2), nn.NoBias) reads like
// nn.Conv2d(3, 16, 3, stride=2, bias=False), and an option a layer does not
// take does not compile. Invalid values (a negative stride) panic in the
// constructor.
//
// # Recurrent layers
//
// RNN, LSTM and GRU (with NumLayers, NoBias, BatchFirst, InterLayerDropout,
// Bidirectional and, for LSTM, ProjSize) and the cells RNNCell, LSTMCell and
// GRUCell follow torch.nn: the same gate order (LSTM i, f, g, o; GRU r, z,
// n with b_hn inside the reset product), parameter names (weight_ih_l0,
// bias_hh_l1_reverse, weight_hr_l0), printing and default initialization.
// Forward returns the outputs; ForwardState takes initial states (nil for
// zeros) and also returns the final ones, as PyTorch's
// out, (hn, cn) = lstm(x, (h0, c0)):
//
//	lstm := nn.NewLSTM(64, 128, nn.NumLayers(2), nn.BatchFirst)
//	lstm.SetForgetGateBias(1) // b_if + b_hf = 1 in every layer
//	out, hn, cn := lstm.ForwardState(x, nil, nil)
//
// # Fused layers
//
// Sequential runs a layer followed by ReLU as one fused operation when the
// layer is a ReLUFuser (Linear and Conv2d are), and reuses the memory of the
// fused output when the next layer is an InputReader (Linear, Conv2d,
// MaxPool2d). A module of one's own gets the same by implementing those two
// interfaces. A model written as a plain struct with its own Forward can call
// the fused functional forms directly:
//
//	h := functional.LinearReLU(x, m.FC1.Weight, m.FC1.Bias) // m.FC1.Forward(x).ReLU(), fused
//	h = functional.Conv2dReLU(img, m.Conv.Weight, m.Conv.Bias, functional.Padding(1))
//
// # Normalization and activations
//
// BatchNorm1d/2d/3d, LayerNorm (with NoBias: PyTorch 2.1's bias=False),
// GroupNorm, InstanceNorm1d/2d/3d and LocalResponseNorm have PyTorch's
// defaults, buffers, state-dict keys, printing and train/eval behaviour;
// InstanceNorm, as in PyTorch, has neither affine parameters nor running
// statistics unless asked (Affine(true), TrackRunningStats(true)):
//
//	gn := nn.NewGroupNorm(2, 6)                                  // GroupNorm(2, 6, eps=1e-05, affine=True)
//	in := nn.NewInstanceNorm2d(3, nn.TrackRunningStats(true))    // eval mode uses the running statistics
//
// The activations are torch.nn's: ReLU, ReLU6, LeakyReLU, PReLU (a learned
// slope, parameter "weight"), ELU, SELU, CELU, GELU, SiLU, Mish, Softplus,
// Hardswish, Hardsigmoid, Hardtanh, Sigmoid, LogSigmoid, Tanh, Tanhshrink,
// Softsign, Softmax, Softmin and LogSoftmax, each a thin wrapper of the
// function of package functional of the same name, whose options it takes:
// nn.NewELU(nn.Alpha(0.5)), nn.NewSoftplus(nn.Beta(2), nn.SoftplusThreshold(10)),
// nn.NewGELU(nn.ApproximateTanh).
//
// # Hooks
//
// RegisterForwardPreHook, RegisterForwardHook and RegisterFullBackwardHook
// are PyTorch's register_forward_pre_hook, register_forward_hook and
// register_full_backward_hook: a hook sees the module and its inputs, its
// outputs, or the gradients w.r.t. them (slices, one entry per tensor,
// nil for none), may return replacements (nil keeps them), and Remove on
// the returned handle removes it. Hooks fire for every layer of this
// package wherever it sits (a Sequential, a ModuleList, a ModuleDict, a
// field of a model of one's own), in PyTorch's order; MultiheadAttention's
// see (query, key, value) and return (output, weights). tensor's
// Tensor.RegisterHook hooks the gradient of any tensor.
//
// A module's Forward fires its hooks through a two-line prologue: while no
// hook is registered anywhere, HooksActive is one atomic load and the cost
// is nil (the hooks are kept in a registry keyed by the module's pointer,
// not in the layer). A model of one's own gets hooks the same way, and so
// must every new layer of this package:
//
//	func (m *MyNet) Forward(x *tensor.Tensor) *tensor.Tensor {
//		if nn.HooksActive() {
//			return nn.CallHooked(m, x, m.forward)
//		}
//		return m.forward(x)
//	}
//
//	func (m *MyNet) forward(x *tensor.Tensor) *tensor.Tensor { ... the computation ... }
//
// (CallHookedN for several inputs or outputs.) A module type must not be
// zero-size, or all its values share one address and one set of hooks:
// a stateless layer holds a blank byte (type ReLU struct{ _ byte }).
// Sequential does not fuse a Linear or Conv2d with the following ReLU
// when either has hooks, so that each sees its own input and output.
//
// Full backward hooks follow torch.utils.hooks.BackwardHook: the inputs
// and outputs of each forward pass through an identity operation
// (BackwardHookFunctionBackward); the hooks run when the gradients w.r.t.
// the inputs are known, or, when no input requires grad (the first layer),
// when those w.r.t. the outputs are. Gradients shown to a hook may be kept.
//
// # Attention and transformers
//
// MultiheadAttention, TransformerEncoderLayer, TransformerEncoder and
// TransformerDecoderLayer are PyTorch 1.13's, with their own option families
// (MultiheadAttentionOption, TransformerOption, TransformerEncoderOption)
// and PyTorch's sequence-first layout unless BatchFirst:
//
//	mha := nn.NewMultiheadAttention(64, 8, nn.BatchFirst, nn.AddBiasKV(true))
//	out, weights := mha.Forward(q, k, v, nn.AttnMask(nn.GenerateSquareSubsequentMask(L)), nn.KeyPaddingMask(pad))
//	layer := nn.NewTransformerEncoderLayer(64, 8, nn.DimFeedforward(256), nn.ActivationGELU, nn.NormFirst(true))
//
// The masks of one call are AttentionCallOptions (KeyPaddingMask, AttnMask,
// NeedWeights, AverageAttnWeights); the transformer layers take them as
// ForwardMasked's arguments (DecoderMasks for the decoder). Forward is always
// PyTorch's regular path: PyTorch's inference fast paths
// (_native_multi_head_attention, _transformer_encoder_layer_fwd) round
// differently in the last bits and are not reproduced.
package nn
