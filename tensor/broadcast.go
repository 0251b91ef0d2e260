package tensor

import (
	"fmt"
	"slices"
)

// BroadcastShapes returns the shape that tensors of the given shapes
// broadcast to under NumPy/PyTorch rules, panicking like PyTorch when they
// do not broadcast.
func BroadcastShapes(shapes ...[]int) []int {
	nd := 0
	for _, s := range shapes {
		if len(s) > nd {
			nd = len(s)
		}
	}
	out := make([]int, nd)
	for i := range out {
		out[i] = 1
	}
	for k, s := range shapes {
		off := nd - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case o == d || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				panic(fmt.Sprintf("The size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d",
					firstDim(shapes[:k], nd, off+i, o), d, off+i))
			}
		}
	}
	return out
}

// firstDim finds, among the earlier shapes, the size that conflicts at
// aligned position pos (used only for the error message).
func firstDim(prev [][]int, nd, pos, fallback int) int {
	for _, s := range prev {
		i := pos - (nd - len(s))
		if i >= 0 && s[i] != 1 {
			return s[i]
		}
	}
	return fallback
}

// broadcastStrides returns the strides that read a tensor of shape/strides
// as if it had shape out (0 along broadcast dimensions).
func broadcastStrides(shape, strides, out []int) []int {
	bs := make([]int, len(out))
	off := len(out) - len(shape)
	for i := range shape {
		if shape[i] != 1 {
			bs[off+i] = strides[i]
		}
	}
	return bs
}

// sumTo reduces a gradient g of a broadcast result back to shape, summing
// over the broadcast dimensions (PyTorch's sum_to_size). g must not require
// grad.
func sumTo(g *Tensor, shape []int) *Tensor {
	if slices.Equal(g.shape, shape) {
		return g
	}
	lead := len(g.shape) - len(shape)
	var dims []int
	for i := 0; i < len(g.shape); i++ {
		if i < lead {
			dims = append(dims, i)
			continue
		}
		if shape[i-lead] == 1 && g.shape[i] != 1 {
			dims = append(dims, i)
		}
	}
	r := g
	if len(dims) > 0 {
		r = reduceSum(g, dims, true)
	}
	return r.Reshape(shape...)
}

// iterBinary calls fn(i, ia, ib) for every element i of a row-major result
// of shape out, with ia and ib the storage offsets of the broadcast inputs.
func iterBinary(out []int, sa []int, oa int, sb []int, ob int, fn func(i, ia, ib int)) {
	n := numelOf(out)
	if n == 0 {
		return
	}
	nd := len(out)
	if nd == 0 {
		fn(0, oa, ob)
		return
	}
	idx := make([]int, nd)
	last := nd - 1
	inner := out[last]
	sal, sbl := sa[last], sb[last]
	ia, ib := oa, ob
	i := 0
	for {
		pa, pb := ia, ib
		for k := 0; k < inner; k++ {
			fn(i, pa, pb)
			i++
			pa += sal
			pb += sbl
		}
		d := last - 1
		for ; d >= 0; d-- {
			idx[d]++
			ia += sa[d]
			ib += sb[d]
			if idx[d] < out[d] {
				break
			}
			ia -= sa[d] * out[d]
			ib -= sb[d] * out[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}
