"""PyTorch twin of the lab experiment bitfit (lab/experiments/bitfit.go).

A 64-hidden-hidden ReLU MLP body with a 5-way output layer, pre-trained with Adam (batch 64)
on the embedded digits 0-4; then a new 5-way output layer for the digits 5-9 (relabelled
0-4), fine-tuned from the same pre-trained network in three ways: head (only the new output
layer), bias (the new output layer and every bias of the body, as BitFit) and full (every
parameter); frozen parameters have requires_grad False and are not given to Adam.
Run: /usr/bin/python3 lab/pytorch/bitfit.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import (Param, Trainer, accuracy, cross_entropy, digits_train_test, eval_loss, fit,
                  mlp, run)

PARAMS = [
    Param("hidden", 64),
    Param("pretrain_steps", 300, quick=20),
    Param("steps", 200, quick=20),
    Param("lr", 0.01),
]


def variants(cfg):
    return [{"settings": (("tune", t),), "tune": t} for t in ("head", "bias", "full")]


def class_range(x, y, lo, n):
    keep = (y >= lo) & (y < lo + n)
    return x[keep].contiguous(), (y[keep] - lo).contiguous()


class Net(nn.Module):
    def __init__(self, body, head):
        super().__init__()
        self.body, self.head = body, head

    def forward(self, x):
        return self.head(self.body(x))


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    sx, sy = class_range(xtr, ytr, 0, 5)
    sxt, syt = class_range(xte, yte, 0, 5)
    dx, dy = class_range(xtr, ytr, 5, 5)
    dxt, dyt = class_range(xte, yte, 5, 5)
    h, lr = cfg.hidden, cfg.lr
    body = mlp([xtr.shape[1], h, h], "relu", True)
    body.append(nn.ReLU())
    model = Net(body, nn.Linear(h, 5))
    pre = fit(model, sx, sy, cross_entropy, cfg.pretrain_steps, lr, opt="adam", batch=64, every=2, max_loss=1e6)
    keys = ("source_accuracy", "test_accuracy", "test_loss", "trainable")
    if pre.diverged:
        return {k: math.nan for k in keys}, True
    model.eval()
    out = {"source_accuracy": accuracy(model, sxt, syt)}
    model.head = nn.Linear(h, 5)
    trainable = list(model.head.parameters())
    for p in model.body.parameters():
        if cond["tune"] == "full" or (cond["tune"] == "bias" and p.dim() == 1):
            trainable.append(p)
        else:
            p.requires_grad_(False)
    out["trainable"] = float(sum(p.numel() for p in trainable))
    tr = Trainer(model, dx, dy, cross_entropy, cfg.steps, lr, opt="adam", batch=64, every=2, max_loss=1e6)
    tr.opt = torch.optim.Adam(trainable, lr=lr)
    tr.run(cfg.steps)
    if tr.diverged:
        out.update(test_accuracy=math.nan, test_loss=math.nan)
        return out, True
    model.eval()
    out.update(test_accuracy=accuracy(model, dxt, dyt), test_loss=eval_loss(model, dxt, dyt, cross_entropy))
    return out, False


if __name__ == "__main__":
    run("bitfit", PARAMS, variants, trial)
