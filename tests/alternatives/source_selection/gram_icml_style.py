"""Alternative: the ICML 2021 form of LogME on the d x d Gram matrix F^T F (float64 eigh,
all d eigenvalues kept, zeros included, so n < d needs no special case), with m and the
residual ||F m - y||^2 computed explicitly; LEEP, NCE and H-score through scatter_add /
index counting in torch, H-score with biased covariances and hermitian pinv.
"""

from __future__ import annotations

import math

import torch


def _as64(x) -> torch.Tensor:
    return torch.as_tensor(x).to(torch.float64)


def _dense(labels, device=None) -> tuple[torch.Tensor, int]:
    values, index = torch.unique(torch.as_tensor(labels, device=device), return_inverse=True)
    return index, len(values)


def leep(source_probs, target_labels):
    probs = _as64(source_probs)
    y, num_target = _dense(target_labels, probs.device)
    joint = torch.zeros(num_target, probs.shape[1], dtype=probs.dtype, device=probs.device)
    joint.scatter_add_(0, y[:, None].expand_as(probs), probs)
    joint = joint / probs.shape[0]
    p_z = joint.sum(0)
    safe = torch.where(p_z > 0, p_z, torch.ones_like(p_z))
    p_y_given_z = joint / safe
    return torch.log((probs @ p_y_given_z.T)[torch.arange(len(y)), y]).mean().item()


def nce(source_labels, target_labels):
    z, num_source = _dense(source_labels)
    y, num_target = _dense(target_labels, z.device)
    joint = torch.zeros(num_source, num_target, dtype=torch.float64, device=z.device)
    joint.index_put_((z, y), torch.ones(len(y), dtype=torch.float64, device=z.device), accumulate=True)
    joint /= len(y)
    h = 0.0
    for row in joint:
        p = row[row > 0]
        h -= (p * torch.log(p / row.sum())).sum().item()
    return -h


def h_score(features, labels):
    f = _as64(features)
    y, num_classes = _dense(labels, f.device)
    n = f.shape[0]
    sums = torch.zeros(num_classes, f.shape[1], dtype=f.dtype, device=f.device).index_add_(0, y, f)
    g = (sums / torch.bincount(y, minlength=num_classes)[:, None])[y]
    fc, gc = f - f.mean(0), g - g.mean(0)
    return torch.trace(torch.linalg.pinv(fc.T @ fc / n, hermitian=True) @ (gc.T @ gc / n)).item()


def _class_evidence(f, gram_values, gram_vectors, y):
    n, d = f.shape
    sigma = gram_values.clamp_min(0)
    projected = gram_vectors.T @ (f.T @ y)
    alpha, beta = 1.0, 1.0
    for _ in range(200):
        m = gram_vectors @ (beta * projected / (alpha + beta * sigma))
        gamma = (beta * sigma / (alpha + beta * sigma)).sum().item()
        m2 = (m @ m).item()
        if m2 == 0:  # F^T y = 0: the evidence keeps rising with alpha, up to w = 0
            return -0.5 * (math.log(2 * math.pi * (y @ y).item() / n) + 1)
        res2 = ((f @ m - y) ** 2).sum().item()
        new_alpha, new_beta = gamma / m2, (n - gamma) / res2
        done = abs(new_alpha / new_beta - alpha / beta) < 1e-9 * alpha / beta
        alpha, beta = new_alpha, new_beta
        if done:
            break
    m = gram_vectors @ (beta * projected / (alpha + beta * sigma))
    m2, res2 = (m @ m).item(), ((f @ m - y) ** 2).sum().item()
    return (d / 2 * math.log(alpha) + n / 2 * math.log(beta) - 0.5 * torch.log(alpha + beta * sigma).sum().item()
            - beta / 2 * res2 - alpha / 2 * m2 - n / 2 * math.log(2 * math.pi)) / n


def log_me(features, labels):
    f = _as64(features)
    y, num_classes = _dense(labels, f.device)
    values, vectors = torch.linalg.eigh(f.T @ f)
    return sum(_class_evidence(f, values, vectors, (y == c).to(f.dtype)) for c in range(num_classes)) / num_classes


def rank_sources(candidates, target_labels, metric):
    if metric == "leep":
        fn = leep
    elif metric == "nce":
        fn = nce
    elif metric == "h_score":
        fn = h_score
    elif metric == "log_me":
        fn = log_me
    else:
        raise ValueError(metric)
    return sorted(candidates, key=lambda name: fn(candidates[name], target_labels), reverse=True)
