"""AdaBN averages the batch statistics weighted by batch size: right for the mean, wrong for
the variance, which misses the spread between the batch means; on batches of one size it
is the batch average, so only unequal batches show it.

Caught by: unequal sizes
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
    weights = torch.zeros(num_classes, dtype=torch.float32, device=labels.device)
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
    """AdaBN that weights each batch's mean and unbiased variance by its size, thinking that
    this gives the statistics of all samples: the mean is right, but the variance leaves out
    the spread between the batch means (neither the batch average nor the population)."""
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    sums = {bn: [0, 0.0, 0.0] for bn in norms}

    def record(bn, inputs, output):
        x = inputs[0].double()
        dims = [0, *range(2, x.dim())]
        size = x.numel() // x.shape[1]
        sums[bn][0] += size
        sums[bn][1] = sums[bn][1] + size * x.mean(dims)
        sums[bn][2] = sums[bn][2] + size * x.var(dims, unbiased=True)

    handles = [bn.register_forward_hook(record) for bn in norms]
    model.train()
    for batch in batches:
        model(batch)
    for handle in handles:
        handle.remove()
    for bn, (count, mean_sum, var_sum) in sums.items():
        bn.running_mean.copy_(mean_sum / count)
        bn.running_var.copy_(var_sum / count)
    return model.eval()
