"""Reference data for module and tensor hooks (nn/hooks.go, tensor/gradhook.go) and for the
statistics recorder (nn/stats) from the real PyTorch 1.13.1 (Debian python3-torch, CPU).

Run from this directory:  /usr/bin/python3 gen_hooks.py   -> writes hooks.json

Sections
  events    a model of one's own holding a Sequential(Linear, ReLU, Linear, Tanh) and a Linear
            head, built after torch.manual_seed(0), with a forward pre-hook, a forward hook and
            a full backward hook on every module (named_modules order). One forward of x and
            backward of (out*out).sum(): every hook call in order with its module name, the
            shapes of what it saw (null for None) and the values (forward outputs, backward
            grad_input and grad_output).
  modify    the same model; a pre-hook on "head" returns input+1, a forward hook on "seq.2"
            returns 2*output, a backward hook on "seq.2" returns 0.5*grad_input: the output and
            every parameter's gradient.
  encoder   TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0) in eval mode with grad
            enabled (PyTorch's regular path), hooks of the three kinds on every module: which
            fire, in what order, with what shapes (MultiheadAttention sees (q, k, v) and
            returns (out, None)); the output and the gradient of src.
  cnn       a Sequential of Conv2d, BatchNorm2d (training), ReLU, MaxPool2d, Conv2d, ReLU,
            AvgPool2d, Flatten, Linear, GELU, Linear, LeakyReLU, SiLU, LogSoftmax, all hooked, on an
            input that requires grad: every call with shapes and values, and the input's gradient.
  tensor    Tensor.register_hook: hooks on a non-leaf before/after retain_grad, on a leaf used
            twice (one call with the sum), a hook that replaces the gradient.
  recorder  an MLP 20-32-32-32-10 (ReLU, Tanh, Sigmoid hidden activations) trained 3 SGD steps
            (lr 0.1) on batches of 16, with the statistics nn/stats records computed here with
            hooks: per leaf module and step, the mean and population std of its output and of
            the gradient w.r.t. its output, of each parameter's value (before the update) and
            gradient, the update-to-weight ratio std(W_after - W_before) / std(W_before), the
            share of dead ReLU units (no positive output over the step's batch), the share of
            saturated tanh (|y| > 0.99) and sigmoid (y < 0.01 or y > 0.99) outputs.

Float tensors are {"dtype", "shape", "bits"} (IEEE-754 bit patterns in hex, row-major)."""
import json, struct
import torch
import torch.nn as nn

assert torch.__version__.startswith("1.13"), torch.__version__


def hx(v):
    return '%08x' % struct.unpack('<I', struct.pack('<f', v))[0]


def enc(t):
    if t is None:
        return None
    t = t.detach().contiguous().float()
    return {"dtype": "float32", "shape": list(t.shape), "bits": [hx(v) for v in t.reshape(-1).tolist()]}


def shapes(ts):
    if isinstance(ts, torch.Tensor):
        ts = (ts,)
    return [list(t.shape) if isinstance(t, torch.Tensor) else None for t in ts]


def tup(ts):
    return ts if isinstance(ts, tuple) else (ts,)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh())
        self.head = nn.Linear(6, 3)

    def forward(self, x):
        return self.head(self.seq(x))


def net_and_input():
    torch.manual_seed(0)
    net = Net()
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(1234))
    return net, x


def events():
    net, x = net_and_input()
    ev = []
    for name, m in net.named_modules():
        def pre(m, inp, name=name):
            ev.append({"kind": "pre", "module": name, "inputs": shapes(inp)})
        def fwd(m, inp, out, name=name):
            ev.append({"kind": "forward", "module": name, "inputs": shapes(inp), "outputs": shapes(out),
                       "values": [enc(t) for t in tup(out)]})
        def bwd(m, gin, gout, name=name):
            ev.append({"kind": "backward", "module": name, "inputs": shapes(gin), "outputs": shapes(gout),
                       "grad_inputs": [enc(t) for t in gin], "grad_outputs": [enc(t) for t in gout]})
        m.register_forward_pre_hook(pre)
        m.register_forward_hook(fwd)
        m.register_full_backward_hook(bwd)
    out = net(x)
    (out * out).sum().backward()
    return {"x": enc(x), "out": enc(out), "events": ev,
            "grads": {n: enc(p.grad) for n, p in net.named_parameters()}}


def modify():
    net, x = net_and_input()
    net.head.register_forward_pre_hook(lambda m, inp: (inp[0] + 1,))
    net.seq[2].register_forward_hook(lambda m, inp, out: out * 2)
    net.seq[2].register_full_backward_hook(lambda m, gin, gout: tuple(None if g is None else g * 0.5 for g in gin))
    out = net(x)
    (out * out).sum().backward()
    return {"out": enc(out), "grads": {n: enc(p.grad) for n, p in net.named_parameters()}}


def encoder():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    layer.eval()
    src = torch.randn(3, 2, 8, generator=torch.Generator().manual_seed(7)).requires_grad_()
    ev = []
    for name, m in layer.named_modules():
        if name == "self_attn.out_proj":
            continue  # MultiheadAttention does not call it (it uses its weight)
        def pre(m, inp, name=name):
            ev.append({"kind": "pre", "module": name, "inputs": shapes(inp)})
        def fwd(m, inp, out, name=name):
            ev.append({"kind": "forward", "module": name, "inputs": shapes(inp), "outputs": shapes(out)})
        def bwd(m, gin, gout, name=name):
            ev.append({"kind": "backward", "module": name, "inputs": shapes(gin), "outputs": shapes(gout),
                       "grad_inputs": [enc(t) for t in gin]})
        m.register_forward_pre_hook(pre)
        m.register_forward_hook(fwd)
        m.register_full_backward_hook(bwd)
    out = layer(src)
    (out * out).sum().backward()
    return {"src": enc(src), "out": enc(out), "src_grad": enc(src.grad), "events": ev}


def cnn():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(3, 2, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(2, 4), nn.GELU(),
                          nn.Linear(4, 3), nn.LeakyReLU(0.1), nn.SiLU(), nn.LogSoftmax(dim=1))
    x = torch.randn(2, 1, 8, 8, generator=torch.Generator().manual_seed(5)).requires_grad_()
    ev = []
    for name, m in model.named_modules():
        def pre(m, inp, name=name):
            ev.append({"kind": "pre", "module": name, "inputs": shapes(inp)})
        def fwd(m, inp, out, name=name):
            ev.append({"kind": "forward", "module": name, "inputs": shapes(inp), "outputs": shapes(out),
                       "values": [enc(t) for t in tup(out)]})
        def bwd(m, gin, gout, name=name):
            ev.append({"kind": "backward", "module": name, "inputs": shapes(gin), "outputs": shapes(gout),
                       "grad_inputs": [enc(t) for t in gin], "grad_outputs": [enc(t) for t in gout]})
        m.register_forward_pre_hook(pre)
        m.register_forward_hook(fwd)
        m.register_full_backward_hook(bwd)
    out = model(x)
    (out * out).sum().backward()
    return {"x": enc(x), "out": enc(out), "x_grad": enc(x.grad), "events": ev}


def tensor_hooks():
    res = {}
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    res["retain_then_hook"] = {"y_grad": y.grad.tolist(), "x_grad": x.grad.tolist()}
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    y.sum().backward()
    res["hook_then_retain"] = {"y_grad": y.grad.tolist(), "x_grad": x.grad.tolist()}
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.tolist()))
    h = x.register_hook(lambda g: g + 1)
    (x * 2 + x * x).sum().backward()
    res["leaf_twice"] = {"calls": calls, "x_grad": x.grad.tolist()}
    h.remove()
    x.grad = None
    (x * 2 + x * x).sum().backward()
    res["leaf_removed"] = {"calls": calls, "x_grad": x.grad.tolist()}
    return res


def recorder():
    torch.manual_seed(0)
    acts = [nn.ReLU(), nn.Tanh(), nn.Sigmoid()]
    layers = []
    sizes = [20, 32, 32, 32, 10]
    for i in range(4):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < 3:
            layers.append(acts[i])
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(99)
    xs = [torch.randn(16, 20, generator=g) for _ in range(3)]
    ys = [torch.randint(0, 10, (16,), generator=g) for _ in range(3)]

    def moments(t):
        t = t.detach()
        return {"mean": t.mean().item(), "std": t.std(unbiased=False).item()}

    cur = {}
    for name, m in model.named_modules():
        if name == "":
            continue
        def fwd(m, inp, out, name=name):
            r = cur.setdefault(name, {})
            r["act"] = moments(out)
            if isinstance(m, nn.ReLU):
                alive = (out > 0).any(dim=0)
                r["dead"] = 1 - alive.float().mean().item()
            if isinstance(m, nn.Tanh):
                r["saturated"] = (out.abs() > 0.99).float().mean().item()
            if isinstance(m, nn.Sigmoid):
                r["saturated"] = ((out < 0.01) | (out > 0.99)).float().mean().item()
        def bwd(m, gin, gout, name=name):
            cur.setdefault(name, {})["grad"] = moments(gout[0])
        m.register_forward_hook(fwd)
        m.register_full_backward_hook(bwd)
    steps = []
    for s in range(3):
        cur = {}
        before = {n: p.detach().clone() for n, p in model.named_parameters()}
        opt.zero_grad()
        out = model(xs[s])
        nn.functional.cross_entropy(out, ys[s]).backward()
        opt.step()
        for n, p in model.named_parameters():
            mod, pname = n.rsplit(".", 1)
            r = cur.setdefault(mod, {})
            r.setdefault("params", {})[pname] = {
                "value": moments(before[n]), "grad": moments(p.grad),
                "update_ratio": ((p.detach() - before[n]).std(unbiased=False) / before[n].std(unbiased=False)).item()}
        steps.append(cur)
    return {"x": [enc(x) for x in xs], "y": [y.tolist() for y in ys], "steps": steps}


out = {"torch_version": torch.__version__, "events": events(), "modify": modify(), "encoder": encoder(), "cnn": cnn(),
       "tensor": tensor_hooks(), "recorder": recorder()}
with open("hooks.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
