package functional

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestGradRNNLayer checks RNNLayer's backward pass (BPTT through the fused
// node) against central differences in float64 for every mode, both
// directions, with and without biases, initial states and (LSTM) a
// projection; the loss reads the outputs, hn and cn.
func TestGradRNNLayer(t *testing.T) {
	const L, N, in, H = 4, 3, 3, 4
	for _, mode := range []RNNMode{ModeRNNTanh, ModeRNNReLU, ModeLSTM, ModeGRU} {
		for _, reverse := range []bool{false, true} {
			for _, variant := range []string{"bias+state", "nobias", "proj"} {
				if variant == "proj" && mode != ModeLSTM {
					continue
				}
				name := fmt.Sprintf("%v reverse=%v %s", mode, reverse, variant)
				G := mode.Gates()
				hr := H
				w := RNNWeights{WeightIH: seq(1, G*H, in), WeightHH: seq(2, G*H, H)}
				if variant != "nobias" {
					w.BiasIH, w.BiasHH = seq(3, G*H), seq(4, G*H)
				}
				if variant == "proj" {
					hr = 2
					w.WeightHR = seq(5, hr, H)
					w.WeightHH = seq(2, G*H, hr)
				}
				scale(w.WeightIH, 0.4)
				scale(w.WeightHH, 0.4)
				x := seq(6, L, N, in)
				var h0, c0 *tensor.Tensor
				inputs := []*tensor.Tensor{x, w.WeightIH, w.WeightHH}
				if variant != "nobias" {
					h0 = seq(7, N, hr)
					inputs = append(inputs, w.BiasIH, w.BiasHH, h0)
					if mode == ModeLSTM {
						c0 = seq(8, N, H)
						inputs = append(inputs, c0)
					}
				}
				if w.WeightHR != nil {
					inputs = append(inputs, w.WeightHR)
				}
				gradCheck(t, name, func() *tensor.Tensor {
					out, hn, cn := RNNLayer(mode, x, h0, c0, w, reverse)
					parts := []*tensor.Tensor{out.Reshape(-1), hn.Reshape(-1)}
					if cn != nil {
						parts = append(parts, cn.Reshape(-1))
					}
					return tensor.Cat(parts, 0)
				}, inputs...)
			}
		}
	}
}

// scale multiplies a leaf's values in place.
func scale(t *tensor.Tensor, s float64) {
	for i := range t.Data64() {
		t.Data64()[i] *= s
	}
}

// TestGradCells checks the cells against central differences in float64.
func TestGradCells(t *testing.T) {
	const N, in, H = 2, 3, 4
	x, h, c := seq(1, N, in), seq(2, N, H), seq(3, N, H)
	for _, mode := range []RNNMode{ModeRNNTanh, ModeGRU, ModeLSTM} {
		G := mode.Gates()
		wih, whh, bih, bhh := seq(4, G*H, in), seq(5, G*H, H), seq(6, G*H), seq(7, G*H)
		scale(wih, 0.5)
		scale(whh, 0.5)
		f := func() *tensor.Tensor {
			switch mode {
			case ModeRNNTanh:
				return RNNTanhCell(x, h, wih, whh, bih, bhh)
			case ModeGRU:
				return GRUCell(x, h, wih, whh, bih, bhh)
			}
			h1, c1 := LSTMCell(x, h, c, wih, whh, bih, bhh)
			return tensor.Cat([]*tensor.Tensor{h1, c1}, 1)
		}
		inputs := []*tensor.Tensor{x, h, wih, whh, bih, bhh}
		if mode == ModeLSTM {
			inputs = append(inputs, c)
		}
		gradCheck(t, mode.String()+" cell", f, inputs...)
	}
}

// TestRNNLayerGradFn checks the node's name and that no gradient is
// recorded without inputs that require grad.
func TestRNNLayerGradFn(t *testing.T) {
	w := RNNWeights{WeightIH: seq(1, 12, 3).Detach(), WeightHH: seq(2, 12, 4).Detach()}
	out, _, _ := RNNLayer(ModeGRU, seq(3, 2, 1, 3).Detach(), nil, nil, w, false)
	if out.RequiresGrad() {
		t.Error("output requires grad without any input that does")
	}
	w.WeightIH.SetRequiresGrad(true)
	_, hn, _ := RNNLayer(ModeGRU, seq(3, 2, 1, 3).Detach(), nil, nil, w, false)
	if !hn.RequiresGrad() {
		t.Error("hn does not require grad")
	}
}

// benchRNNLayer measures one layer's forward and backward pass in float32
// on the cmd/bench shape: input 64, hidden 128, sequence 50, batch 32.
func benchRNNLayer(b *testing.B, mode RNNMode) {
	g := rng.NewGenerator()
	G := mode.Gates()
	w := RNNWeights{WeightIH: randParam(g, G*128, 64), WeightHH: randParam(g, G*128, 128),
		BiasIH: randParam(g, G*128), BiasHH: randParam(g, G*128)}
	x := tensor.Zeros(50, 32, 64)
	g.Normal(x, 0, 1)
	r := tensor.Ones(50, 32, 128)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		out, _, _ := RNNLayer(mode, x, nil, nil, w, false)
		out.BackwardWith(tensor.BackwardOptions{Grad: r})
	}
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		out, _, _ := RNNLayer(mode, x, nil, nil, w, false)
		out.BackwardWith(tensor.BackwardOptions{Grad: r})
	}))/50, "allocs/timestep")
}

func BenchmarkLSTMLayer(b *testing.B) { benchRNNLayer(b, ModeLSTM) }
func BenchmarkGRULayer(b *testing.B)  { benchRNNLayer(b, ModeGRU) }

// grid returns a leaf of type dt that requires grad, with values in
// [-1, 1] computed by integer arithmetic only (no math functions, whose
// bits may depend on GOAMD64).
func grid(dt tensor.DType, seed int, shape ...int) *tensor.Tensor {
	v := make([]float64, numel(shape))
	for i := range v {
		v[i] = float64((i*7919+seed*104729)%2001-1000) / 1000
	}
	t := tensor.FromFloat64(v, shape...)
	if dt == tensor.Float32 {
		t = tensor.FromFloat32(t.Float32s(), shape...)
	}
	return t.SetRequiresGrad(true)
}

// rnnChecksum runs every mode of RNNLayer forward and backward in type dt
// (both directions, a projected LSTM) and hashes the bits of the outputs,
// final states and gradients.
func rnnChecksum(dt tensor.DType) string {
	h := sha256.New()
	put := func(t *tensor.Tensor) {
		if t == nil {
			return
		}
		if t.DType() == tensor.Float32 {
			for _, v := range t.Float32s() {
				binary.Write(h, binary.LittleEndian, math.Float32bits(v))
			}
			return
		}
		for _, v := range t.Float64s() {
			binary.Write(h, binary.LittleEndian, math.Float64bits(v))
		}
	}
	{
		for _, mode := range []RNNMode{ModeRNNTanh, ModeRNNReLU, ModeLSTM, ModeGRU} {
			for _, reverse := range []bool{false, true} {
				G, H, hr := mode.Gates(), 5, 5
				conv := func(t *tensor.Tensor) *tensor.Tensor { return t }
				seq := func(seed int, shape ...int) *tensor.Tensor { return grid(dt, seed, shape...) }
				w := RNNWeights{WeightIH: conv(seq(1, G*H, 3)), BiasIH: conv(seq(3, G*H)), BiasHH: conv(seq(4, G*H))}
				if mode == ModeLSTM && reverse {
					hr = 2
					w.WeightHR = conv(seq(5, hr, H))
				}
				w.WeightHH = conv(seq(2, G*H, hr))
				x, h0 := conv(seq(6, 7, 4, 3)), conv(seq(7, 4, hr))
				var c0 *tensor.Tensor
				if mode == ModeLSTM {
					c0 = conv(seq(8, 4, H))
				}
				out, hn, cn := RNNLayer(mode, x, h0, c0, w, reverse)
				loss := out.Mul(conv(seq(9, out.Shape()...)).Detach()).Sum().Add(hn.Sum())
				if cn != nil {
					loss = loss.Add(cn.Sum())
				}
				loss.Backward()
				for _, t := range []*tensor.Tensor{out, hn, cn, x.Grad, h0.Grad, w.WeightIH.Grad, w.WeightHH.Grad, w.BiasIH.Grad, w.BiasHH.Grad} {
					put(t)
				}
				if c0 != nil {
					put(c0.Grad)
				}
				if w.WeightHR != nil {
					put(w.WeightHR.Grad)
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestRNNLayerReproducible checks that RNNLayer's results do not depend on
// GOMAXPROCS, and pins the bits of its float32 results, the same for every
// kernel implementation ("one arithmetic", see internal/kernel), which hold
// under GOAMD64=v1 and v3 alike (the elementwise code never fuses a
// multiply-add, and the float32 activations are kernel.Tanh32/Sigmoid32;
// float64 uses math.Exp and math.Tanh, whose bits may depend on GOAMD64).
func TestRNNLayerReproducible(t *testing.T) {
	want := map[string]string{
		"avx512": "3806dec2ca305fa0b42322c899eac954554512b3f657907eece190a0f8d047b1",
		"avx2":   "3806dec2ca305fa0b42322c899eac954554512b3f657907eece190a0f8d047b1",
		"purego": "3806dec2ca305fa0b42322c899eac954554512b3f657907eece190a0f8d047b1",
	}
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		first := rnnChecksum(dt)
		for _, procs := range []int{1, 2, 8} {
			old := runtime.GOMAXPROCS(procs)
			if c := rnnChecksum(dt); c != first {
				t.Errorf("%v, GOMAXPROCS %d: checksum %s, %s before", dt, procs, c, first)
			}
			runtime.GOMAXPROCS(old)
		}
	}
	// the gate pass split over the threads gives the same bits
	defer func(m int) { rnnParallelMin = m }(rnnParallelMin)
	rnnParallelMin = 0
	for _, dt := range []tensor.DType{tensor.Float64, tensor.Float32} {
		split := rnnChecksum(dt)
		rnnParallelMin = 1 << 30
		if serial := rnnChecksum(dt); serial != split {
			t.Errorf("%v: checksum %s with the gate pass split, %s without", dt, split, serial)
		}
		rnnParallelMin = 0
	}
	got := rnnChecksum(tensor.Float32)
	w, ok := want[kernel.Name()]
	if !ok {
		t.Logf("kernel %s: checksum %s (not pinned)", kernel.Name(), got)
		return
	}
	if got != w {
		t.Errorf("kernel %s: checksum %s, want %s", kernel.Name(), got, w)
	}
}

// TestRNNLayerNoGrad checks that the forward pass without recording (which
// keeps one step of each buffer instead of the whole sequence) gives the
// bits of the recorded one.
func TestRNNLayerNoGrad(t *testing.T) {
	for _, mode := range []RNNMode{ModeRNNTanh, ModeRNNReLU, ModeLSTM, ModeGRU} {
		for _, proj := range []bool{false, true} {
			if proj && mode != ModeLSTM {
				continue
			}
			for _, reverse := range []bool{false, true} {
				G, H, hr := mode.Gates(), 5, 5
				w := RNNWeights{WeightIH: grid(tensor.Float32, 1, G*H, 3), BiasIH: grid(tensor.Float32, 3, G*H), BiasHH: grid(tensor.Float32, 4, G*H)}
				if proj {
					hr = 2
					w.WeightHR = grid(tensor.Float32, 5, hr, H)
				}
				w.WeightHH = grid(tensor.Float32, 2, G*H, hr)
				x, h0, c0 := grid(tensor.Float32, 6, 7, 4, 3), grid(tensor.Float32, 7, 4, hr), grid(tensor.Float32, 8, 4, H)
				o1, h1, c1 := RNNLayer(mode, x, h0, c0, w, reverse)
				var o2, h2, c2 *tensor.Tensor
				tensor.NoGrad(func() { o2, h2, c2 = RNNLayer(mode, x, h0, c0, w, reverse) })
				if !o1.RequiresGrad() || o2.RequiresGrad() {
					t.Errorf("%v: recorded %v, under NoGrad %v", mode, o1.RequiresGrad(), o2.RequiresGrad())
				}
				name := fmt.Sprintf("%v proj=%v reverse=%v", mode, proj, reverse)
				for i, p := range [][2]*tensor.Tensor{{o1, o2}, {h1, h2}, {c1, c2}} {
					if (p[0] == nil) != (p[1] == nil) || p[0] != nil && !sameBits(p[0].Float32s(), p[1].Float32s()) {
						t.Errorf("%s: result %d differs without recording", name, i)
					}
				}
			}
		}
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}
