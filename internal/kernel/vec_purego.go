package kernel

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

// relu involves no arithmetic, so one generic body serves both types.
func relu[T float](dst, x []T) {
	x = x[:len(dst)]
	for i, v := range x {
		if v < 0 {
			v = 0
		}
		dst[i] = v
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
