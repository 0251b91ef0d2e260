package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	. "github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// update makes TestGoWritten* rewrite the committed Go-written files and
// the fuzz seed corpus instead of comparing with them.
var update = flag.Bool("update", false, "rewrite testdata/go_*.safetensors and the FuzzRead seed corpus")

// raw assembles a file from a header (not padded) and data.
func raw(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// writeBytes returns what Write produces, failing the test on error.
func writeBytes(t testing.TB, tensors []tensor.Named, meta map[string]string, opts ...WriteOption) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, tensors, meta, opts...); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readBytes parses a file held in memory.
func readBytes(b []byte) (*File, error) { return Read(bytes.NewReader(b), int64(len(b))) }

// expected is testdata/expected.json, written by gen_safetensors.py.
type expected struct {
	TorchVersion string `json:"torch_version"`
	DTypes       struct {
		File     string            `json:"file"`
		Metadata map[string]string `json:"metadata"`
		Order    []string          `json:"order"`
		Tensors  map[string]struct {
			DType             string   `json:"dtype"`
			Shape             []int    `json:"shape"`
			Float64Bits       []uint64 `json:"float64_bits"`
			Float32Bits       []uint32 `json:"float32_bits"`
			Ints              []int64  `json:"ints"`
			Bools             []bool   `json:"bools"`
			SourceFloat32Bits []uint32 `json:"source_float32_bits"`
			StoredBits        []uint16 `json:"stored_bits"`
		} `json:"tensors"`
	} `json:"dtypes"`
	Conversions struct {
		F32ToF16  string `json:"f32_to_f16_sha256"`
		F32ToBF16 string `json:"f32_to_bf16_sha256"`
		F16ToF32  string `json:"f16_to_f32_sha256"`
		BF16ToF32 string `json:"bf16_to_f32_sha256"`
		Patterns  int    `json:"patterns"`
	} `json:"conversions"`
	MLP       modelCase  `json:"mlp"`
	ConvNet   modelCase  `json:"convnet"`
	GoWritten *goWritten `json:"go_written"`
	GoDTypes  *goWritten `json:"go_dtypes"`
}

type modelCase struct {
	File        string    `json:"file"`
	Input       []float32 `json:"input"`
	InputShape  []int     `json:"input_shape"`
	Output      []float32 `json:"output"`
	OutputShape []int     `json:"output_shape"`
}

type goWritten struct {
	File        string          `json:"file"`
	SHA256      string          `json:"sha256"`
	Checks      map[string]bool `json:"checks"`
	AllOK       bool            `json:"all_ok"`
	TorchOutput []float32       `json:"torch_output"`
	OutputShape []int           `json:"output_shape"`
}

func loadExpected(t testing.TB) *expected {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

// closeTo compares outputs with the interop tolerance: 1e-6 relative to
// the larger of |want| and a floor of 1e-6 (so values that are almost zero
// are compared absolutely).
func closeTo(t *testing.T, got *tensor.Tensor, want []float32, shape []int) {
	t.Helper()
	if !slices.Equal(got.Shape(), shape) {
		t.Fatalf("output shape %v, want %v", got.Shape(), shape)
	}
	worst := 0.0
	for i, g := range got.Float32s() {
		w := float64(want[i])
		d := math.Abs(float64(g)-w) / math.Max(math.Abs(w), 1e-6)
		worst = math.Max(worst, d)
		if d > 1e-6 {
			t.Errorf("output[%d] = %.9g, PyTorch %.9g (relative difference %.3g)", i, g, w, d)
		}
	}
	t.Logf("largest relative difference from PyTorch: %.3g", worst)
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// sameValues reports whether two tensors have the same type, shape and
// elements, NaN matching NaN and -0 matching only -0.
func sameValues(a, b *tensor.Tensor) bool {
	if a.DType() != b.DType() || !slices.Equal(a.Shape(), b.Shape()) {
		return false
	}
	switch a.DType() {
	case tensor.Float32:
		x, y := a.Float32s(), b.Float32s()
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) && !(x[i] != x[i] && y[i] != y[i]) {
				return false
			}
		}
	case tensor.Float64:
		x, y := a.Float64s(), b.Float64s()
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) && !(x[i] != x[i] && y[i] != y[i]) {
				return false
			}
		}
	case tensor.Int64:
		x, y := a.Int64s(), b.Int64s()
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
	default:
		x, y := a.Bools(), b.Bools()
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
	}
	return true
}
