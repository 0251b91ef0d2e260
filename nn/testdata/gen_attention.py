"""Reference data for MultiheadAttention and the transformer layers of package nn
(attention.go, transformer.go) from the real PyTorch 1.13.1 (Debian python3-torch, CPU, no MKL).

Run from this directory:  /usr/bin/python3 gen_attention.py   -> writes attention.json

Sections
  cases   one entry per module configuration. "kind" is mha (MultiheadAttention), enc
          (TransformerEncoderLayer), dec (TransformerDecoderLayer) or encoder (TransformerEncoder
          of num_layers copies of an encoder layer, with an optional final LayerNorm); "args" are
          the constructor's keyword arguments (the Go test maps them to options). Each entry holds
          the module built right after torch.manual_seed(seed): repr, state-dict keys and every
          state-dict tensor (bits), then "steps": forward/backward passes in train or eval mode.
          A step has the inputs (q/k/v for mha, with "qkv" naming which are the same tensor: "qkv"
          self-attention, "kv" key is value, "" all distinct; src/tgt/memory for the layers), the
          masks and call flags, upstream gradients gy (output) and gw (attention weights), the
          output, the weights and the gradients of the inputs and of every parameter (zeroed
          before each step). Inputs come from a separate torch.Generator, so the global generator
          sees only the init draws and the dropout draws -- the Go test replays that sequence.
          Eval-mode steps run with gradients enabled and parameters requiring grad, so PyTorch's
          inference fast paths (_native_multi_head_attention, _transformer_encoder_layer_fwd) are
          never taken: every step is the regular path.
  errors  PyTorch's messages for bad configurations and inputs.

bias=False for the transformer layers does not exist in 1.13: it is emulated as PyTorch 2.1
defines it (MultiheadAttention(bias=False), Linear(bias=False), LayerNorm without bias), building
the sub-modules in the order 2.1's __init__ does.

Float tensors are {"dtype", "shape", "bits"} (IEEE-754 bit patterns in hex, row-major); bool
tensors {"dtype": "bool", "shape", "values"} with 0/1 values."""
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
        d["values"] = [float(v) for v in flat]
    return d


SEED = 7
gen = torch.Generator().manual_seed(4321)
f32, f64 = torch.float32, torch.float64
DT = {"float32": f32, "float64": f64}


def randn(*shape, dtype=f32):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def layer_norm(d, eps, bias, dtype):
    m = nn.LayerNorm(d, eps=eps, dtype=dtype)
    if not bias:
        m.bias = None  # PyTorch >= 2.1's LayerNorm(bias=False): no draws either way
    return m


def make_enc(a, dtype):
    d, h = a["d_model"], a["nhead"]
    ff, p = a.get("dim_feedforward", 2048), a.get("dropout", 0.1)
    act, eps = a.get("activation", "relu"), a.get("layer_norm_eps", 1e-5)
    bf, nf, bias = a.get("batch_first", False), a.get("norm_first", False), a.get("bias", True)
    if bias:
        return nn.TransformerEncoderLayer(d, h, ff, p, act, eps, bf, nf, dtype=dtype)
    # PyTorch 2.1's __init__ with bias=False, in its order.
    l = nn.TransformerEncoderLayer.__new__(nn.TransformerEncoderLayer)
    nn.Module.__init__(l)
    l.self_attn = nn.MultiheadAttention(d, h, dropout=p, bias=False, batch_first=bf, dtype=dtype)
    l.linear1 = nn.Linear(d, ff, bias=False, dtype=dtype)
    l.dropout = nn.Dropout(p)
    l.linear2 = nn.Linear(ff, d, bias=False, dtype=dtype)
    l.norm_first = nf
    l.norm1 = layer_norm(d, eps, False, dtype)
    l.norm2 = layer_norm(d, eps, False, dtype)
    l.dropout1 = nn.Dropout(p)
    l.dropout2 = nn.Dropout(p)
    l.activation = F.gelu if act == "gelu" else F.relu
    l.activation_relu_or_gelu = 2 if act == "gelu" else 1
    return l


def make_dec(a, dtype):
    d, h = a["d_model"], a["nhead"]
    ff, p = a.get("dim_feedforward", 2048), a.get("dropout", 0.1)
    act, eps = a.get("activation", "relu"), a.get("layer_norm_eps", 1e-5)
    bf, nf, bias = a.get("batch_first", False), a.get("norm_first", False), a.get("bias", True)
    if bias:
        return nn.TransformerDecoderLayer(d, h, ff, p, act, eps, bf, nf, dtype=dtype)
    l = nn.TransformerDecoderLayer.__new__(nn.TransformerDecoderLayer)
    nn.Module.__init__(l)
    l.self_attn = nn.MultiheadAttention(d, h, dropout=p, bias=False, batch_first=bf, dtype=dtype)
    l.multihead_attn = nn.MultiheadAttention(d, h, dropout=p, bias=False, batch_first=bf, dtype=dtype)
    l.linear1 = nn.Linear(d, ff, bias=False, dtype=dtype)
    l.dropout = nn.Dropout(p)
    l.linear2 = nn.Linear(ff, d, bias=False, dtype=dtype)
    l.norm_first = nf
    l.norm1 = layer_norm(d, eps, False, dtype)
    l.norm2 = layer_norm(d, eps, False, dtype)
    l.norm3 = layer_norm(d, eps, False, dtype)
    l.dropout1 = nn.Dropout(p)
    l.dropout2 = nn.Dropout(p)
    l.dropout3 = nn.Dropout(p)
    l.activation = F.gelu if act == "gelu" else F.relu
    return l


def build(kind, a):
    dtype = DT[a.get("dtype", "float32")]
    if kind == "mha":
        kw = {k: v for k, v in a.items() if k not in ("embed_dim", "num_heads", "dtype")}
        return nn.MultiheadAttention(a["embed_dim"], a["num_heads"], dtype=dtype, **kw)
    if kind == "enc":
        return make_enc(a, dtype)
    if kind == "dec":
        return make_dec(a, dtype)
    if kind == "encoder":
        layer = make_enc(a, dtype)
        norm = nn.LayerNorm(a["d_model"], dtype=dtype) if a.get("final_norm") else None
        return nn.TransformerEncoder(layer, a["num_layers"], norm=norm)
    raise ValueError(kind)


def leaf(x):
    return x.clone().requires_grad_()


def step(m, kind, a, st):
    """st: dict describing the inputs: shapes, masks, flags."""
    dtype = DT[a.get("dtype", "float32")]
    train = st.get("train", True)
    m.train(train)
    m.zero_grad(set_to_none=True)
    rec = {"train": train}
    masks = {}
    for k in ("attn_mask", "key_padding_mask", "tgt_mask", "memory_mask", "tgt_key_padding_mask",
              "memory_key_padding_mask"):
        if k in st:
            masks[k] = st[k]
            rec[k] = enc(st[k])
    grads = {}
    if kind == "mha":
        bf = a.get("batch_first", False)
        q = leaf(randn(*st["q"], dtype=dtype))
        share = st.get("share", "")
        if share == "qkv":
            k = v = q
        elif share == "kv":
            k = leaf(randn(*st["k"], dtype=dtype))
            v = k
        else:
            k = leaf(randn(*st["k"], dtype=dtype))
            v = leaf(randn(*st["v"], dtype=dtype))
        nw, avg = st.get("need_weights", True), st.get("average_attn_weights", True)
        out, w = m(q, k, v, key_padding_mask=masks.get("key_padding_mask"), need_weights=nw,
                   attn_mask=masks.get("attn_mask"), average_attn_weights=avg)
        rec.update(share=share, need_weights=nw, average_attn_weights=avg, q=enc(q))
        if share != "qkv":
            rec["k"] = enc(k)
        if share == "":
            rec["v"] = enc(v)
        gy = randn(*out.shape, dtype=dtype)
        loss = (out * gy).sum()
        rec["gy"] = enc(gy)
        if w is not None:
            gw = randn(*w.shape, dtype=dtype)
            loss = loss + (w * gw).sum()
            rec["gw"] = enc(gw)
        loss.backward()
        rec["out"], rec["weights"] = enc(out), enc(w)
        grads["q"] = enc(q.grad)
        if share != "qkv":
            grads["k"] = enc(k.grad)
        if share == "":
            grads["v"] = enc(v.grad)
    elif kind in ("enc", "encoder"):
        src = leaf(randn(*st["src"], dtype=dtype))
        if kind == "enc":
            out = m(src, src_mask=masks.get("attn_mask"), src_key_padding_mask=masks.get("key_padding_mask"))
        else:
            out = m(src, mask=masks.get("attn_mask"), src_key_padding_mask=masks.get("key_padding_mask"))
        gy = randn(*out.shape, dtype=dtype)
        out.backward(gy)
        rec.update(src=enc(src), gy=enc(gy), out=enc(out))
        grads["src"] = enc(src.grad)
    else:
        tgt = leaf(randn(*st["tgt"], dtype=dtype))
        mem = leaf(randn(*st["memory"], dtype=dtype))
        out = m(tgt, mem, tgt_mask=masks.get("tgt_mask"), memory_mask=masks.get("memory_mask"),
                tgt_key_padding_mask=masks.get("tgt_key_padding_mask"),
                memory_key_padding_mask=masks.get("memory_key_padding_mask"))
        gy = randn(*out.shape, dtype=dtype)
        out.backward(gy)
        rec.update(tgt=enc(tgt), memory=enc(mem), gy=enc(gy), out=enc(out))
        grads["tgt"] = enc(tgt.grad)
        grads["memory"] = enc(mem.grad)
    for n, p in m.named_parameters():
        grads[n] = enc(p.grad)
    rec["grads"] = grads
    return rec


cases = []


def case(name, kind, args, steps=()):
    torch.manual_seed(SEED)
    m = build(kind, args)
    rec = {"name": name, "kind": kind, "args": args, "seed": SEED, "repr": repr(m),
           "state_dict_keys": list(m.state_dict().keys()),
           "state_dict": {k: enc(v) for k, v in m.state_dict().items()},
           "named_parameters": [n for n, _ in m.named_parameters()]}
    rec["steps"] = [step(m, kind, args, st) for st in steps]
    cases.append(rec)


def causal(n, dtype=f32):
    return torch.triu(torch.full((n, n), float('-inf'), dtype=dtype), diagonal=1)


def kpm_bool(n, s, pad):
    """(n, s) bool mask with the last pad[i] positions of row i masked."""
    m = torch.zeros(n, s, dtype=torch.bool)
    for i, p in enumerate(pad):
        if p:
            m[i, s - p:] = True
    return m


# ---- MultiheadAttention: init for every option combination ---------------------------------
for dt in ("float32", "float64"):
    for bias in (True, False):
        for bkv in (False, True):
            for kv in (None, (5, 6)):
                a = {"embed_dim": 8, "num_heads": 2, "bias": bias, "add_bias_kv": bkv, "dtype": dt}
                if kv:
                    a["kdim"], a["vdim"] = kv
                case("init mha %s bias=%s add_bias_kv=%s kdim/vdim=%s" % (dt, bias, bkv, kv), "mha", a)
case("init mha add_zero_attn batch_first dropout", "mha",
     {"embed_dim": 6, "num_heads": 3, "add_zero_attn": True, "batch_first": True, "dropout": 0.2})
case("init mha kdim only", "mha", {"embed_dim": 4, "num_heads": 1, "kdim": 3})

# ---- MultiheadAttention: forward/backward ------------------------------------------------------
L, S, N, E = 4, 5, 3, 8
for dt in ("float32", "float64"):
    X = lambda s: dict(s)
    case("mha self %s" % dt, "mha", {"embed_dim": E, "num_heads": 2, "dtype": dt}, [
        {"q": (L, N, E), "share": "qkv"},
        {"q": (L, N, E), "share": "qkv", "train": False, "average_attn_weights": False},
        {"q": (L, N, E), "share": "qkv", "attn_mask": causal(L, DT[dt])},
        {"q": (L, N, E), "share": "qkv", "key_padding_mask": kpm_bool(N, L, [0, 1, 2]), "need_weights": False},
    ])
    case("mha cross %s" % dt, "mha", {"embed_dim": E, "num_heads": 4, "dtype": dt}, [
        {"q": (L, N, E), "k": (S, N, E), "share": "kv"},
        {"q": (L, N, E), "k": (S, N, E), "v": (S, N, E), "share": "",
         "attn_mask": torch.rand(L, S, generator=gen) < 0.3, "key_padding_mask": kpm_bool(N, S, [1, 0, 0])},
        {"q": (L, N, E), "k": (S, N, E), "share": "kv",
         "attn_mask": randn(N * 4, L, S, dtype=DT[dt]), "key_padding_mask": kpm_bool(N, S, [0, 2, 0]),
         "average_attn_weights": False},
    ])
    case("mha kdim vdim bias_kv zero_attn %s" % dt, "mha",
         {"embed_dim": E, "num_heads": 2, "kdim": 5, "vdim": 3, "add_bias_kv": True, "add_zero_attn": True,
          "dtype": dt}, [
        {"q": (L, N, E), "k": (S, N, 5), "v": (S, N, 3), "share": ""},
        {"q": (L, N, E), "k": (S, N, 5), "v": (S, N, 3), "share": "",
         "attn_mask": causal(S, DT[dt])[:L], "key_padding_mask": kpm_bool(N, S, [0, 1, 0])},
        {"q": (L, N, E), "k": (S, N, 5), "v": (S, N, 3), "share": "", "key_padding_mask": randn(N, S, dtype=DT[dt])},
        {"q": (L, N, E), "k": (S, N, 5), "v": (S, N, 3), "share": "", "key_padding_mask": randn(N, S, dtype=DT[dt]),
         "attn_mask": torch.rand(L, S, generator=gen) < 0.25},
        {"q": (L, E), "k": (S, 5), "v": (S, 3), "share": "", "key_padding_mask": kpm_bool(1, S, [2])[0],
         "attn_mask": torch.rand(L, S, generator=gen) < 0.25},
    ])
    case("mha batch_first nobias %s" % dt, "mha",
         {"embed_dim": 6, "num_heads": 3, "batch_first": True, "bias": False, "dtype": dt}, [
        {"q": (N, L, 6), "share": "qkv", "attn_mask": causal(L, DT[dt])},
        {"q": (N, L, 6), "k": (N, S, 6), "v": (N, S, 6), "share": "", "key_padding_mask": kpm_bool(N, S, [1, 1, 0])},
        {"q": (N, L, 6), "k": (N, S, 6), "share": "kv", "train": False},
    ])
case("mha add_bias_kv only", "mha", {"embed_dim": 4, "num_heads": 2, "add_bias_kv": True}, [
    {"q": (3, 2, 4), "share": "qkv", "attn_mask": causal(3) < 0, "key_padding_mask": kpm_bool(2, 3, [0, 1])},
])
case("mha add_zero_attn only unbatched", "mha", {"embed_dim": 4, "num_heads": 2, "add_zero_attn": True}, [
    {"q": (3, 4), "share": "qkv", "attn_mask": causal(3)},
    {"q": (3, 4), "k": (5, 4), "share": "kv", "attn_mask": randn(2, 3, 5)},
])
case("mha dropout", "mha", {"embed_dim": 8, "num_heads": 2, "dropout": 0.3}, [
    {"q": (L, N, E), "share": "qkv"},
    {"q": (L, N, E), "share": "qkv"},
    {"q": (L, N, E), "share": "qkv", "train": False},
])

# ---- transformer layers ------------------------------------------------------------------------
for dt in ("float32", "float64"):
    base = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0, "dtype": dt}
    case("enc post-LN relu %s" % dt, "enc", base, [
        {"src": (5, 3, 8)},
        {"src": (5, 3, 8), "attn_mask": causal(5, DT[dt]), "key_padding_mask": kpm_bool(3, 5, [0, 2, 1])},
        {"src": (5, 8), "train": False},
    ])
    case("enc pre-LN gelu batch_first %s" % dt, "enc",
         dict(base, norm_first=True, activation="gelu", batch_first=True, layer_norm_eps=1e-6), [
        {"src": (3, 5, 8)},
        {"src": (3, 5, 8), "attn_mask": causal(5) < 0, "train": False},
    ])
    case("enc nobias %s" % dt, "enc", dict(base, bias=False, norm_first=True), [
        {"src": (4, 2, 8), "key_padding_mask": kpm_bool(2, 4, [1, 0])},
    ])
    case("dec %s" % dt, "dec", base, [
        {"tgt": (4, 3, 8), "memory": (6, 3, 8)},
        {"tgt": (4, 3, 8), "memory": (6, 3, 8), "tgt_mask": causal(4, DT[dt]),
         "tgt_key_padding_mask": kpm_bool(3, 4, [1, 0, 0]), "memory_key_padding_mask": kpm_bool(3, 6, [0, 0, 3]),
         "memory_mask": torch.rand(4, 6, generator=gen) < 0.2},
    ])
    case("dec pre-LN gelu batch_first nobias %s" % dt, "dec",
         dict(base, norm_first=True, activation="gelu", batch_first=True, bias=False), [
        {"tgt": (2, 4, 8), "memory": (2, 3, 8), "tgt_mask": causal(4, DT[dt])},
    ])
    case("encoder 2 layers norm %s" % dt, "encoder", dict(base, num_layers=2, final_norm=True), [
        {"src": (5, 2, 8), "attn_mask": causal(5, DT[dt])},
    ])
case("enc default dropout", "enc", {"d_model": 8, "nhead": 4, "dim_feedforward": 12}, [
    {"src": (5, 3, 8)},
    {"src": (5, 3, 8), "attn_mask": causal(5)},
])
case("encoder 3 layers dropout", "encoder",
     {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "num_layers": 3, "norm_first": True}, [
    {"src": (4, 2, 8)},
])
case("dec dropout", "dec", {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.2}, [
    {"tgt": (3, 2, 8), "memory": (4, 2, 8), "tgt_mask": causal(3)},
])
case("init enc default", "enc", {"d_model": 4, "nhead": 2})
case("init dec float64", "dec", {"d_model": 8, "nhead": 2, "dim_feedforward": 64, "dtype": "float64"})
case("init enc nobias", "enc", {"d_model": 8, "nhead": 2, "dim_feedforward": 32, "bias": False})

# ---- errors --------------------------------------------------------------------------------------
errors = {}


def err(name, f):
    try:
        f()
    except Exception as e:  # noqa
        errors[name] = str(e)
        return
    raise AssertionError(name + " did not raise")


mha = nn.MultiheadAttention(8, 2)
x = torch.zeros(4, 3, 8)
err("embed_dim not divisible", lambda: nn.MultiheadAttention(8, 3))
err("query 4-D", lambda: mha(torch.zeros(1, 4, 3, 8), x, x))
err("key 2-D", lambda: mha(x, torch.zeros(4, 8), x))
err("embedding dim", lambda: mha(torch.zeros(4, 3, 6), torch.zeros(4, 3, 6), torch.zeros(4, 3, 6)))
err("key value shapes", lambda: mha(x, torch.zeros(5, 3, 8), torch.zeros(4, 3, 8)))
err("attn_mask 2D shape", lambda: mha(x, x, x, attn_mask=torch.zeros(4, 5)))
err("attn_mask 3D shape", lambda: mha(x, x, x, attn_mask=torch.zeros(3, 4, 4)))
err("attn_mask dtype", lambda: mha(x, x, x, attn_mask=torch.zeros(4, 4, dtype=torch.int64)))
err("attn_mask 1-D", lambda: mha(x, x, x, attn_mask=torch.zeros(4)))
err("key_padding_mask dtype", lambda: mha(x, x, x, key_padding_mask=torch.zeros(3, 4, dtype=torch.int64)))
err("key_padding_mask shape", lambda: mha(x, x, x, key_padding_mask=torch.zeros(3, 5, dtype=torch.bool)))
err("key_padding_mask rank", lambda: mha(x, x, x, key_padding_mask=torch.zeros(3, 4, 1, dtype=torch.bool)))
sep = nn.MultiheadAttention(8, 2, kdim=5, vdim=6)
err("kdim key features", lambda: sep(x, torch.zeros(4, 3, 4), torch.zeros(4, 3, 6)))
err("unbatched attn_mask 3D", lambda: mha(torch.zeros(4, 8), torch.zeros(4, 8), torch.zeros(4, 8),
                                          attn_mask=torch.zeros(3, 4, 4)))

# ---- a PyTorch state dict in safetensors loads into the Go model --------------------------------
def write_safetensors(path, tensors):
    """The reference writer's layout (all float32 here: data sorted by name),
    as safetensors/testdata/gen_safetensors.py writes it."""
    header, data = {"__metadata__": {"format": "pt"}}, bytearray()
    for name, t in sorted(tensors.items()):
        b = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + bytes(data))


torch.manual_seed(11)
st_args = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "num_layers": 2, "final_norm": True,
           "activation": "gelu", "norm_first": True}
st_model = build("encoder", st_args)
with torch.no_grad():
    for p_ in st_model.parameters():  # away from the initial values, every layer different
        p_.add_(0.1 * torch.randn(p_.shape, generator=gen))
st_model.eval()
st_x = randn(5, 3, 8)
st_mask = causal(5)
st_out = st_model(st_x, mask=st_mask)  # eval, batch_first=False: the regular path
write_safetensors("transformer_encoder.safetensors", dict(st_model.state_dict()))
safetensors_case = {"file": "transformer_encoder.safetensors", "args": st_args, "x": enc(st_x),
                    "out": enc(st_out)}

json.dump({"torch_version": torch.__version__, "cases": cases, "errors": errors,
           "safetensors": safetensors_case},
          open("attention.json", "w"), separators=(",", ":"))
print(len(cases), "cases,", sum(len(c["steps"]) for c in cases), "steps,", len(errors), "errors")
