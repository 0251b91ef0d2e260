package functional

import (
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// The two batched products of multi-head attention, over the heads in
// place. q is (L, N, E) and k and v are (S, N, E), contiguous, E = H·d:
// head h of batch element n is the column block [h·d, (h+1)·d) of the rows
// of n, a d-column matrix with leading dimension N·E. PyTorch forms the
// products with bmm on (N·H, L, d) views of the heads, made contiguous by
// copies, and copies the result back to (L, N, E); here every product of
// batch b = n·H + h is one GEMM call on the blocks in place, with the
// shapes and operands of that bmm (so the same sums), and the results and
// gradients are written straight into their final layout. The batches run
// in parallel chunks (each writes its own blocks).

// headScores returns the (N·H, L, S) scores q_b·k_bᵀ of every batch b
// (BmmBackward0).
func headScores(q, k *tensor.Tensor, heads int) *tensor.Tensor {
	L, N, E := q.Size(0), q.Size(1), q.Size(2)
	S := k.Size(0)
	out := tensorinternal.EmptyReused(q.DType(), N*heads, L, S)
	if q.DType() == tensor.Float32 {
		headScoresT(raw[float32](q), raw[float32](k), raw[float32](out), L, S, N, E, heads)
	} else {
		headScoresT(raw[float64](q), raw[float64](k), raw[float64](out), L, S, N, E, heads)
	}
	needQ, needK := q.RequiresGrad(), k.RequiresGrad()
	qd, kd := q.Detach(), k.Detach()
	tensor.Record(out, "BmmBackward0", []*tensor.Tensor{q, k}, func(g *tensor.Tensor) []*tensor.Tensor {
		g = contig(g)
		var gq, gk *tensor.Tensor
		if needQ {
			gq = tensorinternal.EmptyGrad(g.DType(), L, N, E)
		}
		if needK {
			gk = tensorinternal.EmptyGrad(g.DType(), S, N, E)
		}
		if g.DType() == tensor.Float32 {
			headScoresBackward(raw[float32](qd), raw[float32](kd), raw[float32](g), rawOrNil[float32](gq), rawOrNil[float32](gk), L, S, N, E, heads)
		} else {
			headScoresBackward(raw[float64](qd), raw[float64](kd), raw[float64](g), rawOrNil[float64](gq), rawOrNil[float64](gk), L, S, N, E, heads)
		}
		return []*tensor.Tensor{gq, gk}
	})
	return out
}

func headScoresT[T float](q, k, out []T, L, S, N, E, heads int) {
	d, ld := E/heads, N*E
	parallelChunks(N*heads, N*heads*L*S*d/8, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			off := (b/heads)*E + (b%heads)*d
			gemm(false, true, L, S, d, 1, q[off:], ld, k[off:], ld, 0, out[b*L*S:], S)
		}
	})
}

// headScoresBackward forms dq_b = g_b·k_b and dk_b = g_bᵀ·q_b (the
// transpose of bmm's q_bᵀ·g_b, element by element the same sums).
func headScoresBackward[T float](q, k, g, gq, gk []T, L, S, N, E, heads int) {
	d, ld := E/heads, N*E
	parallelChunks(N*heads, N*heads*L*S*d/4, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			off := (b/heads)*E + (b%heads)*d
			gb := g[b*L*S:]
			if gq != nil {
				gemm(false, false, L, d, S, 1, gb, S, k[off:], ld, 0, gq[off:], ld)
			}
			if gk != nil {
				gemm(true, false, S, d, L, 1, gb, S, q[off:], ld, 0, gk[off:], ld)
			}
		}
	})
}

// headValues returns the (L, N, E) result of the products attn_b·v_b of
// every batch b, attn (N·H, L, S) contiguous: head h of batch element n in
// the columns [h·d, (h+1)·d) of the rows of n (BmmBackward0).
func headValues(attn, v *tensor.Tensor, heads int) *tensor.Tensor {
	L, S := attn.Size(1), attn.Size(2)
	N, E := v.Size(1), v.Size(2)
	out := tensorinternal.EmptyReused(v.DType(), L, N, E)
	if v.DType() == tensor.Float32 {
		headValuesT(raw[float32](attn), raw[float32](v), raw[float32](out), L, S, N, E, heads)
	} else {
		headValuesT(raw[float64](attn), raw[float64](v), raw[float64](out), L, S, N, E, heads)
	}
	needA, needV := attn.RequiresGrad(), v.RequiresGrad()
	ad, vd := attn.Detach(), v.Detach()
	tensor.Record(out, "BmmBackward0", []*tensor.Tensor{attn, v}, func(g *tensor.Tensor) []*tensor.Tensor {
		g = contig(g)
		var ga, gv *tensor.Tensor
		if needA {
			ga = tensorinternal.EmptyGrad(g.DType(), N*heads, L, S)
		}
		if needV {
			gv = tensorinternal.EmptyGrad(g.DType(), S, N, E)
		}
		if g.DType() == tensor.Float32 {
			headValuesBackward(raw[float32](ad), raw[float32](vd), raw[float32](g), rawOrNil[float32](ga), rawOrNil[float32](gv), L, S, N, E, heads)
		} else {
			headValuesBackward(raw[float64](ad), raw[float64](vd), raw[float64](g), rawOrNil[float64](ga), rawOrNil[float64](gv), L, S, N, E, heads)
		}
		return []*tensor.Tensor{ga, gv}
	})
	return out
}

func headValuesT[T float](attn, v, out []T, L, S, N, E, heads int) {
	d, ld := E/heads, N*E
	parallelChunks(N*heads, N*heads*L*S*d/8, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			off := (b/heads)*E + (b%heads)*d
			gemm(false, false, L, d, S, 1, attn[b*L*S:], S, v[off:], ld, 0, out[off:], ld)
		}
	})
}

// headValuesBackward forms dattn_b = g_b·v_bᵀ and dv_b = attn_bᵀ·g_b.
func headValuesBackward[T float](attn, v, g, ga, gv []T, L, S, N, E, heads int) {
	d, ld := E/heads, N*E
	parallelChunks(N*heads, N*heads*L*S*d/4, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			off := (b/heads)*E + (b%heads)*d
			if ga != nil {
				gemm(false, true, L, S, d, 1, g[off:], ld, v[off:], ld, 0, ga[b*L*S:], S)
			}
			if gv != nil {
				gemm(true, false, S, d, L, 1, attn[b*L*S:], S, g[off:], ld, 0, gv[off:], ld)
			}
		}
	})
}
