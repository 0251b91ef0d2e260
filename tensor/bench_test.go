package tensor

import (
	"fmt"
	"testing"
)

func benchData(n int) *Tensor {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i%97)/48 - 1
	}
	return FromFloat32(v)
}

// BenchmarkMatmul reports GFLOP/s of float32 matrix products through the
// tensor API (square sizes and the 64x784x256 layer of an MNIST MLP).
func BenchmarkMatmul(b *testing.B) {
	shapes := [][3]int{{64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {64, 784, 256}}
	for _, s := range shapes {
		m, k, n := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(b *testing.B) {
			x := benchData(m*k).Reshape(m, k)
			y := benchData(k*n).Reshape(k, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Matmul(x, y)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkMatmulInto is BenchmarkMatmul into one preallocated result
// (MatmulInto): the difference between the two is the cost of a fresh
// result.
func BenchmarkMatmulInto(b *testing.B) {
	for _, s := range [][3]int{{64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {64, 784, 256}} {
		m, k, n := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(b *testing.B) {
			x := benchData(m*k).Reshape(m, k)
			y := benchData(k*n).Reshape(k, n)
			c := Empty(Float32, m, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				MatmulInto(c, x, y)
			}
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkElementwise reports the cost of the common elementwise ops on
// one million float32 elements.
func BenchmarkElementwise(b *testing.B) {
	const n = 1 << 20
	x, y := benchData(n), benchData(n).AddScalar(3)
	ops := map[string]func(){
		"Add":       func() { x.Add(y) },
		"Mul":       func() { x.Mul(y) },
		"AddRow":    func() { x.Reshape(1024, 1024).Add(y.Narrow(0, 0, 1024)) },
		"ReLU":      func() { x.ReLU() },
		"Sigmoid":   func() { x.Sigmoid() },
		"Exp":       func() { x.Exp() },
		"Sum":       func() { x.Sum() },
		"Softmax":   func() { x.Reshape(1024, 1024).Softmax(1) },
		"Transpose": func() { x.Reshape(1024, 1024).T().Contiguous() },
	}
	for _, name := range []string{"Add", "Mul", "AddRow", "ReLU", "Sigmoid", "Exp", "Sum", "Softmax", "Transpose"} {
		f := ops[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(4 * n)
			for i := 0; i < b.N; i++ {
				f()
			}
		})
	}
}

// BenchmarkMLPStep runs forward and backward of a 784-256-256-10 MLP with
// a cross-entropy-style loss at batch 64.
func BenchmarkMLPStep(b *testing.B) {
	const batch = 64
	w1 := benchData(256*784).Reshape(256, 784).MulScalar(0.05).Detach().SetRequiresGrad(true)
	b1 := Zeros(256).SetRequiresGrad(true)
	w2 := benchData(256*256).Reshape(256, 256).MulScalar(0.05).Detach().SetRequiresGrad(true)
	b2 := Zeros(256).SetRequiresGrad(true)
	w3 := benchData(10*256).Reshape(10, 256).MulScalar(0.05).Detach().SetRequiresGrad(true)
	b3 := Zeros(10).SetRequiresGrad(true)
	x := benchData(batch*784).Reshape(batch, 784)
	target := make([]int64, batch)
	for i := range target {
		target[i] = int64(i % 10)
	}
	y := FromInt64(target, batch, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h := Matmul(x, w1.T()).Add(b1).ReLU()
		h = Matmul(h, w2.T()).Add(b2).ReLU()
		logits := Matmul(h, w3.T()).Add(b3)
		loss := logits.LogSoftmax(1).Gather(1, y).Mean().Neg()
		loss.Backward()
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "samples/s")
}
