package optim_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
)

// ReduceLROnPlateau halves the learning rate once the validation loss has
// not improved for more than two epochs.
func ExampleNewReduceLROnPlateau() {
	w := tensor.NewParameter(tensor.Zeros(3))
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.LR(0.1))
	sched := optim.NewReduceLROnPlateau(opt, optim.Factor(0.5), optim.Patience(2))
	for _, loss := range []float64{1.0, 0.8, 0.81, 0.82, 0.8, 0.79, 0.79, 0.79, 0.79} {
		sched.Step(loss)
		fmt.Print(opt.ParamGroups()[0].LR, " ")
	}
	fmt.Println()
	// Output:
	// 0.1 0.1 0.1 0.1 0.05 0.05 0.05 0.05 0.025
}

// LambdaLR scales the initial learning rate by a function of the epoch,
// here a linear warm-up over five epochs.
func ExampleNewLambdaLR() {
	w := tensor.NewParameter(tensor.Zeros(3))
	opt := optim.NewSGD([]*tensor.Tensor{w}, optim.LR(0.1))
	sched := optim.NewLambdaLR(opt, func(e int) float64 { return min(1, float64(e+1)/5) })
	for range 6 {
		fmt.Printf("%.2f ", sched.LastLR()[0])
		sched.Step()
	}
	fmt.Println()
	// Output:
	// 0.02 0.04 0.06 0.08 0.10 0.10
}
