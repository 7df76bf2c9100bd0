"""Q10: the source and target data are distributed differently. Handle it four ways.

Label shift (the class priors differ): weight each class's loss by p_T(y) / p_S(y), the
target prior p_T estimated from unlabelled target data when it is unknown (BBSE, EM).
Balanced class weights, below, are that ratio for a uniform target prior: right when every class matters
equally (a balanced-accuracy metric), not a fix for a target that is itself skewed.
Feature shift: measure (and minimise, as an extra loss term) the gap between source and
target features with Deep CORAL and with MMD. No target labels at all: re-estimate the
BatchNorm statistics on target data (AdaBN).

Devices: every tensor argument may be on the CPU or a GPU (CUDA), the arguments of one call
all on one device (a model and its batches included); return tensors on that device, and
make every tensor you create there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn


def balanced_class_weights(labels: Tensor, num_classes: int) -> Tensor:
    """Per-class loss weights for `nn.CrossEntropyLoss(weight=...)`.

    `labels` is a 1-D integer tensor of n class indices. Return a float32 tensor of length
    `num_classes` (float32 whatever torch's default dtype): for each class c present in
    `labels`, `n / (k * count_c)`, where k is the number of classes *present*
    (scikit-learn's 'balanced', so every present class weighs n / k in total and
    `sum_c count_c * w_c == n`); an absent class gets 0, not inf or nan. Labels outside
    `[0, num_classes)` raise `ValueError`.

    These are the label-shift weights p_T(c) / p_S(c) with p_S(c) = count_c / n and a
    uniform target prior p_T(c) = 1 / k; for another target prior, multiply each weight by
    k * p_T(c).
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
    batches: reset the statistics first and run the batches through the network in
    training mode (each layer normalising with its batch's own statistics meanwhile).
    Each layer's running mean and running variance then end as the target statistics of
    its input, computed one of two ways, the same way for every layer:
    - the plain average over batches of each batch's mean and unbiased variance, as
      `momentum=None` computes it (and `torch.optim.swa_utils.update_bn`); or
    - the population mean and unbiased variance over every value of every batch, as the
      AdaBN paper computes them over all target data.
    With batches of one size the two means agree and the variances differ by the spread
    of the batch means; on unshuffled batches of unequal size both differ. Weighting the
    batch variances by batch size is neither. Change no parameter, restore every layer's
    original momentum, and return the same model object in eval mode.
    """
    raise NotImplementedError
