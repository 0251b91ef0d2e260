#!/usr/bin/env python3
"""The PyTorch side of the export-pytorch example (see README.md).

    go run ./examples/export-pytorch -out /tmp/export
    python3 examples/export-pytorch/check.py /tmp/export

Loads model.safetensors into the equal torch.nn.Sequential with
load_state_dict(strict=True), runs the probe inputs through it and checks
the logits against the Go model's. Uses safetensors.torch.load_file when the
safetensors package is installed, and a ten-line reader otherwise.
"""
import json
import struct
import sys

import torch


def load_file(path):
    try:
        from safetensors.torch import load_file as lf
        return lf(path)
    except ImportError:
        pass
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        body = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[a:b]), dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out


d = sys.argv[1] if len(sys.argv) > 1 else "."
model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
model.load_state_dict(load_file(f"{d}/model.safetensors"), strict=True)
model.eval()
probe = load_file(f"{d}/probe.safetensors")
with torch.no_grad():
    y = model(probe["x"])
diff = (y - probe["y"]).abs().max().item()
print(f"PyTorch {torch.__version__}: max |torch - go| over {tuple(y.shape)} logits = {diff:.3g}")
print("predictions equal:", torch.equal(y.argmax(1), probe["y"].argmax(1)))
# Within float32 rounding: the products sum in another order in PyTorch's BLAS
# than in Go's kernels (with or without FMA), a few ulps of the partial sums.
assert torch.allclose(y, probe["y"], rtol=1e-5, atol=1e-5), "outputs differ"
print("OK")
