"""PyTorch twin of the lab experiment transformer-nobias (lab/experiments/transformer_nobias.go).

A tiny causal Transformer language model on sequences from a random second-order Markov
chain over 8 tokens (each context has two successors, probabilities 0.75 and 0.25; the
first two tokens uniform): token and learned position embeddings, pre-LN
TransformerEncoderLayers (2 heads, feed-forward 4x width, ReLU, no dropout) under a causal
mask, a final LayerNorm and a linear head. bias=off removes every bias: PyTorch 1.13's
TransformerEncoderLayer has no bias switch, so the layer is written out here with the same
parameters (in_proj, out_proj, linear1, linear2, norm1, norm2) and, for bias=off, no bias
vectors at all, LayerNorms included (PyTorch 2.1's bias=False). Adam without warmup, batch
16; a loss that is not finite or exceeds 3 ln 8 counts as divergence.
Run: /usr/bin/python3 lab/pytorch/transformer_nobias.py [--seeds N] [--quick] [--set name=value]."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from twin import Param, eval_loss, fit, go_float, on_off, run

VOCAB = 8
TOP = (0.75, 0.25)

PARAMS = [
    Param("lrs", [0.001, 0.01, 0.1], quick=[0.01], kind="floats"),
    Param("d_model", 16),
    Param("layers", 1),
    Param("context", 12),
    Param("samples", 1024, quick=128),
    Param("steps", 150, quick=10),
    Param("loss_margin", 0.02),
    Param("diverge_margin", 0.1),
    Param("spike_margin", 0.05),
]


def variants(cfg):
    return [{"settings": (("lr", go_float(lr)), ("bias", on_off(b))), "lr": lr, "bias": b}
            for lr in cfg.lrs for b in (True, False)]


class Norm(nn.Module):
    """LayerNorm with an optional bias (torch 1.13's LayerNorm always has one)."""

    def __init__(self, d, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None
        self.d = d

    def forward(self, x):
        return F.layer_norm(x, (self.d,), self.weight, self.bias, 1e-5)


class Layer(nn.Module):
    """nn.TransformerEncoderLayer(d, 2, 4d, dropout=0, norm_first=True, batch_first=True)
    with every bias optional; initialized as PyTorch initializes that layer."""

    def __init__(self, d, heads, bias):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, dropout=0.0, bias=bias, batch_first=True)
        self.linear1 = nn.Linear(d, 4 * d, bias=bias)
        self.linear2 = nn.Linear(4 * d, d, bias=bias)
        self.norm1, self.norm2 = Norm(d, bias), Norm(d, bias)

    def forward(self, x, mask):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.linear2(F.relu(self.linear1(self.norm2(x))))


class TinyLM(nn.Module):
    def __init__(self, d, layers, T, bias):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d)
        self.pos = nn.Embedding(T, d)
        self.layers = nn.ModuleList([Layer(d, 2, bias) for _ in range(layers)])
        self.norm = Norm(d, bias)
        self.head = nn.Linear(d, VOCAB, bias=bias)
        self.register_buffer("mask", torch.triu(torch.full((T, T), float("-inf")), diagonal=1))
        self.register_buffer("positions", torch.arange(T))

    def forward(self, x):
        h = self.tok(x) + self.pos(self.positions)
        for l in self.layers:
            h = l(h, self.mask)
        return self.head(self.norm(h))


def lm_loss(out, y):
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


def markov_chain2():
    a = torch.randint(0, VOCAB, (VOCAB * VOCAB,))
    b = (a + 1 + torch.randint(0, VOCAB - 1, (VOCAB * VOCAB,))) % VOCAB
    return torch.stack([a, b], 1)


def lm_data(chain, n, T):
    seq = torch.empty(n, T + 1, dtype=torch.int64)
    seq[:, 0] = torch.randint(0, VOCAB, (n,))
    seq[:, 1] = torch.randint(0, VOCAB, (n,))
    for t in range(2, T + 1):
        nxt = chain[seq[:, t - 2] * VOCAB + seq[:, t - 1]]
        first = torch.rand(n) < TOP[0]
        seq[:, t] = torch.where(first, nxt[:, 0], nxt[:, 1])
    return seq[:, :T].contiguous(), seq[:, 1:].contiguous()


def loss_spike(losses):
    best, spike = math.inf, 0.0
    for l in losses:
        best = min(best, l)
        spike = max(spike, l - best)
    return spike


def trial(cfg, cond, seed):
    T = cfg.context
    chain = markov_chain2()
    x, y = lm_data(chain, cfg.samples, T)
    xte, yte = lm_data(chain, 256, T)
    model = TinyLM(cfg.d_model, cfg.layers, T, cond["bias"])
    out = {"params": float(len(list(model.parameters())))}
    tr = fit(model, x, y, lm_loss, cfg.steps, cond["lr"], opt="adam", batch=16, every=1, max_loss=3 * math.log(VOCAB))
    out["diverged"] = 1.0 if tr.diverged else 0.0
    if tr.diverged:
        out.update(test_loss=math.nan, spike=math.nan)
    else:
        model.eval()
        out.update(test_loss=eval_loss(model, xte, yte, lm_loss), spike=loss_spike(tr.losses))
    return out, tr.diverged


if __name__ == "__main__":
    run("transformer-nobias", PARAMS, variants, trial)
