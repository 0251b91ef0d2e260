package tensorfmt

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// torchCase is one entry of testdata/print_cases.json, produced by
// testdata/gen_print.py with PyTorch 1.13.
type torchCase struct {
	Name     string            `json:"name"`
	Dtype    string            `json:"dtype"`
	Shape    []int             `json:"shape"`
	Values   []json.RawMessage `json:"values"`
	Suffixes []string          `json:"suffixes"`
	Str      string            `json:"str"`
}

func (c *torchCase) values(t *testing.T) Values {
	t.Helper()
	switch c.Dtype {
	case "float32", "float64":
		out := make([]float64, len(c.Values))
		for i, raw := range c.Values {
			var hex string
			if err := json.Unmarshal(raw, &hex); err != nil {
				t.Fatalf("%s: value %d: %v", c.Name, i, err)
			}
			u, err := strconv.ParseUint(hex, 16, 64)
			if err != nil {
				t.Fatalf("%s: value %d: %v", c.Name, i, err)
			}
			if c.Dtype == "float32" {
				out[i] = float64(math.Float32frombits(uint32(u)))
			} else {
				out[i] = math.Float64frombits(u)
			}
		}
		return Values{Float: out}
	case "int64":
		out := make([]int64, len(c.Values))
		for i, raw := range c.Values {
			if err := json.Unmarshal(raw, &out[i]); err != nil {
				t.Fatalf("%s: value %d: %v", c.Name, i, err)
			}
		}
		return Values{Int: out}
	case "bool":
		out := make([]bool, len(c.Values))
		for i, raw := range c.Values {
			if err := json.Unmarshal(raw, &out[i]); err != nil {
				t.Fatalf("%s: value %d: %v", c.Name, i, err)
			}
		}
		return Values{Bool: out}
	}
	t.Fatalf("%s: unknown dtype %q", c.Name, c.Dtype)
	return Values{}
}

func TestTorchCases(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "print_cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []torchCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("only %d cases in print_cases.json", len(cases))
	}
	for _, c := range cases {
		if got := Format(c.Shape, c.values(t), c.Suffixes...); got != c.Str {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.Name, got, c.Str)
		}
	}
}
