// Cnn-fashion trains a small convolutional network on Fashion-MNIST (28×28
// grey images of clothes in 10 classes) when the data set is installed, as
// Debian's dataset-fashion-mnist package installs it:
//
//	apt-get install dataset-fashion-mnist
//	go run ./examples/cnn-fashion [-train 6400] [-epochs 1] [-dir /usr/share/datasets/fashion-mnist]
//
// Without the data set it says so and exits with status 0. The default
// settings (6400 training images, one epoch) take a few seconds on two cores
// and reach about 80% test accuracy; -train 60000 -epochs 3 goes near 88%.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"time"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// errNoData is returned when the data set is not installed.
var errNoData = errors.New("Fashion-MNIST is not installed")

func main() {
	dir := flag.String("dir", "/usr/share/datasets/fashion-mnist", "directory of the four IDX files")
	n := flag.Int("train", 6400, "training images used (at most 60000)")
	epochs := flag.Int("epochs", 1, "epochs to train")
	flag.Parse()
	_, err := run(os.Stdout, *dir, *n, 2000, *epochs)
	if errors.Is(err, errNoData) {
		fmt.Printf("%v in %s: skipping (apt-get install dataset-fashion-mnist)\n", err, *dir)
		return
	}
	if err != nil {
		log.Fatal(err)
	}
}

// Net is LeNet-like: two 3×3 convolutions with ReLU and 2×2 max pooling,
// then a linear classifier. Fields become state-dict names ("conv1.weight").
type Net struct {
	Conv1, Conv2 *nn.Conv2d
	Pool         *nn.MaxPool2d
	FC           *nn.Linear
}

func NewNet() *Net {
	return &Net{
		Conv1: nn.NewConv2d(1, 8, 3, nn.Padding(1)),
		Conv2: nn.NewConv2d(8, 16, 3, nn.Padding(1)),
		Pool:  nn.NewMaxPool2d(2),
		FC:    nn.NewLinear(16*7*7, 10),
	}
}

// Forward maps (N, 1, 28, 28) images to (N, 10) logits.
func (m *Net) Forward(x *tensor.Tensor) *tensor.Tensor {
	x = m.Pool.Forward(m.Conv1.ForwardReLU(x)) // (N, 8, 14, 14)
	x = m.Pool.Forward(m.Conv2.ForwardReLU(x)) // (N, 16, 7, 7)
	return m.FC.Forward(x.Reshape(x.Shape()[0], 16*7*7))
}

func run(w io.Writer, dir string, nTrain, nTest, epochs int) (float64, error) {
	start := time.Now()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return 0, errNoData
	}
	trainAll, testAll, err := data.MNISTLike(dir)
	if err != nil {
		return 0, err
	}
	nTrain, nTest = min(nTrain, trainAll.Len()), min(nTest, testAll.Len())
	trainSet := data.NewSubset(trainAll, first(nTrain))
	testSet := data.NewSubset(testAll, first(nTest))

	rng.ManualSeed(0)
	model := NewNet()
	fmt.Fprintln(w, nn.Repr(model))
	g := rng.NewGenerator()
	g.ManualSeed(1)
	tr := &train.Trainer{
		Model:     model,
		Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.05), optim.Momentum(0.9)),
		Loader:    data.NewLoader(trainSet, 64, data.Shuffle, data.WithGenerator(g)),
		RNG:       map[string]*rng.Generator{"loader": g},
	}
	defer tr.Close()
	var acc float64
	for epoch := 1; epoch <= epochs; epoch++ {
		if err := tr.Run(epoch * tr.Loader.Len()); err != nil {
			return 0, err
		}
		acc = train.Accuracy(model, testSet, 500)
		fmt.Fprintf(w, "epoch %d: %d images, test accuracy %.1f%% on %d images (%v)\n",
			epoch, nTrain, 100*acc, nTest, time.Since(start).Round(time.Millisecond))
	}
	return acc, nil
}

func first(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
