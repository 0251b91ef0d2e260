#!/usr/bin/env python3
"""Reference data for intercept's data/synth generators that are documented
as PyTorch expressions (Rain, XOR, Blobs). Run with Debian's PyTorch 1.13
(/usr/bin/python3); writes synth.json beside this script. Values are stored
as float32 bit patterns so the Go test compares bits.
"""
import json
import os

import numpy as np
import torch


def bits(t):
    return t.contiguous().numpy().astype(np.float32).view(np.uint32).reshape(-1).tolist()


def gen(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def rain(n, seed):
    g = gen(seed)
    u = torch.rand(n, 2, generator=g)
    x = torch.stack([u[:, 0], u[:, 1] * 2 - 1], 1)
    y = ((x[:, 0] - x[:, 1] * 0.3) > 0.6).long()
    return {"n": n, "seed": seed, "x": bits(x), "y": y.tolist()}


def xor(n, noise, seed):
    g = gen(seed)
    b = torch.rand(n, 2, generator=g) < 0.5
    x = b.float() + torch.randn(n, 2, generator=g) * noise
    y = (b[:, 0] ^ b[:, 1]).long()
    return {"n": n, "noise": noise, "seed": seed, "x": bits(x), "y": y.tolist()}


def blobs(n, k, features, spread, seed):
    g = gen(seed)
    centers = torch.empty(k, features).uniform_(-10, 10, generator=g)
    y = torch.arange(n) % k
    x = centers[y] + torch.randn(n, features, generator=g) * spread
    return {"n": n, "k": k, "features": features, "spread": spread, "seed": seed, "x": bits(x), "y": y.tolist()}


def main():
    out = {
        "torch": torch.__version__,
        "rain": [rain(5, 0), rain(100, 42)],
        "xor": [xor(6, 0.1, 1), xor(64, 0.25, 7)],
        "blobs": [blobs(7, 3, 2, 1.0, 0), blobs(200, 4, 5, 0.7, 3)],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "synth.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
