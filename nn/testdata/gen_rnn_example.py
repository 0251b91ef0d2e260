"""The PyTorch 1.13.1 program equal to ExampleLSTM_SetForgetGateBias in ../example_rnn_test.go.

Run from this directory:  /usr/bin/python3 gen_rnn_example.py   -> writes rnn_example.json

It prints what the Go example prints; TestRNNExampleMatchesPyTorch compares the example's
`// Output:` block with it."""
import contextlib
import io
import json
import torch
import torch.nn as nn

assert torch.__version__.startswith("1.13"), torch.__version__


def forget_gate_bias():
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4)
    head = nn.Linear(4, 1)
    H = lstm.hidden_size
    with torch.no_grad():  # nn.LSTM.SetForgetGateBias(1) in Go
        lstm.bias_ih_l0[H:2 * H].fill_(1)
        lstm.bias_hh_l0[H:2 * H].zero_()
    print(lstm)
    print((lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()[H:2 * H])
    x, y = torch.randn(5, 2, 3), torch.randn(2, 1)
    opt = torch.optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.1)
    for step in range(5):
        opt.zero_grad()
        out, (hn, cn) = lstm(x)
        loss = nn.functional.mse_loss(head(hn[-1]), y)
        loss.backward()
        opt.step()
        print("step %d: loss %.4f" % (step, loss.item()))
    print((lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()[H:2 * H])


buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    forget_gate_bias()
print(buf.getvalue(), end="")
with open("rnn_example.json", "w") as f:
    json.dump({"torch_version": torch.__version__, "examples": {"ExampleLSTM_SetForgetGateBias": buf.getvalue()}}, f, indent=1)
    f.write("\n")
