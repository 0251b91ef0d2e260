package nninit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// erfinvInputs regenerates the inputs of the "erfinv32" reference in
// testdata/init_cases.json (see gen_init.py): every 65537th float32 bit
// pattern in [0, 1] and its negation, k/32768 for k = -32768..32768, and
// special values.
func erfinvInputs() []float32 {
	var ys []float32
	var pos []uint32
	for b := uint64(0); b < 0x3f800001; b += 65537 {
		pos = append(pos, uint32(b))
	}
	for _, b := range pos {
		ys = append(ys, math.Float32frombits(b))
	}
	for _, b := range pos {
		ys = append(ys, math.Float32frombits(b|0x80000000))
	}
	for k := -32768; k <= 32768; k++ {
		ys = append(ys, float32(k)/32768)
	}
	inf := float32(math.Inf(1))
	ys = append(ys, float32(math.NaN()), inf, -inf, 1.0000001, -1.0000001, 0.7, -0.7, 0.70000005,
		1e-45, -1e-45, 1e-38, 0.99999994, -0.99999994, 0.9999999, 5e-8)
	return ys
}

// TestErfinv32 compares the float32 erfinv with torch.erfinv on 82 000
// inputs covering both branches of the approximation and the special cases.
func TestErfinv32(t *testing.T) {
	data, err := os.ReadFile("testdata/init_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Erfinv32 struct {
			Count   int      `json:"count"`
			Sha256  string   `json:"sha256"`
			Every   int      `json:"every"`
			Samples []string `json:"samples"`
		} `json:"erfinv32"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	ref := f.Erfinv32
	ys := erfinvInputs()
	if len(ys) != ref.Count {
		t.Fatalf("%d inputs, reference has %d", len(ys), ref.Count)
	}
	raw := make([]byte, 4*len(ys))
	out := make([]uint32, len(ys))
	for i, y := range ys {
		out[i] = math.Float32bits(erfinv32(y))
		binary.LittleEndian.PutUint32(raw[4*i:], out[i])
	}
	bad := 0
	for j, s := range ref.Samples {
		i := j * ref.Every
		var want uint32
		if _, err := fmt.Sscanf(s, "%x", &want); err != nil {
			t.Fatal(err)
		}
		if out[i] != want {
			if bad < 10 {
				t.Errorf("erfinv32(%v) = %v (%08x), want %v (%08x)", ys[i],
					math.Float32frombits(out[i]), out[i], math.Float32frombits(want), want)
			}
			bad++
		}
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != ref.Sha256 {
		t.Errorf("sha256 of %d outputs differs (%d of %d samples differ)", len(ys), bad, len(ref.Samples))
	}
}

func TestErfinvSpecial(t *testing.T) {
	if v := erfinv32(1); !math.IsInf(float64(v), 1) {
		t.Errorf("erfinv32(1) = %v", v)
	}
	if v := erfinv32(-1); !math.IsInf(float64(v), -1) {
		t.Errorf("erfinv32(-1) = %v", v)
	}
	if v := erfinv32(1.5); !math.IsNaN(float64(v)) {
		t.Errorf("erfinv32(1.5) = %v", v)
	}
	if v := erfinv64(-1); !math.IsInf(v, -1) {
		t.Errorf("erfinv64(-1) = %v", v)
	}
	if v := erfinv64(2); !math.IsNaN(v) {
		t.Errorf("erfinv64(2) = %v", v)
	}
	// erfinv64 inverts math.Erf to within a few ulps across both branches.
	for _, x := range []float64{-3, -1.2, -0.5, -1e-3, 0, 1e-8, 0.3, 0.9, 1.5, 2.5, 4} {
		if got := erfinv64(math.Erf(x)); math.Abs(got-x) > 1e-12*math.Max(1, math.Abs(x)) && math.Abs(x) < 3 {
			t.Errorf("erfinv64(erf(%v)) = %v", x, got)
		}
	}
}

func TestClamp(t *testing.T) {
	nan := float32(math.NaN())
	if v := clamp32(nan, -1, 1); !math.IsNaN(float64(v)) {
		t.Errorf("clamp32(NaN) = %v", v)
	}
	negZero := float32(math.Copysign(0, -1))
	// ATen keeps x when it compares equal to the bound.
	if v := clamp32(negZero, 0, 1); math.Float32bits(v) != math.Float32bits(negZero) {
		t.Errorf("clamp32(-0, 0, 1) = %v, want -0", v)
	}
	if v := clamp64(5, -2, 2); v != 2 {
		t.Errorf("clamp64(5) = %v", v)
	}
}
