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

NAME = "lsuv-init"
PARAMS = [("depth", 20, 6), ("width", 32, None), ("steps", 300, 10), ("lr", 0.01, None),
          ("inits", ["lsuv", "he", "orthogonal"], None)]
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


def trial(cfg, init, data):
    xtr, ytr, xte, yte = data
    sizes = [xtr.shape[1]] + [cfg["width"]] * cfg["depth"] + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    for l in model:
        if not isinstance(l, nn.Linear):
            continue
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
    out["initial_loss"] = eval_loss(model, xtr, ytr)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
    losses, div = train(model, xtr, ytr, cfg["steps"], opt, 64)
    out["mean_loss"] = math.inf if div else sum(losses) / len(losses)
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
    for init in cfg["inits"]:
        k = f"init={init}"
        metrics[k], diverged[k] = {}, []
        for seed in seeds:
            torch.manual_seed(seed)
            out, div = trial(cfg, init, (xtr, ytr, xte, yte))
            diverged[k].append(div)
            for m, v in out.items():
                metrics[k].setdefault(m, []).append(v)
    emit(NAME, cfg, seeds, quick, metrics, diverged, start)


if __name__ == "__main__":
    main()
