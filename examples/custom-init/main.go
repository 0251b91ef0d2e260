// Custom-init initializes a network's weights and biases with package nninit
// through nn.Apply, as one writes model.apply(init_fn) in PyTorch, and shows
// what each scheme gives: the weights' standard deviation against the theory
// and the test accuracy after a short training on the embedded digits.
//
//	go run ./examples/custom-init [-epochs 3]
//
// The PyTorch equivalent of the He (Kaiming) scheme below is
//
//	def init_fn(m):
//	    if isinstance(m, nn.Linear):
//	        nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
//	        nn.init.constant_(m.bias, 0.01)
//	model.apply(init_fn)
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/train"
)

// schemes are the initializations compared; nil keeps PyTorch's default
// (Kaiming uniform with a=√5 for the weight, U(±1/√fan_in) for the bias).
var schemes = []struct {
	name string
	init func(m any)
}{
	{"PyTorch default", nil},
	{"He uniform, bias 0.01", func(m any) {
		if l, ok := m.(*nn.Linear); ok {
			nninit.KaimingUniform(l.Weight, nninit.ReLU)
			nninit.Constant(l.Bias, 0.01)
		}
	}},
	{"Xavier normal, bias 0", func(m any) {
		if l, ok := m.(*nn.Linear); ok {
			nninit.XavierNormal(l.Weight)
			nninit.Zeros(l.Bias)
		}
	}},
	{"N(0, 1): too large", func(m any) {
		if l, ok := m.(*nn.Linear); ok {
			nninit.Normal(l.Weight, 0, 1)
			nninit.Zeros(l.Bias)
		}
	}},
}

func main() {
	epochs := flag.Int("epochs", 3, "epochs to train each model")
	flag.Parse()
	if _, err := run(os.Stdout, *epochs); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer, epochs int) (map[string]float64, error) {
	trainSet, testSet := data.DigitsTrainTest()
	accs := map[string]float64{}
	for _, s := range schemes {
		rng.ManualSeed(0)
		model := nn.NewSequential(
			nn.NewLinear(64, 256), nn.NewReLU(),
			nn.NewLinear(256, 256), nn.NewReLU(),
			nn.NewLinear(256, 10))
		if s.init != nil {
			nn.Apply(model, s.init) // every sub-module, children first
		}
		fmt.Fprintf(w, "%s\n", s.name)
		for _, p := range nn.StateDictOf(model) {
			if p.Tensor.Dim() != 2 {
				continue
			}
			fanIn, _ := nninit.FanInOut(p.Tensor)
			fmt.Fprintf(w, "  %-9s std %.4f   (He: √(2/fan_in) = %.4f)\n", p.Name, p.Tensor.Std().Item(), math.Sqrt(2/float64(fanIn)))
		}
		g := rng.NewGenerator()
		g.ManualSeed(1)
		tr := &train.Trainer{
			Model:     model,
			Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.05), optim.Momentum(0.9)),
			Loader:    data.NewLoader(trainSet, 32, data.Shuffle, data.WithGenerator(g)),
			RNG:       map[string]*rng.Generator{"loader": g},
		}
		err := tr.Run(epochs * tr.Loader.Len())
		tr.Close()
		if err != nil {
			// A bad initialization can make the loss overflow: train.Step
			// reports it instead of training on NaN.
			fmt.Fprintf(w, "  training stopped: %v\n", err)
		}
		accs[s.name] = train.Accuracy(model, testSet, 500)
		fmt.Fprintf(w, "  test accuracy after %d epochs: %.1f%%\n\n", epochs, 100*accs[s.name])
	}
	return accs, nil
}
