#!/usr/bin/env python3
"""Reference loss curve for intercept's train parity test (TestTrainingParity).

Run with Debian's PyTorch 1.13 (/usr/bin/python3) from anywhere; writes
parity.json beside this script. Nothing here is needed to run the Go tests.

The setup mirrors train/parity_test.go exactly:
  - data: the digits CSV (gzip; 64 pixel values then the label per line), read
    as data.Digits reads it, pixels as float32 divided by 16
    (data.DigitsScaled), split with
    random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    (data.DigitsTrainTest); the 1438 training rows are used;
  - model: torch.manual_seed(0), then Sequential(Linear(64, 32), ReLU(),
    Linear(32, 10)) with PyTorch's default initialization;
  - loader: DataLoader(batch_size=32, shuffle=True,
    generator=torch.Generator().manual_seed(1)), epochs run to their end;
  - SGD(lr=0.1, momentum=0.9), cross-entropy loss, 200 steps, loss recorded
    before each update.
"""
import gzip
import json
import os

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 200
BATCH = 32
LR = 0.1
MOMENTUM = 0.9


def digits_path():
    for p in (os.path.join(HERE, "..", "..", "data", "digits.csv.gz"),):
        if os.path.exists(p):
            return p
    raise SystemExit("digits.csv.gz not found")


def read_digits(path):
    xs, ys = [], []
    with gzip.open(path, "rt") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            v = line.split(",")
            xs.append([float(t) for t in v[:-1]])
            ys.append(int(v[-1]))
    x = torch.tensor(xs, dtype=torch.float32) / 16
    y = torch.tensor(ys, dtype=torch.int64)
    return x, y


def main():
    torch.set_num_threads(1)
    x, y = read_digits(digits_path())
    ds = TensorDataset(x, y)
    train, _ = random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    idx = torch.tensor(train.indices)
    train_ds = TensorDataset(x[idx], y[idx])

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loader = DataLoader(train_ds, batch_size=BATCH, shuffle=True,
                        generator=torch.Generator().manual_seed(1))

    losses = []
    while len(losses) < STEPS:
        for xb, yb in loader:
            if len(losses) == STEPS:
                break
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())

    out = {
        "torch": torch.__version__,
        "steps": STEPS, "batch": BATCH, "lr": LR, "momentum": MOMENTUM,
        "model_seed": 0, "loader_seed": 1, "split_seed": 0,
        "train_size": len(train_ds),
        "losses": losses,
    }
    with open(os.path.join(HERE, "parity.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("first %.6f last %.6f" % (losses[0], losses[-1]))


if __name__ == "__main__":
    main()
