package functional

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestGradMultiheadAttention checks the gradients of MultiheadAttention
// with respect to the inputs and every weight against central differences
// in float64, through the output and the attention weights together.
func TestGradMultiheadAttention(t *testing.T) {
	const L, S, N, E, H = 3, 4, 2, 4, 2
	causal := tensor.FromFloat64([]float64{0, math.Inf(-1), math.Inf(-1), math.Inf(-1), 0, 0, math.Inf(-1), math.Inf(-1), 0, 0, 0, math.Inf(-1)}, L, S)
	boolMask := tensor.FromBool([]bool{false, true, false, false, false, false, true, false, false, false, false, true}, L, S)
	kpm := tensor.FromBool([]bool{false, false, false, true, false, true, false, false}, N, S)
	type tc struct {
		name                  string
		self, kvSame          bool
		kdim, vdim            int
		bias, biasKV, zero    bool
		attn, pad             *tensor.Tensor
		floatPad, avg, unbatc bool
		dropout               float64
	}
	cases := []tc{
		{name: "self packed", self: true, bias: true, avg: true},
		{name: "self packed causal", self: true, bias: true, attn: causal.Narrow(1, 0, L), avg: true},
		{name: "cross kv packed", kvSame: true, bias: true, pad: kpm},
		{name: "distinct packed float mask", bias: true, attn: seq(7, N*H, L, S).Detach(), avg: true},
		{name: "separate bias_kv zero", kdim: 3, vdim: 5, bias: true, biasKV: true, zero: true, attn: boolMask, pad: kpm, avg: true},
		{name: "separate no bias float pad", kdim: 3, vdim: 5, floatPad: true},
		{name: "unbatched bias_kv", biasKV: true, bias: true, unbatc: true, attn: causal, avg: true},
		{name: "dropout", self: true, bias: true, dropout: 0.3, avg: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kd, vd := E, E
			if c.kdim > 0 {
				kd, vd = c.kdim, c.vdim
			}
			qs, ks, vs := []int{L, N, E}, []int{S, N, kd}, []int{S, N, vd}
			if c.unbatc {
				qs, ks, vs = []int{L, E}, []int{S, kd}, []int{S, vd}
			}
			p := &MultiheadAttentionParams{NumHeads: H, AddZeroAttn: c.zero, NeedWeights: true, AverageAttnWeights: c.avg,
				AttnMask: c.attn, KeyPaddingMask: c.pad, DropoutP: c.dropout, Training: true}
			if c.floatPad {
				p.KeyPaddingMask = seq(9, N, S).Detach()
			}
			q := seq(1, qs...)
			k, v := q, q
			ins := []*tensor.Tensor{q}
			if !c.self {
				k = seq(2, ks...)
				ins = append(ins, k)
				v = k
				if !c.kvSame {
					v = seq(3, vs...)
					ins = append(ins, v)
				}
			}
			scale := func(x *tensor.Tensor) *tensor.Tensor {
				d := x.Data64()
				for i := range d {
					d[i] *= 0.4
				}
				return x
			}
			if c.kdim > 0 {
				p.QProjWeight, p.KProjWeight, p.VProjWeight = scale(seq(4, E, E)), scale(seq(5, E, kd)), scale(seq(6, E, vd))
				ins = append(ins, p.QProjWeight, p.KProjWeight, p.VProjWeight)
			} else {
				p.InProjWeight = scale(seq(4, 3*E, E))
				ins = append(ins, p.InProjWeight)
			}
			p.OutProjWeight = scale(seq(8, E, E))
			ins = append(ins, p.OutProjWeight)
			if c.bias {
				p.InProjBias, p.OutProjBias = seq(10, 3*E), seq(11, E)
				ins = append(ins, p.InProjBias, p.OutProjBias)
			}
			if c.biasKV {
				p.BiasK, p.BiasV = seq(12, 1, 1, E), seq(13, 1, 1, E)
				ins = append(ins, p.BiasK, p.BiasV)
			}
			f := func() *tensor.Tensor {
				if c.dropout > 0 {
					p.Generator = rng.NewGenerator()
					p.Generator.ManualSeed(3)
				}
				o, w := MultiheadAttention(q, k, v, p)
				return tensor.Cat([]*tensor.Tensor{o.Reshape(-1), w.Reshape(-1)}, 0)
			}
			gradCheck(t, c.name, f, ins...)
		})
	}
}
