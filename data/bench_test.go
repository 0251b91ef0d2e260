package data

import (
	"testing"
	"time"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// benchEpochs runs whole shuffled epochs of batch 64 and reports samples/s.
func benchEpochs(b *testing.B, ds Dataset) {
	g := rng.NewGenerator()
	loader := NewLoader(ds, 64, Shuffle, WithGenerator(g))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	samples := 0
	for b.Loop() {
		for x := range loader.Epoch() {
			samples += x.Size(0)
		}
	}
	b.ReportMetric(float64(samples)/time.Since(start).Seconds(), "samples/s")
}

// BenchmarkLoaderDigits: the embedded digits (1797×64), batch 64, through
// the TensorDataset fast path (rows copied straight into the batch) and
// through the per-example path (one view per example, then Collate).
func BenchmarkLoaderDigits(b *testing.B) {
	ds := Digits()
	b.Run("fast", func(b *testing.B) { benchEpochs(b, ds) })
	b.Run("collate", func(b *testing.B) { benchEpochs(b, plain{ds}) })
}

// BenchmarkLoaderMNISTSized: a 60000×784 float32 TensorDataset with int64
// labels (the size of MNIST), batch 64.
func BenchmarkLoaderMNISTSized(b *testing.B) {
	x := tensor.Empty(tensor.Float32, 60000, 784)
	xs := x.Data32()
	for i := range xs {
		xs[i] = float32(i % 255)
	}
	ds := NewTensorDataset(x, tensor.ZerosOf(tensor.Int64, 60000))
	b.Run("fast", func(b *testing.B) { benchEpochs(b, ds) })
	b.Run("collate", func(b *testing.B) { benchEpochs(b, plain{ds}) })
}
