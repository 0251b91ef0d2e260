"""PyTorch twin of the lab experiment bias-weight-decay (lab/experiments/bias_weight_decay.go).

A 64-hidden-hidden-10 ReLU MLP on the embedded digits, SGD with momentum 0.9 and L2 weight
decay lambda (torch.optim.SGD's weight_decay), shuffled batches of 64 (the last smaller one
dropped), with every parameter decayed (bias_decay=on) or with the biases in a second
parameter group with weight_decay 0 (bias_decay=off). Test accuracy and loss, training loss,
and the RMS of the biases and of the weights after training.
Run: /usr/bin/python3 lab/pytorch/bias_weight_decay.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch

from twin import (Param, Trainer, accuracy, cross_entropy, digits_train_test, eval_loss,
                  go_float, mlp, on_off, run)

PARAMS = [
    Param("decays", [0.0001, 0.001, 0.01, 0.1], quick=[0.01], kind="floats"),
    Param("hidden", 64),
    Param("steps", 300, quick=20),
    Param("lr", 0.05),
    Param("margin", 0.005),
]


def variants(cfg):
    return [{"settings": (("decay", go_float(d)), ("bias_decay", on_off(b))), "decay": d, "bias": b}
            for d in cfg.decays for b in (True, False)]


def rms(ts):
    with torch.no_grad():
        return math.sqrt(sum(float((t.double() ** 2).sum()) for t in ts) / sum(t.numel() for t in ts))


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    h = cfg.hidden
    model = mlp([xtr.shape[1], h, h, 10], "relu", True)
    weights = [p for n, p in model.named_parameters() if not (p.dim() <= 1 or n.endswith("bias"))]
    biases = [p for n, p in model.named_parameters() if p.dim() <= 1 or n.endswith("bias")]
    tr = Trainer(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=64, every=2, max_loss=1e6)
    if cond["bias"]:
        tr.opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9, weight_decay=cond["decay"])
    else:
        tr.opt = torch.optim.SGD([{"params": weights}, {"params": biases, "weight_decay": 0.0}],
                                 lr=cfg.lr, momentum=0.9, weight_decay=cond["decay"])
    tr.run(cfg.steps)
    if tr.diverged:
        return {k: math.nan for k in ("test_accuracy", "test_loss", "train_loss", "bias_rms", "weight_rms")}, True
    model.eval()
    return {
        "test_accuracy": accuracy(model, xte, yte),
        "test_loss": eval_loss(model, xte, yte, cross_entropy),
        "train_loss": eval_loss(model, xtr, ytr, cross_entropy),
        "bias_rms": rms(biases),
        "weight_rms": rms(weights),
    }, False


if __name__ == "__main__":
    run("bias-weight-decay", PARAMS, variants, trial)
