package safetensors_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
		var opts []Option
		for _, name := range file.Names() {
			info, _ := file.Info(name)
			x, err := file.Tensor(name)
			if err != nil {
				t.Fatalf("valid header, but Tensor(%q): %v", name, err)
			}
			if !slices.Equal(x.Shape(), info.Shape) || x.DType() != info.DType.TensorDType() {
				t.Fatalf("%q: read %v %v, header says %s %v", name, x.DType(), x.Shape(), info.DType, info.Shape)
			}
			if int64(x.Numel())*int64(info.DType.Size()) != info.End-info.Begin {
				t.Fatalf("%q: %d elements in %d bytes", name, x.Numel(), info.End-info.Begin)
			}
			named = append(named, tensor.Named{Name: name, Tensor: x})
			opts = append(opts, StoreAs(info.DType, name))
		}
		out := writeBytes(t, named, file.Metadata(), opts...)
		again, err := readBytes(out)
		if err != nil {
			t.Fatalf("rewritten file does not read: %v", err)
		}
		if !slices.Equal(again.Names(), file.Names()) {
			t.Fatalf("names %q became %q", file.Names(), again.Names())
		}
		m1, m2 := file.Metadata(), again.Metadata()
		if len(m1) != len(m2) {
			t.Fatalf("metadata %q became %q", m1, m2)
		}
		for k, v := range m1 {
			if m2[k] != v {
				t.Fatalf("metadata %q became %q", m1, m2)
			}
		}
		var named2 []tensor.Named
		for i, name := range again.Names() {
			y, err := again.Tensor(name)
			if err != nil {
				t.Fatal(err)
			}
			if !sameValues(named[i].Tensor, y) {
				t.Fatalf("%q: %v became %v", name, named[i].Tensor, y)
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
