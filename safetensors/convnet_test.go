package safetensors_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// convNet is gen_safetensors.py's ConvNet: Conv2d(1,4,3) → BatchNorm2d(4)
// → ReLU → flatten → Linear(64,3), for 1×6×6 inputs.
type convNet struct {
	Conv *nn.Conv2d      `nn:"conv"`
	BN   *nn.BatchNorm2d `nn:"bn"`
	FC   *nn.Linear      `nn:"fc"`
}

func newConvNet() *convNet {
	return &convNet{Conv: nn.NewConv2d(1, 4, 3), BN: nn.NewBatchNorm2d(4), FC: nn.NewLinear(64, 3)}
}

func (m *convNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC.Forward(m.BN.Forward(m.Conv.Forward(x)).ReLU().Flatten(1, -1))
}

func evalForward(m *convNet, c modelCase) *tensor.Tensor {
	nn.Eval(m)
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = m.Forward(tensor.FromFloat32(c.Input, c.InputShape...)) })
	return y
}

// The state dict of a PyTorch conv net with batch norm (running statistics
// and the int64 num_batches_tracked after two training-mode forwards)
// loads into the equal Go model and gives PyTorch's eval-mode outputs.
func TestPyTorchConvNet(t *testing.T) {
	e := loadExpected(t).ConvNet
	m := newConvNet()
	if err := nn.LoadSafetensors(m, filepath.Join("testdata", e.File), true); err != nil {
		t.Fatal(err)
	}
	sd := nn.StateDictOf(m)
	if n := sd.Get("bn.num_batches_tracked"); n == nil || n.DType() != tensor.Int64 || n.Item() != 2 {
		t.Errorf("bn.num_batches_tracked = %v, want int64 2", n)
	}
	closeTo(t, evalForward(m, e), e.Output, e.OutputShape)
}

// goWrittenConvNet returns the conv net whose state dict Go writes to
// testdata/go_written.safetensors. Its values come from a formula rather
// than from initialization so that the file depends on nothing but this
// package's writer.
func goWrittenConvNet() *convNet {
	m := newConvNet()
	tensor.NoGrad(func() {
		for k, e := range nn.StateDictOf(m) {
			x := e.Tensor
			if x.DType() == tensor.Int64 { // num_batches_tracked
				x.Fill(7)
				continue
			}
			vals := make([]float32, x.Numel())
			for i := range vals {
				v := math.Sin(float64(i)*0.37+float64(k)) * 0.5
				switch e.Name {
				case "bn.running_var":
					v = 1 + math.Abs(v)
				case "fc.weight", "fc.bias":
					// Positive, so the outputs are sums of non-negative
					// terms: well conditioned, and float32 results of
					// different summation orders agree to 1e-6 relative.
					v = 0.05 + math.Abs(v)
				}
				vals[i] = float32(v)
			}
			x.CopyFrom(tensor.FromFloat32(vals, x.Shape()...))
		}
	})
	return m
}

// goWrittenFile returns the bytes of testdata/go_written.safetensors.
func goWrittenFile(t testing.TB) []byte {
	return writeBytes(t, nn.StateDictOf(goWrittenConvNet()), map[string]string{"format": "pt", "producer": "intercept"})
}

// Go writes a conv net's state dict; PyTorch strictly loaded that exact
// file into its ConvNet (see gen_safetensors.py) and its outputs equal the
// Go model's.
func TestGoWrittenConvNet(t *testing.T) {
	e := loadExpected(t)
	checkGoWritten(t, goWrittenFile(t), "go_written.safetensors", e.GoWritten)
	if *update {
		return
	}
	m := newConvNet()
	if err := nn.LoadSafetensors(m, filepath.Join("testdata", "go_written.safetensors"), true); err != nil {
		t.Fatal(err)
	}
	closeTo(t, evalForward(m, e.ConvNet), e.GoWritten.TorchOutput, e.GoWritten.OutputShape)
}
