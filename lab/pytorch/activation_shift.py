"""PyTorch twin of the lab experiment activation-shift (lab/experiments/activation_shift.go).

One neuron f(w*x + b), with and without bias, fitted by full-batch Adam to the target
f(target_w*x + target_b) on 201 points of [-4, 4]; MSE. Run: /usr/bin/python3
lab/pytorch/activation_shift.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import Param, eval_loss, fit, mse, on_off, run

PARAMS = [
    Param("steps", 600, quick=200),
    Param("lr", 0.05),
    Param("target_w", 2.0),
    Param("target_b", 1.5),
    Param("activations", ["sigmoid", "relu"], kind="strings"),
]


def act1(a, x):
    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[a](x)


class Neuron(nn.Module):
    def __init__(self, act, bias):
        super().__init__()
        self.fc = nn.Linear(1, 1, bias=bias)
        self.act = act

    def forward(self, x):
        return act1(self.act, self.fc(x))


def variants(cfg):
    for a in cfg.activations:
        if a not in ("sigmoid", "relu", "tanh"):
            raise SystemExit(f"activations: {a!r} is not one of sigmoid, relu, tanh")
    return [(("act", a), ("bias", on_off(b))) for a in cfg.activations for b in (True, False)]


def trial(cfg, cond, seed):
    act, bias = cond[0][1], cond[1][1] == "on"
    x = torch.linspace(-4, 4, 201).reshape(201, 1)
    y = act1(act, x * cfg.target_w + cfg.target_b)
    n = Neuron(act, bias)
    tr = fit(n, x, y, mse, cfg.steps, cfg.lr, opt="adam", every=5)
    out = {"final_loss": eval_loss(n, x, y, mse)}
    with torch.no_grad():
        at0 = n(torch.zeros(1, 1)).item()
    out["output_at_0"] = at0
    out["target_at_0"] = act1(act, torch.tensor(cfg.target_b)).item()
    out["error_at_0"] = abs(at0 - out["target_at_0"])
    # a ReLU neuron with zero output on every input is dead: its error at 0 is counted apart
    dead = 0.0
    if act == "relu":
        with torch.no_grad():
            dead = 1.0 if n(x).max().item() <= 0 else 0.0
    out["dead"] = dead
    out["error_at_0_trained"] = math.nan if dead == 1 else out["error_at_0"]
    out["learned_w"] = n.fc.weight.item()
    if bias:
        out["learned_b"] = n.fc.bias.item()
    return out, tr.diverged


if __name__ == "__main__":
    run("activation-shift", PARAMS, variants, trial)
