// Export-pytorch trains a small MLP in Go, saves its state_dict as
// safetensors under PyTorch's key names, and saves a few inputs with the Go
// model's outputs for them, so that PyTorch can load the model and check it
// computes the same outputs (README.md beside this file has the Python side;
// check.py runs it).
//
//	go run ./examples/export-pytorch [-out DIR]
//	python3 examples/export-pytorch/check.py DIR
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

func main() {
	out := flag.String("out", ".", "directory for model.safetensors and probe.safetensors")
	flag.Parse()
	if err := run(os.Stdout, *out); err != nil {
		log.Fatal(err)
	}
}

func run(w io.Writer, dir string) error {
	trainSet, testSet := data.DigitsTrainTest()
	rng.ManualSeed(0)
	// torch.nn.Sequential(Linear(64, 32), ReLU(), Linear(32, 10)) in PyTorch.
	model := nn.NewSequential(nn.NewLinear(64, 32), nn.NewReLU(), nn.NewLinear(32, 10))
	g := rng.NewGenerator()
	g.ManualSeed(1)
	tr := &train.Trainer{
		Model:     model,
		Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.1), optim.Momentum(0.9)),
		Loader:    data.NewLoader(trainSet, 32, data.Shuffle, data.WithGenerator(g)),
		RNG:       map[string]*rng.Generator{"loader": g},
	}
	defer tr.Close()
	if err := tr.Run(3 * tr.Loader.Len()); err != nil {
		return err
	}
	fmt.Fprintf(w, "trained 3 epochs: test accuracy %.1f%%\n", 100*train.Accuracy(model, testSet, 500))

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	modelPath := filepath.Join(dir, "model.safetensors")
	if err := nn.SaveSafetensors(modelPath, model, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	// The first 16 test images and the Go model's logits for them.
	x, _ := data.Tensors(data.NewSubset(testSet, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}))
	nn.Eval(model)
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = model.Forward(x) })
	probePath := filepath.Join(dir, "probe.safetensors")
	if err := safetensors.Save(probePath, []tensor.Named{{Name: "x", Tensor: x}, {Name: "y", Tensor: y}}, nil); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s (%s) and %s (x: 16 test images, y: the Go model's logits)\n",
		modelPath, nn.StateDictOf(model).Keys(), probePath)
	return nil
}
