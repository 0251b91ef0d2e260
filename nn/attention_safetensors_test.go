package nn_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// TestTransformerEncoderLoadsPyTorchSafetensors loads the state dict of a
// PyTorch TransformerEncoder (two pre-LN GELU layers and a final norm, with
// parameters moved away from their initial values), saved as safetensors by
// gen_attention.py, into the equal Go model and checks its eval-mode output
// with a causal mask against PyTorch's (1e-5 of the largest magnitude).
func TestTransformerEncoderLoadsPyTorchSafetensors(t *testing.T) {
	b, err := os.ReadFile("testdata/attention.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Safetensors struct {
			File   string
			X, Out *golden.Tensor
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	c := ref.Safetensors
	layer := nn.NewTransformerEncoderLayer(8, 2, nn.DimFeedforward(16), nn.ActivationGELU, nn.NormFirst(true))
	m := nn.NewTransformerEncoder(layer, 2, nn.Norm(nn.NewLayerNorm([]int{8})))
	if err := nn.LoadSafetensors(m, filepath.Join("testdata", c.File), true); err != nil {
		t.Fatal(err)
	}
	nn.Eval(m)
	x := tensor.FromFloat32(c.X.Float32s(), c.X.Shape...)
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = m.ForwardMasked(x, nn.GenerateSquareSubsequentMask(5), nil) })
	want := c.Out.Float32s()
	got := y.Float32s()
	scale := 1.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*scale {
			t.Fatalf("element %d: %v, PyTorch %v", i, got[i], want[i])
		}
	}
}
