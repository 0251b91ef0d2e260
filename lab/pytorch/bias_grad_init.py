"""PyTorch twin of the lab experiment bias-grad-init (lab/experiments/bias_grad_init.go).

A ReLU MLP (4 hidden layers of 64) on the embedded digits whose weights are N(0, sigma) for
sigma in 0.01, 0.1, 1, or Xavier-uniform, or He (kaiming) uniform, every bias 0. On one
batch of 256 training examples drawn with randperm, at initialization, it measures the
cross-entropy, the norms of the bias and weight gradients and the biases' share of the
whole gradient (of an SGD update), also layer by layer.
Run: /usr/bin/python3 lab/pytorch/bias_grad_init.py [--seeds N] [--quick] [--set name=value].
Needs twin.py (lab/pytorch)."""

import math

import torch
import torch.nn.init as init

from twin import Param, cross_entropy, digits_train_test, go_float, linears, mlp, run

PARAMS = [
    Param("stds", [0.01, 0.1, 1.0], kind="floats"),
    Param("others", ["xavier", "kaiming"], kind="strings"),
    Param("depth", 4, quick=2),
    Param("width", 64),
    Param("batch", 256),
    Param("factor", 10.0),
]


def variants(cfg):
    out = [{"settings": (("init", "normal-" + go_float(s)),), "init": "normal", "std": s} for s in cfg.stds]
    out += [{"settings": (("init", o),), "init": o, "std": 0.0} for o in cfg.others]
    return out


def trial(cfg, cond, seed):
    xtr, ytr, _, _ = digits_train_test()
    model = mlp([xtr.shape[1]] + [cfg.width] * cfg.depth + [10], "relu", True)
    for l in linears(model):
        if cond["init"] == "normal":
            init.normal_(l.weight, 0, cond["std"])
        elif cond["init"] == "xavier":
            init.xavier_uniform_(l.weight)
        else:
            init.kaiming_uniform_(l.weight, nonlinearity="relu")
        init.zeros_(l.bias)
    n = min(cfg.batch, xtr.shape[0])
    idx = torch.randperm(xtr.shape[0])[:n]
    loss = cross_entropy(model(xtr[idx]), ytr[idx])
    loss.backward()
    sb = sw = 0.0
    for l in linears(model):
        sb += l.bias.grad.double().pow(2).sum().item()
        sw += l.weight.grad.double().pow(2).sum().item()
    out = {"loss": loss.item(), "bias_grad_norm": math.sqrt(sb), "weight_grad_norm": math.sqrt(sw),
           "bias_share": math.sqrt(sb / (sb + sw))}
    return out, not all(math.isfinite(v) for v in out.values())


if __name__ == "__main__":
    run("bias-grad-init", PARAMS, variants, trial)
