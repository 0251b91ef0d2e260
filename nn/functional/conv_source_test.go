package functional

import (
	"fmt"
	"testing"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestConvFusedColumnsBits checks that convolutions whose column matrices
// the GEMM packs straight from the input (colSource) give exactly the bits
// of building them with im2col, for the output and all three gradients, in
// float32 and float64, in every kernel implementation, with one sample or
// several per chunk and with the forward pass's column cache off and on.
func TestConvFusedColumnsBits(t *testing.T) {
	type tc struct {
		n, cin, cout, h, w, k, groups int
		opts                          []ConvOption
	}
	cases := []tc{
		{2, 5, 7, 9, 11, 3, 1, []ConvOption{Padding(1)}},
		{3, 4, 6, 8, 8, 5, 1, []ConvOption{Padding(2)}},
		{2, 3, 4, 7, 6, 4, 1, []ConvOption{PaddingSame}},
		{2, 4, 6, 6, 9, 3, 2, []ConvOption{Padding(1), Groups(2)}},
		{2, 8, 16, 12, 12, 3, 1, nil},
		{1, 16, 20, 18, 18, 3, 1, []ConvOption{Padding(1)}},
	}
	savedBudget, savedCache, savedImpl, savedForward := colBudget, colCacheMax, kernel.Name(), fuseForward
	savedFuse := fuseColumns
	fuseForward = true
	defer func() {
		colBudget, colCacheMax, fuseColumns, fuseForward = savedBudget, savedCache, savedFuse, savedForward
		_ = kernel.Use(savedImpl)
	}()
	run := func(c tc, dt tensor.DType, fuse bool) []*tensor.Tensor {
		fuseColumns = fuse
		g := rng.NewGenerator()
		g.ManualSeed(7)
		x := tensor.Zeros(c.n, c.cin, c.h, c.w).To(dt)
		g.Normal(x, 0, 1)
		x.SetRequiresGrad(true)
		w := tensor.Zeros(c.cout, c.cin/c.groups, c.k, c.k).To(dt)
		g.Normal(w, 0, 0.3)
		w.SetRequiresGrad(true)
		b := tensor.Zeros(c.cout).To(dt)
		g.Normal(b, 0, 0.3)
		b.SetRequiresGrad(true)
		y := Conv2d(x, w, b, c.opts...)
		r := tensor.Zeros(y.Shape()...).To(dt)
		g.Normal(r, 0, 1)
		y.BackwardWith(tensor.BackwardOptions{Grad: r})
		return []*tensor.Tensor{y.Detach(), x.Grad, w.Grad, b.Grad}
	}
	for _, name := range kernel.Available() {
		if err := kernel.Use(name); err != nil {
			t.Fatal(err)
		}
		for _, budget := range []int{1 << 16, 1} {
			for _, cacheMax := range []int{0, 1 << 21} {
				colBudget, colCacheMax = budget, cacheMax
				for i, c := range cases {
					for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
						label := fmt.Sprintf("%s budget=%d cache=%d case %d %v", name, budget, cacheMax, i, dt)
						want, got := run(c, dt, false), run(c, dt, true)
						for j, what := range []string{"output", "input grad", "weight grad", "bias grad"} {
							if !tensor.Equal(got[j], want[j]) {
								t.Errorf("%s: %s differs from im2col's", label, what)
							}
						}
					}
				}
			}
		}
	}
}
