"""Reference data for package optim from the real PyTorch 1.13.1 (Debian python3-torch, CPU, AVX2).

Run from this directory:  /usr/bin/python3 gen_optim.py   -> writes optim.json

Sections
  steps      optimizer trajectories: initial parameters, the gradient fed at each step, and the
             parameters after the first and after the last step (float32 and float64), plus the
             final optimizer state
  schedules  learning rates (and momentum / beta1) of every group after construction and after
             each scheduler step
  clip       clip_grad_norm_ / clip_grad_value_: total norm and clipped gradients

Every float tensor is {"dtype", "shape", "bits"} with IEEE-754 bit patterns in hex (8 digits
float32, 16 float64), row-major; scalars that must be exact are stored as hex too."""
import json, math, struct, warnings
import torch

warnings.filterwarnings("ignore")
assert torch.__version__.startswith("1.13"), torch.__version__


def hx(v, dt):
    if dt == torch.float32:
        return '%08x' % struct.unpack('<I', struct.pack('<f', v))[0]
    return '%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]


def enc(t):
    t = t.detach().contiguous()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "bits": [hx(v, t.dtype) for v in t.reshape(-1).tolist()]}


def f64(v):
    return hx(float(v), torch.float64)


SHAPES = [(4, 3), (4,), (1, 4), (1,), (5, 7), (19,)]
STEPS = 6

# (name, class, defaults, groups) ; groups: None = one group of all params, else list of
# (param indices, overrides)
CASES = [
    ("SGD(lr=0.1)", "SGD", dict(lr=0.1), None),
    ("SGD(lr=0.1,momentum=0.9)", "SGD", dict(lr=0.1, momentum=0.9), None),
    ("SGD(lr=0.05,momentum=0.9,dampening=0.1,weight_decay=0.01)", "SGD",
     dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), None),
    ("SGD(lr=0.1,momentum=0.9,nesterov=True)", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True), None),
    ("SGD(lr=0.1,momentum=0.8,nesterov=True,weight_decay=0.05)", "SGD",
     dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.05), None),
    ("SGD(lr=0.03,momentum=0.9,weight_decay=0.1,maximize=True)", "SGD",
     dict(lr=0.03, momentum=0.9, weight_decay=0.1, maximize=True), None),
    ("SGD(lr=0.01,weight_decay=0.3)", "SGD", dict(lr=0.01, weight_decay=0.3), None),
    ("SGD groups: lr 0.1 / lr 0.01 momentum 0.5 / nesterov", "SGD", dict(lr=0.01, momentum=0.9),
     [([0, 1], dict(lr=0.1)), ([2, 3], dict(momentum=0.5, weight_decay=0.1)), ([4, 5], dict(nesterov=True))]),
    ("Adam()", "Adam", dict(), None),
    ("Adam(lr=0.01)", "Adam", dict(lr=0.01), None),
    ("Adam(lr=0.01,weight_decay=0.1)", "Adam", dict(lr=0.01, weight_decay=0.1), None),
    ("Adam(lr=0.01,amsgrad=True)", "Adam", dict(lr=0.01, amsgrad=True), None),
    ("Adam(lr=0.01,amsgrad=True,weight_decay=0.01)", "Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01), None),
    ("Adam(lr=0.02,maximize=True)", "Adam", dict(lr=0.02, maximize=True), None),
    ("Adam(lr=0.01,betas=(0.0,0.99),eps=1e-6)", "Adam", dict(lr=0.01, betas=(0.0, 0.99), eps=1e-6), None),
    ("Adam groups: lr 0.1 / betas (0.5,0.9) / amsgrad", "Adam", dict(lr=0.01),
     [([0, 1], dict(lr=0.1)), ([2, 3], dict(betas=(0.5, 0.9), eps=1e-4)), ([4, 5], dict(amsgrad=True))]),
    ("AdamW(lr=0.01)", "AdamW", dict(lr=0.01), None),
    ("AdamW(lr=0.01,weight_decay=0.1)", "AdamW", dict(lr=0.01, weight_decay=0.1), None),
    ("AdamW(lr=0.01,weight_decay=0.1,amsgrad=True,maximize=True)", "AdamW",
     dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True), None),
    ("AdamW groups: no decay / decay 0.05", "AdamW", dict(lr=0.003),
     [([1, 3], dict(weight_decay=0.0)), ([0, 2, 4, 5], dict(weight_decay=0.05))]),
    ("RMSprop()", "RMSprop", dict(), None),
    ("RMSprop(lr=0.01,centered=True)", "RMSprop", dict(lr=0.01, centered=True), None),
    ("RMSprop(lr=0.01,momentum=0.9)", "RMSprop", dict(lr=0.01, momentum=0.9), None),
    ("RMSprop(lr=0.005,alpha=0.9,eps=1e-6,weight_decay=0.1,momentum=0.5,centered=True)", "RMSprop",
     dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True), None),
    ("RMSprop(lr=0.01,maximize=True,weight_decay=0.01)", "RMSprop", dict(lr=0.01, maximize=True, weight_decay=0.01), None),
    ("RMSprop groups: lr 0.1 / alpha 0.5 centered / momentum", "RMSprop", dict(lr=0.01),
     [([0, 1], dict(lr=0.1)), ([2, 3], dict(alpha=0.5, centered=True)), ([4, 5], dict(momentum=0.7))]),
]


def hyper_json(d):
    out = {}
    for k, v in d.items():
        if k == "betas":
            out["beta1"], out["beta2"] = v
        else:
            out[k] = v
    return out


def step_case(name, cls, defaults, groups, dtype, seed):
    torch.manual_seed(seed)
    params = [torch.randn(s, dtype=dtype).requires_grad_() for s in SHAPES]
    p0 = [enc(p) for p in params]
    if groups is None:
        opt = getattr(torch.optim, cls)(params, **defaults)
        gspec = [{"params": list(range(len(params)))}]
    else:
        opt = getattr(torch.optim, cls)([dict(params=[params[i] for i in idx], **ov) for idx, ov in groups], **defaults)
        gspec = [dict(params=idx, **hyper_json(ov)) for idx, ov in groups]
    grads, after = [], []
    for k in range(STEPS):
        gs = []
        for i, p in enumerate(params):
            g = torch.randn(p.shape, dtype=dtype) * (0.5 + i)
            if k == 2 and i == 1:
                g.zero_()          # a zero gradient
            p.grad = g.clone()
            gs.append(enc(g))
        if k == 3:
            params[3].grad = None  # a parameter without gradient is skipped (and gets no state if new)
            gs[3] = None
        opt.step()
        grads.append(gs)
        if k == 0 or k == STEPS - 1:
            after.append([enc(p) for p in params])
    index = {id(p): i for i, p in enumerate(params)}
    state = {}
    for p, st in opt.state.items():
        e = {}
        for k, v in st.items():
            if k == "step":
                e["step"] = int(v.item()) if torch.is_tensor(v) else int(v)
            elif v is not None:
                e[k] = enc(v)
        state[str(index[id(p)])] = e
    return {"name": name, "optimizer": cls, "dtype": str(dtype).replace("torch.", ""),
            "defaults": hyper_json(defaults), "groups": gspec, "params0": p0, "grads": grads,
            "after": after, "state": state}


out = {"torch_version": torch.__version__, "steps": [], "schedules": [], "clip": []}
for n, (name, cls, d, g) in enumerate(CASES):
    for dtype in (torch.float32, torch.float64):
        out["steps"].append(step_case(name, cls, d, g, dtype, 100 + n))

# ------------------------------------------------------------------ schedulers
S = torch.optim.lr_scheduler


def sched_case(name, make_opt, make_sched, steps):
    p = [torch.zeros(2, requires_grad=True) for _ in range(2)]
    opt = make_opt(p)
    scheds = make_sched(opt)
    if not isinstance(scheds, (list, tuple)):
        scheds = [scheds]

    def snap():
        r = {"lr": [f64(g["lr"]) for g in opt.param_groups]}
        if "momentum" in opt.param_groups[0]:
            r["momentum"] = [f64(g["momentum"]) for g in opt.param_groups]
        if "betas" in opt.param_groups[0]:
            r["beta1"] = [f64(g["betas"][0]) for g in opt.param_groups]
        r["last_lr"] = [[f64(v) for v in s.get_last_lr()] for s in scheds]
        return r
    seq = [snap()]
    for _ in range(steps):
        opt.step()
        for s in scheds:
            s.step()
        seq.append(snap())
    return {"name": name, "seq": seq}


def sgd2(lr=0.1, lr2=0.05, momentum=0.0):
    return lambda p: torch.optim.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": lr2}], lr=lr, momentum=momentum)


def adam2(lr=0.1, lr2=0.05):
    return lambda p: torch.optim.Adam([{"params": [p[0]]}, {"params": [p[1]], "lr": lr2}], lr=lr)


SCHEDS = [
    ("StepLR(step_size=3,gamma=0.5)", sgd2(), lambda o: S.StepLR(o, 3, 0.5), 20),
    ("StepLR(step_size=1,gamma=0.1)", sgd2(), lambda o: S.StepLR(o, 1), 12),
    ("MultiStepLR([2,5,5,9],gamma=0.1)", sgd2(), lambda o: S.MultiStepLR(o, [2, 5, 5, 9], 0.1), 15),
    ("MultiStepLR([30,80],gamma=0.3)", sgd2(), lambda o: S.MultiStepLR(o, [30, 80], 0.3), 100),
    ("ExponentialLR(gamma=0.9)", sgd2(), lambda o: S.ExponentialLR(o, 0.9), 60),
    ("CosineAnnealingLR(T_max=10,eta_min=0.001)", sgd2(), lambda o: S.CosineAnnealingLR(o, 10, 0.001), 45),
    ("CosineAnnealingLR(T_max=7)", sgd2(), lambda o: S.CosineAnnealingLR(o, 7), 30),
    ("CosineAnnealingLR(T_max=100,eta_min=1e-5)", adam2(1e-3, 3e-4), lambda o: S.CosineAnnealingLR(o, 100, 1e-5), 100),
    ("LinearLR(start_factor=0.1,total_iters=5) (warm-up)", sgd2(), lambda o: S.LinearLR(o, 0.1, 1.0, 5), 10),
    ("LinearLR() defaults", sgd2(), lambda o: S.LinearLR(o), 8),
    ("LinearLR(start_factor=1.0,end_factor=0.1,total_iters=10)", sgd2(), lambda o: S.LinearLR(o, 1.0, 0.1, 10), 15),
    ("LinearLR(start_factor=0.001,total_iters=1000)", adam2(), lambda o: S.LinearLR(o, 0.001, 1.0, 1000), 1005),
    ("OneCycleLR(max_lr=0.1,total_steps=100) SGD momentum", sgd2(momentum=0.9),
     lambda o: S.OneCycleLR(o, 0.1, total_steps=100), 100),
    ("OneCycleLR(max_lr=0.1,total_steps=100) SGD no momentum", sgd2(),
     lambda o: S.OneCycleLR(o, 0.1, total_steps=100), 100),
    ("OneCycleLR(max_lr=[0.01,0.002],epochs=4,steps_per_epoch=25) Adam", adam2(),
     lambda o: S.OneCycleLR(o, [0.01, 0.002], epochs=4, steps_per_epoch=25), 100),
    ("OneCycleLR(max_lr=1.0,total_steps=57,pct_start=0.25,anneal_strategy='linear',three_phase=True,div_factor=10,final_div_factor=100,base_momentum=0.8,max_momentum=0.9)",
     sgd2(momentum=0.9),
     lambda o: S.OneCycleLR(o, 1.0, total_steps=57, pct_start=0.25, anneal_strategy='linear', three_phase=True,
                            div_factor=10., final_div_factor=100., base_momentum=0.8, max_momentum=0.9), 57),
    ("OneCycleLR(max_lr=0.5,total_steps=40,three_phase=True,cycle_momentum=False)", sgd2(),
     lambda o: S.OneCycleLR(o, 0.5, total_steps=40, three_phase=True, cycle_momentum=False), 40),
    ("chained: LinearLR(0.5,total_iters=4) + ExponentialLR(0.9)", sgd2(),
     lambda o: [S.LinearLR(o, 0.5, 1.0, 4), S.ExponentialLR(o, 0.9)], 12),
    ("chained: StepLR(2,0.5) + CosineAnnealingLR(8)", sgd2(),
     lambda o: [S.StepLR(o, 2, 0.5), S.CosineAnnealingLR(o, 8)], 20),
]
for name, mo, ms, n in SCHEDS:
    out["schedules"].append(sched_case(name, mo, ms, n))

# ------------------------------------------------------------------ gradient clipping
for dtype in (torch.float32, torch.float64):
    for k, (max_norm, norm_type) in enumerate([(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, math.inf),
                                               (2.0, 3.5), (1.0, 0.5)]):
        torch.manual_seed(7 + k)
        ps = [torch.randn(s, dtype=dtype).requires_grad_() for s in [(5, 3), (3,), (17,), (2, 2)]]
        for i, p in enumerate(ps):
            p.grad = torch.randn(p.shape, dtype=dtype) * (1 + i)
        ps[2].grad = None
        g0 = [enc(p.grad) if p.grad is not None else None for p in ps]
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        out["clip"].append({"kind": "norm", "dtype": str(dtype).replace("torch.", ""), "max_norm": max_norm,
                            "norm_type": "inf" if norm_type == math.inf else norm_type, "grads": g0,
                            "total": enc(total.reshape(1)),
                            "after": [enc(p.grad) if p.grad is not None else None for p in ps]})
    torch.manual_seed(3)
    ps = [torch.randn(s, dtype=dtype).requires_grad_() for s in [(5, 3), (3,)]]
    for p in ps:
        p.grad = torch.randn(p.shape, dtype=dtype) * 2
    g0 = [enc(p.grad) for p in ps]
    torch.nn.utils.clip_grad_value_(ps, 0.75)
    out["clip"].append({"kind": "value", "dtype": str(dtype).replace("torch.", ""), "clip": 0.75, "grads": g0,
                        "after": [enc(p.grad) for p in ps]})

with open("optim.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print("wrote optim.json:", len(out["steps"]), "step cases,", len(out["schedules"]), "schedules,",
      len(out["clip"]), "clip cases")
