"""PyTorch twin of the lab experiment bias-before-batchnorm (lab/experiments/bias_batchnorm.go).

A Linear(64 units) or Conv2d(1, 8, 3, padding=1) layer, then BatchNorm, LayerNorm or
GroupNorm (8 groups after Linear, 2 after the conv), ReLU and a Linear head, on the embedded
digits. Built twice from the same weights, once with the layer's bias and once without;
the bias is per-feature (N(0, 1) per unit or channel) or constant (one N(0, 1) value for
all). Both train by SGD on the same shuffled batches of 32; it measures how far apart they
stay. Run: /usr/bin/python3 lab/pytorch/bias_before_batchnorm.py [--seeds N] [--quick]
[--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import Param, accuracy, cross_entropy, digits_train_test, fit, run

PARAMS = [
    Param("steps", 200, quick=20),
    Param("lr", 0.05),
    Param("layers", ["linear", "conv"], quick=["linear"], kind="strings"),
    Param("norms", ["batchnorm", "layernorm", "groupnorm"], kind="strings"),
    Param("shifts", ["per-feature", "constant"], kind="strings"),
    Param("limit", 10000),
    Param("out_margin", 0.001),
    Param("acc_margin", 1.0),
]


class NormNet(nn.Module):
    """layer -> normalization -> ReLU -> Linear head (normNet); a conv layer sees each
    example as a square image."""

    def __init__(self, layer, norm, inputs, bias):
        super().__init__()
        self.side = 0
        if layer == "conv":
            side = int(round(math.sqrt(inputs)))
            if side * side != inputs:
                raise SystemExit(f"layer conv needs square images, but the examples have {inputs} features")
            self.side = side
            n = {"batchnorm": lambda: nn.BatchNorm2d(8), "layernorm": lambda: nn.LayerNorm([8, side, side]),
                 "groupnorm": lambda: nn.GroupNorm(2, 8)}[norm]
            self.body = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=bias), n(), nn.ReLU(), nn.Flatten(),
                                      nn.Linear(8 * inputs, 10))
        else:
            n = {"batchnorm": lambda: nn.BatchNorm1d(64), "layernorm": lambda: nn.LayerNorm([64]),
                 "groupnorm": lambda: nn.GroupNorm(8, 64)}[norm]
            self.body = nn.Sequential(nn.Linear(inputs, 64, bias=bias), n(), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        if self.side:
            x = x.reshape(x.shape[0], 1, self.side, self.side)
        return self.body(x)

    def layer_bias(self):
        return self.body[0].bias

    def running_mean(self):
        n = self.body[1]
        return n.running_mean if isinstance(n, (nn.BatchNorm1d, nn.BatchNorm2d)) else None


def variants(cfg):
    for l in cfg.layers:
        if l not in ("linear", "conv"):
            raise SystemExit(f"layers: {l!r} is not linear or conv")
    for n in cfg.norms:
        if n not in ("batchnorm", "layernorm", "groupnorm"):
            raise SystemExit(f"norms: {n!r} is not batchnorm, layernorm or groupnorm")
    for s in cfg.shifts:
        if s not in ("per-feature", "constant"):
            raise SystemExit(f"shifts: {s!r} is not per-feature or constant")
    return [{"settings": (("layer", l), ("norm", n), ("shift", s)), "layer": l, "norm": n, "shift": s}
            for l in cfg.layers for n in cfg.norms for s in cfg.shifts]


def max_abs_diff(a, b):
    return (a.detach().double() - b.detach().double()).abs().max().item()


def copy_shared_params(to, frm):
    """Copies every parameter of frm that to also has (by name); buffers stay."""
    src = dict(frm.named_parameters())
    with torch.no_grad():
        for name, p in to.named_parameters():
            if name in src:
                p.copy_(src[name])


def max_param_diff(a, b):
    src = dict(a.named_parameters())
    return max((max_abs_diff(src[n], p) for n, p in b.named_parameters() if n in src), default=0.0)


def clone_default_generator():
    g = torch.Generator()
    g.set_state(torch.default_generator.get_state())
    return g


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    xtr, ytr, xte, yte = xtr[: cfg.limit], ytr[: cfg.limit], xte[: cfg.limit], yte[: cfg.limit]
    inputs = xtr.shape[1]
    with_b = NormNet(cond["layer"], cond["norm"], inputs, True)
    # the network without bias gets the same weights: its own draws must not consume the
    # trial's stream (the Go twin draws them from a throwaway generator)
    state = torch.get_rng_state()
    without = NormNet(cond["layer"], cond["norm"], inputs, False)
    torch.set_rng_state(state)
    copy_shared_params(without, with_b)
    g1, g2 = clone_default_generator(), clone_default_generator()
    b = with_b.layer_bias()
    with torch.no_grad():
        if cond["shift"] == "constant":
            b.fill_(torch.randn(1).item())
        else:
            b.copy_(torch.randn(b.shape))
    bias0 = b.detach().clone()
    batch = xtr[:64]
    with torch.no_grad():
        out = {"init_output_diff": max_abs_diff(with_b(batch), without(batch))}
    for m in (with_b, without):  # that forward moved BatchNorm's running statistics
        n = m.body[1]
        if isinstance(n, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n.reset_running_stats()
    grad_max = [0.0]

    def on_step(step):
        if b.grad is not None:
            grad_max[0] = max(grad_max[0], b.grad.abs().max().item())

    tw = fit(with_b, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=32, every=1, on_step=on_step, gen=g1)
    to = fit(without, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=32, every=1, gen=g2)
    out["max_loss_diff"] = max((abs(x - y) for x, y in zip(tw.losses, to.losses)), default=0.0)
    out["bias_grad_max"] = grad_max[0]
    out["bias_moved"] = max_abs_diff(b, bias0)
    out["param_drift"] = max_param_diff(with_b, without)
    with_b.eval()
    without.eval()
    with torch.no_grad():
        out["eval_output_diff"] = max_abs_diff(with_b(xte), without(xte))
    out["acc_with_bias"] = accuracy(with_b, xte, yte)
    out["acc_without_bias"] = accuracy(without, xte, yte)
    rm_w, rm_o = with_b.running_mean(), without.running_mean()
    if rm_w is not None:
        bw = b.detach().double()
        gap = (rm_w.double() - rm_o.double() - bw).abs().max().item()
        out["running_mean_gap"] = gap / bw.abs().max().item()
        copy_shared_params(without, with_b)
        with torch.no_grad():
            out["eval_diff_same_weights"] = max_abs_diff(with_b(xte), without(xte))
    return out, tw.diverged or to.diverged


if __name__ == "__main__":
    run("bias-before-batchnorm", PARAMS, variants, trial)
