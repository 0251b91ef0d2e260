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

import argparse
import gzip
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# --- self-contained helpers (the same JSON shape as the lab's other twins) ---------------

HERE = os.path.dirname(os.path.abspath(__file__))


def go_float(x):
    """x as Go's %g writes it (enough for the settings of this twin's keys)."""
    s = "%g" % x
    return s


def parse_args(name, params):
    """params: [(name, default, quick or None)]; the type follows the default."""
    ap = argparse.ArgumentParser(prog=name, description=f"PyTorch twin of the lab experiment {name}")
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    ap.add_argument("--quick", action="store_true", help="the experiment's quick settings")
    ap.add_argument("--set", action="append", default=[], help="name=value overrides (one per --set)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    a = ap.parse_args()
    cfg = {}
    for n, default, quick in params:
        cfg[n] = quick if a.quick and quick is not None else default
    for item in a.set:
        n, v = item.split("=", 1)
        d = dict((p[0], p[1]) for p in params)
        if n not in d:
            raise SystemExit(f"--set {n}: unknown parameter")
        if isinstance(d[n], list):
            cfg[n] = [type(d[n][0])(s) for s in v.split(",")]
        else:
            cfg[n] = type(d[n])(v)
    torch.set_num_threads(a.threads)
    return cfg, list(range(a.seeds)), a.quick


def json_float(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return x


def emit(name, cfg, seeds, quick, metrics, diverged, start):
    doc = {"experiment": name, "config": {k: (",".join(go_float(x) if not isinstance(x, str) else x for x in v)
                                              if isinstance(v, list) else (go_float(v) if isinstance(v, float) else str(v)))
                                          for k, v in cfg.items()},
           "quick": quick, "seeds": seeds, "torch": torch.__version__, "seconds": round(time.time() - start, 2),
           "metrics": {k: {m: [json_float(x) for x in xs] for m, xs in ms.items()} for k, ms in metrics.items()},
           "diverged": diverged}
    print(json.dumps(doc, indent=1))


def digits_train_test():
    """data.DigitsTrainTest: data/digits.csv.gz, pixels / 16, random_split 0.8/0.2 with a
    generator seeded 0: 1438 training and 359 test examples."""
    from torch.utils.data import random_split
    rows = [list(map(float, r.split(","))) for r in gzip.open(os.path.join(HERE, "..", "..", "data", "digits.csv.gz"), "rt").read().split()]
    t = torch.tensor(rows, dtype=torch.float64)
    x, y = (t[:, :-1] / 16).float(), t[:, -1].long()
    tr, te = random_split(range(x.shape[0]), [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    tr, te = torch.tensor(list(tr)), torch.tensor(list(te))
    return x[tr], y[tr], x[te], y[te]


def standardized(xtr, xte):
    """Every feature standardized by the training set's mean and population std (a constant
    feature only centred), computed in float64."""
    m = xtr.double().mean(0)
    s = xtr.double().std(0, unbiased=False)
    s[s == 0] = 1
    return ((xtr.double() - m) / s).float(), ((xte.double() - m) / s).float()


def train(model, x, y, steps, opt, batch, max_loss=1e6):
    """Trains as lab/experiments' trainer does (train.Trainer over a data.Loader, which makes
    torch's DataLoader(shuffle=True, drop_last=True) draws from the trial's generator): every
    epoch draws the loader's base seed and a randperm(n), and RandomSampler's trailing
    randperm(n) once the epoch is used up; the last smaller batch is dropped. Returns (losses
    per step, diverged): a NaN/Inf loss stops training before its update, a loss above
    max_loss after it; both count as divergence."""
    model.train()
    n = x.shape[0]
    per_epoch = n // batch
    losses, order, b = [], None, 0
    while len(losses) < steps:
        if order is None:
            torch.empty((), dtype=torch.int64).random_()  # _BaseDataLoaderIter's base seed
            order, b = torch.randperm(n), 0
        idx = order[b * batch:(b + 1) * batch]
        b += 1
        opt.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y[idx])
        v = loss.item()
        if math.isfinite(v):
            loss.backward()
            opt.step()
        losses.append(v)
        if b == per_epoch:
            torch.randperm(n)  # the sampler's trailing draw
            order = None
        if not math.isfinite(v) or v > max_loss:
            return losses, True
    return losses, False


def eval_loss(model, x, y):
    model.eval()
    with torch.no_grad():
        return F.cross_entropy(model(x), y).item()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).double().mean().item()


# --- the experiment -------------------------------------------------------------------------

NAME = "zero-init-residual"
PARAMS = [("blocks", 8, 4), ("width", 32, None), ("steps", 100, 20), ("early", 20, 5), ("lr", 0.1, None)]
VARIANTS = [(True, "default"), (True, "zero-gamma"), (False, "default"), (False, "fixup")]


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


def trial(cfg, bn, init, data):
    xtr, ytr, xte, yte = data
    model = ResMLP(bn, init, xtr.shape[1], cfg["width"], cfg["blocks"], 10)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    losses, div = train(model, xtr, ytr, cfg["steps"], opt, 128)
    early = losses[:cfg["early"]]
    out = {"initial_loss": losses[0],
           "early_loss": math.inf if div and len(losses) <= cfg["early"] else sum(early) / len(early),
           "diverged": 1.0 if div else 0.0}
    if div:
        out["final_loss"], out["test_accuracy"] = math.inf, math.nan
    else:
        out["final_loss"] = eval_loss(model, xtr, ytr)
        out["test_accuracy"] = accuracy(model, xte, yte)
    return out, div


def main():
    cfg, seeds, quick = parse_args(NAME, PARAMS)
    data = digits_train_test()
    start = time.time()
    metrics, diverged = {}, {}
    for bn, init in VARIANTS:
        k = f"batchnorm={'on' if bn else 'off'},init={init}"
        metrics[k], diverged[k] = {}, []
        for seed in seeds:
            torch.manual_seed(seed)
            out, div = trial(cfg, bn, init, data)
            diverged[k].append(div)
            for m, v in out.items():
                metrics[k].setdefault(m, []).append(v)
    emit(NAME, cfg, seeds, quick, metrics, diverged, start)


if __name__ == "__main__":
    main()
