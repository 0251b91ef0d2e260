package functional

import (
	"fmt"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// seq returns a float64 leaf that requires grad, with distinct,
// deterministic values of magnitude about 1.
func seq(seed float64, shape ...int) *tensor.Tensor {
	v := make([]float64, numel(shape))
	for i := range v {
		v[i] = 1.3*math.Sin(float64(i)*1.37+seed) + 0.2*math.Cos(float64(i)*0.31+2*seed)
	}
	return tensor.FromFloat64(v, shape...).SetRequiresGrad(true)
}

// gradCheck compares the gradients that Backward computes for
// loss = sum(f() * r) (r fixed) with central differences (h = 1e-6) with
// respect to every element of every input (at most 400 per input, spread
// evenly). The tolerance is 1e-5 relative (absolute 1e-7 near zero).
func gradCheck(t *testing.T, name string, f func() *tensor.Tensor, inputs ...*tensor.Tensor) {
	t.Helper()
	out := f()
	r := seq(0.5, out.Shape()...).Detach()
	for _, in := range inputs {
		in.Grad = nil
	}
	out.Mul(r).Sum().Backward()
	loss := func() float64 {
		var v float64
		tensor.NoGrad(func() { v = f().Mul(r).Sum().Item() })
		return v
	}
	const h = 1e-6
	for k, in := range inputs {
		if in.Grad == nil {
			t.Errorf("%s: input %d got no gradient", name, k)
			continue
		}
		ana := in.Grad.Float64s()
		d := in.Data64()
		step := max(1, len(d)/400)
		for i := 0; i < len(d); i += step {
			orig := d[i]
			d[i] = orig + h
			lp := loss()
			d[i] = orig - h
			lm := loss()
			d[i] = orig
			num := (lp - lm) / (2 * h)
			if math.Abs(num-ana[i]) > 1e-5*math.Abs(num)+1e-7 {
				t.Errorf("%s: d loss/d input%d[%d]: backward %.10g, finite difference %.10g", name, k, i, ana[i], num)
				return
			}
		}
	}
}

func TestGradConv(t *testing.T) {
	type tc struct {
		name   string
		nd     int
		x, w   []int
		bias   bool
		opts   []ConvOption
		budget int // column budget, to force chunking (0: default)
	}
	cases := []tc{
		{"conv1d", 1, []int{2, 4, 11}, []int{6, 2, 3}, true, []ConvOption{Stride(2), Padding(1), Dilation(2), Groups(2)}, 0},
		{"conv1d same", 1, []int{2, 3, 7}, []int{2, 3, 4}, true, []ConvOption{PaddingSame}, 0},
		{"conv1d unbatched", 1, []int{3, 7}, []int{2, 3, 2}, false, []ConvOption{Padding(1)}, 0},
		{"conv2d", 2, []int{2, 3, 6, 5}, []int{4, 3, 3, 2}, true, nil, 0},
		{"conv2d stride pad", 2, []int{2, 3, 7, 8}, []int{4, 3, 3, 3}, true, []ConvOption{Stride(2, 3), Padding(1, 2)}, 0},
		{"conv2d dilation groups", 2, []int{2, 4, 8, 7}, []int{6, 2, 2, 3}, true, []ConvOption{Dilation(2, 1), Groups(2), Padding(1)}, 0},
		{"conv2d depthwise", 2, []int{1, 3, 5, 5}, []int{3, 1, 3, 3}, true, []ConvOption{Groups(3), Stride(2)}, 0},
		{"conv2d same even", 2, []int{2, 2, 5, 6}, []int{3, 2, 4, 2}, true, []ConvOption{PaddingSame}, 0},
		{"conv2d same dilated", 2, []int{1, 2, 6, 6}, []int{2, 2, 2, 3}, false, []ConvOption{PaddingSame, Dilation(3, 2)}, 0},
		{"conv2d valid", 2, []int{1, 2, 5, 4}, []int{2, 2, 3, 2}, true, []ConvOption{PaddingValid}, 0},
		{"conv2d 1x1", 2, []int{3, 4, 3, 3}, []int{2, 4, 1, 1}, true, nil, 0},
		{"conv2d 1x1 groups", 2, []int{2, 4, 3, 3}, []int{4, 2, 1, 1}, true, []ConvOption{Groups(2)}, 0},
		{"conv2d 1x1 chunked", 2, []int{3, 4, 3, 3}, []int{2, 4, 1, 1}, true, nil, 80},
		{"conv2d chunked", 2, []int{5, 4, 5, 5}, []int{6, 2, 3, 3}, true, []ConvOption{Groups(2), Padding(1), Stride(2, 1)}, 2 * 18 * 15},
		{"conv2d chunk of 1", 2, []int{3, 2, 4, 4}, []int{3, 2, 2, 2}, true, []ConvOption{Padding(1)}, 1},
		{"conv2d unbatched", 2, []int{3, 5, 4}, []int{2, 3, 3, 3}, true, []ConvOption{Padding(1)}, 0},
		{"conv3d", 3, []int{2, 2, 4, 5, 4}, []int{3, 2, 2, 3, 2}, true, []ConvOption{Stride(1, 2, 1), Padding(1, 0, 1), Dilation(1, 1, 2)}, 0},
		{"conv3d groups same", 3, []int{1, 4, 3, 4, 3}, []int{4, 2, 2, 2, 3}, true, []ConvOption{Groups(2), PaddingSame}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.budget > 0 {
				old := colBudget
				colBudget = c.budget
				defer func() { colBudget = old }()
			}
			x, w := seq(1, c.x...), seq(2, c.w...)
			var b *tensor.Tensor
			ins := []*tensor.Tensor{x, w}
			if c.bias {
				b = seq(3, c.w[0])
				ins = append(ins, b)
			}
			f := func() *tensor.Tensor {
				switch c.nd {
				case 1:
					return Conv1d(x, w, b, c.opts...)
				case 2:
					return Conv2d(x, w, b, c.opts...)
				}
				return Conv3d(x, w, b, c.opts...)
			}
			gradCheck(t, c.name, f, ins...)
		})
	}
}

func TestGradConvTranspose(t *testing.T) {
	type tc struct {
		name   string
		nd     int
		x, w   []int
		bias   bool
		opts   []ConvTransposeOption
		budget int
	}
	cases := []tc{
		{"1d", 1, []int{2, 4, 5}, []int{4, 3, 3}, true, []ConvTransposeOption{Stride(3), Padding(1), OutputPadding(2), Groups(2)}, 0},
		{"2d", 2, []int{2, 3, 3, 4}, []int{3, 2, 3, 3}, true, nil, 0},
		{"2d stride outpad", 2, []int{2, 3, 3, 4}, []int{3, 2, 3, 2}, true, []ConvTransposeOption{Stride(2, 3), Padding(1, 0), OutputPadding(1, 2)}, 0},
		{"2d groups dilation", 2, []int{1, 4, 3, 3}, []int{4, 3, 2, 3}, true, []ConvTransposeOption{Groups(2), Dilation(2, 3), Stride(2), OutputPadding(1)}, 0},
		{"2d 1x1", 2, []int{2, 3, 3, 3}, []int{3, 2, 1, 1}, false, nil, 0},
		{"2d 1x1 chunked", 2, []int{3, 3, 3, 3}, []int{3, 2, 1, 1}, true, nil, 40},
		{"2d chunked", 2, []int{3, 2, 3, 3}, []int{2, 2, 2, 2}, true, []ConvTransposeOption{Stride(2)}, 150},
		{"2d unbatched", 2, []int{2, 3, 3}, []int{2, 3, 2, 2}, true, []ConvTransposeOption{Padding(1)}, 0},
		{"3d", 3, []int{1, 2, 2, 3, 2}, []int{2, 3, 2, 2, 2}, true, []ConvTransposeOption{Stride(2, 1, 2), Padding(0, 1, 0), OutputPadding(1, 0, 0)}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.budget > 0 {
				old := colBudget
				colBudget = c.budget
				defer func() { colBudget = old }()
			}
			x, w := seq(1, c.x...), seq(2, c.w...)
			var b *tensor.Tensor
			ins := []*tensor.Tensor{x, w}
			if c.bias {
				g := 1
				for _, o := range c.opts {
					if v, ok := o.(GroupsOption); ok {
						g = int(v)
					}
				}
				b = seq(3, c.w[1]*g)
				ins = append(ins, b)
			}
			f := func() *tensor.Tensor {
				switch c.nd {
				case 1:
					return ConvTranspose1d(x, w, b, c.opts...)
				case 2:
					return ConvTranspose2d(x, w, b, c.opts...)
				}
				return ConvTranspose3d(x, w, b, c.opts...)
			}
			gradCheck(t, c.name, f, ins...)
		})
	}
}

// TestConvTransposeIsConvGradient checks the defining identity: the
// transposed convolution of y equals the gradient of <conv(x), y> with
// respect to x.
func TestConvTransposeIsConvGradient(t *testing.T) {
	x := seq(1, 2, 4, 7, 6)
	w := seq(2, 6, 2, 3, 2).Detach()
	stride, padding, dilation := []int{2, 1}, []int{1, 1}, []int{1, 2}
	y := Conv2d(x, w, nil, Stride(stride...), Padding(padding...), Dilation(dilation...), Groups(2))
	r := seq(3, y.Shape()...).Detach()
	y.Mul(r).Sum().Backward()
	// Output size 7 needs output_padding 1 in the first dimension.
	xt := ConvTranspose2d(r, w, nil, Stride(stride...), Padding(padding...), Dilation(dilation...), Groups(2), OutputPadding(0, 0))
	if fmt.Sprint(xt.Shape()) != "[2 4 7 6]" {
		xt = ConvTranspose2d(r, w, nil, Stride(stride...), Padding(padding...), Dilation(dilation...), Groups(2), OutputPadding(1, 0))
	}
	if !tensor.AllClose(xt, x.Grad, 1e-12, 1e-12) {
		t.Fatalf("conv_transpose2d(r) != d<conv2d(x), r>/dx\n%v\n%v", xt, x.Grad)
	}
}

func TestGradFoldUnfold(t *testing.T) {
	x := seq(1, 2, 3, 6, 7)
	gradCheck(t, "unfold", func() *tensor.Tensor {
		return Unfold(x, []int{2, 3}, Dilation(1, 2), Padding(1, 0), Stride(2, 1))
	}, x)
	c := seq(2, 2, 18, 12)
	gradCheck(t, "fold", func() *tensor.Tensor {
		return Fold(c, []int{6, 7}, []int{2, 3}, Dilation(1, 2), Padding(1, 0), Stride(2, 1))
	}, c)
	u := seq(3, 3, 5, 5)
	gradCheck(t, "unfold unbatched", func() *tensor.Tensor { return Unfold(u, []int{3}, Padding(1), Stride(2)) }, u)
}

func TestGradPooling(t *testing.T) {
	x := seq(1, 2, 3, 9, 8)
	for _, c := range []struct {
		name                        string
		k, s, p, d                  []int
		ceil                        bool
		includePad                  bool
		divisor                     int
		avgOnly, maxOnly, unbatched bool
	}{
		{name: "k2", k: []int{2}},
		{name: "k3s2p1", k: []int{3}, s: []int{2}, p: []int{1}, includePad: true},
		{name: "k3s2p1 exclude", k: []int{3}, s: []int{2}, p: []int{1}, avgOnly: true},
		{name: "ceil", k: []int{3}, s: []int{2}, ceil: true, includePad: true},
		{name: "ceil pad exclude", k: []int{3, 2}, s: []int{2, 3}, p: []int{1, 1}, ceil: true},
		{name: "divisor", k: []int{3}, s: []int{2}, p: []int{1}, divisor: 7, avgOnly: true},
		{name: "dilation", k: []int{3}, s: []int{1}, p: []int{1}, d: []int{2, 3}, maxOnly: true},
		{name: "rect", k: []int{2, 3}, s: []int{1, 2}, p: []int{1}, includePad: true},
	} {
		if !c.avgOnly {
			gradCheck(t, "max_pool2d "+c.name, func() *tensor.Tensor {
				return MaxPool2d(x, c.k, Stride(c.s...), Padding(c.p...), Dilation(c.d...), CeilModeOption(c.ceil))
			}, x)
		}
		if !c.maxOnly {
			gradCheck(t, "avg_pool2d "+c.name, func() *tensor.Tensor {
				if c.divisor != 0 {
					return AvgPool2d(x, c.k, Stride(c.s...), Padding(c.p...), CeilModeOption(c.ceil), CountIncludePad(c.includePad), DivisorOverride(c.divisor))
				}
				return AvgPool2d(x, c.k, Stride(c.s...), Padding(c.p...), CeilModeOption(c.ceil), CountIncludePad(c.includePad))
			}, x)
		}
	}
	u := seq(2, 3, 7, 6)
	gradCheck(t, "max_pool2d unbatched", func() *tensor.Tensor { return MaxPool2d(u, []int{3}, Stride(2), Padding(1), CeilMode) }, u)
	for _, o := range [][]int{{3, 4}, {2, 2}, {1, 1}, {10, 11}, {9, 8}, {4}} {
		gradCheck(t, fmt.Sprint("adaptive_avg_pool2d ", o), func() *tensor.Tensor { return AdaptiveAvgPool2d(x, o) }, x)
	}
}

func TestGradBatchNorm(t *testing.T) {
	for _, shape := range [][]int{{6, 3}, {4, 3, 5}, {2, 3, 4, 3}} {
		c := shape[1]
		x := seq(1, shape...)
		w, b := seq(2, c), seq(3, c)
		gradCheck(t, fmt.Sprint("batch_norm train ", shape), func() *tensor.Tensor { return BatchNorm(x, nil, nil, w, b, Training) }, x, w, b)
		gradCheck(t, fmt.Sprint("batch_norm train no affine ", shape), func() *tensor.Tensor { return BatchNorm(x, nil, nil, nil, nil, Training) }, x)
		gradCheck(t, fmt.Sprint("batch_norm train weight only ", shape), func() *tensor.Tensor { return BatchNorm(x, nil, nil, w, nil, Training) }, x, w)
		rm := seq(4, c).Detach()
		rv := seq(5, c).Detach().Abs().AddScalar(0.5)
		gradCheck(t, fmt.Sprint("batch_norm eval ", shape), func() *tensor.Tensor { return BatchNorm(x, rm, rv, w, b) }, x, w, b)
	}
}

func TestGradLayerNorm(t *testing.T) {
	x := seq(1, 2, 3, 4)
	w, b := seq(2, 3, 4), seq(3, 3, 4)
	gradCheck(t, "layer_norm", func() *tensor.Tensor { return LayerNorm(x, []int{3, 4}, w, b) }, x, w, b)
	w1, b1 := seq(4, 4), seq(5, 4)
	gradCheck(t, "layer_norm last", func() *tensor.Tensor { return LayerNorm(x, []int{4}, w1, b1) }, x, w1, b1)
	gradCheck(t, "layer_norm weight only", func() *tensor.Tensor { return LayerNorm(x, []int{4}, w1, nil) }, x, w1)
	gradCheck(t, "layer_norm bias only", func() *tensor.Tensor { return LayerNorm(x, []int{4}, nil, b1) }, x, b1)
	gradCheck(t, "layer_norm plain", func() *tensor.Tensor { return LayerNorm(x, []int{2, 3, 4}, nil, nil, Eps(1e-3)) }, x)
}

func TestGradLinear(t *testing.T) {
	x, w, b := seq(1, 4, 5), seq(2, 3, 5), seq(3, 3)
	gradCheck(t, "linear", func() *tensor.Tensor { return Linear(x, w, b) }, x, w, b)
	x3 := seq(4, 2, 3, 5)
	gradCheck(t, "linear 3d no bias", func() *tensor.Tensor { return Linear(x3, w, nil) }, x3, w)
	x1 := seq(5, 5)
	gradCheck(t, "linear 1d", func() *tensor.Tensor { return Linear(x1, w, b) }, x1, w, b)
	xt := seq(6, 5, 4)
	gradCheck(t, "linear transposed input", func() *tensor.Tensor { return Linear(xt.Transpose(0, 1), w, b) }, xt, w, b)
	b2 := seq(7, 4, 3)
	gradCheck(t, "linear broadcast bias", func() *tensor.Tensor { return Linear(x, w, b2) }, x, w, b2)
}

func TestGradBilinear(t *testing.T) {
	x1, x2, w, b := seq(1, 4, 3), seq(2, 4, 2), seq(3, 5, 3, 2), seq(4, 5)
	gradCheck(t, "bilinear", func() *tensor.Tensor { return Bilinear(x1, x2, w, b) }, x1, x2, w, b)
	y1, y2 := seq(5, 2, 3, 3), seq(6, 2, 3, 2)
	gradCheck(t, "bilinear 3d", func() *tensor.Tensor { return Bilinear(y1, y2, w, nil) }, y1, y2, w)
}

func TestGradEmbedding(t *testing.T) {
	w := seq(1, 6, 4)
	idx := tensor.FromInt64([]int64{0, 2, 1, 2, 5, 1, 2}, 7)
	gradCheck(t, "embedding", func() *tensor.Tensor { return Embedding(idx, w) }, w)
	// With a padding row, the gradient is the one without padding, with
	// that row zeroed (the forward pass still reads the row).
	r := seq(9, 7, 1, 4).Detach()
	for _, pad := range []int{2, -5} { // -5 is row 1
		row := pad
		if row < 0 {
			row += 6
		}
		w.Grad = nil
		Embedding(idx.Reshape(7, 1), w).Mul(r).Sum().Backward()
		want := w.Grad.Clone()
		tensor.NoGrad(func() { want.Select(0, row).Fill(0) })
		w.Grad = nil
		Embedding(idx.Reshape(7, 1), w, PaddingIdx(pad)).Mul(r).Sum().Backward()
		if !tensor.Equal(w.Grad, want) {
			t.Fatalf("padding_idx=%d: gradient\n%v\nwant\n%v", pad, w.Grad, want)
		}
	}
}

func TestGradDropout(t *testing.T) {
	x := seq(1, 5, 6)
	g := rng.NewGenerator()
	g.ManualSeed(5)
	gradCheck(t, "dropout", func() *tensor.Tensor { return Dropout(x, 0.4, WithGenerator(g.Clone())) }, x)
}
