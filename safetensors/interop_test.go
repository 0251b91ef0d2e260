package safetensors_test

// Interoperability with PyTorch, in both directions. The files under
// testdata come from gen_safetensors.py (see its doc string for the order
// of the steps); the Python script also checks, with PyTorch, the files Go
// writes here (go_*.safetensors), and records what it found in
// expected.json.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	. "github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// Every tensor of a file written by (a mirror of) the reference writer
// from PyTorch tensors reads bit for bit as PyTorch holds it.
func TestPyTorchDTypes(t *testing.T) {
	e := loadExpected(t)
	f, err := Open(filepath.Join("testdata", e.DTypes.File))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !slices.Equal(f.Names(), e.DTypes.Order) {
		t.Errorf("Names() = %v, want header order %v", f.Names(), e.DTypes.Order)
	}
	meta := f.Metadata()
	if len(meta) != len(e.DTypes.Metadata) {
		t.Errorf("metadata %v, want %v", meta, e.DTypes.Metadata)
	}
	for k, v := range e.DTypes.Metadata {
		if meta[k] != v {
			t.Errorf("metadata[%q] = %q, want %q", k, meta[k], v)
		}
	}
	seen := map[DType]bool{}
	for name, want := range e.DTypes.Tensors {
		info, ok := f.Info(name)
		if !ok || string(info.DType) != want.DType || !slices.Equal(info.Shape, want.Shape) {
			t.Errorf("%s: info %+v, want %s %v", name, info, want.DType, want.Shape)
			continue
		}
		seen[info.DType] = true
		got, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType() != info.DType.TensorDType() || !slices.Equal(got.Shape(), want.Shape) {
			t.Errorf("%s: read %v %v", name, got.DType(), got.Shape())
		}
		switch {
		case want.Float64Bits != nil:
			for i, v := range got.Float64s() {
				if math.Float64bits(v) != want.Float64Bits[i] {
					t.Errorf("%s[%d] = %#x, want %#x", name, i, math.Float64bits(v), want.Float64Bits[i])
				}
			}
		case want.Float32Bits != nil:
			for i, v := range got.Float32s() {
				if math.Float32bits(v) != want.Float32Bits[i] {
					t.Errorf("%s[%d] = %#x, want %#x", name, i, math.Float32bits(v), want.Float32Bits[i])
				}
			}
		case want.Ints != nil:
			for i, v := range got.Int64s() {
				if v != want.Ints[i] {
					t.Errorf("%s[%d] = %d, want %d", name, i, v, want.Ints[i])
				}
			}
		case want.Bools != nil:
			for i, v := range got.Bools() {
				if v != want.Bools[i] {
					t.Errorf("%s[%d] = %v, want %v", name, i, v, want.Bools[i])
				}
			}
		}
		// F16/BF16 encoding: our rounding of the float32 sources equals
		// PyTorch's .half() and .bfloat16().
		conv := map[string]func(float32) uint16{"F16": Float32ToHalf, "BF16": Float32ToBF16}[want.DType]
		for i, src := range want.SourceFloat32Bits {
			if h := conv(math.Float32frombits(src)); h != want.StoredBits[i] {
				t.Errorf("%s: %s(%g = %#x) = %#04x, PyTorch %#04x", name, want.DType, math.Float32frombits(src), src, h, want.StoredBits[i])
			}
		}
	}
	for _, dt := range []DType{F64, F32, F16, BF16, I64, I32, U8, BOOL} {
		if !seen[dt] {
			t.Errorf("no %s tensor checked", dt)
		}
	}
}

// The F16/BF16 conversions agree with PyTorch's on every F16 and BF16 bit
// pattern (to float32) and on 2^23 float32 bit patterns (from float32),
// compared through SHA-256 hashes of the results.
func TestConversionsMatchPyTorch(t *testing.T) {
	e := loadExpected(t).Conversions
	all16 := func(conv func(uint16) float32) string {
		b := make([]byte, 4<<16)
		for h := range 1 << 16 {
			binary.LittleEndian.PutUint32(b[4*h:], math.Float32bits(conv(uint16(h))))
		}
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:])
	}
	if got := all16(HalfToFloat32); got != e.F16ToF32 {
		t.Errorf("F16 → float32 of all patterns: hash %s, PyTorch %s", got, e.F16ToF32)
	}
	if got := all16(BF16ToFloat32); got != e.BF16ToF32 {
		t.Errorf("BF16 → float32 of all patterns: hash %s, PyTorch %s", got, e.BF16ToF32)
	}

	// The patterns of gen_safetensors.py's pattern_hashes.
	const n = 1 << 22
	pats := make([]uint32, 0, 2*n)
	for i := range uint64(n) {
		pats = append(pats, uint32(i*0x9E3779B1))
	}
	low := []uint32{0x0FFF, 0x1000, 0x1001, 0x3000, 0x7FFF, 0x8000, 0x8001, 0x18000}
	for i := range n {
		pats = append(pats, pats[i]&^0x1FFFF|low[i%8])
	}
	if len(pats) != e.Patterns {
		t.Fatalf("%d patterns, PyTorch hashed %d", len(pats), e.Patterns)
	}
	from32 := func(conv func(float32) uint16) string {
		b := make([]byte, 2*len(pats))
		for i, p := range pats {
			binary.LittleEndian.PutUint16(b[2*i:], conv(math.Float32frombits(p)))
		}
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:])
	}
	if got := from32(Float32ToHalf); got != e.F32ToF16 {
		t.Errorf("float32 → F16: hash %s, PyTorch %s", got, e.F32ToF16)
	}
	if got := from32(Float32ToBF16); got != e.F32ToBF16 {
		t.Errorf("float32 → BF16: hash %s, PyTorch %s", got, e.F32ToBF16)
	}
}

// A state dict saved from PyTorch loads into the equal Go model and gives
// PyTorch's outputs.
func TestPyTorchMLP(t *testing.T) {
	e := loadExpected(t).MLP
	m := nn.NewSequential(nn.NewLinear(3, 4), nn.NewReLU(), nn.NewLinear(4, 1))
	if err := nn.LoadSafetensors(m, filepath.Join("testdata", e.File), true); err != nil {
		t.Fatal(err)
	}
	nn.Eval(m)
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = m.Forward(tensor.FromFloat32(e.Input, e.InputShape...)) })
	closeTo(t, y, e.Output, e.OutputShape)
}

// Loading checks keys and shapes as PyTorch does and leaves the model
// unchanged on error.
func TestLoadSafetensorsErrors(t *testing.T) {
	e := loadExpected(t).MLP
	path := filepath.Join("testdata", e.File)
	dir := t.TempDir()

	small := nn.NewSequential(nn.NewLinear(3, 4))
	// Non-strict: the extra keys of the file are ignored.
	if err := nn.LoadSafetensors(small, path, false); err != nil {
		t.Fatalf("non-strict load: %v", err)
	}
	sd, _, _ := Load(path)
	if !tensor.Equal(small.At(0).(*nn.Linear).Weight, nn.StateDict(sd).Get("0.weight")) {
		t.Error("non-strict load did not load 0.weight")
	}

	small = nn.NewSequential(nn.NewLinear(3, 4))
	before := small.At(0).(*nn.Linear).Weight.Clone()
	err := nn.LoadSafetensors(small, path, true)
	var le *nn.LoadError
	if !errors.As(err, &le) || len(le.Unexpected) != 2 {
		t.Errorf("strict load with extra keys: %v", err)
	}
	if !tensor.Equal(small.At(0).(*nn.Linear).Weight, before) {
		t.Error("a failed load changed the model")
	}

	wide := nn.NewSequential(nn.NewLinear(3, 5), nn.NewReLU(), nn.NewLinear(5, 1))
	err = nn.LoadSafetensors(wide, path, false)
	if !errors.As(err, &le) || len(le.Mismatched) != 3 {
		t.Errorf("shape mismatch: %v", err)
	} else {
		t.Log(err)
	}

	big := nn.NewSequential(nn.NewLinear(3, 4), nn.NewReLU(), nn.NewLinear(4, 1), nn.NewLinear(1, 1))
	p := filepath.Join(dir, "partial.safetensors")
	if err := Save(p, sd, nil); err != nil {
		t.Fatal(err)
	}
	if err := nn.LoadSafetensors(big, p, true); !errors.As(err, &le) || len(le.Missing) != 2 {
		t.Errorf("strict load with missing keys: %v", err)
	}
	if err := nn.LoadSafetensors(big, p, false); err != nil {
		t.Errorf("non-strict load with missing keys: %v", err)
	}
	if err := nn.LoadSafetensors(big, filepath.Join(dir, "absent.safetensors"), false); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// goDTypesFile is what Go writes to testdata/go_dtypes.safetensors: every
// conversion StoreAs offers, for PyTorch to check.
func goDTypesFile(t testing.TB) []byte {
	src := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1 + 1.0/2048, 1 + 3.0/2048, 65504, 65519, 65520, 1e6,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1.0 / (1 << 24), 1.0 / (1 << 25),
		3.0 / (1 << 26), 1e-10, 1 + 1.0/256, 1 + 3.0/256, 3.4028235e38, 1e-45}
	for i := range 43 {
		src = append(src, float32(math.Sin(float64(i)*1.7)*math.Pow(10, float64(i%9-4))))
	}
	src64 := make([]float64, len(src))
	for i, v := range src {
		src64[i] = float64(v) * (1 + 1e-9*float64(i%5)) // values between float32s
	}
	src64 = append(src64, 1+1.0/2048+1e-12, 1+1.0/2048-1e-12, 1+1.0/2048) // near an F16 tie
	ints := tensor.FromInt64([]int64{0, 1, 127, 128, 255, 7}, 2, 3)
	f32 := tensor.FromFloat32(src, len(src))
	f64 := tensor.FromFloat64(src64, len(src64))
	return writeBytes(t, []tensor.Named{
		{Name: "src_f32", Tensor: f32},
		{Name: "as_f16", Tensor: f32},
		{Name: "as_bf16", Tensor: f32},
		{Name: "src_f64", Tensor: f64},
		{Name: "f64_as_f32", Tensor: f64},
		{Name: "f64_as_f16", Tensor: f64},
		{Name: "f64_as_bf16", Tensor: f64},
		{Name: "i64", Tensor: ints},
		{Name: "as_i32", Tensor: ints},
		{Name: "as_u8", Tensor: ints},
		{Name: "bool", Tensor: tensor.FromBool([]bool{true, false, false, true}, 2, 2)},
		{Name: "scalar", Tensor: tensor.Scalar(-2.5)},
		{Name: "empty", Tensor: tensor.Zeros(2, 0)},
	}, nil, StoreAs(F16, "as_f16", "f64_as_f16"), StoreAs(BF16, "as_bf16", "f64_as_bf16"),
		StoreAs(F32, "f64_as_f32"), StoreAs(I32, "as_i32"), StoreAs(U8, "as_u8"))
}

// checkGoWritten compares a file Go writes now with the committed one and
// with what PyTorch found when it read that file; under -update it
// rewrites the committed file instead.
func checkGoWritten(t *testing.T, got []byte, name string, rec *goWritten) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s; now run gen_safetensors.py to have PyTorch check it", path)
		return
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Fatalf("Go now writes different bytes than the committed %s (rerun with -update, then gen_safetensors.py)", path)
	}
	if rec == nil {
		t.Fatalf("expected.json has no PyTorch check of %s: run gen_safetensors.py", name)
	}
	sum := sha256.Sum256(got)
	if hex.EncodeToString(sum[:]) != rec.SHA256 {
		t.Fatalf("PyTorch checked another version of %s (sha256 %s): rerun gen_safetensors.py", name, rec.SHA256)
	}
	for check, ok := range rec.Checks {
		if !ok {
			t.Errorf("PyTorch check %q failed on %s", check, name)
		}
	}
	if !rec.AllOK || len(rec.Checks) == 0 {
		t.Errorf("PyTorch did not accept %s", name)
	}
}

// Go writes every conversion; PyTorch confirmed each equals its own.
func TestGoWrittenDTypes(t *testing.T) {
	e := loadExpected(t)
	checkGoWritten(t, goDTypesFile(t), "go_dtypes.safetensors", e.GoDTypes)
}
