package nn_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Causal self-attention. The output is what PyTorch 1.13 prints for
//
//	torch.manual_seed(0)
//	mha = nn.MultiheadAttention(4, 2)
//	print(mha); print(list(mha.state_dict().keys()))
//	x = (torch.arange(12.) / 4).reshape(3, 1, 4)
//	out, w = mha(x, x, x, attn_mask=nn.Transformer.generate_square_subsequent_mask(3))
//	print(list(out.shape), list(w.shape)); print(w.detach())
func ExampleNewMultiheadAttention() {
	rng.ManualSeed(0)
	mha := nn.NewMultiheadAttention(4, 2)
	fmt.Println(mha)
	fmt.Println(nn.StateDictOf(mha).Keys())
	x := tensor.Arange(0, 12, 1).DivScalar(4).Reshape(3, 1, 4) // (L, N, E)
	out, w := mha.Forward(x, x, x, nn.AttnMask(nn.GenerateSquareSubsequentMask(3)))
	fmt.Println(out.Shape(), w.Shape())
	fmt.Println(w.Detach())
	// Output:
	// MultiheadAttention(
	//   (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)
	// )
	// [in_proj_weight in_proj_bias out_proj.weight out_proj.bias]
	// [3 1 4] [1 3 3]
	// tensor([[[1.0000, 0.0000, 0.0000],
	//          [0.5322, 0.4678, 0.0000],
	//          [0.4571, 0.1483, 0.3946]]])
}

// A pre-LN encoder layer without biases (PyTorch 2.1's bias=False) on
// batch-first input.
func ExampleNewTransformerEncoderLayer() {
	rng.ManualSeed(0)
	layer := nn.NewTransformerEncoderLayer(8, 2, nn.DimFeedforward(16), nn.NormFirst(true),
		nn.BatchFirst, nn.NoBias, nn.DropoutProb(0))
	fmt.Println(nn.StateDictOf(layer).Keys())
	y := layer.Forward(tensor.Ones(2, 5, 8))
	fmt.Println(y.Shape())
	// Output:
	// [self_attn.in_proj_weight self_attn.out_proj.weight linear1.weight linear2.weight norm1.weight norm2.weight]
	// [2 5 8]
}
