"""Reference data for the losses of package nn (nn/loss.go) from the real PyTorch 1.13.1
(Debian python3-torch, CPU, AVX2 build).

Run from this directory:  /usr/bin/python3 gen_loss.py   -> writes loss.json

Each case calls one torch.nn.functional loss with one reduction and set of options on float32
(and some float64) inputs, back-propagates an upstream gradient (random for reduction='none',
1 otherwise) and records the loss, its grad_fn name and the gradients with respect to input and
(where PyTorch defines one) target. Float tensors are {"dtype", "shape", "bits"} (IEEE-754 bit
patterns in hex, row-major); int64 tensors {"dtype", "shape", "values"}."""
import json, struct
import torch
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__


def hx(v, dt):
    if dt == torch.float32:
        return '%08x' % struct.unpack('<I', struct.pack('<f', v))[0]
    return '%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]


def enc(t):
    if t is None:
        return None
    t = t.detach().contiguous()
    d = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape)}
    flat = t.reshape(-1).tolist()
    if t.dtype in (torch.float32, torch.float64):
        d["bits"] = [hx(v, t.dtype) for v in flat]
    else:
        d["values"] = flat
    return d


cases = []
REDS = ["mean", "sum", "none"]


def run(name, fn, inp, tgt, reduction, target_grad=True, **kw):
    """fn is the torch.nn.functional name; kw its options (tensors for weight / pos_weight)."""
    inp = inp.clone().requires_grad_()
    if tgt.dtype.is_floating_point and target_grad:
        tgt = tgt.clone().requires_grad_()
    out = getattr(F, fn)(inp, tgt, reduction=reduction, **kw)
    gout = torch.randn(out.shape, dtype=out.dtype) if reduction == "none" else None
    out.backward(gout if gout is not None else torch.ones_like(out))
    rec = {"name": name, "fn": fn, "reduction": reduction, "input": enc(inp), "target": enc(tgt),
           "gout": enc(gout), "out": enc(out), "grad_fn": type(out.grad_fn).__name__,
           "grad_input": enc(inp.grad), "grad_target": enc(tgt.grad) if tgt.requires_grad else None}
    args = {}
    for k, v in kw.items():
        args[k] = enc(v) if torch.is_tensor(v) else v
    rec["args"] = args
    cases.append(rec)


torch.manual_seed(0)
for dt in (torch.float32, torch.float64):
    sfx = "" if dt == torch.float32 else " f64"
    for shape in ((4, 3), (2, 3, 5)):
        x = torch.randn(shape, dtype=dt)
        y = torch.randn(shape, dtype=dt)
        y.view(-1)[::4] = x.view(-1)[::4]          # some equal elements (sign(0), |z| = 0)
        for r in REDS:
            run(f"mse {list(shape)}{sfx}", "mse_loss", x, y, r)
            run(f"l1 {list(shape)}{sfx}", "l1_loss", x, y, r)
            for beta in (1.0, 0.5, 0.0, 2.0):
                run(f"smooth_l1 beta={beta} {list(shape)}{sfx}", "smooth_l1_loss", x, y, r, beta=beta)
            for delta in (1.0, 0.3, 2.5):
                run(f"huber delta={delta} {list(shape)}{sfx}", "huber_loss", x, y, r, delta=delta)

    # binary cross entropy: probabilities in (0, 1), soft targets
    p = torch.rand(5, 3, dtype=dt) * 0.98 + 0.01
    t = torch.rand(5, 3, dtype=dt)
    t[0] = torch.tensor([0.0, 1.0, 0.5], dtype=dt)
    for r in REDS:
        run(f"bce{sfx}", "binary_cross_entropy", p, t, r)
        run(f"bce weight (3,){sfx}", "binary_cross_entropy", p, t, r, weight=torch.rand(3, dtype=dt) + 0.5)
        run(f"bce weight (5,3){sfx}", "binary_cross_entropy", p, t, r, weight=torch.rand(5, 3, dtype=dt))
        # probabilities exactly 0 and 1: log clamped at -100 (target gradient infinite there: not recorded)
        p01 = p.clone()
        p01[1] = torch.tensor([0.0, 1.0, 0.0], dtype=dt)
        p01[2, 0] = 1.0
        run(f"bce clamp at 0 and 1{sfx}", "binary_cross_entropy", p01, (t > 0.5).to(dt), r, target_grad=False)

    # binary cross entropy with logits
    z = torch.randn(4, 3, dtype=dt) * 3
    t = torch.rand(4, 3, dtype=dt)
    for r in REDS:
        run(f"bce_logits{sfx}", "binary_cross_entropy_with_logits", z, t, r)
        run(f"bce_logits pos_weight (3,){sfx}", "binary_cross_entropy_with_logits", z, t, r,
            pos_weight=torch.tensor([0.5, 2.0, 3.0], dtype=dt))
        run(f"bce_logits weight (3,){sfx}", "binary_cross_entropy_with_logits", z, t, r,
            weight=torch.tensor([1.5, 0.25, 1.0], dtype=dt))
        run(f"bce_logits weight (4,3) pos_weight (3,){sfx}", "binary_cross_entropy_with_logits", z, t, r,
            weight=torch.rand(4, 3, dtype=dt), pos_weight=torch.tensor([2.0, 0.5, 1.0], dtype=dt))

    # nll / cross entropy with class indices
    N, C = 6, 4
    logits = torch.randn(N, C, dtype=dt) * 2
    tgt = torch.tensor([0, 3, 1, 2, 3, 1])
    tgt_ign = torch.tensor([0, -100, 1, 2, -100, 3])
    tgt_ign1 = torch.tensor([0, 1, 1, 2, 3, 1])
    w = torch.tensor([0.2, 1.0, 2.5, 0.7], dtype=dt)
    logits_sp = torch.randn(2, C, 3, 2, dtype=dt)
    tgt_sp = torch.tensor([[[0, 1], [3, 2], [1, 1]], [[2, 0], [-100, 3], [0, 2]]])
    logits_1 = torch.randn(C, dtype=dt)
    tgt_1 = torch.tensor(2)
    for r in REDS:
        lp = torch.log_softmax(logits, 1)
        run(f"nll{sfx}", "nll_loss", lp, tgt, r)
        run(f"nll weight{sfx}", "nll_loss", lp, tgt, r, weight=w)
        run(f"nll ignore -100 weight{sfx}", "nll_loss", lp, tgt_ign, r, weight=w)
        run(f"nll ignore_index=1{sfx}", "nll_loss", lp, tgt_ign1, r, ignore_index=1)
        run(f"nll spatial (2,4,3,2){sfx}", "nll_loss", torch.log_softmax(logits_sp, 1), tgt_sp, r, weight=w)
        run(f"nll unbatched (4,){sfx}", "nll_loss", torch.log_softmax(logits_1, 0), tgt_1, r)
        run(f"ce{sfx}", "cross_entropy", logits, tgt, r)
        run(f"ce weight{sfx}", "cross_entropy", logits, tgt, r, weight=w)
        run(f"ce ignore{sfx}", "cross_entropy", logits, tgt_ign, r)
        run(f"ce ignore_index=1 weight{sfx}", "cross_entropy", logits, tgt_ign1, r, ignore_index=1, weight=w)
        run(f"ce label_smoothing=0.1{sfx}", "cross_entropy", logits, tgt, r, label_smoothing=0.1)
        run(f"ce label_smoothing=0.2 ignore{sfx}", "cross_entropy", logits, tgt_ign, r, label_smoothing=0.2)
        run(f"ce label_smoothing=0.3 weight ignore{sfx}", "cross_entropy", logits, tgt_ign, r,
            label_smoothing=0.3, weight=w)
        run(f"ce spatial (2,4,3,2){sfx}", "cross_entropy", logits_sp, tgt_sp, r)
        run(f"ce spatial weight label_smoothing=0.15{sfx}", "cross_entropy", logits_sp, tgt_sp, r,
            weight=w, label_smoothing=0.15)
        run(f"ce unbatched (4,){sfx}", "cross_entropy", logits_1, tgt_1, r)
        run(f"ce unbatched label_smoothing=0.1{sfx}", "cross_entropy", logits_1, tgt_1, r, label_smoothing=0.1)
        # class probabilities
        probs = torch.softmax(torch.randn(N, C, dtype=dt), 1)
        run(f"ce probs{sfx}", "cross_entropy", logits, probs, r)
        run(f"ce probs weight{sfx}", "cross_entropy", logits, probs, r, weight=w)
        run(f"ce probs label_smoothing=0.1{sfx}", "cross_entropy", logits, probs, r, label_smoothing=0.1)
        run(f"ce probs weight label_smoothing=0.25{sfx}", "cross_entropy", logits, probs, r, weight=w,
            label_smoothing=0.25)
        run(f"ce probs spatial{sfx}", "cross_entropy", logits_sp, torch.softmax(torch.randn(2, C, 3, 2, dtype=dt), 1), r)
        run(f"ce probs unbatched{sfx}", "cross_entropy", logits_1, torch.softmax(torch.randn(C, dtype=dt), 0), r)
    # every target ignored: mean is 0/0 = nan
    run(f"nll all ignored{sfx}", "nll_loss", torch.log_softmax(logits, 1), torch.full((N,), -100), "mean")
    run(f"ce all ignored label_smoothing=0.1{sfx}", "cross_entropy", logits, torch.full((N,), -100), "mean",
        label_smoothing=0.1)

with open("loss.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print("wrote loss.json:", len(cases), "cases")
