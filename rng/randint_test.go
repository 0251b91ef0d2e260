package rng

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestRandintMatchesPyTorch checks Randint against torch.randint after
// manual_seed, on the default generator and on an explicit one, and that it
// consumes exactly PyTorch's share of the stream: the torch.rand(3) drawn
// next is compared bit for bit (testdata/gen_randint.py).
func TestRandintMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/randint.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Seed      uint64
			Low, High int64
			Size      []int
			Generator bool
			Values    []int64
			Shape     []int
			RandAfter []string `json:"rand_after"`
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range ref.Cases {
		name := fmt.Sprintf("seed=%d,%d..%d,%v,generator=%v", c.Seed, c.Low, c.High, c.Size, c.Generator)
		var v, after *tensor.Tensor
		if c.Generator {
			g := NewGenerator()
			g.ManualSeed(c.Seed)
			v = g.Randint(c.Low, c.High, c.Size...)
			after = g.Rand(3)
		} else {
			ManualSeed(c.Seed)
			v = Randint(c.Low, c.High, c.Size...)
			after = Rand(3)
		}
		if v.DType() != tensor.Int64 || !reflect.DeepEqual(v.Shape(), c.Shape) && !(len(c.Shape) == 0 && v.Dim() == 0) {
			t.Errorf("%s: %v %v, want int64 %v", name, v.DType(), v.Shape(), c.Shape)
			continue
		}
		if got := v.Int64s(); !reflect.DeepEqual(got, c.Values) && !(len(got) == 0 && len(c.Values) == 0) {
			t.Errorf("%s: values %v, want %v", name, got, c.Values)
		}
		for i, b := range c.RandAfter {
			w, _ := strconv.ParseUint(b, 16, 32)
			if got := math.Float32bits(after.Float32s()[i]); uint64(got) != w {
				t.Errorf("%s: rand after randint [%d] = %08x, want %s", name, i, got, b)
			}
		}
	}
}

func TestRandintErrors(t *testing.T) {
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { Randint(3, 3, 2) }, "random_ expects 'from' to be less than 'to', but got from=3 >= to=3"},
		{func() { NewGenerator().Randint(5, 2, 2) }, "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"},
		{func() { Randint(0, 2, 2, -1) }, "negative dimension -1"},
	} {
		func() {
			defer func() {
				r := fmt.Sprint(recover())
				if !strings.Contains(r, c.want) {
					t.Errorf("panic %q, want %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}
