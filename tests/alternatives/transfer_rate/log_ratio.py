"""Alternative: log-ratio style. The rate is exp(log better - log worse), negative
transfer is defined through the rate, and the protocol records runs keyed by (arm, seed),
computes the sample standard deviation by hand and the interval with
scipy.stats.t.interval (scale = the standard error)."""

from __future__ import annotations

import math

from scipy import stats

ARMS = {"transfer": True, "scratch": False}


def _log_score(score) -> float:
    if type(score) is bool:
        raise ValueError("True/False are not scores")
    value = float(score)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"score must be finite, got {value}")
    if value <= 0.0:
        raise ValueError(f"score must be positive, got {value}")
    return math.log(value)


def transfer_rate(transfer_score, scratch_score, *, higher_is_better=True):
    log_gain = _log_score(transfer_score) - _log_score(scratch_score)
    return math.exp(log_gain if higher_is_better else -log_gain)


def negative_transfer(transfer_score, scratch_score, *, higher_is_better=True):
    return transfer_rate(transfer_score, scratch_score, higher_is_better=higher_is_better) < 1.0


def _mean_and_std(values):
    n = len(values)
    mean = sum(values) / n
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def compare_transfer(make_model, train, evaluate, target_train, target_heldout, *, steps, seeds, higher_is_better=True):
    seeds = list(seeds)
    if len(seeds) < 3 or len(set(seeds)) < len(seeds):
        raise ValueError(f"need three or more distinct seeds, got {seeds!r}")
    runs = {}
    for arm, pretrained in ARMS.items():
        for seed in seeds:
            runs[arm, seed] = make_model(pretrained, seed)
    for (arm, seed), model in runs.items():
        train(model, target_train, steps, seed)
    result = {}
    for arm in ARMS:
        scores = [float(evaluate(runs[arm, seed], target_heldout)) for seed in seeds]
        result[arm] = scores
        result[f"{arm}_mean"], result[f"{arm}_std"] = _mean_and_std(scores)
    means = result["transfer_mean"], result["scratch_mean"]
    result["rate"] = transfer_rate(*means, higher_is_better=higher_is_better)
    result["negative"] = negative_transfer(*means, higher_is_better=higher_is_better)
    result["ratios"] = [
        transfer_rate(t, s, higher_is_better=higher_is_better) for t, s in zip(result["transfer"], result["scratch"])
    ]
    mean, std = _mean_and_std(result["ratios"])
    result["ratio_mean"], result["ratio_std"] = mean, std
    n = len(seeds)
    result["ratio_interval"] = stats.t.interval(0.95, n - 1, loc=mean, scale=std / math.sqrt(n))
    return result
