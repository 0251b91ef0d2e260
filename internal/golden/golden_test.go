package golden

import (
	"encoding/hex"
	"math"
	"testing"
)

func TestLoad(t *testing.T) {
	secs := Load(t)
	for _, k := range []string{"rng", "rng_sequences", "randperm", "bernoulli", "dropout", "layers"} {
		if _, ok := secs[k]; !ok {
			t.Errorf("section %q missing", k)
		}
	}
	var rng []struct {
		Seed  uint64 `json:"seed"`
		N     int    `json:"n"`
		DType string `json:"dtype"`
		Rand  Tensor `json:"rand"`
	}
	Section(t, "rng", &rng)
	if len(rng) == 0 {
		t.Fatal("empty rng section")
	}
	for _, c := range rng {
		if c.Rand.Numel() != c.N || len(c.Rand.Bits) != c.N {
			t.Fatalf("rng case %+v: shape/bits mismatch", c.Rand.Shape)
		}
		switch c.DType {
		case "float32":
			for i, f := range c.Rand.Float32s() {
				if float64(f) != c.Rand.Values[i] {
					t.Fatalf("float32 bits/value mismatch at %d", i)
				}
			}
		case "float64":
			for i, f := range c.Rand.Float64s() {
				if f != c.Rand.Values[i] {
					t.Fatalf("float64 bits/value mismatch at %d", i)
				}
			}
		}
	}
}

// TestLargeTensor checks the encoding of the one tensor above 4096 elements
// against itself: head, tail and samples agree and the digest has the right
// form.
func TestLargeTensor(t *testing.T) {
	var layers []struct {
		Layer     string            `json:"layer"`
		StateDict map[string]Tensor `json:"state_dict"`
	}
	Section(t, "layers", &layers)
	for _, l := range layers {
		for name, w := range l.StateDict {
			if w.Sha256 == "" {
				continue
			}
			if _, err := hex.DecodeString(w.Sha256); err != nil || len(w.Sha256) != 64 {
				t.Errorf("%s.%s: bad sha256 %q", l.Layer, name, w.Sha256)
			}
			if len(w.Head.Bits) != 256 || len(w.Tail.Bits) != 256 {
				t.Errorf("%s.%s: head/tail sizes %d/%d", l.Layer, name, len(w.Head.Bits), len(w.Tail.Bits))
			}
			n := w.Numel()
			for _, s := range w.Samples {
				if s.Index < 256 && s.Bits32() != w.Head.Bits32()[s.Index] {
					t.Errorf("sample %d disagrees with head", s.Index)
				}
				if s.Index >= n-256 && s.Bits32() != w.Tail.Bits32()[s.Index-(n-256)] {
					t.Errorf("sample %d disagrees with tail", s.Index)
				}
				if float64(math.Float32frombits(s.Bits32())) != s.Value {
					t.Errorf("sample %d: bits/value mismatch", s.Index)
				}
			}
			return
		}
	}
	t.Skip("no large tensor in golden file")
}

func TestSha256Helper(t *testing.T) {
	if got := Sha256Float32(nil); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("sha of empty = %s", got)
	}
}
