"""Reference values for the recurrent layers (RNN, LSTM, GRU and their cells), from Debian's
PyTorch 1.13.1. Run from this directory:

    /usr/bin/python3 gen_rnn.py      -> writes rnn.json

For every case: the module's repr, state-dict keys and default parameters right after
torch.manual_seed(seed) (float32, compared bit for bit); then, with parameters converted to the
case's dtype, a forward pass on a random input (and random initial states when `given_state`),
the outputs and final states, and the gradients of every parameter, of the input and of the
initial states for loss = sum(out*w_out) + sum(hn*w_hn) (+ sum(cn*w_cn)) with random weights.
`forward_seed` is set with torch.manual_seed right before the forward pass (it matters for
inter-layer dropout in training mode). `errors` holds PyTorch's messages for bad inputs."""
import json
import struct
import torch
import torch.nn as nn

assert torch.__version__.startswith("1.13"), torch.__version__


def enc(t):
    """{dtype, shape, values, bits}: the encoding of ../../testdata/golden (bits are the IEEE-754
    patterns in hex, row-major)."""
    t = t.detach().contiguous()
    dt = str(t.dtype).replace("torch.", "")
    vals = t.reshape(-1).tolist()
    if dt == "float32":
        bits = ["%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in vals]
    else:
        bits = ["%016x" % struct.unpack("<Q", struct.pack("<d", v))[0] for v in vals]
    return {"dtype": dt, "shape": list(t.shape), "values": vals, "bits": bits}


MODULES = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU,
           "RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}

# name, module kind, positional (input, hidden), keyword options, dtype, seq L, batch N
# (None: unbatched), given initial state, training mode
CASES = [
    ("RNN(3,4)", "RNN", (3, 4), {}, "float32", 5, 2, False, False),
    ("RNN(3,4,nonlinearity='relu',bias=False)", "RNN", (3, 4), {"nonlinearity": "relu", "bias": False}, "float32", 4, 3, True, False),
    ("RNN(3,4,nonlinearity='relu',num_layers=2,bidirectional=True,batch_first=True)", "RNN", (3, 4),
     {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True, "batch_first": True}, "float64", 4, 3, True, False),
    ("RNN(2,3,num_layers=2) unbatched", "RNN", (2, 3), {"num_layers": 2}, "float64", 6, None, True, False),
    ("LSTM(3,5,num_layers=2)", "LSTM", (3, 5), {"num_layers": 2}, "float32", 5, 2, True, False),
    ("LSTM(3,5,num_layers=2) float64", "LSTM", (3, 5), {"num_layers": 2}, "float64", 5, 2, False, False),
    ("LSTM(3,5,proj_size=2,bidirectional=True)", "LSTM", (3, 5), {"proj_size": 2, "bidirectional": True}, "float32", 4, 3, True, False),
    ("LSTM(3,5,proj_size=2,bidirectional=True) float64", "LSTM", (3, 5), {"proj_size": 2, "bidirectional": True}, "float64", 4, 3, False, False),
    ("LSTM(4,6,num_layers=2,bidirectional=True,batch_first=True)", "LSTM", (4, 6),
     {"num_layers": 2, "bidirectional": True, "batch_first": True}, "float64", 3, 2, True, False),
    ("LSTM(3,4,num_layers=2,proj_size=3,bias=False) unbatched", "LSTM", (3, 4),
     {"num_layers": 2, "proj_size": 3, "bias": False}, "float64", 5, None, True, False),
    ("LSTM(3,4,num_layers=3,dropout=0.5) train", "LSTM", (3, 4), {"num_layers": 3, "dropout": 0.5}, "float64", 4, 2, False, True),
    ("LSTM(3,4,num_layers=2,dropout=0.5) eval", "LSTM", (3, 4), {"num_layers": 2, "dropout": 0.5}, "float32", 4, 2, False, False),
    ("GRU(2,3,num_layers=2,bidirectional=True)", "GRU", (2, 3), {"num_layers": 2, "bidirectional": True}, "float32", 5, 2, True, False),
    ("GRU(2,3,num_layers=2,bidirectional=True) float64", "GRU", (2, 3), {"num_layers": 2, "bidirectional": True}, "float64", 5, 2, True, False),
    ("GRU(3,4,bias=False,batch_first=True)", "GRU", (3, 4), {"bias": False, "batch_first": True}, "float32", 6, 3, False, False),
    ("GRU(3,4,bidirectional=True) unbatched", "GRU", (3, 4), {"bidirectional": True}, "float64", 4, None, False, False),
    ("RNNCell(3,4)", "RNNCell", (3, 4), {}, "float32", None, 3, True, False),
    ("RNNCell(3,4,bias=False,nonlinearity='relu')", "RNNCell", (3, 4), {"bias": False, "nonlinearity": "relu"}, "float64", None, 3, False, False),
    ("LSTMCell(3,4)", "LSTMCell", (3, 4), {}, "float32", None, 2, True, False),
    ("LSTMCell(3,4) float64 unbatched", "LSTMCell", (3, 4), {}, "float64", None, None, True, False),
    ("GRUCell(3,4,bias=False)", "GRUCell", (3, 4), {"bias": False}, "float32", None, 3, True, False),
    ("GRUCell(3,4) float64", "GRUCell", (3, 4), {}, "float64", None, 2, False, False),
]


def run_case(name, kind, pos, kw, dtype, L, N, given, train):
    torch.manual_seed(42)
    m = MODULES[kind](*pos, **kw)
    case = {"name": name, "kind": kind, "args": list(pos), "options": kw, "dtype": dtype, "seed": 42,
            "repr": repr(m), "state_dict_keys": list(m.state_dict().keys()),
            "init": {k: enc(v) for k, v in m.state_dict().items()}, "train": train}
    dt = getattr(torch, dtype)
    m = m.to(dt)
    m.train(train)
    torch.manual_seed(7)
    cell = kind.endswith("Cell")
    isz, hid = pos
    bidir = kw.get("bidirectional", False)
    layers = kw.get("num_layers", 1)
    proj = kw.get("proj_size", 0)
    D = 2 if bidir else 1
    hr = proj if proj else hid
    if cell:
        xshape = (N, isz) if N else (isz,)
        hshape = (N, hid) if N else (hid,)
        cshape = hshape
    else:
        xshape = [L, N, isz] if N else [L, isz]
        if N and kw.get("batch_first"):
            xshape = [N, L, isz]
        hshape = (D * layers, N, hr) if N else (D * layers, hr)
        cshape = (D * layers, N, hid) if N else (D * layers, hid)
    x = torch.randn(*xshape, dtype=dt, requires_grad=True)
    case["x"] = enc(x)
    h0 = c0 = None
    if given:
        h0 = torch.randn(*hshape, dtype=dt, requires_grad=True)
        case["h0"] = enc(h0)
        if kind.startswith("LSTM"):
            c0 = torch.randn(*cshape, dtype=dt, requires_grad=True)
            case["c0"] = enc(c0)
    case["params"] = {k: enc(v) for k, v in m.named_parameters()}
    torch.manual_seed(11)
    case["forward_seed"] = 11
    if kind == "LSTMCell":
        out = m(x, (h0, c0)) if given else m(x)
        outs = {"h": out[0], "c": out[1]}
    elif cell:
        outs = {"h": m(x, h0) if given else m(x)}
    elif kind == "LSTM":
        out, (hn, cn) = m(x, (h0, c0)) if given else m(x)
        outs = {"out": out, "hn": hn, "cn": cn}
    else:
        out, hn = m(x, h0) if given else m(x)
        outs = {"out": out, "hn": hn}
    loss = 0
    case["loss_weights"] = {}
    torch.manual_seed(13)
    for k, v in outs.items():
        w = torch.randn(*v.shape, dtype=dt)
        case["loss_weights"][k] = enc(w)
        loss = loss + (v * w).sum()
    loss.backward()
    case["outputs"] = {k: enc(v) for k, v in outs.items()}
    case["grads"] = {k: enc(v.grad) for k, v in m.named_parameters()}
    case["grads"]["x"] = enc(x.grad)
    if h0 is not None:
        case["grads"]["h0"] = enc(h0.grad)
    if c0 is not None:
        case["grads"]["c0"] = enc(c0.grad)
    return case


def err(fn):
    try:
        fn()
    except Exception as e:
        return str(e)
    return None


ERRORS = []


def add_err(what, fn):
    ERRORS.append({"what": what, "error": err(fn)})


torch.manual_seed(0)
lstm = nn.LSTM(3, 5, num_layers=2)
blstm = nn.LSTM(3, 5, bidirectional=True, proj_size=2)
gru = nn.GRU(3, 5, num_layers=2)
rnn = nn.RNN(3, 5)
add_err("LSTM(3,5,num_layers=2) x(4,3,4)", lambda: lstm(torch.randn(4, 3, 4)))
add_err("LSTM(3,5,num_layers=2) x(4,3,3,1)", lambda: lstm(torch.randn(4, 3, 3, 1)))
add_err("LSTM(3,5,num_layers=2) h0(1,3,5)", lambda: lstm(torch.randn(4, 3, 3), (torch.zeros(1, 3, 5), torch.zeros(2, 3, 5))))
add_err("LSTM(3,5,num_layers=2) c0(2,3,4)", lambda: lstm(torch.randn(4, 3, 3), (torch.zeros(2, 3, 5), torch.zeros(2, 3, 4))))
add_err("LSTM(3,5,num_layers=2) unbatched h0 3-D", lambda: lstm(torch.randn(4, 3), (torch.zeros(2, 1, 5), torch.zeros(2, 1, 5))))
add_err("LSTM(3,5,num_layers=2) batched h0 2-D", lambda: lstm(torch.randn(4, 3, 3), (torch.zeros(2, 5), torch.zeros(2, 5))))
add_err("LSTM(3,5,proj_size=2,bidirectional=True) h0(2,3,5)", lambda: blstm(torch.randn(4, 3, 3), (torch.zeros(2, 3, 5), torch.zeros(2, 3, 5))))
add_err("GRU(3,5,num_layers=2) h0(2,4,5)", lambda: gru(torch.randn(4, 3, 3), torch.zeros(2, 4, 5)))
add_err("GRU(3,5,num_layers=2) unbatched h0 3-D", lambda: gru(torch.randn(4, 3), torch.zeros(2, 1, 5)))
add_err("RNN(3,5) x(4,3,2)", lambda: rnn(torch.randn(4, 3, 2)))
add_err("RNN(3,5) x(3)", lambda: rnn(torch.randn(3)))
lc, gc, rc = nn.LSTMCell(3, 4), nn.GRUCell(3, 4), nn.RNNCell(3, 4)
add_err("LSTMCell(3,4) x(2,5)", lambda: lc(torch.randn(2, 5)))
add_err("LSTMCell(3,4) x(2,3,1)", lambda: lc(torch.randn(2, 3, 1)))
add_err("LSTMCell(3,4) h(3,4)", lambda: lc(torch.randn(2, 3), (torch.zeros(3, 4), torch.zeros(2, 4))))
add_err("GRUCell(3,4) h(2,5)", lambda: gc(torch.randn(2, 3), torch.zeros(2, 5)))
add_err("RNNCell(3,4) x(2,2)", lambda: rc(torch.randn(2, 2)))
add_err("RNN(3,5,dropout=1.5)", lambda: nn.RNN(3, 5, dropout=1.5))
add_err("LSTM(3,5,proj_size=5)", lambda: nn.LSTM(3, 5, proj_size=5))
add_err("LSTM(3,5,proj_size=-1)", lambda: nn.LSTM(3, 5, proj_size=-1))
add_err("RNN(3,0)", lambda: nn.RNN(3, 0))
add_err("RNN(3,5,num_layers=0)", lambda: nn.RNN(3, 5, num_layers=0))

REPRS = {}
for what, make in [
        ("RNN(3,4,bias=False)", lambda: nn.RNN(3, 4, bias=False)),
        ("RNN(3,4,nonlinearity='relu')", lambda: nn.RNN(3, 4, nonlinearity="relu")),
        ("LSTM(3,5,num_layers=2,bidirectional=True)", lambda: nn.LSTM(3, 5, num_layers=2, bidirectional=True)),
        ("LSTM(3,5,proj_size=2)", lambda: nn.LSTM(3, 5, proj_size=2)),
        ("GRU(2,3,bidirectional=True)", lambda: nn.GRU(2, 3, bidirectional=True)),
        ("GRU(2,3,batch_first=True,dropout=0.25,num_layers=2)", lambda: nn.GRU(2, 3, batch_first=True, dropout=0.25, num_layers=2)),
        ("LSTMCell(3,4)", lambda: nn.LSTMCell(3, 4)),
        ("LSTMCell(3,4,bias=False)", lambda: nn.LSTMCell(3, 4, bias=False)),
        ("RNNCell(3,4,nonlinearity='relu')", lambda: nn.RNNCell(3, 4, nonlinearity="relu")),
        ("RNNCell(3,4,bias=False)", lambda: nn.RNNCell(3, 4, bias=False)),
        ("GRUCell(3,4)", lambda: nn.GRUCell(3, 4))]:
    REPRS[what] = repr(make())



def write_safetensors(path, tensors):
    """Writes a float32 state dict in the safetensors format (by hand, as
    ../../safetensors/testdata/gen_safetensors.py does: data sorted by name,
    compact JSON header padded with spaces to a multiple of 8 bytes)."""
    header, data = {}, bytearray()
    for name, t in sorted(tensors.items()):
        b = t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + bytes(data))


class Seq2Vec(nn.Module):
    """An LSTM encoder (2 layers, bidirectional, projection) with a GRU on top and a linear head
    on the GRU's last hidden state: a model whose state dict has every recurrent key form."""

    def __init__(self):
        super().__init__()
        self.enc = nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
        self.gru = nn.GRU(4, 3, batch_first=True)
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        y, _ = self.enc(x)
        _, h = self.gru(y)
        return self.head(h[-1])


torch.manual_seed(5)
model = Seq2Vec().eval()
write_safetensors("rnn_model.safetensors", model.state_dict())
sx = torch.randn(2, 6, 3)
with torch.no_grad():
    sy = model(sx)
SAFETENSORS = {"file": "rnn_model.safetensors", "keys": list(model.state_dict().keys()),
               "x": enc(sx), "y": enc(sy)}

json.dump({"torch_version": torch.__version__, "cases": [run_case(*c) for c in CASES],
           "errors": ERRORS, "reprs": REPRS, "safetensors": SAFETENSORS}, open("rnn.json", "w"))
