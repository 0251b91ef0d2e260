// No-bias builds the same MLP twice, once with PyTorch's default biases and
// once with every bias switched off (nn.NoBias, PyTorch's bias=False), and
// trains both on the embedded digits.
//
//	go run ./examples/no-bias [-epochs 5]
//
// A switched-off bias is absent, not zero: the layer's Bias field is nil,
// there is no parameter and no state-dict key, and the forward pass does no
// work for it. Without biases every layer is linear-through-the-origin:
// f(0) = 0 for the whole network. On the digits both models learn about
// equally well; the lab's bias-vs-nobias experiment shows tasks where the
// bias matters (`intercept run bias-vs-nobias`).
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

func main() {
	epochs := flag.Int("epochs", 5, "epochs to train each model")
	flag.Parse()
	if _, err := run(os.Stdout, *epochs); err != nil {
		log.Fatal(err)
	}
}

// newMLP returns Sequential(Linear(64, 64), ReLU(), Linear(64, 10)), with
// the given options for both layers.
func newMLP(opts ...nn.LinearOption) *nn.Sequential {
	return nn.NewSequential(nn.NewLinear(64, 64, opts...), nn.NewReLU(), nn.NewLinear(64, 10, opts...))
}

func run(w io.Writer, epochs int) (map[string]float64, error) {
	trainSet, testSet := data.DigitsTrainTest()
	accs := map[string]float64{}
	for _, c := range []struct {
		name  string
		model *nn.Sequential
	}{
		{"with bias", func() *nn.Sequential { rng.ManualSeed(0); return newMLP() }()},
		{"NoBias", func() *nn.Sequential { rng.ManualSeed(0); return newMLP(nn.NoBias) }()},
	} {
		fmt.Fprintf(w, "%s:\n%s\n", c.name, nn.Repr(c.model))
		fmt.Fprintf(w, "  parameters %d, state-dict keys %s\n", nn.NumParameters(c.model, false), strings.Join(nn.StateDictOf(c.model).Keys(), " "))
		zero := c.model.Forward(tensor.Zeros(1, 64))
		fmt.Fprintf(w, "  f(0) = %.3f\n", zero.Float32s()[:3])
		g := rng.NewGenerator()
		g.ManualSeed(1)
		tr := &train.Trainer{
			Model:     c.model,
			Optimizer: optim.NewSGD(nn.Parameters(c.model), optim.LR(0.1), optim.Momentum(0.9)),
			Loader:    data.NewLoader(trainSet, 32, data.Shuffle, data.WithGenerator(g)),
			RNG:       map[string]*rng.Generator{"loader": g},
		}
		err := tr.Run(epochs * tr.Loader.Len())
		tr.Close()
		if err != nil {
			return nil, err
		}
		accs[c.name] = train.Accuracy(c.model, testSet, 500)
		fmt.Fprintf(w, "  test accuracy after %d epochs: %.1f%%\n\n", epochs, 100*accs[c.name])
	}
	return accs, nil
}
