"""PyTorch twin of the lab experiment lsuv-init (lab/experiments/lsuv.go).

A thin plain MLP of `depth` hidden Linear(·, width) + ReLU layers and a Linear(width, 10)
classifier on the embedded digits with standardized features, all biases zero. Inits: LSUV
(Mishkin & Matas 2016, Algorithm 1: orthogonal_ with gain 1, then for every Linear layer in
order, up to T_max = 10 times, a forward pass of a random minibatch of 64 training examples,
the unbiased variance of the layer's output, W /= sqrt(Var) until |Var - 1| < Tol_var = 0.1),
He (kaiming_normal_, ReLU) and orthogonal_ with gain sqrt(2). Measures the variance of every
Linear output at init on the first 256 training examples, the initial loss, then SGD with
momentum 0.9 at lr 0.01, shuffled batches of 64: the mean minibatch loss over all steps, the
final training loss and the test accuracy.
Run: /usr/bin/python3 lab/pytorch/lsuv_init.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import (Param, accuracy, cross_entropy, digits_train_test, eval_loss, fit, linears, mean_loss_before,
                  mlp, run, standardized)

PARAMS = [
    Param("depth", 20, quick=6),
    Param("width", 32),
    Param("steps", 300, quick=10),
    Param("lr", 0.01),
    Param("inits", ["lsuv", "he", "orthogonal"]),
]
TOL_VAR, T_MAX = 0.1, 10


def lsuv(model, x, batch):
    layers = list(model)
    rescaled = 0
    with torch.no_grad():
        for li, m in enumerate(layers):
            if not isinstance(m, nn.Linear):
                continue
            for _ in range(T_MAX):
                idx = torch.randperm(x.shape[0])[:batch]
                h = x[idx]
                for mm in layers[:li + 1]:
                    h = mm(h)
                v = h.var().item()
                if abs(v - 1) < TOL_VAR:
                    break
                m.weight.div_(math.sqrt(v))
                rescaled += 1
    return rescaled


def variants(cfg):
    for init in cfg.inits:
        if init not in ("lsuv", "he", "orthogonal"):
            raise SystemExit(f"inits: unknown init {init!r} (want lsuv, he or orthogonal)")
    return [{"settings": (("init", init),), "init": init} for init in cfg.inits]


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    xtr, xte = standardized(xtr, xte)
    init = cond["init"]
    model = mlp([xtr.shape[1]] + [cfg.width] * cfg.depth + [10], "relu", True)
    for l in linears(model):
        if init == "lsuv":
            nn.init.orthogonal_(l.weight)
        elif init == "he":
            nn.init.kaiming_normal_(l.weight, nonlinearity="relu")
        else:
            nn.init.orthogonal_(l.weight, gain=nn.init.calculate_gain("relu"))
        nn.init.zeros_(l.bias)
    out = {}
    if init == "lsuv":
        out["lsuv_rescalings"] = float(lsuv(model, xtr, 64))
    vars_ = []
    with torch.no_grad():
        h = xtr[:256]
        for m in model:
            h = m(h)
            if isinstance(m, nn.Linear):
                vars_.append(h.var().item())
    out["max_abs_log_var"] = max(abs(math.log(v)) for v in vars_[:-1])
    out["initial_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
    tr = fit(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", momentum=0.9, batch=64, every=1,
             max_loss=1e6)
    out["mean_loss"] = mean_loss_before(tr, cfg.steps)  # the area under the training curve
    if tr.diverged:
        out["final_loss"], out["test_accuracy"] = math.inf, math.nan
    else:
        out["final_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
        out["test_accuracy"] = accuracy(model, xte, yte)
    return out, tr.diverged


if __name__ == "__main__":
    run("lsuv-init", PARAMS, variants, trial)
