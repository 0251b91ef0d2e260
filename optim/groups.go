package optim

import (
	"strings"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// SplitDecay splits the trainable parameters of model for the usual
// weight-decay recipe: noDecay holds
//
//   - every parameter whose name ends in "bias", and
//   - every parameter with at most one dimension — the weights and biases of
//     normalization layers (BatchNorm, LayerNorm over one dimension,
//     GroupNorm), and learnable scalars;
//
// decay holds the others. The rule is the common practice (timm's
// param_groups_weight_decay, nanoGPT) rather than a lookup of layer types:
// it also catches custom norm layers, but a LayerNorm over several trailing
// dimensions has 2-D weights, which stay in decay. Frozen parameters (not
// requiring grad) are left out. Both lists keep the order of
// nn.NamedParameters and are non-nil, possibly empty (a constructor refuses
// an empty list; AddParamGroup takes one). Give decay to the constructor and
// noDecay to AddParamGroup:
//
//	decay, noDecay := optim.SplitDecay(model)
//	opt := optim.NewAdamW(decay, optim.LR(1e-3), optim.WeightDecay(0.05))
//	opt.AddParamGroup(noDecay, optim.WeightDecay(0))
func SplitDecay(model any) (decay, noDecay []*tensor.Tensor) {
	decay, noDecay = []*tensor.Tensor{}, []*tensor.Tensor{}
	for _, np := range nn.NamedParameters(model) {
		p := np.Tensor
		if !p.RequiresGrad() {
			continue
		}
		if p.Dim() <= 1 || strings.HasSuffix(np.Name, "bias") {
			noDecay = append(noDecay, p)
		} else {
			decay = append(decay, p)
		}
	}
	return decay, noDecay
}
