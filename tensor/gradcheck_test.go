package tensor

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// gradCase is one differentiable computation checked against central finite
// differences in float64.
type gradCase struct {
	name   string
	shapes [][]int
	// domain of the random inputs: "any" (|x| in [0.1, 2]), "pos" ([0.2, 2])
	domain string
	fn     func(x []*Tensor) *Tensor
}

func idx(v ...int64) *Tensor { return FromInt64(v) }

var gradCases = []gradCase{
	{"Add", [][]int{{3, 4}, {3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Add(x[1]) }},
	{"Add/broadcast", [][]int{{2, 3, 4}, {3, 1}}, "any", func(x []*Tensor) *Tensor { return x[0].Add(x[1]) }},
	{"Sub/broadcast", [][]int{{4}, {3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Sub(x[1]) }},
	{"Mul/broadcast", [][]int{{2, 1, 4}, {3, 1}}, "any", func(x []*Tensor) *Tensor { return x[0].Mul(x[1]) }},
	{"Div/broadcast", [][]int{{3, 4}, {4}}, "pos", func(x []*Tensor) *Tensor { return x[0].Div(x[1]) }},
	{"Div/0-d", [][]int{{3, 4}, {}}, "pos", func(x []*Tensor) *Tensor { return x[0].Div(x[1]) }},
	{"PowTensor", [][]int{{3, 4}, {3, 4}}, "pos", func(x []*Tensor) *Tensor { return x[0].PowTensor(x[1]) }},
	{"Maximum", [][]int{{3, 4}, {4}}, "any", func(x []*Tensor) *Tensor { return Maximum(x[0], x[1]) }},
	{"Minimum", [][]int{{3, 4}, {3, 4}}, "any", func(x []*Tensor) *Tensor { return Minimum(x[0], x[1]) }},
	{"AddScalar", [][]int{{5}}, "any", func(x []*Tensor) *Tensor { return x[0].AddScalar(1.5) }},
	{"SubScalar", [][]int{{5}}, "any", func(x []*Tensor) *Tensor { return x[0].SubScalar(1.5) }},
	{"MulScalar", [][]int{{5}}, "any", func(x []*Tensor) *Tensor { return x[0].MulScalar(-2.5) }},
	{"DivScalar", [][]int{{5}}, "any", func(x []*Tensor) *Tensor { return x[0].DivScalar(3) }},
	{"RSubScalar", [][]int{{5}}, "any", func(x []*Tensor) *Tensor { return x[0].RSubScalar(1) }},
	{"Neg", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Neg() }},
	{"Exp", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Exp() }},
	{"Log", [][]int{{2, 3}}, "pos", func(x []*Tensor) *Tensor { return x[0].Log() }},
	{"Sqrt", [][]int{{2, 3}}, "pos", func(x []*Tensor) *Tensor { return x[0].Sqrt() }},
	{"Sin", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Sin() }},
	{"Cos", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Cos() }},
	{"Abs", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Abs() }},
	{"Pow3", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Pow(3) }},
	{"Pow0.5", [][]int{{2, 3}}, "pos", func(x []*Tensor) *Tensor { return x[0].Pow(0.5) }},
	{"Pow0", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Pow(0) }},
	{"Square", [][]int{{2, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Square() }},
	{"Clamp", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].Clamp(-0.75, 0.85) }},
	{"ReLU", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].ReLU() }},
	{"LeakyReLU", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].LeakyReLU(0.2) }},
	{"Sigmoid", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].Sigmoid() }},
	{"Tanh", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].Tanh() }},
	{"SiLU", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].SiLU() }},
	{"GELU", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].GELU(false) }},
	{"GELU/tanh", [][]int{{4, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].GELU(true) }},
	{"Softmax/dim1", [][]int{{3, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].Softmax(1) }},
	{"Softmax/dim0", [][]int{{3, 5}}, "any", func(x []*Tensor) *Tensor { return x[0].Softmax(0) }},
	{"LogSoftmax/dim-1", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].LogSoftmax(-1) }},
	{"LogSoftmax/dim1", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].LogSoftmax(1) }},
	{"Sum/all", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Sum() }},
	{"Sum/dims", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Sum(0, 2) }},
	{"SumKeep", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].SumKeep(1) }},
	{"Mean/all", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Mean() }},
	{"MeanKeep", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].MeanKeep(-1) }},
	{"Var", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Var(1) }},
	{"Std", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Std() }},
	{"VarCorrection0Keep", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].VarCorrection(0, true, 0) }},
	{"MaxDim", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { v, _ := x[0].MaxDim(1, false); return v }},
	{"MinDimKeep", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { v, _ := x[0].MinDim(0, true); return v }},
	{"Max", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Max() }},
	{"Min", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Min() }},
	{"Matmul/2d", [][]int{{3, 4}, {4, 5}}, "any", func(x []*Tensor) *Tensor { return Matmul(x[0], x[1]) }},
	{"Matmul/transposed", [][]int{{4, 3}, {5, 4}}, "any", func(x []*Tensor) *Tensor { return Matmul(x[0].T(), x[1].T()) }},
	{"Matmul/dot", [][]int{{4}, {4}}, "any", func(x []*Tensor) *Tensor { return Matmul(x[0], x[1]) }},
	{"Matmul/vec-mat", [][]int{{4}, {4, 3}}, "any", func(x []*Tensor) *Tensor { return Matmul(x[0], x[1]) }},
	{"Matmul/mat-vec", [][]int{{3, 4}, {4}}, "any", func(x []*Tensor) *Tensor { return Matmul(x[0], x[1]) }},
	{"Matmul/batched-broadcast", [][]int{{2, 1, 3, 4}, {3, 4, 2}}, "any", func(x []*Tensor) *Tensor { return Matmul(x[0], x[1]) }},
	{"Reshape", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Reshape(2, -1).MulScalar(2) }},
	{"Reshape/copy", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].T().Reshape(12) }},
	{"View", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].View(4, 3) }},
	{"Flatten", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Flatten(1, -1) }},
	{"Transpose", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Transpose(0, 2) }},
	{"Permute", [][]int{{2, 3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Permute(1, 2, 0) }},
	{"Narrow", [][]int{{5, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Narrow(0, 1, 3) }},
	{"Slice/step", [][]int{{7, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].Slice(0, 1, 7, 2) }},
	{"Select", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Select(1, -1) }},
	{"Index", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Index(1) }},
	{"Expand", [][]int{{3, 1}}, "any", func(x []*Tensor) *Tensor { return x[0].Expand(2, 3, 4) }},
	{"Squeeze", [][]int{{3, 1, 2}}, "any", func(x []*Tensor) *Tensor { return x[0].Squeeze() }},
	{"Unsqueeze", [][]int{{3, 2}}, "any", func(x []*Tensor) *Tensor { return x[0].Unsqueeze(1) }},
	{"Contiguous", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].T().Contiguous() }},
	{"Clone", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Clone() }},
	{"To/float32->float64", [][]int{{3}}, "any", func(x []*Tensor) *Tensor { return x[0].To(Float32).To(Float64).MulScalar(0) }},
	{"Cat", [][]int{{2, 3}, {4, 3}}, "any", func(x []*Tensor) *Tensor { return Cat([]*Tensor{x[0], x[1]}, 0) }},
	{"Cat/dim1", [][]int{{2, 3}, {2, 1}}, "any", func(x []*Tensor) *Tensor { return Cat([]*Tensor{x[0], x[1], x[0]}, 1) }},
	{"Stack", [][]int{{2, 3}, {2, 3}}, "any", func(x []*Tensor) *Tensor { return Stack([]*Tensor{x[0], x[1]}, 1) }},
	{"IndexSelect", [][]int{{4, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].IndexSelect(0, idx(3, 0, 3, 1)) }},
	{"IndexSelect/dim1", [][]int{{2, 4, 3}}, "any", func(x []*Tensor) *Tensor { return x[0].IndexSelect(1, idx(2, 2, 0)) }},
	{"IndexSelect/transposed", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].T().IndexSelect(1, idx(1, 1, 2)) }},
	{"Gather", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor {
		return x[0].Gather(1, FromInt64([]int64{0, 3, 3, 1, 2, 2}, 3, 2))
	}},
	{"ScatterAdd", [][]int{{3, 4}, {3, 2}}, "any", func(x []*Tensor) *Tensor {
		return x[0].ScatterAdd(1, FromInt64([]int64{0, 3, 3, 3, 2, 1}, 3, 2), x[1])
	}},
	{"Where", [][]int{{3, 4}, {4}}, "any", func(x []*Tensor) *Tensor {
		return Where(x[0].Detach().GtScalar(0), x[0], x[1])
	}},
	{"ReusedInput", [][]int{{3, 4}}, "any", func(x []*Tensor) *Tensor { return x[0].Mul(x[0]).Add(x[0].Exp()).Sub(x[0]) }},
	{"MLP", [][]int{{5, 3}, {4, 3}, {4}, {2, 4}, {2}}, "any", func(x []*Tensor) *Tensor {
		h := Matmul(x[0], x[1].T()).Add(x[2]).Tanh()
		return Matmul(h, x[3].T()).Add(x[4]).LogSoftmax(1)
	}},
}

func randomInput(r *rand.Rand, shape []int, domain string) *Tensor {
	n := numelOf(shape)
	v := make([]float64, n)
	for i := range v {
		m := 0.1 + 1.9*r.Float64()
		if domain == "pos" {
			v[i] = 0.2 + 1.8*r.Float64()
			continue
		}
		if r.IntN(2) == 0 {
			m = -m
		}
		v[i] = m
	}
	return FromFloat64(v, shape...)
}

// checkGrad compares autograd's gradient of sum(w * f(x)) with central
// finite differences.
func checkGrad(t *testing.T, c gradCase) {
	r := rand.New(rand.NewPCG(1, uint64(len(c.name))))
	xs := make([]*Tensor, len(c.shapes))
	for i, s := range c.shapes {
		xs[i] = randomInput(r, s, c.domain).SetRequiresGrad(true)
	}
	out := c.fn(xs)
	if !out.RequiresGrad() {
		t.Fatalf("%s: output does not require grad", c.name)
	}
	w := randomInput(r, out.Shape(), "any").Detach()
	loss := out.Mul(w).Sum()
	loss.Backward()
	f := func() float64 {
		var v float64
		NoGrad(func() { v = c.fn(xs).Mul(w).Sum().Item() })
		return v
	}
	const h = 1e-6
	for i, x := range xs {
		if x.Grad == nil {
			t.Fatalf("%s: input %d got no gradient", c.name, i)
		}
		got := x.Grad.Float64s()
		data := x.Data64()
		for j := range data {
			orig := data[j]
			data[j] = orig + h
			fp := f()
			data[j] = orig - h
			fm := f()
			data[j] = orig
			num := (fp - fm) / (2 * h)
			if math.Abs(num-got[j]) > 1e-6+1e-5*math.Abs(num) {
				t.Errorf("%s: d/dx%d[%d]: autograd %.10g, finite difference %.10g", c.name, i, j, got[j], num)
			}
		}
	}
}

func TestGradCheck(t *testing.T) {
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) { checkGrad(t, c) })
	}
}

// TestGradCheckCoversEveryOp fails when an operation records a grad_fn
// name that no gradient check exercises: every differentiable op must be
// checked.
func TestGradCheckCoversEveryOp(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"([A-Za-z]+Backward[0-9])"`)
	declared := map[string]bool{}
	for _, f := range files {
		if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			declared[m[1]] = true
		}
	}
	seen := map[string]bool{}
	for _, c := range gradCases {
		xs := make([]*Tensor, len(c.shapes))
		for i, s := range c.shapes {
			xs[i] = randomInput(rand.New(rand.NewPCG(1, 2)), s, c.domain).SetRequiresGrad(true)
		}
		collectNames(c.fn(xs).fn, seen, map[*node]bool{})
	}
	var missing []string
	for name := range declared {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("differentiable ops without a gradient check: %v", missing)
	}
	if len(declared) < 40 {
		t.Errorf("found only %d grad_fn names in the sources; the scan is broken", len(declared))
	}
}

func collectNames(n *node, seen map[string]bool, visited map[*node]bool) {
	if n == nil || visited[n] {
		return
	}
	visited[n] = true
	seen[n.name] = true
	for _, in := range n.inputs {
		if in != nil {
			collectNames(in.fn, seen, visited)
		}
	}
}
