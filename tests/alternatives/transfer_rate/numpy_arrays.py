"""Alternative: NumPy style. Scores validated with numbers.Real and np.isfinite, the runs
looped seed by seed (both arms inside), statistics with np.mean / np.std(ddof=1), the
per-seed ratios as one array division, and the interval from a one-sample t-test
(scipy.stats.ttest_1samp(...).confidence_interval), returned as an array."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from scipy import stats


def _validated(score, name):
    if isinstance(score, (bool, np.bool_)):
        raise ValueError(f"{name}: a bool is not a score")
    if isinstance(score, torch.Tensor):
        score = score.item()
    if not isinstance(score, numbers.Real) or not np.isfinite(score) or score <= 0:
        raise ValueError(f"{name} must be a finite positive number, got {score!r}")
    return float(score)


def transfer_rate(transfer_score, scratch_score, *, higher_is_better=True):
    t, s = _validated(transfer_score, "transfer_score"), _validated(scratch_score, "scratch_score")
    return np.divide(*((t, s) if higher_is_better else (s, t)))


def negative_transfer(transfer_score, scratch_score, *, higher_is_better=True):
    t, s = _validated(transfer_score, "transfer_score"), _validated(scratch_score, "scratch_score")
    worse = t < s if higher_is_better else t > s
    return bool(worse)


def compare_transfer(make_model, train, evaluate, target_train, target_heldout, *, steps, seeds, higher_is_better=True):
    seeds = np.asarray(list(seeds))
    if seeds.size < 3 or np.unique(seeds).size != seeds.size:
        raise ValueError("compare_transfer needs three or more distinct seeds")
    scores = np.empty((2, seeds.size))
    for j, seed in enumerate(seeds.tolist()):
        for i, pretrained in enumerate((True, False)):
            model = make_model(pretrained, seed)
            train(model, target_train, steps, seed)
            scores[i, j] = float(evaluate(model, target_heldout))
    means, stds = scores.mean(axis=1), scores.std(axis=1, ddof=1)
    if (scores <= 0).any() or not np.isfinite(scores).all():
        raise ValueError("per-seed ratios need finite positive scores")
    ratios = scores[0] / scores[1] if higher_is_better else scores[1] / scores[0]
    return {
        "transfer": scores[0].tolist(),
        "scratch": scores[1].tolist(),
        "transfer_mean": float(means[0]),
        "scratch_mean": float(means[1]),
        "transfer_std": float(stds[0]),
        "scratch_std": float(stds[1]),
        "rate": transfer_rate(means[0], means[1], higher_is_better=higher_is_better),
        "negative": negative_transfer(means[0], means[1], higher_is_better=higher_is_better),
        "ratios": ratios.tolist(),
        "ratio_mean": float(ratios.mean()),
        "ratio_std": float(ratios.std(ddof=1)),
        "ratio_interval": np.array(stats.ttest_1samp(ratios, 1.0).confidence_interval(0.95)),
    }
