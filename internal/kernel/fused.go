package kernel

import "fmt"

// ReLUBackward32 sets dst[i] = g[i] where y[i] > 0 and g[i]*0 elsewhere
// (also where y[i] is NaN): the gradient of ReLU given its output y, with
// the same bits as multiplying g by a 0/1 mask. Long slices are split
// across the worker pool (see splitVector). It panics if the lengths
// differ.
func ReLUBackward32(dst, g, y []float32) {
	checkLen3("ReLUBackward32", len(dst), len(g), len(y))
	if len(dst) >= vectorSplitMin && splitVector(len(dst), func(lo, hi int) { impl.reluBackward32(dst[lo:hi], g[lo:hi], y[lo:hi]) }) {
		return
	}
	impl.reluBackward32(dst, g, y)
}

// reluBackwardGo is the portable ReLUBackward32/64.
func reluBackwardGo[T float](dst, g, y []T) {
	g = g[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		if y[i] > 0 {
			dst[i] = g[i]
		} else {
			dst[i] = g[i] * 0
		}
	}
}

// ReLUForward32 sets dst[i] = x[i] where x[i] > 0 or x[i] is NaN, and +0
// elsewhere (so -0 gives +0), as the tensor package's ReLU. Long slices
// are split across the worker pool (see splitVector). It panics if the
// lengths differ.
func ReLUForward32(dst, x []float32) {
	checkLen2("ReLUForward32", len(dst), len(x))
	if len(dst) >= vectorSplitMin && splitVector(len(dst), func(lo, hi int) { impl.reluForward32(dst[lo:hi], x[lo:hi]) }) {
		return
	}
	impl.reluForward32(dst, x)
}

// reluForwardGo is the portable ReLUForward32/64.
func reluForwardGo[T float](dst, x []T) {
	x = x[:len(dst)]
	for i, v := range x {
		if !(v > 0 || v != v) {
			v = 0
		}
		dst[i] = v
	}
}

// ReLUBackward64 is ReLUBackward32 for float64.
func ReLUBackward64(dst, g, y []float64) {
	checkLen3("ReLUBackward64", len(dst), len(g), len(y))
	if len(dst) >= vectorSplitMin && splitVector(len(dst), func(lo, hi int) { impl.reluBackward64(dst[lo:hi], g[lo:hi], y[lo:hi]) }) {
		return
	}
	impl.reluBackward64(dst, g, y)
}

// ReLUForward64 is ReLUForward32 for float64 (unlike ReLU64, it turns -0
// into +0).
func ReLUForward64(dst, x []float64) {
	checkLen2("ReLUForward64", len(dst), len(x))
	if len(dst) >= vectorSplitMin && splitVector(len(dst), func(lo, hi int) { impl.reluForward64(dst[lo:hi], x[lo:hi]) }) {
		return
	}
	impl.reluForward64(dst, x)
}

// MaxPool2x2Row32 computes one output row of a 2×2 max pool with stride 2:
// for each o < len(y), the window r0[2o], r0[2o+1], r1[2o], r1[2o+1] is
// scanned in that order and a value wins if it is greater than the best so
// far or is NaN (PyTorch's rule: the first maximum wins ties, −0 and +0
// tie, the last NaN wins). y[o] gets the winner and code[o] its position
// 0..3 in the scan. It panics unless len(code) == len(y) and r0 and r1 hold
// at least 2*len(y) values.
func MaxPool2x2Row32(y []float32, code []int32, r0, r1 []float32) {
	if len(code) != len(y) || len(r0) < 2*len(y) || len(r1) < 2*len(y) {
		panic("kernel: MaxPool2x2Row32: length mismatch")
	}
	impl.maxPool2x2(y, code, r0, r1)
}

func maxPool2x2Go(y []float32, code []int32, r0, r1 []float32) {
	code = code[:len(y)]
	r0 = r0[:2*len(y)]
	r1 = r1[:2*len(y)]
	for o := range y {
		a, b, c, d := r0[2*o], r0[2*o+1], r1[2*o], r1[2*o+1]
		best, k := a, int32(0)
		if b > best || b != b {
			best, k = b, 1
		}
		if c > best || c != c {
			best, k = c, 2
		}
		if d > best || d != d {
			best, k = d, 3
		}
		y[o], code[o] = best, k
	}
}

// CopyRows32 copies rows rows of width elements between strided layouts:
// dst[r*dstStride+j] = src[r*srcStride+j] for r < rows and j < width (the
// row copies of im2col). It panics if a slice is too short.
func CopyRows32(dst []float32, dstStride int, src []float32, srcStride int, rows, width int) {
	checkRows("CopyRows32", len(dst), dstStride, len(src), srcStride, rows, width)
	impl.copyRows32(dst, dstStride, src, srcStride, rows, width)
}

// AddRows32 adds rows rows of width elements between strided layouts:
// dst[r*dstStride+j] += src[r*srcStride+j] for r < rows and j < width (the
// row sums of col2im), each sum rounded once. It panics if a slice is too
// short.
func AddRows32(dst []float32, dstStride int, src []float32, srcStride int, rows, width int) {
	checkRows("AddRows32", len(dst), dstStride, len(src), srcStride, rows, width)
	impl.addRows32(dst, dstStride, src, srcStride, rows, width)
}

// CopyRows64 is CopyRows32 for float64.
func CopyRows64(dst []float64, dstStride int, src []float64, srcStride int, rows, width int) {
	checkRows("CopyRows64", len(dst), dstStride, len(src), srcStride, rows, width)
	impl.copyRows64(dst, dstStride, src, srcStride, rows, width)
}

// AddRows64 is AddRows32 for float64.
func AddRows64(dst []float64, dstStride int, src []float64, srcStride int, rows, width int) {
	checkRows("AddRows64", len(dst), dstStride, len(src), srcStride, rows, width)
	impl.addRows64(dst, dstStride, src, srcStride, rows, width)
}

// checkRows panics unless the strided rows fit the slices. It is small
// enough to inline (im2col calls the row kernels once per kernel offset);
// badRows builds the message.
func checkRows(fn string, ld, dstStride, ls, srcStride, rows, width int) {
	if rows < 0 || width < 0 || rows > 0 && width > 0 &&
		(dstStride < 0 || srcStride < 0 || ld < (rows-1)*dstStride+width || ls < (rows-1)*srcStride+width) {
		badRows(fn, ld, dstStride, ls, srcStride, rows, width)
	}
}

//go:noinline
func badRows(fn string, ld, dstStride, ls, srcStride, rows, width int) {
	panic(fmt.Sprintf("kernel: %s: %d rows of %d with strides dst %d, src %d do not fit len(dst)=%d, len(src)=%d",
		fn, rows, width, dstStride, srcStride, ld, ls))
}

func copyRowsGo[T float](dst []T, dstStride int, src []T, srcStride int, rows, width int) {
	if width == 0 {
		return
	}
	for r := range rows {
		copy(dst[r*dstStride:r*dstStride+width], src[r*srcStride:r*srcStride+width])
	}
}

func addRowsGo[T float](dst []T, dstStride int, src []T, srcStride int, rows, width int) {
	if width == 0 {
		return
	}
	for r := range rows {
		d := dst[r*dstStride : r*dstStride+width]
		s := src[r*srcStride : r*srcStride+width]
		for j := range d {
			d[j] += s[j]
		}
	}
}
