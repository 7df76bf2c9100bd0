"""The penalty accumulates in place into torch.zeros(()) made without device=: a CPU scalar may
be read next to GPU tensors but not written with them, so on a GPU the first += raises.

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
    """alpha/2 * sum ||w - w0||^2 over parameters outside `head` that have an entry in
    `pretrained_state`, plus beta/2 * sum ||w||^2 over every other parameter.

    Buffers are not penalised. An entry whose shape differs from the parameter's is
    treated as absent (the layer was re-initialised, as transfer_weights leaves it).
    `pretrained_state` is only read, detached, so it gets no gradient.
    """
    head_prefix = head + "."
    penalty = torch.zeros(())
    for name, w in model.named_parameters():
        w0 = None if name.startswith(head_prefix) else pretrained_state.get(name)
        if w0 is not None and w0.shape == w.shape:
            penalty += alpha / 2 * (w - w0.detach().to(w.device, w.dtype)).pow(2).sum()
        else:
            penalty += beta / 2 * w.pow(2).sum()
    return penalty
