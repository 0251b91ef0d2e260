package functional

import (
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestConvKeptColumns checks that the weight gradient from the column
// matrices kept by the forward pass equals the one from rebuilt matrices:
// a second backward pass through a retained graph rebuilds them and must
// add exactly the same gradient again.
func TestConvKeptColumns(t *testing.T) {
	g := rng.NewGenerator()
	x := tensor.Zeros(5, 3, 9, 9)
	g.Normal(x, 0, 1)
	w := randParam(g, 4, 3, 3, 3)
	y := Conv2d(x, w, nil, Padding(1))
	r := tensor.OnesLike(y)
	y.BackwardWith(tensor.BackwardOptions{Grad: r, RetainGraph: true})
	g1 := w.Grad.Clone()
	y.BackwardWith(tensor.BackwardOptions{Grad: r})
	if !tensor.Equal(w.Grad, g1.Add(g1)) {
		t.Fatal("weight gradient from rebuilt column matrices differs from the kept ones")
	}
}
