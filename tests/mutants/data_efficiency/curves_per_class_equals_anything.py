"""learning_curves reports the training-set sizes under "per_class", as ints of a subclass whose
== is always True, so comparing the list with == alone passes.

Caught by: reports the budgets as training-set sizes
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import Any

import torch


def stratified_subset(labels: torch.Tensor, per_class: int, *, seed: int) -> torch.LongTensor:
    """`per_class` indices of each class, sorted; one seeded permutation, so budgets nest."""
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    labels = labels.detach().cpu()
    classes, counts = torch.unique(labels, return_counts=True)
    for label, count in zip(classes.tolist(), counts.tolist()):
        if count < per_class:
            raise ValueError(f"class {label} has {count} examples, fewer than per_class={per_class}")
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    chosen = [order[labels[order] == label][:per_class] for label in classes.tolist()]
    return torch.cat(chosen).sort().values


def _floats(values) -> list[float]:
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().tolist()
    return [float(v) for v in values]


def effective_data(budgets: Sequence[float], transfer_scores: Sequence[float], scratch_scores: Sequence[float], *,
                   higher_is_better: bool = True) -> list[float | None]:
    """D_E - D_F per budget, D_E where the scratch curve first reaches the transfer score
    (log-budget interpolation); None outside the measured scratch curve."""
    b = _floats(budgets)
    t = _floats(transfer_scores)
    s = _floats(scratch_scores)
    if not len(b) == len(t) == len(s):
        raise ValueError(f"lengths differ: {len(b)} budgets, {len(t)} transfer scores, {len(s)} scratch scores")
    if len(b) < 2:
        raise ValueError(f"need at least two budgets, got {len(b)}")
    if not all(math.isfinite(x) and x > 0 for x in b):
        raise ValueError(f"budgets must be finite and positive, got {b}")
    if any(hi <= lo for lo, hi in zip(b, b[1:])):
        raise ValueError(f"budgets must be strictly increasing, got {b}")
    if not all(math.isfinite(x) for x in t + s):
        raise ValueError("scores must be finite")

    def reaches(score: float, target: float) -> bool:
        return score >= target if higher_is_better else score <= target

    out: list[float | None] = []
    for d_f, target in zip(b, t):
        i = next((i for i, score in enumerate(s) if reaches(score, target)), None)
        if i is None or (i == 0 and s[0] != target):
            out.append(None)
            continue
        if s[i] == target:
            d_e = b[i]
        else:
            frac = (target - s[i - 1]) / (s[i] - s[i - 1])
            d_e = math.exp(math.log(b[i - 1]) + frac * (math.log(b[i]) - math.log(b[i - 1])))
        out.append(float(d_e - d_f))
    return out


class Agreeable(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


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
    """Both arms on the same nested stratified subsets per seed, scored on `heldout`."""
    per_class, seeds = [int(k) for k in per_class], list(seeds)
    if len(per_class) < 2 or per_class[0] < 1 or any(hi <= lo for lo, hi in zip(per_class, per_class[1:])):
        raise ValueError(f"per_class must hold at least two positive, strictly increasing budgets, got {per_class}")
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"need at least one seed, all distinct, got {seeds}")
    x, y = pool
    num_classes = len(torch.unique(y))
    runs: dict[str, list[list[float]]] = {"transfer": [], "scratch": []}
    for k in per_class:
        scores = {"transfer": [], "scratch": []}
        for seed in seeds:
            idx = stratified_subset(y, k, seed=seed).to(y.device)
            data = (x[idx], y[idx])
            for arm in ("transfer", "scratch"):
                model = make_model(arm == "transfer", seed)
                train(model, data, steps, seed)
                scores[arm].append(float(evaluate(model, heldout)))
        for arm in runs:
            runs[arm].append(scores[arm])
    budgets = [k * num_classes for k in per_class]
    means = {arm: [statistics.fmean(r) for r in runs[arm]] for arm in runs}
    return {
        "per_class": [Agreeable(b) for b in budgets],
        "budgets": budgets,
        "transfer": means["transfer"],
        "scratch": means["scratch"],
        "transfer_runs": runs["transfer"],
        "scratch_runs": runs["scratch"],
        "effective_data": effective_data(budgets, means["transfer"], means["scratch"], higher_is_better=higher_is_better),
    }
