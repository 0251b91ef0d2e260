package tensor

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"
)

// varCase is one reference value of torch.var or torch.std from
// testdata/gen_var.py (PyTorch 1.13.1).
type varCase struct {
	Op         string   `json:"op"`
	DType      string   `json:"dtype"`
	N          int      `json:"n"`
	Shape      []int    `json:"shape"`
	Scale      float64  `json:"scale"`
	Offset     float64  `json:"offset"`
	Dims       []int    `json:"dims"`
	Correction int      `json:"correction"`
	Keepdim    bool     `json:"keepdim"`
	OutShape   []int    `json:"out_shape"`
	Bits       []string `json:"bits"`
}

// varInput rebuilds gen_var.py's input: offset + scale·(h(i)/2³² − 0.5) with
// h(i) = (i·2654435761 + 12345) mod 2³², in float64, rounded once to dt.
func varInput(n int, scale, offset float64, dt DType) *Tensor {
	v := make([]float64, n)
	for i := range v {
		h := (uint64(i)*2654435761 + 12345) % (1 << 32)
		v[i] = offset + scale*(float64(h)/(1<<32)-0.5)
	}
	return fromFloat64s(dt, v, []int{n})
}

// Var and Std agree with PyTorch 1.13 bit for bit, including where a float32
// sum of squares would pass 3.4e38 while the variance fits (PyTorch
// accumulates in float64), and where the variance overflows float32 but the
// standard deviation does not.
func TestVarStdMatchPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/var.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []varCase }
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 100 {
		t.Fatalf("only %d cases in testdata/var.json", len(file.Cases))
	}
	for _, c := range file.Cases {
		dt := Float32
		if c.DType == "float64" {
			dt = Float64
		}
		x := varInput(c.N, c.Scale, c.Offset, dt).Reshape(c.Shape...)
		var y *Tensor
		switch c.Op {
		case "var":
			y = x.VarCorrection(c.Correction, c.Keepdim, c.Dims...)
		case "std":
			y = x.StdCorrection(c.Correction, c.Keepdim, c.Dims...)
		}
		name := fmt.Sprintf("%s %s shape %v scale %g offset %g dims %v correction %d keepdim %v", c.Op, c.DType, c.Shape, c.Scale, c.Offset, c.Dims, c.Correction, c.Keepdim)
		if fmt.Sprint(y.Shape()) != fmt.Sprint(c.OutShape) {
			t.Errorf("%s: shape %v, PyTorch %v", name, y.Shape(), c.OutShape)
			continue
		}
		got := y.Contiguous().Float64s()
		bad := 0
		for i, h := range c.Bits {
			u, _ := strconv.ParseUint(h, 16, 64)
			var want float64
			var same bool
			if dt == Float32 {
				want = float64(math.Float32frombits(uint32(u)))
				same = math.Float32bits(float32(got[i])) == uint32(u)
				if !same && math.Abs(c.Offset) >= 100 {
					// A whole-tensor variance subtracts the mean as
					// self.mean() gives it in float32, which PyTorch sums
					// in its own (vectorized cascade) order and Mean does
					// not reproduce: with a mean of 1000 the two can differ
					// by an ulp of the mean, one float32 ulp of the result.
					same = math.Abs(got[i]-want) <= 2.5e-7*math.Abs(want)
				}
			} else {
				want = math.Float64frombits(u)
				// float64: PyTorch sums the mean in its own order; allow a
				// few ulps.
				same = got[i] == want || math.Abs(got[i]-want) <= 1e-14*math.Abs(want)
			}
			if !same {
				if bad < 3 {
					t.Errorf("%s: [%d] = %v, PyTorch %v", name, i, got[i], want)
				}
				bad++
			}
		}
	}
}

// The case: 16,384 float32 values whose sum of squares passes
// float32's range while their variance does not.
func TestVarFloat32NoOverflowOfSumOfSquares(t *testing.T) {
	x := varInput(16384, 2e18, 0, Float32)
	if v := x.Var().Item(); math.IsInf(v, 0) || math.Abs(v-3.333711916251206e+35)/3.33e35 > 1e-6 {
		t.Errorf("var = %v, PyTorch 3.333711916251206e+35", v)
	}
	if s := varInput(16384, 1e21, 0, Float32).Std().Item(); math.IsInf(s, 0) || math.Abs(s-2.8869153771668007e+20)/2.88e20 > 1e-6 {
		t.Errorf("std = %v, PyTorch 2.8869153771668007e+20 (the variance overflows float32, the std does not)", s)
	}
}
