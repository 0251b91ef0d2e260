package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchGemm32 times C = op(A)·op(B) for an m×k by k×n product.
func benchGemm32(b *testing.B, transA, transB bool, m, n, k int) {
	r := rand.New(rand.NewPCG(1, 1))
	a := randSlice[float32](r, m*k)
	bb := randSlice[float32](r, k*n)
	c := make([]float32, m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Gemm32(transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
}

func BenchmarkGemm32(b *testing.B) {
	for _, s := range []int{64, 128, 256, 512, 1024, 2048} {
		b.Run(fmt.Sprintf("square%d", s), func(b *testing.B) { benchGemm32(b, false, false, s, s, s) })
	}
	// A Linear layer with a 64×784 input and 256 outputs, and its backward
	// products; names give m×k×n.
	b.Run("fwd_64x784x256", func(b *testing.B) { benchGemm32(b, false, false, 64, 256, 784) })
	b.Run("bwdA_ABt_64x256x784", func(b *testing.B) { benchGemm32(b, false, true, 64, 784, 256) })
	b.Run("bwdB_AtB_784x64x256", func(b *testing.B) { benchGemm32(b, true, false, 784, 256, 64) })
	// Matrix-vector shapes (unpacked path).
	b.Run("gemv_1x1024x1024", func(b *testing.B) { benchGemm32(b, false, false, 1, 1024, 1024) })
	b.Run("gemv_1024x1024x1", func(b *testing.B) { benchGemm32(b, false, false, 1024, 1, 1024) })
}

// BenchmarkGemm32MLP runs the products of one training step of the MLP
// 784-256-256-10 (cmd/bench's mlp_b64 and mlp_b256) with their transposes:
// per layer the forward x·Wᵀ, the input gradient g·W and the weight
// gradient gᵀ·x. Names give the batch, layer and m×n×k.
func BenchmarkGemm32MLP(b *testing.B) {
	for _, batch := range []int{64, 256} {
		for l, w := range [][2]int{{784, 256}, {256, 256}, {256, 10}} {
			in, out := w[0], w[1]
			name := func(kind string, m, n, k int) string {
				return fmt.Sprintf("b%d/L%d/%s_%dx%dx%d", batch, l+1, kind, m, n, k)
			}
			b.Run(name("fwd", batch, out, in), func(b *testing.B) { benchGemm32(b, false, true, batch, out, in) })
			if l > 0 {
				b.Run(name("dX", batch, in, out), func(b *testing.B) { benchGemm32(b, false, false, batch, in, out) })
			}
			b.Run(name("dW", out, in, batch), func(b *testing.B) { benchGemm32(b, true, false, out, in, batch) })
		}
	}
}

func BenchmarkGemm64(b *testing.B) {
	const s = 256
	r := rand.New(rand.NewPCG(1, 1))
	a := randSlice[float64](r, s*s)
	bb := randSlice[float64](r, s*s)
	c := make([]float64, s*s)
	b.Run("square256", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			Gemm64(false, false, s, s, s, 1, a, s, bb, s, 0, c, s)
		}
		b.ReportMetric(2*s*s*s*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
	})
}

const vecBenchLen = 1 << 20

func BenchmarkVector32(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x := randSlice[float32](r, vecBenchLen)
	y := randSlice[float32](r, vecBenchLen)
	dst := make([]float32, vecBenchLen)
	b.Run("Add_1M", func(b *testing.B) {
		b.SetBytes(3 * 4 * vecBenchLen)
		b.ReportAllocs()
		for range b.N {
			Add32(dst, x, y)
		}
	})
	b.Run("Mul_1M", func(b *testing.B) {
		b.SetBytes(3 * 4 * vecBenchLen)
		b.ReportAllocs()
		for range b.N {
			Mul32(dst, x, y)
		}
	})
	b.Run("ReLU_1M", func(b *testing.B) {
		b.SetBytes(2 * 4 * vecBenchLen)
		b.ReportAllocs()
		for range b.N {
			ReLU32(dst, x)
		}
	})
	b.Run("Axpy_1M", func(b *testing.B) {
		b.SetBytes(3 * 4 * vecBenchLen)
		b.ReportAllocs()
		for range b.N {
			Axpy32(dst, 0.5, x)
		}
	})
	b.Run("Sum_1M", func(b *testing.B) {
		b.SetBytes(4 * vecBenchLen)
		b.ReportAllocs()
		for range b.N {
			Sum32(x)
		}
	})
	b.Run("Dot_1M", func(b *testing.B) {
		b.SetBytes(2 * 4 * vecBenchLen)
		b.ReportAllocs()
		for range b.N {
			Dot32(x, y)
		}
	})
}

// BenchmarkFMAPeak measures one core's FMA throughput with the active
// implementation's vector width (skipped for purego).
func BenchmarkFMAPeak(b *testing.B) {
	const iters = 1 << 16
	if FMAPeakLoop(1) == 0 {
		b.Skip("no FMA loop for " + Name())
	}
	flops := 0
	for range b.N {
		flops += FMAPeakLoop(iters) * iters
	}
	b.ReportMetric(float64(flops)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
}
