"""PyTorch twin of the lab experiment bias-before-batchnorm (lab/experiments/bias_batchnorm.go).

A Linear(64, 64) or Conv2d(1, 8, 3, padding=1) layer, then BatchNorm, ReLU and a Linear
head, on the embedded digits: built twice from the same weights, once with the layer's bias
(set to N(0, 1)) and once without, trained by SGD on the same shuffled batches of 64. It
measures how far apart the two stay. Run: /usr/bin/python3
lab/pytorch/bias_before_batchnorm.py [--seeds N] [--quick] [--set name=value]."""

import torch
import torch.nn as nn

from twin import Param, accuracy, cross_entropy, digits_train_test, fit, run

PARAMS = [
    Param("steps", 200, quick=60),
    Param("lr", 0.05),
    Param("layers", ["linear", "conv"], kind="strings"),
]


class BNNet(nn.Module):
    """layer -> BatchNorm -> ReLU -> Linear head (bnNet)."""

    def __init__(self, conv, inputs, bias):
        super().__init__()
        self.is_conv = conv
        if conv:
            self.conv = nn.Conv2d(1, 8, 3, padding=1, bias=bias)
            self.bn2 = nn.BatchNorm2d(8)
            self.head = nn.Linear(8 * 64, 10)
        else:
            self.fc = nn.Linear(inputs, 64, bias=bias)
            self.bn1 = nn.BatchNorm1d(64)
            self.head = nn.Linear(64, 10)

    def forward(self, x):
        if self.is_conv:
            h = torch.relu(self.bn2(self.conv(x.reshape(x.shape[0], 1, 8, 8)))).flatten(1)
        else:
            h = torch.relu(self.bn1(self.fc(x)))
        return self.head(h)

    def layer_bias(self):
        return self.conv.bias if self.is_conv else self.fc.bias


def variants(cfg):
    for l in cfg.layers:
        if l not in ("linear", "conv"):
            raise SystemExit(f"layers: {l!r} is not linear or conv")
    return [{"settings": (("layer", l),), "conv": l == "conv"} for l in cfg.layers]


def max_abs_diff(a, b):
    return (a.detach().double() - b.detach().double()).abs().max().item()


def clone_default_generator():
    g = torch.Generator()
    g.set_state(torch.default_generator.get_state())
    return g


def trial(cfg, cond, seed):
    xtr, ytr, xte, yte = digits_train_test()
    with_b = BNNet(cond["conv"], xtr.shape[1], True)
    without = BNNet(cond["conv"], xtr.shape[1], False)
    without.load_state_dict(with_b.state_dict(), strict=False)
    with torch.no_grad():
        b = with_b.layer_bias()
        b.copy_(torch.randn(b.shape))
    batch = xtr[:64]
    out = {"init_output_diff": max_abs_diff(with_b(batch), without(batch))}
    without.load_state_dict(with_b.state_dict(), strict=False)
    g1, g2 = clone_default_generator(), clone_default_generator()
    grad_max = [0.0]

    def on_step(step):
        g = with_b.layer_bias().grad
        if g is not None:
            grad_max[0] = max(grad_max[0], g.abs().max().item())

    tw = fit(with_b, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=64, every=1, on_step=on_step, gen=g1)
    to = fit(without, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="sgd", batch=64, every=1, gen=g2)
    out["max_loss_diff"] = max((abs(a - b) for a, b in zip(tw.losses, to.losses)), default=0.0)
    out["bias_grad_max"] = grad_max[0]
    with_b.eval()
    without.eval()
    with torch.no_grad():
        out["eval_output_diff"] = max_abs_diff(with_b(xte), without(xte))
    out["acc_with_bias"] = accuracy(with_b, xte, yte)
    out["acc_without_bias"] = accuracy(without, xte, yte)
    return out, tw.diverged or to.diverged


if __name__ == "__main__":
    run("bias-before-batchnorm", PARAMS, variants, trial)
