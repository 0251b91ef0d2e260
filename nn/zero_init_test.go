package nn

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestZeroSizeInit checks the default initialization of layers with a
// zero-size dimension against PyTorch (testdata/zero_init.json, written by
// gen_zero_init.py): the state dict, and the draws the initialization made,
// seen through torch.rand(4) drawn next. A zero-element weight is left
// alone; Linear still draws its bias, from U(0, 0) when fan_in is 0, while
// the convolutions then draw none.
func TestZeroSizeInit(t *testing.T) {
	b, err := os.ReadFile("testdata/zero_init.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases map[string]struct {
			StateDict map[string]*golden.Tensor `json:"state_dict"`
			RandAfter *golden.Tensor            `json:"rand_after"`
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	build := map[string]func() any{
		"Linear(0,3)":            func() any { return NewLinear(0, 3) },
		"Linear(3,0)":            func() any { return NewLinear(3, 0) },
		"Linear(0,3,bias=False)": func() any { return NewLinear(0, 3, NoBias) },
		"Conv2d(0,2,3)":          func() any { return NewConv2d(0, 2, 3) },
		"Conv2d(2,0,3)":          func() any { return NewConv2d(2, 0, 3) },
		"Conv1d(0,4,2)":          func() any { return NewConv1d(0, 4, 2) },
		"ConvTranspose2d(3,0,2)": func() any { return NewConvTranspose2d(3, 0, 2) },
		"Embedding(0,3)":         func() any { return NewEmbedding(0, 3) },
	}
	if len(build) != len(ref.Cases) {
		t.Errorf("%d Go cases, %d PyTorch cases", len(build), len(ref.Cases))
	}
	same := func(name string, got *tensor.Tensor, want *golden.Tensor) {
		t.Helper()
		g, w := got.Float32s(), want.Bits32()
		if len(g) != len(w) || !slices.Equal(got.Shape(), want.Shape) {
			t.Errorf("%s: shape %v, want %v", name, got.Shape(), want.Shape)
			return
		}
		for i := range g {
			if math.Float32bits(g[i]) != w[i] {
				t.Errorf("%s: element %d = %08x, want %08x", name, i, math.Float32bits(g[i]), w[i])
				return
			}
		}
	}
	for name, c := range ref.Cases {
		f, ok := build[name]
		if !ok {
			t.Errorf("no Go case for %s", name)
			continue
		}
		rng.ManualSeed(0)
		m := f()
		sd := StateDictOf(m)
		if len(sd) != len(c.StateDict) {
			t.Errorf("%s: %d state-dict entries, want %d", name, len(sd), len(c.StateDict))
		}
		for _, e := range sd {
			if w, ok := c.StateDict[e.Name]; ok {
				same(name+" "+e.Name, e.Tensor, w)
			} else {
				t.Errorf("%s: unexpected key %s", name, e.Name)
			}
		}
		same(name+" rand after", rng.Rand(4), c.RandAfter)
	}
}
