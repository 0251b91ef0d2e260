"""Shared helpers of the lab's PyTorch twins (lab/pytorch/NAME.py).

A twin re-implements one experiment of lab/experiments in PyTorch: same data,
model, initialization, optimizer, steps, batches and measurements, the same
parameters with the same defaults. It prints one JSON object:

    {"experiment": NAME,
     "config": {param: value as written in --set, ...},
     "seeds": [0, 1, ...],
     "metrics": {variant_key: {metric: [one value per seed]}},
     "diverged": {variant_key: [bool per seed]}}

Variant keys are exactly the Go experiment's lab.Variant keys ("offset=4,bias=off"):
the settings of its condition in order, values formatted as Go formats them
(go_float for numbers). NaN and infinities are written as the strings "NaN",
"+Inf" and "-Inf", as results.json writes them. compare.py reads this shape.

A twin is a script built on run():

    from twin import Param, run
    PARAMS = [Param("steps", 600, quick=200), Param("lr", 0.05), ...]
    def variants(cfg): return [(("act", a), ("bias", b)) for a in ... for b in ...]
    def trial(cfg, cond, seed): ...; return {"final_loss": ..., ...}   # or (metrics, diverged)
    if __name__ == "__main__": run("activation-shift", PARAMS, variants, trial)

run() parses --seeds N (default 10), --quick, --set name=value[,name=value...] (a list value
runs on after commas, as in the Go CLI: --set offsets=0,1,2,steps=100), --out FILE and
--threads N, seeds torch's default generator with the seed before each trial (so every
draw of a trial comes from one stream, as every draw of a Go trial comes from its t.Gen),
and writes the JSON. A twin that needs nothing of this module can still print the same
shape by hand; compare.py only reads the JSON.
"""

import argparse
import json
import math
import os
import sys
import time
from decimal import Decimal

# --- parameters ---------------------------------------------------------------------------


class Param:
    """A parameter of an experiment: its name, default and kind as in the Go experiment.

    kind is "int", "float", "str", "strings" (comma-separated list of names) or "floats"
    (comma-separated list of numbers); it is inferred from the default when not given
    (a list of str is "strings", a list of numbers "floats").
    """

    def __init__(self, name, default, quick=None, kind=None, help=""):
        self.name, self.default, self.quick, self.help = name, default, quick, help
        if kind is None:
            if isinstance(default, bool):
                raise ValueError("boolean parameters are written as strings")
            if isinstance(default, int):
                kind = "int"
            elif isinstance(default, float):
                kind = "float"
            elif isinstance(default, (list, tuple)):
                kind = "floats" if default and all(isinstance(v, (int, float)) for v in default) else "strings"
            else:
                kind = "str"
        self.kind = kind

    def parse(self, text):
        """Parses a value as written in --set (or in results.json's config)."""
        if self.kind == "int":
            v = float(text)
            if v != int(v):
                raise ValueError(f"{self.name}: {text!r} is not an integer")
            return int(v)
        if self.kind == "float":
            return float(text)
        if self.kind == "strings":
            return [s.strip() for s in text.split(",") if s.strip() != ""]
        if self.kind == "floats":
            return [float(s) for s in text.split(",") if s.strip() != ""]
        return text

    def format(self, value):
        """Writes a value as the Go lab writes it in results.json's config."""
        if self.kind == "float":
            return go_float(value)
        if self.kind == "int":
            return str(int(value))
        if self.kind == "strings":
            return ",".join(value)
        if self.kind == "floats":
            return ",".join(go_float(v) for v in value)
        return str(value)


class Config:
    """Resolved parameters: cfg["steps"] or cfg.steps; seeds and quick too."""

    def __init__(self, values, seeds, quick, params):
        self._values, self.seeds, self.quick, self._params = values, seeds, quick, params

    def __getitem__(self, name):
        return self._values[name]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_json(self):
        return {p.name: p.format(self._values[p.name]) for p in self._params}


def parse_set(items, known):
    """Turns --set items into {name: text}. A piece without '=' continues the previous
    value (the Go CLI's rule: offsets=0,1,2,steps=100 sets offsets to 0,1,2)."""
    out, last = {}, None
    for item in items:
        for piece in item.split(","):
            if "=" in piece:
                k, v = piece.split("=", 1)
                k = k.strip()
                if not k:
                    raise SystemExit(f"--set {item!r}: empty key")
                if k not in known:
                    raise SystemExit(f"--set {k}: unknown parameter (have {', '.join(sorted(known))})")
                out[k], last = v, k
            elif last is not None:
                out[last] += "," + piece
            else:
                raise SystemExit(f"--set {item!r}: want key=value")
    return out


def parse_args(name, params, argv=None, description=None):
    """Parses the twin's command line into a Config."""
    ap = argparse.ArgumentParser(prog=name, description=description or f"PyTorch twin of the lab experiment {name}")
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10, as the Go lab)")
    ap.add_argument("--quick", action="store_true", help="the experiment's quick settings")
    ap.add_argument("--set", action="append", default=[], help="name=value[,name=value...] overrides")
    ap.add_argument("--out", default="-", help="write the JSON here (default stdout)")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--progress", action="store_true", help="print one line per trial on stderr")
    a = ap.parse_args(argv)
    if a.seeds < 1:
        raise SystemExit("--seeds must be at least 1")
    byname = {p.name: p for p in params}
    sets = parse_set(a.set, byname)
    values = {}
    for p in params:
        if p.name in sets:
            try:
                values[p.name] = p.parse(sets[p.name])
            except ValueError as e:
                raise SystemExit(f"--set {p.name}={sets[p.name]}: {e}")
        elif a.quick and p.quick is not None:
            values[p.name] = p.quick
        else:
            values[p.name] = p.default
    cfg = Config(values, list(range(a.seeds)), a.quick, params)
    return cfg, a


# --- formatting ---------------------------------------------------------------------------


def go_float(x):
    """Formats x as Go's fmt "%g" does (strconv 'g' with the shortest digits), then drops
    a trailing ".0" as the lab's trimFloat does: 0.5, 1e-05, 100000, 1e+06, -0.5."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    sign = "-" if x < 0 else ""
    _, digits, exp = Decimal(repr(abs(x))).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    exp += len(digits) - len(ds)  # value = int(ds) * 10**exp
    nd = len(ds)
    e = nd + exp - 1  # decimal exponent of the first digit
    if e < -4 or e >= 6:  # strconv's rule for the shortest 'g': precision 6 decides
        mant = ds[0] + ("." + ds[1:] if nd > 1 else "")
        return f"{sign}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if exp >= 0:
        return sign + ds + "0" * exp
    point = nd + exp
    if point > 0:
        return sign + ds[:point] + "." + ds[point:]
    return sign + "0." + "0" * (-point) + ds


def key(*settings):
    """The variant key of settings (name, value) pairs, as lab.NewVariant builds it."""
    return ",".join(f"{n}={v}" for n, v in settings)


def on_off(b):
    return "on" if b else "off"


def json_float(x):
    """x for JSON: NaN and infinities as strings, as results.json writes them."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return x


# --- running ------------------------------------------------------------------------------


def run(name, params, variants, trial, argv=None, description=None):
    """Runs a twin: parses the command line, runs trial(cfg, cond, seed) for every variant
    and seed, and writes the JSON. variants(cfg) returns a list of conditions, each a tuple
    of (setting, value) pairs in the Go condition's order (the key); a condition may carry
    extra data as a dict: {"settings": (...), ...}. trial returns {metric: value} or
    ({metric: value}, diverged)."""
    import torch

    cfg, a = parse_args(name, params, argv, description)
    torch.set_num_threads(max(1, a.threads))
    conds = variants(cfg)
    metrics, diverged = {}, {}
    start = time.time()
    for cond in conds:
        settings = cond["settings"] if isinstance(cond, dict) else cond
        k = key(*settings)
        metrics[k], diverged[k] = {}, []
        for seed in cfg.seeds:
            torch.manual_seed(seed)
            out = trial(cfg, cond, seed)
            div = False
            if isinstance(out, tuple):
                out, div = out
            diverged[k].append(bool(div))
            for m, v in out.items():
                metrics[k].setdefault(m, []).append(json_float(v))
            if a.progress:
                print(f"{name} {k} seed {seed} ({time.time() - start:.1f}s)", file=sys.stderr)
    doc = {
        "experiment": name,
        "config": cfg.as_json(),
        "quick": cfg.quick,
        "seeds": cfg.seeds,
        "torch": torch.__version__,
        "seconds": round(time.time() - start, 2),
        "metrics": metrics,
        "diverged": diverged,
    }
    text = json.dumps(doc, indent=1)
    if a.out == "-":
        print(text)
    else:
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, a.out)
    return doc


# --- models and training (torch) ----------------------------------------------------------


def activation(name):
    """The hidden activation module of a name, as lab/experiments' activation.module."""
    import torch.nn as nn

    return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity, "linear": nn.Identity}[name]()


def mlp(sizes, act="relu", bias=True):
    """Linear(sizes[0], sizes[1]) - act - ... - Linear(.., sizes[-1]) with PyTorch's default
    init, drawn from the default generator (the Go mlp draws from the trial's generator)."""
    import torch.nn as nn

    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=bias))
        if i + 2 < len(sizes):
            layers.append(activation(act))
    return nn.Sequential(*layers)


def linears(model):
    import torch.nn as nn

    return [m for m in model if isinstance(m, nn.Linear)]


def init_weight(name, w):
    """Initializes w as lab/experiments' weightInit.apply does."""
    import torch.nn.init as init

    if name in ("default", "pytorch"):
        return
    if name in ("zeros", "zero"):
        init.zeros_(w)
    elif name == "normal":
        init.normal_(w, 0, 1)
    elif name == "xavier":
        init.xavier_uniform_(w)
    elif name == "xavier-normal":
        init.xavier_normal_(w)
    elif name in ("kaiming", "he"):
        init.kaiming_uniform_(w, nonlinearity="relu")
    elif name in ("kaiming-normal", "he-normal"):
        init.kaiming_normal_(w, nonlinearity="relu")
    elif name == "constant":
        init.constant_(w, 0.1)
    else:
        raise ValueError(f"unknown weight init {name!r}")


def init_bias(name, b):
    """Initializes b (None for no bias) as lab/experiments' biasInit.apply does: default,
    zeros, normal (N(0, 0.1)) or a number."""
    import torch.nn.init as init

    if b is None or name in ("default", "pytorch"):
        return
    if name in ("zeros", "zero"):
        init.zeros_(b)
    elif name == "normal":
        init.normal_(b, 0, 0.1)
    else:
        init.constant_(b, float(name))


def mse(pred, target):
    import torch.nn.functional as F

    return F.mse_loss(pred, target)


def cross_entropy(logits, labels):
    import torch.nn.functional as F

    return F.cross_entropy(logits, labels)


class Diverged(Exception):
    pass


class Loader:
    """Batches of (x, y) as torch's DataLoader(TensorDataset(x, y), batch, shuffle,
    drop_last, generator=gen) yields them, with the same draws from gen (the Go data.Loader
    mirrors them too): every epoch draws the workers' base seed, then with shuffling
    randperm(n, generator=gen), and RandomSampler's trailing randperm(n) when the order is
    used up. Indexing instead of collating example by example makes it several times faster
    than DataLoader itself."""

    def __init__(self, x, y, batch, shuffle, drop_last, gen):
        self.x, self.y, self.batch, self.shuffle, self.drop_last, self.gen = x, y, batch, shuffle, drop_last, gen
        n = x.shape[0]
        self.n = n
        self.len = n // batch if drop_last else (n + batch - 1) // batch

    def epoch(self):
        import torch

        n, bs, g = self.n, self.batch, self.gen
        torch.empty((), dtype=torch.int64).random_(generator=g)  # _BaseDataLoaderIter's base seed
        order = torch.randperm(n, generator=g) if self.shuffle else None
        trailing = self.shuffle
        for start in range(0, n, bs):
            end = start + bs
            if end > n:
                if self.drop_last:
                    break
                end = n
                if trailing:
                    torch.randperm(n, generator=g)
                    trailing = False
            if order is None:
                if start == 0 and end == n:
                    yield self.x, self.y
                else:
                    yield self.x[start:end], self.y[start:end]
            else:
                idx = order[start:end]
                yield self.x[idx], self.y[idx]
        if trailing:
            torch.randperm(n, generator=g)


class Trainer:
    """A training run as lab/experiments' trainer (train.Trainer over a data.Loader): Adam
    or SGD at lr (with momentum, dampening 0, as the Go sgdMomentum); batch 0 (or >= the
    set) is the whole set, unshuffled, at every step; otherwise shuffled minibatches drawn
    from gen (the default generator unless given), the last smaller one dropped unless
    partial. A NaN or infinite loss stops training before
    its update (diverged); so does a finite loss above max_loss (after its update, as the Go
    OnStep check). Losses are recorded every `every` steps and at the last step."""

    def __init__(self, model, x, y, loss, steps, lr, opt="sgd", momentum=0.0, batch=0, partial=False, every=1,
                 on_step=None, max_loss=0.0, gen=None):
        import torch

        self.model, self.loss, self.steps_total = model, loss, steps
        self.every, self.on_step, self.max_loss = every, on_step, max_loss
        params = list(model.parameters())
        if opt == "adam":
            self.opt = torch.optim.Adam(params, lr=lr)
        else:
            self.opt = torch.optim.SGD(params, lr=lr, momentum=momentum)
        n = x.shape[0]
        gen = gen if gen is not None else torch.default_generator
        if batch > 0 and batch < n:
            self.loader = Loader(x, y, batch, True, not partial, gen)
        else:
            self.loader = Loader(x, y, n, False, False, gen)
        self.it, self.batch = None, 0
        self.done = 0
        self.losses, self.loss_steps = [], []
        self.final = math.nan
        self.diverged, self.diverged_step, self.diverged_value = False, -1, math.nan

    def _next(self):
        if self.it is None:
            self.it, self.batch = self.loader.epoch(), 0
        self.batch += 1
        return next(self.it)

    def _end_epoch(self):
        if self.batch == self.loader.len:  # as a for loop over a DataLoader: one more next()
            for _ in self.it:
                raise RuntimeError("the epoch has more batches than the loader's length")
            self.it = None

    def run(self, until):
        """Trains until `until` steps are done in all, or until the loss diverges."""
        import torch

        self.model.train()
        while self.done < until and not self.diverged:
            xb, yb = self._next()
            self.opt.zero_grad()
            loss = self.loss(self.model(xb), yb)
            v = loss.item()
            step = self.done
            if not math.isfinite(v):
                self._end_epoch()
                self._diverge(step, v)
                break
            loss.backward()
            self.opt.step()
            self.done += 1
            self._end_epoch()
            if self.max_loss > 0 and v > self.max_loss:
                self._diverge(step, v)
                break
            if self.every <= 1 or step % self.every == 0 or step == self.steps_total - 1:
                self.losses.append(v)
                self.loss_steps.append(step)
            self.final = v
            if self.on_step is not None:
                with torch.no_grad():
                    self.on_step(step)
        return self

    def _diverge(self, step, v):
        self.diverged, self.diverged_step, self.diverged_value = True, step, v
        self.losses.append(v)
        self.loss_steps.append(step)
        self.final = v


def fit(model, x, y, loss, steps, lr, **kw):
    """Trains model for steps steps (see Trainer) and returns the Trainer."""
    return Trainer(model, x, y, loss, steps, lr, **kw).run(steps)


def eval_loss(model, x, y, loss):
    """The loss on the whole set in one batch (train.MeanLoss): the model in evaluation
    mode (Trainer.run switches back to training mode), without gradients."""
    import torch

    model.eval()
    with torch.no_grad():
        return loss(model(x), y).item()


def accuracy(model, x, y):
    """The share of x classified as y (train.Accuracy), in one batch, the model in
    evaluation mode, without gradients."""
    import torch

    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).double().mean().item()


def mean_loss_before(tr, k):
    """The mean of tr's recorded losses of the steps before step k (lab/experiments'
    meanLossBefore): +Inf when the run diverged before step k, NaN when none was recorded."""
    if tr.diverged and tr.diverged_step < k:
        return math.inf
    early = [v for v, s in zip(tr.losses, tr.loss_steps) if s < k]
    return sum(early) / len(early) if early else math.nan


def pstd(t):
    """Population standard deviation (correction 0) of every element, in float64
    accumulation as PyTorch's CPU std does for float32."""
    import torch

    with torch.no_grad():
        return torch.std(t.detach(), unbiased=False).item()


# --- data ---------------------------------------------------------------------------------

_HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS_CSV = os.path.join(_HERE, "..", "..", "data", "digits.csv.gz")
_digits = None


def digits_train_test():
    """The embedded digits (data/digits.csv.gz) as data.DigitsTrainTest gives them: pixels
    divided by 16 (float32), split by random_split(ds, [0.8, 0.2],
    generator=torch.Generator().manual_seed(0)) into 1438 training and 359 test
    examples. Returns (xtr, ytr, xte, yte); the tensors are shared, do not modify them."""
    global _digits
    if _digits is None:
        import gzip

        import torch
        from torch.utils.data import TensorDataset, random_split

        rows = []
        with gzip.open(DIGITS_CSV, "rt") as f:
            for line in f:
                line = line.strip()
                if line:
                    rows.append([float(v) for v in line.split(",")])
        x = torch.tensor([r[:-1] for r in rows], dtype=torch.float32) / 16
        y = torch.tensor([int(r[-1]) for r in rows], dtype=torch.int64)
        ds = TensorDataset(x, y)
        n = len(ds)
        ntr = int(math.floor(n * 0.8))
        nte = int(math.floor(n * 0.2))
        lengths = [ntr, nte]
        for i in range(n - ntr - nte):  # random_split's fraction rule
            lengths[i % 2] += 1
        tr, te = random_split(ds, lengths, generator=torch.Generator().manual_seed(0))
        idx_tr, idx_te = torch.tensor(tr.indices), torch.tensor(te.indices)
        _digits = (x[idx_tr].contiguous(), y[idx_tr].contiguous(), x[idx_te].contiguous(), y[idx_te].contiguous())
    return _digits


def standardized(xtr, xte):
    """xtr and xte with every feature standardized by xtr's mean and population standard
    deviation, computed in float64 (a feature constant on xtr is only centred), as
    lab/experiments' standardized."""
    m = xtr.double().mean(0)
    s = xtr.double().std(0, unbiased=False)
    s[s == 0] = 1
    return ((xtr.double() - m) / s).float(), ((xte.double() - m) / s).float()
