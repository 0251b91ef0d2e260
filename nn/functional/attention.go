package functional

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// MultiheadAttentionParams holds the weights and settings of
// MultiheadAttention, the arguments of PyTorch 1.13's
// torch.nn.functional.multi_head_attention_forward after query, key and
// value.
type MultiheadAttentionParams struct {
	// NumHeads is the number of attention heads; it must divide the
	// embedding dimension.
	NumHeads int
	// InProjWeight (3E, E) is the packed query/key/value projection; when it
	// is nil, QProjWeight (E, E), KProjWeight (E, kdim) and VProjWeight
	// (E, vdim) are used instead (use_separate_proj_weight=True).
	InProjWeight                          *tensor.Tensor
	QProjWeight, KProjWeight, VProjWeight *tensor.Tensor
	// InProjBias (3E) is the query/key/value projection bias, nil for none.
	InProjBias *tensor.Tensor
	// BiasK and BiasV (1, 1, E), both nil or both set, are appended to the
	// projected key and value sequences (add_bias_kv).
	BiasK, BiasV *tensor.Tensor
	// AddZeroAttn appends a zero key and value after the projection and
	// head split (add_zero_attn).
	AddZeroAttn bool
	// OutProjWeight (E, E) and OutProjBias (E, nil for none) are the output
	// projection.
	OutProjWeight, OutProjBias *tensor.Tensor
	// DropoutP is the dropout probability on the attention weights,
	// applied only when Training is true; masks are drawn from Generator
	// (nil: rng.Default()) exactly as PyTorch draws them.
	DropoutP  float64
	Training  bool
	Generator *rng.Generator
	// KeyPaddingMask (N, S), or (S) for unbatched input, marks keys to
	// ignore: true (Bool) or a value added to the scores (floating point).
	KeyPaddingMask *tensor.Tensor
	// AttnMask (L, S) or (N·NumHeads, L, S) forbids (Bool true) or biases
	// (floating point, added) attention from a query position to a key
	// position.
	AttnMask *tensor.Tensor
	// NeedWeights returns the attention weights too; AverageAttnWeights
	// averages them over the heads.
	NeedWeights, AverageAttnWeights bool
}

// MultiheadAttention computes multi-head attention as PyTorch 1.13's
// torch.nn.functional.multi_head_attention_forward (the path
// nn.MultiheadAttention takes outside its inference fast path), with the
// same operations in the same order: the in-projection (three products
// with the row blocks of the packed weight, or the separate weights; PyTorch
// multiplies by the whole packed weight when query, key and value are the
// same tensor and splits the result, which gives the same sums), optional
// bias_k/bias_v and zero-attention
// columns, scores q/sqrt(head_dim)·kᵀ plus the merged float mask, softmax,
// dropout, the weighted sum of the values and the out-projection.
//
// query is (L, N, E) — sequence first — or unbatched (L, E); key and value
// are (S, N, kdim) and (S, N, vdim) or (S, kdim) and (S, vdim). The output
// has query's shape; weights (nil unless p.NeedWeights) are (N, L, S′), or
// (N, NumHeads, L, S′) without averaging, without N for unbatched input,
// where S′ counts the added bias and zero columns.
//
// Masks are constants: no gradient flows into a floating-point mask. A bool
// attention mask is combined with a floating-point key padding mask by
// logical or (nonzero is true), as PyTorch's logical_or does. A
// floating-point attention mask with a floating-point key padding mask
// panics: PyTorch 1.13 merges them with masked_fill on a float mask, whose
// result is not the documented sum (later versions add them). Floating-point masks are converted to
// query's element type. Wrong shapes and types panic with PyTorch's
// messages.
func MultiheadAttention(query, key, value *tensor.Tensor, p *MultiheadAttentionParams) (out, weights *tensor.Tensor) {
	kpm, am := p.KeyPaddingMask, p.AttnMask
	batched := mhaShapeCheck(query, key, value, kpm, am, p.NumHeads)
	requireFloat("multi_head_attention_forward", "query", query)
	if kpm != nil && !kpm.DType().IsFloat() && kpm.DType() != tensor.Bool {
		panic("only bool and floating types of key_padding_mask are supported")
	}
	q0, k0, v0 := query, key, value
	if !batched {
		q0, k0, v0 = query.Unsqueeze(1), key.Unsqueeze(1), value.Unsqueeze(1)
		if kpm != nil {
			kpm = kpm.Unsqueeze(0)
		}
	}
	tgtLen, bsz, embed := q0.Size(0), q0.Size(1), q0.Size(2)
	srcLen := k0.Size(0)
	H := p.NumHeads
	if want := p.OutProjWeight.Size(0); embed != want {
		panic(fmt.Sprintf("was expecting embedding dimension of %d, but got %d", want, embed))
	}
	if H <= 0 || embed%H != 0 {
		panic(fmt.Sprintf("embed_dim %d not divisible by num_heads %d", embed, H))
	}
	headDim := embed / H
	separate := p.InProjWeight == nil
	if separate {
		if k0.Size(0) != v0.Size(0) || k0.Size(1) != v0.Size(1) {
			panic(fmt.Sprintf("key's sequence and batch dims %s do not match value's %s",
				torchSize(k0.Shape()[:2]), torchSize(v0.Shape()[:2])))
		}
	} else if !k0.SameShape(v0) {
		panic(fmt.Sprintf("key shape %s does not match value shape %s", torchSize(k0.Shape()), torchSize(v0.Shape())))
	}

	if p.Training && p.DropoutP > 0 && p.DropoutP < 1 {
		// The mask on the weights is drawn alongside the products below (a
		// prefetch that changes no draw; see rng.Generator.PrefetchBernoulliBits).
		s := srcLen
		if p.BiasK != nil {
			s++
		}
		if p.AddZeroAttn {
			s++
		}
		g := p.Generator
		if g == nil {
			g = rng.Default()
		}
		g.PrefetchBernoulliBits(rng.BitsDraw{N: bsz * H * tgtLen * s, P: 1 - p.DropoutP})
	}

	// In-projection. A non-contiguous input (batch-first, transposed) that
	// feeds several projections is copied to contiguous rows once, not once
	// per projection.
	var shared *tensor.Tensor
	q0, k0, v0, shared = shareContiguous(q0, k0, v0)
	var q, k, v *tensor.Tensor
	if !separate {
		// PyTorch forms one product with the packed weight when query is
		// key is value (and one for key and value when key is value) and
		// splits it; three products with the row blocks of the weight give
		// the same sums, and their gradients need no scatter into a
		// (…, 3E) buffer.
		w, b := p.InProjWeight, p.InProjBias
		q = Linear(q0, w.Narrow(0, 0, embed), narrowOrNil(b, 0, embed))
		k = Linear(k0, w.Narrow(0, embed, embed), narrowOrNil(b, embed, embed))
		v = Linear(v0, w.Narrow(0, 2*embed, embed), narrowOrNil(b, 2*embed, embed))
	} else {
		eq, ek, ev := q0.Size(-1), k0.Size(-1), v0.Size(-1)
		checkProjShape("query weights", p.QProjWeight, eq, eq)
		checkProjShape("key weights", p.KProjWeight, eq, ek)
		checkProjShape("value weights", p.VProjWeight, eq, ev)
		b := p.InProjBias
		q = Linear(q0, p.QProjWeight, narrowOrNil(b, 0, embed))
		k = Linear(k0, p.KProjWeight, narrowOrNil(b, embed, embed))
		v = Linear(v0, p.VProjWeight, narrowOrNil(b, 2*embed, embed))
	}

	// The projections (and the shared copy of the input) are read in
	// backward only by nodes that run before their own: their memory is
	// reused once Backward is done with them.
	for _, t := range []*tensor.Tensor{q, k, v} {
		tensorinternal.RecycleAfterBackward(t)
	}
	if shared != nil {
		tensorinternal.RecycleAfterBackward(shared)
	}

	// The attention mask, checked as PyTorch checks it.
	var mask *maskSpec
	if am != nil {
		if !am.DType().IsFloat() && am.DType() != tensor.Bool {
			panic(fmt.Sprintf("Only float, byte, and bool types are supported for attn_mask, not torch.%s", dtypeName(am.DType())))
		}
		switch am.Dim() {
		case 2:
			if am.Size(0) != tgtLen || am.Size(1) != srcLen {
				panic(fmt.Sprintf("The shape of the 2D attn_mask is %s, but should be %s.", torchSize(am.Shape()), pyfmt.Tuple(tgtLen, srcLen)))
			}
			mask = newMaskSpec(am, 1, tgtLen, srcLen)
		case 3:
			if am.Size(0) != bsz*H || am.Size(1) != tgtLen || am.Size(2) != srcLen {
				panic(fmt.Sprintf("The shape of the 3D attn_mask is %s, but should be %s.", torchSize(am.Shape()), pyfmt.Tuple(bsz*H, tgtLen, srcLen)))
			}
			mask = newMaskSpec(am, bsz*H, tgtLen, srcLen)
		default:
			panic(fmt.Sprintf("attn_mask's dimension %d is not supported", am.Dim()))
		}
	}
	var pad *maskSpec
	if kpm != nil {
		pad = newMaskSpec(kpm, kpm.Size(0), 1, kpm.Size(1))
	}

	// bias_k, bias_v along the sequence.
	if (p.BiasK == nil) != (p.BiasV == nil) {
		panic("bias_k and bias_v must both be set or both be nil")
	}
	if p.BiasK != nil {
		k = tensor.Cat([]*tensor.Tensor{k, p.BiasK.Expand(1, bsz, embed)}, 0)
		v = tensor.Cat([]*tensor.Tensor{v, p.BiasV.Expand(1, bsz, embed)}, 0)
		mask.padColumn()
		pad.padColumn()
	}

	// The queries are divided by sqrt(head_dim) before the head split,
	// rather than after it as in PyTorch: the same quotient of each element,
	// computed on contiguous memory.
	qScaled := q.Contiguous().DivScalar(math.Sqrt(float64(headDim)))
	k, v = k.Contiguous(), v.Contiguous()
	// The products over the heads run on the (L, N, E) and (S, N, E)
	// tensors in place (headScores, headValues) unless zero attention
	// columns are appended or a dimension is empty; otherwise the heads go
	// into the batch as in PyTorch: (N·H, L, head_dim) views.
	inPlace := !p.AddZeroAttn && bsz*H > 0 && tgtLen > 0 && k.Size(0) > 0 && headDim > 0
	if !inPlace {
		q = qScaled.View(tgtLen, bsz*H, headDim).Transpose(0, 1)
		k = k.View(k.Size(0), bsz*H, headDim).Transpose(0, 1)
		v = v.View(v.Size(0), bsz*H, headDim).Transpose(0, 1)
	}
	if p.AddZeroAttn {
		z := tensor.ZerosOf(k.DType(), bsz*H, 1, headDim)
		k = tensor.Cat([]*tensor.Tensor{k, z}, 1)
		v = tensor.Cat([]*tensor.Tensor{v, tensor.ZerosOf(v.DType(), bsz*H, 1, headDim)}, 1)
		mask.padColumn()
		pad.padColumn()
	}
	if inPlace {
		srcLen = k.Size(0)
	} else {
		srcLen = k.Size(1)
	}
	if pad != nil && (pad.b != bsz || pad.s != srcLen) {
		panic(fmt.Sprintf("expecting key_padding_mask shape of %s, but got %s", pyfmt.Tuple(bsz, srcLen), torchSize(pad.shape())))
	}
	var kpmType tensor.DType
	if kpm != nil {
		kpmType = kpm.DType()
	}
	fmask := mergeMasks(mask, pad, kpmType, H, q.DType())

	dropoutP := p.DropoutP
	if !p.Training {
		dropoutP = 0
	}
	var scores *tensor.Tensor
	if inPlace {
		scores = headScores(qScaled, k, H)
	} else {
		scores = tensor.Matmul(q, k.Transpose(-2, -1))
	}
	// Results that only the next operation reads (softmax, whose backward
	// reads its output, a product or a copy) give their memory back once
	// Backward is done with them.
	tensorinternal.RecycleAfterBackward(qScaled)
	if fmask != nil {
		raw := scores
		scores = tensor.Add(fmask, scores)
		tensorinternal.RecycleAfterBackward(raw)
	}
	attn := scores.Softmax(-1)
	tensorinternal.RecycleAfterBackward(scores)
	if dropoutP > 0 {
		probs := attn
		attn = Dropout(attn, dropoutP, WithGenerator(p.Generator))
		if !p.NeedWeights {
			tensorinternal.RecycleAfterBackward(probs)
		}
	}
	var o *tensor.Tensor
	if inPlace {
		o = headValues(attn.Contiguous(), v, H)
	} else {
		o = tensor.Matmul(attn, v)
	}
	if !p.NeedWeights {
		tensorinternal.RecycleAfterBackward(attn)
	}
	ob := o
	if inPlace {
		o = o.View(tgtLen*bsz, embed)
	} else {
		o = o.Transpose(0, 1).Contiguous().View(tgtLen*bsz, embed)
	}
	tensorinternal.RecycleAfterBackward(ob)
	o = Linear(o, p.OutProjWeight, p.OutProjBias)
	o = o.View(tgtLen, bsz, o.Size(1))
	if !batched {
		o = o.Squeeze(1)
	}
	if !p.NeedWeights {
		return o, nil
	}
	w := attn.View(bsz, H, tgtLen, srcLen)
	if p.AverageAttnWeights {
		w = w.Sum(1).DivScalar(float64(H))
	}
	if !batched {
		w = w.Squeeze(0)
	}
	return o, w
}

// mhaShapeCheck is PyTorch's _mha_shape_check: it reports whether the input
// is batched and panics on inconsistent ranks.
func mhaShapeCheck(query, key, value, kpm, am *tensor.Tensor, heads int) bool {
	switch query.Dim() {
	case 3:
		if key.Dim() != 3 || value.Dim() != 3 {
			panic(fmt.Sprintf("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found %d-D and %d-D tensors respectively", key.Dim(), value.Dim()))
		}
		if kpm != nil && kpm.Dim() != 2 {
			panic(fmt.Sprintf("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found %d-D tensor instead", kpm.Dim()))
		}
		if am != nil && am.Dim() != 2 && am.Dim() != 3 {
			panic(fmt.Sprintf("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead", am.Dim()))
		}
		return true
	case 2:
		if key.Dim() != 2 || value.Dim() != 2 {
			panic(fmt.Sprintf("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found %d-D and %d-D tensors respectively", key.Dim(), value.Dim()))
		}
		if kpm != nil && kpm.Dim() != 1 {
			panic(fmt.Sprintf("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found %d-D tensor instead", kpm.Dim()))
		}
		if am != nil {
			if am.Dim() != 2 && am.Dim() != 3 {
				panic(fmt.Sprintf("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead", am.Dim()))
			}
			if am.Dim() == 3 && (am.Size(0) != heads || am.Size(1) != query.Size(0) || am.Size(2) != key.Size(0)) {
				panic(fmt.Sprintf("Expected `attn_mask` shape to be %s but got %s", pyfmt.Tuple(heads, query.Size(0), key.Size(0)), torchSize(am.Shape())))
			}
		}
		return false
	}
	panic(fmt.Sprintf("query should be unbatched 2D or batched 3D tensor but received %d-D query tensor", query.Dim()))
}

func checkProjShape(what string, w *tensor.Tensor, rows, cols int) {
	if w == nil {
		panic("use_separate_proj_weight is True but " + what + " are nil")
	}
	if w.Dim() != 2 || w.Size(0) != rows || w.Size(1) != cols {
		panic(fmt.Sprintf("expecting %s shape of %s, but got %s", what, pyfmt.Tuple(rows, cols), torchSize(w.Shape())))
	}
}

// shareContiguous replaces a non-contiguous 3-D tensor that is passed as
// two or three of q, k, v by one contiguous copy of it, which it also
// returns (nil if it made none).
func shareContiguous(q, k, v *tensor.Tensor) (q2, k2, v2, shared *tensor.Tensor) {
	share := func(t *tensor.Tensor) bool {
		return t.Dim() == 3 && !t.IsContiguous()
	}
	switch {
	case (q == k || q == v) && share(q):
		shared = q.Contiguous()
		if k == q {
			k = shared
		}
		if v == q {
			v = shared
		}
		q = shared
	case k == v && share(k):
		shared = k.Contiguous()
		k, v = shared, shared
	}
	return q, k, v, shared
}

func narrowOrNil(b *tensor.Tensor, start, n int) *tensor.Tensor {
	if b == nil {
		return nil
	}
	return b.Narrow(0, start, n)
}

func torchSize(s []int) string { return "torch.Size(" + pyfmt.List(s...) + ")" }

func dtypeName(d tensor.DType) string {
	switch d {
	case tensor.Float32:
		return "float32"
	case tensor.Float64:
		return "float64"
	case tensor.Int64:
		return "int64"
	case tensor.Bool:
		return "bool"
	}
	return d.String()
}

// maskSpec is a mask of shape (b, t, s) as bools or float values, with
// columns appended for bias_k and the zero attention.
type maskSpec struct {
	b, t, s int
	isBool  bool
	bools   []bool
	vals    []float64
}

func newMaskSpec(m *tensor.Tensor, b, t, s int) *maskSpec {
	ms := &maskSpec{b: b, t: t, s: s, isBool: m.DType() == tensor.Bool}
	if ms.isBool {
		ms.bools = m.Bools()
	} else {
		ms.vals = m.Float64s()
	}
	return ms
}

func (m *maskSpec) shape() []int {
	if m.t == 1 {
		return []int{m.b, m.s}
	}
	return []int{m.b, m.t, m.s}
}

// padColumn appends a zero (false) column, as F.pad(mask, (0, 1)).
func (m *maskSpec) padColumn() {
	if m == nil {
		return
	}
	rows := m.b * m.t
	if m.isBool {
		nb := make([]bool, 0, rows*(m.s+1))
		for r := 0; r < rows; r++ {
			nb = append(nb, m.bools[r*m.s:(r+1)*m.s]...)
			nb = append(nb, false)
		}
		m.bools = nb
	} else {
		nv := make([]float64, 0, rows*(m.s+1))
		for r := 0; r < rows; r++ {
			nv = append(nv, m.vals[r*m.s:(r+1)*m.s]...)
			nv = append(nv, 0)
		}
		m.vals = nv
	}
	m.s++
}

// at returns the mask at (batch-head bh, target i, source j) with the
// mask's broadcasting; bool masks give true/false, float masks their value.
func (m *maskSpec) at(bh, i, j int) (bool, float64) {
	if m.b == 1 {
		bh = 0
	}
	if m.t == 1 {
		i = 0
	}
	o := (bh*m.t+i)*m.s + j
	if m.isBool {
		return m.bools[o], 0
	}
	return m.vals[o] != 0, m.vals[o]
}

// mergeMasks merges the attention mask and the key padding mask (whose
// batch index is bh/heads) into the float mask PyTorch adds to the scores:
// -inf where a bool mask is true, the values of a float mask elsewhere.
func mergeMasks(am, kpm *maskSpec, kpmType tensor.DType, heads int, dt tensor.DType) *tensor.Tensor {
	if am == nil && kpm == nil {
		return nil
	}
	if am != nil && kpm != nil && !am.isBool && !kpm.isBool {
		// PyTorch 1.13 runs attn_mask.masked_fill(key_padding_mask, -inf)
		// with a float mask, whose result is not the documented one.
		panic(fmt.Sprintf("multi_head_attention_forward: a floating-point key_padding_mask (torch.%s) cannot be combined with a floating-point attn_mask; use a bool key_padding_mask",
			dtypeName(kpmType)))
	}
	var b, t, s int
	var floatVals bool // the result holds float values (not only 0/-inf)
	switch {
	case am == nil:
		b, t, s = kpm.b*heads, 1, kpm.s
		floatVals = !kpm.isBool
	case kpm == nil:
		b, t, s = am.b, am.t, am.s
		floatVals = !am.isBool
	default:
		b, t, s = kpm.b*heads, am.t, am.s
		floatVals = !am.isBool
	}
	vals := make([]float64, b*t*s)
	ninf := math.Inf(-1)
	for bh := 0; bh < b; bh++ {
		for i := 0; i < t; i++ {
			row := vals[(bh*t+i)*s : (bh*t+i+1)*s]
			for j := range row {
				var masked bool
				var v float64
				if am != nil {
					mb, mv := am.at(bh, i, j)
					if am.isBool {
						masked = mb
					} else {
						v = mv
					}
				}
				if kpm != nil {
					kb, kv := kpm.at(bh/heads, 0, j)
					switch {
					case am == nil && !kpm.isBool:
						v = kv
					case kpm.isBool || am.isBool:
						masked = masked || kb
					}
				}
				if masked {
					row[j] = ninf
				} else if floatVals {
					row[j] = v
				}
			}
		}
	}
	if dt == tensor.Float32 {
		f := make([]float32, len(vals))
		for i, x := range vals {
			f[i] = float32(x)
		}
		return tensor.FromFloat32(f, b, t, s)
	}
	return tensor.FromFloat64(vals, b, t, s)
}
