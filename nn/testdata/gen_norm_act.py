"""Reference data for the normalization and activation layers of issue 17 (norm_ext.go,
activation_ext.go) from the real PyTorch 1.13.1 (Debian python3-torch, CPU, AVX2 build).

Run from this directory:  /usr/bin/python3 gen_norm_act.py   -> writes norm_act.json

Same layout as gen_layers.py (layers.json):
  layers  one entry per module expression, built right after torch.manual_seed(seed): repr,
          state-dict keys and tensors (bits), then "steps" (train or eval mode): input x,
          upstream gradient gy, output, gradients of x and of every parameter, state dict after
          the step. Inputs come from a separate generator. A name ending in "@f64" is the same
          module run on float64 inputs (activations without parameters).
  repr    reprs only.
  errors  PyTorch's error messages for bad configurations and inputs.

Float tensors are {"dtype", "shape", "bits"} (IEEE-754 bit patterns in hex, row-major);
int64 tensors {"dtype", "shape", "values"}."""
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
gen = torch.Generator().manual_seed(4321)


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def state(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def step(m, train, x):
    m.train(train)
    m.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_()
    out = m(x)
    gy = randn(*out.shape, dtype=out.dtype)
    out.backward(gy)
    grads = {"x": enc(x.grad)}
    for n, p in m.named_parameters():
        grads[n] = enc(p.grad)
    return {"train": train, "x": enc(x), "gy": enc(gy), "out": enc(out), "grads": grads, "state_after": state(m)}


layers = []


def case(name, inputs, modes=(True,), expr=None):
    torch.manual_seed(SEED)
    m = eval(expr or name.split("@")[0], NS)
    rec = {"name": name, "seed": SEED, "repr": repr(m), "state_dict_keys": list(m.state_dict().keys()),
           "state_dict": state(m), "named_parameters": [n for n, _ in m.named_parameters()]}
    rec["steps"] = [step(m, train, inputs()) for train in modes]
    layers.append(rec)


f32, f64 = torch.float32, torch.float64
X = lambda *s: (lambda: randn(*s))
X64 = lambda *s: (lambda: randn(*s, dtype=f64))
TE, TTE = (True, False), (True, True, False)

# ---- normalization -----------------------------------------------------------------------
case("GroupNorm(2,6)", X(3, 6, 4), TE)
case("GroupNorm(3,6,affine=False)", X(2, 6, 2, 3), TE)
case("GroupNorm(1,4,eps=0.001)", X(2, 4, 5))
case("GroupNorm(4,4)", X(2, 4, 3, 2))
case("GroupNorm(2,4)", X(3, 4))  # no spatial dimensions
case("GroupNorm(2,4,dtype=torch.float64)", X64(2, 4, 3, 2), TE)
case("InstanceNorm1d(3)", X(2, 3, 5), TE)
case("InstanceNorm1d(3,affine=True)", X(2, 3, 5), TE)
case("InstanceNorm1d(3,track_running_stats=True)", X(2, 3, 5), TTE)
case("InstanceNorm1d(3,momentum=0.3,affine=True,track_running_stats=True)", X(3, 6), TTE)  # unbatched
case("InstanceNorm2d(3)", X(2, 3, 4, 4), TE)
case("InstanceNorm2d(4,affine=True,track_running_stats=True)", X(2, 4, 3, 5), TTE)
case("InstanceNorm2d(3,eps=0.001,affine=True)", X(3, 4, 5))  # unbatched
case("InstanceNorm2d(3,affine=True,track_running_stats=True,dtype=torch.float64)", X64(2, 3, 3, 4), TTE)
case("InstanceNorm3d(2)", X(2, 2, 3, 2, 3))
case("InstanceNorm3d(2,affine=True,track_running_stats=True)", X(3, 2, 2, 3, 2), TTE)
case("BatchNorm3d(3)", X(2, 3, 2, 3, 2), TTE)
case("BatchNorm3d(2,momentum=None,affine=False)", X(3, 2, 2, 2, 2), TTE)
case("BatchNorm3d(2,dtype=torch.float64)", X64(2, 2, 3, 2, 2), TTE)
case("LocalResponseNorm(2)", X(2, 5, 3))
case("LocalResponseNorm(3,alpha=0.01,beta=0.5,k=2.0)", X(2, 6, 3, 4))
case("LocalResponseNorm(4,alpha=0.1)", X(1, 3, 2, 2, 2))
case("LocalResponseNorm(5,alpha=0.2,beta=1.0)@f64", X64(2, 4, 5))

# ---- activations -------------------------------------------------------------------------
EDGES = [-25.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 10.0, 25.0]


def act_input(dtype):
    def f():
        r = randn(4, 12, dtype=f64) * 3
        r[0] = torch.tensor(EDGES, dtype=f64)
        return r.to(dtype)
    return f


for e in ["ELU()", "ELU(alpha=0.5)", "SELU()", "CELU()", "CELU(alpha=2.0)", "Softplus()",
          "Softplus(beta=2,threshold=10)", "Softplus(beta=0.5)", "Mish()", "Hardswish()", "Hardsigmoid()",
          "Hardtanh()", "Hardtanh(-2.0,3.0)", "ReLU6()", "LogSigmoid()", "Softsign()", "Tanhshrink()",
          "Softmin(dim=1)", "Softmin(dim=0)", "GELU(approximate='tanh')", "GELU()", "PReLU()"]:
    case(e, act_input(f32))
    if e != "PReLU()":
        case(e + "@f64", act_input(f64))
case("PReLU(3)", X(2, 3, 4))
case("PReLU(num_parameters=3,init=0.1)", X(4, 3))
case("PReLU(2,dtype=torch.float64)", X64(3, 2, 5))

# ---- reprs only --------------------------------------------------------------------------
reprs = {}
for e in ["GroupNorm(2,6)", "GroupNorm(3,6,eps=0.001,affine=False)", "InstanceNorm1d(3)",
          "InstanceNorm2d(3)", "InstanceNorm3d(4,eps=0.01,momentum=0.2,affine=True,track_running_stats=True)",
          "BatchNorm3d(3)", "BatchNorm3d(5,affine=False,track_running_stats=False)",
          "LocalResponseNorm(2)", "LocalResponseNorm(3,alpha=0.01,beta=0.5,k=2.0)",
          "PReLU()", "PReLU(num_parameters=3)", "ELU()", "ELU(alpha=0.5)", "SELU()", "CELU(alpha=2.0)",
          "Softplus()", "Softplus(beta=2,threshold=10)", "Softplus(beta=0.5,threshold=2.5)", "Mish()",
          "Hardswish()", "Hardsigmoid()", "Hardtanh()", "Hardtanh(-2.0,3.0)", "ReLU6()", "LogSigmoid()",
          "Softsign()", "Tanhshrink()", "Softmin(dim=1)", "GELU(approximate='tanh')", "GELU()"]:
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


z = torch.zeros
err("groupnorm divisible", lambda: nn.GroupNorm(4, 6))
err("group_norm channels", lambda: F.group_norm(z(2, 6, 3), 4))
err("group_norm weight", lambda: F.group_norm(z(2, 4, 3), 2, torch.ones(3)))
err("group_norm one value", lambda: nn.GroupNorm(2, 2)(z(1, 2)))
err("instancenorm1d rank", lambda: nn.InstanceNorm1d(3)(z(2, 3, 4, 5)))
err("instancenorm2d rank", lambda: nn.InstanceNorm2d(3)(z(2, 3)))
err("instancenorm3d rank", lambda: nn.InstanceNorm3d(3)(z(2, 3, 4)))
err("instancenorm spatial", lambda: nn.InstanceNorm1d(3)(z(2, 3, 1)))
err("instancenorm affine channels", lambda: nn.InstanceNorm1d(3, affine=True)(z(2, 4, 5)))
err("instancenorm momentum None", lambda: nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)(z(2, 3, 4)))
err("local_response_norm rank", lambda: F.local_response_norm(z(2, 3), 2))
err("batchnorm3d rank", lambda: nn.BatchNorm3d(3)(z(2, 3, 4, 5)))
err("prelu channels", lambda: nn.PReLU(2)(z(2, 3)))
err("prelu weight rank", lambda: F.prelu(z(2, 3), torch.ones(1, 3)))
err("celu alpha zero", lambda: F.celu(z(3), 0.0))
err("gelu approximate", lambda: F.gelu(z(3), approximate='foo'))

out = {"torch_version": torch.__version__, "layers": layers, "repr": reprs, "errors": errors}
with open("norm_act.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
print(len(layers), "layer cases,", len(reprs), "reprs,", len(errors), "errors")
