"""PyTorch twin of the lab experiment bias-vs-nobias (lab/experiments/bias_vs_nobias.go).

A 4-hidden-hidden-1 ReLU MLP, with and without biases, trained by full-batch Adam on
y = sin(x1) + x2*x3 - 0.5*x4 + offset, x ~ N(0, 1)^4 (the data drawn from a generator
seeded 1000 + seed, so both variants of a seed see the same data); MSE on the training set
and on 512 test examples. Run: /usr/bin/python3 lab/pytorch/bias_vs_nobias.py [--seeds N]
[--quick] [--set name=value]."""

import torch

from twin import Param, eval_loss, fit, go_float, mlp, mse, on_off, run

PARAMS = [
    Param("offsets", [0.0, 1.0, 2.0, 4.0, 8.0], kind="floats"),
    Param("hidden", 32),
    Param("samples", 256),
    Param("steps", 400, quick=150),
    Param("lr", 0.01),
    Param("margin_ratio", 1.25),  # the verdict's margin; the measurement does not use it
]


def regression_data(g, n, offset):
    x = torch.randn(n, 4, generator=g)
    c = lambda i: x.narrow(1, i, 1)  # noqa: E731
    y = torch.sin(c(0)) + c(1) * c(2) - c(3) * 0.5 + offset
    return x, y


def variants(cfg):
    return [{"settings": (("offset", go_float(o)), ("bias", on_off(b))), "offset": o, "bias": b}
            for o in cfg.offsets for b in (True, False)]


def trial(cfg, cond, seed):
    dg = torch.Generator().manual_seed(1000 + seed)
    x, y = regression_data(dg, cfg.samples, cond["offset"])
    xte, yte = regression_data(dg, 512, cond["offset"])
    h = cfg.hidden
    model = mlp([4, h, h, 1], "relu", cond["bias"])
    tr = fit(model, x, y, mse, cfg.steps, cfg.lr, opt="adam", every=4)
    return {
        "final_loss": eval_loss(model, x, y, mse),
        "test_loss": eval_loss(model, xte, yte, mse),
        "target_var": torch.var(y, 0, unbiased=False).item(),
    }, tr.diverged


if __name__ == "__main__":
    run("bias-vs-nobias", PARAMS, variants, trial)
