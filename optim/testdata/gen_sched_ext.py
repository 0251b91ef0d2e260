"""Reference values for optim's LambdaLR and ReduceLROnPlateau from the real PyTorch 1.13.1
(Debian python3-torch).  Run from this directory:  /usr/bin/python3 gen_sched_ext.py
-> writes sched_ext.json.

Each case builds SGD with two parameter groups (lr 0.1 and 0.05), the scheduler, and steps it
(after an optimizer step) n times; for ReduceLROnPlateau the metrics passed to step() are in
the case. After construction and after every step it records each group's lr as the bits of
the double (hex), and for ReduceLROnPlateau the scheduler's best, num_bad_epochs,
cooldown_counter and last_epoch."""
import json, struct
import torch

assert torch.__version__.startswith("1.13"), torch.__version__
S = torch.optim.lr_scheduler


def f64(v):
    return '%016x' % struct.unpack('<Q', struct.pack('<d', float(v)))[0]


def opt():
    p = [torch.zeros(2, requires_grad=True) for _ in range(2)]
    return torch.optim.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.05}], lr=0.1)


def snap(o, s=None):
    r = {"lr": [f64(g["lr"]) for g in o.param_groups]}
    if isinstance(s, S.ReduceLROnPlateau):
        r.update(best=f64(s.best), num_bad_epochs=s.num_bad_epochs, cooldown_counter=s.cooldown_counter,
                 last_epoch=s.last_epoch)
    return r


lambda_cases = []
LAMBDAS = [
    ("1/(1+e)", lambda e: 1.0 / (1 + e), 10),
    ("warmup min(1,(e+1)/5)", lambda e: min(1.0, (e + 1) / 5), 8),
    ("step 0.5 if e>=3", lambda e: 0.5 if e >= 3 else 1.0, 6),
    ("0.9**e", lambda e: 0.9 ** e, 30),
    ("per group [1/(1+e), 0.9**e]", [lambda e: 1.0 / (1 + e), lambda e: 0.9 ** e], 12),
]
for name, fn, n in LAMBDAS:
    o = opt()
    s = S.LambdaLR(o, fn)
    seq = [snap(o)]
    for _ in range(n):
        o.step()
        s.step()
        seq.append(snap(o))
    lambda_cases.append({"name": name, "seq": seq})

plateau_cases = []
flat = [1.0 - 0.01 * min(i, 5) for i in range(40)]  # improves 5 times then flat
zigzag = [0.5, 0.6, 0.55, 0.7, 0.69, 0.71, 0.705, 0.72, 0.721, 0.7211, 0.73, 0.8, 0.79, 0.78, 0.77, 0.76,
          0.75, 0.74, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
noisy = [2.0, 1.5, 1.4, 1.45, 1.41, 1.39, 1.3999, 1.3901, 1.35, 1.36, 1.37, 1.38, 1.2, 1.21, 1.22, 1.23,
         1.24, 1.25, 1.26, 1.27, 1.28, 1.29, 1.3, 1.31, 1.32]
PLATEAU = [
    ("defaults", {}, flat),
    ("max abs threshold=0.01 factor=0.5 patience=2 cooldown=2 min_lr=[0.01,0.001]",
     dict(mode='max', factor=0.5, patience=2, threshold=0.01, threshold_mode='abs', cooldown=2, min_lr=[0.01, 0.001]),
     zigzag),
    ("min patience=0 factor=0.5 min_lr=0.02 eps=1e-3",
     dict(patience=0, factor=0.5, min_lr=0.02, eps=1e-3), noisy),
    ("min rel threshold=0.1 patience=1 cooldown=1 factor=0.3",
     dict(threshold=0.1, patience=1, cooldown=1, factor=0.3), noisy),
    ("max rel threshold=0.001 patience=3", dict(mode='max', threshold=0.001, patience=3), zigzag),
    ("min abs threshold=0.05 patience=1", dict(threshold_mode='abs', threshold=0.05, patience=1), noisy),
]
for name, kw, metrics in PLATEAU:
    o = opt()
    s = S.ReduceLROnPlateau(o, **kw)
    seq = [snap(o, s)]
    for m in metrics:
        o.step()
        s.step(m)
        seq.append(snap(o, s))
    plateau_cases.append({"name": name, "metrics": [f64(m) for m in metrics], "seq": seq})

errors = {}


def err(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        errors[name] = "%s: %s" % (type(e).__name__, e)
        return
    raise SystemExit("no error for " + name)


err("plateau factor", lambda: S.ReduceLROnPlateau(opt(), factor=1.0))
err("plateau min_lrs", lambda: S.ReduceLROnPlateau(opt(), min_lr=[0.1, 0.2, 0.3]))
err("lambda count", lambda: S.LambdaLR(opt(), [lambda e: 1.0] * 3))

with open("sched_ext.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "lambda": lambda_cases, "plateau": plateau_cases,
               "errors": errors}, f, separators=(",", ":"))
    f.write("\n")
print(len(lambda_cases), "LambdaLR cases,", len(plateau_cases), "ReduceLROnPlateau cases,", len(errors), "errors")
