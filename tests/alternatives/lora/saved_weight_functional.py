"""Alternative: merge() keeps a copy of the original weight and unmerge() restores it;
the branch is two F.linear calls; dropout an nn.Dropout only when p > 0; apply_lora lists
a shared layer under all of its names; merge_lora hands back the merged base modules."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r: int, *, alpha=None, dropout: float = 0.0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise ValueError(f"expected nn.Linear, got {base.__class__.__name__}")
        if r < 1:
            raise ValueError(f"r={r} < 1")
        self.base = base.requires_grad_(False)
        self.scale = (alpha if alpha is not None else r) / r
        a = torch.empty(r, base.in_features, device=base.weight.device, dtype=base.weight.dtype)
        nn.init.kaiming_uniform_(a, a=math.sqrt(5))
        self.lora_A = nn.Parameter(a)
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, device=a.device, dtype=a.dtype))
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.register_buffer("_original", None, persistent=False)

    def forward(self, x):
        if self._original is not None:
            return self.base(x)
        return self.base(x) + F.linear(F.linear(self.drop(x), self.lora_A), self.lora_B) * self.scale

    @torch.no_grad()
    def merge(self):
        if self._original is None:
            self._original = self.base.weight.detach().clone()
            self.base.weight.copy_(self._original + self.lora_B @ self.lora_A * self.scale)

    @torch.no_grad()
    def unmerge(self):
        if self._original is not None:
            self.base.weight.copy_(self._original)
            self._original = None


def apply_lora(model, targets, r, *, alpha=None, dropout=0.0):
    if isinstance(targets, str):
        targets = [targets]
    targets = list(targets)
    everything = list(model.named_modules(remove_duplicate=False))
    linear = [(n, m) for n, m in everything if isinstance(m, nn.Linear)]
    chosen = [(n, m) for n, m in linear if n.rsplit(".", 1)[-1] in targets]
    if not chosen:
        raise ValueError("no Linear layer matches; Linear layers: " + ", ".join(n for n, _ in linear))
    for p in model.parameters():
        p.requires_grad = False
    made = {}
    for name, m in chosen:
        if id(m) not in made:
            made[id(m)] = LoRALinear(m, r, alpha=alpha, dropout=dropout)
        owner = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
        setattr(owner, name.rsplit(".", 1)[-1], made[id(m)])
    return [n for n, _ in chosen]


def lora_state_dict(model):
    out = {}
    for name, p in model.named_parameters():
        if name.endswith(".lora_A") or name.endswith(".lora_B") or name in ("lora_A", "lora_B"):
            out[name] = p.detach().cpu().clone() if p.device.type == "cpu" else p.detach().to("cpu")
    return out


def load_lora_state_dict(model, state):
    params = {n: p for n, p in model.named_parameters() if n.endswith((".lora_A", ".lora_B"))}
    for key in state:
        if key not in params:
            raise ValueError(f"unexpected key {key}")
    for key, p in params.items():
        if key not in state:
            raise ValueError(f"missing key {key}")
        if state[key].shape != p.shape:
            raise ValueError(f"{key}: shape {tuple(state[key].shape)} != {tuple(p.shape)}")
    with torch.no_grad():
        for key, p in params.items():
            p.copy_(state[key].to(device=p.device, dtype=p.dtype))


def merge_lora(model):
    if isinstance(model, LoRALinear):
        model.merge()
        return model.base
    for name, m in list(model.named_modules(remove_duplicate=False)):
        if isinstance(m, LoRALinear):
            m.merge()
            owner = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
            setattr(owner, name.rsplit(".", 1)[-1], m.base)
    return model
