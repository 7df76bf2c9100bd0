"""balanced_class_weights makes its zeros with torch.zeros(num_classes): they follow torch's
default dtype, so under torch.set_default_dtype(torch.float64) writing the float32 weights
into them by index raises (and a variant that casts would return float64).

Caught by: default dtype is float64
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm


def balanced_class_weights(labels: Tensor, num_classes: int) -> Tensor:
    """Weight `n / (k * count_c)` for each present class (k classes present), 0 for absent ones."""
    labels = labels.reshape(-1).long()
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}), got [{labels.min()}, {labels.max()}]")
    counts = torch.bincount(labels, minlength=num_classes).float()
    present = counts > 0
    weights = torch.zeros(num_classes, device=labels.device)
    weights[present] = labels.numel() / (present.sum() * counts[present])
    return weights


def _covariance(x: Tensor) -> Tensor:
    centred = x - x.mean(dim=0, keepdim=True)
    return centred.T @ centred / (x.shape[0] - 1)


def coral_loss(source_features: Tensor, target_features: Tensor) -> Tensor:
    """Deep CORAL: `||C_S - C_T||_F^2 / (4 d^2)` with unbiased covariances of (n, d) batches."""
    d = source_features.shape[1]
    diff = _covariance(source_features) - _covariance(target_features)
    return diff.pow(2).sum() / (4 * d * d)


def _gaussian_kernel(a: Tensor, b: Tensor, sigmas: Sequence[float]) -> Tensor:
    sq_dist = torch.cdist(a, b).pow(2)
    return sum(torch.exp(-sq_dist / (2 * sigma**2)) for sigma in sigmas)


def mmd(x: Tensor, y: Tensor, *, sigmas: Sequence[float] = (1.0,)) -> Tensor:
    """Biased squared MMD between samples (n, d) and (m, d) with a sum of Gaussian kernels."""
    k_xx = _gaussian_kernel(x, x, sigmas).mean()
    k_yy = _gaussian_kernel(y, y, sigmas).mean()
    k_xy = _gaussian_kernel(x, y, sigmas).mean()
    return k_xx + k_yy - 2 * k_xy


@torch.no_grad()
def adapt_batchnorm(model: nn.Module, batches: Iterable[Tensor]) -> nn.Module:
    """AdaBN: replace every BatchNorm's running statistics by their cumulative average over
    `batches` (iterated once, so a generator works); parameters are untouched and the model
    is returned in eval mode."""
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    momenta = [bn.momentum for bn in norms]
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    for batch in batches:
        model(batch)
    for bn, momentum in zip(norms, momenta):
        bn.momentum = momentum
    return model.eval()
