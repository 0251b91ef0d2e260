package synth

import (
	"encoding/json"
	"math"
	"os"
	"reflect"
	"testing"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

func seeded(s uint64) *rng.Generator {
	g := rng.NewGenerator()
	g.ManualSeed(s)
	return g
}

type ref struct {
	N        int      `json:"n"`
	K        int      `json:"k"`
	Features int      `json:"features"`
	Noise    float64  `json:"noise"`
	Spread   float64  `json:"spread"`
	Seed     uint64   `json:"seed"`
	X        []uint32 `json:"x"`
	Y        []int64  `json:"y"`
}

func checkBits(t *testing.T, name string, ds *data.TensorDataset, r ref) {
	t.Helper()
	xs := ds.X().Float32s()
	if len(xs) != len(r.X) {
		t.Fatalf("%s: %d values, want %d", name, len(xs), len(r.X))
	}
	for i, v := range xs {
		if math.Float32bits(v) != r.X[i] {
			t.Fatalf("%s: x[%d] = %v, PyTorch %v", name, i, v, math.Float32frombits(r.X[i]))
		}
	}
	if !reflect.DeepEqual(ds.Y().Int64s(), r.Y) {
		t.Fatalf("%s: labels %v, PyTorch %v", name, ds.Y().Int64s(), r.Y)
	}
}

// Rain, XOR and Blobs equal their documented PyTorch expressions bit for bit
// (testdata/gen_synth.py).
func TestMatchesPyTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/synth.json")
	if err != nil {
		t.Fatal(err)
	}
	var gold struct {
		Rain, XOR, Blobs []ref
	}
	if err := json.Unmarshal(b, &gold); err != nil {
		t.Fatal(err)
	}
	for _, r := range gold.Rain {
		checkBits(t, "Rain", Rain(r.N, seeded(r.Seed)), r)
	}
	for _, r := range gold.XOR {
		checkBits(t, "XOR", XOR(r.N, r.Noise, seeded(r.Seed)), r)
	}
	for _, r := range gold.Blobs {
		checkBits(t, "Blobs", Blobs(r.N, r.K, r.Features, r.Spread, seeded(r.Seed)), r)
	}
	if len(gold.Rain)+len(gold.XOR)+len(gold.Blobs) < 6 {
		t.Fatal("missing reference cases")
	}
}

func TestRain(t *testing.T) {
	ds := Rain(4000, seeded(1))
	x, y := ds.X().Float32s(), ds.Y().Int64s()
	ones := 0
	for i := range ds.Len() {
		h, p := x[2*i], x[2*i+1]
		if h < 0 || h >= 1 || p < -1 || p >= 1 {
			t.Fatalf("features %v %v out of range", h, p)
		}
		ones += int(y[i])
	}
	if ones < 1500 || ones > 1700 {
		t.Errorf("%d of 4000 rainy, want about 40 %%", ones)
	}
	// The best line through the origin classifies far fewer than the
	// separating line with a bias (all of them).
	best := 0
	for a := 0.0; a < math.Pi; a += math.Pi / 360 {
		w0, w1 := float32(math.Cos(a)), float32(math.Sin(a))
		ok := 0
		for i := range ds.Len() {
			if (w0*x[2*i]+w1*x[2*i+1] > 0) == (y[i] == 1) {
				ok++
			}
		}
		best = max(best, ok, ds.Len()-ok)
	}
	if best > 3000 {
		t.Errorf("a line through the origin classifies %d of 4000", best)
	}
	t.Logf("best line through the origin: %d of 4000", best)
}

func TestRegression(t *testing.T) {
	ds, w := Linear(2000, 3, 5, 0.1, seeded(2))
	if len(w) != 3 || !reflect.DeepEqual(ds.Y().Shape(), []int{2000, 1}) {
		t.Fatal("shapes")
	}
	// Residuals y - x·w - offset have the noise's mean and spread.
	var s, ss float64
	for i := range 2000 {
		r := ds.Y().At(i, 0) - 5
		for j := range 3 {
			r -= ds.X().At(i, j) * float64(w[j])
		}
		s += r
		ss += r * r
	}
	if m, sd := s/2000, math.Sqrt(ss/2000); math.Abs(m) > 0.01 || math.Abs(sd-0.1) > 0.01 {
		t.Errorf("residual mean %v sd %v", m, sd)
	}
	nl := Nonlinear(3000, 2, 0, seeded(3))
	mean := nl.Y().Mean().Item()
	if math.Abs(mean-2) > 0.1 {
		t.Errorf("non-linear targets average %v, want about the offset 2", mean)
	}
	for i := range 10 {
		xv := nl.X().At(i, 0)
		if math.Abs(nl.Y().At(i, 0)-(math.Sin(2*xv)+xv/2+2)) > 1e-5 {
			t.Fatal("formula")
		}
	}
}

func TestXORSpiralsBlobs(t *testing.T) {
	x := XOR(1000, 0, seeded(4))
	for i := range 1000 {
		a, b := x.X().At(i, 0), x.X().At(i, 1)
		if (a != 0 && a != 1) || int64(a)^int64(b) != x.Y().Int64s()[i] {
			t.Fatalf("XOR example %v %v -> %v", a, b, x.Y().Int64s()[i])
		}
	}
	s := Spirals(500, 0, seeded(5))
	for i := range 500 {
		r := math.Hypot(s.X().At(i, 0), s.X().At(i, 1))
		if r >= 1 || s.Y().Int64s()[i] != int64(i%2) {
			t.Fatalf("spiral point %d radius %v", i, r)
		}
	}
	bl := Blobs(300, 3, 4, 0.5, seeded(6))
	if !reflect.DeepEqual(bl.X().Shape(), []int{300, 4}) || bl.Y().Int64s()[299] != 2 {
		t.Fatal("blobs")
	}
	// Same seed, same data; another seed, other data.
	if !tensor.Equal(Spirals(50, 0.1, seeded(9)).X(), Spirals(50, 0.1, seeded(9)).X()) ||
		tensor.Equal(Spirals(50, 0.1, seeded(9)).X(), Spirals(50, 0.1, seeded(10)).X()) {
		t.Error("seeding")
	}
	// nil means the default generator.
	rng.ManualSeed(11)
	a := Blobs(20, 2, 2, 1, nil)
	if !tensor.Equal(a.X(), Blobs(20, 2, 2, 1, seeded(11)).X()) {
		t.Error("nil generator is not the default generator")
	}
	defer func() {
		if recover() == nil {
			t.Error("n = 0 did not panic")
		}
	}()
	XOR(0, 0, nil)
}
