"""PyTorch twin of the lab experiment deep-relu (lab/experiments/deep_relu.go).

A `depth`-layer ReLU MLP of width `width` on the embedded digits (raw pixels), weights
from each init, biases zero. At init: the population std of every Linear layer's output on
the first 256 training examples (and of the cross-entropy gradient there); then plain SGD,
shuffled batches of 64, a loss above 1e6 or not finite counting as divergence.
Run: /usr/bin/python3 lab/pytorch/deep_relu.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import (Param, accuracy, cross_entropy, digits_train_test, eval_loss, fit, init_bias,
                  init_weight, linears, mlp, pstd, run)

PARAMS = [
    Param("depth", 30),
    Param("width", 64),
    Param("steps", 200, quick=40),
    Param("lr", 0.01),
    Param("inits", ["kaiming", "xavier", "normal"], kind="strings"),
]


def variants(cfg):
    if cfg.depth < 2:
        raise SystemExit("depth must be at least 2")
    return [{"settings": (("init", w),), "init": w} for w in cfg.inits]


def layer_stats(model, x, y):
    """The std of every Linear layer's output on x, and of the loss gradient there."""
    h, outs = x, []
    for m in model:
        h = m(h)
        if isinstance(m, nn.Linear):
            h.retain_grad()
            outs.append(h)
    cross_entropy(h, y).backward()
    act = [pstd(o) for o in outs]
    grad = [pstd(o.grad) if o.grad is not None else math.nan for o in outs]
    model.zero_grad(set_to_none=True)
    return act, grad


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    sizes = [xtr.shape[1]] + [cfg.width] * (cfg.depth - 1) + [10]
    model = mlp(sizes, "relu", True)
    for l in linears(model):
        init_weight(cond["init"], l.weight)
        init_bias("zeros", l.bias)
    n = min(256, xtr.shape[0])
    act, _ = layer_stats(model, xtr[:n], ytr[:n])
    out = {"act_std_first": act[0], "act_std_last": act[-2]}
    out["act_ratio"] = act[-2] / act[0] if act[0] != 0 else math.nan
    out["initial_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
    tr = fit(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=64, every=2, max_loss=1e6)
    if tr.diverged:
        out["final_loss"], out["test_accuracy"] = math.inf, math.nan
        out["accuracy_or_chance"] = 1 / (int(ytr.max()) + 1)  # a diverged run counts at chance level
    else:
        out["final_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
        out["test_accuracy"] = accuracy(model, xte, yte)
        out["accuracy_or_chance"] = out["test_accuracy"]
    return out, tr.diverged


if __name__ == "__main__":
    run("deep-relu", PARAMS, variants, trial)
