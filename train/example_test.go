package train_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/train"
)

// An MLP learns the embedded handwritten digits (8×8 images, 1438 for
// training, 359 for testing) in a fraction of a second. Everything is
// seeded, so the result is the same on every run.
func Example() {
	trainSet, testSet := data.DigitsTrainTest()

	rng.ManualSeed(0) // the layers' initialization draws from the default generator
	model := nn.NewSequential(
		nn.NewLinear(64, 128), nn.NewReLU(),
		nn.NewLinear(128, 10))
	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.1), optim.Momentum(0.9))
	g := rng.NewGenerator()
	g.ManualSeed(1)
	tr := &train.Trainer{
		Model:     model,
		Optimizer: opt,
		Loader:    data.NewLoader(trainSet, 32, data.Shuffle, data.WithGenerator(g)),
		RNG:       map[string]*rng.Generator{"loader": g},
	}
	defer tr.Close()
	if err := tr.Run(20 * tr.Loader.Len()); err != nil { // 20 epochs of 45 batches
		fmt.Println(err)
		return
	}
	fmt.Printf("epochs: %d, test accuracy: %.1f%%\n", tr.Epoch(), 100*train.Accuracy(model, testSet, 256))
	// Output:
	// epochs: 20, test accuracy: 98.6%
}

// A run saved in the middle of an epoch resumes exactly where it stopped.
func ExampleTrainer_Load() {
	dir, _ := os.MkdirTemp("", "ckpt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.safetensors")

	newTrainer := func() *train.Trainer {
		trainSet, _ := data.DigitsTrainTest()
		rng.ManualSeed(0)
		model := nn.NewSequential(nn.NewLinear(64, 32), nn.NewReLU(), nn.NewDropout(0.1), nn.NewLinear(32, 10))
		g := rng.NewGenerator()
		return &train.Trainer{
			Model:     model,
			Optimizer: optim.NewAdam(nn.Parameters(model)),
			Loader:    data.NewLoader(trainSet, 64, data.Shuffle, data.WithGenerator(g)),
			RNG:       map[string]*rng.Generator{"loader": g},
		}
	}

	a := newTrainer()
	_ = a.Run(30) // interrupted after 30 steps (in the second epoch)
	if err := a.Save(path, map[string]string{"note": "first half"}); err != nil {
		fmt.Println(err)
	}
	a.Close()

	b := newTrainer()
	extra, err := b.Load(path)
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(extra["note"], "- resumed at step", b.Steps(), "epoch", b.Epoch(), "batch", b.Batch())
	_ = b.Run(60)
	b.Close()
	// Output:
	// first half - resumed at step 30 epoch 1 batch 7
}
