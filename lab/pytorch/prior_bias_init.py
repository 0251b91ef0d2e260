"""PyTorch twin of the lab experiment prior-bias-init (lab/experiments/prior_bias.go).

Imbalanced two-class data (8 features; majority N(0, I), minority N(±2.5·e1, I), half on each
side; the data drawn from a generator seeded 18100 + seed, so both bias inits see the same
data), an MLP 8-64-64-2 with ReLU and PyTorch's default init, the output bias left at its
default or set to the log class frequencies; Adam at 3e-4, shuffled batches of 64. Measures
the initial loss, the early loss (mean minibatch loss of the first `early` steps), the final
training loss, and on a balanced test set (1000 + 1000) the accuracy under the training prior,
the balanced accuracy and the minority recall.
Run: /usr/bin/python3 lab/pytorch/prior_bias_init.py [--seeds N] [--quick] [--set name=value]."""

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

NAME = "prior-bias-init"
PARAMS = [("ratios", [1.0, 10.0, 100.0], None), ("samples", 2000, 600), ("hidden", 64, None),
          ("steps", 500, 60), ("early", 50, 20), ("lr", 0.0003, None)]


def imbalanced(g, n_maj, n_min):
    x = torch.randn(n_maj + n_min, 8, generator=g)
    y = torch.zeros(n_maj + n_min, dtype=torch.long)
    y[n_maj:] = 1
    x[n_maj:n_maj + n_min // 2, 0] += 2.5
    x[n_maj + n_min // 2:, 0] -= 2.5
    return x, y


def trial(cfg, ratio, bias, seed):
    n = cfg["samples"]
    n_min = int(round(n / (ratio + 1)))
    n_maj = n - n_min
    dg = torch.Generator().manual_seed(18100 + seed)
    xtr, ytr = imbalanced(dg, n_maj, n_min)
    xte, yte = imbalanced(dg, 1000, 1000)
    h = cfg["hidden"]
    model = nn.Sequential(nn.Linear(8, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 2))
    if bias == "prior":
        with torch.no_grad():
            model[4].bias.copy_(torch.tensor([math.log(n_maj / n), math.log(n_min / n)]))
    out = {"initial_loss": eval_loss(model, xtr, ytr)}
    losses, div = train(model, xtr, ytr, cfg["steps"], torch.optim.Adam(model.parameters(), lr=cfg["lr"]), 64)
    early = losses[:cfg["early"]]
    out["early_loss"] = math.inf if div and len(losses) <= cfg["early"] else sum(early) / len(early)
    if div:
        for k in ("final_loss", "accuracy", "balanced_accuracy", "minority_recall"):
            out[k] = math.nan
        return out, True
    out["final_loss"] = eval_loss(model, xtr, ytr)
    model.eval()
    with torch.no_grad():
        pred = model(xte).argmax(1)
    r0 = (pred[yte == 0] == 0).double().mean().item()
    r1 = (pred[yte == 1] == 1).double().mean().item()
    out["accuracy"] = (n_maj * r0 + n_min * r1) / n
    out["balanced_accuracy"] = (r0 + r1) / 2
    out["minority_recall"] = r1
    return out, False


def main():
    cfg, seeds, quick = parse_args(NAME, PARAMS)
    start = time.time()
    metrics, diverged = {}, {}
    for ratio in cfg["ratios"]:
        for bias in ("default", "prior"):
            k = f"ratio={go_float(ratio)},out_bias={bias}"
            metrics[k], diverged[k] = {}, []
            for seed in seeds:
                torch.manual_seed(seed)
                out, div = trial(cfg, ratio, bias, seed)
                diverged[k].append(div)
                for m, v in out.items():
                    metrics[k].setdefault(m, []).append(v)
    emit(NAME, cfg, seeds, quick, metrics, diverged, start)


if __name__ == "__main__":
    main()
