"""Correct, in another style: torch.unique counts, torch.cov, broadcast distances, and
AdaBN by collecting each BatchNorm input's batch statistics with forward hooks (only the
BatchNorm layers in train mode, momentum never touched)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn


def balanced_class_weights(labels: Tensor, num_classes: int) -> Tensor:
    labels = labels.flatten()
    if ((labels < 0) | (labels >= num_classes)).any():
        raise ValueError("label out of range")
    classes, counts = torch.unique(labels, return_counts=True)
    weights = torch.zeros(num_classes, dtype=torch.float32, device=labels.device)
    weights[classes] = len(labels) / (len(classes) * counts.float())
    return weights


def coral_loss(source_features: Tensor, target_features: Tensor) -> Tensor:
    d = source_features.size(1)
    gap = torch.cov(source_features.T) - torch.cov(target_features.T)
    return (gap * gap).sum() / (4 * d**2)


def mmd(x: Tensor, y: Tensor, *, sigmas: Sequence[float] = (1.0,)) -> Tensor:
    def kernel_mean(a: Tensor, b: Tensor) -> Tensor:
        sq = (a.unsqueeze(1) - b.unsqueeze(0)).pow(2).sum(-1)
        return torch.stack([torch.exp(-sq / (2 * s * s)) for s in sigmas]).sum(0).mean()

    return kernel_mean(x, x) + kernel_mean(y, y) - 2 * kernel_mean(x, y)


def adapt_batchnorm(model: nn.Module, batches: Iterable[Tensor]) -> nn.Module:
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    collected = {bn: [] for bn in norms}

    def collect(bn, inputs, output):
        x = inputs[0].detach()
        dims = [d for d in range(x.dim()) if d != 1]
        collected[bn].append((x.mean(dims), x.var(dims, unbiased=True)))

    handles = [bn.register_forward_hook(collect) for bn in norms]
    model.eval()
    for bn in norms:
        bn.train()
    try:
        with torch.no_grad():
            for batch in batches:
                model(batch)
    finally:
        for handle in handles:
            handle.remove()
    with torch.no_grad():
        for bn, stats in collected.items():
            if stats:
                bn.running_mean.copy_(torch.stack([m for m, _ in stats]).mean(0))
                bn.running_var.copy_(torch.stack([v for _, v in stats]).mean(0))
                bn.num_batches_tracked.fill_(len(stats))
    return model.eval()
