package nn_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
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
	raw, err := os.ReadFile("testdata/rnn_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Examples map[string]string `json:"examples"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_rnn_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(ref.Examples) != 1 {
		t.Errorf("%d PyTorch examples, want 1", len(ref.Examples))
	}
	for name, want := range ref.Examples {
		re := regexp.MustCompile(`(?s)func ` + name + `\(\) \{.*?// Output:\n(.*?)\n\}`)
		m := re.FindSubmatch(src)
		if m == nil {
			t.Errorf("no %s with an Output block", name)
			continue
		}
		var lines []string
		for _, l := range strings.Split(string(m[1]), "\n") {
			l = strings.TrimPrefix(strings.TrimLeft(l, "\t"), "//")
			lines = append(lines, strings.TrimPrefix(l, " "))
		}
		if got := strings.Join(lines, "\n"); got != strings.TrimRight(want, "\n") {
			t.Errorf("%s's Output block differs from PyTorch's output:\n got %q\nwant %q", name, got, want)
		}
	}
}
