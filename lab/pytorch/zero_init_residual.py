"""PyTorch twin of the lab experiment zero-init-residual (lab/experiments/zero_init_residual.go).

A residual MLP on the embedded digits: a stem Linear(64, width) (+ BatchNorm1d, or Fixup's
scalar bias) and ReLU, `blocks` blocks relu(x + branch(x)) with two Linear layers per branch,
a Linear classifier. He-normal (fan_in, ReLU) weights in stem and branches. Variants:
BatchNorm with γ = 1 (default) or γ = 0 in each branch's last BatchNorm (zero-gamma, Goyal et
al. 2017); no normalization with He init (branch biases zero) or Fixup (Zhang et al. 2019:
first branch layer scaled by L^(-1/2), last layer and classifier zero, scalar biases and a
multiplier, the paper's FixupBasicBlock with Linear layers). SGD, momentum 0.9, lr 0.1,
shuffled batches of 128. Measures the first minibatch's loss, the early loss, divergence
(NaN or loss above 1e6), the final training loss (eval mode) and the test accuracy.
Run: /usr/bin/python3 lab/pytorch/zero_init_residual.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from twin import (Param, accuracy, cross_entropy, digits_train_test, eval_loss, fit, mean_loss_before, on_off,
                  run)

PARAMS = [
    Param("blocks", 8, quick=4),
    Param("width", 32),
    Param("steps", 100, quick=20),
    Param("early", 20, quick=5),
    Param("lr", 0.1),
]


def variants(cfg):
    return [{"settings": (("batchnorm", on_off(bn)), ("init", init)), "bn": bn, "init": init}
            for bn, init in ((True, "default"), (True, "zero-gamma"), (False, "default"), (False, "fixup"))]


def scalar(v):
    return nn.Parameter(torch.full((1,), float(v)))


class Block(nn.Module):
    def __init__(self, width, bn, init, blocks):
        super().__init__()
        fixup = init == "fixup"
        self.fixup, self.bn = fixup, bn
        self.fc1 = nn.Linear(width, width, bias=not bn and not fixup)
        self.fc2 = nn.Linear(width, width, bias=not bn and not fixup)
        for l in (self.fc1, self.fc2):
            nn.init.kaiming_normal_(l.weight, nonlinearity="relu")
            if l.bias is not None:
                nn.init.zeros_(l.bias)
        if bn:
            self.bn1, self.bn2 = nn.BatchNorm1d(width), nn.BatchNorm1d(width)
            if init == "zero-gamma":
                nn.init.zeros_(self.bn2.weight)
        if fixup:
            with torch.no_grad():
                self.fc1.weight.mul_(blocks ** -0.5)
            nn.init.zeros_(self.fc2.weight)
            self.bias1a, self.bias1b, self.bias2a, self.bias2b = scalar(0), scalar(0), scalar(0), scalar(0)
            self.scale = scalar(1)

    def forward(self, x):
        if self.fixup:
            h = F.relu(self.fc1(x + self.bias1a) + self.bias1b)
            h = self.fc2(h + self.bias2a) * self.scale + self.bias2b
        elif self.bn:
            h = self.bn2(self.fc2(F.relu(self.bn1(self.fc1(x)))))
        else:
            h = self.fc2(F.relu(self.fc1(x)))
        return F.relu(x + h)


class ResMLP(nn.Module):
    def __init__(self, bn, init, inp, width, blocks, out):
        super().__init__()
        fixup = init == "fixup"
        self.stem = nn.Linear(inp, width, bias=not bn and not fixup)
        nn.init.kaiming_normal_(self.stem.weight, nonlinearity="relu")
        if self.stem.bias is not None:
            nn.init.zeros_(self.stem.bias)
        self.stem_bn = nn.BatchNorm1d(width) if bn else None
        self.stem_bias = scalar(0) if fixup else None
        self.blocks = nn.ModuleList([Block(width, bn, init, blocks) for _ in range(blocks)])
        self.out_bias = scalar(0) if fixup else None
        self.out = nn.Linear(width, out)
        if fixup:
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(self, x):
        h = self.stem(x)
        if self.stem_bn is not None:
            h = self.stem_bn(h)
        elif self.stem_bias is not None:
            h = h + self.stem_bias
        h = F.relu(h)
        for b in self.blocks:
            h = b(h)
        if self.out_bias is not None:
            h = h + self.out_bias
        return self.out(h)


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    model = ResMLP(cond["bn"], cond["init"], xtr.shape[1], cfg.width, cfg.blocks, 10)
    tr = fit(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", momentum=0.9, batch=128, every=1,
             max_loss=1e6)
    out = {"initial_loss": tr.losses[0],  # the first minibatch's, in training mode
           "early_loss": mean_loss_before(tr, cfg.early),
           "diverged": 1.0 if tr.diverged else 0.0}
    if tr.diverged:
        out["final_loss"], out["test_accuracy"] = math.inf, math.nan
    else:
        out["final_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
        out["test_accuracy"] = accuracy(model, xte, yte)
    return out, tr.diverged


if __name__ == "__main__":
    run("zero-init-residual", PARAMS, variants, trial)
