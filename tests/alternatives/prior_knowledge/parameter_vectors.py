"""Alternative: parameter-vector style. The anchored parameters, their pretrained values
and the free parameters are each flattened into one vector, and the penalty is two dot
products."""

from __future__ import annotations

import torch


def _flat(tensors, device):
    if not tensors:
        return torch.zeros(0, device=device)
    return torch.cat([t.reshape(-1) for t in tensors])


def l2_sp_penalty(model, pretrained_state, *, head, alpha=0.01, beta=0.01):
    anchored, anchors, free = [], [], []
    for name, w in model.named_parameters():
        in_head = name.startswith(f"{head}.")
        if not in_head and name in pretrained_state:
            anchored.append(w)
            anchors.append(pretrained_state[name].detach().to(device=w.device, dtype=w.dtype))
        else:
            free.append(w)
    device = next(model.parameters()).device
    diff = _flat(anchored, device) - _flat(anchors, device)
    rest = _flat(free, device)
    return 0.5 * (alpha * torch.dot(diff, diff) + beta * torch.dot(rest, rest))
