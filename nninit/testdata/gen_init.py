"""Reference data for package nninit, from the real PyTorch 1.13 (Debian python3-torch 1.13.1, CPU, AVX2).

Run: /usr/bin/python3 gen_init.py   -> writes init_cases.json beside this file.

Every case seeds the global generator, runs a few nn.init calls and records the tensors they fill, then
torch.rand(4) and torch.randn(2) (the "tail"): these show that the case consumed exactly PyTorch's number of
draws and left the same cached normal value (per-element path) behind. Encoding as in testdata/golden:
"bits" are IEEE-754 patterns in hex (no "values"), row-major (logical order for views). Cases whose name the Go test
(nninit/pytorch_test.go) maps to code must stay in sync with it.

PyTorch 1.13's nn.init has no generator= argument (2.x added it); the "gen:" cases spell out what the 2.x
functions do with one (the same algorithm with every draw taken from the given generator)."""
import json, math, os, struct, warnings
import torch
import torch.nn.init as init

warnings.simplefilter("ignore")   # trunc_normal_'s "mean is more than 2 std from [a, b]"


def _hex(v, dt):
    if dt == torch.float32:
        return '%08x' % struct.unpack('<I', struct.pack('<f', v))[0]
    return '%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]


def enc(t):
    t = t.detach().contiguous()
    flat = t.reshape(-1).tolist()
    return {"dtype": str(t.dtype).replace('torch.', ''), "shape": list(t.shape),
            "bits": [_hex(v, t.dtype) for v in flat]}


f64 = torch.float64
cases = []


def case(name, fn, seed=0, tol=None):
    torch.manual_seed(seed)
    rec = {"name": name, "seed": seed}
    try:
        with torch.no_grad():
            res = fn()
            res = list(res) + [torch.rand(4), torch.randn(2)]
        rec["results"] = [enc(t) for t in res]
    except Exception as e:
        rec["error"] = "%s: %s" % (type(e).__name__, e)
    if tol is not None:
        rec["tolerance"] = tol
    cases.append(rec)


E = torch.empty

# ---- dirac_: conv-shaped weights, with groups
case("dirac_ (6,4,3,3) groups=2", lambda: [init.dirac_(E(6, 4, 3, 3), 2)])
case("dirac_ (4,2,5) groups=2", lambda: [init.dirac_(E(4, 2, 5), 2)])
case("dirac_ (6,3,2,3,4) groups=3", lambda: [init.dirac_(E(6, 3, 2, 3, 4), 3)])
case("dirac_ (4,6,3,3)", lambda: [init.dirac_(E(4, 6, 3, 3))])
case("dirac_ (4,6,2,2) f64", lambda: [init.dirac_(E(4, 6, 2, 2, dtype=f64))])
case("dirac_ (6,4,3,3) groups=4", lambda: [init.dirac_(E(6, 4, 3, 3), 4)])
case("dirac_ (4,5)", lambda: [init.dirac_(E(4, 5))])

# ---- per-element normal path (A): 15 elements leave a cached value for the next call
case("normal_ (3,5) then normal_ (3,)", lambda: [init.normal_(E(3, 5)), init.normal_(E(3))])
case("normal_(0.5,2) (3,5) f64", lambda: [init.normal_(E(3, 5, dtype=f64), 0.5, 2.0)])
case("xavier_normal_ (3,5)", lambda: [init.xavier_normal_(E(3, 5))])
case("kaiming_normal_ (3,5) then normal_ (1,)", lambda: [init.kaiming_normal_(E(3, 5)), init.normal_(E(1))])

# ---- non-contiguous targets: filled in memory order (normal_: always the per-element path)
T = lambda *s, **kw: E(*s, **kw).t()                      # (rows, cols) storage seen transposed
case("normal_ (5,4).t()", lambda: [init.normal_(T(5, 4))])
case("normal_(0.5,2) (20,3).t()", lambda: [init.normal_(T(20, 3), 0.5, 2.0)])
case("normal_ (5,4).t() f64", lambda: [init.normal_(T(5, 4, dtype=f64))])
case("uniform_(-1,1) (5,4).t()", lambda: [init.uniform_(T(5, 4), -1.0, 1.0)])
case("uniform_(-1,1) (5,4).t() f64", lambda: [init.uniform_(T(5, 4, dtype=f64), -1.0, 1.0)])
case("kaiming_uniform_ (5,4).t()", lambda: [init.kaiming_uniform_(T(5, 4))])
case("xavier_normal_ (8,6).t()", lambda: [init.xavier_normal_(T(8, 6))])
case("trunc_normal_ (7,5).t()", lambda: [init.trunc_normal_(T(7, 5))])


def strided(fn):                  # every other column of a zero (6,8) matrix; the whole base is recorded
    base = torch.zeros(6, 8)
    fn(base[:, ::2])
    return [base]


case("normal_ (6,8)[:, ::2]", lambda: strided(lambda v: init.normal_(v)))
case("uniform_(-2,3) (6,8)[:, ::2]", lambda: strided(lambda v: init.uniform_(v, -2.0, 3.0)))
case("trunc_normal_(0,1,-1,1) (6,8)[:, ::2]", lambda: strided(lambda v: init.trunc_normal_(v, 0.0, 1.0, -1.0, 1.0)))
case("sparse_(0.5) (6,8)[:, ::2]", lambda: strided(lambda v: init.sparse_(v, 0.5)))

# ---- trunc_normal_ variants on (300,)
for args in ((0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (0.0, 1.0, -0.5, 0.5), (0.0, 0.02, -0.04, 0.04),
             (-3.0, 1.0, -2.0, 2.0), (0.0, 1.0, -10.0, 10.0), (2.0, 0.5, 1.9, 2.1), (0.0, 1.0, 0.0, math.inf),
             (1e-3, 1e-4, 0.0, 1.0), (100.0, 30.0, 50.0, 200.0)):
    case("trunc_normal_(%r,%r,%r,%r) (300,)" % args, lambda args=args: [init.trunc_normal_(E(300), *args)])
case("trunc_normal_ (15,)", lambda: [init.trunc_normal_(E(15))])
case("trunc_normal_(0,0,-2,2) (4,)", lambda: [init.trunc_normal_(E(4), 0.0, 0.0, -2.0, 2.0)])
case("trunc_normal_(0,1,2,-2) (4,)", lambda: [init.trunc_normal_(E(4), 0.0, 1.0, 2.0, -2.0)])
# float64: Go's erf/exp are not glibc's, compared with a tolerance
for args in ((0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (0.0, 1.0, -10.0, 10.0)):
    case("trunc_normal_(%r,%r,%r,%r) (300,) f64" % args,
         lambda args=args: [init.trunc_normal_(E(300, dtype=f64), *args)], tol=1e-14)

# ---- sparse_
case("sparse_(0.3,0.01) (10,6)", lambda: [init.sparse_(E(10, 6), 0.3, 0.01)])
case("sparse_(0.1,1) (10,6)", lambda: [init.sparse_(E(10, 6), 0.1, 1.0)])
case("sparse_(0,0.01) (10,6)", lambda: [init.sparse_(E(10, 6), 0.0)])
case("sparse_(1.5,0.01) (10,6)", lambda: [init.sparse_(E(10, 6), 1.5)])
case("sparse_(-0.25,0.01) (10,6)", lambda: [init.sparse_(E(10, 6), -0.25)])
case("sparse_(0.5,0.01) (3,5)", lambda: [init.sparse_(E(3, 5), 0.5)])
case("sparse_(0.2,0.5) (10,6) f64", lambda: [init.sparse_(E(10, 6, dtype=f64), 0.2, 0.5)])
case("sparse_ (10,)", lambda: [init.sparse_(E(10), 0.5)])

# ---- eye_, constant_/ones_/zeros_
case("eye_ (3,5)", lambda: [init.eye_(E(3, 5))])
case("eye_ (5,3)", lambda: [init.eye_(E(5, 3))])
case("eye_ (1,1)", lambda: [init.eye_(E(1, 1))])
case("eye_ (4,4) f64", lambda: [init.eye_(E(4, 4, dtype=f64))])
case("eye_ (3,)", lambda: [init.eye_(E(3))])
case("constant_(0.1) (3,4) f64", lambda: [init.constant_(E(3, 4, dtype=f64), 0.1)])
case("constant_(0.1) (3,4)", lambda: [init.constant_(E(3, 4), 0.1)])
case("ones_ (3,4) f64", lambda: [init.ones_(E(3, 4, dtype=f64))])
case("zeros_ (3,4) f64", lambda: [init.zeros_(E(3, 4, dtype=f64))])
case("constant_(-2.5) (5,4).t()", lambda: [init.constant_(T(5, 4), -2.5)])

# ---- kaiming_ / xavier_ variants
case("kaiming_normal_(fan_out,relu) (16,8,3,3)",
     lambda: [init.kaiming_normal_(E(16, 8, 3, 3), mode='fan_out', nonlinearity='relu')])
case("kaiming_normal_(fan_out,relu) (4,5)", lambda: [init.kaiming_normal_(E(4, 5), mode='fan_out', nonlinearity='relu')])
case("kaiming_uniform_(fan_out,relu) (6,3,5)",
     lambda: [init.kaiming_uniform_(E(6, 3, 5), mode='fan_out', nonlinearity='relu')])
case("kaiming_uniform_(a=sqrt(5)) (64,100)", lambda: [init.kaiming_uniform_(E(64, 100), a=math.sqrt(5))])
case("kaiming_normal_(a=0.1,fan_in,leaky_relu) (10,10) f64",
     lambda: [init.kaiming_normal_(E(10, 10, dtype=f64), a=0.1)])
case("kaiming_uniform_(selu) (5,7) f64", lambda: [init.kaiming_uniform_(E(5, 7, dtype=f64), nonlinearity='selu')])
case("kaiming_uniform_ (0,5)", lambda: [init.kaiming_uniform_(E(0, 5))])
case("kaiming_normal_ (0,)", lambda: [init.kaiming_normal_(E(0))])
case("kaiming_uniform_ (5,)", lambda: [init.kaiming_uniform_(E(5))])
case("kaiming_uniform_(nonlinearity=foo) (4,5)", lambda: [init.kaiming_uniform_(E(4, 5), nonlinearity='foo')])
case("xavier_uniform_(gain=tanh) (6,10)",
     lambda: [init.xavier_uniform_(E(6, 10), gain=init.calculate_gain('tanh'))])
case("xavier_uniform_(gain=tanh) (8,3,3,3)",
     lambda: [init.xavier_uniform_(E(8, 3, 3, 3), gain=init.calculate_gain('tanh'))])
case("xavier_uniform_(gain=tanh) (6,10) f64",
     lambda: [init.xavier_uniform_(E(6, 10, dtype=f64), gain=init.calculate_gain('tanh'))])
case("xavier_normal_(gain=0.5) (7,9) f64", lambda: [init.xavier_normal_(E(7, 9, dtype=f64), gain=0.5)])
case("xavier_uniform_ (0,5)", lambda: [init.xavier_uniform_(E(0, 5))])
case("xavier_uniform_ (0,0)", lambda: [init.xavier_uniform_(E(0, 0))])
case("uniform_(1,0) (4,)", lambda: [init.uniform_(E(4), 1.0, 0.0)])
case("normal_(0,-1) (4,)", lambda: [init.normal_(E(4), 0.0, -1.0)])

# ---- orthogonal_ (QR by LAPACK: tolerance; the tail checks the draw count exactly)
OT = 1e-6
case("orthogonal_(gain=2) (6,2)", lambda: [init.orthogonal_(E(6, 2), gain=2.0)], tol=OT)
case("orthogonal_ (3,5)", lambda: [init.orthogonal_(E(3, 5))], tol=OT)
case("orthogonal_ (5,3)", lambda: [init.orthogonal_(E(5, 3))], tol=OT)
case("orthogonal_ (4,2,3)", lambda: [init.orthogonal_(E(4, 2, 3))], tol=OT)
case("orthogonal_ (10,10)", lambda: [init.orthogonal_(E(10, 10))], tol=OT)
case("orthogonal_ (2,40)", lambda: [init.orthogonal_(E(2, 40))], tol=OT)
case("orthogonal_(gain=sqrt(2)) (64,32)", lambda: [init.orthogonal_(E(64, 32), gain=math.sqrt(2))], tol=OT)
case("orthogonal_ (4,6) f64", lambda: [init.orthogonal_(E(4, 6, dtype=f64))], tol=1e-14)
case("orthogonal_ (7,3) f64", lambda: [init.orthogonal_(E(7, 3, dtype=f64))], tol=1e-14)
case("orthogonal_ (5,4).t()", lambda: [init.orthogonal_(T(5, 4))], tol=OT)
case("orthogonal_ (0,3)", lambda: [init.orthogonal_(E(0, 3))])
case("orthogonal_ (5,)", lambda: [init.orthogonal_(E(5))])


# ---- a model-like sequence on the global generator
def sequence():
    w = init.kaiming_uniform_(E(4, 3), a=math.sqrt(5))
    b = init.uniform_(E(4), -1 / math.sqrt(3), 1 / math.sqrt(3))
    e = init.normal_(E(3, 3))
    tn = init.trunc_normal_(E(20), std=0.02)
    s = init.sparse_(E(4, 3), 0.25)
    x = init.xavier_normal_(E(2, 3))
    k = init.kaiming_normal_(E(5, 5, dtype=f64), mode='fan_out')
    return [w, b, e, tn, s, x, k]


case("sequence", sequence, seed=7)


# ---- generator= (PyTorch 2.x), spelled out with 1.13's generator-taking tensor methods
def gen_cases():
    g = torch.Generator().manual_seed(123)
    out = []
    t = E(4, 5)                                                   # kaiming_uniform_(t, generator=g)
    bound = math.sqrt(3.0) * (init.calculate_gain('leaky_relu', 0) / math.sqrt(5))
    out.append(t.uniform_(-bound, bound, generator=g))
    out.append(E(3, 5).normal_(0, 1, generator=g))               # normal_ (3,5): path A, g's own cache
    out.append(E(3).normal_(0, 1, generator=g))                  # ... used here
    t = E(20)                                                     # trunc_normal_(t, generator=g)
    cdf = lambda x: (1. + math.erf(x / math.sqrt(2.))) / 2.
    l, u = cdf(-2.0), cdf(2.0)
    t.uniform_(2 * l - 1, 2 * u - 1, generator=g).erfinv_().mul_(1.0 * math.sqrt(2.)).add_(0.0).clamp_(-2.0, 2.0)
    out.append(t)
    t = E(5, 4).normal_(0, 0.01, generator=g)                     # sparse_(t, 0.4, generator=g)
    for c in range(4):
        t[torch.randperm(5, generator=g)[:2], c] = 0
    out.append(t)
    t = E(3, 4)                                                   # xavier_normal_(t, gain=2, generator=g)
    out.append(t.normal_(0, 2 * math.sqrt(2.0 / 7), generator=g))
    out.append(torch.rand(4, generator=g))                        # g's position afterwards
    out.append(torch.randn(2, generator=g))
    return out


case("gen: generator=Generator(123)", gen_cases)


def gen_orthogonal():
    g = torch.Generator().manual_seed(5)
    m = E(3, 4).normal_(0, 1, generator=g).t()
    q, r = torch.linalg.qr(m)
    q = (q * torch.diag(r, 0).sign()).t().contiguous()
    return [q * 3.0, torch.rand(4, generator=g), torch.randn(2, generator=g)]


case("gen: orthogonal_(gain=3) (3,4) generator=Generator(5)", gen_orthogonal, tol=1e-6)

# ---- calculate_gain
gains = {}
for name in ('linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d',
             'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'):
    gains[name] = init.calculate_gain(name)
for p in (0.0, 0.01, 0.1, 0.2, 0.3, 1.0, -0.5, 5.0, math.sqrt(5), 1e-3, 0.7):
    gains["leaky_relu(%r)" % p] = init.calculate_gain('leaky_relu', p)
gains["tanh(0.3)"] = init.calculate_gain('tanh', 0.3)
gain_errors = {}
for name in ('foo', 'Relu', 'softmax', 'gelu'):
    try:
        init.calculate_gain(name)
    except ValueError as e:
        gain_errors[name] = str(e)

fans = {}
for s in ((2, 3), (3, 2), (16, 8, 3, 3), (4, 6, 3), (2, 3, 4, 5, 6), (0, 5), (5, 0), (3, 4, 0)):
    fans[str(s)] = list(init._calculate_fan_in_and_fan_out(E(s)))

# ---- float32 erfinv (the core of trunc_normal_) on inputs the Go test regenerates:
# A: every 65537th float32 bit pattern in [0, 1] and its negation; B: k/32768 for k = -32768..32768;
# C: special values. Recorded: sha256 of the little-endian output bits, and every 16th output.
import numpy as np
a = np.arange(0, 0x3f800001, 65537, dtype=np.uint64).astype(np.uint32)
a = np.concatenate([a, a | np.uint32(0x80000000)]).view(np.float32)
b = (np.arange(-32768, 32769, dtype=np.float32) / np.float32(32768)).astype(np.float32)
c = np.array([np.nan, np.inf, -np.inf, 1.0000001, -1.0000001, 0.7, -0.7, 0.70000005, 1e-45, -1e-45, 1e-38,
              0.99999994, -0.99999994, 0.9999999, 5e-8], dtype=np.float32)
ys = np.concatenate([a, b, c]).astype(np.float32)
outs = torch.from_numpy(ys.copy()).erfinv().numpy()
import hashlib
ob = outs.view(np.uint32).astype('<u4')
erfinv_ref = {"count": int(len(ys)), "sha256": hashlib.sha256(ob.tobytes()).hexdigest(),
              "every": 16, "samples": ['%08x' % v for v in ob[::16]]}

out = {"torch_version": torch.__version__,
       "cpu_capability": torch.__config__.show().split('CPU capability usage: ')[1].splitlines()[0],
       "cases": cases,
       "gains": {k: [v, _hex(float(v), f64)] for k, v in gains.items()},
       "gain_errors": gain_errors,
       "fans": fans,
       "erfinv32": erfinv_ref}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "init_cases.json")
with open(path, "w") as f:                # one case per line
    f.write("{\n")
    for k, v in out.items():
        if k == "cases":
            f.write('"cases": [\n' + ",\n".join(json.dumps(c) for c in v) + "\n],\n")
        else:
            f.write(json.dumps(k) + ": " + json.dumps(v) + (",\n" if k != "erfinv32" else "\n"))
    f.write("}\n")
print("wrote", path, len(cases), "cases")
for c in cases:
    if "error" in c:
        print("  error case:", c["name"], "->", c["error"])
