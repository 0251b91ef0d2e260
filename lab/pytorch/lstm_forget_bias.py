"""PyTorch twin of the lab experiment lstm-forget-bias (lab/experiments/lstm_forget_bias.go).

Recall after a lag: the first step of a sequence is one of `symbols` symbols, the T-1 later
steps distractor symbols (another `symbols`), all one-hot; an LSTM(2k, hidden,
batch_first=True) and a Linear(hidden, k) on its last output name the first symbol. The
forget-gate bias is PyTorch's default (bias_ih and bias_hh both U(-1/sqrt(H), 1/sqrt(H)),
gate order i, f, g, o) or 1: bias_ih[H:2H] = 1, bias_hh[H:2H] = 0, so the gate's total bias
is exactly 1. Adam, shuffled batches of 32, a fresh test set of 512 sequences.
Run: /usr/bin/python3 lab/pytorch/lstm_forget_bias.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn

from twin import Param, accuracy, cross_entropy, eval_loss, fit, go_float, run

PARAMS = [
    Param("lengths", [20.0, 50.0], quick=[10.0], kind="floats"),
    Param("hidden", 16),
    Param("symbols", 4),
    Param("samples", 2048, quick=256),
    Param("steps", 300, quick=20),
    Param("lr", 0.01),
    Param("margin", 0.05),
]


def variants(cfg):
    return [{"settings": (("length", go_float(t)), ("forget_bias", f)), "length": int(t), "forget": f}
            for t in cfg.lengths for f in ("default", "1")]


def recall_data(n, T, k):
    first = torch.randint(0, k, (n,))
    rest = torch.randint(k, 2 * k, (n, T - 1))
    idx = torch.cat([first[:, None], rest], 1)
    return nn.functional.one_hot(idx, 2 * k).float(), first


class RecallLSTM(nn.Module):
    def __init__(self, k, h):
        super().__init__()
        self.lstm = nn.LSTM(2 * k, h, batch_first=True)
        self.head = nn.Linear(h, k)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def forget_bias(lstm):
    h = lstm.hidden_size
    with torch.no_grad():
        return (lstm.bias_ih_l0[h:2 * h] + lstm.bias_hh_l0[h:2 * h]).mean().item()


def trial(cfg, cond, seed):
    k, h, T = cfg.symbols, cfg.hidden, cond["length"]
    x, y = recall_data(cfg.samples, T, k)
    xte, yte = recall_data(512, T, k)
    model = RecallLSTM(k, h)
    if cond["forget"] == "1":
        with torch.no_grad():
            model.lstm.bias_ih_l0[h:2 * h].fill_(1)
            model.lstm.bias_hh_l0[h:2 * h].zero_()
    out = {"forget_bias_init": forget_bias(model.lstm)}
    tr = fit(model, x, y, cross_entropy, cfg.steps, cfg.lr, opt="adam", batch=32, every=5)
    if tr.diverged:
        out.update(test_accuracy=math.nan, test_loss=math.nan, solved=0.0)
    else:
        model.eval()
        acc = accuracy(model, xte, yte)
        out.update(test_accuracy=acc, test_loss=eval_loss(model, xte, yte, cross_entropy), solved=1.0 if acc >= 0.95 else 0.0)
    out["forget_bias_end"] = forget_bias(model.lstm)
    return out, tr.diverged


if __name__ == "__main__":
    run("lstm-forget-bias", PARAMS, variants, trial)
