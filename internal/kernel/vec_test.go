package kernel

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

var vecLens = []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 4097, 100003}

// specials returns a slice of random values salted with NaN, ±Inf and ±0.
func specials[T float](r *rand.Rand, n int) []T {
	x := randSlice[T](r, n)
	sp := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-40, -1e-310}
	for i := range x {
		if r.IntN(10) == 0 {
			x[i] = T(sp[r.IntN(len(sp))])
		}
	}
	return x
}

func sameBits[T float](a, b T) bool {
	switch v := any(a).(type) {
	case float32:
		return math.Float32bits(v) == math.Float32bits(any(b).(float32))
	case float64:
		return math.Float64bits(v) == math.Float64bits(any(b).(float64))
	}
	panic("unreachable")
}

func checkSame[T float](t *testing.T, name string, got, want []T) {
	t.Helper()
	for i := range want {
		if !sameBits(got[i], want[i]) {
			t.Fatalf("%s: len %d: [%d] = %v, want %v", name, len(want), i, got[i], want[i])
		}
	}
}

type binOp[T float] struct {
	name string
	fn   func(dst, x, y []T)
	ref  func(x, y T) T
}

func testBinary[T float](t *testing.T, ops []binOp[T]) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, op := range ops {
		for _, n := range vecLens {
			x, y := specials[T](r, n), specials[T](r, n)
			want := make([]T, n)
			for i := range want {
				want[i] = op.ref(x[i], y[i])
			}
			dst := make([]T, n)
			op.fn(dst, x, y)
			checkSame(t, op.name, dst, want)
			// In place, dst aliasing x and then y.
			x2 := append([]T(nil), x...)
			op.fn(x2, x2, y)
			checkSame(t, op.name+" in place (x)", x2, want)
			y2 := append([]T(nil), y...)
			op.fn(y2, x, y2)
			checkSame(t, op.name+" in place (y)", y2, want)
		}
	}
}

func TestBinary32(t *testing.T) {
	testBinary(t, []binOp[float32]{
		{"Add32", Add32, func(x, y float32) float32 { return x + y }},
		{"Sub32", Sub32, func(x, y float32) float32 { return x - y }},
		{"Mul32", Mul32, func(x, y float32) float32 { return x * y }},
		{"Div32", Div32, func(x, y float32) float32 { return x / y }},
	})
}

func TestBinary64(t *testing.T) {
	testBinary(t, []binOp[float64]{
		{"Add64", Add64, func(x, y float64) float64 { return x + y }},
		{"Sub64", Sub64, func(x, y float64) float64 { return x - y }},
		{"Mul64", Mul64, func(x, y float64) float64 { return x * y }},
		{"Div64", Div64, func(x, y float64) float64 { return x / y }},
	})
}

type scalarOp[T float] struct {
	name string
	fn   func(dst, x []T, s T)
	ref  func(x, s T) T
}

func testScalar[T float](t *testing.T, ops []scalarOp[T]) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, op := range ops {
		for _, n := range vecLens {
			for _, s := range []T{0, 1, -2.5, T(math.Inf(1)), T(math.NaN()), T(r.Float64())} {
				x := specials[T](r, n)
				want := make([]T, n)
				for i := range want {
					want[i] = op.ref(x[i], s)
				}
				dst := make([]T, n)
				op.fn(dst, x, s)
				checkSame(t, op.name, dst, want)
				op.fn(x, x, s)
				checkSame(t, op.name+" in place", x, want)
			}
		}
	}
}

func TestScalar32(t *testing.T) {
	testScalar(t, []scalarOp[float32]{
		{"AddScalar32", AddScalar32, func(x, s float32) float32 { return x + s }},
		{"MulScalar32", MulScalar32, func(x, s float32) float32 { return x * s }},
		{"Axpy32", func(dst, x []float32, s float32) { copy(dst, x); Axpy32(dst, s, x) },
			func(x, s float32) float32 { return x + float32(s*x) }},
	})
}

func TestScalar64(t *testing.T) {
	testScalar(t, []scalarOp[float64]{
		{"AddScalar64", AddScalar64, func(x, s float64) float64 { return x + s }},
		{"MulScalar64", MulScalar64, func(x, s float64) float64 { return x * s }},
		{"Axpy64", func(dst, x []float64, s float64) { copy(dst, x); Axpy64(dst, s, x) },
			func(x, s float64) float64 { return x + float64(s*x) }},
	})
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range vecLens {
		x, d := specials[float32](r, n), specials[float32](r, n)
		want := make([]float32, n)
		for i := range want {
			want[i] = d[i] + float32(0.3*x[i])
		}
		Axpy32(d, 0.3, x)
		checkSame(t, "Axpy32", d, want)
		x64, d64 := specials[float64](r, n), specials[float64](r, n)
		want64 := make([]float64, n)
		for i := range want64 {
			want64[i] = d64[i] + float64(0.3*x64[i])
		}
		Axpy64(d64, 0.3, x64)
		checkSame(t, "Axpy64", d64, want64)
	}
}

func TestReLU(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, n := range vecLens {
		x := specials[float32](r, n)
		want := make([]float32, n)
		for i, v := range x {
			want[i] = v
			if v < 0 {
				want[i] = 0
			}
		}
		dst := make([]float32, n)
		ReLU32(dst, x)
		checkSame(t, "ReLU32", dst, want)
		ReLU32(x, x)
		checkSame(t, "ReLU32 in place", x, want)
		x64 := specials[float64](r, n)
		want64 := make([]float64, n)
		for i, v := range x64 {
			want64[i] = v
			if v < 0 {
				want64[i] = 0
			}
		}
		dst64 := make([]float64, n)
		ReLU64(dst64, x64)
		checkSame(t, "ReLU64", dst64, want64)
	}
	// Exact special cases: -0 and NaN pass through, -Inf and tiny negatives become +0.
	negNaN := math.Float32frombits(0xffc00001)
	in := []float32{float32(math.Copysign(0, -1)), float32(math.NaN()), negNaN, float32(math.Inf(-1)), -1e-45, -1e-40, 3, float32(math.Inf(1))}
	out := make([]float32, len(in))
	ReLU32(out, in)
	wantBits := []uint32{0x80000000, math.Float32bits(in[1]), 0xffc00001, 0, 0, 0, math.Float32bits(3), 0x7f800000}
	for i := range out {
		if math.Float32bits(out[i]) != wantBits[i] {
			t.Errorf("ReLU32(%v) = %v (%#x), want bits %#x", in[i], out[i], math.Float32bits(out[i]), wantBits[i])
		}
	}
	in64 := []float64{math.Copysign(0, -1), math.Float64frombits(0xfff8000000000001), math.Inf(-1), -5e-324, 2}
	out64 := make([]float64, len(in64))
	ReLU64(out64, in64)
	want64 := []uint64{1 << 63, 0xfff8000000000001, 0, 0, math.Float64bits(2)}
	for i := range out64 {
		if math.Float64bits(out64[i]) != want64[i] {
			t.Errorf("ReLU64(%v) = %v (%#x), want bits %#x", in64[i], out64[i], math.Float64bits(out64[i]), want64[i])
		}
	}
}

func TestAddRowVector(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, mn := range [][2]int{{0, 0}, {0, 3}, {3, 0}, {1, 1}, {5, 7}, {64, 256}, {3, 1000}} {
		m, n := mn[0], mn[1]
		c, bias := randSlice[float32](r, m*n), randSlice[float32](r, n)
		want := make([]float32, m*n)
		for i := range m {
			for j := range n {
				want[i*n+j] = c[i*n+j] + bias[j]
			}
		}
		AddRowVector32(c, m, n, bias)
		checkSame(t, "AddRowVector32", c, want)
		c64, bias64 := randSlice[float64](r, m*n), randSlice[float64](r, n)
		want64 := make([]float64, m*n)
		for i := range m {
			for j := range n {
				want64[i*n+j] = c64[i*n+j] + bias64[j]
			}
		}
		AddRowVector64(c64, m, n, bias64)
		checkSame(t, "AddRowVector64", c64, want64)
	}
}

// refPairwise spells out the documented summation order, independently of
// the implementation's code.
func refPairwise(x []float64) float64 {
	if len(x) > 128 {
		h := len(x) / 2
		h -= h % 8
		return refPairwise(x[:h]) + refPairwise(x[h:])
	}
	var lane [8]float64
	i := 0
	for ; i+8 <= len(x); i += 8 {
		for l := range lane {
			lane[l] += x[i+l]
		}
	}
	for ; i < len(x); i++ {
		lane[0] += x[i]
	}
	return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]))
}

func TestSumDot(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, n := range append(vecLens, 1<<20+3) {
		x32, y32 := randSlice[float32](r, n), randSlice[float32](r, n)
		x64, y64 := randSlice[float64](r, n), randSlice[float64](r, n)
		xs, ps := make([]float64, n), make([]float64, n)
		xs64, ps64 := make([]float64, n), make([]float64, n)
		var abs, abs64, pabs64 float64
		for i := range n {
			xs[i] = float64(x32[i])
			ps[i] = float64(x32[i]) * float64(y32[i])
			xs64[i] = x64[i]
			ps64[i] = float64(x64[i] * y64[i])
			abs += math.Abs(xs[i])
			abs64 += math.Abs(x64[i])
			pabs64 += math.Abs(ps64[i])
		}
		for _, c := range []struct {
			name     string
			got, ref float64
		}{
			{"Sum32", Sum32(x32), refPairwise(xs)},
			{"Dot32", Dot32(x32, y32), refPairwise(ps)},
			{"Sum64", Sum64(x64), refPairwise(xs64)},
			{"Dot64", Dot64(x64, y64), refPairwise(ps64)},
		} {
			if math.Float64bits(c.got) != math.Float64bits(c.ref) {
				t.Errorf("%s(len %d) = %v, want %v (documented order)", c.name, n, c.got, c.ref)
			}
		}
		// Accuracy against a compensated sum: pairwise error is O(log n)·eps.
		tol := 40 * 0x1p-53 * abs64
		if d := math.Abs(Sum64(x64) - kahan(xs64)); d > tol {
			t.Errorf("Sum64(len %d) off by %g > %g", n, d, tol)
		}
		if d := math.Abs(Sum32(x32) - kahan(xs)); d > 40*0x1p-53*abs {
			t.Errorf("Sum32(len %d) off by %g", n, d)
		}
		if d := math.Abs(Dot64(x64, y64) - kahan(ps64)); d > 40*0x1p-53*pabs64+float64(n)*0x1p-53*pabs64 {
			t.Errorf("Dot64(len %d) off by %g", n, d)
		}
	}
	if Sum32(nil) != 0 || Sum64(nil) != 0 || Dot32(nil, nil) != 0 || Dot64(nil, nil) != 0 {
		t.Error("empty reductions should be 0")
	}
}

func kahan(x []float64) float64 {
	var s, c float64
	for _, v := range x {
		y := v - c
		t := s + y
		c = (t - s) - y
		s = t
	}
	return s
}

func TestMaxIndex(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		x    []float64
		want int
	}{
		{[]float64{1}, 0},
		{[]float64{1, 3, 2}, 1},
		{[]float64{3, 3, 1}, 0},
		{[]float64{1, 3, 3}, 1},
		{[]float64{-inf, -inf}, 0},
		{[]float64{1, inf, nan, 5, nan}, 2},
		{[]float64{nan, 1}, 0},
		{[]float64{-1, -0.5, -2}, 1},
		{[]float64{math.Copysign(0, -1), 0}, 0},
	} {
		if got := MaxIndex64(c.x); got != c.want {
			t.Errorf("MaxIndex64(%v) = %d, want %d", c.x, got, c.want)
		}
		x32 := make([]float32, len(c.x))
		for i, v := range c.x {
			x32[i] = float32(v)
		}
		if got := MaxIndex32(x32); got != c.want {
			t.Errorf("MaxIndex32(%v) = %d, want %d", x32, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(23, 24))
	for _, n := range vecLens[1:] {
		x := randSlice[float32](r, n)
		want := 0
		for i, v := range x {
			if v > x[want] {
				want = i
			}
		}
		if got := MaxIndex32(x); got != want {
			t.Errorf("MaxIndex32(random len %d) = %d, want %d", n, got, want)
		}
	}
}

func TestVectorPanics(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	for name, f := range map[string]func(){
		"Add32":          func() { Add32(a, a, b) },
		"Sub64":          func() { Sub64(make([]float64, 2), make([]float64, 3), make([]float64, 2)) },
		"Mul32":          func() { Mul32(b, a, a) },
		"Div32":          func() { Div32(a, b, a) },
		"AddScalar32":    func() { AddScalar32(a, b, 1) },
		"MulScalar32":    func() { MulScalar32(a, b, 1) },
		"Axpy32":         func() { Axpy32(a, 1, b) },
		"ReLU32":         func() { ReLU32(a, b) },
		"Dot32":          func() { Dot32(a, b) },
		"MaxIndex32":     func() { MaxIndex32(nil) },
		"MaxIndex64":     func() { MaxIndex64([]float64{}) },
		"AddRowVector32": func() { AddRowVector32(b, 2, 2, a) },
		"AddRowVector64": func() { AddRowVector64(make([]float64, 5), 2, 2, make([]float64, 2)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: expected panic", name)
				}
			}()
			f()
		}()
	}
}

// vecChecksum hashes the bits of the kernels whose rounding could change if
// the compiler contracted multiply-adds (Axpy, Dot) plus the reductions.
func vecChecksum() uint64 {
	h := fnv.New64a()
	r := rand.New(rand.NewPCG(25, 26))
	put := func(u uint64) {
		var buf [8]byte
		for j := range buf {
			buf[j] = byte(u >> (8 * j))
		}
		h.Write(buf[:])
	}
	for _, n := range []int{1, 100, 1000, 12345} {
		x32, y32 := randSlice[float32](r, n), randSlice[float32](r, n)
		x64, y64 := randSlice[float64](r, n), randSlice[float64](r, n)
		Axpy32(y32, 0.7, x32)
		Axpy64(y64, 0.7, x64)
		for i := range n {
			put(uint64(math.Float32bits(y32[i])))
			put(math.Float64bits(y64[i]))
		}
		put(math.Float64bits(Sum32(x32)))
		put(math.Float64bits(Sum64(x64)))
		put(math.Float64bits(Dot32(x32, y32)))
		put(math.Float64bits(Dot64(x64, y64)))
	}
	return h.Sum64()
}

// goldenVec is vecChecksum for the purego implementation at any GOAMD64.
const goldenVec = 0x6f9d2298866c83b

func TestVectorGolden(t *testing.T) {
	if Name() != "purego" {
		t.Skipf("golden checksum is for purego, not %s", Name())
	}
	if h := vecChecksum(); h != goldenVec {
		t.Errorf("checksum %#x, want %#x", h, uint64(goldenVec))
	}
}

// TestSplitVectorKernels checks Add32, ReLUForward32, ReLUBackward32 and Clear32 on slices long
// enough to be split across the worker pool, at several GOMAXPROCS, against plain loops: every
// element must be written once, with the same value.
func TestSplitVectorKernels(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		r := rand.New(rand.NewPCG(41, 42))
		for _, procs := range []int{1, 2, 3, 8} {
			runtime.GOMAXPROCS(procs)
			for _, n := range []int{vectorSplitMin - 1, vectorSplitMin, 3*vectorSplitMin + 7, 1<<20 + 3} {
				x := randSlice[float32](r, n)
				y := randSlice[float32](r, n)
				dst := make([]float32, n+1)
				dst[n] = 7 // past the end: must stay
				Add32(dst[:n], x, y)
				for i := range n {
					if want := x[i] + y[i]; dst[i] != want {
						t.Fatalf("GOMAXPROCS=%d n=%d: Add32 dst[%d] = %v, want %v", procs, n, i, dst[i], want)
					}
				}
				Add32(x, x, y) // in place
				for i := range n {
					if x[i] != dst[i] {
						t.Fatalf("GOMAXPROCS=%d n=%d: in-place Add32 x[%d] = %v, want %v", procs, n, i, x[i], dst[i])
					}
				}
				ReLUForward32(dst[:n], x)
				for i := range n {
					if want := max(x[i], 0); dst[i] != want {
						t.Fatalf("GOMAXPROCS=%d n=%d: ReLUForward32 dst[%d] = %v, want %v", procs, n, i, dst[i], want)
					}
				}
				ReLUBackward32(dst[:n], y, x)
				for i := range n {
					want := y[i] * 0
					if x[i] > 0 {
						want = y[i]
					}
					if math.Float32bits(dst[i]) != math.Float32bits(want) {
						t.Fatalf("GOMAXPROCS=%d n=%d: ReLUBackward32 dst[%d] = %v, want %v", procs, n, i, dst[i], want)
					}
				}
				Clear32(dst[:n])
				for i := range n {
					if dst[i] != 0 {
						t.Fatalf("GOMAXPROCS=%d n=%d: Clear32 left dst[%d] = %v", procs, n, i, dst[i])
					}
				}
				if dst[n] != 7 {
					t.Fatalf("GOMAXPROCS=%d n=%d: wrote past the end", procs, n)
				}
			}
		}
	})
}
