#!/usr/bin/env python3
"""PyTorch side of intercept's benchmark suite (see bench/README.md).

Runs the workloads of cmd/bench, with the same names, shapes, models,
losses and optimizer, on Debian's PyTorch 1.13 (CPU). Run it directly:

    OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE \
        /usr/bin/python3 bench/pytorch/bench.py [--workloads a,b] [--reps 5] [--time 0.3] [--threads 2] [--json out.json]

or let `go run ./cmd/bench -compare` drive it in --serve mode, where it reads
lines "NAME SECONDS" on stdin and answers each with one JSON line
{"name":..., "value":...}, after a greeting line {"info": ...}.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _threads_arg(argv):
    """The value of --threads in argv, or None."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


# torch.set_num_threads does not reach Debian's OpenBLAS (built with
# pthreads), which would otherwise use every core for torch.mm even with
# --threads 1; it reads OPENBLAS_NUM_THREADS when it is loaded.
if _threads_arg(sys.argv) is not None:
    os.environ["OPENBLAS_NUM_THREADS"] = _threads_arg(sys.argv)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


def matmul(m, k, n):
    def setup():
        torch.manual_seed(0)
        a, b = torch.randn(m, k), torch.randn(k, n)

        def step():
            with torch.no_grad():
                torch.mm(a, b)
        return step, 2.0 * m * k * n
    return "GFLOP/s", setup


def matmul_out(m, k, n):
    def setup():
        torch.manual_seed(0)
        a, b = torch.randn(m, k), torch.randn(k, n)
        c = torch.empty(m, n)

        def step():
            with torch.no_grad():
                torch.mm(a, b, out=c)
        return step, 2.0 * m * k * n
    return "GFLOP/s", setup


def mlp(*widths):
    def build():
        layers = []
        for i in range(len(widths) - 1):
            if i > 0:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(widths[i], widths[i + 1]))
        return nn.Sequential(*layers)
    return build


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def train(batch, shape, build, adam=False):
    """Training steps (zero grad, forward, cross-entropy, backward, optimizer step) on a fixed
    random batch, with SGD (lr 0.01) or, with adam, Adam with its defaults."""
    def setup():
        torch.manual_seed(0)
        model = build()
        if adam:
            opt = torch.optim.Adam(model.parameters())
        else:
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
        x = torch.randn(batch, *shape)
        y = torch.arange(batch) % 10
        lossf = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            loss = lossf(model(x), y)
            loss.backward()
            opt.step()
        return step, float(batch)
    return "samples/s", setup


def linear_step():
    def setup():
        torch.manual_seed(0)
        layer = nn.Linear(3, 1)
        opt = torch.optim.SGD(layer.parameters(), lr=0.01)
        x, y = torch.randn(4, 3), torch.randn(4, 1)
        lossf = nn.MSELoss()

        def step():
            opt.zero_grad()
            loss = lossf(layer(x), y)
            loss.backward()
            opt.step()
        return step, 1.0
    return "us/step", setup


def recurrent_step(build):
    """A training step of a one-layer recurrent network (input 64, hidden 128) on a fixed random
    batch of 32 sequences of 50 steps, (L, N, H_in) = (50, 32, 64): MSE of the outputs against a
    fixed random target, SGD."""
    def setup():
        torch.manual_seed(0)
        model = build()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        x, y = torch.randn(50, 32, 64), torch.randn(50, 32, 128)
        lossf = nn.MSELoss()

        def step():
            opt.zero_grad()
            loss = lossf(model(x)[0], y)
            loss.backward()
            opt.step()
        return step, 32.0
    return "samples/s", setup


def transformer_enc_step(batch=32, seq=64, d=128):
    def setup():
        torch.manual_seed(0)
        layer = nn.TransformerEncoderLayer(d, 4, dim_feedforward=512, batch_first=True)
        opt = torch.optim.SGD(layer.parameters(), lr=0.01)
        x, y = torch.randn(batch, seq, d), torch.randn(batch, seq, d)
        lossf = nn.MSELoss()

        def step():
            opt.zero_grad()
            loss = lossf(layer(x), y)
            loss.backward()
            opt.step()
        return step, float(batch)
    return "samples/s", setup


WORKLOADS = {}
for s in (64, 128, 256, 512, 1024, 2048):
    WORKLOADS["matmul_%d" % s] = matmul(s, s, s)
WORKLOADS["matmul_64x784x256"] = matmul(64, 784, 256)
for s in (64, 128, 256, 512, 1024, 2048):
    WORKLOADS["matmul_out_%d" % s] = matmul_out(s, s, s)
WORKLOADS["matmul_out_64x784x256"] = matmul_out(64, 784, 256)
WORKLOADS["mlp_b64"] = train(64, (784,), mlp(784, 256, 256, 10))
WORKLOADS["mlp_b256"] = train(256, (784,), mlp(784, 256, 256, 10))
WORKLOADS["lenet5_b64"] = train(64, (1, 28, 28), lenet5)
WORKLOADS["mlp30_b128"] = train(128, (256,), mlp(*([256] * 30 + [10])))
WORKLOADS["mlp_adam_b64"] = train(64, (784,), mlp(784, 256, 256, 10), adam=True)
WORKLOADS["lab_trial_adam_b32"] = train(32, (64,), mlp(64, 128, 10), adam=True)
WORKLOADS["linear3_b4_step"] = linear_step()
WORKLOADS["lstm_h128_s50_b32"] = recurrent_step(lambda: nn.LSTM(64, 128))
WORKLOADS["gru_h128_s50_b32"] = recurrent_step(lambda: nn.GRU(64, 128))
WORKLOADS["transformer_enc_b32_s64"] = transformer_enc_step()

_state = {}


def measure(name, min_time):
    unit, setup = WORKLOADS[name]
    if name not in _state:
        step, work = setup()
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < min_time / 3:  # warm-up
            step()
        _state[name] = (step, work)
    step, work = _state[name]
    n = 0
    t0 = time.perf_counter()
    while True:
        step()
        n += 1
        el = time.perf_counter() - t0
        if el >= min_time and n >= 3:
            break
    if unit == "GFLOP/s":
        return work * n / el / 1e9
    if unit == "samples/s":
        return work * n / el
    return el / n * 1e6


def info():
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))  # make sure the BLAS is loaded
    blas = "BLAS unknown"
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if ".so" in line}
        found = sorted(os.path.realpath(l) for l in libs if "blas" in os.path.basename(l).lower())
        if found:
            blas = ", ".join(found)
    except OSError:
        pass
    return "PyTorch %s (BLAS %s, OPENBLAS_CORETYPE=%s), Python %s, %d threads" % (
        torch.__version__, blas, os.environ.get("OPENBLAS_CORETYPE"), platform.python_version(), torch.get_num_threads())


def serve():
    print(json.dumps({"info": info()}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        name, secs = parts[0], float(parts[1]) if len(parts) > 1 else 0.3
        try:
            print(json.dumps({"name": name, "value": measure(name, secs)}), flush=True)
        except Exception as e:  # report, keep serving
            print(json.dumps({"name": name, "error": repr(e)}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="", help="comma-separated names or prefixes (default all)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--time", type=float, default=0.3, help="minimum seconds per repetition")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", default="", help="write results as JSON to this file")
    ap.add_argument("--serve", action="store_true", help="answer 'NAME SECONDS' lines on stdin")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.serve:
        serve()
        return
    sel = [s for s in args.workloads.split(",") if s]
    names = [n for n in WORKLOADS if not sel or any(n.startswith(s) for s in sel)]
    print("#", info())
    print("%-20s %-10s %10s %7s" % ("workload", "unit", "pytorch", "spread"))
    results = []
    for name in names:
        vals = [measure(name, args.time) for _ in range(args.reps)]
        med = statistics.median(vals)
        spread = (max(vals) - min(vals)) / med if med else 0
        results.append({"name": name, "unit": WORKLOADS[name][0], "values": vals, "median": med, "spread": spread})
        print("%-20s %-10s %10.4g %6.0f%%" % (name, WORKLOADS[name][0], med, 100 * spread), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info(), "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
