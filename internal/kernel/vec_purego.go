package kernel

import "unsafe"

// Element-wise kernels. The float32 and float64 bodies are written out
// separately rather than as generic functions so that every loop is compiled
// for its concrete type and the explicit roundings that block FMA
// contraction are unambiguous. Lengths were checked by the caller; the
// reslicing below lets the compiler drop bounds checks in the loops.

func add32(dst, x, y []float32) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func add64(dst, x, y []float64) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func sub32(dst, x, y []float32) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - y[i]
	}
}

func sub64(dst, x, y []float64) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - y[i]
	}
}

func mul32(dst, x, y []float32) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func mul64(dst, x, y []float64) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func div32(dst, x, y []float32) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / y[i]
	}
}

func div64(dst, x, y []float64) {
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / y[i]
	}
}

func addScalar32(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + s
	}
}

func addScalar64(dst, x []float64, s float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + s
	}
}

func mulScalar32(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * s
	}
}

func mulScalar64(dst, x []float64, s float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * s
	}
}

func axpy32(dst []float32, alpha float32, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += float32(alpha * x[i])
	}
}

func axpy64(dst []float64, alpha float64, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += float64(alpha * x[i])
	}
}

// relu32 and relu64 work on the bit patterns: x < 0 exactly when the bits,
// read as an unsigned integer, lie in (sign|+0, sign|+Inf], which excludes
// -0 and NaNs. A single unsigned compare then drives a conditional move; a
// branch on the sign of random data would mispredict half the time.
func relu32(dst, x []float32) {
	xb := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
	db := unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst))
	xb = xb[:len(db)]
	// b-lo < span ⟺ 0x80000001 ≤ b ≤ 0xff800000: −(smallest subnormal) … −Inf.
	const lo, span = 1<<31 + 1, 0x7f800000
	i := 0
	for ; i+4 <= len(db); i += 4 {
		s := (*[4]uint32)(xb[i:])
		b0, b1, b2, b3 := s[0], s[1], s[2], s[3]
		if b0-lo < span {
			b0 = 0
		}
		if b1-lo < span {
			b1 = 0
		}
		if b2-lo < span {
			b2 = 0
		}
		if b3-lo < span {
			b3 = 0
		}
		d := (*[4]uint32)(db[i:])
		d[0], d[1], d[2], d[3] = b0, b1, b2, b3
	}
	for ; i < len(db); i++ {
		if b := xb[i]; b-lo < span {
			db[i] = 0
		} else {
			db[i] = b
		}
	}
}

func relu64(dst, x []float64) {
	xb := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
	db := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst))
	xb = xb[:len(db)]
	// b-lo < span ⟺ 0x8000000000000001 ≤ b ≤ 0xfff0000000000000.
	const lo, span = 1<<63 + 1, 0x7ff0000000000000
	i := 0
	for ; i+4 <= len(db); i += 4 {
		s := (*[4]uint64)(xb[i:])
		b0, b1, b2, b3 := s[0], s[1], s[2], s[3]
		if b0-lo < span {
			b0 = 0
		}
		if b1-lo < span {
			b1 = 0
		}
		if b2-lo < span {
			b2 = 0
		}
		if b3-lo < span {
			b3 = 0
		}
		d := (*[4]uint64)(db[i:])
		d[0], d[1], d[2], d[3] = b0, b1, b2, b3
	}
	for ; i < len(db); i++ {
		if b := xb[i]; b-lo < span {
			db[i] = 0
		} else {
			db[i] = b
		}
	}
}

// addRowVector involves only additions, which cannot be contracted.
func addRowVector[T float](c []T, m, n int, bias []T) {
	for i := range m {
		row := c[i*n:][:n]
		bias := bias[:n]
		for j := range row {
			row[j] += bias[j]
		}
	}
}

// maxIndex returns the index of the first NaN, or else of the first maximum.
func maxIndex[T float](x []T) int {
	best, bv := 0, x[0]
	if bv != bv {
		return 0
	}
	for i, v := range x[1:] {
		if v > bv {
			best, bv = i+1, v
		} else if v != v {
			return i + 1
		}
	}
	return best
}
