"""Reference data for the layers of package nn (conv.go, norm.go, layers.go) from the real
PyTorch 1.13.1 (Debian python3-torch, CPU, AVX2 build, no MKL).

Run from this directory:  /usr/bin/python3 gen_layers.py   -> writes layers.json

Sections
  layers  one entry per module expression (the name is the Python expression, evaluated in the
          torch.nn namespace; a few non-1.13 options are emulated, see EXTRA). Each entry holds
          the module built right after torch.manual_seed(seed): repr, state-dict keys and every
          state-dict tensor (bits), then "steps": forward/backward passes in train or eval mode.
          A step has the input(s) x (x2 for Bilinear), an upstream gradient gy, the output, the
          gradients of the inputs and of every parameter (zeroed before each step) and the
          state dict after the step (running statistics). Inputs come from a separate
          torch.Generator, so the global generator sees only the init draws and, for Dropout,
          the mask draws -- the Go test replays exactly that sequence.
  repr    module reprs only (options the Go side sets through exported fields, etc.).
  errors  PyTorch's error message for impossible configurations.

Float tensors are {"dtype", "shape", "bits"} (IEEE-754 bit patterns in hex,
row-major); int64 tensors {"dtype", "shape", "values"}."""
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


def layer_norm_no_bias(*a, **k):
    # PyTorch >= 2.1's LayerNorm(..., bias=False): weight only, no "bias" key, same repr.
    m = nn.LayerNorm(*a, **k)
    m.bias = None
    return m


EXTRA = {"LayerNormNoBias": layer_norm_no_bias}
NS = dict(vars(nn), torch=torch, **EXTRA)

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
    if dtype != torch.float32:
        m = m.to(dtype)  # not used for init-dependent cases: see dtype= in the expression
    rec = {"name": name, "seed": SEED, "repr": repr(m), "state_dict_keys": list(m.state_dict().keys()),
           "state_dict": state(m), "named_parameters": [n for n, _ in m.named_parameters()]}
    rec["steps"] = [step(m, train, inputs(), dtype) for train in modes]
    layers.append(rec)


f32, f64 = torch.float32, torch.float64
X = lambda *s: (lambda: [randn(*s)])
X64 = lambda *s: (lambda: [randn(*s, dtype=f64)])

# ---- convolutions -----------------------------------------------------------------------
case("Conv2d(3,16,3)", X(2, 3, 6, 5))
case("Conv2d(3,16,3,bias=False)", X(2, 3, 5, 5))
case("Conv2d(4,8,3,groups=2)", X(2, 4, 5, 6))
case("Conv2d(4,6,3,stride=2,padding=1,dilation=2,groups=2)", X(2, 4, 7, 8))
case("Conv2d(3,4,(2,3),padding=(1,0),bias=False)", X(2, 3, 5, 6))
case("Conv2d(2,4,3,padding='same',dilation=2)", X(1, 2, 6, 7))
case("Conv2d(2,2,4,padding='same')", X(2, 2, 5, 6))  # even kernel: PyTorch pads 1 before, 2 after
case("Conv2d(2,3,3,padding='valid')", X(1, 2, 5, 5))
case("Conv2d(4,4,3,padding=1,groups=4)", X(2, 4, 4, 4))  # depthwise
case("Conv2d(3,5,3,stride=(2,1),padding=(0,2))", X(3, 5, 6))  # unbatched input
case("Conv1d(4,8,5)", X(2, 4, 9))
case("Conv1d(4,6,3,stride=2,padding=2,dilation=2,groups=2,bias=False)", X(2, 4, 11))
case("Conv1d(2,3,4,padding='same')", X(2, 2, 7))
case("Conv3d(2,3,2)", X(2, 2, 3, 4, 3))
case("Conv3d(2,4,3,stride=2,padding=1,groups=2)", X(1, 2, 5, 4, 5))
case("Conv3d(1,2,(1,2,3),bias=False)", X(2, 1, 2, 3, 4))
case("ConvTranspose2d(3,6,3)", X(2, 3, 4, 3))
case("ConvTranspose2d(3,6,3,stride=2,output_padding=1,groups=3)", X(2, 3, 3, 4))
case("ConvTranspose2d(4,2,3,stride=2,padding=1,dilation=2,bias=False)", X(1, 4, 3, 3))
case("ConvTranspose2d(2,4,2,stride=3,padding=1,output_padding=2,groups=2)", X(2, 2, 3, 3))
case("Conv2d(3,4,3,stride=2,padding=1,dtype=torch.float64)", X64(2, 3, 6, 5))
case("ConvTranspose2d(4,4,3,stride=2,groups=2,dtype=torch.float64)", X64(1, 4, 3, 3))

# ---- Bilinear, Linear --------------------------------------------------------------------
case("Bilinear(2,3,4)", lambda: [randn(5, 2), randn(5, 3)])
case("Bilinear(3,2,5,bias=False)", lambda: [randn(2, 4, 3), randn(2, 4, 2)])
case("Linear(5,3)", X(4, 5))

# ---- normalization -----------------------------------------------------------------------
TTE = (True, True, False)
case("BatchNorm1d(4)", X(6, 4), TTE)
case("BatchNorm1d(3)", X(4, 3, 5), TTE)  # (N, C, L)
case("BatchNorm1d(4,momentum=None)", X(5, 4), (True, True, True, False))
case("BatchNorm1d(4,eps=0.001,momentum=0.3)", X(5, 4), TTE)
case("BatchNorm1d(4,affine=False)", X(5, 4), TTE)
case("BatchNorm1d(4,track_running_stats=False)", X(5, 4), TTE)
case("BatchNorm1d(3,affine=False,track_running_stats=False)", X(4, 3), (True, False))
case("BatchNorm2d(3)", X(2, 3, 4, 5), TTE)
case("BatchNorm2d(3,momentum=None,affine=False)", X(2, 3, 2, 3), (True, True, True, False))
case("BatchNorm2d(2,dtype=torch.float64)", X64(3, 2, 3, 3), TTE)
case("LayerNorm(5)", X(3, 5))
case("LayerNorm((4,5))", X(2, 3, 4, 5))
case("LayerNorm(5,eps=0.001,elementwise_affine=False)", X(4, 5))
case("LayerNorm(5,bias=False)", X(3, 5), expr="LayerNormNoBias(5)")
case("LayerNorm((2,3),dtype=torch.float64)", X64(4, 2, 3))

# ---- Embedding, Dropout, pooling, Flatten ------------------------------------------------
I = lambda *v: torch.tensor(v, dtype=torch.int64)
case("Embedding(10,3)", lambda: [I([[1, 2, 4, 5], [4, 3, 2, 9]])])
case("Embedding(10,3,padding_idx=0)", lambda: [I([[0, 2, 0, 5], [4, 3, 2, 0]])])
case("Embedding(3,5)", lambda: [I(0, 2, 2, 1)])
case("Embedding(20,4,padding_idx=-3)", lambda: [I([17, 1, 17, 19, 0])])
case("Embedding(6,17,padding_idx=5)", lambda: [I([5, 1, 5, 2])])  # 102 values: path (B)
case("Dropout(0.5)", X(4, 5), (True, False))
case("Dropout(0.2)", X(3, 7, 2))
case("Dropout(0.0)", X(2, 3))
case("Dropout(1.0)", X(2, 3))
case("MaxPool2d(2)", X(2, 3, 5, 4))
case("MaxPool2d(3,stride=2,padding=1,dilation=1,ceil_mode=True)", X(1, 2, 6, 7))
case("MaxPool2d((2,3),stride=(1,2),padding=(1,1),dilation=(2,1))", X(2, 5, 7))
case("AvgPool2d(2)", X(2, 3, 5, 4))
case("AvgPool2d(3,stride=2,padding=1,ceil_mode=True,count_include_pad=False)", X(1, 2, 6, 7))
case("AdaptiveAvgPool2d((5,7))", X(1, 2, 8, 9))
case("AdaptiveAvgPool2d(2)", X(2, 3, 5, 3))
case("Flatten()", X(2, 3, 2, 2))

# ---- a model mixing them -----------------------------------------------------------------
case("Sequential(Conv2d(1,4,3,padding=1),BatchNorm2d(4),ReLU(),MaxPool2d(2),Conv2d(4,2,3,bias=False),"
     "Flatten(),Dropout(0.25),Linear(8,3))", X(3, 1, 8, 8), TTE)

# ---- reprs only --------------------------------------------------------------------------
reprs = {}
for e in [
    "Conv2d(3,16,3,stride=2,padding=1,bias=False)", "Conv2d(3,16,(3,5),stride=(2,1),padding=(1,2),dilation=(1,2),groups=1)",
    "Conv2d(4,8,3,padding='same',dilation=2,groups=4)", "Conv2d(4,8,3,padding='valid')", "Conv2d(6,6,1,groups=3,bias=False)",
    "Conv1d(4,8,5,padding='same',dilation=2)", "Conv1d(4,8,5,stride=3)", "Conv3d(2,4,3,stride=(1,2,1),padding=1)",
    "ConvTranspose2d(3,6,3,stride=2,output_padding=1,groups=3)", "ConvTranspose2d(4,2,3,stride=2,padding=1,dilation=2,bias=False)",
    "BatchNorm1d(4,momentum=None)", "BatchNorm2d(16,affine=False)", "BatchNorm1d(4,track_running_stats=False)",
    "BatchNorm2d(8,eps=0.001,momentum=0.01)", "LayerNorm((4,5))", "LayerNorm(5,eps=1e-06,elementwise_affine=False)",
    "Dropout(0.5)", "Dropout(0.1)", "Dropout(0.0)", "MaxPool2d(2)", "MaxPool2d(3,stride=1,padding=1,dilation=2,ceil_mode=True)",
    "MaxPool2d((2,3),stride=(1,2))", "AvgPool2d(2)", "AvgPool2d(3,stride=1,padding=1)", "AdaptiveAvgPool2d((5,7))",
    "AdaptiveAvgPool2d(1)", "Embedding(10,3)", "Embedding(10,3,padding_idx=0)", "Embedding(10,3,padding_idx=-2)",
    "Bilinear(2,3,4)", "Bilinear(2,3,4,bias=False)", "Flatten()", "Flatten(0,2)",
]:
    reprs[e] = repr(eval(e, NS))
reprs["LayerNorm(5,bias=False)"] = repr(layer_norm_no_bias(5))
reprs["Sequential(mixed)"] = repr(nn.Sequential(
    nn.Conv2d(3, 8, 3, padding='same', bias=False), nn.BatchNorm2d(8, momentum=None), nn.ReLU(),
    nn.MaxPool2d(2), nn.Dropout(0.25), nn.Conv2d(8, 16, 3, stride=2, groups=2),
    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LayerNorm(16), nn.Linear(16, 10),
    nn.Sequential(nn.Embedding(4, 2, padding_idx=1), nn.AvgPool2d(2))))

# ---- PyTorch's error messages ------------------------------------------------------------
errors = {}


def err(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        errors[name] = "%s: %s" % (type(e).__name__, e)
        return
    raise SystemExit("no error for " + name)


err("conv in_channels groups", lambda: nn.Conv2d(3, 16, 3, groups=2))
err("conv out_channels groups", lambda: nn.Conv2d(4, 6, 3, groups=4))
err("conv groups zero", lambda: nn.Conv2d(4, 4, 3, groups=0))
err("conv same strided", lambda: nn.Conv2d(3, 4, 3, stride=2, padding='same'))
err("conv1d same strided", lambda: nn.Conv1d(3, 4, 3, stride=(2,), padding='same'))
err("conv negative in_channels", lambda: nn.Conv2d(-1, 4, 3))
err("linear negative out_features", lambda: nn.Linear(3, -2))
err("batchnorm negative", lambda: nn.BatchNorm1d(-1))
err("embedding padding_idx too large", lambda: nn.Embedding(10, 3, padding_idx=10))
err("embedding padding_idx too small", lambda: nn.Embedding(10, 3, padding_idx=-11))
err("dropout p", lambda: nn.Dropout(1.5))
err("conv kernel larger than input", lambda: nn.Conv2d(1, 1, 5)(torch.zeros(1, 1, 3, 3)))
err("conv kernel larger than padded input", lambda: nn.Conv2d(1, 1, 5, padding=(1, 0))(torch.zeros(1, 1, 3, 4)))
err("conv1d kernel larger than input", lambda: nn.Conv1d(2, 1, 4, dilation=2)(torch.zeros(1, 2, 6)))
err("conv wrong channels", lambda: nn.Conv2d(3, 16, 3)(torch.zeros(1, 4, 8, 8)))
err("conv wrong rank", lambda: nn.Conv2d(3, 16, 3)(torch.zeros(3, 8)))
err("convtranspose output_padding", lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2)(torch.zeros(1, 2, 3, 3)))
err("batchnorm1d rank", lambda: nn.BatchNorm1d(3)(torch.zeros(2, 3, 4, 5)))
err("batchnorm2d rank", lambda: nn.BatchNorm2d(3)(torch.zeros(2, 3, 4)))
err("batchnorm features", lambda: nn.BatchNorm1d(4)(torch.zeros(2, 3)))
err("batchnorm one value", lambda: nn.BatchNorm1d(3)(torch.zeros(1, 3)))
err("layernorm shape", lambda: nn.LayerNorm(5)(torch.zeros(2, 4)))
err("maxpool too small", lambda: nn.MaxPool2d(4)(torch.zeros(1, 3, 3)))
err("embedding index", lambda: nn.Embedding(3, 2)(torch.tensor([3])))

out = {"torch_version": torch.__version__, "layers": layers, "repr": reprs, "errors": errors}
with open("layers.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(len(layers), "layer cases,", len(reprs), "reprs,", len(errors), "errors")
