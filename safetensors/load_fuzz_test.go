package safetensors_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	. "github.com/intercept-ml/intercept/safetensors"
)

// FuzzLoadModel feeds arbitrary files to safetensors.Load and to
// nn.LoadSafetensors (strict and not): an error, or a model holding
// exactly the file's values; a refused load leaves the model unchanged.
func FuzzLoadModel(f *testing.F) {
	for _, p := range []string{"testdata/mlp.safetensors", "testdata/dtypes.safetensors", "testdata/go_written.safetensors"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, c := range malformed {
		f.Add(c.data)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "m.safetensors")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(path); err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Load: not a FormatError: %v", err)
			}
		}
		for _, strict := range []bool{true, false} {
			model := nn.NewSequential(nn.NewLinear(3, 4), nn.NewReLU(), nn.NewLinear(4, 1))
			before := nn.StateDictOf(model)
			snap := make([][]float64, len(before))
			for i, nt := range before {
				snap[i] = nt.Tensor.Float64s()
			}
			err := nn.LoadSafetensors(model, path, strict)
			if err != nil {
				for i, nt := range nn.StateDictOf(model) {
					got := nt.Tensor.Float64s()
					for j := range got {
						if got[j] != snap[i][j] && !(got[j] != got[j] && snap[i][j] != snap[i][j]) {
							t.Fatalf("a refused load (%v) changed %s", err, nt.Name)
						}
					}
				}
			}
		}
	})
}
