#!/usr/bin/env python3
"""PyTorch side of intercept's benchmark suite (see bench/README.md).

Runs the workloads of cmd/bench, with the same names, shapes, models,
losses and optimizer, on Debian's PyTorch 1.13 (CPU). Run it directly:

    OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE \
        /usr/bin/python3 bench/pytorch/bench.py [--workloads a,b] [--reps 5] [--time 0.3] [--threads 2] [--json out.json]

or let `go run ./cmd/bench -compare` drive it in --serve mode, where it reads
lines "NAME SECONDS" on stdin and answers each with one JSON line
{"name":..., "value":...}, after a greeting line {"info": ...}; a line
"check NAME" is answered with {"name":..., "check": loss}, the loss after
three steps of a fresh build (the sum of the squared result for products),
which cmd/bench compares with its own to 5 significant digits.
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


class Stepper:
    """A workload's state: step() runs one step and keeps what check() reads."""

    def __init__(self, step, last):
        self.step, self.last = step, last


def checked(unit, work, build):
    """A workload whose setup builds a Stepper; "check NAME" runs three steps of a
    fresh build and answers the loss of the third (the sum of the squared result for
    products), the number cmd/bench compares with its own."""
    def setup():
        s = build()
        return s.step, work

    def check():
        s = build()
        for _ in range(3):
            s.step()
        return float(s.last())
    return unit, setup, check


def matmul(m, k, n):
    # The inputs do not require gradients, so no graph is recorded: no torch.no_grad()
    # (it only added about 1 µs per call).
    def build():
        torch.manual_seed(0)
        a, b = torch.randn(m, k), torch.randn(k, n)
        st = {}

        def step():
            st["c"] = torch.mm(a, b)
        return Stepper(step, lambda: (st["c"] * st["c"]).sum())
    return checked("GFLOP/s", 2.0 * m * k * n, build)


def matmul_out(m, k, n):
    def build():
        torch.manual_seed(0)
        a, b = torch.randn(m, k), torch.randn(k, n)
        c = torch.empty(m, n)

        def step():
            torch.mm(a, b, out=c)
        return Stepper(step, lambda: (c * c).sum())
    return checked("GFLOP/s", 2.0 * m * k * n, build)


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


def train(batch, shape, build, dtype=torch.float32, opt=lambda ps: torch.optim.SGD(ps, lr=0.01)):
    def mk():
        torch.manual_seed(0)
        model = build()
        o = opt(model.parameters())
        x = torch.randn(batch, *shape, dtype=dtype)
        y = torch.arange(batch) % 10
        lossf = nn.CrossEntropyLoss()
        st = {}

        def step():
            o.zero_grad()
            loss = lossf(model(x), y)
            loss.backward()
            o.step()
            st["loss"] = loss
        return Stepper(step, lambda: st["loss"].item())
    return checked("samples/s", float(batch), mk)


def mlp64(*widths):
    def build():
        layers = []
        for i in range(len(widths) - 1):
            if i > 0:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(widths[i], widths[i + 1], dtype=torch.float64))
        return nn.Sequential(*layers)
    return build


def infer(batch):
    """The forward pass of the MLP 784-256-256-10 under torch.no_grad() on a fixed random batch."""
    def mk():
        torch.manual_seed(0)
        model = mlp(784, 256, 256, 10)()
        x = torch.randn(batch, 784)
        st = {}

        def step():
            with torch.no_grad():
                st["out"] = model(x)
        return Stepper(step, lambda: (st["out"] * st["out"]).sum())
    if batch == 1:
        return checked("us/step", 1.0, mk)
    return checked("samples/s", float(batch), mk)


def conv_step():
    """Forward and backward of Conv2d(64, 64, 3, padding=1) on a (32, 64, 32, 32) input that
    requires its gradient, MSE against a fixed random target; gradients zeroed, no step."""
    def mk():
        torch.manual_seed(0)
        conv = nn.Conv2d(64, 64, 3, padding=1)
        x, y = torch.randn(32, 64, 32, 32), torch.randn(32, 64, 32, 32)
        x.requires_grad_(True)
        grads = torch.optim.SGD(list(conv.parameters()) + [x], lr=0.01)
        lossf = nn.MSELoss()
        st = {}

        def step():
            grads.zero_grad()
            loss = lossf(conv(x), y)
            loss.backward()
            st["loss"] = loss
        return Stepper(step, lambda: st["loss"].item())
    return checked("samples/s", 32.0, mk)


def cifar_net():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 8 * 8, 10),
    )


def linear_step():
    def mk():
        torch.manual_seed(0)
        layer = nn.Linear(3, 1)
        opt = torch.optim.SGD(layer.parameters(), lr=0.01)
        x, y = torch.randn(4, 3), torch.randn(4, 1)
        lossf = nn.MSELoss()
        st = {}

        def step():
            opt.zero_grad()
            loss = lossf(layer(x), y)
            loss.backward()
            opt.step()
            st["loss"] = loss
        return Stepper(step, lambda: st["loss"].item())
    return checked("us/step", 1.0, mk)


def recurrent_step(build):
    """A training step of a one-layer recurrent network (input 64, hidden 128) on a fixed random
    batch of 32 sequences of 50 steps, (L, N, H_in) = (50, 32, 64): MSE of the outputs against a
    fixed random target, SGD."""
    def mk():
        torch.manual_seed(0)
        model = build()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        x, y = torch.randn(50, 32, 64), torch.randn(50, 32, 128)
        lossf = nn.MSELoss()
        st = {}

        def step():
            opt.zero_grad()
            loss = lossf(model(x)[0], y)
            loss.backward()
            opt.step()
            st["loss"] = loss
        return Stepper(step, lambda: st["loss"].item())
    return checked("samples/s", 32.0, mk)


def transformer_enc_step(batch=32, seq=64, d=128):
    def mk():
        torch.manual_seed(0)
        layer = nn.TransformerEncoderLayer(d, 4, dim_feedforward=512, batch_first=True)
        opt = torch.optim.SGD(layer.parameters(), lr=0.01)
        x, y = torch.randn(batch, seq, d), torch.randn(batch, seq, d)
        lossf = nn.MSELoss()
        st = {}

        def step():
            opt.zero_grad()
            loss = lossf(layer(x), y)
            loss.backward()
            opt.step()
            st["loss"] = loss
        return Stepper(step, lambda: st["loss"].item())
    return checked("samples/s", float(batch), mk)


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
WORKLOADS["mlp_b1"] = train(1, (784,), mlp(784, 256, 256, 10))
WORKLOADS["mlp_b8"] = train(8, (784,), mlp(784, 256, 256, 10))
WORKLOADS["mlp_b2048"] = train(2048, (784,), mlp(784, 256, 256, 10))
WORKLOADS["mlp_f64_b64"] = train(64, (784,), mlp64(784, 256, 256, 10), dtype=torch.float64)
WORKLOADS["infer_b1"] = infer(1)
WORKLOADS["infer_b256"] = infer(256)
WORKLOADS["conv3x3_64_b32"] = conv_step()
WORKLOADS["cifar_cnn_b64"] = train(64, (3, 32, 32), cifar_net,
                                   opt=lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9))
WORKLOADS["mlp_adam_b64"] = train(64, (784,), mlp(784, 256, 256, 10), opt=lambda ps: torch.optim.Adam(ps))
WORKLOADS["lab_trial_adam_b32"] = train(32, (64,), mlp(64, 128, 10), opt=lambda ps: torch.optim.Adam(ps))
WORKLOADS["linear3_b4_step"] = linear_step()
WORKLOADS["lstm_h128_s50_b32"] = recurrent_step(lambda: nn.LSTM(64, 128))
WORKLOADS["gru_h128_s50_b32"] = recurrent_step(lambda: nn.GRU(64, 128))
WORKLOADS["transformer_enc_b32_s64"] = transformer_enc_step()

_state = {}


def measure(name, min_time):
    unit, setup, _ = WORKLOADS[name]
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
        if parts[0] == "check" and len(parts) == 2:
            try:
                print(json.dumps({"name": parts[1], "check": WORKLOADS[parts[1]][2]()}), flush=True)
            except Exception as e:  # report, keep serving
                print(json.dumps({"name": parts[1], "error": repr(e)}), flush=True)
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
        chk = WORKLOADS[name][2]()
        results.append({"name": name, "unit": WORKLOADS[name][0], "values": vals, "median": med, "spread": spread,
                        "check": chk})
        print("%-20s %-10s %10.4g %6.0f%%  loss %.6g" % (name, WORKLOADS[name][0], med, 100 * spread, chk), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info(), "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
