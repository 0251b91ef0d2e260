package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sameOrNaN32 reports whether a and b have the same bits or are both NaN
// (hardware and software FMAs may pick different NaN payloads).
func sameOrNaN32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// TestFusedUpdates checks ReLUBackward32, ReLUForward32 and
// MaxPool2x2Row32 on every implementation against scalar references, with
// special values, ties and signed zeros.
func TestFusedUpdates(t *testing.T) {
	defer Use(Name())
	r := rand.New(rand.NewPCG(21, 22))
	for _, name := range Available() {
		if err := Use(name); err != nil {
			t.Fatal(err)
		}
		for _, n := range vecLens {
			x := specials[float32](r, n)
			y := specials[float32](r, n)
			rb := make([]float32, n)
			ReLUBackward32(rb, x, y)
			for i := range rb {
				want := x[i] * 0
				if y[i] > 0 {
					want = x[i]
				}
				if !sameOrNaN32(rb[i], want) {
					t.Fatalf("%s: ReLUBackward32 len %d: [%d] = %v, want %v (g %v, y %v)", name, n, i, rb[i], want, x[i], y[i])
				}
			}
			rf := make([]float32, n)
			ReLUForward32(rf, y)
			for i := range rf {
				want := y[i]
				if !(want > 0 || want != want) {
					want = 0
				}
				if !sameOrNaN32(rf[i], want) {
					t.Fatalf("%s: ReLUForward32 len %d: [%d] = %v, want %v", name, n, i, rf[i], want)
				}
			}
			if n < 5000 {
				r0, r1 := specials[float32](r, 2*n), specials[float32](r, 2*n)
				for i := range r0 { // ties and signed zeros
					if r.IntN(6) == 0 {
						r0[i] = r1[i]
					}
					if r.IntN(9) == 0 {
						r1[i] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
					}
				}
				py, pcode := make([]float32, n), make([]int32, n)
				MaxPool2x2Row32(py, pcode, r0, r1)
				wy, wcode := make([]float32, n), make([]int32, n)
				maxPool2x2Go(wy, wcode, r0, r1)
				for i := range py {
					if !sameOrNaN32(py[i], wy[i]) || pcode[i] != wcode[i] {
						t.Fatalf("%s: MaxPool2x2Row32 len %d: [%d] = %v@%d, want %v@%d", name, n, i, py[i], pcode[i], wy[i], wcode[i])
					}
				}
			}
		}
	}
}

// TestReLU64 checks ReLUForward64 and ReLUBackward64 on every implementation against scalar
// references, with special values and signed zeros.
func TestReLU64(t *testing.T) {
	defer Use(Name())
	r := rand.New(rand.NewPCG(23, 24))
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b) }
	for _, name := range Available() {
		if err := Use(name); err != nil {
			t.Fatal(err)
		}
		for _, n := range vecLens {
			g := specials[float64](r, n)
			y := specials[float64](r, n)
			rb := make([]float64, n)
			ReLUBackward64(rb, g, y)
			for i := range rb {
				want := g[i] * 0
				if y[i] > 0 {
					want = g[i]
				}
				if !same(rb[i], want) {
					t.Fatalf("%s: ReLUBackward64 len %d: [%d] = %v, want %v (g %v, y %v)", name, n, i, rb[i], want, g[i], y[i])
				}
			}
			rf := make([]float64, n)
			ReLUForward64(rf, y)
			for i := range rf {
				want := y[i]
				if !(want > 0 || want != want) {
					want = 0
				}
				if !same(rf[i], want) {
					t.Fatalf("%s: ReLUForward64 len %d: [%d] = %v, want %v", name, n, i, rf[i], want)
				}
			}
			ReLUForward64(y, y) // in place
			checkSame(t, name+" ReLUForward64 in place", y, rf)
		}
	}
}

// TestRowKernels checks CopyRows32, AddRows32, CopyRows64 and AddRows64 on
// every implementation against plain loops, for widths around the 16- and
// 8-lane vectors and strided
// layouts whose gaps must stay untouched, with slices cut to the exact
// length needed (so that reading past a row's end would fault or show).
func TestRowKernels(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		testRowKernels(t, "CopyRows32", "AddRows32", CopyRows32, AddRows32)
		testRowKernels(t, "CopyRows64", "AddRows64", CopyRows64, AddRows64)
		expectPanics(t, func() { CopyRows32(make([]float32, 9), 5, make([]float32, 10), 5, 2, 5) })
		expectPanics(t, func() { AddRows32(make([]float32, 10), 5, make([]float32, 9), 5, 2, 5) })
		expectPanics(t, func() { CopyRows64(make([]float64, 9), 5, make([]float64, 10), 5, 2, 5) })
		expectPanics(t, func() { AddRows64(make([]float64, 10), 5, make([]float64, 9), 5, 2, 5) })
	})
}

func testRowKernels[T float](t *testing.T, copyName, addName string,
	copyRows, addRows func(dst []T, dstStride int, src []T, srcStride int, rows, width int)) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, width := range []int{0, 1, 2, 7, 8, 9, 10, 15, 16, 17, 24, 28, 31, 32, 33, 50} {
		for _, rows := range []int{0, 1, 2, 5} {
			ds, ss := width+r.IntN(4), width+r.IntN(20)
			need := func(stride int) int {
				if rows == 0 || width == 0 {
					return 0
				}
				return (rows-1)*stride + width
			}
			src := specials[T](r, need(ss))
			dst0 := specials[T](r, need(ds))
			want := append([]T(nil), dst0...)
			dst := append([]T(nil), dst0...)
			for i := range rows {
				for j := range width {
					want[i*ds+j] = src[i*ss+j]
				}
			}
			copyRows(dst, ds, src, ss, rows, width)
			for i := range want {
				if !sameBits(dst[i], want[i]) {
					t.Fatalf("%s width=%d rows=%d: dst[%d] = %v, want %v", copyName, width, rows, i, dst[i], want[i])
				}
			}
			want = append(want[:0], dst0...)
			dst = append(dst[:0], dst0...)
			for i := range rows {
				for j := range width {
					want[i*ds+j] += src[i*ss+j]
				}
			}
			addRows(dst, ds, src, ss, rows, width)
			for i := range want {
				if !sameBits(dst[i], want[i]) && !(dst[i] != dst[i] && want[i] != want[i]) {
					t.Fatalf("%s width=%d rows=%d: dst[%d] = %v, want %v", addName, width, rows, i, dst[i], want[i])
				}
			}
		}
	}
}

func expectPanics(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	f()
}
