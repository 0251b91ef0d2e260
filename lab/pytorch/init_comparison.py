"""PyTorch twin of the lab experiment init-comparison (lab/experiments/init_comparison.go).

A 64-hidden-hidden-10 ReLU MLP on the embedded digits under each weight init x bias init,
plain SGD with shuffled batches of 64 (the last smaller one dropped); a loss above 1e6 or
not finite counts as divergence. Steps to target: the first recorded step (every 2nd) at
which the mean of the last 5 recorded losses is under target_loss (NaN when never).
Run: /usr/bin/python3 lab/pytorch/init_comparison.py [--seeds N] [--quick] [--set name=value]."""

import math

from twin import (Param, accuracy, cross_entropy, digits_train_test, eval_loss, fit, init_bias,
                  init_weight, linears, mlp, run)
from zero_init_symmetry import init_variants

PARAMS = [
    Param("weight_inits", ["zeros", "normal", "xavier", "kaiming", "default"], kind="strings"),
    Param("bias_inits", ["zeros", "normal", "0.1"], kind="strings"),
    Param("hidden", 128),
    Param("steps", 300, quick=40),
    Param("lr", 0.05),
    Param("target_loss", 0.5),
]


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    h = cfg.hidden
    model = mlp([xtr.shape[1], h, h, 10], "relu", True)
    for l in linears(model):
        init_weight(cond["weight"], l.weight)
        init_bias(cond["bias"], l.bias)
    out = {"initial_loss": eval_loss(model, xtr, ytr, cross_entropy)}
    tr = fit(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=64, every=2, max_loss=1e6)
    reach = math.nan
    for i in range(len(tr.losses)):
        w = tr.losses[max(0, i - 4): i + 1]
        if sum(w) / len(w) < cfg.target_loss:
            reach = float(tr.loss_steps[i])
            break
    out["steps_to_target"] = reach
    if tr.diverged:
        out["final_loss"], out["test_accuracy"] = math.inf, math.nan
        out["accuracy_or_chance"] = 1 / (int(ytr.max()) + 1)  # a diverged run counts at chance level
    else:
        out["final_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
        out["test_accuracy"] = accuracy(model, xte, yte)
        out["accuracy_or_chance"] = out["test_accuracy"]
    return out, tr.diverged


if __name__ == "__main__":
    run("init-comparison", PARAMS, init_variants, trial)
