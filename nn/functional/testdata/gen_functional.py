#!/usr/bin/env python3
"""Reference data for package nn/functional, from PyTorch 1.13 on the CPU.

Run with the reference build (Debian's python3-torch 1.13.1, no MKL):

    /usr/bin/python3 gen_functional.py   # writes functional.json here

Every case stores its inputs (float32 values, exact in their shortest decimal
form), the forward output, a fixed tensor r of the output's shape and the
gradients of sum(out * r) with respect to every floating-point input, computed
by PyTorch in float32 ("out", "grads") and, from the same values, in float64
("out64", "grads64", 12 significant digits). The float64 results serve as the
exact reference: the Go tests check float64 results against them tightly and
float32 results against both. BatchNorm cases also store the running
statistics after the call; dropout cases store bit patterns and the generator
state after the call (the next torch.rand(3)). The output is deterministic.
"""
import json
import math
import os
import struct

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
gen = torch.Generator().manual_seed(20240601)


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def enc(t, bits=False):
    """A tensor as JSON: float32 values in their shortest round-trip form,
    float64 values to 12 significant digits (float64 results are references
    for tolerance checks, not bit patterns), int64 values exactly."""
    t = t.detach().contiguous()
    flat = t.flatten().tolist()
    if t.dtype == torch.float32:
        vals = [float(np.format_float_positional(np.float32(v), unique=True, trim="-")) if math.isfinite(v) else v for v in flat]
    elif t.dtype == torch.float64 and not bits:
        vals = [float("%.12g" % v) for v in flat]
    else:
        vals = flat
    d = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "values": vals}
    if bits and t.dtype == torch.float32:
        d["bits"] = [format(struct.unpack("<I", struct.pack("<f", v))[0], "08x") for v in flat]
    return d


cases = []


def run(inputs, fn, nograd, dtype, r=None):
    leaves = {}
    for k, v in inputs.items():
        if v is None:
            leaves[k] = None
            continue
        v = v.clone()
        if v.is_floating_point():
            v = v.to(dtype)
            if k not in nograd:
                v.requires_grad_(True)
        leaves[k] = v
    out = fn(**leaves)
    if r is None:
        r = randn(*out.shape, dtype=out.dtype)
    (out * r.to(out.dtype)).sum().backward()
    grads = {k: enc(v.grad) for k, v in leaves.items() if v is not None and v.grad is not None}
    return leaves, out, r, grads


def add(name, op, kw, inputs, fn, nograd=(), extra=None):
    """inputs: dict name -> float32 or int64 tensor (float tensors become
    leaves requiring grad unless listed in nograd); fn(**inputs) -> output.
    The case is run in float32 and, on the same values, in float64."""
    saved = {k: enc(v) for k, v in inputs.items() if v is not None}
    leaves, out, r, grads = run(inputs, fn, nograd, torch.float32)
    case = {"name": name, "op": op, "kw": kw, "inputs": saved, "r": enc(r), "out": enc(out), "grads": grads}
    if extra:
        case.update(extra(leaves))
    leaves64, out64, _, grads64 = run(inputs, fn, nograd, torch.float64, r)
    case["out64"] = enc(out64)
    case["grads64"] = grads64
    if extra:
        case.update({k + "64": v for k, v in extra(leaves64).items() if k != "indices"})
    cases.append(case)


def conv_case(name, nd, xs, ws, bias=True, **kw):
    f = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    inputs = {"x": randn(*xs), "w": randn(*ws), "b": randn(ws[0]) if bias else None}
    add(name, "conv%dd" % nd, kw, inputs, lambda x, w, b: f(x, w, b, **kw))


def convt_case(name, nd, xs, ws, bias=True, **kw):
    f = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]
    cout = ws[1] * kw.get("groups", 1)
    inputs = {"x": randn(*xs), "w": randn(*ws), "b": randn(cout) if bias else None}
    add(name, "conv_transpose%dd" % nd, kw, inputs, lambda x, w, b: f(x, w, b, **kw))


# ---- convolutions
conv_case("conv2d_basic", 2, (2, 3, 7, 6), (4, 3, 3, 3))
conv_case("conv2d_stride_pad", 2, (2, 3, 9, 8), (5, 3, 3, 2), stride=[2, 3], padding=[1, 2])
conv_case("conv2d_dilation", 2, (1, 2, 9, 9), (3, 2, 3, 3), dilation=[2, 1], padding=[2, 2])
conv_case("conv2d_groups", 2, (2, 4, 6, 6), (6, 2, 3, 3), padding=[1], groups=2)
conv_case("conv2d_depthwise", 2, (2, 3, 5, 5), (3, 1, 3, 3), stride=[2], groups=3)
conv_case("conv2d_same_even", 2, (1, 3, 6, 5), (2, 3, 4, 2), padding="same")
conv_case("conv2d_same_dilated", 2, (2, 2, 7, 6), (3, 2, 3, 2), padding="same", dilation=[2, 3])
conv_case("conv2d_valid", 2, (1, 3, 6, 5), (2, 3, 4, 2), padding="valid")
conv_case("conv2d_1x1", 2, (3, 4, 5, 5), (6, 4, 1, 1))
conv_case("conv2d_1x1_groups", 2, (3, 4, 5, 5), (6, 2, 1, 1), groups=2)
conv_case("conv2d_1x1_stride", 2, (2, 4, 5, 5), (3, 4, 1, 1), stride=[2])
conv_case("conv2d_unbatched", 2, (3, 7, 6), (4, 3, 3, 3), padding=[1])
conv_case("conv2d_nobias", 2, (2, 3, 5, 5), (2, 3, 2, 2), bias=False, stride=[1, 2])
conv_case("conv2d_all", 2, (3, 6, 11, 10), (4, 3, 3, 2), stride=[2, 1], padding=[2, 1], dilation=[2, 3], groups=2)
conv_case("conv2d_lenet", 2, (4, 1, 28, 28), (6, 1, 5, 5))
conv_case("conv1d_basic", 1, (2, 3, 10), (4, 3, 3), stride=[2], padding=[1], dilation=[2])
conv_case("conv1d_groups_same", 1, (2, 4, 9), (6, 2, 4), padding="same", groups=2)
conv_case("conv1d_unbatched", 1, (3, 8), (2, 3, 3))
conv_case("conv3d_basic", 3, (2, 2, 5, 6, 4), (4, 2, 3, 2, 3), stride=[1, 2, 1], padding=[1, 0, 1], dilation=[1, 1, 2])
conv_case("conv3d_groups", 3, (1, 4, 4, 5, 5), (4, 2, 2, 3, 3), groups=2, padding=[1])
conv_case("conv3d_same", 3, (1, 2, 4, 5, 4), (3, 2, 2, 3, 2), padding="same")

convt_case("conv_transpose2d_basic", 2, (2, 4, 4, 5), (4, 3, 3, 3))
convt_case("conv_transpose2d_stride_outpad", 2, (2, 4, 4, 5), (4, 3, 3, 3), stride=[2], padding=[1], output_padding=[1])
convt_case("conv_transpose2d_groups", 2, (2, 4, 3, 4), (4, 2, 3, 2), stride=[2, 3], padding=[0, 1], output_padding=[1, 2], groups=2)
convt_case("conv_transpose2d_dilation", 2, (1, 3, 4, 4), (3, 2, 3, 3), stride=[2], dilation=[2], output_padding=[1])
convt_case("conv_transpose2d_nobias", 2, (2, 2, 3, 3), (2, 3, 2, 2), bias=False, stride=[2])
convt_case("conv_transpose2d_unbatched", 2, (4, 3, 3), (4, 2, 3, 3), padding=[1])
convt_case("conv_transpose2d_1x1", 2, (2, 4, 3, 3), (4, 3, 1, 1))
convt_case("conv_transpose1d", 1, (2, 4, 6), (4, 3, 3), stride=[3], padding=[1], output_padding=[2], groups=2)
convt_case("conv_transpose3d", 3, (1, 2, 3, 3, 2), (2, 3, 2, 3, 2), stride=[2, 1, 2], padding=[0, 1, 0], output_padding=[1, 0, 0])

# ---- unfold / fold
add("unfold", "unfold", {"kernel_size": [2, 3], "dilation": [1, 2], "padding": [1, 0], "stride": [2, 1]},
    {"x": randn(2, 3, 6, 7)},
    lambda x: F.unfold(x, kernel_size=(2, 3), dilation=(1, 2), padding=(1, 0), stride=(2, 1)))
add("unfold_unbatched", "unfold", {"kernel_size": [3], "dilation": [1], "padding": [1], "stride": [2]},
    {"x": randn(2, 5, 5)}, lambda x: F.unfold(x, 3, 1, 1, 2))
add("fold", "fold", {"output_size": [6, 7], "kernel_size": [2, 3], "dilation": [1, 2], "padding": [1, 0], "stride": [2, 1]},
    {"x": randn(2, 18, 12)},
    lambda x: F.fold(x, (6, 7), kernel_size=(2, 3), dilation=(1, 2), padding=(1, 0), stride=(2, 1)))
add("fold_unbatched", "fold", {"output_size": [4, 5], "kernel_size": [2], "dilation": [1], "padding": [0], "stride": [1]},
    {"x": randn(8, 12)}, lambda x: F.fold(x, (4, 5), 2))

# ---- pooling
def maxpool(name, xs, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    kw = {"kernel_size": kernel, "stride": stride or [], "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    add(name, "max_pool2d", kw, {"x": randn(*xs)},
        lambda x: F.max_pool2d(x, kernel, stride or None, padding, dilation, ceil_mode),
        extra=lambda L: {"indices": enc(F.max_pool2d(L["x"], kernel, stride or None, padding, dilation, ceil_mode, return_indices=True)[1])})


maxpool("max_pool2d_k2", (2, 3, 8, 8), [2])
maxpool("max_pool2d_k3s2p1", (2, 2, 9, 7), [3], [2], [1])
maxpool("max_pool2d_ceil", (1, 2, 8, 8), [3], [2], [0], ceil_mode=True)
maxpool("max_pool2d_ceil_pad", (1, 2, 7, 6), [3, 2], [2, 2], [1, 1], ceil_mode=True)
maxpool("max_pool2d_dilation", (2, 2, 9, 9), [3], [1], [1], [2])
maxpool("max_pool2d_rect", (3, 7, 9), [2, 3], [1, 2], [1, 1])


def avgpool(name, xs, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor=None):
    kw = {"kernel_size": kernel, "stride": stride or [], "padding": padding, "ceil_mode": ceil_mode,
          "count_include_pad": count_include_pad, "divisor_override": divisor or 0}
    add(name, "avg_pool2d", kw, {"x": randn(*xs)},
        lambda x: F.avg_pool2d(x, kernel, stride or None, padding, ceil_mode, count_include_pad, divisor))


avgpool("avg_pool2d_k2", (2, 3, 8, 8), [2])
avgpool("avg_pool2d_pad_include", (2, 2, 9, 7), [3], [2], [1])
avgpool("avg_pool2d_pad_exclude", (2, 2, 9, 7), [3], [2], [1], count_include_pad=False)
avgpool("avg_pool2d_ceil_include", (1, 2, 8, 7), [3], [2], [1], ceil_mode=True)
avgpool("avg_pool2d_ceil_exclude", (1, 2, 8, 7), [3, 2], [2, 2], [1, 1], ceil_mode=True, count_include_pad=False)
avgpool("avg_pool2d_divisor", (1, 2, 6, 6), [3], [2], [1], divisor=5)
avgpool("avg_pool2d_unbatched", (3, 7, 9), [2, 3], [1, 2], [1, 1])

for i, (xs, o) in enumerate([((2, 3, 7, 9), [3, 4]), ((1, 2, 5, 5), [2, 2]), ((2, 2, 6, 6), [1, 1]),
                             ((1, 2, 4, 4), [6, 5]), ((3, 10, 7), [4, 3])]):
    add("adaptive_avg_pool2d_%d" % i, "adaptive_avg_pool2d", {"output_size": o}, {"x": randn(*xs)},
        lambda x, o=o: F.adaptive_avg_pool2d(x, o))


# ---- normalization
def bn(name, xs, training=True, affine=True, track=True, momentum=0.1, eps=1e-5):
    c = xs[1]
    inputs = {"x": randn(*xs) * 2 + 0.5,
              "running_mean": randn(c) * 0.1 if track else None,
              "running_var": (randn(c) * 0.1).abs() + 1 if track else None,
              "weight": randn(c) if affine else None,
              "bias": randn(c) if affine else None}
    kw = {"training": training, "momentum": momentum, "eps": eps}
    add(name, "batch_norm", kw, inputs,
        lambda x, running_mean, running_var, weight, bias: F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps),
        nograd=("running_mean", "running_var"),
        extra=lambda L: {"running_after": {k: enc(L[k]) for k in ("running_mean", "running_var") if L[k] is not None}})


bn("batch_norm_2d", (8, 3))
bn("batch_norm_3d_noaffine", (4, 3, 5), affine=False)
bn("batch_norm_4d", (2, 3, 4, 5), momentum=0.3)
bn("batch_norm_eval", (2, 3, 4, 5), training=False)
bn("batch_norm_eval_noaffine", (3, 2, 4), training=False, affine=False)
bn("batch_norm_no_running", (4, 3, 2, 2), track=False)
bn("batch_norm_eps", (5, 2, 3), eps=1e-3)

# momentum=None: the module passes 1/num_batches_tracked; two steps.
m = nn.BatchNorm2d(3, momentum=None)
xa, xb = randn(2, 3, 3, 3), randn(2, 3, 3, 3) * 3 - 1
m(xa)
m(xb)
cases.append({"name": "batch_norm_cumulative", "op": "batch_norm_cumulative", "kw": {},
              "inputs": {"xa": enc(xa), "xb": enc(xb)},
              "running_after": {"running_mean": enc(m.running_mean), "running_var": enc(m.running_var)},
              "num_batches_tracked": int(m.num_batches_tracked)})


def ln(name, xs, ns, weight=True, bias=True, eps=1e-5):
    inputs = {"x": randn(*xs) * 2 + 1, "weight": randn(*ns) if weight else None, "bias": randn(*ns) if bias else None}
    add(name, "layer_norm", {"normalized_shape": ns, "eps": eps}, inputs,
        lambda x, weight, bias: F.layer_norm(x, ns, weight, bias, eps))


ln("layer_norm_2d", (4, 5), [5])
ln("layer_norm_3d", (2, 3, 4), [3, 4])
ln("layer_norm_weight_only", (3, 6), [6], bias=False)
ln("layer_norm_bias_only", (3, 6), [6], weight=False)
ln("layer_norm_plain", (2, 2, 7), [7], weight=False, bias=False, eps=1e-3)

# ---- linear, bilinear, embedding
add("linear", "linear", {}, {"x": randn(4, 5), "w": randn(3, 5), "b": randn(3)}, lambda x, w, b: F.linear(x, w, b))
add("linear_3d_nobias", "linear", {}, {"x": randn(2, 3, 5), "w": randn(4, 5), "b": None}, lambda x, w, b: F.linear(x, w, b))
add("linear_1d", "linear", {}, {"x": randn(5), "w": randn(2, 5), "b": randn(2)}, lambda x, w, b: F.linear(x, w, b))
add("linear_big", "linear", {}, {"x": randn(33, 70), "w": randn(17, 70), "b": randn(17)}, lambda x, w, b: F.linear(x, w, b))
add("bilinear", "bilinear", {}, {"x1": randn(4, 3), "x2": randn(4, 2), "w": randn(5, 3, 2), "b": randn(5)},
    lambda x1, x2, w, b: F.bilinear(x1, x2, w, b))
add("bilinear_3d_nobias", "bilinear", {}, {"x1": randn(2, 3, 4), "x2": randn(2, 3, 2), "w": randn(3, 4, 2), "b": None},
    lambda x1, x2, w, b: F.bilinear(x1, x2, w, b))
idx = torch.tensor([[0, 2, 1], [2, 5, 1]])
add("embedding_pad", "embedding", {"padding_idx": 1}, {"idx": idx, "weight": randn(6, 4)},
    lambda idx, weight: F.embedding(idx, weight, padding_idx=1))
add("embedding_negpad", "embedding", {"padding_idx": -4}, {"idx": idx, "weight": randn(6, 4)},
    lambda idx, weight: F.embedding(idx, weight, padding_idx=-4))
add("embedding_nopad", "embedding", {"padding_idx": None}, {"idx": torch.tensor([3, 3, 0, 3]), "weight": randn(4, 3)},
    lambda idx, weight: F.embedding(idx, weight))

# ---- dropout (bit patterns; no-MKL bernoulli_)
for name, shape, p, seed, dtype in [("dropout_f32", (5, 7), 0.3, 3, torch.float32),
                                    ("dropout_f32_p09", (40,), 0.9, 11, torch.float32),
                                    ("dropout_f64", (3, 4), 0.5, 7, torch.float64)]:
    x = torch.linspace(-2, 3, shape[0] * (shape[1] if len(shape) > 1 else 1), dtype=dtype).reshape(shape)
    torch.manual_seed(seed)
    y = F.dropout(x, p, training=True)
    after = torch.rand(3)  # the generator's state after the call
    cases.append({"name": name, "op": "dropout", "kw": {"p": p, "seed": seed}, "inputs": {"x": enc(x, bits=True)},
                  "out": enc(y, bits=True), "rand_after": enc(after, bits=True)})

data = {"torch_version": torch.__version__, "generator": "gen_functional.py", "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "functional.json")
with open(path, "w") as f:
    json.dump(data, f, separators=(",", ":"))
print("wrote", path, len(cases), "cases")
