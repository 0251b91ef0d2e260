package nn

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// resetParameters is PyTorch's Linear.reset_parameters:
//
//	init.kaiming_uniform_(self.weight, a=math.sqrt(5))
//	if self.bias is not None:
//	    fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
//	    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
//	    init.uniform_(self.bias, -bound, bound)
func (l *Linear) resetParameters(g *rng.Generator) {
	gen := nninit.WithGenerator(g)
	nninit.KaimingUniform(l.Weight, nninit.A(math.Sqrt(5)), gen)
	if l.Bias != nil {
		fanIn, _ := nninit.FanInOut(l.Weight)
		bound := 0.0
		if fanIn > 0 {
			bound = 1 / math.Sqrt(float64(fanIn))
		}
		nninit.Uniform(l.Bias, -bound, bound, gen)
	}
}

func checkPositive(layer string, args ...any) {
	for i := 0; i+1 < len(args); i += 2 {
		if v := args[i+1].(int); v < 0 {
			panic(fmt.Sprintf("nn.%s: %s must be non-negative, got %d", layer, args[i], v))
		}
	}
}

// Linear applies y = x·Wᵀ + b (torch.nn.Linear). Weight has shape
// (out_features, in_features); Bias (out_features) is nil when the layer was
// built with NoBias.
type Linear struct {
	InFeatures, OutFeatures int `nn:"-"`
	Weight                  *tensor.Tensor
	Bias                    *tensor.Tensor
}

// NewLinear returns a Linear layer initialized as PyTorch initializes it:
// after rng.ManualSeed(s) its parameters equal those of nn.Linear(in, out)
// after torch.manual_seed(s), bit for bit. Options (LinearOption): NoBias /
// Bias, WithGenerator, WithDType.
func NewLinear(in, out int, opts ...LinearOption) *Linear {
	checkPositive("Linear", "in_features", in, "out_features", out)
	c := newLinearConfig(opts)
	l := &Linear{InFeatures: in, OutFeatures: out}
	l.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, out, in))
	if c.bias {
		l.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, out))
	}
	l.resetParameters(c.gen)
	return l
}

// Forward computes x·Wᵀ + b for x of shape (..., in_features).
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(l, x, l.forward)
	}
	return l.forward(x)
}

func (l *Linear) forward(x *tensor.Tensor) *tensor.Tensor {
	l.checkInput(x)
	// One GEMM node with the bias folded in (C starts as the bias, as in
	// PyTorch's addmm), instead of a matmul and a broadcast add.
	return functional.Linear(x, l.Weight, l.Bias)
}

// ForwardReLU computes ReLU(x·Wᵀ + b) as one operation
// (functional.LinearReLU); it makes Linear a ReLUFuser.
func (l *Linear) ForwardReLU(x *tensor.Tensor) *tensor.Tensor {
	l.checkInput(x)
	return functional.LinearReLU(x, l.Weight, l.Bias)
}

// ReadsInputOnly reports true: Forward keeps no view of its input, which
// makes Linear an InputReader.
func (l *Linear) ReadsInputOnly() bool { return true }

// checkInput panics, as PyTorch, unless x has in_features in its last
// dimension.
func (l *Linear) checkInput(x *tensor.Tensor) {
	if x.Dim() == 0 || x.Size(-1) != l.InFeatures {
		s := x.Shape()
		rows := 1
		for _, d := range s[:max(len(s)-1, 0)] {
			rows *= d
		}
		cols := 0
		if len(s) > 0 {
			cols = s[len(s)-1]
		}
		panic(fmt.Sprintf("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)", rows, cols, l.InFeatures, l.OutFeatures))
	}
}

// ExtraRepr returns "in_features=3, out_features=1, bias=True".
func (l *Linear) ExtraRepr() string {
	return fmt.Sprintf("in_features=%d, out_features=%d, bias=%s", l.InFeatures, l.OutFeatures, pyfmt.Bool(l.Bias != nil))
}

// String prints the layer as PyTorch does.
func (l *Linear) String() string { return Repr(l) }
