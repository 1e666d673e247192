"""Small sequence models of the zoo, in torch: a GPT-style decoder and LSTM/GRU taggers."""
import math

import torch
from torch import nn


class CausalSelfAttention(nn.Module):
    """GPT-2 style: one qkv projection, a causal mask sliced from a buffer, softmax."""

    def __init__(self, d, heads, max_len):
        super().__init__()
        self.heads, self.qkv, self.proj = heads, nn.Linear(d, 3 * d), nn.Linear(d, d)
        mask = torch.tril(torch.ones(max_len, max_len)).view(1, 1, max_len, max_len)
        self.register_buffer("mask", mask)

    def forward(self, x):
        b, t, d = x.size()
        q, k, v = self.qkv(x).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (z.view(shape).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.heads))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf")).softmax(dim=-1)
        return self.proj((att @ v).transpose(1, 2).reshape(b, t, d))


class Block(nn.Module):
    def __init__(self, d, heads, max_len):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, heads, max_len)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """Token + learned position embeddings, decoder blocks, final layernorm, tied head."""

    def __init__(self, vocab=4096, d=256, heads=4, layers=2, max_len=512):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(max_len, d)
        self.blocks = nn.Sequential(*[Block(d, heads, max_len) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, tokens):
        pos = torch.arange(tokens.size(1), device=tokens.device).unsqueeze(0)
        x = self.blocks(self.tok(tokens) + self.pos(pos))
        return self.ln(x) @ self.tok.weight.t()


class Tagger(nn.Module):
    """A 2-layer LSTM or GRU over [1, T, features] frames, a linear head per frame."""

    def __init__(self, cell="lstm", features=80, hidden=256, classes=40):
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(features, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, frames):
        return self.head(self.rnn(frames)[0])
