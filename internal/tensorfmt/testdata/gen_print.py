#!/usr/bin/env python3
"""Generate print_cases.json: expected PyTorch 1.13 str(tensor) outputs.

Run with a Python that has torch 1.13 installed (e.g. Debian's python3-torch):

    /usr/bin/python3 gen_print.py > print_cases.json

Each case records the tensor's shape, dtype, elements (floats as hex IEEE-754
bits of the tensor's own dtype), the suffixes PyTorch appends after the data
(dtype / grad_fn / requires_grad, derived the same way torch/_tensor_str.py
does, except the empty-tensor size/dtype suffixes that Format adds itself)
and the exact str() output.
"""
import json
import math
import struct
import sys

import torch

assert torch.__version__.startswith("1.13"), torch.__version__

cases = []


def add(name, t):
    flat = t.detach().reshape(-1)
    if t.dtype == torch.float32:
        vals = ["%08x" % struct.unpack("<I", struct.pack("<f", x))[0] for x in flat.tolist()]
    elif t.dtype == torch.float64:
        vals = ["%016x" % struct.unpack("<Q", struct.pack("<d", x))[0] for x in flat.tolist()]
    elif t.dtype in (torch.int64, torch.bool):
        vals = flat.tolist()
    else:
        raise ValueError(t.dtype)
    suffixes = []
    if t.numel() > 0 and t.dtype not in (torch.float32, torch.int64, torch.bool):
        suffixes.append("dtype=" + str(t.dtype))
    elif t.numel() == 0 and t.dtype == torch.float64:
        suffixes.append("dtype=" + str(t.dtype))
    if t.grad_fn is not None:
        suffixes.append("grad_fn=<%s>" % type(t.grad_fn).__name__)
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    cases.append({
        "name": name,
        "dtype": str(t.dtype).replace("torch.", ""),
        "shape": list(t.shape),
        "values": vals,
        "suffixes": suffixes,
        "str": str(t),
    })


nan, inf = math.nan, math.inf
T = torch.tensor

# 4-D and deeper nesting.
add("4-D arange/3-4", torch.arange(48.).reshape(2, 3, 2, 4) / 3 - 4)
torch.manual_seed(1)
add("4-D randn", torch.randn(2, 2, 3, 3))
add("5-D single row", T([[[[[1.5, -2.0, 3.25]]]]]))
add("3-D int64", torch.arange(-6, 6).reshape(2, 3, 2))
# Summarization.
torch.manual_seed(2)
add("summarized 3-D randn(10, 8, 20)", torch.randn(10, 8, 20))
add("summarized 3-D first dim short (2, 30, 30)", torch.randn(2, 30, 30))
add("summarized 3-D (3, 20, 30) int mode", torch.arange(1800.).reshape(3, 20, 30))
add("summarized int64 arange(-500, 1500)", torch.arange(-500, 1500))
add("summarized int64 2-D randint", torch.randint(-10**12, 10**12, (40, 40)))
add("summarized bool", torch.arange(1001) % 3 == 0)
big = torch.arange(2000.) / 4
big[1000] = 1e10
add("summarized hidden outlier does not affect formatter", big)
add("summarized 2-D exactly 7 rows (7, 200)", torch.arange(1400.).reshape(7, 200) - 700)
# Wide rows wrapping in 2-D.
torch.manual_seed(3)
add("2-D wide rows randn(3, 20)*100", torch.randn(3, 20) * 100)
add("2-D wide rows int64 (2, 30)", torch.arange(60).reshape(2, 30) * 1000)
add("1-D bool wrapping", torch.arange(40) % 2 == 0)
add("2-D bool", T([[True, False], [False, False]]))
# Sign and width cases.
torch.manual_seed(4)
add("all negative", -torch.rand(5) - 0.1)
add("all negative int mode", T([-1., -20., -300.]))
add("width > 10 sci", T([1e-30, -1e30]))
add("width > 10 sci float64 3-digit exponent", T([1e-300, -1e300, 1.0], dtype=torch.float64))
add("width > 10 fixed", T([12345678.5, 100000.25]))
add("int mode wide", T([99999999., 100000.]))
add("int mode wide wrapping", torch.arange(20.) * 4999999 + 100000)
add("int mode sci by ratio", T([1., 1e4]))
add("int mode sci by max", T([1e9]))
add("fixed at max just under 1e8", T([9.9e7, 1e5 + 0.5], dtype=torch.float64))
add("sci by min < 1e-4", T([9e-5, 0.5]))
add("fixed min exactly 1e-4 float64", T([1e-4, 0.05], dtype=torch.float64))
add("ratio exactly 1000 fixed", T([0.5, 500.]))
add("ratio just over 1000", T([0.5, 500.25]))
# Zeros, nan, inf.
add("zeros float 2-D", torch.zeros(3, 2))
add("zeros 0-d", torch.tensor(0.))
add("negative zero 0-d", torch.tensor(-0.))
add("negative zero fixed", T([-0.0, 0.5]))
add("negative zero sci", T([-0.0, 1e-5, 1.0]))
add("negative zeros only", T([-0.0, 0.0]))
add("all nan", T([nan, nan]))
add("nan 0-d", torch.tensor(nan))
add("single inf", T([inf]))
add("single inf 0-d", torch.tensor(inf))
add("-inf int mode", T([-inf, 1., 2.]))
add("nan and -inf fixed", T([nan, 0.5, -inf]))
add("nan sci", T([nan, 1e-5, 1.]))
add("inf int mode wide", T([inf, -inf, nan, 12345.]))
add("nan with zero", T([nan, 0.]))
add("neg nan", -T([nan, 2.]))
# Elements wider than the formatter width (PyTorch exceeds 80 columns here).
add("zeros(30): width 1 but '0.' printed", torch.zeros(30))
add("nan x 20: width 1", T([nan] * 20))
add("-0. wider than int-mode width", T([-0.0] * 2 + [1.0] * 20))
add("-0.0000e+00 wider than sci width", T([-0.0] * 3 + [1e-5] * 10))
# Rounding: round-half-even on exact binary values.
add("ties fixed", T([0.03125, 0.15625, -0.46875, 1.5]))
add("ties sci", T([1.03125, 1e-5, 2.03125e10]))
add("ties float64 fixed", T([2.00005, 0.00015, 1.0], dtype=torch.float64))
add("rounding up to wider string", T([9.99995, 0.5]))
# Scalars.
add("0-d int64", torch.tensor(-7))
add("0-d bool", torch.tensor(True))
add("0-d float64", torch.tensor(3.0, dtype=torch.float64))
add("0-d sci", torch.tensor(1e-7))
# Empty tensors.
add("empty int64", torch.tensor([], dtype=torch.int64))
add("empty bool (0, 3)", torch.zeros(0, 3, dtype=torch.bool))
add("empty float64 (2, 0, 3) requires_grad",
    torch.zeros(2, 0, 3, dtype=torch.float64, requires_grad=True))
add("empty float (0,)", torch.zeros(0, requires_grad=True))
# Suffix wrapping.
add("suffix wraps float64 requires_grad",
    torch.linspace(0, 1, 8, dtype=torch.float64, requires_grad=True))
x = torch.linspace(0, 1, 9, requires_grad=True)
add("suffix wraps grad_fn", x * 2)
add("suffix fits exactly", torch.arange(1., 10.).requires_grad_())
add("suffix after 2-D wrap", torch.arange(30., dtype=torch.float64).reshape(2, 15) / 7)
add("suffix 0-d grad_fn", (torch.ones(3, requires_grad=True) * 2).sum())
add("suffix int64-ish float64 int mode", torch.arange(12., dtype=torch.float64))
# Random batch across shapes, scales and dtypes.
torch.manual_seed(5)
shapes = [(1,), (7,), (13,), (2, 9), (5, 1), (1, 5), (3, 4, 5), (2, 1, 3, 2), (33,), (6, 11)]
scales = [1e-6, 1e-3, 0.1, 1.0, 37.0, 1e4, 1e9]
i = 0
for shp in shapes:
    for sc in scales:
        i += 1
        t = torch.randn(*shp) * sc
        if i % 3 == 0:
            t = t.round()
        if i % 4 == 0:
            t = t.double()
        if i % 5 == 0:
            t = t.abs()
        add("random %s * %g" % (shp, sc), t)
    add("random int64 %s" % (shp,), torch.randint(-1000, 1000, shp))

json.dump(cases, sys.stdout, indent=0)
sys.stdout.write("\n")
