"""PyTorch twin of the lab experiment bias-depth (lab/experiments/bias_depth.go).

ReLU MLPs with 1, 2, 4, 8 or 16 hidden layers of the same width (32), PyTorch's default
initialization, with and without every bias, on the embedded digits (the first N training
examples, or all); Adam at lr 0.002, shuffled batches of 64 (the last smaller one dropped),
a fixed number of steps. It measures the final training and test losses and accuracies,
and the step at which the mean of the last 10 batch losses first reaches the target loss
(the budget, with reached = 0, when it never does). bias_training_time.py and
bias_overfit.py run the same trial with other variants.
Run: /usr/bin/python3 lab/pytorch/bias_depth.py [--seeds N] [--quick] [--set name=value].
Needs twin.py (lab/pytorch)."""

import math

from twin import Param, Trainer, accuracy, cross_entropy, digits_train_test, eval_loss, go_float, mlp, on_off, run


def mlp_params(depths, sizes, steps, quick_steps):
    """The parameters shared by the three MLP claims (mlpClaimParams)."""
    return [
        Param("depths", depths, kind="floats"),
        Param("sizes", sizes, kind="strings"),
        Param("width", 32),
        Param("steps", steps, quick=quick_steps),
        Param("lr", 0.002),
        Param("target", 0.1),
        Param("limit", 10000),
    ]


PARAMS = mlp_params([1, 2, 4, 8, 16], ["all"], 250, 60) + [Param("margin", 1.0)]


def parse_sizes(names):
    out = []
    for s in names:
        if s == "all":
            out.append(0)
            continue
        n = int(s)
        if n < 10:
            raise SystemExit(f"sizes: {s!r} is not all or a number of examples >= 10")
        out.append(n)
    return out


def size_name(n):
    return "all" if n == 0 else str(n)


def mlp_variants(cfg):
    out = []
    for d in cfg.depths:
        for s in parse_sizes(cfg.sizes):
            for b in (True, False):
                out.append({"settings": (("depth", str(int(d))), ("size", size_name(s)), ("bias", on_off(b))),
                            "depth": int(d), "size": s, "bias": b})
    return out


def mlp_trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    xtr, ytr, xte, yte = xtr[: cfg.limit], ytr[: cfg.limit], xte[: cfg.limit], yte[: cfg.limit]
    if 0 < cond["size"] < xtr.shape[0]:
        xtr, ytr = xtr[: cond["size"]], ytr[: cond["size"]]
    sizes = [xtr.shape[1]] + [cfg.width] * cond["depth"] + [10]
    model = mlp(sizes, "relu", cond["bias"])
    reached = [-1]
    window = []
    tr = None

    def on_step(step):
        window.append(tr.final)
        if len(window) > 10:
            window.pop(0)
        if reached[0] < 0 and len(window) == 10 and sum(window) / 10 <= cfg.target:
            reached[0] = step + 1

    tr = Trainer(model, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="adam", batch=64, every=5, on_step=on_step)
    tr.run(cfg.steps)
    out = {}
    if tr.diverged:
        for k in ("train_loss", "test_loss", "train_acc", "test_acc", "gap"):
            out[k] = math.nan
    else:
        out["train_loss"] = eval_loss(model, xtr, ytr, cross_entropy)
        out["test_loss"] = eval_loss(model, xte, yte, cross_entropy)
        out["train_acc"] = accuracy(model, xtr, ytr)
        out["test_acc"] = accuracy(model, xte, yte)
        out["gap"] = out["train_acc"] - out["test_acc"]
    out["reached"] = 1.0 if reached[0] >= 0 else 0.0
    out["steps_to_target"] = float(reached[0] if reached[0] >= 0 else cfg.steps)
    return out, tr.diverged


if __name__ == "__main__":
    run("bias-depth", PARAMS, mlp_variants, mlp_trial)
