"""Q3: why transfer? Mostly because labelled target data is scarce: measure what the
pretrained start is worth in target examples.

Hernandez et al. (2021, "Scaling Laws for Transfer") define the effective data
transferred: with D_F target examples the fine-tuned pretrained model reaches a score s*;
a model trained from scratch needs D_E examples to reach s*; then D_T = D_E - D_F is how
many target examples pretraining was worth (negative when transfer hurt). Measuring it
needs learning curves of both arms over nested, class-balanced training subsets.

Devices: tensors may be on the CPU or a GPU (CUDA). `labels` of stratified_subset may be on
either, and its indices may come back on the CPU (where a seeded torch.Generator draws) or
on the labels' device; effective_data takes 1-D tensors on any device; learning_curves'
pool holds x and y on one device. Make every tensor you index with or combine with an
input on that input's device.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch


def stratified_subset(labels: torch.Tensor, per_class: int, *, seed: int) -> torch.LongTensor:
    """Indices of exactly `per_class` examples of every class present in `labels`.

    - `labels` is a 1-D integer tensor; its classes are the values that occur in it
      (not necessarily 0..C-1).
    - The result is a 1-D torch.int64 tensor of positions into `labels`, drawn without
      replacement, sorted ascending.
    - The draw uses a `torch.Generator` seeded with `seed`: the same seed gives the same
      indices, different seeds (usually) different ones, and every example can be drawn.
      It must not touch torch's global random state (no `torch.manual_seed`), and the
      global state must not influence it.
    - Nested budgets: with the same seed, the subset for a smaller `per_class` is
      contained in the subset for a larger one, so that points of a learning curve differ
      by added data, not by a different draw.
    - Which indices are drawn is your choice (a permutation per class, one global
      permutation, random keys...).
    - `per_class < 1`: ValueError. A class with fewer than `per_class` examples:
      ValueError whose message names that class's label.
    """
    raise NotImplementedError


def effective_data(budgets: Sequence[float], transfer_scores: Sequence[float], scratch_scores: Sequence[float], *,
                   higher_is_better: bool = True) -> list[float | None]:
    """Effective data transferred, D_E - D_F, at each budget.

    `budgets` are training-set sizes, strictly increasing; `transfer_scores[j]` and
    `scratch_scores[j]` are the held-out scores of the fine-tuned and the from-scratch
    model trained on `budgets[j]` examples. With `higher_is_better=False` the scores are
    errors (lower is better), and "at least as good" means "at most".

    For each budget D_F = budgets[j] with transfer score s* = transfer_scores[j]:
    - find the FIRST index i with scratch_scores[i] at least as good as s* (the scratch
      curve may be non-monotone: the first crossing counts, later ones do not);
    - if scratch_scores[i] equals s*, D_E = budgets[i];
    - otherwise interpolate linearly in log(budget) between points i-1 and i:
      log D_E = log b[i-1] + (s* - s[i-1]) / (s[i] - s[i-1]) * (log b[i] - log b[i-1]);
    - the result is D_E - D_F (negative when the transferred model is worse than a
      scratch model with the same data).
    It is None when s* lies outside what the scratch curve measured: never reached
    within the largest budget (not an extrapolation), or already strictly beaten at the
    smallest budget (i == 0 with scratch_scores[0] strictly better than s*).

    Inputs are sequences of numbers: lists, tuples, 1-D tensors or NumPy arrays (ints or
    floats). Return a list with one entry per budget, each a plain Python float (not a
    tensor, not a NumPy float) or None. ValueError for: lengths that differ, fewer than
    two budgets (two are enough), budgets not strictly increasing, a budget <= 0, NaN or
    infinite, a NaN or infinite score.
    """
    raise NotImplementedError


def learning_curves(
    make_model: Callable[[bool, int], Any],
    train: Callable[[Any, Any, int, int], None],
    evaluate: Callable[[Any, Any], float],
    pool: Any,
    heldout: Any,
    *,
    per_class: Sequence[int],
    seeds: Sequence[int],
    steps: int,
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """Learning curves of the transfer and the scratch arm on nested target subsets, and
    the effective data transferred at each budget.

    The callables are as in transfer_rate.compare_transfer; call them with exactly these
    arguments:
    - `make_model(pretrained, seed)`: a new model, pretrained (True) or random (False);
    - `train(model, data, steps, seed)`: trains `model` in place on `data`;
    - `evaluate(model, data)`: the model's score on `data`, a number.
    `pool` is the labelled target data to draw training sets from: a pair `(x, y)` (a
    tuple, or a NamedTuple such as grader.fixtures.pretrained.Split) with `y` a 1-D integer label
    tensor and `x` indexable by an index tensor along its first dimension. `heldout` is
    only ever passed to `evaluate`, as it is.

    For every seed in `seeds` and every per-class budget k in `per_class`:
    - draw the training set with `stratified_subset(y, k, seed=seed)` (so each seed's
      training sets are nested) and build `data = (x[idx], y[idx])`, a tuple;
    - for each arm (transfer: pretrained=True, scratch: pretrained=False), build a fresh
      model with `make_model(pretrained, seed)`, train it once with
      `train(model, data, steps, seed)` and score it with `evaluate(model, heldout)`.
    Both arms get the same training set, steps and seed; no model is reused.

    `per_class` is any sequence of ints (a list, a tuple, a range); it must hold at least
    two budgets, all positive (a 0 is an error, not a budget to skip) and strictly
    increasing; `seeds` at least one seed, all distinct: otherwise ValueError before
    training anything. A budget larger than some class of the pool is a ValueError too.

    Return a dict with:
    - "per_class": the per-class budgets, a list of ints;
    - "budgets": the training-set sizes, k times the number of classes in `y`, ints;
    - "transfer", "scratch": each arm's mean held-out score at each budget (floats);
    - "transfer_runs", "scratch_runs": for each budget, the list of per-seed scores in the
      order of `seeds`;
    - "effective_data": `effective_data(budgets, transfer, scratch,
      higher_is_better=higher_is_better)` of the mean curves.
    """
    raise NotImplementedError
