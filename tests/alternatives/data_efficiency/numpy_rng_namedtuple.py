"""Alternative: a NumPy permutation seeded from a torch.Generator draw; effective_data
written with pairwise segments (zip) in pure Python; learning_curves keeps the pool's
NamedTuple type for the training data and collects runs in a dict keyed by (arm, k, seed)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import torch


def stratified_subset(labels, per_class, *, seed):
    if per_class <= 0:
        raise ValueError(f"per_class={per_class}: must be positive")
    y = np.asarray(labels.detach().cpu())
    values, counts = np.unique(y, return_counts=True)
    for value, count in zip(values, counts):
        if count < per_class:
            raise ValueError(f"label {value} appears {count} times, per_class={per_class}")
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(int(torch.randint(2**31 - 1, (1,), generator=g)))
    order = rng.permutation(len(y))
    keep = np.concatenate([order[y[order] == value][:per_class] for value in values])
    return torch.from_numpy(np.sort(keep)).to(torch.int64)


def effective_data(budgets, transfer_scores, scratch_scores, *, higher_is_better=True):
    to_list = lambda v: [float(e) for e in (v.tolist() if hasattr(v, "tolist") else list(v))]  # noqa: E731
    b, t, s = to_list(budgets), to_list(transfer_scores), to_list(scratch_scores)
    if len({len(b), len(t), len(s)}) != 1:
        raise ValueError("budgets, transfer_scores and scratch_scores must have equal lengths")
    if len(b) < 2:
        raise ValueError("at least two budgets are needed")
    for v in b:
        if not (0 < v < math.inf):
            raise ValueError(f"budget {v} is not a positive finite number")
    for lo, hi in zip(b, b[1:]):
        if not lo < hi:
            raise ValueError("budgets must increase strictly")
    if any(math.isnan(v) or math.isinf(v) for v in t + s):
        raise ValueError("scores must be finite")
    good = (lambda a, ref: a >= ref) if higher_is_better else (lambda a, ref: a <= ref)
    out = []
    for d_f, star in zip(b, t):
        if good(s[0], star):
            out.append(b[0] - d_f if s[0] == star else None)
            continue
        answer = None
        for (b0, s0), (b1, s1) in zip(zip(b, s), zip(b[1:], s[1:])):
            if good(s1, star):
                if s1 == star:
                    answer = b1 - d_f
                else:
                    answer = b0 * (b1 / b0) ** ((star - s0) / (s1 - s0)) - d_f
                break
        out.append(answer)
    return out


def learning_curves(make_model, train, evaluate, pool, heldout, *, per_class, seeds, steps, higher_is_better=True):
    per_class, seeds = tuple(per_class), tuple(seeds)
    if len(per_class) < 2 or any(k < 1 for k in per_class) or list(per_class) != sorted(set(per_class)):
        raise ValueError(f"per_class {per_class}")
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds {seeds}")
    x, y = pool
    scores = defaultdict(float)
    for seed in seeds:
        for k in per_class:
            idx = stratified_subset(y, k, seed=seed).to(y.device)
            data = pool._replace(x=x[idx], y=y[idx]) if hasattr(pool, "_replace") else (x[idx], y[idx])
            for pretrained in (True, False):
                model = make_model(pretrained, seed)
                train(model, data, steps, seed)
                scores[("transfer" if pretrained else "scratch", k, seed)] = float(evaluate(model, heldout))
    classes = len(np.unique(y.detach().cpu().numpy()))
    out = {"per_class": list(per_class), "budgets": [k * classes for k in per_class]}
    for arm in ("transfer", "scratch"):
        out[f"{arm}_runs"] = [[scores[(arm, k, s)] for s in seeds] for k in per_class]
        out[arm] = [sum(r) / len(r) for r in out[f"{arm}_runs"]]
    out["effective_data"] = effective_data(out["budgets"], out["transfer"], out["scratch"], higher_is_better=higher_is_better)
    return out
