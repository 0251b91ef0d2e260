"""PyTorch twin of the lab experiment zero-init-symmetry (lab/experiments/symmetry.go).

A 4-hidden-1 tanh MLP with biases under each weight init x bias init, trained by
full-batch SGD on 128 examples of the bias-vs-nobias regression data (offset 1, drawn from
a generator seeded 2000 + seed); the largest distance between the weights of two hidden units
(incoming and outgoing; biases left out) at init and after training. Run: /usr/bin/python3
lab/pytorch/zero_init_symmetry.py [--seeds N] [--quick] [--set name=value]."""

import torch

from bias_vs_nobias import regression_data
from twin import Param, eval_loss, fit, init_bias, init_weight, linears, mlp, mse, run

PARAMS = [
    Param("hidden", 16),
    Param("steps", 300, quick=100),
    Param("lr", 0.1),
    Param("weight_inits", ["zeros", "constant", "default"], kind="strings"),
    Param("bias_inits", ["zeros", "0.5", "normal"], kind="strings"),
]


def init_variants(cfg):
    """weight_inits x bias_inits, keys weight=...,bias=... (shared with init-comparison)."""
    return [{"settings": (("weight", w), ("bias", b)), "weight": w, "bias": b}
            for w in cfg.weight_inits for b in cfg.bias_inits]


def unit_distance(l1, l2):
    """The largest Euclidean distance between two hidden units, each unit its incoming and
    outgoing weights (biases left out), in float64."""
    with torch.no_grad():
        u = torch.cat([l1.weight.double(), l2.weight.double().t()], 1)
        return torch.cdist(u, u).max().item() if u.shape[0] > 1 else 0.0


def trial(cfg, cond, seed):
    dg = torch.Generator().manual_seed(2000 + seed)
    x, y = regression_data(dg, 128, 1.0)
    model = mlp([4, cfg.hidden, 1], "tanh", True)
    ls = linears(model)
    for l in ls:
        init_weight(cond["weight"], l.weight)
        init_bias(cond["bias"], l.bias)
    initial = unit_distance(ls[0], ls[1])
    tr = fit(model, x, y, mse, cfg.steps, cfg.lr, opt="sgd", every=5)
    return {
        "initial_distance": initial,
        "final_distance": unit_distance(ls[0], ls[1]),
        "final_loss": eval_loss(model, x, y, mse),
        "target_var": torch.var(y, 0, unbiased=False).item(),
    }, tr.diverged


if __name__ == "__main__":
    run("zero-init-symmetry", PARAMS, init_variants, trial)
