package functional

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/internal/goldentensor"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Reference data written by testdata/gen_functional.py with PyTorch 1.13.

// jtensor is a reference tensor of testdata/functional.json.
type jtensor = golden.Tensor

type jcase struct {
	Name              string              `json:"name"`
	Op                string              `json:"op"`
	Kw                map[string]any      `json:"kw"`
	Inputs            map[string]*jtensor `json:"inputs"`
	R                 *jtensor            `json:"r"`
	Out               *jtensor            `json:"out"`
	Grads             map[string]*jtensor `json:"grads"`
	Indices           *jtensor            `json:"indices"`
	RunningAfter      map[string]*jtensor `json:"running_after"`
	Out64             *jtensor            `json:"out64"`
	Grads64           map[string]*jtensor `json:"grads64"`
	RunningAfter64    map[string]*jtensor `json:"running_after64"`
	NumBatchesTracked int                 `json:"num_batches_tracked"`
	RandAfter         *jtensor            `json:"rand_after"`
}

func loadCases(t testing.TB) []*jcase {
	t.Helper()
	b, err := os.ReadFile("testdata/functional.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Version string   `json:"torch_version"`
		Cases   []*jcase `json:"cases"`
	}
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	return data.Cases
}

func kwInts(kw map[string]any, name string) []int {
	switch v := kw[name].(type) {
	case nil:
		return nil
	case float64:
		return []int{int(v)}
	case []any:
		out := make([]int, len(v))
		for i, e := range v {
			out[i] = int(e.(float64))
		}
		return out
	}
	return nil
}

func kwInt(kw map[string]any, name string) int {
	if v, ok := kw[name].(float64); ok {
		return int(v)
	}
	return 0
}

func kwBool(kw map[string]any, name string) bool { b, _ := kw[name].(bool); return b }

func kwFloat(kw map[string]any, name string) float64 { f, _ := kw[name].(float64); return f }

// Tolerances of the comparisons with PyTorch. Float64 results must agree
// with PyTorch's float64 results to tol64 (only the order of summation
// differs). Float32 results must be within tol32 of the exact (float64)
// result, and within tol32 plus PyTorch's own float32 error of PyTorch's
// float32 result. Errors are relative to each element, with a floor of
// floorFrac·max|want| for elements that cancel to nearly zero.
const (
	tol64     = 1e-9
	tol32     = 1e-5
	floorFrac = 1e-2
)

// parityStats records the largest error seen per operation, relative to
// max(|want|, floorFrac·max|want|).
type parityStats struct{ f32VsTorch32, f32VsExact, f64VsTorch64 float64 }

// compare checks got against want elementwise with relative tolerance tol
// (plus allow[i] when allow is not nil) and returns the largest relative
// error.
func compare(t *testing.T, what string, got *tensor.Tensor, want *jtensor, tol float64, allow []float64) float64 {
	t.Helper()
	if fmt.Sprint(got.Shape()) != fmt.Sprint(want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return math.Inf(1)
	}
	g := got.Float64s()
	var scale float64
	vals := want.Values
	if want.DType == "float32" { // the shortest decimal form, back to float32
		vals = make([]float64, len(want.Values))
		for i, v := range want.Values {
			vals[i] = float64(float32(v))
		}
	}
	for _, w := range vals {
		scale = max(scale, math.Abs(w))
	}
	floor := max(floorFrac*scale, 1e-30)
	worst := 0.0
	for i, w := range vals {
		if math.IsNaN(w) || math.IsNaN(g[i]) {
			if math.IsNaN(w) != math.IsNaN(g[i]) {
				t.Errorf("%s[%d] = %v, want %v", what, i, g[i], w)
				return math.Inf(1)
			}
			continue
		}
		d := math.Abs(g[i] - w)
		lim := tol * max(math.Abs(w), floor)
		if allow != nil {
			lim += allow[i]
		}
		if d > lim {
			t.Errorf("%s[%d] = %v, want %v (error %.3g > %.3g)", what, i, g[i], w, d, lim)
			return math.Inf(1)
		}
		worst = max(worst, d/max(math.Abs(w), floor))
	}
	return worst
}

// check32 compares a float32 result with PyTorch's float32 result want and
// with the float64 reference exact.
func (s *parityStats) check32(t *testing.T, what string, got *tensor.Tensor, want, exact *jtensor) {
	t.Helper()
	allow := make([]float64, len(want.Values))
	for i := range allow {
		allow[i] = math.Abs(want.Values[i] - exact.Values[i])
	}
	s.f32VsTorch32 = max(s.f32VsTorch32, compare(t, what+" (vs torch float32)", got, want, tol32, allow))
	s.f32VsExact = max(s.f32VsExact, compare(t, what+" (vs torch float64)", got, exact, tol32, nil))
}

func (s *parityStats) check64(t *testing.T, what string, got *tensor.Tensor, want *jtensor) {
	t.Helper()
	s.f64VsTorch64 = max(s.f64VsTorch64, compare(t, what+" (float64)", got, want, tol64, nil))
}

// runCase evaluates a reference case's operation on the given inputs.
func runCase(c *jcase, in map[string]*tensor.Tensor) *tensor.Tensor {
	kw := c.Kw
	groups := GroupsOption(1)
	if _, ok := kw["groups"]; ok {
		groups = Groups(kwInt(kw, "groups"))
	}
	convOpts := func() []ConvOption {
		o := []ConvOption{Stride(kwInts(kw, "stride")...), Dilation(kwInts(kw, "dilation")...), groups}
		if s, ok := kw["padding"].(string); ok {
			return append(o, PaddingMode(s))
		}
		return append(o, Padding(kwInts(kw, "padding")...))
	}
	convTOpts := func() []ConvTransposeOption {
		return []ConvTransposeOption{Stride(kwInts(kw, "stride")...), Padding(kwInts(kw, "padding")...),
			OutputPadding(kwInts(kw, "output_padding")...), Dilation(kwInts(kw, "dilation")...), groups}
	}
	switch c.Op {
	case "conv1d":
		return Conv1d(in["x"], in["w"], in["b"], convOpts()...)
	case "conv2d":
		return Conv2d(in["x"], in["w"], in["b"], convOpts()...)
	case "conv3d":
		return Conv3d(in["x"], in["w"], in["b"], convOpts()...)
	case "conv_transpose1d":
		return ConvTranspose1d(in["x"], in["w"], in["b"], convTOpts()...)
	case "conv_transpose2d":
		return ConvTranspose2d(in["x"], in["w"], in["b"], convTOpts()...)
	case "conv_transpose3d":
		return ConvTranspose3d(in["x"], in["w"], in["b"], convTOpts()...)
	case "unfold":
		return Unfold(in["x"], kwInts(kw, "kernel_size"), Dilation(kwInts(kw, "dilation")...), Padding(kwInts(kw, "padding")...), Stride(kwInts(kw, "stride")...))
	case "fold":
		return Fold(in["x"], kwInts(kw, "output_size"), kwInts(kw, "kernel_size"), Dilation(kwInts(kw, "dilation")...), Padding(kwInts(kw, "padding")...), Stride(kwInts(kw, "stride")...))
	case "max_pool2d":
		return MaxPool2d(in["x"], kwInts(kw, "kernel_size"), Stride(kwInts(kw, "stride")...), Padding(kwInts(kw, "padding")...), Dilation(kwInts(kw, "dilation")...), CeilModeOption(kwBool(kw, "ceil_mode")))
	case "avg_pool2d":
		k, s, p := kwInts(kw, "kernel_size"), kwInts(kw, "stride"), kwInts(kw, "padding")
		if d := kwInt(kw, "divisor_override"); d != 0 {
			return AvgPool2d(in["x"], k, Stride(s...), Padding(p...), CeilModeOption(kwBool(kw, "ceil_mode")), CountIncludePad(kwBool(kw, "count_include_pad")), DivisorOverride(d))
		}
		return AvgPool2d(in["x"], k, Stride(s...), Padding(p...), CeilModeOption(kwBool(kw, "ceil_mode")), CountIncludePad(kwBool(kw, "count_include_pad")))
	case "adaptive_avg_pool2d":
		return AdaptiveAvgPool2d(in["x"], kwInts(kw, "output_size"))
	case "batch_norm":
		return BatchNorm(in["x"], in["running_mean"], in["running_var"], in["weight"], in["bias"], TrainingOption(kwBool(kw, "training")), Momentum(kwFloat(kw, "momentum")), Eps(kwFloat(kw, "eps")))
	case "layer_norm":
		return LayerNorm(in["x"], kwInts(kw, "normalized_shape"), in["weight"], in["bias"], Eps(kwFloat(kw, "eps")))
	case "linear":
		return Linear(in["x"], in["w"], in["b"])
	case "bilinear":
		return Bilinear(in["x1"], in["x2"], in["w"], in["b"])
	case "embedding":
		if _, ok := kw["padding_idx"].(float64); ok {
			return Embedding(in["idx"], in["weight"], PaddingIdx(kwInt(kw, "padding_idx")))
		}
		return Embedding(in["idx"], in["weight"])
	}
	panic("unknown op " + c.Op)
}

// inputsOf builds the inputs of a case in the given float type; floating
// inputs other than running statistics require grad.
func inputsOf(c *jcase, dt tensor.DType) map[string]*tensor.Tensor {
	in := map[string]*tensor.Tensor{}
	for k, v := range c.Inputs {
		x := goldentensor.New(v)
		if x.DType().IsFloat() {
			x = x.To(dt)
			if k != "running_mean" && k != "running_var" {
				x.SetRequiresGrad(true)
			}
		}
		in[k] = x
	}
	return in
}

// TestParityPyTorch compares forward outputs, updated running statistics
// and the gradients of sum(out * r) with PyTorch 1.13's results, in float32
// and float64.
func TestParityPyTorch(t *testing.T) {
	perOp := map[string]*parityStats{}
	var ops []string
	n := 0
	for _, c := range loadCases(t) {
		if c.Out == nil || c.R == nil {
			continue
		}
		n++
		st := perOp[c.Op]
		if st == nil {
			st = &parityStats{}
			perOp[c.Op] = st
			ops = append(ops, c.Op)
		}
		t.Run(c.Name, func(t *testing.T) {
			for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
				in := inputsOf(c, dt)
				out := runCase(c, in)
				if out.DType() != dt {
					t.Fatalf("output type %v, want %v", out.DType(), dt)
				}
				if dt == tensor.Float32 {
					st.check32(t, "out", out, c.Out, c.Out64)
					for k, v := range c.RunningAfter {
						st.check32(t, k+" after update", in[k], v, c.RunningAfter64[k])
					}
				} else {
					st.check64(t, "out", out, c.Out64)
					for k, v := range c.RunningAfter64 {
						st.check64(t, k+" after update", in[k], v)
					}
				}
				if c.Indices != nil && dt == tensor.Float32 {
					_, idx := MaxPool2dWithIndices(in["x"].Detach(), kwInts(c.Kw, "kernel_size"), Stride(kwInts(c.Kw, "stride")...), Padding(kwInts(c.Kw, "padding")...), Dilation(kwInts(c.Kw, "dilation")...), CeilModeOption(kwBool(c.Kw, "ceil_mode")))
					if fmt.Sprint(idx.Int64s()) != fmt.Sprint(goldentensor.New(c.Indices).Int64s()) {
						t.Errorf("indices %v, want %v", idx.Int64s(), goldentensor.New(c.Indices).Int64s())
					}
				}
				out.Mul(goldentensor.New(c.R).To(dt)).Sum().Backward()
				for k := range c.Grads {
					if in[k].Grad == nil {
						t.Errorf("no gradient for %s", k)
						continue
					}
					if dt == tensor.Float32 {
						st.check32(t, "grad "+k, in[k].Grad, c.Grads[k], c.Grads64[k])
					} else {
						st.check64(t, "grad "+k, in[k].Grad, c.Grads64[k])
					}
				}
				for k, x := range in {
					if _, ok := c.Grads[k]; !ok && x.Grad != nil {
						t.Errorf("unexpected gradient for %s", k)
					}
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no cases")
	}
	t.Logf("largest relative errors (floor %.0e·max|want|):", floorFrac)
	t.Logf("%-22s %12s %12s %12s", "op", "f32/torch32", "f32/exact", "f64/torch64")
	for _, op := range ops {
		st := perOp[op]
		t.Logf("%-22s %12.2e %12.2e %12.2e", op, st.f32VsTorch32, st.f32VsExact, st.f64VsTorch64)
	}
}

// TestBatchNormCumulative mirrors nn.BatchNorm2d(momentum=None) over two
// batches: the exponential average factor is 1/num_batches_tracked.
func TestBatchNormCumulative(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Op != "batch_norm_cumulative" {
			continue
		}
		rm, rv := tensor.Zeros(3), tensor.Ones(3)
		for i, k := range []string{"xa", "xb"} {
			BatchNorm(goldentensor.New(c.Inputs[k]), rm, rv, nil, nil, Training, Momentum(1/float64(i+1)))
		}
		compare(t, "running_mean", rm, c.RunningAfter["running_mean"], tol32, nil)
		compare(t, "running_var", rv, c.RunningAfter["running_var"], tol32, nil)
		return
	}
	t.Fatal("case not found")
}

func bitsOf(t *tensor.Tensor) []string {
	out := []string{}
	for _, v := range t.Float32s() {
		out = append(out, fmt.Sprintf("%08x", math.Float32bits(v)))
	}
	return out
}

// TestDropoutBits checks dropout bit for bit against PyTorch 1.13 (no-MKL
// bernoulli_), including the generator state after the call.
func TestDropoutBits(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Op != "dropout" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			x := goldentensor.New(c.Inputs["x"])
			rng.ManualSeed(uint64(kwInt(c.Kw, "seed")))
			y := Dropout(x, kwFloat(c.Kw, "p"))
			if x.DType() == tensor.Float64 {
				got, want := y.Float64s(), c.Out.Values
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("out[%d] = %v, want %v", i, got[i], want[i])
					}
				}
			} else if g := bitsOf(y); fmt.Sprint(g) != fmt.Sprint(c.Out.Bits) {
				t.Fatalf("bits\n got %v\nwant %v", g, c.Out.Bits)
			}
			if g := bitsOf(rng.Rand(3)); fmt.Sprint(g) != fmt.Sprint(c.RandAfter.Bits) {
				t.Fatalf("generator state after dropout differs: rand(3) = %v, want %v", g, c.RandAfter.Bits)
			}
		})
	}
}

// TestDropoutGolden checks the dropout case of the project's golden file.
func TestDropoutGolden(t *testing.T) {
	var g struct {
		Seed   uint64   `json:"seed"`
		X      *jtensor `json:"x"`
		Result *jtensor `json:"result"`
	}
	golden.Section(t, "dropout", &g)
	x := goldentensor.New(g.X)
	for i, b := range g.X.Bits32() { // inputs by bits, exactly
		if math.Float32bits(x.Data32()[i]) != b {
			t.Fatalf("input %d does not round-trip", i)
		}
	}
	rng.ManualSeed(g.Seed)
	y := Dropout(x, 0.3)
	if got := bitsOf(y); fmt.Sprint(got) != fmt.Sprint(g.Result.Bits) {
		t.Fatalf("dropout bits\n got %v\nwant %v", got, g.Result.Bits)
	}
}
