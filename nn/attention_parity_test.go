package nn

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Reference data written by testdata/gen_attention.py with PyTorch 1.13.1.

type attnStep struct {
	Train              bool
	Share              string
	NeedWeights        *bool `json:"need_weights"`
	AverageAttnWeights *bool `json:"average_attn_weights"`

	Q, K, V, Src, Tgt, Memory *golden.Tensor
	Gy, Gw, Out, Weights      *golden.Tensor

	AttnMask             *golden.Tensor `json:"attn_mask"`
	KeyPaddingMask       *golden.Tensor `json:"key_padding_mask"`
	TgtMask              *golden.Tensor `json:"tgt_mask"`
	MemoryMask           *golden.Tensor `json:"memory_mask"`
	TgtKeyPaddingMask    *golden.Tensor `json:"tgt_key_padding_mask"`
	MemoryKeyPaddingMask *golden.Tensor `json:"memory_key_padding_mask"`

	Grads map[string]*golden.Tensor
}

type attnCase struct {
	Name, Kind      string
	Args            map[string]any
	Seed            uint64
	Repr            string
	StateDictKeys   []string                  `json:"state_dict_keys"`
	StateDict       map[string]*golden.Tensor `json:"state_dict"`
	NamedParameters []string                  `json:"named_parameters"`
	Steps           []attnStep
}

type attnRef struct {
	Version string `json:"torch_version"`
	Cases   []attnCase
	Errors  map[string]string
}

func loadAttnRef(t testing.TB) *attnRef {
	t.Helper()
	b, err := os.ReadFile("testdata/attention.json")
	if err != nil {
		t.Fatal(err)
	}
	var r attnRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// refTensor is toTensor with bool masks (values 0/1).
func refTensor(t testing.TB, g *golden.Tensor) *tensor.Tensor {
	t.Helper()
	if g == nil {
		return nil
	}
	if g.DType == "bool" {
		b := make([]bool, len(g.Values))
		for i, v := range g.Values {
			b[i] = v != 0
		}
		return tensor.FromBool(b, g.Shape...).Reshape(g.Shape...)
	}
	return toTensor(t, g)
}

func leafOf(t testing.TB, g *golden.Tensor) *tensor.Tensor {
	return refTensor(t, g).SetRequiresGrad(true)
}

func argInt(a map[string]any, k string, def int) int {
	if v, ok := a[k]; ok {
		return int(v.(float64))
	}
	return def
}

func argFloat(a map[string]any, k string, def float64) float64 {
	if v, ok := a[k]; ok {
		return v.(float64)
	}
	return def
}

func argBool(a map[string]any, k string, def bool) bool {
	if v, ok := a[k]; ok {
		return v.(bool)
	}
	return def
}

func argDType(a map[string]any) tensor.DType {
	if a["dtype"] == "float64" {
		return tensor.Float64
	}
	return tensor.Float32
}

// buildAttnModule builds the module a reference case describes, from the
// same keyword arguments, through the options.
func buildAttnModule(t *testing.T, c *attnCase) any {
	a := c.Args
	switch c.Kind {
	case "mha":
		opts := []MultiheadAttentionOption{Bias(argBool(a, "bias", true)), AddBiasKV(argBool(a, "add_bias_kv", false)),
			AddZeroAttn(argBool(a, "add_zero_attn", false)), BatchFirstOption(argBool(a, "batch_first", false)),
			DropoutProb(argFloat(a, "dropout", 0)), WithDType(argDType(a))}
		if _, ok := a["kdim"]; ok {
			opts = append(opts, KDim(argInt(a, "kdim", 0)))
		}
		if _, ok := a["vdim"]; ok {
			opts = append(opts, VDim(argInt(a, "vdim", 0)))
		}
		return NewMultiheadAttention(argInt(a, "embed_dim", 0), argInt(a, "num_heads", 0), opts...)
	}
	opts := []TransformerOption{DimFeedforward(argInt(a, "dim_feedforward", 2048)), DropoutProb(argFloat(a, "dropout", 0.1)),
		LayerNormEps(argFloat(a, "layer_norm_eps", 1e-5)), BatchFirstOption(argBool(a, "batch_first", false)),
		NormFirst(argBool(a, "norm_first", false)), Bias(argBool(a, "bias", true)), WithDType(argDType(a))}
	if a["activation"] == "gelu" {
		opts = append(opts, ActivationGELU)
	}
	d, h := argInt(a, "d_model", 0), argInt(a, "nhead", 0)
	switch c.Kind {
	case "enc":
		return NewTransformerEncoderLayer(d, h, opts...)
	case "dec":
		return NewTransformerDecoderLayer(d, h, opts...)
	case "encoder":
		var eo []TransformerEncoderOption
		layer := NewTransformerEncoderLayer(d, h, opts...)
		if argBool(a, "final_norm", false) {
			eo = append(eo, Norm(NewLayerNorm([]int{d}, WithDType(argDType(a)))))
		}
		return NewTransformerEncoder(layer, argInt(a, "num_layers", 1), eo...)
	}
	t.Fatalf("kind %q", c.Kind)
	return nil
}

// TestAttentionMatchesPyTorch builds every module of testdata/attention.json
// after the same seed as PyTorch and checks: repr, state-dict keys and
// parameter names; the initial state dict bit for bit; then, per step in
// train or eval mode, the output, the attention weights and the gradients
// of the inputs and of every parameter (to 1e-5 of the largest magnitude in
// float32, 1e-12 in float64). Dropout masks come from the default generator
// in PyTorch's order, so the steps with dropout match too.
func TestAttentionMatchesPyTorch(t *testing.T) {
	ref := loadAttnRef(t)
	if len(ref.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i := range ref.Cases {
		c := &ref.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			rng.ManualSeed(c.Seed)
			m := buildAttnModule(t, c)
			if got := Repr(m); got != c.Repr {
				t.Errorf("repr:\n%s\nwant:\n%s", got, c.Repr)
			}
			sd := StateDictOf(m)
			if !reflect.DeepEqual(sd.Keys(), c.StateDictKeys) {
				t.Errorf("state dict keys %v, want %v", sd.Keys(), c.StateDictKeys)
			}
			var names []string
			for _, n := range NamedParameters(m) {
				names = append(names, n.Name)
			}
			if !reflect.DeepEqual(names, c.NamedParameters) {
				t.Errorf("named parameters %v, want %v", names, c.NamedParameters)
			}
			for _, k := range c.StateDictKeys {
				if v := sd.Get(k); v != nil {
					exactBits(t, "init "+k, v, c.StateDict[k])
				}
			}
			for si := range c.Steps {
				runAttnStep(t, c, m, si)
			}
		})
	}
}

func runAttnStep(t *testing.T, c *attnCase, m any, si int) {
	s := &c.Steps[si]
	pre := "step " + string(rune('0'+si)) + " "
	if s.Train {
		Train(m)
	} else {
		Eval(m)
	}
	for _, p := range Parameters(m) {
		p.Grad = nil
	}
	inputs := map[string]*tensor.Tensor{}
	var out, w *tensor.Tensor
	switch c.Kind {
	case "mha":
		q := leafOf(t, s.Q)
		k, v := q, q
		inputs["q"] = q
		switch s.Share {
		case "kv":
			k = leafOf(t, s.K)
			v = k
			inputs["k"] = k
		case "":
			k, v = leafOf(t, s.K), leafOf(t, s.V)
			inputs["k"], inputs["v"] = k, v
		}
		opts := []AttentionCallOption{KeyPaddingMask(refTensor(t, s.KeyPaddingMask)), AttnMask(refTensor(t, s.AttnMask))}
		if s.NeedWeights != nil {
			opts = append(opts, NeedWeights(*s.NeedWeights))
		}
		if s.AverageAttnWeights != nil {
			opts = append(opts, AverageAttnWeights(*s.AverageAttnWeights))
		}
		out, w = m.(*MultiheadAttention).Forward(q, k, v, opts...)
	case "enc", "encoder":
		src := leafOf(t, s.Src)
		inputs["src"] = src
		am, kpm := refTensor(t, s.AttnMask), refTensor(t, s.KeyPaddingMask)
		if e, ok := m.(*TransformerEncoder); ok {
			out = e.ForwardMasked(src, am, kpm)
		} else {
			out = m.(*TransformerEncoderLayer).ForwardMasked(src, am, kpm)
		}
	case "dec":
		tgt, mem := leafOf(t, s.Tgt), leafOf(t, s.Memory)
		inputs["tgt"], inputs["memory"] = tgt, mem
		out = m.(*TransformerDecoderLayer).Forward(tgt, mem, DecoderMasks{
			TgtMask: refTensor(t, s.TgtMask), MemoryMask: refTensor(t, s.MemoryMask),
			TgtKeyPaddingMask:    refTensor(t, s.TgtKeyPaddingMask),
			MemoryKeyPaddingMask: refTensor(t, s.MemoryKeyPaddingMask)})
	}
	closeTo(t, pre+"output", out, s.Out)
	if s.Weights == nil {
		if w != nil {
			t.Errorf("%sweights %v, want none", pre, w.Shape())
		}
	} else {
		closeTo(t, pre+"weights", w, s.Weights)
	}
	loss := out.Mul(toTensor(t, s.Gy)).Sum()
	if w != nil && s.Gw != nil {
		loss = loss.Add(w.Mul(toTensor(t, s.Gw)).Sum())
	}
	loss.Backward()
	for name, want := range s.Grads {
		var g *tensor.Tensor
		if x, ok := inputs[name]; ok {
			g = x.Grad
		} else {
			for _, n := range NamedParameters(m) {
				if n.Name == name {
					g = n.Tensor.Grad
				}
			}
		}
		if want == nil {
			if g != nil && g.Abs().Sum().Item() != 0 {
				t.Errorf("%sgrad %s is nonzero, PyTorch has none", pre, name)
			}
			continue
		}
		closeTo(t, pre+"grad "+name, g, want)
	}
}
