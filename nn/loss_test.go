package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/internal/goldentensor"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// lossRefTensor is a tensor of testdata/loss.json (written by
// testdata/gen_loss.py with PyTorch 1.13.1).
type lossRefTensor = golden.Tensor

type lossCase struct {
	Name, Fn, Reduction string
	Input, Target       *lossRefTensor
	Gout, Out           *lossRefTensor
	GradFn              string         `json:"grad_fn"`
	GradInput           *lossRefTensor `json:"grad_input"`
	GradTarget          *lossRefTensor `json:"grad_target"`
	Args                map[string]json.RawMessage
}

func loadLossCases(t testing.TB) []lossCase {
	b, err := os.ReadFile("testdata/loss.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []lossCase }
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.Cases
}

// callLoss calls the Go loss of a case.
func callLoss(t testing.TB, c *lossCase, input, target *tensor.Tensor) *tensor.Tensor {
	t.Helper()
	red := map[string]Reduction{"mean": Mean, "sum": Sum, "none": None}[c.Reduction]
	var weight, posWeight *tensor.Tensor
	beta, delta := 1.0, 1.0
	ignore, smoothing := -100, 0.0
	for k, raw := range c.Args {
		switch k {
		case "weight", "pos_weight":
			var rt lossRefTensor
			if err := json.Unmarshal(raw, &rt); err != nil {
				t.Fatal(err)
			}
			if k == "weight" {
				weight = goldentensor.New(&rt)
			} else {
				posWeight = goldentensor.New(&rt)
			}
		case "ignore_index", "label_smoothing", "beta", "delta":
			var v float64
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			switch k {
			case "ignore_index":
				ignore = int(v)
			case "label_smoothing":
				smoothing = v
			case "beta":
				beta = v
			case "delta":
				delta = v
			}
		default:
			t.Fatalf("argument %q", k)
		}
	}
	// Weight(nil) is no weight; the other options are passed with their
	// defaults when the case does not set them.
	switch c.Fn {
	case "mse_loss":
		return MSELoss(input, target, red)
	case "l1_loss":
		return L1Loss(input, target, red)
	case "smooth_l1_loss":
		return SmoothL1Loss(input, target, red, Beta(beta))
	case "huber_loss":
		return HuberLoss(input, target, red, Delta(delta))
	case "binary_cross_entropy":
		return BCELoss(input, target, red, Weight(weight))
	case "binary_cross_entropy_with_logits":
		return BCEWithLogitsLoss(input, target, red, Weight(weight), PosWeight(posWeight))
	case "nll_loss":
		return NLLLoss(input, target, red, Weight(weight), IgnoreIndex(ignore))
	case "cross_entropy":
		return CrossEntropyLoss(input, target, red, Weight(weight), IgnoreIndex(ignore), LabelSmoothing(smoothing))
	}
	t.Fatalf("loss %q", c.Fn)
	return nil
}

// TestLossesMatchPyTorch checks every loss × reduction × option of
// loss.json: the value, the grad_fn name and the gradients with respect to
// input and target, within 1e-6 relative per element (float32 and float64).
func TestLossesMatchPyTorch(t *testing.T) {
	cases := loadLossCases(t)
	var n, exact int
	var worst float64
	worstName := ""
	for i := range cases {
		c := &cases[i]
		t.Run(fmt.Sprintf("%s/%s", c.Name, c.Reduction), func(t *testing.T) {
			input := goldentensor.New(c.Input).SetRequiresGrad(true)
			target := goldentensor.New(c.Target)
			if c.GradTarget != nil {
				target.SetRequiresGrad(true)
			}
			out := callLoss(t, c, input, target)
			if got := out.GradFn(); got != c.GradFn {
				t.Errorf("grad_fn %s, want %s", got, c.GradFn)
			}
			check := func(what string, got *tensor.Tensor, want *lossRefTensor) {
				if got == nil {
					t.Errorf("%s: missing", what)
					return
				}
				cn, ce, rel := goldentensor.Compare(t, got, want)
				n += cn
				exact += ce
				if rel > worst {
					worst, worstName = rel, c.Name+"/"+c.Reduction+" "+what
				}
				if rel > 1e-6 {
					t.Errorf("%s: max relative difference %.3g from PyTorch (%d of %d bit-exact)", what, rel, ce, cn)
				}
			}
			check("loss", out, c.Out)
			if c.Gout != nil {
				out.BackwardWith(tensor.BackwardOptions{Grad: goldentensor.New(c.Gout)})
			} else {
				out.Backward()
			}
			check("grad input", input.Grad, c.GradInput)
			if c.GradTarget != nil {
				check("grad target", target.Grad, c.GradTarget)
			}
		})
	}
	t.Logf("%d cases, %d values compared: %d bit-exact, max relative difference %.3g (%s)", len(cases), n, exact, worst, worstName)
}

// lossGradCheck compares the analytic gradients of f at the float64
// inputs xs (those that require grad) with central finite differences.
func lossGradCheck(t *testing.T, name string, f func(xs []*tensor.Tensor) *tensor.Tensor, xs []*tensor.Tensor, upstream *tensor.Tensor) {
	t.Helper()
	scalar := func() float64 {
		var v float64
		tensor.NoGrad(func() {
			out := f(xs)
			if upstream != nil {
				out = out.Mul(upstream).Sum()
			}
			v = out.Item()
		})
		return v
	}
	out := f(xs)
	if upstream != nil {
		out.BackwardWith(tensor.BackwardOptions{Grad: upstream})
	} else {
		out.Backward()
	}
	const h = 1e-6
	for k, x := range xs {
		if !x.RequiresGrad() {
			continue
		}
		d := x.Data64()
		g := x.Grad.Float64s()
		for i := range d {
			old := d[i]
			d[i] = old + h
			up := scalar()
			d[i] = old - h
			down := scalar()
			d[i] = old
			num := (up - down) / (2 * h)
			if math.Abs(num-g[i]) > 1e-6*math.Max(1, math.Abs(num)) {
				t.Errorf("%s: d/dx%d[%d] analytic %.10g, numeric %.10g", name, k, i, g[i], num)
			}
		}
	}
}

// TestLossGradientsFiniteDifferences checks every loss's backward in
// float64 against central differences, for each reduction.
func TestLossGradientsFiniteDifferences(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(3)
	randn := func(shape ...int) *tensor.Tensor { return g.RandnOf(tensor.Float64, shape...) }
	rand := func(shape ...int) *tensor.Tensor { return g.RandOf(tensor.Float64, shape...) }
	leaf := func(x *tensor.Tensor) *tensor.Tensor { return x.Contiguous().Detach().Clone().SetRequiresGrad(true) }
	for _, red := range []Reduction{Mean, Sum, None} {
		var up *tensor.Tensor
		shape := []int{4, 3}
		if red == None {
			up = randn(shape...)
		}
		x, y := randn(shape...), randn(shape...)
		p := rand(shape...).MulScalar(0.9).AddScalar(0.05)
		yb := rand(shape...)
		pw := rand(3).AddScalar(0.5)
		w := rand(3).AddScalar(0.5)
		two := func(fn func(a, b *tensor.Tensor) *tensor.Tensor) func(xs []*tensor.Tensor) *tensor.Tensor {
			return func(xs []*tensor.Tensor) *tensor.Tensor { return fn(xs[0], xs[1]) }
		}
		cases := []struct {
			name string
			f    func(xs []*tensor.Tensor) *tensor.Tensor
			xs   []*tensor.Tensor
		}{
			{"MSELoss", two(func(a, b *tensor.Tensor) *tensor.Tensor { return MSELoss(a, b, red) }), []*tensor.Tensor{leaf(x), leaf(y)}},
			{"L1Loss", two(func(a, b *tensor.Tensor) *tensor.Tensor { return L1Loss(a, b, red) }), []*tensor.Tensor{leaf(x), leaf(y)}},
			{"SmoothL1Loss(0.7)", two(func(a, b *tensor.Tensor) *tensor.Tensor { return SmoothL1Loss(a, b, red, Beta(0.7)) }), []*tensor.Tensor{leaf(x), leaf(y)}},
			{"HuberLoss(0.6)", two(func(a, b *tensor.Tensor) *tensor.Tensor { return HuberLoss(a, b, red, Delta(0.6)) }), []*tensor.Tensor{leaf(x), leaf(y)}},
			{"BCELoss", two(func(a, b *tensor.Tensor) *tensor.Tensor { return BCELoss(a, b, red, Weight(w)) }), []*tensor.Tensor{leaf(p), leaf(yb)}},
			{"BCEWithLogitsLoss", two(func(a, b *tensor.Tensor) *tensor.Tensor {
				return BCEWithLogitsLoss(a, b, red, Weight(w), PosWeight(pw))
			}), []*tensor.Tensor{leaf(x.MulScalar(2)), leaf(yb)}},
			{"BCEWithLogitsLoss no pos_weight", two(func(a, b *tensor.Tensor) *tensor.Tensor { return BCEWithLogitsLoss(a, b, red) }), []*tensor.Tensor{leaf(x), leaf(yb)}},
		}
		if red != None {
			idx := tensor.FromInt64([]int64{2, 0, -100, 1})
			probs := rand(4, 3).Softmax(1)
			cw := rand(3).AddScalar(0.5)
			cases = append(cases,
				struct {
					name string
					f    func(xs []*tensor.Tensor) *tensor.Tensor
					xs   []*tensor.Tensor
				}{"NLLLoss", func(xs []*tensor.Tensor) *tensor.Tensor { return NLLLoss(xs[0], idx, red, Weight(cw)) }, []*tensor.Tensor{leaf(x)}},
				struct {
					name string
					f    func(xs []*tensor.Tensor) *tensor.Tensor
					xs   []*tensor.Tensor
				}{"CrossEntropyLoss ls", func(xs []*tensor.Tensor) *tensor.Tensor {
					return CrossEntropyLoss(xs[0], idx, red, Weight(cw), LabelSmoothing(0.2))
				}, []*tensor.Tensor{leaf(x)}},
				struct {
					name string
					f    func(xs []*tensor.Tensor) *tensor.Tensor
					xs   []*tensor.Tensor
				}{"CrossEntropyLoss probs", func(xs []*tensor.Tensor) *tensor.Tensor {
					return CrossEntropyLoss(xs[0], xs[1], red, Weight(cw), LabelSmoothing(0.1))
				}, []*tensor.Tensor{leaf(x), leaf(probs)}},
			)
		}
		for _, c := range cases {
			lossGradCheck(t, c.name+"/"+red.String(), c.f, c.xs, up)
		}
	}
}

func mustPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want %q", want)
			return
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Errorf("panic %q, want %q", msg, want)
		}
	}()
	fn()
}

func TestLossMisuse(t *testing.T) {
	x := tensor.Zeros(3, 4)
	mustPanic(t, "Using a target size (torch.Size([3])) that is different to the input size (torch.Size([3, 4]))", func() {
		MSELoss(x, tensor.Zeros(3))
	})
	mustPanic(t, "Using a target size (torch.Size([3, 1])) that is different to the input size (torch.Size([3])) is deprecated", func() {
		BCELoss(tensor.Full(0.5, 3), tensor.Zeros(3, 1))
	})
	mustPanic(t, "Target size (torch.Size([3, 1])) must be the same as input size (torch.Size([3]))", func() {
		BCEWithLogitsLoss(tensor.Zeros(3), tensor.Zeros(3, 1))
	})
	mustPanic(t, "all elements of input should be between 0 and 1", func() {
		BCELoss(tensor.New([]float64{1.5}), tensor.Zeros(1))
	})
	mustPanic(t, "Target 5 is out of bounds.", func() {
		CrossEntropyLoss(x, tensor.FromInt64([]int64{1, 5, 2}))
	})
	mustPanic(t, "Target -3 is out of bounds.", func() {
		NLLLoss(x, tensor.FromInt64([]int64{1, -3, 2}))
	})
	mustPanic(t, "Expected input batch_size (3) to match target batch_size (2).", func() {
		NLLLoss(x, tensor.FromInt64([]int64{1, 2}))
	})
	mustPanic(t, "Expected target size [2, 4], got [2, 3]", func() {
		CrossEntropyLoss(tensor.Zeros(2, 3, 4), tensor.ZerosOf(tensor.Int64, 2, 3))
	})
	mustPanic(t, "weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [3]", func() {
		CrossEntropyLoss(x, tensor.FromInt64([]int64{1, 0, 2}), Weight(tensor.Ones(3)))
	})
	mustPanic(t, "a class-probability target must have the input's shape [3, 4], got [3]", func() {
		CrossEntropyLoss(x, tensor.Zeros(3))
	})
	mustPanic(t, "expected scalar type Long but found Float", func() {
		NLLLoss(x, tensor.Zeros(3))
	})
	mustPanic(t, "label_smoothing must be between 0.0 and 1.0. Got: 1.5", func() {
		CrossEntropyLoss(x, tensor.FromInt64([]int64{1, 0, 2}), LabelSmoothing(1.5))
	})
	mustPanic(t, "huber_loss does not support non-positive values for delta.", func() { HuberLoss(x, x, Delta(0)) })
	mustPanic(t, "smooth_l1_loss does not support negative values for beta.", func() { SmoothL1Loss(x, x, Beta(-1)) })
}

// TestLossGoldenPrint reproduces the golden print case "mse loss tensor
// with grad_fn": the models of the golden repr section are built after
// manual_seed(42) in the same order, and the MSE loss of Net on the MLP
// data prints as PyTorch prints it.
func TestLossGoldenPrint(t *testing.T) {
	var cases []struct{ What, Str string }
	golden.Section(t, "print", &cases)
	want := ""
	for _, c := range cases {
		if c.What == "mse loss tensor with grad_fn" {
			want = c.Str
		}
	}
	if want == "" {
		t.Fatal("golden print case not found")
	}
	var mlp struct{ X, Y golden.Tensor }
	golden.Section(t, "mlp", &mlp)
	rng.ManualSeed(42)
	NewLinear(3, 1)
	NewLinear(3, 1, NoBias)
	NewConv2d(3, 16, 3)
	NewSequential(NewLinear(3, 4), NewReLU(), NewLinear(4, 1))
	fc1, fc2 := NewLinear(3, 4), NewLinear(4, 1)
	x := tensor.New(reshape2(mlp.X.Values, mlp.X.Shape))
	y := tensor.New(reshape2(mlp.Y.Values, mlp.Y.Shape))
	loss := MSELoss(fc2.Forward(fc1.Forward(x).ReLU()), y)
	if got := loss.String(); got != want {
		t.Errorf("loss prints %q, want %q", got, want)
	}
}

func reshape2(v []float64, shape []int) [][]float64 {
	out := make([][]float64, shape[0])
	for i := range out {
		out[i] = v[i*shape[1] : (i+1)*shape[1]]
	}
	return out
}

func ExampleCrossEntropyLoss() {
	logits := tensor.New([][]float64{{2, 0.5, -1}, {0.1, 0.2, 3}}).SetRequiresGrad(true)
	target := tensor.FromInt64([]int64{0, 2})
	loss := CrossEntropyLoss(logits, target)
	fmt.Println(loss)
	loss.Backward()
	fmt.Println(logits.Grad)
	fmt.Println(CrossEntropyLoss(logits, target, LabelSmoothing(0.1), Sum))
	// Output:
	// tensor(0.1755, grad_fn=<NllLossBackward0>)
	// tensor([[-0.1072,  0.0876,  0.0196],
	//         [ 0.0247,  0.0272, -0.0519]])
	// tensor(0.6909, grad_fn=<AddBackward0>)
}

func ExampleMSELoss() {
	pred := tensor.New([]float64{0.5, 2, -1})
	target := tensor.New([]float64{1, 2, 1})
	fmt.Println(MSELoss(pred, target))
	fmt.Println(MSELoss(pred, target, Sum))
	fmt.Println(MSELoss(pred, target, None))
	// Output:
	// tensor(1.4167)
	// tensor(4.2500)
	// tensor([0.2500, 0.0000, 4.0000])
}

// TestCrossEntropyGradientOverRecycledMemory checks that the gradients of
// CrossEntropyLoss do not depend on what recycled memory held: the NLL
// backward writes only the targets' elements of its gradient, so it must
// clear the rest of memory that EmptyGrad may hand out from the pool.
func TestCrossEntropyGradientOverRecycledMemory(t *testing.T) {
	const n, c = 64, 100 // 6,400 elements: large enough for the pool
	g := rng.NewGenerator()
	g.ManualSeed(3)
	x := g.Randn(n, c).SetRequiresGrad(true)
	labels := make([]int64, n)
	for i := range labels {
		labels[i] = int64(i * 7 % c)
	}
	y := tensor.FromInt64(labels, n)
	grad := func() []float32 {
		x.Grad = nil
		CrossEntropyLoss(x, y).Backward()
		return x.Grad.Float32s()
	}
	want := grad()
	for range 3 {
		tensorinternal.Recycle(tensor.Full(math.NaN(), n, c)) // garbage in the pool
		got := grad()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("gradient element %d = %v over recycled memory, want %v", i, got[i], want[i])
			}
		}
	}
}

// TestCrossEntropyIsNLLOfLogSoftmax checks that CrossEntropyLoss with class
// indices is NLLLoss(input.LogSoftmax(class dim)) bit for bit, forward and
// backward (the input's gradient), as in PyTorch where cross_entropy is
// nll_loss(log_softmax(x)) by construction: over 200 seeds, float32 and
// float64, batched (N, C), unbatched (C) and spatial (N, C, d1, ...) inputs
// with class counts below, at and above a vector's lanes, each reduction,
// with and without class weights and ignored targets.
func TestCrossEntropyIsNLLOfLogSoftmax(t *testing.T) {
	shapes := [][]int{{4, 3}, {5, 8}, {3, 10}, {2, 17}, {6, 33}, {7}, {12}, {2, 5, 3}, {2, 4, 3, 2}, {1, 9, 2, 2, 2}}
	g := rng.NewGenerator()
	same := func(a, b *tensor.Tensor) bool {
		x, y := a.Float64s(), b.Float64s()
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) && !(math.IsNaN(x[i]) && math.IsNaN(y[i])) {
				return false
			}
		}
		return true
	}
	checked := 0
	for seed := range 200 {
		g.ManualSeed(uint64(seed))
		shape := shapes[seed%len(shapes)]
		dt := tensor.Float32
		if seed%2 == 1 {
			dt = tensor.Float64
		}
		classDim := 1
		if len(shape) == 1 {
			classDim = 0
		}
		nc := shape[classDim]
		// logits from mild to confident (scale up to 30)
		x := g.RandnOf(dt, shape...).MulScalar(float64(1 + g.RandInt(0, 30)))
		tshape := append(append([]int{}, shape[:classDim]...), shape[classDim+1:]...)
		n := 1
		for _, d := range tshape {
			n *= d
		}
		ignore := -100
		if seed%3 == 0 {
			ignore = int(g.RandInt(0, int64(nc)))
		}
		labels := make([]int64, n)
		for i := range labels {
			labels[i] = g.RandInt(0, int64(nc))
			if g.RandInt(0, 5) == 0 {
				labels[i] = int64(ignore)
			}
		}
		y := tensor.FromInt64(labels, max(n, 1)).Reshape(tshape...)
		var w *tensor.Tensor
		if seed%4 >= 2 {
			w = g.RandOf(dt, nc).AddScalar(0.5)
		}
		for _, red := range []Reduction{Mean, Sum, None} {
			var up *tensor.Tensor
			if red == None {
				up = g.RandnOf(dt, tshape...)
			}
			run := func(f func(x *tensor.Tensor) *tensor.Tensor) (out, grad *tensor.Tensor) {
				xl := x.Detach().Clone().SetRequiresGrad(true)
				out = f(xl)
				if up != nil {
					out.BackwardWith(tensor.BackwardOptions{Grad: up})
				} else {
					out.Backward()
				}
				return out.Detach(), xl.Grad
			}
			ce, gce := run(func(x *tensor.Tensor) *tensor.Tensor {
				return CrossEntropyLoss(x, y, red, Weight(w), IgnoreIndex(ignore))
			})
			nll, gnll := run(func(x *tensor.Tensor) *tensor.Tensor {
				return NLLLoss(x.LogSoftmax(classDim), y, red, Weight(w), IgnoreIndex(ignore))
			})
			if !same(ce, nll) {
				t.Errorf("seed %d %v %v %v weight %v ignore %d: CrossEntropyLoss %v, NLLLoss(LogSoftmax) %v",
					seed, dt, shape, red, w != nil, ignore, ce, nll)
			}
			if !same(gce, gnll) {
				t.Errorf("seed %d %v %v %v weight %v ignore %d: the input gradients differ:\n%v\n%v",
					seed, dt, shape, red, w != nil, ignore, gce, gnll)
			}
			checked++
		}
	}
	t.Logf("%d cases bit-identical", checked)
}

func ExampleBCEWithLogitsLoss() {
	logits := tensor.New([][]float64{{0.8, -1.2, 0.3}, {-0.5, 2.0, -0.1}})
	target := tensor.New([][]float64{{1, 0, 1}, {0, 1, 0}})
	fmt.Println(BCEWithLogitsLoss(logits, target))
	// positives of the last class count three times; per-class sums
	// (PyTorch 1.13 prints the same)
	fmt.Println(BCEWithLogitsLoss(logits, target, PosWeight(tensor.New([]float64{1, 1, 3})), None).Sum(0))
	// Output:
	// tensor(0.4057)
	// tensor([0.8452, 0.3902, 2.3075])
}
