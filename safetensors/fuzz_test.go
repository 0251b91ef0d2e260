package safetensors_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/intercept-ml/intercept/safetensors"
	"github.com/intercept-ml/intercept/tensor"
)

// FuzzRead feeds arbitrary bytes to Read. A file must either be rejected
// with a FormatError, or every tensor must read with the declared shape,
// and writing the tensors back with the same dtypes and metadata must give
// a file that reads back to the same names, values and metadata, and that
// writes back byte for byte identically.
//
// The seed corpus in testdata/fuzz/FuzzRead holds valid files of each
// dtype and the PyTorch-written files (regenerate it with go test -run
// TestFuzzCorpus -update); the malformed inputs of TestMalformed are added
// here.
func FuzzRead(f *testing.F) {
	for _, c := range malformed {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := readBytes(data)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("not a FormatError: %v", err)
			}
			return
		}
		var named []tensor.Named
		var opts []WriteOption
		byName := map[string]*tensor.Tensor{}
		for _, name := range file.Names() {
			info, _ := file.Info(name)
			raw, err := file.Raw(name)
			if err != nil || int64(len(raw)) != info.End-info.Begin {
				t.Fatalf("valid header, but Raw(%q): %d bytes, %v", name, len(raw), err)
			}
			x, err := file.Tensor(name)
			if errors.Is(err, ErrUnsupported) {
				continue // raw only (F4, F6, C64), or a U64 beyond int64
			}
			if err != nil {
				t.Fatalf("valid header, but Tensor(%q): %v", name, err)
			}
			if !slices.Equal(x.Shape(), info.Shape) || x.DType() != info.DType.TensorDType() {
				t.Fatalf("%q: read %v %v, header says %s %v", name, x.DType(), x.Shape(), info.DType, info.Shape)
			}
			if int64(x.Numel())*int64(info.DType.Size()) != info.End-info.Begin {
				t.Fatalf("%q: %d elements in %d bytes", name, x.Numel(), info.End-info.Begin)
			}
			if isF8(info.DType) {
				continue // read, not written
			}
			named = append(named, tensor.Named{Name: name, Tensor: x})
			byName[name] = x
			opts = append(opts, StoreAs(info.DType, name))
		}
		out := writeBytes(t, named, file.Metadata(), opts...)
		again, err := readBytes(out)
		if err != nil {
			t.Fatalf("rewritten file does not read: %v", err)
		}
		// Written back in the reference's order: by type, then by name.
		want := slices.Clone(again.Names())
		slices.SortStableFunc(want, func(a, b string) int {
			return referenceRank(mustInfo(again, b).DType) - referenceRank(mustInfo(again, a).DType)
		})
		var names []string
		for _, nt := range named {
			names = append(names, nt.Name)
		}
		slices.Sort(names)
		got := slices.Sorted(slices.Values(again.Names()))
		if !slices.Equal(got, names) || !slices.Equal(again.Names(), want) || !slices.IsSortedFunc(again.Names(), func(a, b string) int {
			if ra, rb := referenceRank(mustInfo(again, a).DType), referenceRank(mustInfo(again, b).DType); ra != rb {
				return rb - ra
			}
			return strings.Compare(a, b)
		}) {
			t.Fatalf("names %q became %q", file.Names(), again.Names())
		}
		m1, m2 := file.Metadata(), again.Metadata()
		if len(m1) != len(m2) || (m1 == nil) != (m2 == nil) {
			t.Fatalf("metadata %q became %q", m1, m2)
		}
		for k, v := range m1 {
			if m2[k] != v {
				t.Fatalf("metadata %q became %q", m1, m2)
			}
		}
		var named2 []tensor.Named
		for _, name := range again.Names() {
			y, err := again.Tensor(name)
			if err != nil {
				t.Fatal(err)
			}
			if !sameValues(byName[name], y) {
				t.Fatalf("%q: %v became %v", name, byName[name], y)
			}
			if a, b := mustInfo(file, name).DType, mustInfo(again, name).DType; a != b {
				t.Fatalf("%q: dtype %s became %s", name, a, b)
			}
			named2 = append(named2, tensor.Named{Name: name, Tensor: y})
		}
		if out2 := writeBytes(t, named2, again.Metadata(), opts...); !bytes.Equal(out, out2) {
			t.Fatal("writing the same tensors twice gave different bytes")
		}
	})
}

func isF8(d DType) bool {
	return d == F8E5M2 || d == F8E4M3 || d == F8E8M0 || d == F8E4M3FNUZ || d == F8E5M2FNUZ
}

// referenceRank is d's place in the reference's Dtype enum.
func referenceRank(d DType) int {
	return slices.Index([]DType{BOOL, F4, F6E2M3, F6E3M2, U8, I8, F8E5M2, F8E4M3, F8E8M0, F8E4M3FNUZ, F8E5M2FNUZ,
		I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64}, d)
}

func mustInfo(f *File, name string) Info {
	in, _ := f.Info(name)
	return in
}

// corpusSeeds returns the committed seed corpus of FuzzRead: one valid
// file per dtype, a mixed file, and the PyTorch-written ones.
func corpusSeeds(t *testing.T) map[string][]byte {
	seeds := map[string][]byte{}
	vals := tensor.FromFloat32([]float32{1.5, -0.25, 65504, 1e-7, 3, -7}, 2, 3)
	ints := tensor.FromInt64([]int64{0, 1, 255, 17}, 4)
	for _, dt := range []DType{F64, F32, F16, BF16} {
		seeds["valid_"+string(dt)] = writeBytes(t, []tensor.Named{{Name: "w", Tensor: vals}}, nil, StoreAs(dt))
	}
	for _, dt := range []DType{I64, I32, U8} {
		seeds["valid_"+string(dt)] = writeBytes(t, []tensor.Named{{Name: "n", Tensor: ints}}, nil, StoreAs(dt))
	}
	seeds["valid_BOOL"] = writeBytes(t, []tensor.Named{{Name: "b", Tensor: tensor.FromBool([]bool{true, false, true}, 3)}}, nil)
	seeds["valid_mixed"] = writeBytes(t, []tensor.Named{
		{Name: "b", Tensor: tensor.FromBool([]bool{true}, 1)},
		{Name: "h", Tensor: vals}, {Name: "w", Tensor: vals}, {Name: "n", Tensor: ints},
		{Name: "s", Tensor: tensor.Scalar(1)}, {Name: "e", Tensor: tensor.Zeros(0, 2)},
	}, map[string]string{"format": "pt"}, StoreAs(F16, "h"))
	seeds["valid_empty"] = writeBytes(t, nil, nil)
	seeds["go_dtypes"] = goDTypesFile(t)
	seeds["go_written"] = goWrittenFile(t)
	for _, name := range []string{"dtypes", "mlp", "convnet"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		seeds["pytorch_"+name] = b
	}
	return seeds
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzRead in step with corpusSeeds
// (rewriting it under -update) and checks that every seed reads.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	for name, b := range corpusSeeds(t) {
		if _, err := readBytes(b); err != nil {
			t.Errorf("seed %s: %v", name, err)
		}
		enc := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		path := filepath.Join(dir, name)
		if *update {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(path, []byte(enc), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != enc {
			t.Errorf("seed %s is missing or stale (go test -run TestFuzzCorpus -update): %v", path, err)
		}
	}
}
