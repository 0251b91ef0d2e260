package kernel

import "github.com/intercept-ml/intercept/internal/fp"

// The fused update kernels below serve the optimizers, whose PyTorch
// counterparts use fused multiply-adds. The assembly implementations use
// the CPU's FMA instructions; the portable one computes the same correctly
// rounded results with fp.FMA32, so every implementation gives identical
// bits.

// AxpyFused32 sets dst[i] = a*x[i] + dst[i] rounded once (a fused
// multiply-add), as PyTorch's dst.add_(x, alpha=a) on float32 CPU tensors.
// It panics if the lengths differ.
func AxpyFused32(dst []float32, a float32, x []float32) {
	checkLen2("AxpyFused32", len(dst), len(x))
	impl.axpyFused32(dst, a, x)
}

// SGDMomentum32 performs SGD's momentum update without dampening, weight
// decay or Nesterov: buf[i] = buf[i]*mom + g[i] (the product rounded before
// the add) and then p[i] = negLR*buf[i] + p[i] rounded once. It panics
// unless p, g and buf have the same length.
func SGDMomentum32(p, g, buf []float32, mom, negLR float32) {
	checkLen3("SGDMomentum32", len(p), len(g), len(buf))
	impl.sgdMomentum32(p, g, buf, mom, negLR)
}

func axpyFused32Go(dst []float32, a float32, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = fp.FMA32(a, x[i], dst[i])
	}
}

func sgdMomentum32Go(p, g, buf []float32, mom, negLR float32) {
	g = g[:len(p)]
	buf = buf[:len(p)]
	for i := range p {
		b := float32(buf[i]*mom) + g[i]
		buf[i] = b
		p[i] = fp.FMA32(negLR, b, p[i])
	}
}

// ReLUBackward32 sets dst[i] = g[i] where y[i] > 0 and g[i]*0 elsewhere
// (also where y[i] is NaN): the gradient of ReLU given its output y, with
// the same bits as multiplying g by a 0/1 mask. It panics if the lengths
// differ.
func ReLUBackward32(dst, g, y []float32) {
	checkLen3("ReLUBackward32", len(dst), len(g), len(y))
	impl.reluBackward32(dst, g, y)
}

func reluBackward32Go(dst, g, y []float32) {
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
// elsewhere (so -0 gives +0), as the tensor package's ReLU. It panics if
// the lengths differ.
func ReLUForward32(dst, x []float32) {
	checkLen2("ReLUForward32", len(dst), len(x))
	impl.reluForward32(dst, x)
}

func reluForward32Go(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if !(v > 0 || v != v) {
			v = 0
		}
		dst[i] = v
	}
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
