package nn_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
)

// The classic "forget-gate bias = 1" LSTM: SetForgetGateBias makes the
// forget gate's total bias b_if + b_hf equal to 1 in every layer and
// direction (bias_ih[H:2H] = 1, bias_hh[H:2H] = 0), then a few SGD steps
// train the LSTM and a linear head on the last hidden state. The output is
// what the same PyTorch 1.13 program prints (testdata/gen_rnn_example.py,
// checked by TestRNNExampleMatchesPyTorch).
func ExampleLSTM_SetForgetGateBias() {
	rng.ManualSeed(0)
	lstm := nn.NewLSTM(3, 4)
	head := nn.NewLinear(4, 1)
	lstm.SetForgetGateBias(1)
	fmt.Println(lstm)
	sd := nn.StateDictOf(lstm)
	forget := func() any {
		return sd.Get("bias_ih_l0").Add(sd.Get("bias_hh_l0")).Detach().Narrow(0, 4, 4)
	}
	fmt.Println(forget())

	x, y := rng.Randn(5, 2, 3), rng.Randn(2, 1)
	opt := optim.NewSGD(append(nn.Parameters(lstm), nn.Parameters(head)...), optim.LR(0.1))
	for step := range 5 {
		opt.ZeroGrad()
		_, hn, _ := lstm.ForwardState(x, nil, nil)
		loss := nn.MSELoss(head.Forward(hn.Select(0, hn.Size(0)-1)), y)
		loss.Backward()
		opt.Step()
		fmt.Printf("step %d: loss %.4f\n", step, loss.Item())
	}
	fmt.Println(forget())
	// Output:
	// LSTM(3, 4)
	// tensor([1., 1., 1., 1.])
	// step 0: loss 0.2546
	// step 1: loss 0.2321
	// step 2: loss 0.2105
	// step 3: loss 0.1900
	// step 4: loss 0.1704
	// tensor([1.0125, 1.0018, 1.0142, 1.0012])
}

// TestRNNExampleMatchesPyTorch checks that the Output block of
// ExampleLSTM_SetForgetGateBias is what testdata/gen_rnn_example.py printed
// (testdata/rnn_example.json).
func TestRNNExampleMatchesPyTorch(t *testing.T) {
	examples := pytorchExamples(t, "testdata/rnn_example.json")
	src, err := os.ReadFile("example_rnn_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 1 {
		t.Errorf("%d PyTorch examples, want 1", len(examples))
	}
	for name, want := range examples {
		checkOutputBlock(t, src, name, want)
	}
}
