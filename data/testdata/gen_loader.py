#!/usr/bin/env python3
"""Reference orders for intercept's data.Loader and data.RandomSplit.

Run with Debian's PyTorch 1.13 (/usr/bin/python3); writes loader_orders.json
beside this script. Every case records the batches of several epochs of
torch.utils.data.DataLoader over TensorDataset(arange(n)) (so each batch is
the list of example indices), plus probe draws taken from the generator(s)
afterwards, so that the Go test also checks how many numbers each epoch
consumed. Nothing here is needed to run the Go tests.
"""
import json
import os

import torch
from torch.utils.data import DataLoader, TensorDataset, random_split


def probe(gen=None):
    # Two raw 64-bit draws: torch.empty((), int64).random_() is random64 mod 2^63.
    return [int(torch.empty((), dtype=torch.int64).random_(generator=gen).item()) for _ in range(2)]


def loader_case(name, n, batch, shuffle, drop_last, seed, explicit, epochs=3, break_after=None):
    ds = TensorDataset(torch.arange(n))
    if explicit:
        torch.manual_seed(999)  # must not matter
        gen = torch.Generator()
        gen.manual_seed(seed)
    else:
        torch.manual_seed(seed)
        gen = None
    dl = DataLoader(ds, batch_size=batch, shuffle=shuffle, drop_last=drop_last, generator=gen)
    out = []
    for e in range(epochs):
        batches = []
        for k, (xb,) in enumerate(dl):
            batches.append(xb.tolist())
            if break_after is not None and e == 0 and k + 1 == break_after:
                break
        out.append(batches)
    return {
        "name": name, "n": n, "batch": batch, "shuffle": shuffle, "drop_last": drop_last,
        "seed": seed, "explicit_generator": explicit, "break_after": break_after,
        "epochs": out, "probe": probe(gen),
        "probe_global": probe(None) if explicit else None,
    }


def split_case(name, n, lengths, seed, explicit):
    if explicit:
        torch.manual_seed(999)
        gen = torch.Generator().manual_seed(seed)
        parts = random_split(range(n), lengths, generator=gen)
    else:
        torch.manual_seed(seed)
        gen = None
        parts = random_split(range(n), lengths)
    return {"name": name, "n": n, "lengths": lengths, "seed": seed, "explicit_generator": explicit,
            "splits": [list(p.indices) for p in parts], "probe": probe(gen)}


def main():
    cases = [
        loader_case("global n=10 b=3", 10, 3, True, False, 0, False),
        loader_case("global n=10 b=3 drop_last", 10, 3, True, True, 0, False),
        loader_case("global n=100 b=32", 100, 32, True, False, 42, False, epochs=4),
        loader_case("global n=64 b=16 (multiple)", 64, 16, True, False, 7, False),
        loader_case("global n=1797 b=64", 1797, 64, True, False, 1234, False, epochs=2),
        loader_case("generator n=10 b=3", 10, 3, True, False, 0, True),
        loader_case("generator n=10 b=3 drop_last", 10, 3, True, True, 0, True),
        loader_case("generator n=100 b=32", 100, 32, True, False, 42, True, epochs=4),
        loader_case("generator n=64 b=16 (multiple)", 64, 16, True, False, 7, True),
        loader_case("generator n=64 b=16 drop_last (multiple)", 64, 16, True, True, 7, True),
        loader_case("generator n=1797 b=64 drop_last", 1797, 64, True, True, 1234, True, epochs=2),
        loader_case("generator n=37 b=5 break", 37, 5, True, False, 3, True, break_after=2),
        loader_case("generator n=35 b=5 break at end", 35, 5, True, False, 3, True, break_after=7),
        loader_case("generator n=37 b=5 break at partial end", 37, 5, True, False, 3, True, break_after=8),
        loader_case("global n=37 b=5 break", 37, 5, True, False, 3, False, break_after=2),
        loader_case("global no shuffle", 10, 4, False, False, 5, False),
        loader_case("generator no shuffle drop_last", 10, 4, False, True, 5, True),
        loader_case("global n=1 b=1", 1, 1, True, False, 11, False),
        loader_case("global seed 2^32+5", 20, 6, True, False, 2**32 + 5, False),
    ]
    splits = [
        split_case("lengths 3,7 generator 42", 10, [3, 7], 42, True),
        split_case("fractions 0.3,0.3,0.4 generator 42", 30, [0.3, 0.3, 0.4], 42, True),
        split_case("fractions 0.8,0.2 n=1797 generator 0", 1797, [0.8, 0.2], 0, True),
        split_case("fractions 0.5,0.5 n=7 global 1", 7, [0.5, 0.5], 1, False),
        split_case("lengths 50,30,20 global 123", 100, [50, 30, 20], 123, False),
        split_case("fractions 0.7,0.2,0.1 n=11 generator 5", 11, [0.7, 0.2, 0.1], 5, True),
    ]
    out = {"torch": torch.__version__, "loader": cases, "random_split": splits}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loader_orders.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
