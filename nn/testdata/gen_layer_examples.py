"""The PyTorch 1.13.1 programs equal to the Go examples of ../example_layers_test.go.

Run from this directory:  /usr/bin/python3 gen_layer_examples.py   -> writes layer_examples.json

Each function prints what its Go example prints. Go prints shapes and key lists as Go slices
("[1 16 4 4]", "[weight bias]"); `go_list` reproduces that format, everything else is PyTorch's own
printing (repr of modules, str of tensors and parameters)."""
import io, json, contextlib
import torch
import torch.nn as nn

assert torch.__version__.startswith("1.13"), torch.__version__


def go_list(xs):
    return "[" + " ".join(str(x) for x in xs) + "]"


def conv2d():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False)
    print(conv)
    print(go_list(conv.state_dict().keys()), go_list(conv.weight.shape))
    print(conv.weight.detach()[0][0])
    y = conv(torch.ones(1, 3, 8, 8))
    print(go_list(y.shape))
    same = nn.Conv2d(16, 8, 3, padding='same', dilation=2, groups=4)
    print(same)
    print(go_list(same(y).shape), sum(p.numel() for p in same.parameters()))


def batchnorm1d():
    bn = nn.BatchNorm1d(3)
    print(bn)
    print(go_list(bn.state_dict().keys()))
    x = torch.tensor([1, 2, 3, 4, 6, 8, 0, 1, -1, 3, 3, 3], dtype=torch.float32).reshape(4, 3)
    print(bn(x).detach())
    print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
    bn.eval()
    print(bn(x))
    cma = nn.BatchNorm1d(3, momentum=None, affine=False)
    print(cma, go_list(cma.state_dict().keys()))


def layernorm():
    ln = nn.LayerNorm(4)
    ln.bias = None  # PyTorch >= 2.1: nn.LayerNorm(4, bias=False)
    print(ln, go_list(ln.state_dict().keys()))
    x = torch.tensor([1, 2, 3, 4, -1, 0, 0, 5], dtype=torch.float32).reshape(2, 4)
    print(ln(x).detach())
    print(nn.LayerNorm((4, 5)))


def embedding():
    torch.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=0)
    print(emb)
    print(emb.weight)
    idx = torch.tensor([0, 2, 4, 0]).reshape(2, 2)
    out = emb(idx)
    print(go_list(out.shape))
    out.sum().backward()
    print(emb.weight.grad)


def upsample():
    x = torch.tensor([1, 2, 3, 4], dtype=torch.float32).reshape(1, 1, 2, 2)
    up = nn.Upsample(scale_factor=2)
    print(up)
    print(up(x))
    bi = nn.Upsample(size=(3, 3), mode='bilinear', align_corners=True)
    print(bi)
    print(bi(x))
    conv = nn.Conv1d(1, 2, 3, padding=2, padding_mode='reflect', bias=False)
    print(conv)
    print(go_list(conv(torch.ones(1, 1, 5)).shape))


examples = {}
for name, fn in [("ExampleNewConv2d", conv2d), ("ExampleNewBatchNorm1d", batchnorm1d),
                 ("ExampleNewLayerNorm", layernorm), ("ExampleNewEmbedding", embedding),
                 ("ExampleNewUpsample", upsample)]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    examples[name] = buf.getvalue()
    print("==", name)
    print(buf.getvalue(), end="")

with open("layer_examples.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "examples": examples}, f, indent=1)
    f.write("\n")
