package functional

import (
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

func randParam(g *rng.Generator, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	g.Normal(t, 0, 0.1)
	return tensor.NewParameter(t)
}

// benchConv measures Conv2d forward and backward (gradients of the input
// when inputGrad, the weight and the bias) in float32.
func benchConv(b *testing.B, x, w, bias *tensor.Tensor, opts []ConvOption, backward bool) {
	y := Conv2d(x, w, bias, opts...)
	r := tensor.OnesLike(y)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		y := Conv2d(x, w, bias, opts...)
		if backward {
			y.BackwardWith(tensor.BackwardOptions{Grad: r})
		}
	}
}

// LeNet-5 on MNIST: conv1 1→6, 5×5, padding 2 on 28×28; conv2 6→16, 5×5 on
// 14×14; batch 64.
func lenet(b *testing.B, layer int, backward bool) {
	g := rng.NewGenerator()
	if layer == 1 {
		x := tensor.Zeros(64, 1, 28, 28)
		g.Normal(x, 0, 1)
		benchConv(b, x, randParam(g, 6, 1, 5, 5), randParam(g, 6), []ConvOption{Padding(2)}, backward)
		return
	}
	x := tensor.Zeros(64, 6, 14, 14)
	g.Normal(x, 0, 1)
	x.SetRequiresGrad(true)
	benchConv(b, x, randParam(g, 16, 6, 5, 5), randParam(g, 16), nil, backward)
}

func BenchmarkConv2dLeNet1Forward(b *testing.B)         { lenet(b, 1, false) }
func BenchmarkConv2dLeNet1ForwardBackward(b *testing.B) { lenet(b, 1, true) }
func BenchmarkConv2dLeNet2Forward(b *testing.B)         { lenet(b, 2, false) }
func BenchmarkConv2dLeNet2ForwardBackward(b *testing.B) { lenet(b, 2, true) }

func benchMaxPool(b *testing.B, backward bool) {
	g := rng.NewGenerator()
	x := tensor.Zeros(64, 6, 28, 28)
	g.Normal(x, 0, 1)
	x.SetRequiresGrad(true)
	r := tensor.Ones(64, 6, 14, 14)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		y := MaxPool2d(x, []int{2})
		if backward {
			y.BackwardWith(tensor.BackwardOptions{Grad: r})
		}
	}
}

func BenchmarkMaxPool2dForward(b *testing.B)         { benchMaxPool(b, false) }
func BenchmarkMaxPool2dForwardBackward(b *testing.B) { benchMaxPool(b, true) }

// BenchmarkDropout measures the forward of dropout(p=0.1) on the feed-forward
// activations of TransformerEncoderLayer at batch 32, sequence 64.
func BenchmarkDropout(b *testing.B) {
	g := rng.NewGenerator()
	x := randParam(g, 32, 64, 512)
	b.ReportAllocs()
	for b.Loop() {
		Dropout(x, 0.1, WithGenerator(g))
	}
}

// conv3x3 measures Conv2d(cin, cout, 3, padding 1) on a batch of 32×32
// planes (the 64→64 case is cmd/bench's conv3x3_64_b32).
func conv3x3(b *testing.B, n, cin, cout int, backward bool) {
	g := rng.NewGenerator()
	x := tensor.Zeros(n, cin, 32, 32)
	g.Normal(x, 0, 1)
	x.SetRequiresGrad(true)
	benchConv(b, x, randParam(g, cout, cin, 3, 3), randParam(g, cout), []ConvOption{Padding(1)}, backward)
}

func BenchmarkConv2d3x3C64B32Forward(b *testing.B)         { conv3x3(b, 32, 64, 64, false) }
func BenchmarkConv2d3x3C64B32ForwardBackward(b *testing.B) { conv3x3(b, 32, 64, 64, true) }
func BenchmarkConv2d3x3C32B64ForwardBackward(b *testing.B) { conv3x3(b, 64, 32, 32, true) }
