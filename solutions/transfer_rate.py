"""The transfer rate (Q8): the fine-tuned pretrained model's target score relative to the
same model trained from scratch, and the paired experiment that measures it honestly: the
rate of the arms' means as the headline, the per-seed ratios and their Student-t interval
as its uncertainty.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from scipy.special import stdtrit


def _score(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, not a bool")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and positive, got {value}")
    return value


def transfer_rate(transfer_score: float, scratch_score: float, *, higher_is_better: bool = True) -> float:
    """transfer / scratch for higher-is-better scores, scratch / transfer for errors: > 1 means transfer helped."""
    transfer = _score(transfer_score, "transfer_score")
    scratch = _score(scratch_score, "scratch_score")
    return transfer / scratch if higher_is_better else scratch / transfer


def negative_transfer(transfer_score: float, scratch_score: float, *, higher_is_better: bool = True) -> bool:
    """True when the transferred model is strictly worse than the scratch model."""
    transfer = _score(transfer_score, "transfer_score")
    scratch = _score(scratch_score, "scratch_score")
    return transfer < scratch if higher_is_better else transfer > scratch


def _run_arm(make_model, train, evaluate, target_train, target_heldout, *, pretrained: bool, steps: int, seed: int) -> float:
    model = make_model(pretrained, seed)
    train(model, target_train, steps, seed)
    return float(evaluate(model, target_heldout))


def _t_interval(mean: float, std: float, n: int) -> tuple[float, float]:
    """The 95% Student-t interval of a mean of n values with sample std `std`."""
    half = float(stdtrit(n - 1, 0.975)) * std / math.sqrt(n)  # stdtrit is scipy.stats.t.ppf, lighter
    return mean - half, mean + half


def compare_transfer(
    make_model: Callable[[bool, int], Any],
    train: Callable[[Any, Any, int, int], None],
    evaluate: Callable[[Any, Any], float],
    target_train: Any,
    target_heldout: Any,
    *,
    steps: int,
    seeds: Sequence[int],
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """Both arms trained on `target_train` with the same budget and seeds, scored on
    `target_heldout`; per-seed scores, mean, sample std, rate of the means and
    negative-transfer flag, and the paired per-seed ratios with their mean, sample std and
    95% Student-t interval."""
    seeds = list(seeds)
    if len(seeds) < 3 or len(set(seeds)) != len(seeds):
        raise ValueError(f"need at least three distinct seeds, got {seeds}")
    parts = (make_model, train, evaluate, target_train, target_heldout)
    scores = {
        arm: [_run_arm(*parts, pretrained=arm == "transfer", steps=steps, seed=seed) for seed in seeds]
        for arm in ("transfer", "scratch")
    }
    summary: dict[str, Any] = dict(scores)
    for arm, values in scores.items():
        summary[f"{arm}_mean"] = statistics.fmean(values)
        summary[f"{arm}_std"] = statistics.stdev(values)
    means = (summary["transfer_mean"], summary["scratch_mean"])
    summary["rate"] = transfer_rate(*means, higher_is_better=higher_is_better)
    summary["negative"] = negative_transfer(*means, higher_is_better=higher_is_better)
    ratios = [transfer_rate(t, s, higher_is_better=higher_is_better) for t, s in zip(scores["transfer"], scores["scratch"])]
    summary["ratios"] = ratios
    summary["ratio_mean"] = statistics.fmean(ratios)
    summary["ratio_std"] = statistics.stdev(ratios)
    summary["ratio_interval"] = _t_interval(summary["ratio_mean"], summary["ratio_std"], len(ratios))
    return summary
