package nn_test

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// seq2vec is gen_rnn.py's Seq2Vec: a bidirectional, projected two-layer
// LSTM encoder, a GRU on its outputs and a linear head on the GRU's last
// hidden state.
type seq2vec struct {
	Enc  *nn.LSTM
	GRU  *nn.GRU `nn:"gru"`
	Head *nn.Linear
}

func (m *seq2vec) Forward(x *tensor.Tensor) *tensor.Tensor {
	_, h := m.GRU.ForwardState(m.Enc.Forward(x), nil)
	return m.Head.Forward(h.Select(0, h.Size(0)-1))
}

// TestRNNSafetensorsFromPyTorch loads a state dict that PyTorch saved
// (testdata/rnn_model.safetensors, written by gen_rnn.py) into the equal Go
// model and checks the keys and PyTorch's outputs.
func TestRNNSafetensorsFromPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/rnn.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Safetensors struct {
			File string
			Keys []string
			X, Y golden.Tensor
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	s := ref.Safetensors
	m := &seq2vec{
		Enc:  nn.NewLSTM(3, 5, nn.NumLayers(2), nn.Bidirectional, nn.ProjSize(2), nn.BatchFirst),
		GRU:  nn.NewGRU(4, 3, nn.BatchFirst),
		Head: nn.NewLinear(3, 2),
	}
	if got := nn.StateDictOf(m).Keys(); !reflect.DeepEqual(got, s.Keys) {
		t.Fatalf("keys %v, want %v", got, s.Keys)
	}
	if err := nn.LoadSafetensors(m, "testdata/"+s.File, true); err != nil {
		t.Fatal(err)
	}
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = m.Forward(tensor.FromFloat32(s.X.Float32s(), s.X.Shape...)) })
	if !reflect.DeepEqual(y.Shape(), s.Y.Shape) {
		t.Fatalf("output shape %v, want %v", y.Shape(), s.Y.Shape)
	}
	for i, w := range s.Y.Float32s() {
		if g := y.Float32s()[i]; math.Abs(float64(g-w)) > 1e-5*math.Max(1, math.Abs(float64(w))) {
			t.Errorf("output %d: %v, PyTorch %v", i, g, w)
		}
	}
}
