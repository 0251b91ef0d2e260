package rng

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestTensorFills checks the tensor-level API against real PyTorch,
// including views that PyTorch fills in memory order on the per-element
// normal path (testdata/gen_tensor_fills.py).
func TestTensorFills(t *testing.T) {
	raw, err := os.ReadFile("testdata/tensor_fills.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			What  string
			Seed  uint64
			Shape []int `json:"storage_shape"`
			Bits  []string
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	run := map[string]func() *tensor.Tensor{
		"empty(5,4).t().normal_()": func() *tensor.Tensor {
			a := tensor.Zeros(5, 4)
			Normal(a.T(), 0, 1)
			return a
		},
		"empty(6,5).t().uniform_(-1,2)": func() *tensor.Tensor {
			a := tensor.Zeros(6, 5)
			Uniform(a.T(), -1, 2)
			return a
		},
		"empty(3,4,5).permute(2,0,1).normal_()": func() *tensor.Tensor {
			a := tensor.Zeros(3, 4, 5)
			Normal(a.Permute(2, 0, 1), 0, 1)
			return a
		},
		"randn(4,5)": func() *tensor.Tensor { return Randn(4, 5) },
		"rand(3,3)":  func() *tensor.Tensor { return Rand(3, 3) },
	}
	if len(ref.Cases) != len(run) {
		t.Fatalf("%d reference cases, %d implemented", len(ref.Cases), len(run))
	}
	for _, c := range ref.Cases {
		ManualSeed(c.Seed)
		got := run[c.What]()
		vals := got.Float32s()
		if fmt.Sprint(got.Shape()) != fmt.Sprint(c.Shape) {
			t.Fatalf("%s: shape %v, want %v", c.What, got.Shape(), c.Shape)
		}
		bad := 0
		for i, h := range c.Bits {
			w, _ := strconv.ParseUint(h, 16, 32)
			if math.Float32bits(vals[i]) != uint32(w) {
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d values differ from PyTorch", c.What, bad, len(c.Bits))
		}
	}
}

func TestTensorFillsExplicitGenerator(t *testing.T) {
	g := NewGenerator()
	g.ManualSeed(3)
	a := g.RandnOf(tensor.Float64, 2, 10)
	ManualSeed(3)
	b := RandnOf(tensor.Float64, 2, 10)
	if !tensor.Equal(a, b) || a.DType() != tensor.Float64 {
		t.Fatal("explicit generator and default generator with the same seed differ")
	}
	p := g.RandpermTensor(10)
	if p.DType() != tensor.Int64 || p.Sum().Item() != 45 {
		t.Fatalf("randperm = %v", p)
	}
	m := Bernoulli(tensor.Zeros(1000), 0.3).Mean().Item()
	if m < 0.25 || m > 0.35 {
		t.Fatalf("bernoulli(0.3) mean %v", m)
	}
}

func ExampleRandn() {
	ManualSeed(42)
	fmt.Println(Randn(2, 3))
	// Output:
	// tensor([[ 0.3367,  0.1288,  0.2345],
	//         [ 0.2303, -1.1229, -0.1863]])
}

// A fill returns the tensor it was given, with its own shape, even when the
// fill went through a memory-order view of a non-contiguous tensor.
func TestFillReturnsItsArgument(t *testing.T) {
	g := seeded(0)
	base := tensor.Zeros(3, 4)
	tr := base.Transpose(0, 1)
	for name, fillFn := range map[string]func(*tensor.Tensor) *tensor.Tensor{
		"uniform":   func(x *tensor.Tensor) *tensor.Tensor { return g.Uniform(x, 0, 1) },
		"normal":    func(x *tensor.Tensor) *tensor.Tensor { return g.Normal(x, 0, 1) },
		"bernoulli": func(x *tensor.Tensor) *tensor.Tensor { return g.Bernoulli(x, 0.5) },
	} {
		got := fillFn(tr)
		if got != tr {
			t.Errorf("%s: returned %p with shape %v, want the argument %p with shape %v", name, got, got.Shape(), tr, tr.Shape())
		}
	}
}
