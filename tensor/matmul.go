package tensor

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// Matmul returns the matrix product of a and b with torch.matmul's rules:
// 1-D·1-D is a dot product, 2-D·2-D a matrix product, a 1-D operand is
// treated as a row (left) or column (right) vector, and higher-dimensional
// operands are batches of matrices whose batch dimensions broadcast.
func Matmul(a, b *Tensor) *Tensor {
	requireFloat("matmul", a)
	requireFloat("matmul", b)
	if a.dtype != b.dtype {
		panic(fmt.Sprintf("expected scalar type %s but found %s", typeName(a.dtype), typeName(b.dtype)))
	}
	switch {
	case a.Dim() == 0 || b.Dim() == 0:
		panic(fmt.Sprintf("both arguments to matmul need to be at least 1D, but they are %dD and %dD", a.Dim(), b.Dim()))
	case a.Dim() == 1 && b.Dim() == 1:
		if a.shape[0] != b.shape[0] {
			panic(fmt.Sprintf("inconsistent tensor size, expected tensor [%d] and src [%d] to have the same number of elements, but got %d and %d elements respectively",
				a.shape[0], b.shape[0], a.shape[0], b.shape[0]))
		}
		return Matmul(a.Unsqueeze(0), b.Unsqueeze(1)).Reshape()
	case a.Dim() == 1:
		return Matmul(a.Unsqueeze(0), b).Squeeze(-2)
	case b.Dim() == 1:
		return Matmul(a, b.Unsqueeze(1)).Squeeze(-1)
	}
	m, k := a.shape[a.Dim()-2], a.shape[a.Dim()-1]
	k2, n := b.shape[b.Dim()-2], b.shape[b.Dim()-1]
	if k != k2 {
		if a.Dim() == 2 && b.Dim() == 2 {
			panic(fmt.Sprintf("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)", m, k, k2, n))
		}
		panic(fmt.Sprintf("Expected size for first two dimensions of batch2 tensor to be: [%d, %d] but got: [%d, %d]. (matmul of %s and %s)",
			numelOf(BroadcastShapes(a.shape[:a.Dim()-2], b.shape[:b.Dim()-2])), k, numelOf(b.shape[:b.Dim()-2]), k2,
			pyfmt.List(a.shape...), pyfmt.List(b.shape...)))
	}
	var out *Tensor
	name := "MmBackward0"
	if a.Dim() == 2 && b.Dim() == 2 {
		out = mmRaw(a, b)
	} else {
		name = "BmmBackward0"
		batch := BroadcastShapes(a.shape[:a.Dim()-2], b.shape[:b.Dim()-2])
		ae := a.Detach().Expand(append(append([]int(nil), batch...), m, k)...)
		be := b.Detach().Expand(append(append([]int(nil), batch...), k, n)...)
		nb := numelOf(batch)
		a3 := ae.Reshape(nb, m, k)
		b3 := be.Reshape(nb, k, n)
		out = emptyReused(a.dtype, nb, m, n) // every element is written below
		if nb > 0 {
			// One 2-D view per operand, moved from batch to batch (the
			// products of Select(0, i) without a view per batch).
			av, bv, ov := a3.Select(0, 0), b3.Select(0, 0), out.Select(0, 0)
			for i := 0; i < nb; i++ {
				av.offset = a3.offset + i*a3.strides[0]
				bv.offset = b3.offset + i*b3.strides[0]
				ov.offset = out.offset + i*out.strides[0]
				mmInto(ov, av, bv)
			}
		}
		out = out.Reshape(append(append([]int(nil), batch...), m, n)...)
	}
	if !(a.requiresGrad || b.requiresGrad) || !gradEnabled() {
		// Nothing to record: spare the closure and its captures.
		return out
	}
	ad, bd := a.Detach(), b.Detach()
	record(out, name, []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = sumTo(Matmul(g, bd.Transpose(-1, -2)), ad.shape)
		}
		if b.requiresGrad {
			if bd.Dim() == 2 && ad.Dim() == 2 && bd.strides[0] == 1 && bd.shape[0] > 1 && bd.shape[1] > 1 {
				// b is the transpose of a row-major matrix (a weight used
				// as W.T()): form the gradient in that matrix's layout,
				// (gᵀ·a)ᵀ, so that it reaches W contiguous. Every element
				// has the same products in the same order as aᵀ·g.
				gb = Matmul(g.Transpose(-1, -2), ad).Transpose(-1, -2)
			} else {
				gb = sumTo(Matmul(ad.Transpose(-1, -2), g), bd.shape)
			}
		}
		return []*Tensor{ga, gb}
	})
	return out
}

// MatmulInto writes the matrix product of the 2-D tensors a (m×k) and b
// (k×n) into dst, like torch.mm(a, b, out=dst), and returns dst. Reusing
// dst spares allocating and zeroing a new result (and the garbage
// collections that follow) when the same product is formed again and
// again. dst must be a contiguous m×n tensor of a's type that shares no
// memory with a or b; as with PyTorch's out= arguments, nothing is
// recorded for autograd, so no argument may require grad while gradients
// are enabled. It panics otherwise, with PyTorch's messages where PyTorch
// has one.
func MatmulInto(dst, a, b *Tensor) *Tensor {
	requireFloat("mm", a)
	requireFloat("mm", b)
	if a.dtype != b.dtype || dst.dtype != a.dtype {
		panic(fmt.Sprintf("expected scalar type %s but found %s", typeName(a.dtype), typeName(otherType(a.dtype, b.dtype, dst.dtype))))
	}
	if a.Dim() != 2 {
		panic("self must be a matrix")
	}
	if b.Dim() != 2 {
		panic("mat2 must be a matrix")
	}
	m, k, k2, n := a.shape[0], a.shape[1], b.shape[0], b.shape[1]
	if k != k2 {
		panic(fmt.Sprintf("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)", m, k, k2, n))
	}
	if dst.Dim() != 2 || dst.shape[0] != m || dst.shape[1] != n || !dst.IsContiguous() {
		panic(fmt.Sprintf("MatmulInto: dst must be a contiguous tensor of shape [%d, %d], got shape %s", m, n, pyfmt.List(dst.shape...)))
	}
	if gradEnabled() && (a.requiresGrad || b.requiresGrad || dst.requiresGrad) {
		panic("mm(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.")
	}
	dst.st.wrote()
	if dst.st == a.st || dst.st == b.st {
		panic("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.")
	}
	mmInto(dst, a, b)
	return dst
}

// otherType returns the first of ts that differs from want (want if none).
func otherType(want DType, ts ...DType) DType {
	for _, t := range ts {
		if t != want {
			return t
		}
	}
	return want
}

// Matmul returns the matrix product t·b (see the function Matmul).
func (t *Tensor) Matmul(b *Tensor) *Tensor { return Matmul(t, b) }

// typeName is ATen's name of a dtype in error messages ("Float", "Double",
// "Long", "Bool"); it implements tensorinternal.ScalarTypeName.
func typeName(d DType) string {
	switch d {
	case Float32:
		return "Float"
	case Float64:
		return "Double"
	case Int64:
		return "Long"
	}
	return "Bool"
}

// gemmOperand returns the storage slice, transpose flag and leading
// dimension with which a 2-D tensor can be passed to GEMM without copying,
// copying only when neither it nor its transpose is row-major.
func gemmOperand(t *Tensor) (t2 *Tensor, trans bool, ld int) {
	r, c := t.shape[0], t.shape[1]
	switch {
	case (t.strides[1] == 1 || c <= 1) && (t.strides[0] >= c || r <= 1):
		ld = t.strides[0]
		if r <= 1 || ld < c {
			ld = c
		}
		return t, false, ld
	case (t.strides[0] == 1 || r <= 1) && (t.strides[1] >= r || c <= 1):
		ld = t.strides[1]
		if c <= 1 || ld < r {
			ld = r
		}
		return t, true, ld
	}
	cc := t.contiguousCopy()
	return cc, false, c
}

// mmRaw multiplies two 2-D tensors without recording.
func mmRaw(a, b *Tensor) *Tensor {
	// GEMM with beta 0 writes every element of out without reading it.
	out := emptyReused(a.dtype, a.shape[0], b.shape[1])
	mmInto(out, a, b)
	return out
}

// mmInto writes a·b into the contiguous 2-D view out.
func mmInto(out, a, b *Tensor) {
	m, k, n := a.shape[0], a.shape[1], b.shape[1]
	if m == 0 || n == 0 {
		return
	}
	a2, ta, lda := gemmOperand(a)
	b2, tb, ldb := gemmOperand(b)
	ldc := n
	switch a.dtype {
	case Float32:
		kernel.Gemm32(ta, tb, m, n, k, 1, a2.st.f32()[a2.offset:], lda, b2.st.f32()[b2.offset:], ldb, 0, out.st.f32()[out.offset:], ldc)
	case Float64:
		kernel.Gemm64(ta, tb, m, n, k, 1, a2.st.f64()[a2.offset:], lda, b2.st.f64()[b2.offset:], ldb, 0, out.st.f64()[out.offset:], ldc)
	}
}
