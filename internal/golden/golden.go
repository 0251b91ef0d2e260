// Package golden loads the PyTorch reference data in
// testdata/golden/golden.json for tests anywhere in the repository.
//
// The file is produced by testdata/golden/generate.py with PyTorch 1.13.1.
// Every float tensor in it is a JSON object with dtype, shape, values and
// bits (IEEE-754 bit patterns in hex: 8 digits for float32, 16 for float64).
// Tensors with more than 4096 elements carry sha256 (of the little-endian
// raw bytes), head and tail (the first and last 256 elements) and samples
// (every 997th element) instead of values and bits.
package golden

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// RelPath is the location of the golden file relative to the repository root.
const RelPath = "testdata/golden/golden.json"

var (
	loadOnce sync.Once
	loaded   map[string]json.RawMessage
	loadErr  error
)

// Load returns the top-level sections of the golden file, keyed by section
// name ("rng", "rng_sequences", "randperm", ...). The file is located by
// walking up from the working directory to the directory holding go.mod.
// It is read once per test binary; failures are reported with t.Fatal.
func Load(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	loadOnce.Do(func() {
		var root string
		root, loadErr = RepoRoot()
		if loadErr != nil {
			return
		}
		var data []byte
		data, loadErr = os.ReadFile(filepath.Join(root, RelPath))
		if loadErr != nil {
			return
		}
		loadErr = json.Unmarshal(data, &loaded)
	})
	if loadErr != nil {
		t.Fatalf("golden: %v", loadErr)
	}
	return loaded
}

// Section decodes the named top-level section of the golden file into v,
// failing the test if the section is missing or malformed.
func Section(t testing.TB, name string, v any) {
	t.Helper()
	raw, ok := Load(t)[name]
	if !ok {
		t.Fatalf("golden: no section %q", name)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("golden: section %q: %v", name, err)
	}
}

// RepoRoot returns the nearest directory at or above the working directory
// that contains a go.mod file.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod found above the working directory")
		}
		dir = parent
	}
}

// Tensor is a tensor as stored in the golden file. Small float tensors fill
// Values and Bits; integer and bool tensors fill only Values; tensors with
// more than 4096 elements fill Sha256, Head, Tail and Samples instead.
type Tensor struct {
	DType   string    `json:"dtype"`
	Shape   []int     `json:"shape"`
	Values  []float64 `json:"values"`
	Bits    []string  `json:"bits"`
	Sha256  string    `json:"sha256"`
	Head    *Tensor   `json:"head"` // first 256 elements (Values and Bits only)
	Tail    *Tensor   `json:"tail"` // last 256 elements (Values and Bits only)
	Samples []Sample  `json:"samples"`
}

// Sample is one element of a large tensor: its row-major index, bit
// pattern and value.
type Sample struct {
	Index int
	Bits  string
	Value float64
}

// UnmarshalJSON decodes the golden encoding [index, "bits", value].
func (s *Sample) UnmarshalJSON(b []byte) error {
	var a [3]json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("golden sample: %w", err)
	}
	if err := json.Unmarshal(a[0], &s.Index); err != nil {
		return fmt.Errorf("golden sample index: %w", err)
	}
	if err := json.Unmarshal(a[1], &s.Bits); err != nil {
		return fmt.Errorf("golden sample bits: %w", err)
	}
	if err := json.Unmarshal(a[2], &s.Value); err != nil {
		return fmt.Errorf("golden sample value: %w", err)
	}
	return nil
}

// Numel returns the number of elements given by Shape (1 for a 0-d tensor).
func (t *Tensor) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Bits32 parses Bits as float32 bit patterns. It panics on malformed input.
func (t *Tensor) Bits32() []uint32 {
	out := make([]uint32, len(t.Bits))
	for i, h := range t.Bits {
		out[i] = uint32(parseHex(h, 32))
	}
	return out
}

// Bits64 parses Bits as float64 bit patterns. It panics on malformed input.
func (t *Tensor) Bits64() []uint64 {
	out := make([]uint64, len(t.Bits))
	for i, h := range t.Bits {
		out[i] = parseHex(h, 64)
	}
	return out
}

// Float32s returns the elements as float32, decoded from Bits (exact).
func (t *Tensor) Float32s() []float32 {
	out := make([]float32, len(t.Bits))
	for i, b := range t.Bits32() {
		out[i] = math.Float32frombits(b)
	}
	return out
}

// Float64s returns the elements as float64, decoded from Bits (exact).
func (t *Tensor) Float64s() []float64 {
	out := make([]float64, len(t.Bits))
	for i, b := range t.Bits64() {
		out[i] = math.Float64frombits(b)
	}
	return out
}

// Ints returns Values converted to int64 (for int64 and bool tensors; the
// JSON numbers are decoded as float64, so magnitudes above 2^53 are not exact).
func (t *Tensor) Ints() []int64 {
	out := make([]int64, len(t.Values))
	for i, v := range t.Values {
		out[i] = int64(v)
	}
	return out
}

// Bits32 parses the bit pattern of a float32 sample.
func (s Sample) Bits32() uint32 { return uint32(parseHex(s.Bits, 32)) }

// Bits64 parses the bit pattern of a float64 sample.
func (s Sample) Bits64() uint64 { return parseHex(s.Bits, 64) }

func parseHex(h string, size int) uint64 {
	v, err := strconv.ParseUint(h, 16, size)
	if err != nil {
		panic(fmt.Sprintf("golden: bad %d-bit pattern %q: %v", size, h, err))
	}
	return v
}

// Sha256Float32 returns the hex SHA-256 of v as little-endian raw bytes, the
// digest stored in Tensor.Sha256 for large float32 tensors.
func Sha256Float32(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Sha256Float64 returns the hex SHA-256 of v as little-endian raw bytes, the
// digest stored in Tensor.Sha256 for large float64 tensors.
func Sha256Float64(v []float64) string {
	b := make([]byte, 8*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(f))
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
