"""Alternative: merge() remembers the exact delta it added and unmerge() subtracts that
tensor; the branch is one einsum with functional dropout; apply_lora recurses through
the module tree itself; merge_lora builds new plain nn.Linear layers."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


class LoRALinear(nn.Module):
    def __init__(self, base, r, *, alpha=None, dropout=0.0):
        nn.Module.__init__(self)
        if not isinstance(r, int) or r <= 0:
            raise ValueError("rank r must be a positive integer")
        if not isinstance(base, nn.Linear):
            raise ValueError("base must be an nn.Linear")
        base.weight.requires_grad = False
        if base.bias is not None:
            base.bias.requires_grad = False
        self.base = base
        self.r, self.alpha, self.p = r, float(r if alpha is None else alpha), float(dropout)
        self.lora_A = nn.Parameter(base.weight.new_empty(r, base.in_features))
        self.lora_B = nn.Parameter(base.weight.new_zeros(base.out_features, r))
        bound = 1.0 / math.sqrt(base.in_features)  # kaiming_uniform_(a=sqrt(5)) on (r, in)
        with torch.no_grad():
            self.lora_A.uniform_(-bound, bound)
        self._added = None

    def forward(self, x):
        y = self.base(x)
        if self._added is not None:
            return y
        h = F.dropout(x, self.p, training=self.training)
        return y + torch.einsum("...i,ri,or->...o", h, self.lora_A, self.lora_B) * (self.alpha / self.r)

    def merge(self):
        if self._added is None:
            with torch.no_grad():
                self._added = (self.lora_B @ self.lora_A) * (self.alpha / self.r)
                self.base.weight.add_(self._added)

    def unmerge(self):
        if self._added is not None:
            with torch.no_grad():
                self.base.weight.sub_(self._added)
            self._added = None


def _replace(module, match, make, seen):
    for child_name, child in list(module._modules.items()):
        if child is None:
            continue
        if id(child) in seen:
            module._modules[child_name] = seen[id(child)]
        elif isinstance(child, nn.Linear) and match(child):
            seen[id(child)] = module._modules[child_name] = make(child)
        else:
            _replace(child, match, make, seen)


def apply_lora(model, targets, r, *, alpha=None, dropout=0.0):
    targets = frozenset([targets]) if isinstance(targets, str) else frozenset(targets)
    hits = {id(m) for name, m in model.named_modules(remove_duplicate=False)
            if isinstance(m, nn.Linear) and name.split(".")[-1] in targets}
    if not hits:
        names = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
        raise ValueError(f"targets {sorted(targets)} match none of the Linear layers {names}")
    model.requires_grad_(False)
    first_names = [n for n, m in model.named_modules() if id(m) in hits]
    seen = {}
    _replace(model, lambda m: id(m) in hits, lambda m: LoRALinear(m, r, alpha=alpha, dropout=dropout), seen)
    return first_names


def _is_lora(name):
    return name.split(".")[-1] in ("lora_A", "lora_B")


def lora_state_dict(model):
    return {n: torch.empty_like(p).copy_(p.detach()) for n, p in model.named_parameters() if _is_lora(n)}


def load_lora_state_dict(model, state):
    own = {n: p for n, p in model.named_parameters() if _is_lora(n)}
    if set(own) != set(state):
        raise ValueError(f"keys differ: extra {set(state) - set(own)}, missing {set(own) - set(state)}")
    bad = [n for n in own if own[n].shape != state[n].shape]
    if bad:
        raise ValueError(f"wrong shapes for {bad}")
    with torch.no_grad():
        for n, p in own.items():
            p.copy_(state[n])


def _plain(layer):
    base = layer.base
    weight = base.weight.detach().clone()
    if layer._added is None:
        weight += (layer.lora_B @ layer.lora_A).detach() * (layer.alpha / layer.r)
    new = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None,
                    device=weight.device, dtype=weight.dtype)
    with torch.no_grad():
        new.weight.copy_(weight)
        if base.bias is not None:
            new.bias.copy_(base.bias)
    return new


def merge_lora(model):
    if isinstance(model, LoRALinear):
        return _plain(model)
    done = {}
    for name, m in list(model.named_modules(remove_duplicate=False)):
        if isinstance(m, LoRALinear):
            parent, _, leaf = name.rpartition(".")
            if id(m) not in done:
                done[id(m)] = _plain(m)
            setattr(model.get_submodule(parent), leaf, done[id(m)])
    return model
