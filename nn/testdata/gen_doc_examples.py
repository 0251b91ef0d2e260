"""The examples of the document the product comes from ("Bias in neural networks"), written as the
PyTorch programs it describes, run with Debian's PyTorch 1.13.1:

    /usr/bin/python3 gen_doc_examples.py > doc_examples.json

The Go testable examples in ../example_doc_test.go are the same programs; their `// Output:`
blocks must equal what these programs print (TestDocExamplesMatchPyTorch checks that)."""
import contextlib, io, json
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn import init


class CustomModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def method1_builtin_layer():
    torch.manual_seed(42)
    layer = nn.Linear(3, 1, bias=True)
    print(layer)
    print("Weight:", layer.weight)
    print("Bias:", layer.bias)


def method2_no_bias():
    torch.manual_seed(42)
    layer = nn.Linear(3, 1, bias=False)
    print(layer)
    print("Bias:", layer.bias)


def method3_constant_bias():
    torch.manual_seed(42)
    layer = nn.Linear(3, 1)
    init.constant_(layer.bias, 0.5)
    print("Bias:", layer.bias)


def method4_custom_model():
    torch.manual_seed(42)
    model = CustomModel()
    print(model)
    print("fc1 bias:", model.fc1.bias)
    print("fc2 bias:", model.fc2.bias)


def method5_conv2d():
    torch.manual_seed(42)
    conv = nn.Conv2d(3, 16, kernel_size=3, bias=True)
    print(conv)
    print("Conv bias:", conv.bias)


def method6_bias_inits():
    torch.manual_seed(42)
    model = CustomModel()
    init.zeros_(model.fc1.bias)
    init.normal_(model.fc2.bias, mean=0.0, std=0.1)
    print("fc1 bias:", model.fc1.bias)
    print("fc2 bias:", model.fc2.bias)


def method7_with_vs_without_bias():
    torch.manual_seed(42)
    x = torch.randn(100, 3)
    y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 3.0  # the target is not zero-centered
    for bias in (True, False):
        model = nn.Linear(3, 1, bias=bias)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(100):
            opt.zero_grad()
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        print(f"bias={bias}: final loss {loss.item():.4f}")


def init1_zeros():
    torch.manual_seed(42)
    layer = nn.Linear(3, 2)
    init.zeros_(layer.weight)
    init.zeros_(layer.bias)
    print("Weights:", layer.weight)
    print("Bias:", layer.bias)


def init2_normal():
    torch.manual_seed(42)
    layer = nn.Linear(3, 2)
    init.normal_(layer.weight, mean=0.0, std=1.0)
    init.normal_(layer.bias, mean=0.0, std=1.0)
    print("Weights:", layer.weight)
    print("Bias:", layer.bias)


def init3_xavier():
    torch.manual_seed(42)
    layer = nn.Linear(3, 2)
    init.xavier_uniform_(layer.weight)
    init.zeros_(layer.bias)
    print("Weights:", layer.weight)
    print("Bias:", layer.bias)


def init4_kaiming():
    torch.manual_seed(42)
    layer = nn.Linear(3, 2)
    init.kaiming_uniform_(layer.weight, nonlinearity='relu')
    init.zeros_(layer.bias)
    print("Weights:", layer.weight)
    print("Bias:", layer.bias)


def init5_loss_comparison():
    torch.manual_seed(42)
    x = torch.randn(10, 3)
    y = torch.randn(10, 1)
    inits = [
        ("Zero", lambda w: init.zeros_(w)),
        ("Normal", lambda w: init.normal_(w, mean=0.0, std=1.0)),
        ("Xavier", lambda w: init.xavier_uniform_(w)),
        ("He", lambda w: init.kaiming_uniform_(w, nonlinearity='relu')),
    ]
    for name, fn in inits:
        model = nn.Linear(3, 1)
        fn(model.weight)
        init.zeros_(model.bias)
        loss = F.mse_loss(model(x), y)
        print(f"{name} init loss: {loss.item():.4f}")


examples = [method1_builtin_layer, method2_no_bias, method3_constant_bias, method4_custom_model,
            method5_conv2d, method6_bias_inits, method7_with_vs_without_bias,
            init1_zeros, init2_normal, init3_xavier, init4_kaiming, init5_loss_comparison]
out = {"torch_version": torch.__version__, "examples": {}}
for fn in examples:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    out["examples"][fn.__name__] = buf.getvalue()
print(json.dumps(out, indent=1))
