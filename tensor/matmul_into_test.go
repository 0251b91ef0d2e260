package tensor

import (
	"math"
	"testing"
)

// TestMatmulInto checks that MatmulInto gives Matmul's bits, including for
// transposed operands and a reused dst holding NaNs, and returns dst.
func TestMatmulInto(t *testing.T) {
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {64, 64, 64}, {130, 70, 300}, {5, 0, 4}} {
		m, k, n := s[0], s[1], s[2]
		a := benchData(m*k+1).Narrow(0, 1, m*k).Reshape(m, k)
		b := benchData(k*n).Reshape(n, k).T() // a transposed view
		want := Matmul(a, b)
		dst := Full(math.NaN(), m, n)
		for range 2 {
			if got := MatmulInto(dst, a, b); got != dst {
				t.Fatalf("%v: MatmulInto returned a new tensor", s)
			}
			gw, gd := want.Float32s(), dst.Float32s()
			for i := range gw {
				if math.Float32bits(gw[i]) != math.Float32bits(gd[i]) {
					t.Fatalf("%v: element %d = %v, want %v", s, i, gd[i], gw[i])
				}
			}
		}
	}
}

func TestMatmulIntoErrors(t *testing.T) {
	a, b := Zeros(4, 3), Zeros(3, 2)
	expectPanic(t, "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x1)", func() { MatmulInto(Zeros(4, 1), a, Zeros(2, 1)) })
	expectPanic(t, "dst must be a contiguous tensor of shape [4, 2], got shape [2, 4]", func() { MatmulInto(Zeros(2, 4), a, b) })
	expectPanic(t, "dst must be a contiguous tensor of shape [4, 2]", func() { MatmulInto(Zeros(2, 4).T(), a, b) })
	expectPanic(t, "self must be a matrix", func() { MatmulInto(Zeros(4, 2), Zeros(3), b) })
	expectPanic(t, "expected scalar type Float but found Double", func() { MatmulInto(ZerosOf(Float64, 4, 2), a, b) })
	expectPanic(t, "don't support automatic differentiation", func() { MatmulInto(Zeros(4, 2), a, Zeros(3, 2).SetRequiresGrad(true)) })
	expectPanic(t, "refer to a single memory location", func() { sq := Zeros(3, 3); MatmulInto(sq, sq, Zeros(3, 3)) })
	// Under NoGrad, parameters may be multiplied into a buffer.
	NoGrad(func() { MatmulInto(Zeros(4, 2), a, Zeros(3, 2).SetRequiresGrad(true)) })
}
