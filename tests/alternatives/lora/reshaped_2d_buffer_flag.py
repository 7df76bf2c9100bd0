"""Alternative: the branch computed on a 2-D view (x.reshape(-1, in)) and reshaped back;
the merged state a bool buffer; targets matched through a dict of parents built in one
walk; merge_lora builds new frozen nn.Linear layers; lora_state_dict from state_dict()."""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    def __init__(self, base, r, *, alpha=None, dropout=0.0):
        super().__init__()
        if type(r) is not int or r < 1 or not isinstance(base, nn.Linear):
            raise ValueError("LoRALinear(base: nn.Linear, r: int >= 1)")
        self.base = base
        self.base.requires_grad_(False)
        self.r = r
        self.alpha = alpha if alpha is not None else r
        factory = dict(device=base.weight.device, dtype=base.weight.dtype)
        self.lora_A = nn.Parameter(torch.empty((r, base.in_features), **factory))
        self.lora_B = nn.Parameter(torch.zeros((base.out_features, r), **factory))
        torch.nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = nn.Dropout(p=dropout)
        self.register_buffer("is_merged", torch.tensor(False), persistent=False)

    @property
    def scaling(self):
        return self.alpha / self.r

    def forward(self, x):
        y = self.base(x)
        if bool(self.is_merged):
            return y
        flat = self.lora_dropout(x).reshape(-1, self.base.in_features)
        branch = torch.mm(torch.mm(flat, self.lora_A.t()), self.lora_B.t()) * self.scaling
        return y + branch.reshape(*x.shape[:-1], self.base.out_features)

    def merge(self):
        if not bool(self.is_merged):
            with torch.no_grad():
                self.base.weight.addmm_(self.lora_B, self.lora_A, alpha=self.scaling)
            self.is_merged.fill_(True)

    def unmerge(self):
        if bool(self.is_merged):
            with torch.no_grad():
                self.base.weight.addmm_(self.lora_B, self.lora_A, alpha=-self.scaling)
            self.is_merged.fill_(False)


def apply_lora(model, targets, r, *, alpha=None, dropout=0.0):
    names = {targets} if isinstance(targets, str) else {str(t) for t in targets}
    slots = {}  # id(module) -> list of (parent, attribute)
    first = {}
    for parent_name, parent in model.named_modules(remove_duplicate=False):
        for attr, child in parent._modules.items():
            if isinstance(child, nn.Linear) and attr in names:
                slots.setdefault(id(child), (child, []))[1].append((parent, attr))
                first.setdefault(id(child), f"{parent_name}.{attr}" if parent_name else attr)
    if not slots:
        linear = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
        raise ValueError(f"nothing named {sorted(names)}; Linear layers: {linear}")
    for p in model.parameters():
        p.requires_grad_(False)
    for child, places in slots.values():
        wrapper = LoRALinear(child, r, alpha=alpha, dropout=dropout)
        for parent, attr in places:
            parent._modules[attr] = wrapper
    order = {n: i for i, (n, _) in enumerate(model.named_modules())}
    return sorted(first.values(), key=order.__getitem__)


def lora_state_dict(model):
    return {k: v.clone() for k, v in model.state_dict().items() if k.endswith(("lora_A", "lora_B"))
            and k in dict(model.named_parameters())}


def load_lora_state_dict(model, state):
    own = {k: p for k, p in model.named_parameters() if k.endswith(("lora_A", "lora_B"))}
    problems = [f"unknown {k}" for k in state if k not in own] + [f"missing {k}" for k in own if k not in state]
    problems += [f"shape of {k}" for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if problems:
        raise ValueError("; ".join(problems))
    with torch.no_grad():
        for k, p in own.items():
            p.copy_(state[k])


def _deployed(layer):
    base = layer.base
    weight = base.weight.detach().clone()
    if not bool(layer.is_merged):
        weight = weight + (layer.lora_B @ layer.lora_A).detach() * layer.scaling
    out = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None).to(weight.device, weight.dtype)
    out.weight = nn.Parameter(weight, requires_grad=False)
    if base.bias is not None:
        out.bias = nn.Parameter(base.bias.detach().clone(), requires_grad=False)
    return out


def merge_lora(model):
    if isinstance(model, LoRALinear):
        return _deployed(model)
    built = {}
    for parent in list(model.modules()):
        for attr, child in list(parent._modules.items()):
            if isinstance(child, LoRALinear):
                if id(child) not in built:
                    built[id(child)] = _deployed(child)
                parent._modules[attr] = built[id(child)]
    return model
