package tboard_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tboard"
	"github.com/intercept-ml/intercept/train"
)

var _ train.Logger = (*tboard.Writer)(nil)

// A Trainer logs its loss, learning rate and every layer's weight, bias and
// gradient histograms to TensorBoard; `tensorboard --logdir runs` shows them.
func Example_trainer() {
	dir, _ := os.MkdirTemp("", "tb")
	defer os.RemoveAll(dir)
	w, err := tboard.NewWriter(filepath.Join(dir, "runs", "mlp"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()

	trainSet, _ := data.DigitsTrainTest()
	rng.ManualSeed(0)
	model := nn.NewSequential(nn.NewLinear(64, 32), nn.NewReLU(), nn.NewLinear(32, 10))
	tr := &train.Trainer{
		Model:     model,
		Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.1)),
		Loader:    data.NewLoader(trainSet, 32),
		Log:       w,
		LogEvery:  10,
	}
	defer tr.Close()
	if err := tr.Run(30); err != nil {
		fmt.Println(err)
		return
	}
	w.Text("notes", 30, "Sequential(Linear(64, 32), ReLU(), Linear(32, 10)), SGD lr=0.1")
	w.Flush()

	events, _ := tboard.ReadFile(w.Path())
	count := map[string]int{}
	for _, e := range events {
		for _, v := range e.Values {
			count[v.Tag]++
		}
	}
	fmt.Println(len(events), "events;", count["loss"], "losses;", count["param/0.weight"], "histograms of 0.weight;", count["grad/2.bias"], "of its gradient")
	// Output:
	// 36 events; 3 losses; 4 histograms of 0.weight; 3 of its gradient
}

func TestTrainerEvents(t *testing.T) {
	w, err := tboard.NewWriter(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	trainSet, _ := data.DigitsTrainTest()
	rng.ManualSeed(0)
	model := nn.NewSequential(nn.NewLinear(64, 4), nn.NewReLU(), nn.NewLinear(4, 10))
	tr := &train.Trainer{Model: model, Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.1)), Loader: data.NewLoader(trainSet, 32), Log: w}
	defer tr.Close()
	if err := tr.Run(2); err != nil {
		t.Fatal(err)
	}
	w.Close()
	events, err := tboard.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	// The histogram of 0.bias at step 2 holds the layer's 4 biases.
	for _, e := range events {
		for _, v := range e.Values {
			if e.Step == 2 && v.Tag == "param/0.bias" {
				b := model.At(0).(*nn.Linear).Bias.Float64s()
				if v.Histogram.Num != 4 || v.Histogram.Sum != b[0]+b[1]+b[2]+b[3] {
					t.Errorf("histogram %+v of the biases %v", v.Histogram, b)
				}
				return
			}
		}
	}
	t.Error("no histogram of param/0.bias at step 2")
}
