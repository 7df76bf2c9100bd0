"""The terms are stacked with a torch.tensor(0.0) made without device= (so that an empty
list still stacks): a CPU scalar may join a GPU tensor in a binary op, but torch.stack
(a cat of the unsqueezed tensors) takes no CPU tensor at all, so on a GPU it raises.

Caught by: another device
"""

from __future__ import annotations

import torch
from torch import nn


def l2_sp_penalty(
    model: nn.Module,
    pretrained_state: dict[str, torch.Tensor],
    *,
    head: str,
    alpha: float = 0.01,
    beta: float = 0.01,
) -> torch.Tensor:
    head_prefix = head + "."
    to_prior, to_zero = [torch.tensor(0.0)], [torch.tensor(0.0)]
    for name, w in model.named_parameters():
        w0 = None if name.startswith(head_prefix) else pretrained_state.get(name)
        if w0 is not None and w0.shape == w.shape:
            to_prior.append((w - w0.detach().to(w.device, w.dtype)).pow(2).sum())
        else:
            to_zero.append(w.pow(2).sum())
    return alpha / 2 * torch.stack(to_prior).sum() + beta / 2 * torch.stack(to_zero).sum()
