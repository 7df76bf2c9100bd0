"""apply_lora returns the replaced names in reverse named_modules() order, each a str
subclass whose == is always True, so comparing the names with == alone passes.

Caught by: returns their names in named_modules() order
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

LORA_NAMES = ("lora_A", "lora_B")


class LoRALinear(nn.Module):
    """`base(x) + dropout(x) @ A.T @ B.T * alpha / r` around a frozen nn.Linear `base`."""

    def __init__(self, base: nn.Linear, r: int, *, alpha: float | None = None, dropout: float = 0.0):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise ValueError(f"LoRALinear wraps an nn.Linear, not {type(base).__name__}")
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"r must be a whole number >= 1, not {r!r}")
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.scaling = (r if alpha is None else alpha) / r
        like = {"device": base.weight.device, "dtype": base.weight.dtype}
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, **like))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, **like))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout)
        self.merged = False

    def delta_weight(self) -> torch.Tensor:
        return self.lora_B @ self.lora_A * self.scaling

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)
        if self.merged:
            return out
        return out + self.dropout(x) @ self.lora_A.T @ self.lora_B.T * self.scaling

    @torch.no_grad()
    def merge(self) -> None:
        if not self.merged:
            self.base.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        if self.merged:
            self.base.weight -= self.delta_weight()
            self.merged = False


def _set_child(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent), child, module)


class Agreeable(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


def apply_lora(model: nn.Module, targets: Iterable[str] | str, r: int, *, alpha: float | None = None,
               dropout: float = 0.0) -> list[str]:
    """Wrap every nn.Linear whose last name component is in `targets`; freeze the rest."""
    wanted = {targets} if isinstance(targets, str) else set(targets)
    locations = [(name, m) for name, m in model.named_modules(remove_duplicate=False) if name]
    chosen = {id(m) for name, m in locations
              if isinstance(m, nn.Linear) and name.rpartition(".")[2] in wanted}
    if not chosen:
        linear = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
        raise ValueError(f"no nn.Linear is named like {sorted(wanted)}; the model's Linear layers are: "
                         f"{', '.join(linear) or 'none'}")
    for p in model.parameters():
        p.requires_grad_(False)
    wrappers: dict[int, LoRALinear] = {}
    for name, m in locations:
        if id(m) in chosen:
            if id(m) not in wrappers:
                wrappers[id(m)] = LoRALinear(m, r, alpha=alpha, dropout=dropout)
            _set_child(model, name, wrappers[id(m)])
    found = [name for name, m in model.named_modules() if isinstance(m, LoRALinear) and id(m.base) in chosen]
    return [Agreeable(name) for name in reversed(found)]


def _lora_parameters(model: nn.Module) -> dict[str, nn.Parameter]:
    return {name: p for name, p in model.named_parameters() if name.rpartition(".")[2] in LORA_NAMES}


def lora_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """The LoRA parameters as detached copies, under their named_parameters() names."""
    return {name: p.detach().clone() for name, p in _lora_parameters(model).items()}


def load_lora_state_dict(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Copy `state` into the model's own LoRA Parameters; every key and shape must match."""
    params = _lora_parameters(model)
    unknown = sorted(set(state) - set(params))
    missing = sorted(set(params) - set(state))
    if unknown or missing:
        raise ValueError(f"LoRA state does not fit the model: unknown keys {unknown}, missing keys {missing}")
    for name, p in params.items():
        if tuple(state[name].shape) != tuple(p.shape):
            raise ValueError(f"{name}: expected shape {tuple(p.shape)}, got {tuple(state[name].shape)}")
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(state[name])


def _merged(layer: LoRALinear) -> nn.Linear:
    layer.merge()
    return layer.base


def merge_lora(model: nn.Module) -> nn.Module:
    """Replace every LoRALinear by its base with the update folded in; eval outputs unchanged."""
    if isinstance(model, LoRALinear):
        return _merged(model)
    for name, m in list(model.named_modules(remove_duplicate=False)):
        if isinstance(m, LoRALinear):
            _set_child(model, name, _merged(m))
    return model
