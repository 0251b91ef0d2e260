"""PyTorch twin of the lab experiment conv-bias (lab/experiments/conv_bias.go).

A small CNN, Conv2d(1, 8, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(8, 16, 3, padding=1)
- ReLU - MaxPool2d(2) - Flatten - Linear(.., 10), with and without the convolutions'
biases (the Linear keeps its bias), on the embedded 8x8 digits and on Fashion-MNIST (the
first 2000 training and 1000 test images, averaged from 28x28 down to 14x14) when its IDX files
are installed, over training-set sizes (the first N examples, or all); Adam at lr 0.002,
shuffled batches of 32, 150 steps. It measures the test accuracy.
Run: /usr/bin/python3 lab/pytorch/conv_bias.py [--seeds N] [--quick] [--set name=value].
Needs twin.py (lab/pytorch)."""

import gzip
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

from twin import Param, accuracy, cross_entropy, digits_train_test, fit, on_off, run

FASHION_LIMIT, FASHION_TEST = 2000, 1000

PARAMS = [
    Param("sets", ["digits", "fashion"], kind="strings"),
    Param("fashion", "/usr/share/datasets/fashion-mnist"),
    Param("sizes", ["50", "200", "all"], quick=["50"], kind="strings"),
    Param("channels", [8, 16], kind="floats"),
    Param("steps", 150, quick=10),
    Param("lr", 0.002),
    Param("margin", 1.0),
    Param("small", 200),
]


def idx_file(d, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        raw = f.read()
    nd = raw[3]
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    return torch.frombuffer(bytearray(raw[4 + 4 * nd:]), dtype=torch.uint8).reshape(dims)


_fashion = {}


def small_fashion(d):
    """The first FASHION_LIMIT training and FASHION_TEST test images, pixels / 255,
    averaged 2x2 to 14x14."""
    if d not in _fashion:
        def part(p, n):
            x = read_idx(idx_file(d, p + "-images-idx3-ubyte"))[:n].float() / 255
            y = read_idx(idx_file(d, p + "-labels-idx1-ubyte"))[:n].long()
            x = F.avg_pool2d(x.reshape(-1, 1, 28, 28), 2).reshape(-1, 196).contiguous()
            return x, y
        _fashion[d] = part("train", FASHION_LIMIT) + part("t10k", FASHION_TEST)
    return _fashion[d]


def size_name(n):
    return "all" if n == 0 else str(n)


def variants(cfg):
    sizes = [0 if s == "all" else int(s) for s in cfg.sizes]
    out = []
    for s in cfg.sets:
        if s == "fashion" and idx_file(cfg.fashion, "train-images-idx3-ubyte") is None:
            continue
        for n in sizes:
            for b in (True, False):
                out.append({"settings": (("set", s), ("size", size_name(n)), ("bias", on_off(b))), "set": s, "size": n, "bias": b})
    return out


class ConvNet(nn.Module):
    def __init__(self, side, c1, c2, bias):
        super().__init__()
        self.side = side
        out = side // 2 // 2
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1, bias=bias), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1, bias=bias), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * out * out, 10))

    def forward(self, x):
        return self.body(x.reshape(x.shape[0], 1, self.side, self.side))


def trial(cfg, cond, seed):
    if cond["set"] == "fashion":
        xtr, ytr, xte, yte = small_fashion(cfg.fashion)
    else:
        xtr, ytr, xte, yte = digits_train_test()
    if 0 < cond["size"] < xtr.shape[0]:
        xtr, ytr = xtr[: cond["size"]], ytr[: cond["size"]]
    side = int(round(xtr.shape[1] ** 0.5))
    net = ConvNet(side, int(cfg.channels[0]), int(cfg.channels[1]), cond["bias"])
    tr = fit(net, xtr, ytr, cross_entropy, cfg.steps, cfg.lr, opt="adam", batch=32, every=5)
    if tr.diverged:
        return {"test_acc": float("nan")}, True
    return {"test_acc": accuracy(net, xte, yte)}


if __name__ == "__main__":
    run("conv-bias", PARAMS, variants, trial)
