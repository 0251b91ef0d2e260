package nn

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
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

	// packed is the float32 weight packed for products with at most
	// packedRows input rows that record nothing (see forwardPacked), or the
	// count of such products that found the weight unchanged before it is
	// packed.
	packed atomic.Pointer[packedWeight]
}

// packedWeight is one state of Linear.packed: the weight w with the
// version of its storage (tensorinternal.WatchVersion) after the last
// product, which found it unchanged seen times in a row, and, once packed,
// its kernel.PackGemv32 copy at that version.
type packedWeight struct {
	w       *tensor.Tensor
	version uint32
	seen    int
	data    []float32
}

// packAfter is how many products of at most packedRows input rows in a row
// must find the weight unchanged before it is packed: packing costs about
// two products of one row, and a weight that changes between every few
// products (training, with an evaluation of a sample now and then) is not
// worth packing.
const packAfter = 4

// packedRows is the most input rows (the batch) of a product with the
// packed weight; more rows take the GEMM, which packs the weight itself.
const packedRows = 8

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
	if y := l.forwardPacked(x, false); y != nil {
		return y
	}
	// One GEMM node with the bias folded in (C starts as the bias, as in
	// PyTorch's addmm), instead of a matmul and a broadcast add.
	return functional.Linear(x, l.Weight, l.Bias)
}

// ForwardReLU computes ReLU(x·Wᵀ + b) as one operation
// (functional.LinearReLU); it makes Linear a ReLUFuser.
func (l *Linear) ForwardReLU(x *tensor.Tensor) *tensor.Tensor {
	l.checkInput(x)
	if y := l.forwardPacked(x, true); y != nil {
		return y
	}
	return functional.LinearReLU(x, l.Weight, l.Bias)
}

// forwardPacked computes the layer's output (followed by ReLU when relu is
// set) for a float32 input of at most packedRows rows when nothing is
// recorded (under NoGrad, say), from a copy of the weight packed once for
// matrix-vector products (kernel.GemvPacked32, the bits of
// functional.Linear and LinearReLU), and returns nil for any other input.
// The packed copy is made once packAfter such products in a row have found
// the weight unchanged, and used as long as the version of the weight's
// storage shows no write to it since (tensorinternal.WatchVersion:
// optimizer steps, LoadStateDict, initializers and in-place operations all
// give it a new version); until then, and whenever the weight has changed,
// the product is functional.Linear's. A weight whose elements Data32 has
// handed out is never packed again (writes through that slice cannot be
// seen).
func (l *Linear) forwardPacked(x *tensor.Tensor, relu bool) *tensor.Tensor {
	w, b := l.Weight, l.Bias
	if x.Dim() != 2 || x.Size(0) > packedRows || x.DType() != tensor.Float32 || w.DType() != tensor.Float32 ||
		w.Dim() != 2 || !x.IsContiguous() || !w.IsContiguous() {
		return nil
	}
	out, in := w.Size(0), w.Size(1)
	if b != nil && (b.DType() != tensor.Float32 || b.Dim() != 1 || b.Size(0) != out || !b.IsContiguous()) {
		return nil
	}
	if tensor.IsGradEnabled() && (x.RequiresGrad() || w.RequiresGrad() || b != nil && b.RequiresGrad()) {
		return nil
	}
	v := tensorinternal.WatchVersion(w)
	if v == tensorinternal.VersionSaturated {
		if l.packed.Load() != nil {
			l.packed.Store(nil) // never valid again: drop the copy
		}
		return nil
	}
	c := l.packed.Load()
	if c == nil || c.w != w || c.version != v || c.data == nil && c.seen+1 < packAfter {
		seen := 1
		if c != nil && c.w == w && c.version == v {
			seen = c.seen + 1
		}
		var y *tensor.Tensor
		if relu {
			y = functional.LinearReLU(x, w, b)
		} else {
			y = functional.Linear(x, w, b)
		}
		l.packed.Store(&packedWeight{w: w, version: tensorinternal.WatchVersion(w), seen: seen})
		return y
	}
	data := c.data
	if data == nil {
		data = make([]float32, kernel.GemvPackedLen32(out, in))
		kernel.PackGemv32(data, tensorinternal.Writable32(w), out, in)
		// Data32 gave the storage exactly one new version unless something
		// else wrote to it meanwhile.
		if v2 := tensorinternal.WatchVersion(w); v2 == v+1 && v2 != tensorinternal.VersionSaturated {
			l.packed.Store(&packedWeight{w: w, version: v2, data: data})
		}
	}
	m := x.Size(0)
	y := tensorinternal.EmptyReused(tensor.Float32, m, out)
	var bias []float32
	if b != nil {
		bias = tensorinternal.Writable32(b)
	}
	kernel.GemvPacked32(tensorinternal.Writable32(y), tensorinternal.Writable32(x), data, bias, m, out, in, relu)
	return y
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
