package train_test

import (
	"testing"
	"time"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// mlpStep returns one training step of the MLP 784-256-256-10 (ReLU) on a
// batch of 64 (train.Step: zero_grad, forward, cross-entropy, backward and
// an SGD update with momentum) and the batch size.
func mlpStep() (step func() error, batch int) {
	g := seeded(0)
	model := nn.NewSequential(
		nn.NewLinear(784, 256, nn.WithGenerator(g)), nn.NewReLU(),
		nn.NewLinear(256, 256, nn.WithGenerator(g)), nn.NewReLU(),
		nn.NewLinear(256, 10, nn.WithGenerator(g)))
	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.01), optim.Momentum(0.9))
	batch = 64
	x := g.Rand(batch, 784)
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	y := tensor.FromInt64(labels, batch)
	steps := 0
	return func() error {
		_, err := train.Step(steps, model, opt, train.CrossEntropy, x, y)
		steps++
		return err
	}, batch
}

// BenchmarkTrainStep measures mlpStep. It reports samples/s.
func BenchmarkTrainStep(b *testing.B) {
	step, batch := mlpStep()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	steps := 0
	for b.Loop() {
		if err := step(); err != nil {
			b.Fatal(err)
		}
		steps++
	}
	b.ReportMetric(float64(steps*batch)/time.Since(start).Seconds(), "samples/s")
}
