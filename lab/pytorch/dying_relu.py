"""PyTorch twin of the lab experiment dying-relu (lab/experiments/dying_relu.go).

A 64-hidden-hidden-hidden-10 ReLU MLP on the embedded digits, weights from each init, the
hidden biases at a constant, the output bias zero; plain SGD at each learning rate, shuffled batches of 64 (the
last smaller one dropped), a loss above 1e6 or not finite counting as divergence. The share
of hidden units that output 0 on every training example, at init and after training.
Run: /usr/bin/python3 lab/pytorch/dying_relu.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import (Param, accuracy, cross_entropy, digits_train_test, fit, go_float, init_bias,
                  init_weight, linears, mlp, run)

PARAMS = [
    Param("bias_inits", [0.0, 0.01, 0.1, -0.5], kind="floats"),
    Param("weight_inits", ["kaiming", "xavier"], kind="strings"),
    Param("hidden", 128),
    Param("steps", 300, quick=40),
    Param("lrs", [0.05, 0.2, 1.0], kind="floats"),
    Param("margin", 0.05),  # the verdict's margin (share of hidden units); the measurement does not use it
]


def variants(cfg):
    return [{"settings": (("lr", go_float(lr)), ("weight", w), ("bias", go_float(b))), "weight": w, "bias": b, "lr": lr}
            for lr in cfg.lrs for w in cfg.weight_inits for b in cfg.bias_inits]


def dead_share(model, x):
    """The share of ReLU units (over all ReLU layers) never positive on x."""
    dead = total = 0
    with torch.no_grad():
        h = x
        for m in model:
            h = m(h)
            if isinstance(m, nn.ReLU):
                alive = (h > 0).any(0)
                dead += int((~alive).sum())
                total += alive.numel()
    return dead / total


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    h = cfg.hidden
    model = mlp([xtr.shape[1], h, h, h, 10], "relu", True)
    ls = linears(model)
    for i, l in enumerate(ls):
        init_weight(cond["weight"], l.weight)
        init_bias(repr(cond["bias"]) if i < len(ls) - 1 else "zeros", l.bias)
    out = {"dead_at_init": dead_share(model, xtr)}
    tr = fit(model, xtr, ytr, cross_entropy, cfg.steps, cond["lr"], opt="sgd", batch=64, every=2, max_loss=1e6)
    if tr.diverged:
        out["dead_after"], out["test_accuracy"] = math.nan, math.nan
    else:
        out["dead_after"] = dead_share(model, xtr)
        out["test_accuracy"] = accuracy(model, xte, yte)
    return out, tr.diverged


if __name__ == "__main__":
    run("dying-relu", PARAMS, variants, trial)
