#!/usr/bin/env python3
"""Reference values of softmax and log_softmax, from PyTorch 1.13 on the CPU.

Run with the reference build (Debian's python3-torch 1.13.1, CPU capability
AVX2):

    /usr/bin/python3 gen_softmax.py   # writes softmax.json here

Every case stores its input x, a fixed upstream gradient r of the same
shape, and, for torch.softmax and torch.log_softmax along dim, the output
and the gradient of sum(out * r) with respect to x, all as bit patterns
(float32 or float64, as the case's dtype). The shapes cover the last
dimension shorter than a vector, a multiple of it, with a tail, other
dimensions than the last, 1-D and 0-d inputs, confident logits (whose
cross-entropy gradients cancel), large magnitudes and -inf entries. The
output is deterministic.
"""
import json
import os
import struct

import torch

torch.set_num_threads(1)
gen = torch.Generator().manual_seed(20261207)


def enc(t):
    t = t.detach().contiguous()
    if t.dtype == torch.float32:
        bits = [format(struct.unpack('<I', struct.pack('<f', v))[0], '08x') for v in t.flatten().tolist()]
    else:
        bits = [format(struct.unpack('<Q', struct.pack('<d', v))[0], '016x') for v in t.flatten().tolist()]
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "bits": bits}


def randn(shape, dtype, scale=1.0):
    return (torch.randn(tuple(shape), generator=gen, dtype=torch.float64) * scale).to(dtype)


specs = [
    # name, shape, dim, scale
    ("(4,5) dim 1", (4, 5), 1, 1.0),
    ("(3,8) dim 1", (3, 8), 1, 1.0),
    ("(3,17) dim -1", (3, 17), -1, 1.0),
    ("(2,100) dim 1", (2, 100), 1, 3.0),
    ("(4,10) dim 1 confident", (4, 10), 1, 30.0),
    ("(2,37) dim 1 confident", (2, 37), 1, 20.0),
    ("(5,) dim 0", (5,), 0, 1.0),
    ("(13,) dim 0", (13,), 0, 2.0),
    ("(6,3) dim 0", (6, 3), 0, 1.0),
    ("(2,5,3) dim 1", (2, 5, 3), 1, 1.0),
    ("(2,3,4) dim -1", (2, 3, 4), -1, 1.0),
    ("(2,9,4,3) dim 1", (2, 9, 4, 3), 1, 5.0),
    ("(3,4,10) dim 0", (3, 4, 10), 0, 1.0),
    ("() dim 0", (), 0, 1.0),
    ("(3,12) dim 1 large", (3, 12), 1, 1e4),
]

cases = []
for dtype in (torch.float32, torch.float64):
    for name, shape, dim, scale in specs:
        x = randn(shape, dtype, scale)
        r = randn(shape, dtype)
        for op in ("log_softmax", "softmax"):
            xx = x.clone().requires_grad_(True)
            out = getattr(torch, op)(xx, dim)
            (out * r).sum().backward()
            cases.append({"name": f"{name} {str(dtype)[6:]}", "op": op, "dim": dim,
                          "x": enc(x), "r": enc(r), "out": enc(out), "grad": enc(xx.grad)})
    # -inf entries (a class that is never predicted); rows are not all -inf
    x = randn((3, 9), dtype)
    x[0, 2] = float('-inf')
    x[1, 0] = float('-inf')
    x[1, 8] = float('-inf')
    r = randn((3, 9), dtype)
    for op in ("log_softmax", "softmax"):
        xx = x.clone().requires_grad_(True)
        out = getattr(torch, op)(xx, 1)
        (out * r).sum().backward()
        cases.append({"name": f"(3,9) dim 1 -inf {str(dtype)[6:]}", "op": op, "dim": 1,
                      "x": enc(x), "r": enc(r), "out": enc(out), "grad": enc(xx.grad)})

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "softmax.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(len(cases), "cases")
