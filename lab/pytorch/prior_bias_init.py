"""PyTorch twin of the lab experiment prior-bias-init (lab/experiments/prior_bias.go).

Imbalanced two-class data (8 features; majority N(0, I), minority N(±2.5·e1, I), half on each
side; the data drawn from a generator seeded 18100 + seed, so both bias inits see the same
data), an MLP 8-64-64-2 with ReLU and PyTorch's default init, the output bias left at its
default or set to the log class frequencies; Adam at 3e-4, shuffled batches of 64. Measures
the initial loss, the early loss (mean minibatch loss of the first `early` steps), the final
training loss, and on a balanced test set (1000 + 1000) the accuracy under the training prior,
the balanced accuracy and the minority recall.
Run: /usr/bin/python3 lab/pytorch/prior_bias_init.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch

from twin import Param, cross_entropy, eval_loss, fit, go_float, linears, mean_loss_before, mlp, run

PARAMS = [
    Param("ratios", [1.0, 10.0, 100.0], kind="floats"),
    Param("samples", 2000, quick=600),
    Param("hidden", 64),
    Param("steps", 500, quick=60),
    Param("early", 50, quick=20),
    Param("lr", 0.0003),
]


def variants(cfg):
    return [{"settings": (("ratio", go_float(r)), ("out_bias", b)), "ratio": r, "bias": b}
            for r in cfg.ratios for b in ("default", "prior")]


def imbalanced(g, n_maj, n_min):
    x = torch.randn(n_maj + n_min, 8, generator=g)
    y = torch.zeros(n_maj + n_min, dtype=torch.long)
    y[n_maj:] = 1
    x[n_maj:n_maj + n_min // 2, 0] += 2.5
    x[n_maj + n_min // 2:, 0] -= 2.5
    return x, y


def trial(cfg, cond, seed):
    n = cfg.samples
    n_min = int(round(n / (cond["ratio"] + 1)))
    n_maj = n - n_min
    dg = torch.Generator().manual_seed(18100 + seed)
    xtr, ytr = imbalanced(dg, n_maj, n_min)
    xte, yte = imbalanced(dg, 1000, 1000)
    h = cfg.hidden
    model = mlp([8, h, h, 2], "relu", True)
    if cond["bias"] == "prior":
        with torch.no_grad():
            linears(model)[2].bias.copy_(torch.tensor([math.log(n_maj / n), math.log(n_min / n)]))
    out = {"initial_loss": eval_loss(model, xtr, ytr, cross_entropy)}
    tr = fit(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="adam", batch=64, every=1, max_loss=1e6)
    out["early_loss"] = mean_loss_before(tr, cfg.early)
    if tr.diverged:
        for k in ("final_loss", "accuracy", "balanced_accuracy", "minority_recall"):
            out[k] = math.nan
        return out, True
    out["final_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
    model.eval()
    with torch.no_grad():
        pred = model(xte).argmax(1)
    r0 = (pred[yte == 0] == 0).double().mean().item()
    r1 = (pred[yte == 1] == 1).double().mean().item()
    out["accuracy"] = (n_maj * r0 + n_min * r1) / n
    out["balanced_accuracy"] = (r0 + r1) / 2
    out["minority_recall"] = r1
    return out, False


if __name__ == "__main__":
    run("prior-bias-init", PARAMS, variants, trial)
