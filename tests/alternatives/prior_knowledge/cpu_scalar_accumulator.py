"""Style: the two sums start from 0-dim CPU tensors and grow out of place (total = total +
term), which CUDA allows (one CPU scalar in a binary op; the result is on the GPU); each
prior w0 is moved to the parameter's device with .to(w.device) after a CPU detach, and
the weights are torch.tensor scalars on the CPU multiplied in at the end."""

from __future__ import annotations

import torch


def l2_sp_penalty(model, pretrained_state, *, head, alpha=0.01, beta=0.01):
    to_prior = torch.tensor(0.0)
    to_zero = torch.tensor(0.0)
    for name, w in model.named_parameters():
        prior = pretrained_state.get(name)
        if prior is not None and not name.startswith(head + ".") and prior.shape == w.shape:
            w0 = prior.detach().cpu().to(w.device, w.dtype)
            to_prior = to_prior + torch.sum((w - w0) * (w - w0))
        else:
            to_zero = to_zero + torch.sum(w * w)
    half = torch.tensor(0.5)
    return half * (to_prior * alpha) + (to_zero * beta) * half
