"""PyTorch twin of the lab experiment self-normalizing (lab/experiments/self_normalizing.go).

An MLP of `depth` hidden layers Linear(·, width) + activation and a Linear(width, 10)
classifier (PyTorch's default init) on the embedded digits with standardized features; hidden
biases zero. SELU with LeCun-normal weights (kaiming_normal_, nonlinearity="linear"), ReLU with
He-normal, tanh with Xavier-uniform (gain 1). At init: the mean and population variance of
every activation's output on the first 512 training examples (float64), the distance from
(0, 1) = max |mean| + max |ln variance| over layers; then plain SGD at lr 0.01, shuffled
batches of 64; final training loss and test accuracy.
Run: /usr/bin/python3 lab/pytorch/self_normalizing.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import (Param, accuracy, cross_entropy, digits_train_test, eval_loss, fit, run,
                  standardized)

PARAMS = [
    Param("depth", 32, quick=8),
    Param("width", 64),
    Param("steps", 100, quick=10),
    Param("lr", 0.01),
]


def variants(cfg):
    return [{"settings": (("act", act), ("init", init)), "act": act}
            for act, init in (("selu", "lecun-normal"), ("relu", "he-normal"), ("tanh", "xavier"))]


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    xtr, xte = standardized(xtr, xte)
    act = cond["act"]
    layers, fan_in = [], xtr.shape[1]
    for i in range(cfg.depth):  # each layer built and initialized in turn, as the Go trial draws
        l = nn.Linear(fan_in, cfg.width)
        fan_in = cfg.width
        if act == "selu":
            nn.init.kaiming_normal_(l.weight, nonlinearity="linear")
            a = nn.SELU()
        elif act == "relu":
            nn.init.kaiming_normal_(l.weight, nonlinearity="relu")
            a = nn.ReLU()
        else:
            nn.init.xavier_uniform_(l.weight)
            a = nn.Tanh()
        nn.init.zeros_(l.bias)
        layers += [l, a]
    layers.append(nn.Linear(cfg.width, 10))
    model = nn.Sequential(*layers)
    means, vars_ = [], []
    with torch.no_grad():
        h = xtr[:512]
        for m in model:
            h = m(h)
            if isinstance(m, nn.Linear):
                continue
            d = h.double()
            means.append(d.mean().item())
            vars_.append(d.var(unbiased=False).item())
    out = {"mean_last": means[-1], "var_last": vars_[-1],
           "max_abs_mean": max(abs(m) for m in means),
           "max_abs_log_var": max(abs(math.log(v)) for v in vars_)}
    out["distance"] = out["max_abs_mean"] + out["max_abs_log_var"]
    out["initial_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
    if cfg.steps == 0:  # the Go trial measures only the start
        return out, False
    tr = fit(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=64, every=1, max_loss=1e6)
    if tr.diverged:
        out["final_loss"], out["test_accuracy"] = math.inf, math.nan
    else:
        out["final_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
        out["test_accuracy"] = accuracy(model, xte, yte)
    return out, tr.diverged


if __name__ == "__main__":
    run("self-normalizing", PARAMS, variants, trial)
