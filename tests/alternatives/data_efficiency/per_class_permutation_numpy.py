"""Alternative: one permutation per class (classes in sorted order, one generator), NumPy
for effective_data (log budgets, a boolean mask for the first crossing), and runs looped
arm by arm with the subsets precomputed per seed."""

from __future__ import annotations

import numpy as np
import torch


def stratified_subset(labels, per_class, *, seed):
    if not per_class >= 1:
        raise ValueError("per_class must be at least 1")
    labels = labels.cpu()
    gen = torch.Generator()
    gen.manual_seed(seed)
    picked = []
    for c in sorted(set(labels.tolist())):
        where = (labels == c).nonzero(as_tuple=True)[0]
        if where.numel() < per_class:
            raise ValueError(f"only {where.numel()} examples with label {c} (need {per_class})")
        picked.append(where[torch.randperm(where.numel(), generator=gen)][:per_class])
    out, _ = torch.sort(torch.cat(picked))
    return out.long()


def _array(values):
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64).reshape(-1)


def effective_data(budgets, transfer_scores, scratch_scores, *, higher_is_better=True):
    b, t, s = _array(budgets), _array(transfer_scores), _array(scratch_scores)
    if not (b.size == t.size == s.size) or b.size < 2:
        raise ValueError("need equal lengths and at least two budgets")
    if not np.all(np.isfinite(b)) or np.any(b <= 0) or np.any(np.diff(b) <= 0):
        raise ValueError("budgets must be finite, positive and strictly increasing")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(s))):
        raise ValueError("scores must be finite")
    if not higher_is_better:
        t, s = -t, -s
    logb = np.log(b)
    result = []
    for d_f, target in zip(b, t):
        hits = np.flatnonzero(s >= target)
        if hits.size == 0:
            result.append(None)
            continue
        i = int(hits[0])
        if s[i] == target:
            result.append(float(b[i] - d_f))
        elif i == 0:
            result.append(None)
        else:
            log_e = logb[i - 1] + (target - s[i - 1]) / (s[i] - s[i - 1]) * (logb[i] - logb[i - 1])
            result.append(float(np.exp(log_e) - d_f))
    return result


def learning_curves(make_model, train, evaluate, pool, heldout, *, per_class, seeds, steps, higher_is_better=True):
    per_class, seeds = list(per_class), list(seeds)
    if len(per_class) < 2 or min(per_class) < 1 or sorted(set(per_class)) != per_class:
        raise ValueError("per_class: two or more increasing positive budgets")
    if len(seeds) == 0 or len(set(seeds)) < len(seeds):
        raise ValueError("seeds: at least one, no repeats")
    x, y = pool[0], pool[1]
    sets = {(s, k): stratified_subset(y, k, seed=s) for s in seeds for k in per_class}
    table = {}
    for arm, pretrained in (("scratch", False), ("transfer", True)):
        rows = []
        for k in per_class:
            row = []
            for s in seeds:
                idx = sets[(s, k)].to(y.device)
                model = make_model(pretrained, s)
                train(model, (x[idx], y[idx]), steps, s)
                row.append(float(evaluate(model, heldout)))
            rows.append(row)
        table[arm] = rows
    n_classes = int(torch.unique(y).numel())
    budgets = [k * n_classes for k in per_class]
    transfer = [float(np.mean(r)) for r in table["transfer"]]
    scratch = [float(np.mean(r)) for r in table["scratch"]]
    return {"per_class": per_class, "budgets": budgets, "transfer": transfer, "scratch": scratch,
            "transfer_runs": table["transfer"], "scratch_runs": table["scratch"],
            "effective_data": effective_data(budgets, transfer, scratch, higher_is_better=higher_is_better)}
