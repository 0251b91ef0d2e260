package tensorinternal_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// TestHooked checks that the functions handed over by package tensor are
// the ones called: each does what its contract says on a small case.
func TestHooked(t *testing.T) {
	g := tensorinternal.EmptyGrad(tensor.Float32, 2, 3)
	if g.DType() != tensor.Float32 || !slices.Equal(g.Shape(), []int{2, 3}) || !g.IsContiguous() {
		t.Fatalf("EmptyGrad: %v %v", g.DType(), g.Shape())
	}
	r := tensorinternal.EmptyReused(tensor.Float64, 4)
	if r.DType() != tensor.Float64 || !slices.Equal(r.Shape(), []int{4}) {
		t.Fatalf("EmptyReused: %v %v", r.DType(), r.Shape())
	}
	w := tensor.FromFloat32([]float32{1, 2}, 2).SetRequiresGrad(true)
	if tensorinternal.LeafGrad(w) != nil {
		t.Fatal("LeafGrad of a leaf without Grad is not nil")
	}
	x := tensor.FromFloat32([]float32{-1, 2}, 2)
	out := tensor.Mul(w.Detach(), x)
	y := tensorinternal.RecordReLU(out, "MulBackward0", []*tensor.Tensor{w}, func(g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{tensor.Mul(g, x)}
	})
	if got := y.Data32(); got[0] != 0 || got[1] != 4 || y.GradFn() != "ReluBackward0" {
		t.Fatalf("RecordReLU: %v %s", got, y.GradFn())
	}
	y.Sum().Backward()
	if g := w.Grad.Data32(); g[0] != 0 || g[1] != 2 {
		t.Fatalf("RecordReLU gradient: %v", g)
	}
	if tensorinternal.LeafGrad(w) != w.Grad {
		t.Fatal("LeafGrad does not return the leaf's Grad")
	}
	tensorinternal.RecycleAfterBackward(y) // no-op after the graph is released
	tensorinternal.Recycle(tensor.Zeros(8))
	for dt, want := range map[tensor.DType]string{tensor.Float32: "Float", tensor.Float64: "Double", tensor.Int64: "Long", tensor.Bool: "Bool"} {
		if got := tensorinternal.ScalarTypeName(dt); got != want {
			t.Errorf("ScalarTypeName(%v) = %q, want %q", dt, got, want)
		}
	}
}

// TestNotExported checks that package tensor exports none of this
// package's functions: users of tensor see tensors, ops and autograd only.
func TestNotExported(t *testing.T) {
	dir := filepath.Join("..", "..", "tensor")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	hidden := []string{"EmptyGrad", "EmptyReused", "Recycle", "RecycleAfterBackward", "LeafGrad", "RecordReLU", "KeepGrad", "WatchVersion"}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.IsExported() && slices.Contains(hidden, fd.Name.Name) {
				t.Errorf("package tensor exports %s (%s)", fd.Name.Name, name)
			}
		}
	}
}

// Going through the hook costs no allocation: a pooled tensor costs its
// header only, as a direct call in package tensor does (the implicit
// slice of the shape arguments stays on the stack).
func TestEmptyReusedAllocs(t *testing.T) {
	for name, f := range map[string]func() *tensor.Tensor{
		"EmptyReused(32, 64)":       func() *tensor.Tensor { return tensorinternal.EmptyReused(tensor.Float32, 32, 64) },
		"EmptyReused(2, 4, 16, 16)": func() *tensor.Tensor { return tensorinternal.EmptyReused(tensor.Float32, 2, 4, 16, 16) },
		"EmptyGrad(32, 64)":         func() *tensor.Tensor { return tensorinternal.EmptyGrad(tensor.Float32, 32, 64) },
	} {
		tensorinternal.Recycle(f())
		if allocs := testing.AllocsPerRun(100, func() { tensorinternal.Recycle(f()) }); allocs > 1 {
			t.Errorf("%s then Recycle: %v allocations, want 1", name, allocs)
		}
	}
}

// TestWatchVersion checks that the version of a watched storage changes
// with every write through any of its views and every Writable32/64
// access, with nothing else, and that Data32 and Data64 saturate it for
// good (their slices can be written at any time, unseen).
func TestWatchVersion(t *testing.T) {
	w := tensor.Zeros(4, 6)
	v := tensorinternal.WatchVersion(w)
	if v == 0 || v == tensorinternal.VersionSaturated {
		t.Fatalf("first version %d", v)
	}
	same := func(what string) {
		t.Helper()
		if got := tensorinternal.WatchVersion(w); got != v {
			t.Fatalf("%s changed the version from %d to %d", what, v, got)
		}
	}
	changed := func(what string) {
		t.Helper()
		got := tensorinternal.WatchVersion(w)
		if got == v || got == tensorinternal.VersionSaturated {
			t.Fatalf("%s: version %d after %d", what, got, v)
		}
		v = got
	}
	same("WatchVersion")
	_ = w.At(1, 2)
	_ = w.Add(w)
	_ = w.Narrow(1, 0, 3).Contiguous()
	_ = w.Float32sShared()
	_ = w.Float32s()
	same("reading")
	tensorinternal.Writable32(w)
	changed("Writable32")
	w.Set(1, 0, 0)
	changed("Set")
	w.Narrow(0, 1, 2).Fill(3)
	changed("Fill of a view")
	w.Select(1, 2).CopyFrom(tensor.Ones(4))
	changed("CopyFrom into a view")
	w.Zero()
	changed("Zero")
	tensor.MatmulInto(w, tensor.Ones(4, 2), tensor.Ones(2, 6))
	changed("MatmulInto")
	tensorinternal.Writable32(w.View(24))
	changed("Writable32 of a view")
	w.View(24).Data32()
	if got := tensorinternal.WatchVersion(w); got != tensorinternal.VersionSaturated {
		t.Fatalf("Data32 of a view left version %d, want VersionSaturated", got)
	}
	w.Set(2, 0, 0)
	tensorinternal.Writable32(w)
	if got := tensorinternal.WatchVersion(w); got != tensorinternal.VersionSaturated {
		t.Fatalf("a saturated version became %d", got)
	}

	d := tensor.Zeros(3).To(tensor.Float64)
	v = tensorinternal.WatchVersion(d)
	tensorinternal.Writable64(d)
	if got := tensorinternal.WatchVersion(d); got == v || got == tensorinternal.VersionSaturated {
		t.Fatalf("Writable64: version %d after %d", got, v)
	}
	// A slice handed out before anybody watched: the storage is never
	// watchable.
	e := tensor.Zeros(3).To(tensor.Float64)
	e.Data64()
	if got := tensorinternal.WatchVersion(e); got != tensorinternal.VersionSaturated {
		t.Fatalf("Data64 before watching: version %d, want VersionSaturated", got)
	}
}
