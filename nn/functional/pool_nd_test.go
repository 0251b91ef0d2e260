package functional

import (
	"fmt"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestGradPoolingND checks the gradients of the 1-d and 3-d poolings and
// the adaptive max poolings against central differences.
func TestGradPoolingND(t *testing.T) {
	x1 := seq(1, 2, 3, 11)
	gradCheck(t, "max_pool1d", func() *tensor.Tensor { return MaxPool1d(x1, []int{3}, Stride(2), Padding(1), Dilation(2), CeilMode) }, x1)
	gradCheck(t, "avg_pool1d", func() *tensor.Tensor { return AvgPool1d(x1, []int{3}, Stride(2), Padding(1), CeilMode) }, x1)
	gradCheck(t, "avg_pool1d exclude", func() *tensor.Tensor {
		return AvgPool1d(x1, []int{4}, Stride(3), Padding(2), CountIncludePad(false))
	}, x1)
	x3 := seq(2, 2, 2, 5, 6, 5)
	gradCheck(t, "max_pool3d", func() *tensor.Tensor {
		return MaxPool3d(x3, []int{2, 3, 2}, Stride(1, 2, 2), Padding(1, 1, 0), Dilation(2, 1, 1), CeilMode)
	}, x3)
	gradCheck(t, "avg_pool3d", func() *tensor.Tensor {
		return AvgPool3d(x3, []int{2, 3, 3}, Stride(1, 2, 2), Padding(1), CeilMode, CountIncludePad(false))
	}, x3)
	gradCheck(t, "avg_pool3d divisor", func() *tensor.Tensor {
		return AvgPool3d(x3, []int{3}, Stride(2), Padding(1), DivisorOverride(5))
	}, x3)
	for _, o := range []int{1, 3, 4, 11, 15} {
		gradCheck(t, fmt.Sprint("adaptive_avg_pool1d ", o), func() *tensor.Tensor { return AdaptiveAvgPool1d(x1, o) }, x1)
		gradCheck(t, fmt.Sprint("adaptive_max_pool1d ", o), func() *tensor.Tensor { return AdaptiveMaxPool1d(x1, o) }, x1)
	}
	x2 := seq(3, 2, 3, 7, 9)
	for _, o := range [][]int{{3, 4}, {2}, {1, 1}, {7, 9}, {10, 5}} {
		gradCheck(t, fmt.Sprint("adaptive_max_pool2d ", o), func() *tensor.Tensor { return AdaptiveMaxPool2d(x2, o) }, x2)
	}
}

// TestAvgPool3dDivisor checks AvgPool3d's divisor_override against the
// window sums: with kernel = stride = 2 and divisor 3 every output is the
// sum of its 8 inputs over 3.
func TestAvgPool3dDivisor(t *testing.T) {
	x := tensor.Ones(1, 2, 2, 2)
	got := AvgPool3d(x, []int{2}, DivisorOverride(3)).Float64s()
	if len(got) != 1 || got[0] != float32to64(8.0/3) {
		t.Errorf("got %v, want [%v]", got, float32to64(8.0/3))
	}
}

func float32to64(v float64) float64 { return float64(float32(v)) }

// TestGradPad checks Pad's gradient in every mode against central
// differences.
func TestGradPad(t *testing.T) {
	x := seq(4, 2, 3, 4, 5, 3)
	for _, c := range []struct {
		pad  []int
		mode PadMode
	}{
		{[]int{1, 2}, PadConstant}, {[]int{-1, 2, 0, 1}, PadConstant},
		{[]int{2, 1}, PadReflect}, {[]int{2, 1, 3, 1}, PadReflect}, {[]int{1, 2, 0, 3, 1, 1}, PadReflect},
		{[]int{3, 4}, PadReplicate}, {[]int{1, 0, 2, 2}, PadReplicate}, {[]int{1, 2, 4, 3, 2, 1}, PadReplicate},
		{[]int{3, 2}, PadCircular}, {[]int{1, 3, 2, 4}, PadCircular}, {[]int{2, 1, 1, 2, 3, 0}, PadCircular},
	} {
		in := x
		switch len(c.pad) {
		case 2:
			in = seq(5, 3, 4, 5)
		case 4:
			in = seq(6, 2, 3, 5, 5)
		}
		gradCheck(t, fmt.Sprint("pad ", c.mode, c.pad), func() *tensor.Tensor { return Pad(in, c.pad, c.mode, PadValue(0)) }, in)
	}
}

// TestGradInterpolate checks Interpolate's gradient (nearest and bilinear,
// with and without align_corners) against central differences.
func TestGradInterpolate(t *testing.T) {
	x := seq(7, 2, 2, 4, 5)
	x1 := seq(8, 2, 3, 5)
	x3 := seq(9, 1, 2, 3, 2, 4)
	for _, c := range []struct {
		name string
		in   *tensor.Tensor
		opts []InterpolateOption
	}{
		{"nearest x2", x, []InterpolateOption{ScaleFactor(2)}},
		{"nearest 1d x3", x1, []InterpolateOption{ScaleFactor(3)}},
		{"nearest size", x, []InterpolateOption{Size(7, 3)}},
		{"nearest 3d", x3, []InterpolateOption{Size(5)}},
		{"nearest down", x, []InterpolateOption{ScaleFactor(0.5)}},
		{"bilinear x2", x, []InterpolateOption{ScaleFactor(2), ModeBilinear}},
		{"bilinear align", x, []InterpolateOption{ScaleFactor(2), ModeBilinear, AlignCorners(true)}},
		{"bilinear size", x, []InterpolateOption{Size(7, 3), ModeBilinear}},
		{"bilinear size align", x, []InterpolateOption{Size(7, 9), ModeBilinear, AlignCorners(true)}},
		{"bilinear mixed", x, []InterpolateOption{ScaleFactor(1.7, 0.6), ModeBilinear}},
	} {
		gradCheck(t, "interpolate "+c.name, func() *tensor.Tensor { return Interpolate(c.in, c.opts...) }, c.in)
	}
}
