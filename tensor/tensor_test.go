package tensor

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
)

func fromGolden(g golden.Tensor) *Tensor {
	if g.DType == "float64" {
		return FromFloat64(g.Float64s(), g.Shape...)
	}
	return FromFloat32(g.Float32s(), g.Shape...)
}

// assertClose checks got against a PyTorch reference within rel (relative
// to the largest reference magnitude, so that tiny entries do not demand
// more than float32 can give).
func assertClose(t *testing.T, what string, got *Tensor, want golden.Tensor, rel float64) {
	t.Helper()
	if !slices.Equal(got.shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.shape, want.Shape)
	}
	g, w := got.Float64s(), want.Float32s()
	scale := 0.0
	for _, v := range w {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range g {
		if d := math.Abs(g[i] - float64(w[i])); d > rel*math.Max(math.Abs(float64(w[i])), scale*1e-2) {
			t.Errorf("%s[%d] = %.9g, PyTorch %.9g (diff %.3g)", what, i, g[i], w[i], d)
		}
	}
}

// TestGoldenMLP runs the golden Linear(3,4)-ReLU-Linear(4,1) network with
// PyTorch's parameters and compares output, MSE loss and every gradient.
func TestGoldenMLP(t *testing.T) {
	var mlp struct {
		Params map[string]golden.Tensor `json:"params"`
		X, Y   golden.Tensor
		Pred   golden.Tensor            `json:"pred"`
		Loss   golden.Tensor            `json:"loss"`
		Grads  map[string]golden.Tensor `json:"grads"`
	}
	golden.Section(t, "mlp", &mlp)
	p := map[string]*Tensor{}
	for k, v := range mlp.Params {
		p[k] = NewParameter(fromGolden(v))
	}
	x, y := fromGolden(mlp.X), fromGolden(mlp.Y)
	h := Matmul(x, p["0.weight"].T()).Add(p["0.bias"]).ReLU()
	pred := Matmul(h, p["2.weight"].T()).Add(p["2.bias"])
	loss := pred.Sub(y).Square().Mean()
	assertClose(t, "pred", pred, mlp.Pred, 1e-6)
	assertClose(t, "loss", loss.Reshape(1), mlp.Loss, 1e-6)
	loss.Backward()
	for k, want := range mlp.Grads {
		if p[k].Grad == nil {
			t.Fatalf("%s: no gradient", k)
		}
		assertClose(t, "grad "+k, p[k].Grad, want, 1e-6)
	}
}

// TestGoldenPrint formats tensors built with this package and compares with
// the golden str() output of PyTorch for the cases that do not need nn.
func TestGoldenPrint(t *testing.T) {
	var cases []struct{ What, Str string }
	golden.Section(t, "print", &cases)
	want := map[string]string{}
	for _, c := range cases {
		want[c.What] = c.Str
	}
	build := map[string]func() *Tensor{
		"tensor([1e-5, 1.0, 1000.0])":                          func() *Tensor { return New([]float64{1e-5, 1, 1000}) },
		"tensor([0.1234567, -12.5])":                           func() *Tensor { return New([]float64{0.1234567, -12.5}) },
		"tensor([[1.,2.],[3.,4.]]) as Parameter":               func() *Tensor { return NewParameter(New([][]float64{{1, 2}, {3, 4}})) },
		"tensor([1e9, 1.])":                                    func() *Tensor { return New([]float64{1e9, 1}) },
		"tensor([nan, 1.5, inf])":                              func() *Tensor { return New([]float64{math.NaN(), 1.5, math.Inf(1)}) },
		"zeros(2)":                                             func() *Tensor { return Zeros(2) },
		"tensor(0.5) (0-d)":                                    func() *Tensor { return Scalar(0.5) },
		"float64 [0.25, -1.5]":                                 func() *Tensor { return FromFloat64([]float64{0.25, -1.5}) },
		"linspace(-1, 1, 30): 1-D line wrapping at 80 columns": func() *Tensor { return Linspace(-1, 1, 30) },
		"arange(1200.).reshape(30, 40) / 7: summarized (> 1000 elements)": func() *Tensor {
			return Arange(0, 1200, 1).Reshape(30, 40).DivScalar(7)
		},
		"arange(2000.) / 3: 1-D summarized": func() *Tensor { return Arange(0, 2000, 1).DivScalar(3) },
		"arange(24.).reshape(2, 3, 4): 3-D": func() *Tensor { return Arange(0, 24, 1).Reshape(2, 3, 4) },
		"tensor([[1e-5, -2.5], [300.0, 0.0]]) as Parameter (sci mode, 2-D)": func() *Tensor {
			return NewParameter(New([][]float64{{1e-5, -2.5}, {300, 0}}))
		},
		"tensor([-0.0, 2.0, -3.0]) (int mode with negative zero)": func() *Tensor { return New([]float64{math.Copysign(0, -1), 2, -3}) },
		"int64 tensor([1, -20, 300])":                             func() *Tensor { return FromInt64([]int64{1, -20, 300}) },
		"bool tensor([True, False])":                              func() *Tensor { return FromBool([]bool{true, false}) },
		"ones(2, requires_grad=True) (plain tensor)":              func() *Tensor { return Ones(2).SetRequiresGrad(true) },
		"empty(0)":    func() *Tensor { return Zeros(0) },
		"empty(2, 0)": func() *Tensor { return Zeros(2, 0) },
	}
	n := 0
	for what, mk := range build {
		w, ok := want[what]
		if !ok {
			t.Errorf("golden print case %q not found", what)
			continue
		}
		n++
		if got := mk().String(); got != w {
			t.Errorf("%s:\n got: %q\nwant: %q", what, got, w)
		}
	}
	if n < 15 {
		t.Errorf("only %d print cases checked", n)
	}
}

func expectPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic; want %q", want)
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Fatalf("panic %q; want it to contain %q", msg, want)
		}
	}()
	f()
}

func TestShapeErrors(t *testing.T) {
	expectPanic(t, "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x1)", func() { Matmul(Zeros(4, 3), Zeros(2, 1)) })
	expectPanic(t, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
		func() { Zeros(2, 3).Add(Zeros(2, 4)) })
	expectPanic(t, "The size of tensor a (2) must match the size of tensor b (5) at non-singleton dimension 0",
		func() { Zeros(2, 3).Mul(Zeros(5, 1, 1).Squeeze(2)) })
	expectPanic(t, "shape '[5, -1]' is invalid for input of size 12", func() { Zeros(3, 4).Reshape(5, -1) })
	expectPanic(t, "Dimension out of range (expected to be in range of [-2, 1], but got 2)", func() { Zeros(3, 4).Sum(2) })
	expectPanic(t, "view size is not compatible", func() { Zeros(3, 4).T().View(12) })
	expectPanic(t, "Sizes of tensors must match except in dimension 0", func() { Cat([]*Tensor{Zeros(2, 3), Zeros(2, 4)}, 0) })
	expectPanic(t, "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1",
		func() { Zeros(2, 3).Expand(2, 4) })
	expectPanic(t, "inconsistent tensor size", func() { Matmul(Zeros(3), Zeros(4)) })
	expectPanic(t, "grad can be implicitly created only for scalar outputs", func() {
		Zeros(3).SetRequiresGrad(true).MulScalar(2).Backward()
	})
	expectPanic(t, "a leaf Variable that requires grad is being used in an in-place operation", func() {
		Zeros(3).SetRequiresGrad(true).Fill(1)
	})
	expectPanic(t, "index 5 is out of bounds for dimension 1 with size 4", func() { Zeros(3, 4).At(0, 5) })
	expectPanic(t, "a Tensor with 3 elements cannot be converted to Scalar", func() { Zeros(3).Item() })
}

func TestViewsShareStorage(t *testing.T) {
	x := Arange(0, 12, 1).Reshape(3, 4)
	tr := x.T()
	if tr.IsContiguous() || !tr.SharesStorage(x) {
		t.Fatal("transpose should be a non-contiguous view")
	}
	NoGrad(func() { tr.Set(100, 1, 2) }) // x[2][1]
	if x.At(2, 1) != 100 {
		t.Fatalf("write through transpose not visible: %v", x)
	}
	n := x.Narrow(1, 1, 2)
	if got := n.Float32s(); fmt.Sprint(got) != "[1 2 5 6 100 10]" {
		t.Fatalf("narrow = %v", got)
	}
	e := FromFloat32([]float32{1, 2, 3}, 3, 1).Expand(3, 4)
	if e.Strides()[1] != 0 || e.Sum().Item() != 24 {
		t.Fatalf("expand: strides %v sum %v", e.Strides(), e.Sum().Item())
	}
	p := Arange(0, 24, 1).Reshape(2, 3, 4).Permute(2, 0, 1)
	if fmt.Sprint(p.Shape()) != "[4 2 3]" || p.At(3, 1, 2) != 23 {
		t.Fatalf("permute: %v %v", p.Shape(), p.At(3, 1, 2))
	}
	s := Arange(0, 10, 1).Slice(0, 1, 10, 3)
	if fmt.Sprint(s.Float32s()) != "[1 4 7]" {
		t.Fatalf("slice = %v", s.Float32s())
	}
	if c := p.Contiguous(); !c.IsContiguous() || !Equal(c, p) {
		t.Fatal("contiguous copy differs")
	}
	if v := x.Reshape(4, 3); !v.SharesStorage(x) {
		t.Fatal("reshape of a contiguous tensor should be a view")
	}
	if v := x.T().Reshape(12); v.SharesStorage(x) {
		t.Fatal("reshape of a transpose must copy")
	}
}

func TestBroadcastValues(t *testing.T) {
	a := FromFloat32([]float32{1, 2, 3}, 3, 1)
	b := FromFloat32([]float32{10, 20}, 2)
	got := a.Add(b)
	if fmt.Sprint(got.Shape(), got.Float32s()) != "[3 2] [11 21 12 22 13 23]" {
		t.Fatalf("broadcast add = %v %v", got.Shape(), got.Float32s())
	}
	// a 0-d float64 does not promote a float32 tensor; a 1-d one does
	if a.Add(FromFloat64([]float64{1}).Reshape()).DType() != Float32 {
		t.Error("0-d float64 promoted a float32 tensor")
	}
	if a.Add(FromFloat64([]float64{1})).DType() != Float64 {
		t.Error("1-d float64 + float32 should be float64")
	}
}

func TestNaNInfPropagate(t *testing.T) {
	x := New([]float64{math.NaN(), math.Inf(1), -1, 0})
	checks := map[string]*Tensor{
		"relu":    x.ReLU(),
		"sigmoid": x.Sigmoid(),
		"exp":     x.Exp(),
		"clamp":   x.Clamp(-0.5, 0.5),
		"sqrt":    x.Sqrt(),
		"log":     x.Log(),
	}
	for name, y := range checks {
		if !math.IsNaN(y.At(0)) {
			t.Errorf("%s(NaN) = %v, want NaN", name, y.At(0))
		}
	}
	if !math.IsNaN(x.Sqrt().At(2)) || !math.IsInf(x.Log().At(3), -1) {
		t.Error("sqrt(-1) must be NaN and log(0) -inf")
	}
	if !math.IsNaN(x.Max().Item()) || !math.IsNaN(x.Sum().Item()) {
		t.Error("max/sum must propagate NaN")
	}
	if v, i := x.MaxDim(0, false); !math.IsNaN(v.Item()) || i.Item() != 0 {
		t.Errorf("max(dim) = %v at %v, want NaN at 0", v.Item(), i.Item())
	}
	if sm := New([]float64{math.Inf(1), 1}).Softmax(0); !math.IsNaN(sm.At(0)) {
		t.Errorf("softmax([inf, 1]) = %v, want nan like PyTorch", sm)
	}
}

func TestAutogradSemantics(t *testing.T) {
	w := Ones(3).SetRequiresGrad(true)
	for i := 0; i < 2; i++ {
		w.MulScalar(2).Sum().Backward()
	}
	if fmt.Sprint(w.Grad.Float32s()) != "[4 4 4]" {
		t.Fatalf("grads must accumulate: %v", w.Grad.Float32s())
	}
	w.Grad.Zero()
	y := w.Mul(w).Sum()
	y.BackwardWith(BackwardOptions{RetainGraph: true})
	y.Backward()
	if fmt.Sprint(w.Grad.Float32s()) != "[4 4 4]" {
		t.Fatalf("retain graph twice: %v", w.Grad.Float32s())
	}
	expectPanic(t, "Trying to backward through the graph a second time", func() { y.Backward() })

	// explicit upstream gradient on a non-scalar
	x := New([]float64{1, 2}).SetRequiresGrad(true)
	x.Square().BackwardWith(BackwardOptions{Grad: New([]float64{1, 10})})
	if fmt.Sprint(x.Grad.Float32s()) != "[2 40]" {
		t.Fatalf("backward with grad: %v", x.Grad.Float32s())
	}

	// Detach and NoGrad cut the graph
	d := x.MulScalar(3).Detach()
	if d.RequiresGrad() {
		t.Error("detached tensor requires grad")
	}
	var z *Tensor
	NoGrad(func() { z = x.MulScalar(3) })
	if z.RequiresGrad() || z.GradFn() != "" {
		t.Error("NoGrad result requires grad")
	}
	if !x.MulScalar(3).RequiresGrad() {
		t.Error("grad mode not restored after NoGrad")
	}

	// retained grad of a non-leaf
	h := x.MulScalar(2).RetainGrad()
	h.Sum().Backward()
	if h.Grad == nil || fmt.Sprint(h.Grad.Float32s()) != "[1 1]" {
		t.Errorf("retain grad: %v", h.Grad)
	}
	if got := x.Mul(x).Sum().GradFn(); got != "SumBackward0" {
		t.Errorf("grad_fn name %q", got)
	}
}

// TestNoGradIsPerGoroutine checks that a NoGrad scope on one goroutine does
// not stop another goroutine from recording its graph.
func TestNoGradIsPerGoroutine(t *testing.T) {
	inside := make(chan struct{})
	done := make(chan struct{})
	go NoGrad(func() {
		close(inside)
		<-done
	})
	<-inside
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		x := Ones(2).SetRequiresGrad(true)
		if !x.MulScalar(2).RequiresGrad() {
			t.Error("NoGrad on another goroutine disabled recording here")
		}
	}()
	wg.Wait()
	close(done)
}

func TestReductions(t *testing.T) {
	x := New([][]float64{{1, 5, 2}, {4, 3, 6}})
	if v := x.Sum(0); fmt.Sprint(v.Float32s()) != "[5 8 8]" {
		t.Errorf("sum(0) = %v", v.Float32s())
	}
	if v := x.MeanKeep(1); fmt.Sprint(v.Shape(), v.Float32s()) != "[2 1] [2.6666667 4.3333335]" {
		t.Errorf("mean(1, keepdim) = %v %v", v.Shape(), v.Float32s())
	}
	if v, i := x.MaxDim(1, false); fmt.Sprint(v.Float32s(), i.Int64s()) != "[5 6] [1 2]" {
		t.Errorf("max(1) = %v %v", v.Float32s(), i.Int64s())
	}
	if i := x.Argmax(0, false); fmt.Sprint(i.Int64s()) != "[1 0 1]" {
		t.Errorf("argmax(0) = %v", i.Int64s())
	}
	if v := x.Var(); math.Abs(v.Item()-3.5) > 1e-6 {
		t.Errorf("var = %v, want 3.5", v.Item())
	}
	if v := x.StdCorrection(0, false); math.Abs(v.Item()-math.Sqrt(35.0/12)) > 1e-6 {
		t.Errorf("biased std = %v", v.Item())
	}
	b := FromBool([]bool{true, false, true})
	if s := b.Sum(); s.DType() != Int64 || s.Item() != 2 {
		t.Errorf("bool sum = %v", s)
	}
	sm := x.Softmax(1).Sum(1)
	for _, v := range sm.Float64s() {
		if math.Abs(v-1) > 1e-6 {
			t.Errorf("softmax rows sum to %v", v)
		}
	}
}

func TestIndexing(t *testing.T) {
	x := Arange(0, 12, 1).Reshape(3, 4)
	g := x.Gather(1, FromInt64([]int64{3, 0, 1, 1, 2, 0}, 3, 2))
	if fmt.Sprint(g.Float32s()) != "[3 0 5 5 10 8]" {
		t.Errorf("gather = %v", g.Float32s())
	}
	s := x.IndexSelect(0, FromInt64([]int64{2, 0}))
	if fmt.Sprint(s.Float32s()) != "[8 9 10 11 0 1 2 3]" {
		t.Errorf("index_select = %v", s.Float32s())
	}
	oh := OneHot(FromInt64([]int64{0, 2}), 3)
	if oh.DType() != Int64 || fmt.Sprint(oh.Int64s()) != "[1 0 0 0 0 1]" {
		t.Errorf("one_hot = %v", oh)
	}
	w := Where(x.GtScalar(5), x, Scalar(-1))
	if fmt.Sprint(w.Float32s()) != "[-1 -1 -1 -1 -1 -1 6 7 8 9 10 11]" {
		t.Errorf("where = %v", w.Float32s())
	}
	st := Stack([]*Tensor{Ones(2), Zeros(2)}, 1)
	if fmt.Sprint(st.Shape(), st.Float32s()) != "[2 2] [1 0 1 0]" {
		t.Errorf("stack = %v", st)
	}
	expectPanic(t, "index out of range in self", func() { x.IndexSelect(0, FromInt64([]int64{3})) })
	expectPanic(t, "Class values must be smaller than num_classes", func() { OneHot(FromInt64([]int64{3}), 3) })
}

func TestMatmulShapes(t *testing.T) {
	a := Arange(0, 6, 1).Reshape(2, 3)
	b := Arange(0, 12, 1).Reshape(3, 4)
	got := Matmul(a, b)
	if fmt.Sprint(got.Float32s()) != "[20 23 26 29 56 68 80 92]" {
		t.Errorf("mm = %v", got.Float32s())
	}
	// transposed and sliced operand views give the same product as copies
	xt := Arange(0, 12, 1).Reshape(4, 3).T()               // 3x4, transposed layout
	ys := Arange(0, 40, 1).Reshape(5, 8).Slice(1, 0, 8, 2) // 5x4 with stride 2
	if !Equal(Matmul(xt, ys.T()), Matmul(xt.Contiguous(), ys.T().Contiguous())) {
		t.Error("strided operands give a different product")
	}
	bat := Matmul(Ones(5, 2, 3), Ones(3, 4))
	if fmt.Sprint(bat.Shape()) != "[5 2 4]" || bat.At(4, 1, 3) != 3 {
		t.Errorf("batched = %v", bat.Shape())
	}
	bb := Matmul(Ones(2, 1, 2, 3), Ones(4, 3, 5))
	if fmt.Sprint(bb.Shape()) != "[2 4 2 5]" {
		t.Errorf("broadcast batched = %v", bb.Shape())
	}
	if v := Matmul(New([]float64{1, 2, 3}), New([]float64{4, 5, 6})); v.Dim() != 0 || v.Item() != 32 {
		t.Errorf("dot = %v", v)
	}
}

func TestCreation(t *testing.T) {
	if fmt.Sprint(Arange(0, 1, 0.25).Float32s()) != "[0 0.25 0.5 0.75]" {
		t.Error("arange")
	}
	if fmt.Sprint(Linspace(0, 1, 5).Float32s()) != "[0 0.25 0.5 0.75 1]" {
		t.Error("linspace")
	}
	if e := Eye(3); e.Sum().Item() != 3 || e.At(1, 1) != 1 || e.At(0, 1) != 0 {
		t.Error("eye")
	}
	if f := FullOf(Float64, 2.5, 2, 2); f.DType() != Float64 || f.Sum().Item() != 10 {
		t.Error("full")
	}
	expectPanic(t, "6 values cannot fill shape [4, 2]", func() { FromFloat32(make([]float32, 6), 4, 2) })
	expectPanic(t, "negative dimension -1", func() { Zeros(2, -1) })
}

// TestBackwardEngineGraphs checks Backward's traversal on graphs beyond the
// bookkeeping it keeps on the stack (32 nodes): a chain of diamonds (each
// step reads the previous result twice, so gradients must be summed over
// both paths), two Backward calls through a retained subgraph shared by
// two roots, and a chain deep enough to overflow a recursive traversal.
func TestBackwardEngineGraphs(t *testing.T) {
	// h ← 1.01·h + 0.001·h², 60 times: dh'/dh = 1.01 + 0.002·h.
	x := New([]float64{0.5, -1.5}).SetRequiresGrad(true)
	h := x
	for range 60 {
		h = Add(h.MulScalar(1.01), Mul(h, h).MulScalar(0.001))
	}
	h.Sum().Backward()
	for i, x0 := range []float64{0.5, -1.5} {
		v, d := x0, 1.0
		for range 60 {
			d *= 1.01 + 0.002*v
			v = 1.01*v + 0.001*v*v
		}
		if got := float64(x.Grad.Float32s()[i]); math.Abs(got-d) > 1e-4*math.Abs(d) {
			t.Errorf("diamond chain: grad[%d] = %v, want %v", i, got, d)
		}
	}

	// Two roots over one retained subgraph a = 3x: Σa and Σa².
	w := New([]float64{1, 2}).SetRequiresGrad(true)
	a := w.MulScalar(3)
	a.Sum().BackwardWith(BackwardOptions{RetainGraph: true})
	Mul(a, a).Sum().Backward()
	if got := fmt.Sprint(w.Grad.Float32s()); got != "[21 39]" { // 3 + 2·3w·3
		t.Errorf("shared subgraph: grad %s, want [21 39]", got)
	}

	// A chain of 20,000 nodes.
	z := Ones(1).SetRequiresGrad(true)
	c := z
	for range 20000 {
		c = c.AddScalar(1)
	}
	c.Sum().Backward()
	if got := z.Grad.Float32s()[0]; got != 1 {
		t.Errorf("deep chain: grad %v, want 1", got)
	}
}
