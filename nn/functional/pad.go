package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// PadMode is Pad's mode=, a PadOption: PadConstant (the default),
// PadReflect, PadReplicate or PadCircular.
type PadMode string

const (
	// PadConstant pads with PadValue (default 0): mode='constant'.
	PadConstant PadMode = "constant"
	// PadReflect mirrors the input at its edges, not repeating the edge:
	// mode='reflect'. Each pad must be smaller than its dimension.
	PadReflect PadMode = "reflect"
	// PadReplicate repeats the edge values: mode='replicate'.
	PadReplicate PadMode = "replicate"
	// PadCircular wraps around: mode='circular'. Each pad must be at most
	// its dimension.
	PadCircular PadMode = "circular"
)

func (PadMode) padOption() {}

// PadValueOption is the value of PadValue, a PadOption.
type PadValueOption float64

// PadValue sets the fill value of PadConstant (PyTorch's value=; default 0).
func PadValue(v float64) PadValueOption { return PadValueOption(v) }

func (PadValueOption) padOption() {}

// Pad pads x like torch.nn.functional.pad: pad holds (before, after) pairs
// for the last len(pad)/2 dimensions, last dimension first. The options
// are a mode (PadConstant, the default, whose pads may be negative to crop;
// PadReflect, PadReplicate, PadCircular, which pad the last 1, 2 or 3
// dimensions of an input with one or two more) and PadValue. The gradient
// of each input element sums the gradients of the outputs it was copied to.
func Pad(x *tensor.Tensor, pad []int, opts ...PadOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	mode := c.padMode
	if mode == "" {
		mode = PadConstant
	}
	if len(pad)%2 != 0 {
		panic("Padding length must be divisible by 2")
	}
	nd := len(pad) / 2
	if nd > x.Dim() {
		panic("Padding length too large")
	}
	sh := x.Shape()
	if mode != PadConstant {
		if c.padValue != 0 {
			panic(fmt.Sprintf("Padding mode \"%s\" doesn't take in value argument", mode))
		}
		if nd < 1 || nd > 3 || (x.Dim() != nd+1 && x.Dim() != nd+2) {
			panic("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now")
		}
	}
	// src[d] maps each output index of padded dimension d to its input
	// index, -1 for the fill value.
	outShape := append([]int(nil), sh...)
	src := make([][]int, x.Dim())
	for j := range nd {
		d := x.Dim() - 1 - j
		n, lo, hi := sh[d], pad[2*j], pad[2*j+1]
		switch mode {
		case PadReflect:
			if lo >= n || hi >= n {
				panic(fmt.Sprintf("Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (%d, %d) at dimension %d of input %s",
					lo, hi, d, pyfmt.List(sh...)))
			}
		case PadCircular:
			if lo > n || hi > n {
				panic("Padding value causes wrapping around more than once.")
			}
		case PadReplicate:
			if n == 0 {
				panic(fmt.Sprintf("input tensor must have non-zero size in padded dimension %d", d))
			}
		}
		on := n + lo + hi
		if on < 0 {
			panic(fmt.Sprintf("The input size %d, plus negative padding %d and %d resulted in a negative output size, which is invalid. Check dimension %d of your input.",
				n, lo, hi, d))
		}
		outShape[d] = on
		m := make([]int, on)
		for o := range m {
			i := o - lo
			switch mode {
			case PadConstant:
				if i < 0 || i >= n {
					i = -1
				}
			case PadReflect:
				if i < 0 {
					i = -i
				}
				if i >= n {
					i = 2*(n-1) - i
				}
			case PadReplicate:
				i = min(max(i, 0), n-1)
			case PadCircular:
				i = ((i % n) + n) % n
			}
			m[o] = i
		}
		src[d] = m
	}
	requireFloat("pad", "input", x)
	xc := x.Contiguous()
	dt := x.DType()
	out := newLike(dt, outShape)
	// gather maps every output element to its flat input index (-1: fill).
	gather := padIndex(sh, outShape, src)
	if dt == tensor.Float32 {
		padForward(raw[float32](xc), raw[float32](out), gather, float32(c.padValue))
	} else {
		padForward(raw[float64](xc), raw[float64](out), gather, c.padValue)
	}
	name := "ConstantPadNdBackward0"
	switch mode {
	case PadReflect:
		name = fmt.Sprintf("ReflectionPad%dDBackward0", nd)
	case PadReplicate:
		name = fmt.Sprintf("ReplicationPad%dDBackward0", nd)
	case PadCircular:
		name = "CircularPadBackward0"
	}
	tensor.Record(out, name, []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := tensor.ZerosOf(dt, sh...)
		if dt == tensor.Float32 {
			padBackward(raw[float32](gy), raw[float32](gx), gather)
		} else {
			padBackward(raw[float64](gy), raw[float64](gx), gather)
		}
		return []*tensor.Tensor{gx}
	})
	return out
}

// padIndex returns, for each element of the output (row-major), the flat
// index of its source in the input, or -1.
func padIndex(in, out []int, src [][]int) []int {
	n := numel(out)
	idx := make([]int, n)
	strides := make([]int, len(in))
	s := 1
	for d := len(in) - 1; d >= 0; d-- {
		strides[d] = s
		s *= in[d]
	}
	pos := make([]int, len(out))
	for k := range n {
		f := 0
		for d, o := range pos {
			i := o
			if src[d] != nil {
				i = src[d][o]
				if i < 0 {
					f = -1
					break
				}
			}
			f += i * strides[d]
		}
		idx[k] = f
		for d := len(pos) - 1; d >= 0; d-- {
			pos[d]++
			if pos[d] < out[d] {
				break
			}
			pos[d] = 0
		}
	}
	return idx
}

func padForward[T float](x, y []T, idx []int, fill T) {
	for k, i := range idx {
		if i < 0 {
			y[k] = fill
		} else {
			y[k] = x[i]
		}
	}
}

func padBackward[T float](gy, gx []T, idx []int) {
	for k, i := range idx {
		if i >= 0 {
			gx[i] += gy[k]
		}
	}
}
