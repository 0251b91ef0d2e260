package nn_test

// Runnable examples of the main layers. Each `// Output:` block is what the
// equal PyTorch 1.13 program prints (testdata/gen_layer_examples.py, checked
// by TestLayerExamplesMatchPyTorch); Go slices and the state-dict key lists
// are printed in Go's own format, which the PyTorch program reproduces.

import (
	"fmt"
	"os"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// A strided, padded convolution without bias: the weight is drawn exactly
// as PyTorch draws it, and there is no "bias" key.
func ExampleNewConv2d() {
	rng.ManualSeed(0)
	conv := nn.NewConv2d(3, 16, 3, nn.Stride(2), nn.Padding(1), nn.NoBias)
	fmt.Println(conv)
	fmt.Println(nn.StateDictOf(conv).Keys(), conv.Weight.Shape())
	fmt.Println(conv.Weight.Detach().Select(0, 0).Select(0, 0))
	y := conv.Forward(tensor.Ones(1, 3, 8, 8))
	fmt.Println(y.Shape())

	same := nn.NewConv2d(16, 8, 3, nn.PaddingSame, nn.Dilation(2), nn.Groups(4))
	fmt.Println(same)
	fmt.Println(same.Forward(y).Shape(), nn.NumParameters(same, false))
	// Output:
	// Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)
	// [weight] [16 3 3 3]
	// tensor([[-0.0014,  0.1032, -0.1584],
	//         [-0.1416, -0.0741,  0.0516],
	//         [-0.0038,  0.1526, -0.0171]])
	// [1 16 4 4]
	// Conv2d(16, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), groups=4)
	// [1 8 4 4] 296
}

// BatchNorm1d uses batch statistics in training mode and updates its
// running statistics; in eval mode it uses them.
func ExampleNewBatchNorm1d() {
	bn := nn.NewBatchNorm1d(3)
	fmt.Println(bn)
	fmt.Println(nn.StateDictOf(bn).Keys())
	x := tensor.FromFloat32([]float32{1, 2, 3, 4, 6, 8, 0, 1, -1, 3, 3, 3}, 4, 3)
	fmt.Println(bn.Forward(x).Detach())
	fmt.Println(bn.RunningMean, bn.RunningVar, bn.NumBatchesTracked)
	nn.Eval(bn)
	fmt.Println(bn.Forward(x))

	cma := nn.NewBatchNorm1d(3, nn.MomentumNone, nn.Affine(false))
	fmt.Println(cma, nn.StateDictOf(cma).Keys())
	// Output:
	// BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
	// [weight bias running_mean running_var num_batches_tracked]
	// tensor([[-0.6325, -0.5345, -0.0783],
	//         [ 1.2649,  1.6036,  1.4882],
	//         [-1.2649, -1.0690, -1.3315],
	//         [ 0.6325,  0.0000, -0.0783]])
	// tensor([0.2000, 0.3000, 0.3250]) tensor([1.2333, 1.3667, 2.2583]) tensor(1)
	// tensor([[ 0.7204,  1.4542,  1.7800],
	//         [ 3.4217,  4.8758,  5.1072],
	//         [-0.1801,  0.5988, -0.8817],
	//         [ 2.5213,  2.3096,  1.7800]], grad_fn=<NativeBatchNormBackward0>)
	// BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, track_running_stats=True) [running_mean running_var num_batches_tracked]
}

// LayerNorm over the last dimension, with the bias switched off (PyTorch
// 2.1's LayerNorm(..., bias=False); the repr does not show it, the state
// dict does).
func ExampleNewLayerNorm() {
	ln := nn.NewLayerNorm([]int{4}, nn.NoBias)
	fmt.Println(ln, nn.StateDictOf(ln).Keys())
	x := tensor.FromFloat32([]float32{1, 2, 3, 4, -1, 0, 0, 5}, 2, 4)
	fmt.Println(ln.Forward(x).Detach())
	fmt.Println(nn.NewLayerNorm([]int{4, 5}))
	// Output:
	// LayerNorm((4,), eps=1e-05, elementwise_affine=True) [weight]
	// tensor([[-1.3416, -0.4472,  0.4472,  1.3416],
	//         [-0.8528, -0.4264, -0.4264,  1.7056]])
	// LayerNorm((4, 5), eps=1e-05, elementwise_affine=True)
}

// An Embedding with padding_idx 0: row 0 is zero and receives no gradient.
func ExampleNewEmbedding() {
	rng.ManualSeed(0)
	emb := nn.NewEmbedding(5, 3, nn.PaddingIdx(0))
	fmt.Println(emb)
	fmt.Println(emb.Weight)
	idx := tensor.FromInt64([]int64{0, 2, 4, 0}, 2, 2)
	out := emb.Forward(idx)
	fmt.Println(out.Shape())
	out.Sum().Backward()
	fmt.Println(emb.Weight.Grad)
	// Output:
	// Embedding(5, 3, padding_idx=0)
	// Parameter containing:
	// tensor([[ 0.0000,  0.0000,  0.0000],
	//         [ 0.5684, -1.0845, -1.3986],
	//         [ 0.4033,  0.8380, -0.7193],
	//         [-0.4033, -0.5966,  0.1820],
	//         [-0.8567,  1.1006, -1.0712]], requires_grad=True)
	// [2 2 3]
	// tensor([[0., 0., 0.],
	//         [0., 0., 0.],
	//         [1., 1., 1.],
	//         [0., 0., 0.],
	//         [1., 1., 1.]])
}

// TestLayerExamplesMatchPyTorch checks that the `// Output:` block of each
// example above equals what the PyTorch program of
// testdata/gen_layer_examples.py printed (testdata/layer_examples.json).
// Upsample by a factor with nearest neighbours, or to a size with bilinear
// interpolation; and a convolution that pads by reflection
// (padding_mode='reflect').
func ExampleNewUpsample() {
	x := tensor.FromFloat32([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	up := nn.NewUpsample(nn.ScaleFactor(2))
	fmt.Println(up)
	fmt.Println(up.Forward(x))
	bi := nn.NewUpsample(nn.Size(3, 3), nn.ModeBilinear, nn.AlignCorners(true))
	fmt.Println(bi)
	fmt.Println(bi.Forward(x))
	conv := nn.NewConv1d(1, 2, 3, nn.Padding(2), nn.PaddingModeReflect, nn.NoBias)
	fmt.Println(conv)
	fmt.Println(conv.Forward(tensor.Ones(1, 1, 5)).Shape())
	// Output:
	// Upsample(scale_factor=2.0, mode=nearest)
	// tensor([[[[1., 1., 2., 2.],
	//           [1., 1., 2., 2.],
	//           [3., 3., 4., 4.],
	//           [3., 3., 4., 4.]]]])
	// Upsample(size=(3, 3), mode=bilinear)
	// tensor([[[[1.0000, 1.5000, 2.0000],
	//           [2.0000, 2.5000, 3.0000],
	//           [3.0000, 3.5000, 4.0000]]]])
	// Conv1d(1, 2, kernel_size=(3,), stride=(1,), padding=(2,), bias=False, padding_mode=reflect)
	// [1 2 7]
}

func TestLayerExamplesMatchPyTorch(t *testing.T) {
	examples := pytorchExamples(t, "testdata/layer_examples.json")
	src, err := os.ReadFile("example_layers_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 5 {
		t.Errorf("%d PyTorch examples, want 5", len(examples))
	}
	for name, want := range examples {
		checkOutputBlock(t, src, name, want)
	}
}
