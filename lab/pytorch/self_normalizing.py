"""PyTorch twin of the lab experiment self-normalizing (lab/experiments/self_normalizing.go).

An MLP of `depth` hidden layers Linear(·, width) + activation and a Linear(width, 10)
classifier (PyTorch's default init) on the embedded digits with standardized features; hidden
biases zero. SELU with LeCun-normal weights (kaiming_normal_, nonlinearity="linear"), ReLU with
He-normal, tanh with Xavier-uniform (gain 1). At init: the mean and population variance of
every activation's output on the first 512 training examples (float64), the distance from
(0, 1) = max |mean| + max |ln variance| over layers; then plain SGD at lr 0.01, shuffled
batches of 64; final training loss and test accuracy.
Run: /usr/bin/python3 lab/pytorch/self_normalizing.py [--seeds N] [--quick] [--set name=value]."""

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

NAME = "self-normalizing"
PARAMS = [("depth", 32, 8), ("width", 64, None), ("steps", 100, 10), ("lr", 0.01, None)]
VARIANTS = [("selu", "lecun-normal"), ("relu", "he-normal"), ("tanh", "xavier")]


def trial(cfg, act, data):
    xtr, ytr, xte, yte = data
    layers, fan_in = [], xtr.shape[1]
    for i in range(cfg["depth"]):
        l = nn.Linear(fan_in, cfg["width"])
        fan_in = cfg["width"]
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
    layers.append(nn.Linear(cfg["width"], 10))
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
    out["initial_loss"] = eval_loss(model, xtr, ytr)
    losses, div = train(model, xtr, ytr, cfg["steps"], torch.optim.SGD(model.parameters(), lr=cfg["lr"]), 64)
    if div:
        out["final_loss"], out["test_accuracy"] = math.inf, math.nan
    else:
        out["final_loss"] = eval_loss(model, xtr, ytr)
        out["test_accuracy"] = accuracy(model, xte, yte)
    return out, div


def main():
    cfg, seeds, quick = parse_args(NAME, PARAMS)
    xtr, ytr, xte, yte = digits_train_test()
    xtr, xte = standardized(xtr, xte)
    start = time.time()
    metrics, diverged = {}, {}
    for act, init in VARIANTS:
        k = f"act={act},init={init}"
        metrics[k], diverged[k] = {}, []
        for seed in seeds:
            torch.manual_seed(seed)
            out, div = trial(cfg, act, (xtr, ytr, xte, yte))
            diverged[k].append(div)
            for m, v in out.items():
                metrics[k].setdefault(m, []).append(v)
    emit(NAME, cfg, seeds, quick, metrics, diverged, start)


if __name__ == "__main__":
    main()
