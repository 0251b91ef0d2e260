package optim

import (
	"strings"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// NoDecayGroups splits the trainable parameters of model into the two
// parameter groups of the usual weight-decay recipe: first the parameters
// that get no weight decay (WeightDecay 0), then the others (WeightDecay
// weightDecay):
//
//   - every parameter whose name ends in "bias", and
//   - every parameter with at most one dimension — the weights and biases of
//     normalization layers (BatchNorm, LayerNorm over one dimension,
//     GroupNorm), and learnable scalars.
//
// The rule is the common practice (timm's param_groups_weight_decay, nanoGPT)
// rather than a lookup of layer types: it also catches custom norm layers,
// but a LayerNorm over several trailing dimensions has 2-D weights, which
// stay in the decay group. Frozen parameters (not requiring grad) are left
// out. Both groups are always returned, possibly empty, in this order; pass
// them to any optimizer, whose configuration sets the other
// hyperparameters:
//
//	opt := optim.NewAdamW(optim.NoDecayGroups(model, 0.05), optim.AdamConfig{LR: 1e-3})
func NoDecayGroups(model any, weightDecay float64) []ParamGroup {
	noDecay := ParamGroup{Params: []*tensor.Tensor{}, WeightDecay: F(0)}
	decay := ParamGroup{Params: []*tensor.Tensor{}, WeightDecay: F(weightDecay)}
	for _, np := range nn.NamedParameters(model) {
		p := np.Tensor
		if !p.RequiresGrad() {
			continue
		}
		if p.Dim() <= 1 || strings.HasSuffix(np.Name, "bias") {
			noDecay.Params = append(noDecay.Params, p)
		} else {
			decay.Params = append(decay.Params, p)
		}
	}
	return []ParamGroup{noDecay, decay}
}
