package determinism

import (
	"runtime"
	"testing"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// encClassifier is a batch-first TransformerEncoderLayer (dropout on: its
// masks are drawn ahead on another goroutine from GOMAXPROCS 2 on), summed
// over the sequence and classified by a Linear layer.
type encClassifier struct {
	Enc  *nn.TransformerEncoderLayer
	Head *nn.Linear
}

func (m *encClassifier) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.Head.Forward(m.Enc.Forward(x).Sum(1))
}

func newEncClassifier() nn.Module {
	return &encClassifier{
		Enc:  nn.NewTransformerEncoderLayer(64, 4, nn.DimFeedforward(128), nn.BatchFirst),
		Head: nn.NewLinear(64, 10),
	}
}

// TestTransformerBitIdenticalAcrossGOMAXPROCS trains the transformer
// classifier at GOMAXPROCS 1, 2 and 8 with each available kernel
// implementation and requires identical bits: the attention products, the
// softmax, layer norm and dropout passes split into chunks, and the dropout
// masks drawn ahead, give the results of the serial computation.
func TestTransformerBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	active := kernel.Name()
	defer kernel.Use(active)
	var ref uint64
	for i, name := range kernel.Available() {
		if err := kernel.Use(name); err != nil {
			t.Fatal(err)
		}
		for j, procs := range []int{1, 2, 8} {
			runtime.GOMAXPROCS(procs)
			got := trainModelHash(newEncClassifier, []int{16, 32, 64}, 2)
			if i == 0 && j == 0 {
				ref = got
				continue
			}
			if got != ref {
				t.Errorf("%s, GOMAXPROCS=%d: hash %#x, want %#x (%s, GOMAXPROCS=1)", name, procs, got, ref, kernel.Available()[0])
			}
		}
	}
}
