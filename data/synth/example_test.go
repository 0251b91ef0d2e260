package synth_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/data/synth"
	"github.com/intercept-ml/intercept/rng"
)

// The same data as the documented PyTorch expression with
// torch.Generator().manual_seed(1).
func ExampleRain() {
	g := rng.NewGenerator()
	g.ManualSeed(1)
	ds := synth.Rain(5, g)
	fmt.Println(ds.X())
	fmt.Println(ds.Y())
	// Output:
	// tensor([[ 0.7576, -0.4414],
	//         [ 0.4031,  0.4694],
	//         [ 0.0293,  0.5997],
	//         [ 0.3971,  0.5087],
	//         [ 0.5695, -0.1224]])
	// tensor([1, 0, 0, 0, 1])
}

// Regression targets shifted away from zero by the offset.
func ExampleLinear() {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	ds, w := synth.Linear(1000, 2, 3, 0.1, g)
	fmt.Printf("weights %.3f, mean target %.2f\n", w, ds.Y().Mean().Item())
	// Output: weights [-0.007 0.536], mean target 2.99
}
