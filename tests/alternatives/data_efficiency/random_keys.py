"""Alternative: random keys (torch.rand with a generator) ranked within each class; a
torch float64 loop for effective_data with an explicit search; per-seed loops with the
subset shared by both arms."""

from __future__ import annotations

import math

import torch


def stratified_subset(labels: torch.Tensor, per_class: int, *, seed: int) -> torch.Tensor:
    if per_class < 1:
        raise ValueError(f"per_class={per_class} is not positive")
    labels = labels.to("cpu", torch.int64)
    keys = torch.rand(labels.numel(), generator=torch.Generator().manual_seed(int(seed)), dtype=torch.float64)
    uniq, counts = labels.unique(return_counts=True)
    short = [int(c) for c, n in zip(uniq, counts) if n < per_class]
    if short:
        raise ValueError(f"label(s) {short}: fewer than {per_class} examples")
    keep = torch.zeros(labels.numel(), dtype=torch.bool)
    for c in uniq:
        members = torch.where(labels == c)[0]
        keep[members[torch.argsort(keys[members])[:per_class]]] = True
    return torch.where(keep)[0]


def _vector(v):
    return torch.as_tensor([float(e) for e in (v.tolist() if hasattr(v, "tolist") else v)], dtype=torch.float64)


def effective_data(budgets, transfer_scores, scratch_scores, *, higher_is_better=True):
    b, t, s = _vector(budgets), _vector(transfer_scores), _vector(scratch_scores)
    n = len(b)
    if len(t) != n or len(s) != n:
        raise ValueError("budgets and scores differ in length")
    if n < 2:
        raise ValueError("a curve needs two budgets")
    if not torch.isfinite(b).all() or (b <= 0).any() or (b[1:] <= b[:-1]).any():
        raise ValueError("budgets must be finite, > 0 and strictly increasing")
    if not (torch.isfinite(t).all() and torch.isfinite(s).all()):
        raise ValueError("non-finite score")
    sign = 1.0 if higher_is_better else -1.0
    out = []
    for j in range(n):
        target = t[j].item()
        found = None
        for i in range(n):
            if sign * (s[i].item() - target) >= 0:
                found = i
                break
        if found is None or (found == 0 and s[0].item() != target):
            out.append(None)
        elif s[found].item() == target:
            out.append(b[found].item() - b[j].item())
        else:
            lo, hi = math.log(b[found - 1].item()), math.log(b[found].item())
            w = (target - s[found - 1].item()) / (s[found].item() - s[found - 1].item())
            out.append(math.exp(lo + w * (hi - lo)) - b[j].item())
    return out


def learning_curves(make_model, train, evaluate, pool, heldout, *, per_class, seeds, steps, higher_is_better=True):
    ks = [int(k) for k in per_class]
    if len(ks) < 2 or ks[0] <= 0 or any(a >= b for a, b in zip(ks, ks[1:])):
        raise ValueError(f"bad per_class {ks}")
    seeds = list(seeds)
    if not seeds or len(seeds) != len(set(seeds)):
        raise ValueError(f"bad seeds {seeds}")
    x, y = pool
    scores = {("transfer", k): [] for k in ks} | {("scratch", k): [] for k in ks}
    for seed in seeds:
        for k in ks:
            idx = stratified_subset(y, k, seed=seed).to(y.device)
            data = (x[idx], y[idx])
            for arm in ("scratch", "transfer"):
                model = make_model(arm == "transfer", seed)
                train(model, data, steps, seed)
                scores[(arm, k)].append(float(evaluate(model, heldout)))
    budgets = [k * len(set(y.tolist())) for k in ks]
    mean = {arm: [sum(scores[(arm, k)]) / len(seeds) for k in ks] for arm in ("transfer", "scratch")}
    return {
        "per_class": ks,
        "budgets": budgets,
        "transfer": mean["transfer"],
        "scratch": mean["scratch"],
        "transfer_runs": [scores[("transfer", k)] for k in ks],
        "scratch_runs": [scores[("scratch", k)] for k in ks],
        "effective_data": effective_data(budgets, mean["transfer"], mean["scratch"], higher_is_better=higher_is_better),
    }
