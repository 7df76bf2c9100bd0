"""Correct, in another style: AdaBN through torch.optim.swa_utils.update_bn (which resets,
switches to momentum=None and restores the momenta itself); class counts with index_add_,
CORAL on torch.cov with an explicit correction, MMD from expanded squared norms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import update_bn


def balanced_class_weights(labels: Tensor, num_classes: int) -> Tensor:
    if torch.any(labels < 0) or torch.any(labels >= num_classes):
        raise ValueError(f"every label must be in range(0, {num_classes})")
    counts = torch.zeros(num_classes, dtype=torch.float32, device=labels.device).index_add_(
        0, labels.long(), torch.ones(labels.numel(), dtype=torch.float32, device=labels.device)
    )
    k = torch.count_nonzero(counts)
    return torch.nan_to_num(labels.numel() / (k * counts), posinf=0.0)


def coral_loss(source_features: Tensor, target_features: Tensor) -> Tensor:
    d = source_features.shape[1]
    c_s = torch.cov(source_features.t(), correction=1)
    c_t = torch.cov(target_features.t(), correction=1)
    return torch.sum((c_s - c_t) ** 2) / (4.0 * d * d)


def _sq_dists(a: Tensor, b: Tensor) -> Tensor:
    return (a.pow(2).sum(-1)[:, None] + b.pow(2).sum(-1)[None, :] - 2 * a @ b.T).clamp_min(0)


def mmd(x: Tensor, y: Tensor, *, sigmas: Sequence[float] = (1.0,)) -> Tensor:
    total = x.new_zeros(())
    for sigma in sigmas:
        gamma = 1.0 / (2.0 * sigma**2)
        total = total + (
            torch.exp(-gamma * _sq_dists(x, x)).mean()
            + torch.exp(-gamma * _sq_dists(y, y)).mean()
            - 2 * torch.exp(-gamma * _sq_dists(x, y)).mean()
        )
    return total


def adapt_batchnorm(model: nn.Module, batches: Iterable[Tensor]) -> nn.Module:
    update_bn(batches, model)
    return model.eval()
