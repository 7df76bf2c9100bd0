"""Alternative: torch style. Scores become float64 tensors, the parts are called by
keyword, the scratch arm runs over all seeds before the transfer arm, the spread is
torch.std (unbiased by default), the per-seed ratios are one tensor division, and the
interval is a list built from scipy's t quantile."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from scipy import stats


def _as_score(value) -> torch.Tensor:
    if isinstance(value, bool) or (isinstance(value, torch.Tensor) and value.dtype == torch.bool):
        raise ValueError("a bool is not a score")
    score = torch.as_tensor(value, dtype=torch.float64).reshape(())
    if not bool(torch.isfinite(score)) or score.item() <= 0:
        raise ValueError(f"scores must be finite and > 0, got {score.item()}")
    return score


def transfer_rate(transfer_score, scratch_score, *, higher_is_better=True) -> float:
    transfer, scratch = _as_score(transfer_score), _as_score(scratch_score)
    better, worse = (transfer, scratch) if higher_is_better else (scratch, transfer)
    return (better / worse).item()


def negative_transfer(transfer_score, scratch_score, *, higher_is_better=True) -> bool:
    transfer, scratch = _as_score(transfer_score), _as_score(scratch_score)
    if higher_is_better:
        return bool(transfer < scratch)
    return bool(transfer > scratch)


@dataclass
class Arm:
    pretrained: bool
    scores: torch.Tensor

    @property
    def mean(self) -> float:
        return self.scores.mean().item()

    @property
    def std(self) -> float:
        return self.scores.std().item()


def _arm(pretrained, make_model, train, evaluate, target_train, target_heldout, steps, seeds) -> Arm:
    scores = []
    for seed in seeds:
        model = make_model(pretrained=pretrained, seed=seed)
        train(model=model, data=target_train, steps=steps, seed=seed)
        scores.append(float(evaluate(model=model, data=target_heldout)))
    return Arm(pretrained, torch.tensor(scores, dtype=torch.float64))


def compare_transfer(make_model, train, evaluate, target_train, target_heldout, *, steps, seeds, higher_is_better=True):
    seeds = tuple(seeds)
    if len(seeds) < 3:
        raise ValueError("at least three seeds are needed for an interval")
    if len(set(seeds)) < len(seeds):
        raise ValueError(f"repeated seed in {seeds}")
    parts = (make_model, train, evaluate, target_train, target_heldout, steps, seeds)
    scratch = _arm(False, *parts)
    transfer = _arm(True, *parts)
    scores = torch.stack([transfer.scores, scratch.scores])
    if not (bool(torch.isfinite(scores).all()) and bool((scores > 0).all())):
        raise ValueError("per-seed ratios need finite positive scores")
    better, worse = (transfer.scores, scratch.scores) if higher_is_better else (scratch.scores, transfer.scores)
    ratios = better / worse
    n = len(seeds)
    half = stats.t.ppf(0.975, n - 1) * ratios.std().item() / n**0.5
    return {
        "transfer": transfer.scores.tolist(),
        "scratch": scratch.scores.tolist(),
        "transfer_mean": transfer.mean,
        "transfer_std": transfer.std,
        "scratch_mean": scratch.mean,
        "scratch_std": scratch.std,
        "rate": transfer_rate(transfer.mean, scratch.mean, higher_is_better=higher_is_better),
        "negative": negative_transfer(transfer.mean, scratch.mean, higher_is_better=higher_is_better),
        "ratios": ratios.tolist(),
        "ratio_mean": ratios.mean().item(),
        "ratio_std": ratios.std().item(),
        "ratio_interval": [ratios.mean().item() - half, ratios.mean().item() + half],
    }
