package nn_test

import (
	"fmt"

	"testing"

	"github.com/intercept-ml/intercept/nn"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// BenchmarkTransformerEncoderLayerTrainStep is cmd/bench's
// transformer_enc_b32_s64 step: TransformerEncoderLayer(128, 4,
// dim_feedforward 512, dropout 0.1, batch_first) on a (32, 64, 128) batch,
// MSE loss and SGD.
func BenchmarkTransformerEncoderLayerTrainStep(b *testing.B) {
	const batch, seq, d = 32, 64, 128
	g := rng.NewGenerator()
	g.ManualSeed(0)
	layer := nn.NewTransformerEncoderLayer(d, 4, nn.DimFeedforward(512), nn.BatchFirst, nn.WithGenerator(g))
	opt := optim.NewSGD(nn.Parameters(layer), optim.LR(0.01))
	x, y := g.Randn(batch, seq, d), g.Randn(batch, seq, d)
	b.ReportAllocs()
	for b.Loop() {
		opt.ZeroGrad()
		loss := F.MSELoss(layer.Forward(x), y)
		loss.Backward()
		opt.Step()
	}
}

// BenchmarkMLPInfer is cmd/bench's infer_b1 and infer_b8: the MLP
// 784-256-256-10 (Linear, ReLU, Linear, ReLU, Linear) forward under NoGrad
// on a batch of 1 or 8.
func BenchmarkMLPInfer(b *testing.B) {
	for _, batch := range []int{1, 8} {
		b.Run(fmt.Sprintf("b%d", batch), func(b *testing.B) {
			g := rng.NewGenerator()
			g.ManualSeed(0)
			model := nn.NewSequential(nn.NewLinear(784, 256, nn.WithGenerator(g)), nn.NewReLU(),
				nn.NewLinear(256, 256, nn.WithGenerator(g)), nn.NewReLU(), nn.NewLinear(256, 10, nn.WithGenerator(g)))
			x := g.Randn(batch, 784)
			b.ReportAllocs()
			for b.Loop() {
				tensor.NoGrad(func() { model.Forward(x) })
			}
		})
	}
}
