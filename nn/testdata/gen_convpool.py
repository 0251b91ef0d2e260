"""Reference data for the convolution and pooling variants of package nn (pool_nd.go, conv.go)
from the real PyTorch 1.13.1 (Debian python3-torch, CPU).

Run from this directory:  /usr/bin/python3 gen_convpool.py   -> writes convpool.json

The format is gen_layers.py's: "layers" (module built after torch.manual_seed(seed): repr,
state dict bits, forward/backward steps with input and parameter gradients), "repr" and
"errors". Cases whose name ends in "|f64" feed float64 inputs
(a module with parameters is built with dtype=torch.float64 in its expression, so its init
draws are float64 draws)."""
import json, struct
import torch
import torch.nn as nn
import torch.nn.functional as F

assert torch.__version__.startswith("1.13"), torch.__version__


def hx(v, dt):
    if dt == torch.float32:
        return '%08x' % struct.unpack('<I', struct.pack('<f', v))[0]
    return '%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]


def enc(t):
    if t is None:
        return None
    t = t.detach().contiguous()
    d = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape)}
    flat = t.reshape(-1).tolist()
    if t.dtype in (torch.float32, torch.float64):
        d["bits"] = [hx(v, t.dtype) for v in flat]
    else:
        d["values"] = flat
    return d


NS = dict(vars(nn), torch=torch)

SEED = 42
gen = torch.Generator().manual_seed(1234)


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def state(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def step(m, train, xs, dtype):
    m.train(train)
    m.zero_grad(set_to_none=True)
    ins = []
    for x in xs:
        if x.dtype.is_floating_point:
            x = x.clone().requires_grad_()
        ins.append(x)
    out = m(*ins)
    gy = randn(*out.shape, dtype=out.dtype)
    out.backward(gy)
    grads = {}
    for i, x in enumerate(ins):
        if x.requires_grad:
            grads["x" if i == 0 else "x%d" % (i + 1)] = enc(x.grad)
    for n, p in m.named_parameters():
        grads[n] = enc(p.grad)
    s = {"train": train, "x": enc(ins[0]), "gy": enc(gy), "out": enc(out), "grads": grads,
         "state_after": state(m)}
    if len(ins) > 1:
        s["x2"] = enc(ins[1])
    return s


layers = []


def case(name, inputs, modes=(True,), expr=None, dtype=torch.float32):
    """inputs: function returning the list of inputs for one step (called once per mode)."""
    torch.manual_seed(SEED)
    m = eval(expr or name, NS)
    rec = {"name": name, "seed": SEED, "repr": repr(m), "state_dict_keys": list(m.state_dict().keys()),
           "state_dict": state(m), "named_parameters": [n for n, _ in m.named_parameters()]}
    rec["steps"] = [step(m, train, inputs(), dtype) for train in modes]
    layers.append(rec)


f32, f64 = torch.float32, torch.float64
X = lambda *s: (lambda: [randn(*s)])
X64 = lambda *s: (lambda: [randn(*s, dtype=f64)])


f32, f64 = torch.float32, torch.float64
X = lambda *s: (lambda: [randn(*s)])
X64 = lambda *s: (lambda: [randn(*s, dtype=f64)])


def both(name, shape, modes=(True,)):
    case(name, X(*shape), modes)
    case(name + "|f64", X64(*shape), modes, expr=name, dtype=f64)


# ---- pooling ------------------------------------------------------------------------------
both("MaxPool1d(2)", (2, 3, 7))
both("MaxPool1d(3,stride=2,padding=1,dilation=2,ceil_mode=True)", (2, 3, 10))
both("MaxPool1d(3,stride=1)", (3, 9))
both("MaxPool3d(2)", (2, 2, 4, 5, 4))
both("MaxPool3d((2,3,2),stride=(1,2,2),padding=(1,1,0),dilation=(2,1,1),ceil_mode=True)", (1, 2, 5, 6, 5))
both("MaxPool3d(3,stride=2,padding=1)", (2, 5, 6, 7))
both("AvgPool1d(2)", (2, 3, 7))
both("AvgPool1d(3,stride=2,padding=1,ceil_mode=True,count_include_pad=False)", (2, 3, 10))
both("AvgPool1d(4,stride=3,padding=2)", (3, 11))
both("AvgPool3d(2)", (2, 2, 4, 5, 4))
both("AvgPool3d((2,3,3),stride=(1,2,2),padding=(1,1,1),ceil_mode=True,count_include_pad=False)", (1, 2, 5, 6, 5))
both("AvgPool3d(3,stride=2,padding=1)", (2, 5, 6, 7))
both("AdaptiveAvgPool1d(3)", (2, 3, 8))
both("AdaptiveAvgPool1d(4)", (3, 11))
both("AdaptiveMaxPool1d(3)", (2, 3, 8))
both("AdaptiveMaxPool1d(5)", (3, 7))
both("AdaptiveMaxPool2d((3,4))", (2, 3, 7, 9))
both("AdaptiveMaxPool2d(2)", (3, 5, 5))
both("AdaptiveMaxPool2d((5,1))", (1, 2, 5, 3))
both("Unflatten(1,(2,5))", (3, 10))
both("Unflatten(-1,(2,-1,3))", (2, 3, 12))

# ---- transposed convolutions -------------------------------------------------------------
D64 = ",dtype=torch.float64)"


def conv(expr, shape):
    case(expr, X(*shape))
    case(expr + "|f64", X64(*shape), expr=expr[:-1] + D64, dtype=f64)


conv("ConvTranspose1d(3,4,3)", (2, 3, 5))
conv("ConvTranspose1d(4,6,3,stride=2,padding=1,output_padding=1,dilation=2,groups=2)", (2, 4, 6))
conv("ConvTranspose1d(2,3,4,stride=3,bias=False)", (2, 7))
conv("ConvTranspose3d(2,3,2)", (2, 2, 3, 2, 3))
conv("ConvTranspose3d(4,2,3,stride=2,padding=1,output_padding=1,groups=2)", (1, 4, 2, 3, 2))
conv("ConvTranspose3d(2,2,(1,2,3),stride=(1,2,1),dilation=(1,1,2),bias=False)", (2, 2, 3, 3))

# ---- padding_mode -------------------------------------------------------------------------
for mode in ("reflect", "replicate", "circular", "zeros"):
    conv("Conv1d(2,3,3,padding=2,padding_mode='%s')" % mode, (2, 2, 7))
    conv("Conv2d(2,4,3,stride=2,padding=(1,2),padding_mode='%s')" % mode, (2, 2, 6, 7))
    conv("Conv3d(2,2,3,padding=1,bias=False,padding_mode='%s')" % mode, (1, 2, 4, 3, 5))
    conv("Conv2d(2,2,4,padding='same',dilation=(1,2),padding_mode='%s')" % mode, (1, 2, 6, 9))
conv("Conv1d(4,2,3,padding=1,groups=2,padding_mode='circular')", (2, 4, 5))

# ---- Upsample -----------------------------------------------------------------------------
both("Upsample(scale_factor=2)", (2, 3, 4, 5))
both("Upsample(scale_factor=3)", (2, 3, 5))
both("Upsample(scale_factor=(1.5,2.5))", (1, 2, 5, 4))
both("Upsample(size=(7,3))", (2, 2, 4, 5))
both("Upsample(size=5)", (1, 2, 3, 2, 4))
both("Upsample(scale_factor=0.5)", (1, 2, 7, 6))
both("Upsample(scale_factor=2,mode='bilinear')", (2, 3, 4, 5))
both("Upsample(scale_factor=2,mode='bilinear',align_corners=True)", (2, 3, 4, 5))
both("Upsample(size=(7,3),mode='bilinear')", (1, 2, 4, 5))
both("Upsample(size=(7,9),mode='bilinear',align_corners=True)", (1, 2, 4, 5))
both("Upsample(scale_factor=(1.7,0.6),mode='bilinear')", (2, 2, 5, 6))
both("Upsample(size=(1,6),mode='bilinear',align_corners=True)", (1, 2, 3, 4))

# ---- F.pad --------------------------------------------------------------------------------
pads = []
for mode, shape, pad, value in [
    ("constant", (2, 3, 4), (1, 2), 0.0), ("constant", (2, 3, 4, 5), (-1, 2, 0, 1), 1.5),
    ("constant", (3, 4), (1, 1, 2, 0), 0.0),
    ("reflect", (2, 3, 5), (2, 4), None), ("reflect", (3, 4, 5), (1, 3, 2, 1), None),
    ("reflect", (1, 2, 3, 4, 5), (1, 2, 0, 3, 2, 1), None),
    ("replicate", (2, 3, 5), (3, 4), None), ("replicate", (2, 3, 4, 5), (1, 0, 2, 2), None),
    ("replicate", (2, 3, 4, 3), (2, 1, 1, 2, 3, 0), None),
    ("circular", (2, 3, 5), (3, 2), None), ("circular", (2, 3, 4, 5), (1, 3, 2, 4), None),
    ("circular", (1, 2, 3, 4, 5), (2, 1, 1, 2, 3, 0), None),
]:
    for dt in (f32, f64):
        x = randn(*shape, dtype=dt).requires_grad_()
        kw = {} if value is None else {"value": value}
        y = F.pad(x, pad, mode=mode, **kw)
        gy = randn(*y.shape, dtype=dt)
        y.backward(gy)
        pads.append({"mode": mode, "pad": list(pad), "value": value or 0.0, "x": enc(x), "out": enc(y),
                     "gy": enc(gy), "gx": enc(x.grad)})

# ---- reprs only --------------------------------------------------------------------------
reprs = {}
for e in [
    "MaxPool1d(2)", "MaxPool1d(3,stride=1,padding=1,dilation=2,ceil_mode=True)", "MaxPool3d(2)",
    "MaxPool3d((2,3,2),stride=(1,2,2),padding=1,ceil_mode=True)", "AvgPool1d(3)",
    "AvgPool1d(3,stride=2,padding=1,ceil_mode=True,count_include_pad=False)", "AvgPool3d(2)",
    "AvgPool3d((1,2,3),stride=1,padding=(0,1,1))", "AdaptiveAvgPool1d(5)", "AdaptiveMaxPool1d(5)",
    "AdaptiveMaxPool2d((5,7))", "AdaptiveMaxPool2d(1)", "Unflatten(1,(2,5))", "Unflatten(-1,(2,-1))",
    "ConvTranspose1d(3,4,3)", "ConvTranspose1d(4,6,3,stride=2,padding=1,output_padding=1,dilation=2,groups=2,bias=False)",
    "Upsample(scale_factor=2)", "Upsample(size=(4,6),mode='bilinear')", "Upsample(size=5)",
    "Upsample(scale_factor=(2,3),mode='bilinear',align_corners=True)",
    "Conv2d(3,4,3,padding=1,padding_mode='reflect')", "Conv1d(2,4,3,padding=1,bias=False,padding_mode='circular')",
    "Conv3d(2,4,3,padding=1,padding_mode='zeros')", "Conv2d(2,4,3,padding='same',padding_mode='replicate')",
    "ConvTranspose3d(2,3,2)", "ConvTranspose3d(4,2,(1,2,3),stride=(1,2,1),padding=(0,1,1),output_padding=(0,1,0))",
]:
    reprs[e] = repr(eval(e, NS))

# ---- PyTorch's error messages ------------------------------------------------------------
errors = {}


def err(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        errors[name] = "%s: %s" % (type(e).__name__, e)
        return
    raise SystemExit("no error for " + name)


err("unflatten sizes", lambda: nn.Unflatten(1, (2, 4))(torch.zeros(3, 10)))
err("maxpool1d rank", lambda: nn.MaxPool1d(2)(torch.zeros(2, 3, 4, 5)))
err("avgpool1d rank", lambda: nn.AvgPool1d(2)(torch.zeros(2, 3, 4, 5)))
err("adaptive_avg_pool1d rank", lambda: nn.AdaptiveAvgPool1d(2)(torch.zeros(2, 3, 4, 5)))
err("maxpool3d rank", lambda: nn.MaxPool3d(2)(torch.zeros(2, 3, 4)))
err("adaptive_max_pool2d rank", lambda: nn.AdaptiveMaxPool2d(2)(torch.zeros(3, 4)))

err("pad reflect too large", lambda: F.pad(torch.zeros(1, 2, 3), (3, 3), mode="reflect"))
err("pad non-constant 5-d with 2", lambda: F.pad(torch.zeros(1, 2, 3, 4, 5), (1, 1), mode="reflect"))
err("pad odd", lambda: F.pad(torch.zeros(1, 2, 3), (1,)))
out = {"torch_version": torch.__version__, "pad": pads, "layers": layers, "repr": reprs, "errors": errors}
with open("convpool.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(len(layers), "layer cases,", len(reprs), "reprs,", len(errors), "errors")
