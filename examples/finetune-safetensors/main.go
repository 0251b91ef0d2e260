// Finetune-safetensors loads a model trained in PyTorch and saved as a
// safetensors state_dict, checks that it predicts exactly as it did in
// PyTorch, and fine-tunes its last layer in Go.
//
//	go run ./examples/finetune-safetensors [-epochs 5]
//
// pretrained.safetensors was made by make_model.py beside this file: an MLP
// Sequential(Linear(64, 32), ReLU(), Linear(32, 10)) trained in PyTorch on the
// digits of classes 0..4 only, so it gets about half of all digits right.
// The Go model is the same Sequential; nn.LoadSafetensors fills it by
// PyTorch's state-dict names ("0.weight", "0.bias", "2.weight", "2.bias").
// The first layer is then frozen (requires_grad=False) and the classifier is
// trained on all ten classes.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/train"
)

func main() {
	epochs := flag.Int("epochs", 5, "epochs of fine-tuning")
	path := flag.String("model", modelPath(), "the pretrained state_dict")
	flag.Parse()
	if _, err := run(os.Stdout, *path, *epochs); err != nil {
		log.Fatal(err)
	}
}

// modelPath finds pretrained.safetensors beside this source file (go run
// builds in a temporary directory), or in the working directory.
func modelPath() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		p := filepath.Join(filepath.Dir(file), "pretrained.safetensors")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "pretrained.safetensors"
}

func run(w io.Writer, path string, epochs int) (float64, error) {
	model := nn.NewSequential(nn.NewLinear(64, 32), nn.NewReLU(), nn.NewLinear(32, 10))
	// strict: every key of the file must match a parameter and the other
	// way round, with the same shapes, as load_state_dict(strict=True).
	if err := nn.LoadSafetensors(model, path, true); err != nil {
		return 0, err
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return 0, err
	}
	want, _ := strconv.ParseFloat(f.Metadata()["accuracy_all"], 64)
	f.Close()

	all := data.DigitsScaled()
	got := train.Accuracy(model, all, 500)
	fmt.Fprintf(w, "loaded %s: accuracy on all 1797 digits %.6f (PyTorch said %.6f)\n", filepath.Base(path), got, want)
	if fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", want) {
		return 0, fmt.Errorf("the loaded model's accuracy %.6f differs from PyTorch's %.6f", got, want)
	}

	// Freeze the features, fine-tune the classifier on all ten classes.
	nn.SetRequiresGrad(model.At(0), false)
	head := model.At(2)
	trainSet, testSet := data.DigitsTrainTest()
	g := rng.NewGenerator()
	g.ManualSeed(0)
	tr := &train.Trainer{
		Model:     model,
		Optimizer: optim.NewSGD(nn.Parameters(head), optim.LR(0.1), optim.Momentum(0.9)),
		Loader:    data.NewLoader(trainSet, 32, data.Shuffle, data.WithGenerator(g)),
		RNG:       map[string]*rng.Generator{"loader": g},
	}
	defer tr.Close()
	var acc float64
	for epoch := 1; epoch <= epochs; epoch++ {
		if err := tr.Run(epoch * tr.Loader.Len()); err != nil {
			return 0, err
		}
		acc = train.Accuracy(model, testSet, 500)
		fmt.Fprintf(w, "fine-tuning epoch %d: test accuracy %.1f%%\n", epoch, 100*acc)
	}
	fmt.Fprintf(w, "trainable parameters: %d of %d\n", nn.NumParameters(model, true), nn.NumParameters(model, false))
	return acc, nil
}
