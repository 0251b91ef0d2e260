package nn_test

import (
	"testing"

	"github.com/intercept-ml/intercept/nn"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
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
