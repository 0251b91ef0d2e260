package tensor

import (
	"slices"
	"testing"
	"unsafe"
)

// TestNewContiguousLayout checks tensors whose header, shape, strides and
// storage share one allocation, at ranks on both sides of inlineDims.
func TestNewContiguousLayout(t *testing.T) {
	for _, shape := range [][]int{{}, {3}, {2, 3}, {2, 1, 3, 4}, {2, 3, 1, 2, 2}, {1, 2, 1, 2, 1, 2, 3}} {
		x := Empty(Float32, shape...)
		want := contiguousStrides(shape)
		if !slices.Equal(x.shape, shape) || !slices.Equal(x.strides, want) {
			t.Fatalf("Empty%v: shape %v strides %v, want strides %v", shape, x.shape, x.strides, want)
		}
		if n := numelOf(shape); len(x.Data32()) != n {
			t.Fatalf("Empty%v: %d elements, want %d", shape, len(x.Data32()), n)
		}
		// Growing the shape slice must not write into the strides that
		// follow it in the block.
		if cap(x.shape) != len(x.shape) || cap(x.strides) != len(x.strides) {
			t.Fatalf("Empty%v: shape cap %d, strides cap %d, want their lengths", shape, cap(x.shape), cap(x.strides))
		}
		_ = append(x.shape, 7)
		if !slices.Equal(x.strides, want) {
			t.Fatalf("Empty%v: strides %v after appending to the shape, want %v", shape, x.strides, want)
		}
		// Two tensors never share a block.
		y := Empty(Float32, shape...)
		if len(shape) > 0 && &x.shape[0] == &y.shape[0] {
			t.Fatalf("Empty%v: two tensors share a shape array", shape)
		}
		g := emptyGrad(Float64, shape...)
		if !g.scratch || !slices.Equal(g.shape, shape) || !slices.Equal(g.strides, want) || len(g.Data64()) != numelOf(shape) {
			t.Fatalf("emptyGrad%v: scratch %v shape %v strides %v", shape, g.scratch, g.shape, g.strides)
		}
	}
	// The shape is copied: changing the caller's slice changes nothing.
	s := []int{2, 3}
	x := Zeros(s...)
	s[0] = 5
	if x.Size(0) != 2 {
		t.Fatalf("Zeros kept the caller's shape slice: size %d", x.Size(0))
	}
}

func TestSameShape(t *testing.T) {
	a := Zeros(2, 3)
	cases := []struct {
		b    *Tensor
		want bool
	}{
		{ZerosOf(Float64, 2, 3), true},
		{Zeros(3, 2), false},
		{Zeros(2, 3, 1), false},
		{Zeros(6), false},
		{Zeros(3, 2).T(), true},
		{Zeros(), false},
	}
	for _, c := range cases {
		if got := a.SameShape(c.b); got != c.want {
			t.Errorf("[2, 3].SameShape(%v) = %v, want %v", c.b.shape, got, c.want)
		}
	}
	if !Zeros().SameShape(Ones()) {
		t.Error("two scalars: SameShape false")
	}
}

// TestIndexSelectAnyDim checks IndexSelect along every dimension of a 3-D
// tensor, contiguous or not, for each element type, against element-wise
// indexing.
func TestIndexSelectAnyDim(t *testing.T) {
	base := Arange(0, 24, 1).Reshape(2, 3, 4)
	for _, x := range []*Tensor{base, base.Permute(2, 0, 1)} {
		for _, dt := range []DType{Float32, Float64, Int64, Bool} {
			xt := x.To(dt)
			for d := range 3 {
				n := xt.Size(d)
				iv := []int64{int64(n - 1), 0, int64(n - 1)}
				got := xt.IndexSelect(d, FromInt64(iv))
				want := xt.Shape()
				want[d] = len(iv)
				if !slices.Equal(got.shape, want) {
					t.Fatalf("%v dim %d: shape %v, want %v", dt, d, got.shape, want)
				}
				for i, k := range iv {
					a := got.Slice(d, i, i+1, 1).To(Float64).Float64s()
					b := xt.Slice(d, int(k), int(k)+1, 1).To(Float64).Float64s()
					for j := range a {
						if a[j] != b[j] {
							t.Fatalf("%v dim %d, index %d: %v, want %v", dt, d, k, a, b)
						}
					}
				}
			}
			if e := xt.IndexSelect(1, FromInt64([]int64{})); !slices.Equal(e.shape, []int{xt.Size(0), 0, xt.Size(2)}) {
				t.Fatalf("%v: empty index gives shape %v", dt, e.shape)
			}
		}
	}
}

// TestTensorBlockSize keeps a new tensor's single allocation within the
// size classes of Go's allocator it was laid out for: 160 bytes for at most
// two dimensions, 192 up to inlineDims. A field that pushes a block past
// its class (as a bool between two pointers once pushed it from 256 to
// 264 bytes, into the 288-byte class) makes every small training step
// allocate a tenth more or so.
func TestTensorBlockSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	for _, c := range []struct {
		name       string
		size, want uintptr
	}{
		{"matrixBlock", unsafe.Sizeof(matrixBlock{}), 160},
		{"tensorBlock", unsafe.Sizeof(tensorBlock{}), 192},
	} {
		if c.size > c.want {
			t.Errorf("%s is %d bytes, want at most %d (Tensor %d, storage %d)", c.name, c.size, c.want, unsafe.Sizeof(Tensor{}), unsafe.Sizeof(storage{}))
		}
	}
}
