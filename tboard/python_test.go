package tboard

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestPythonProtobuf has Python's protobuf runtime decode a file written
// here with TensorBoard's own .proto files (testdata/check_events.py). It
// skips when python3-protobuf or protoc (Debian: protobuf-compiler) is
// missing.
func TestPythonProtobuf(t *testing.T) {
	python := "/usr/bin/python3" // Debian's, where python3-protobuf installs
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	if err := exec.Command(python, "-c", "import google.protobuf").Run(); err != nil {
		t.Skip("python3 with google.protobuf is not installed (apt-get install python3-protobuf)")
	}
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Skip("protoc is not installed (apt-get install protobuf-compiler)")
	}
	dir := t.TempDir()
	clock := time.Unix(1700000000, 0)
	w, err := NewWriter(dir, WithClock(func() time.Time { clock = clock.Add(1500 * time.Millisecond); return clock }))
	if err != nil {
		t.Fatal(err)
	}
	type exp struct {
		Step     int64     `json:"step"`
		WallTime float64   `json:"wall_time"`
		Tag      string    `json:"tag"`
		Kind     string    `json:"kind"`
		Value    float64   `json:"value,omitempty"`
		Text     string    `json:"text,omitempty"`
		Values   []float64 `json:"values,omitempty"`
	}
	var expected []exp
	next := func() float64 { return wallTime(clock.Add(1500 * time.Millisecond)) }
	r := rand.New(rand.NewPCG(1, 2))
	for step := int64(0); step < 5; step++ {
		loss := math.Exp(-float64(step)) + 0.1
		expected = append(expected, exp{Step: step, WallTime: next(), Tag: "loss", Kind: "scalar", Value: loss})
		if err := w.Scalar("loss", step, loss); err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 1000)
		vals := make([]float64, len(x))
		for i := range x {
			if i%10 != 0 { // every tenth value is 0
				x[i] = float32(r.NormFloat64() * math.Pow(10, float64(step-2)))
			}
			vals[i] = float64(x[i])
		}
		if step == 4 {
			x, vals = []float32{}, nil
		}
		expected = append(expected, exp{Step: step, WallTime: next(), Tag: "layer.weight", Kind: "histogram", Values: vals})
		if err := w.Histogram("layer.weight", step, NewHistogram(x)); err != nil {
			t.Fatal(err)
		}
	}
	expected = append(expected, exp{Step: 1 << 33, WallTime: next(), Tag: "notes", Kind: "text", Text: "# Trial\n*seed* 3, ünïcode"})
	if err := w.Text("notes", 1<<33, "# Trial\n*seed* 3, ünïcode"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(expected)
	expPath := filepath.Join(dir, "expected.json")
	if err := os.WriteFile(expPath, js, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "testdata/check_events.py", w.Path(), expPath).CombinedOutput()
	t.Logf("check_events.py: %s", out)
	if err != nil {
		t.Fatal(err)
	}
}
