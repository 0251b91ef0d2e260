package safetensors_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	. "github.com/intercept-ml/intercept/safetensors"
)

// benchMLP is a 784-256-256-10 MLP (269,322 float32 parameters, 1.08 MB).
func benchMLP() *nn.Sequential {
	return nn.NewSequential(nn.NewLinear(784, 256), nn.NewReLU(), nn.NewLinear(256, 256), nn.NewReLU(), nn.NewLinear(256, 10))
}

// BenchmarkWriteMLP encodes the state dict to memory.
func BenchmarkWriteMLP(b *testing.B) {
	sd := nn.StateDictOf(benchMLP())
	size := int64(len(writeBytes(b, sd, nil)))
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, sd, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveMLP saves the state dict atomically, fsync included.
func BenchmarkSaveMLP(b *testing.B) {
	m := benchMLP()
	path := filepath.Join(b.TempDir(), "mlp.safetensors")
	if err := nn.SaveSafetensors(path, m, nil); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if err := nn.SaveSafetensors(path, m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadMLP parses the header and reads every tensor from memory.
func BenchmarkReadMLP(b *testing.B) {
	data := writeBytes(b, nn.StateDictOf(benchMLP()), nil)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Tensors(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSafetensorsMLP opens a file and loads it into a model (nn.LoadSafetensors).
func BenchmarkLoadSafetensorsMLP(b *testing.B) {
	m := benchMLP()
	path := filepath.Join(b.TempDir(), "mlp.safetensors")
	if err := nn.SaveSafetensors(path, m, nil); err != nil {
		b.Fatal(err)
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if err := nn.LoadSafetensors(m, path, true); err != nil {
			b.Fatal(err)
		}
	}
}
