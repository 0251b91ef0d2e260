package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemvPackedMatchesGemm checks, with every implementation, that
// GemvPacked32 over PackGemv32's copy gives exactly the bits of the
// Linear layer's unpacked path (the bias copied into y, Gemm32 with beta 1,
// or beta 0 without bias, then ReLUForward32): one to nine rows (the
// four-row kernels and single rows after them), output counts around the
// panel groups of every kernel (1, 2, 4 and 8 panels, a partial panel),
// depths around the unrolled loop and spanning several depth blocks, with
// and without bias and ReLU, signed zeros among the weights, and a row of
// large weights whose sums overflow to ±Inf.
func TestGemvPackedMatchesGemm(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(19, 3))
		ns := []int{1, 10, 15, 16, 17, 31, 32, 48, 64, 100, 129, 256, 300}
		ks := []int{0, 1, 3, 4, 5, 15, 16, 17, 112, 113, 128, 129, 257, 784}
		ms := []int{1, 2, 4, 5, 9}
		if testing.Short() {
			ns = []int{10, 17, 129, 256}
			ks = []int{0, 5, 129, 784}
			ms = []int{1, 5}
		}
		for _, n := range ns {
			for _, k := range ks {
				w := randSlice[float32](r, n*k)
				for i := 0; i < len(w); i += 7 {
					w[i] = float32(math.Copysign(0, float64(i%2)-0.5))
				}
				if n > 3 && k > 0 {
					for p := range k {
						w[2*k+p] = 3e37
					}
				}
				wp := make([]float32, GemvPackedLen32(n, k))
				PackGemv32(wp, w, n, k)
				for _, m := range ms {
					x := randSlice[float32](r, m*k)
					for _, withBias := range []bool{false, true} {
						var bias []float32
						if withBias {
							bias = randSlice[float32](r, n)
						}
						for _, relu := range []bool{false, true} {
							want := randSlice[float32](r, m*n)
							beta := float32(0)
							if bias != nil {
								for i := range m {
									copy(want[i*n:], bias)
								}
								beta = 1
							}
							Gemm32(false, true, m, n, k, 1, x, k, w, k, beta, want, n)
							if relu {
								ReLUForward32(want, want)
							}
							got := randSlice[float32](r, m*n+1)
							sentinel := got[m*n]
							GemvPacked32(got, x, wp, bias, m, n, k, relu)
							for o := range m * n {
								if !sameBits(got[o], want[o]) {
									t.Fatalf("%s m=%d n=%d k=%d bias=%v relu=%v: output %d is %v, want %v", impl.name, m, n, k, withBias, relu, o, got[o], want[o])
								}
							}
							if !sameBits(got[m*n], sentinel) {
								t.Fatalf("%s m=%d n=%d k=%d: wrote past y[m*n-1]", impl.name, m, n, k)
							}
						}
					}
				}
			}
		}
	})
}

// TestPackGemv32Layout checks the packed layout on a small matrix: row
// 16g+q, column p at (g*k+p)*16+q, zero rows past n.
func TestPackGemv32Layout(t *testing.T) {
	n, k := 18, 37
	w := make([]float32, n*k)
	for i := range w {
		w[i] = float32(i + 1)
	}
	dst := make([]float32, GemvPackedLen32(n, k))
	for i := range dst {
		dst[i] = -1
	}
	PackGemv32(dst, w, n, k)
	if len(dst) != 32*k {
		t.Fatalf("GemvPackedLen32(%d, %d) = %d, want %d", n, k, len(dst), 32*k)
	}
	for g := range 2 {
		for p := range k {
			for q := range 16 {
				want := float32(0)
				if o := 16*g + q; o < n {
					want = w[o*k+p]
				}
				if got := dst[(g*k+p)*16+q]; got != want {
					t.Fatalf("packed[g=%d p=%d q=%d] = %v, want %v", g, p, q, got, want)
				}
			}
		}
	}
}

// BenchmarkGemvPacked32 measures GemvPacked32 on the shapes of the MLP
// 784-256-256-10 at batch 1 (bias and ReLU), with each implementation.
func BenchmarkGemvPacked32(b *testing.B) {
	for _, sh := range [][2]int{{784, 256}, {256, 256}, {256, 10}} {
		k, n := sh[0], sh[1]
		r := rand.New(rand.NewPCG(1, 1))
		x := randSlice[float32](r, k)
		w := randSlice[float32](r, n*k)
		bias := randSlice[float32](r, n)
		wp := make([]float32, GemvPackedLen32(n, k))
		PackGemv32(wp, w, n, k)
		y := make([]float32, n)
		for _, im := range implementations() {
			b.Run(fmt.Sprintf("%s/k=%d/n=%d", im.name, k, n), func(b *testing.B) {
				saved := impl
				defer func() { impl = saved }()
				impl = im
				for b.Loop() {
					GemvPacked32(y, x, wp, bias, 1, n, k, true)
				}
			})
		}
	}
}

// BenchmarkPackGemv32 measures packing the 256×784 weight of the MLP's
// first layer.
func BenchmarkPackGemv32(b *testing.B) {
	n, k := 256, 784
	r := rand.New(rand.NewPCG(1, 1))
	w := randSlice[float32](r, n*k)
	dst := make([]float32, GemvPackedLen32(n, k))
	for b.Loop() {
		PackGemv32(dst, w, n, k)
	}
}
