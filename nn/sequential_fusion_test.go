package nn

import (
	"math"
	"runtime"
	"slices"
	"testing"

	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// embeddedLinear is a user module built on Linear with its own Forward;
// Sequential must call that Forward rather than fuse the Linear inside. As
// ReLUFuser requires of a type that embeds one and redefines Forward, it
// redefines ForwardReLU too (here unfused).
type embeddedLinear struct{ *Linear }

func (e embeddedLinear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return e.Linear.Forward(x).MulScalar(2)
}

func (e embeddedLinear) ForwardReLU(x *tensor.Tensor) *tensor.Tensor { return e.Forward(x).ReLU() }

// dense is a user's own fully connected layer, written without nn.Linear,
// that offers fusion through the functional fused form: Sequential must
// fuse it with a following ReLU and reuse the fused output's memory, with
// the bits of calling Forward and ReLU in turn.
type dense struct {
	Weight, Bias *tensor.Tensor
	fused, reads *int
}

func newDense(in, out int, g *rng.Generator, fused, reads *int) *dense {
	l := NewLinear(in, out, WithGenerator(g))
	return &dense{Weight: l.Weight, Bias: l.Bias, fused: fused, reads: reads}
}

func (d *dense) Forward(x *tensor.Tensor) *tensor.Tensor { return F.Linear(x, d.Weight, d.Bias) }

func (d *dense) ForwardReLU(x *tensor.Tensor) *tensor.Tensor {
	*d.fused++
	return F.LinearReLU(x, d.Weight, d.Bias)
}

func (d *dense) ReadsInputOnly() bool {
	*d.reads++
	return true
}

var (
	_ ReLUFuser   = (*dense)(nil)
	_ InputReader = (*dense)(nil)
)

// TestSequentialFusesUserModule checks that a user's module implementing
// ReLUFuser and InputReader is fused inside Sequential, with the output and
// parameter gradients of the unfused layers bit for bit, in training and
// under NoGrad.
func TestSequentialFusesUserModule(t *testing.T) {
	var fused, reads int
	params, run := layerwiseAndSequential(3, func(g *rng.Generator) []Module {
		return []Module{
			newDense(20, 64, g, &fused, &reads), NewReLU(),
			newDense(64, 64, g, &fused, &reads), NewReLU(),
			newDense(64, 5, g, &fused, &reads),
		}
	})
	g := rng.NewGenerator()
	g.ManualSeed(4)
	for step := range 3 {
		x := g.Randn(16, 20)
		var outs [2][]float32
		for i := range 2 {
			for _, p := range params[i] {
				p.Grad = nil
			}
			y := run[i](x)
			outs[i] = y.Float32s()
			y.Square().Sum().Backward()
			var noGrad *tensor.Tensor
			tensor.NoGrad(func() { noGrad = run[i](x) })
			if !slices.Equal(noGrad.Float32s(), outs[i]) {
				t.Fatalf("step %d run %d: NoGrad output differs", step, i)
			}
		}
		if !slices.Equal(outs[0], outs[1]) {
			t.Fatalf("step %d: Sequential output %v, want %v", step, outs[1], outs[0])
		}
		for k := range params[0] {
			if want, got := params[0][k].Grad.Float32s(), params[1][k].Grad.Float32s(); !slices.Equal(got, want) {
				t.Fatalf("step %d: gradient of parameter %d differs", step, k)
			}
		}
	}
	// Two fused pairs per pass, two passes per step; the second and third
	// layers are asked whether they only read their input.
	if fused != 3*2*2 || reads != 3*2*2 {
		t.Errorf("ForwardReLU called %d times, ReadsInputOnly %d; want 12 and 12", fused, reads)
	}
}

// TestSequentialFusionMatchesLayers checks that Sequential's fused
// Linear-ReLU and Conv2d-ReLU pairs give the output, GradFn and parameter
// gradients of calling each layer's Forward in turn, for a LeNet-like stack
// (with a trailing ReLU) and an MLP with a user module that embeds Linear.
func TestSequentialFusionMatchesLayers(t *testing.T) {
	g := rng.NewGenerator()
	models := map[string]struct {
		layers []Module
		input  []int
	}{}
	g.ManualSeed(1)
	models["lenet"] = struct {
		layers []Module
		input  []int
	}{[]Module{
		NewConv2d(1, 3, 3, Padding(1), WithGenerator(g)), NewReLU(), NewMaxPool2d(2),
		NewConv2d(3, 4, 3, WithGenerator(g)), NewReLU(),
		NewFlatten(), NewLinear(4*2*2, 5, WithGenerator(g)), NewReLU(),
	}, []int{6, 1, 8, 8}}
	models["mlp"] = struct {
		layers []Module
		input  []int
	}{[]Module{
		NewLinear(7, 9, WithGenerator(g)), NewReLU(),
		embeddedLinear{NewLinear(9, 9, WithGenerator(g))}, NewReLU(),
		NewLinear(9, 9, Bias(false), WithGenerator(g)), NewReLU(), NewReLU(),
		NewLinear(9, 3, WithGenerator(g)),
	}, []int{4, 5, 7}}
	for name, m := range models {
		seq := NewSequential(m.layers...)
		x := g.Randn(m.input...)
		var outs [2]*tensor.Tensor
		var grads [2][][]float32
		var wts *tensor.Tensor // weights of the summed output, the same for both runs
		for i := range 2 {
			for _, p := range Parameters(seq) {
				p.Grad = nil
			}
			y := x
			if i == 0 {
				for _, l := range m.layers {
					y = l.Forward(y)
				}
			} else {
				y = seq.Forward(x)
			}
			outs[i] = y
			if wts == nil {
				wts = g.Randn(y.Shape()...)
			}
			tensor.Mul(y, wts).Sum().Backward()
			for _, p := range Parameters(seq) {
				grads[i] = append(grads[i], p.Grad.Float32s())
			}
		}
		if outs[0].GradFn() != outs[1].GradFn() {
			t.Errorf("%s: GradFn %q, want %q", name, outs[1].GradFn(), outs[0].GradFn())
		}
		want, got := outs[0].Float32s(), outs[1].Float32s()
		for j := range want {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%s: output %d = %v, want %v", name, j, got[j], want[j])
			}
		}
		for k := range grads[0] {
			for j := range grads[0][k] {
				if math.Float32bits(grads[1][k][j]) != math.Float32bits(grads[0][k][j]) {
					t.Fatalf("%s: parameter %d gradient %d = %v, want %v", name, k, j, grads[1][k][j], grads[0][k][j])
				}
			}
		}
	}
}

// TestSequentialTrainingWithRecycling trains two copies of each model for
// four SGD steps, one through Sequential (fused layers whose outputs
// Backward recycles, so later steps run on reused memory) and one calling
// each layer's Forward in turn, and checks that the parameters keep the
// same bits. It also checks that the output Sequential returns (a fused
// Linear-ReLU, or a view of one, which are not recycled) keeps its values
// after Backward and after the next step.
func TestSequentialTrainingWithRecycling(t *testing.T) {
	builders := map[string]struct {
		build func(g *rng.Generator) []Module
		input []int
	}{
		"lenet": {func(g *rng.Generator) []Module {
			return []Module{
				NewConv2d(1, 4, 3, Padding(1), WithGenerator(g)), NewReLU(), NewMaxPool2d(2),
				NewConv2d(4, 8, 3, WithGenerator(g)), NewReLU(), NewMaxPool2d(2),
				NewFlatten(), NewLinear(8*3*3, 256, WithGenerator(g)), NewReLU(),
				NewLinear(256, 256, WithGenerator(g)), NewReLU(), // outputs of 16×256 elements: worth recycling
			}
		}, []int{16, 1, 16, 16}},
		// The output is a view of the fused Linear-ReLU's output.
		"view-out": {func(g *rng.Generator) []Module {
			return []Module{
				NewLinear(100, 128, WithGenerator(g)), NewReLU(),
				NewLinear(128, 128, WithGenerator(g)), NewReLU(), NewFlatten(),
			}
		}, []int{64, 100}},
		"mlp": {mlp128, []int{64, 100}},
	}
	for name, b := range builders {
		params, run := layerwiseAndSequential(7, b.build)
		g := rng.NewGenerator()
		g.ManualSeed(8)
		var kept, keptCopy []float32
		for step := range 4 {
			x := g.Randn(b.input...)
			var wts *tensor.Tensor
			for i := range 2 {
				for _, p := range params[i] {
					p.Grad = nil
				}
				y := run[i](x)
				if wts == nil {
					wts = g.Randn(y.Shape()...)
				}
				tensor.Mul(y, wts).Sum().Backward()
				if i == 1 {
					// The previous step's output is intact.
					for j, v := range kept {
						if math.Float32bits(v) != math.Float32bits(keptCopy[j]) {
							t.Fatalf("%s step %d: previous output element %d changed to %v from %v", name, step, j, v, keptCopy[j])
						}
					}
					kept = y.Data32()
					keptCopy = y.Float32s()
				}
				for _, p := range params[i] {
					d, gr := p.Data32(), p.Grad.Float32s()
					for j := range d {
						d[j] -= 0.01 * gr[j]
					}
				}
			}
			for k := range params[0] {
				want, got := params[0][k].Float32s(), params[1][k].Float32s()
				for j := range want {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("%s step %d: parameter %d element %d = %v, want %v", name, step, k, j, got[j], want[j])
					}
				}
			}
		}
	}
}

// TestSequentialNoGradRecycling checks Sequential's reuse, under NoGrad, of
// the memory of fused outputs that only the next layer reads: its outputs
// are bit for bit those of calling each layer in turn, outputs returned
// by earlier calls keep their values, and a forward pass of an MLP does
// not allocate its hidden activations again (it would without the reuse).
func TestSequentialNoGradRecycling(t *testing.T) {
	builders := map[string]struct {
		build func(g *rng.Generator) []Module
		input []int
	}{
		"lenet": {func(g *rng.Generator) []Module {
			return []Module{
				NewConv2d(1, 16, 3, Padding(1), WithGenerator(g)), NewReLU(), NewMaxPool2d(2),
				NewConv2d(16, 16, 3, Padding(1), WithGenerator(g)), NewReLU(), NewMaxPool2d(2),
				NewFlatten(), NewLinear(16*4*4, 256, WithGenerator(g)), NewReLU(),
				NewLinear(256, 256, WithGenerator(g)), NewReLU(),
			}
		}, []int{16, 1, 16, 16}},
		"mlp": {mlp128, []int{64, 100}},
	}
	for name, b := range builders {
		_, run := layerwiseAndSequential(7, b.build)
		g := rng.NewGenerator()
		g.ManualSeed(8)
		var outs []*tensor.Tensor
		var copies [][]float32
		for step := range 5 {
			x := g.Randn(b.input...)
			var want, got *tensor.Tensor
			tensor.NoGrad(func() {
				want = run[0](x)
				got = run[1](x)
			})
			w, o := want.Float32s(), got.Float32s()
			for j := range w {
				if math.Float32bits(o[j]) != math.Float32bits(w[j]) {
					t.Fatalf("%s step %d: output element %d = %v, want %v", name, step, j, o[j], w[j])
				}
			}
			outs = append(outs, got)
			copies = append(copies, o)
			for k, prev := range outs {
				for j, v := range prev.Data32() {
					if math.Float32bits(v) != math.Float32bits(copies[k][j]) {
						t.Fatalf("%s step %d: output of step %d changed at %d to %v from %v", name, step, k, j, v, copies[k][j])
					}
				}
			}
		}
	}

	g := rng.NewGenerator()
	g.ManualSeed(9)
	mlp := NewSequential(NewLinear(100, 256, WithGenerator(g)), NewReLU(),
		NewLinear(256, 256, WithGenerator(g)), NewReLU(), NewLinear(256, 10, WithGenerator(g)))
	x := g.Randn(64, 100)
	forward := func() { tensor.NoGrad(func() { mlp.Forward(x) }) }
	// On two goroutines whatever the machine, so that no parallel loop
	// participant grows its packing buffers in the measured passes.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for range 5 {
		forward()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 20
	for range runs {
		forward()
	}
	runtime.ReadMemStats(&after)
	// Each hidden activation is 64×256 float32 (64 KiB); without the reuse
	// a pass allocates two of them.
	if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 64<<10 {
		t.Errorf("a NoGrad forward pass allocates %d bytes, want under 64 KiB: its hidden activations are not reused", perRun)
	}
}

// TestSequentialRecyclingFrozenPrefix checks that the output of a fused
// layer that recorded nothing (its parameters are frozen) is not reused
// while the next layer's node, which records because its own weight
// requires grad, still holds it for the weight gradient.
func TestSequentialRecyclingFrozenPrefix(t *testing.T) {
	params, run := layerwiseAndSequential(11, func(g *rng.Generator) []Module {
		layers := mlp128(g)
		for _, p := range Parameters(layers[0]) {
			p.SetRequiresGrad(false)
		}
		return layers
	})
	for i := range params {
		params[i] = slices.DeleteFunc(params[i], func(p *tensor.Tensor) bool { return !p.RequiresGrad() })
	}
	g := rng.NewGenerator()
	g.ManualSeed(12)
	for step := range 3 {
		x := g.Randn(64, 100)
		for i := range 2 {
			for _, p := range params[i] {
				p.Grad = nil
			}
			run[i](x).Square().Sum().Backward()
		}
		for k := range params[0] {
			want, got := params[0][k].Grad.Float32s(), params[1][k].Grad.Float32s()
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("step %d: gradient of parameter %d element %d = %v, want %v", step, k, j, got[j], want[j])
				}
			}
		}
	}
}

// layerwiseAndSequential builds two copies of the layers build makes from
// a generator seeded with seed, and returns their parameters and how to
// run each: the first calls each layer's Forward in turn, the second runs
// them as a Sequential (fused, with its memory reuse).
func layerwiseAndSequential(seed uint64, build func(g *rng.Generator) []Module) (params [2][]*tensor.Tensor, run [2]func(x *tensor.Tensor) *tensor.Tensor) {
	for i := range 2 {
		g := rng.NewGenerator()
		g.ManualSeed(seed)
		layers := build(g)
		seq := NewSequential(layers...)
		params[i] = Parameters(seq)
		run[i] = seq.Forward
		if i == 0 {
			run[i] = func(x *tensor.Tensor) *tensor.Tensor {
				for _, l := range layers {
					x = l.Forward(x)
				}
				return x
			}
		}
	}
	return params, run
}

// mlp128 is a 100-128-128-128-10 ReLU MLP whose hidden outputs at batch 64
// (8,192 elements) are large enough for the gradient pool.
func mlp128(g *rng.Generator) []Module {
	return []Module{
		NewLinear(100, 128, WithGenerator(g)), NewReLU(),
		NewLinear(128, 128, WithGenerator(g)), NewReLU(),
		NewLinear(128, 128, WithGenerator(g)), NewReLU(),
		NewLinear(128, 10, WithGenerator(g)),
	}
}
