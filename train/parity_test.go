package train_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/train"
)

// parityRef is testdata/parity.json, written by testdata/gen_parity.py.
type parityRef struct {
	Torch      string    `json:"torch"`
	Steps      int       `json:"steps"`
	Batch      int       `json:"batch"`
	LR         float64   `json:"lr"`
	Momentum   float64   `json:"momentum"`
	ModelSeed  uint64    `json:"model_seed"`
	LoaderSeed uint64    `json:"loader_seed"`
	TrainSize  int       `json:"train_size"`
	Losses     []float64 `json:"losses"`
}

func seeded(seed uint64) *rng.Generator {
	g := rng.NewGenerator()
	g.ManualSeed(seed)
	return g
}

// TestTrainingParity trains the MLP 64-32-10 on the embedded digits for 200
// SGD steps exactly as testdata/gen_parity.py does in PyTorch 1.13 (same
// split, same initialization from seed 0, same shuffled batches from a
// generator seeded 1) and compares the loss of every step.
func TestTrainingParity(t *testing.T) {
	raw, err := os.ReadFile("testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref parityRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Losses) != ref.Steps {
		t.Fatalf("parity.json: %d losses for %d steps", len(ref.Losses), ref.Steps)
	}

	trainSet, _ := data.DigitsTrainTest()
	if trainSet.Len() != ref.TrainSize {
		t.Fatalf("training set has %d examples, PyTorch's %d", trainSet.Len(), ref.TrainSize)
	}
	init := seeded(ref.ModelSeed)
	model := nn.NewSequential(
		nn.NewLinear(64, 32, nn.WithGenerator(init)), nn.NewReLU(),
		nn.NewLinear(32, 10, nn.WithGenerator(init)))
	opt := optim.NewSGD(nn.Parameters(model), optim.LR(ref.LR), optim.Momentum(ref.Momentum))
	lg := seeded(ref.LoaderSeed)
	loader := data.NewLoader(trainSet, ref.Batch, data.Shuffle, data.WithGenerator(lg))

	var losses []float64
	tr := &train.Trainer{
		Model: model, Optimizer: opt, Loader: loader,
		RNG:    map[string]*rng.Generator{"loader": lg},
		OnStep: func(_ int, loss float64) error { losses = append(losses, loss); return nil },
	}
	defer tr.Close()
	if err := tr.Run(ref.Steps); err != nil {
		t.Fatal(err)
	}

	maxRel, at := 0.0, 0
	for i, want := range ref.Losses {
		rel := math.Abs(losses[i]-want) / math.Abs(want)
		if rel > maxRel {
			maxRel, at = rel, i
		}
		if rel > 1e-4 {
			t.Errorf("step %d: loss %.9g, PyTorch %.9g (rel. diff %.3g)", i, losses[i], want, rel)
		}
	}
	t.Logf("%d steps: max relative loss difference to PyTorch %s: %.3g (step %d); loss %.4f -> %.4f",
		ref.Steps, ref.Torch, maxRel, at, losses[0], losses[len(losses)-1])
}
