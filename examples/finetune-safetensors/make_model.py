#!/usr/bin/env python3
"""Makes pretrained.safetensors for the finetune-safetensors example.

Run with PyTorch (Debian's python3-torch 1.13 was used):

    python3 examples/finetune-safetensors/make_model.py

It trains torch.nn.Sequential(Linear(64, 32), ReLU(), Linear(32, 10)) for
three epochs on the handwritten digits embedded in the Go module
(data/digits.csv.gz, pixels divided by 16) on the digits of classes 0..4 only,
and saves its state_dict as safetensors. The file is written by hand (eight
bytes of header length, a JSON header, the raw little-endian data) so that the
script needs only torch; safetensors.torch.save_file(model.state_dict(), path)
writes the same layout. It prints the model's accuracy on all 1797 digits,
which the Go example reproduces after loading the file.
"""
import csv
import gzip
import json
import os
import struct

import torch

here = os.path.dirname(os.path.abspath(__file__))
rows = list(csv.reader(gzip.open(os.path.join(here, "..", "..", "data", "digits.csv.gz"), "rt")))
x = torch.tensor([[float(v) for v in r[:64]] for r in rows]) / 16
y = torch.tensor([int(r[64]) for r in rows])

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
keep = y < 5
ds = torch.utils.data.TensorDataset(x[keep], y[keep])
for epoch in range(3):
    for xb, yb in torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()

with torch.no_grad():
    acc = (model(x).argmax(1) == y).float().mean().item()
print(f"accuracy on all 1797 digits: {acc:.6f} (trained on classes 0..4 only)")


def save_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # pad the header to a multiple of 8 bytes, as safetensors does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


save_safetensors(os.path.join(here, "pretrained.safetensors"), model.state_dict(),
                 {"format": "pt", "accuracy_all": f"{acc:.6f}"})
