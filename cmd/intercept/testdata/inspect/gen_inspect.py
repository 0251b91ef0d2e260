#!/usr/bin/python3
"""Model files written by real PyTorch 1.13 for the tests of `intercept inspect`.

Run from the repository root with Debian's PyTorch:

    /usr/bin/python3 cmd/intercept/testdata/inspect/gen_inspect.py

Each file holds the state_dict of small modules initialized one way, written
in the safetensors format by hand as the reference writer
(huggingface/safetensors) lays it out: tensors sorted by dtype then name,
header padded with spaces to a multiple of 8 bytes. Fixed seeds: rerunning
rewrites the same bytes.

  default.safetensors      PyTorch's default init: Linear(3, 4) (the issue's
                           "fresh Linear(3,4)"), Linear(64, 32), Conv2d(8, 16, 3)
  xavier.safetensors       xavier_uniform_ and xavier_normal_ on Linear(64, 32)
  he_fan_in.safetensors    kaiming_normal_(mode='fan_in', nonlinearity='relu'),
                           kaiming_uniform_ (fan_in, relu)
  he_fan_out.safetensors   kaiming_normal_(mode='fan_out', nonlinearity='relu')
                           on Conv2d(8, 32, 3): the ResNet recipe
  embedding.safetensors    Embedding(50, 8): N(0, 1)
  lstm.safetensors         LSTM(8, 16) and GRU(8, 16): U(±1/sqrt(hidden))
  attention.safetensors    MultiheadAttention(16, 4): in_proj xavier_uniform_,
                           in_proj_bias and out_proj.bias zero, out_proj.weight
                           Linear's default
  zeros_constant.safetensors  zeros_ weight, constant_(0.1) bias, ones_ weight
"""

import json
import os
import struct

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
NAME_OF = {torch.float32: "F32", torch.int64: "I64"}
REF_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3",
             "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16",
             "I32", "U32", "F32", "C64", "F64", "I64", "U64"]


def write(name, tensors):
    items = sorted(tensors.items(), key=lambda kv: (-REF_ORDER.index(NAME_OF[kv[1].dtype]), kv[0]))
    header, data = {}, bytearray()
    for k, t in items:
        b = t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        header[k] = {"dtype": NAME_OF[t.dtype], "shape": list(t.shape),
                     "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + bytes(data))


def prefixed(prefix, module):
    return {prefix + k: v for k, v in module.state_dict().items()}


torch.manual_seed(0)
sd = {}
sd.update(prefixed("small.", nn.Linear(3, 4)))
sd.update(prefixed("fc.", nn.Linear(64, 32)))
sd.update(prefixed("conv.", nn.Conv2d(8, 16, 3)))
write("default.safetensors", sd)

torch.manual_seed(1)
a, b = nn.Linear(64, 32), nn.Linear(64, 32)
nn.init.xavier_uniform_(a.weight)
nn.init.xavier_normal_(b.weight)
write("xavier.safetensors", {"xavier_uniform.weight": a.weight, "xavier_normal.weight": b.weight})

torch.manual_seed(2)
a, b = nn.Linear(64, 32), nn.Conv2d(8, 16, 3)
nn.init.kaiming_normal_(a.weight, mode="fan_in", nonlinearity="relu")
nn.init.kaiming_uniform_(b.weight, mode="fan_in", nonlinearity="relu")
write("he_fan_in.safetensors", {"he_normal.weight": a.weight, "he_uniform.weight": b.weight})

torch.manual_seed(3)
c = nn.Conv2d(8, 32, 3, bias=False)
nn.init.kaiming_normal_(c.weight, mode="fan_out", nonlinearity="relu")
write("he_fan_out.safetensors", {"conv.weight": c.weight})

torch.manual_seed(4)
write("embedding.safetensors", prefixed("embedding.", nn.Embedding(50, 8)))

torch.manual_seed(5)
sd = prefixed("lstm.", nn.LSTM(8, 16))
sd.update(prefixed("gru.", nn.GRU(8, 16)))
write("lstm.safetensors", sd)

torch.manual_seed(6)
write("attention.safetensors", prefixed("attn.", nn.MultiheadAttention(16, 4)))

torch.manual_seed(7)
z, o = nn.Linear(16, 8), nn.Linear(16, 8)
nn.init.zeros_(z.weight)
nn.init.constant_(z.bias, 0.1)
nn.init.ones_(o.weight)
write("zeros_constant.safetensors", {"zero.weight": z.weight, "zero.bias": z.bias, "ones.weight": o.weight})
print("torch", torch.__version__, "wrote", sorted(f for f in os.listdir(HERE) if f.endswith(".safetensors")))
