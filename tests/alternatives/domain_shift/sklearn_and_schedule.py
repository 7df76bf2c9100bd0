"""Correct, in another style: scikit-learn's compute_class_weight, einsum covariances,
MMD as w^T K w on the pooled sample, and AdaBN through an explicit momentum schedule
1 / t (the first batch overwrites the old statistics, later ones average in)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from sklearn.utils.class_weight import compute_class_weight
from torch import Tensor, nn

BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def balanced_class_weights(labels: Tensor, num_classes: int) -> Tensor:
    y = labels.detach().cpu().numpy().ravel()
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must be in [0, {num_classes})")
    present = np.unique(y)
    weights = np.zeros(num_classes, dtype=np.float32)
    weights[present] = compute_class_weight("balanced", classes=present, y=y)
    return torch.from_numpy(weights).to(labels.device)


def _cov(x: Tensor) -> Tensor:
    xc = x - x.mean(0)
    return torch.einsum("ni,nj->ij", xc, xc) / (len(x) - 1)


def coral_loss(source_features: Tensor, target_features: Tensor) -> Tensor:
    d = source_features.shape[-1]
    return torch.linalg.matrix_norm(_cov(source_features) - _cov(target_features)) ** 2 / (4 * d * d)


def mmd(x: Tensor, y: Tensor, *, sigmas: Sequence[float] = (1.0,)) -> Tensor:
    z = torch.cat([x, y])
    sq = (z * z).sum(1, keepdim=True) + (z * z).sum(1) - 2 * z @ z.T
    k = sum(torch.exp(-sq.clamp_min(0) / (2 * s**2)) for s in sigmas)
    w = torch.cat([torch.full((len(x),), 1 / len(x)), torch.full((len(y),), -1 / len(y))]).to(z)
    return w @ k @ w


def adapt_batchnorm(model: nn.Module, batches: Iterable[Tensor]) -> nn.Module:
    norms = [m for m in model.modules() if isinstance(m, BATCH_NORMS)]
    saved = {bn: bn.momentum for bn in norms}
    model.train()
    try:
        with torch.no_grad():
            for t, batch in enumerate(batches, start=1):
                for bn in norms:
                    bn.momentum = 1.0 / t
                model(batch)
    finally:
        for bn, momentum in saved.items():
            bn.momentum = momentum
    return model.eval()
