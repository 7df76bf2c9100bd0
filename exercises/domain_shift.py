"""Q10: the source and target data are distributed differently. Handle it four ways.

Label shift: weight the loss so that rare classes count as much as common ones.
Feature shift: measure (and minimise, as an extra loss term) the gap between source and
target features with Deep CORAL and with MMD. No target labels at all: re-estimate the
BatchNorm statistics on target data (AdaBN). Everything runs on CPU or CUDA tensors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn


def balanced_class_weights(labels: Tensor, num_classes: int) -> Tensor:
    """Per-class loss weights for `nn.CrossEntropyLoss(weight=...)`.

    `labels` is a 1-D integer tensor of n class indices. Return a float32 tensor of length
    `num_classes`: for each class c present in `labels`, `n / (k * count_c)`, where k is
    the number of classes *present* (scikit-learn's 'balanced', so every present class
    weighs n / k in total and `sum_c count_c * w_c == n`); an absent class gets 0, not
    inf or nan. Labels outside `[0, num_classes)` raise `ValueError`.
    """
    raise NotImplementedError


def coral_loss(source_features: Tensor, target_features: Tensor) -> Tensor:
    """Deep CORAL loss (Sun & Saenko, 2016) between two feature batches.

    `source_features` is (n_s, d) and `target_features` (n_t, d); n_s and n_t may differ.
    Return the 0-dim tensor `||C_S - C_T||_F^2 / (4 d^2)`, where C_S and C_T are the
    unbiased (divided by n - 1) feature covariances. It is zero when the covariances are
    equal, unchanged when either batch is shifted by a constant (no term on the means),
    and differentiable with respect to both batches, so it can be added to a training loss.
    """
    raise NotImplementedError


def mmd(x: Tensor, y: Tensor, *, sigmas: Sequence[float] = (1.0,)) -> Tensor:
    """Squared maximum mean discrepancy between samples x (n, d) and y (m, d).

    Use the biased estimate `mean(K_xx) + mean(K_yy) - 2 mean(K_xy)`, each mean over all
    entries of the kernel matrix (diagonal included), with the kernel
    `k(a, b) = sum over sigma in sigmas of exp(-||a - b||^2 / (2 sigma^2))` (summed, not
    averaged). Return a 0-dim tensor: 0 for identical samples, never negative, and
    differentiable with respect to x and y.
    """
    raise NotImplementedError


def adapt_batchnorm(model: nn.Module, batches: Iterable[Tensor]) -> nn.Module:
    """AdaBN: adapt a trained network to the target domain without labels.

    `batches` yields target input tensors, already on the model's device; it may be a
    one-shot generator, so iterate over it once and do not take its len(). Re-estimate
    the running statistics of every BatchNorm layer (BatchNorm1d, 2d and 3d) from these
    batches as a cumulative average: reset the statistics first, run the batches through
    the network in training mode, and each layer's running mean and running variance end
    as the plain average over batches of the batch mean and unbiased batch variance of
    its input, as with `momentum=None`. Change no
    parameter, restore every layer's original momentum, and return the same model
    object in eval mode.
    """
    raise NotImplementedError
