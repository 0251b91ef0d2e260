package train_test

import (
	"os"
	"testing"
	"time"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/train"
)

// fashionDir is where Debian's dataset-fashion-mnist package installs
// Fashion-MNIST.
const fashionDir = "/usr/share/datasets/fashion-mnist"

// TestFashionMNIST trains an MLP for one epoch on 12 800 Fashion-MNIST
// training images and checks it classifies the first 2000 test images far
// better than chance (10%). It is skipped when the data set is not
// installed (apt-get install dataset-fashion-mnist) and in -short mode.
func TestFashionMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := os.Stat(fashionDir); err != nil {
		t.Skipf("Fashion-MNIST not installed: %v", err)
	}
	start := time.Now()
	trainAll, testAll, err := data.MNISTLike(fashionDir)
	if err != nil {
		t.Fatal(err)
	}
	if trainAll.Len() != 60000 || testAll.Len() != 10000 {
		t.Fatalf("%d training and %d test images, want 60000 and 10000", trainAll.Len(), testAll.Len())
	}
	loaded := time.Since(start)
	flat := func(ds *data.TensorDataset, n int) *data.TensorDataset {
		x, y := data.Tensors(data.NewSubset(ds, firstN(n)))
		return data.NewTensorDataset(x.Reshape(n, 28*28), y)
	}
	trainSet, testSet := flat(trainAll, 12800), flat(testAll, 2000)

	init := seeded(0)
	model := nn.NewSequential(nn.NewLinear(784, 128, nn.WithGenerator(init)), nn.NewReLU(),
		nn.NewLinear(128, 10, nn.WithGenerator(init)))
	g := seeded(1)
	tr := &train.Trainer{
		Model:     model,
		Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.1), optim.Momentum(0.9)),
		Loader:    data.NewLoader(trainSet, 64, data.Shuffle, data.WithGenerator(g)),
		RNG:       map[string]*rng.Generator{"loader": g},
	}
	defer tr.Close()
	if err := tr.Run(tr.Loader.Len()); err != nil {
		t.Fatal(err)
	}
	acc := train.Accuracy(model, testSet, 500)
	t.Logf("Fashion-MNIST: loaded in %v; one epoch on %d images (%d steps), test accuracy %.1f%% on %d images; total %v",
		loaded.Round(time.Millisecond), trainSet.Len(), tr.Steps(), 100*acc, testSet.Len(), time.Since(start).Round(time.Millisecond))
	if tr.Epoch() != 1 {
		t.Errorf("%d epochs completed, want 1", tr.Epoch())
	}
	if acc < 0.7 {
		t.Errorf("test accuracy %.3f, want at least 0.7 (chance is 0.1)", acc)
	}
}

func firstN(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
