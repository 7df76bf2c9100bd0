"""Small models for the lora grader, built from torch.nn; each calls its Linear layers
(nothing reads a child's weight directly) and builds in well under a millisecond."""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import nn
from torch.nn import functional as F

DIM = 16


class Attention(nn.Module):
    """Multi-head self-attention from explicit projections. `q_proj2` is a gate whose name
    starts with a target's; q, k and v have no bias."""

    def __init__(self, dim: int = DIM, heads: int = 2):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.q_proj2 = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        y = (weights @ v).transpose(1, 2).reshape(b, t, d)
        return self.out_proj(y * torch.sigmoid(self.q_proj2(x)))


class Block(nn.Module):
    """Pre-norm transformer block: attention and an MLP (`mlp.fc1`, `mlp.fc2`)."""

    def __init__(self, dim: int = DIM):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = Attention(dim)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(OrderedDict(fc1=nn.Linear(dim, 2 * dim), act=nn.GELU(), fc2=nn.Linear(2 * dim, dim)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    """Inputs (batch, tokens, 8) -> (batch, tokens, 10). Linear layers, in named_modules()
    order: stem.xq_proj, layers.{0,1}.attn.{q_proj,k_proj,v_proj,q_proj2,out_proj},
    layers.{0,1}.mlp.{fc1,fc2}, lm_head."""

    IN = 8

    def __init__(self, dim: int = DIM, depth: int = 2, vocab: int = 10):
        super().__init__()
        self.stem = nn.Sequential(OrderedDict(xq_proj=nn.Linear(self.IN, dim), act=nn.Tanh()))
        self.layers = nn.ModuleList(Block(dim) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(self.norm(x))


def mlp() -> nn.Sequential:
    """Inputs (batch, 6) -> (batch, 4); Linear layers fc1 (6->16), fc2 (16->16), out (16->4)."""
    return nn.Sequential(OrderedDict(
        fc1=nn.Linear(6, 16), act1=nn.ReLU(), fc2=nn.Linear(16, 16), act2=nn.ReLU(), out=nn.Linear(16, 4),
    ))


class TaggedLinear(nn.Linear):
    """A subclass of nn.Linear that computes what nn.Linear computes."""

    tag = "tagged"


class DoubleBiasLinear(nn.Linear):
    """A subclass with its own forward: x W^T + 2 b (still linear in W)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight) + 2 * self.bias


class SharedNet(nn.Module):
    """Inputs (batch, 8) -> (batch, 3). `enc.proj` and `dec.proj` are one shared Linear;
    `enc.fc` and `dec.fc` are TaggedLinear; `proj` is a Sequential (not a Linear) holding
    a Linear named `inner`."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Sequential(OrderedDict(inner=nn.Linear(8, 8), act=nn.ReLU()))
        shared = nn.Linear(8, 8)
        self.enc = nn.Module()
        self.enc.proj = shared
        self.enc.fc = TaggedLinear(8, 8)
        self.dec = nn.Module()
        self.dec.proj = shared
        self.dec.fc = TaggedLinear(8, 8)
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.proj(x)
        h = self.enc.fc(torch.relu(self.enc.proj(h)))
        h = self.dec.fc(torch.tanh(self.dec.proj(h)))
        return self.head(self.norm(h))


def linear_names(model: nn.Module) -> list[str]:
    return [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
