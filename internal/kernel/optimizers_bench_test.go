package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkOptimizers times one step of each optimizer kernel on every implementation, over one
// float32 tensor of 200,000 values and over the four tensors of the lab's MLP 64-128-10
// (8192, 128, 1280 and 10 values).
func BenchmarkOptimizers(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	shapes := map[string][]int{"200k": {200_000}, "mlp64-128-10": {8192, 128, 1280, 10}}
	for _, im := range implementations() {
		for _, shape := range []string{"200k", "mlp64-128-10"} {
			type tensors struct{ p, g, m, v, w []float32 }
			var ts []tensors
			for _, n := range shapes[shape] {
				ts = append(ts, tensors{optValues[float32](r, n, 1, false, false), optValues[float32](r, n, 0.1, false, false),
					optValues[float32](r, n, 0.1, false, false), optValues[float32](r, n, 0.01, true, false), optValues[float32](r, n, 0.01, true, false)})
			}
			adam := AdamScalars[float32]{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001,
				NegStepSize: -1e-3, BiasCorrection2Sqrt: 0.5, Eps: 1e-8}
			rms := RMSpropScalars[float32]{Alpha: 0.99, OneMinusAlpha: 0.01, Eps: 1e-8, Momentum: 0.9, NegLR: -0.01, UseMomentum: true, Centered: true}
			sgd := SGDScalars[float32]{WeightDecay: 1e-4, Momentum: 0.9, OneMinusDampening: 1, NegLR: -0.01, L2: true, UseMomentum: true}
			run := func(name string, step func(t tensors)) {
				b.Run(fmt.Sprintf("%s/%s/%s", name, shape, im.name), func(b *testing.B) {
					for range b.N {
						for _, t := range ts {
							step(t)
						}
					}
				})
			}
			run("adam", func(t tensors) { im.adam32(t.p, t.g, t.m, t.v, nil, adam) })
			run("rmsprop", func(t tensors) { im.rmsprop32(t.p, t.g, t.v, t.m, t.w, rms) })
			run("sgd", func(t tensors) { im.sgd32(t.p, t.g, t.m, sgd) })
		}
	}
}
