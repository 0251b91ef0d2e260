"""Reference data for the default initialization of layers with a zero-size
dimension, from the real PyTorch 1.13.1 (Debian python3-torch, CPU).

Run from this directory:  /usr/bin/python3 gen_zero_init.py   -> writes zero_init.json

reset_parameters leaves a zero-element weight alone (kaiming_uniform_ warns
and returns). Linear still draws its bias from U(-bound, bound), with bound 0
when fan_in is 0: the bias is zero, yet the draws advance the generator; the
convolutions draw no bias when fan_in is 0. For each module expression, built
right after torch.manual_seed(0), the file holds its state dict and
torch.rand(4) drawn next.

Float tensors are {"dtype", "shape", "bits"} (IEEE-754 bit patterns in hex)."""
import json, struct, warnings
import torch
import torch.nn as nn

assert torch.__version__.startswith("1.13"), torch.__version__
warnings.simplefilter("ignore")


def enc(t):
    t = t.detach().contiguous()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "bits": ['%08x' % struct.unpack('<I', struct.pack('<f', v))[0] for v in t.reshape(-1).tolist()]}


cases = {}
for expr in ["Linear(0,3)", "Linear(3,0)", "Linear(0,3,bias=False)", "Conv2d(0,2,3)", "Conv2d(2,0,3)",
             "Conv1d(0,4,2)", "ConvTranspose2d(3,0,2)", "Embedding(0,3)"]:
    torch.manual_seed(0)
    m = eval(expr, dict(vars(nn)))
    cases[expr] = {"state_dict": {k: enc(v) for k, v in m.state_dict().items()}, "rand_after": enc(torch.rand(4))}

with open("zero_init.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=1)
print(len(cases), "cases")
