// Mlp-digits trains a two-layer perceptron on the handwritten digits embedded
// in package data (8×8 images, 1438 for training, 359 for testing) and prints
// the test accuracy after every epoch. It runs in about a second.
//
//	go run ./examples/mlp-digits [-epochs 10]
//
// Everything is seeded: the result is the same on every run and every machine.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/train"
)

func main() {
	epochs := flag.Int("epochs", 10, "epochs to train")
	flag.Parse()
	if _, err := run(os.Stdout, *epochs); err != nil {
		log.Fatal(err)
	}
}

// run trains for the given number of epochs and returns the final test
// accuracy.
func run(w io.Writer, epochs int) (float64, error) {
	trainSet, testSet := data.DigitsTrainTest() // pixels scaled to [0, 1]

	rng.ManualSeed(0) // torch.manual_seed(0): the layers draw their initial values from it
	model := nn.NewSequential(
		nn.NewLinear(64, 128), nn.NewReLU(),
		nn.NewLinear(128, 10))
	fmt.Fprintln(w, nn.Repr(model))

	g := rng.NewGenerator() // the loader's own generator, as DataLoader(generator=g)
	g.ManualSeed(1)
	tr := &train.Trainer{
		Model:     model,
		Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.1), optim.Momentum(0.9)),
		Loader:    data.NewLoader(trainSet, 32, data.Shuffle, data.WithGenerator(g)),
		RNG:       map[string]*rng.Generator{"loader": g},
	}
	defer tr.Close()
	var acc float64
	for epoch := 1; epoch <= epochs; epoch++ {
		if err := tr.Run(epoch * tr.Loader.Len()); err != nil {
			return 0, err
		}
		acc = train.Accuracy(model, testSet, 256)
		fmt.Fprintf(w, "epoch %2d  test accuracy %.1f%%\n", epoch, 100*acc)
	}
	return acc, nil
}
