"""PyTorch twin of the lab experiment digits (lab/experiments/digits.go).

A 64-hidden-hidden-10 ReLU MLP, with and without biases, on the embedded digits
(data/digits.csv.gz, split as data.DigitsTrainTest), raw pixels in [0, 1] or centred on the
training set's mean image; Adam, minibatches of `batch` (the last smaller one kept) for
`epochs` passes; test accuracy after each epoch. Only the embedded digits (the Go run's
default --data). Run: /usr/bin/python3 lab/pytorch/digits.py [--seeds N] [--quick]
[--set name=value]."""

import torch

from twin import Param, Trainer, accuracy, cross_entropy, digits_train_test, eval_loss, mlp, on_off, run

PARAMS = [
    Param("hidden", 64),
    Param("epochs", 15, quick=4),
    Param("batch", 64),
    Param("lr", 0.002),
    Param("limit", 10000, quick=3000),
    Param("margin", 1.0),  # the verdict's margin (points of accuracy); the measurement does not use it
    Param("inputs", ["raw", "centered"], kind="strings"),
]


def variants(cfg):
    for i in cfg.inputs:
        if i not in ("raw", "centered"):
            raise SystemExit(f"inputs: {i!r} is not raw or centered")
    return [{"settings": (("inputs", i), ("bias", on_off(b))), "centered": i == "centered", "bias": b}
            for i in cfg.inputs for b in (True, False)]


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    xtr, ytr = xtr[: cfg.limit], ytr[: cfg.limit]
    xte, yte = xte[: cfg.limit], yte[: cfg.limit]
    if cond["centered"]:
        mean = xtr.mean(0, keepdim=True)
        xtr, xte = xtr - mean, xte - mean
    h = cfg.hidden
    model = mlp([xtr.shape[1], h, h, 10], "relu", cond["bias"])
    batch = cfg.batch
    per_epoch = (xtr.shape[0] + batch - 1) // batch
    tr = Trainer(model, xtr, ytr, cross_entropy, cfg.epochs * per_epoch, cfg.lr, opt="adam",
                 batch=batch, partial=True, every=5)
    for e in range(1, cfg.epochs + 1):
        if tr.diverged:
            break
        tr.run(e * per_epoch)
    return {
        "test_accuracy": accuracy(model, xte, yte),
        "train_loss": eval_loss(model, xtr, ytr, cross_entropy),
        "test_loss": eval_loss(model, xte, yte, cross_entropy),
    }, tr.diverged


if __name__ == "__main__":
    run("digits", PARAMS, variants, trial)
