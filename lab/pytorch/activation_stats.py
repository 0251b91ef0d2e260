"""PyTorch twin of the lab experiment activation-stats (lab/experiments/activation_stats.go).

An MLP of `layers` hidden layers of `width` (then 10 outputs) per activation x weight init,
biases zero, at initialization: one forward and backward of a cross-entropy loss on
`batch` N(0, 1) inputs (drawn from a generator seeded 3000 + seed, labels randperm % 10);
the population std of every activation layer's output and of the gradient with respect to
it. Run: /usr/bin/python3 lab/pytorch/activation_stats.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import Param, cross_entropy, init_bias, init_weight, linears, mlp, pstd, run

PARAMS = [
    Param("layers", 5),
    Param("width", 256),
    Param("batch", 256),
    Param("activations", ["tanh", "sigmoid", "relu"], kind="strings"),
    Param("inits", ["default", "xavier"], kind="strings"),
]


def variants(cfg):
    return [{"settings": (("act", a), ("init", w)), "act": a, "init": w} for a in cfg.activations for w in cfg.inits]


def trial(cfg, cond, seed):
    w, L = cfg.width, cfg.layers
    model = mlp([w] * (L + 1) + [10], cond["act"], True)
    for l in linears(model):
        init_weight(cond["init"], l.weight)
        init_bias("zeros", l.bias)
    dg = torch.Generator().manual_seed(3000 + seed)
    x = torch.randn(cfg.batch, w, generator=dg)
    y = torch.randperm(cfg.batch, generator=dg) % 10
    h, outs = x, []
    for m in model:
        h = m(h)
        if not isinstance(m, nn.Linear):
            h.retain_grad()
            outs.append(h)
    cross_entropy(h, y).backward()
    act = [pstd(o) for o in outs]
    grad = [pstd(o.grad) for o in outs if o.grad is not None]
    out = {"act_std_ratio": act[-1] / act[0], "grad_std_ratio": grad[0] / grad[-1]}
    out["spread_change"] = abs(math.log(out["act_std_ratio"])) + abs(math.log(out["grad_std_ratio"]))
    return out


if __name__ == "__main__":
    run("activation-stats", PARAMS, variants, trial)
