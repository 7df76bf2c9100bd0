"""Alternative: numpy float64 throughout. LEEP and NCE with explicit per-class tables, H-score
as tr(P_Y P_F) (projections onto the centred class-indicator span and the centred feature
span, which equals tr(pinv(cov f) cov g)), LogME in the dual: the eigendecomposition of the
n x n kernel F F^T, with the evidence evaluated as the Gaussian log-density itself.
"""

from __future__ import annotations

import math

import numpy as np


def _numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _entropy_terms(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float((p * np.log(p)).sum())


def leep(source_probs, target_labels) -> float:
    probs = _numpy(source_probs).astype(np.float64)
    labels = _numpy(target_labels)
    classes = np.unique(labels)
    joint = np.stack([probs[labels == c].sum(axis=0) for c in classes]) / len(labels)
    p_z = joint.sum(axis=0)
    p_y_given_z = np.zeros_like(joint)
    used = p_z > 0
    p_y_given_z[:, used] = joint[:, used] / p_z[used]
    rows = np.searchsorted(classes, labels)
    return float(np.mean(np.log(np.einsum("nz,nz->n", probs, p_y_given_z[rows]))))


def nce(source_labels, target_labels) -> float:
    z, y = _numpy(source_labels), _numpy(target_labels)
    n = len(y)
    total = 0.0
    for source_class in np.unique(z):
        members = y[z == source_class]
        total += len(members) / n * _entropy_terms(np.unique(members, return_counts=True)[1].astype(np.float64))
    return total


def _orthonormal_span(matrix: np.ndarray) -> np.ndarray:
    u, s, _ = np.linalg.svd(matrix, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return u[:, :0]
    return u[:, s > s[0] * max(matrix.shape) * np.finfo(np.float64).eps]


def h_score(features, labels) -> float:
    f = _numpy(features).astype(np.float64)
    y = _numpy(labels)
    indicators = (y[:, None] == np.unique(y)[None, :]).astype(np.float64)
    span_f = _orthonormal_span(f - f.mean(axis=0))
    span_y = _orthonormal_span(indicators - indicators.mean(axis=0))
    return float(np.sum((span_y.T @ span_f) ** 2))


def _max_log_evidence(lam: np.ndarray, z2: np.ndarray) -> float:
    n = len(lam)
    alpha, beta = 1.0, 1.0
    for _ in range(500):
        t = alpha / beta
        gamma = np.sum(lam / (lam + t))
        m2 = np.sum(lam * z2 / (lam + t) ** 2)
        if m2 <= 0:  # y orthogonal to the features: supremum at alpha -> inf, beta = n / ||y||^2
            return float(-0.5 * n * (math.log(2 * math.pi * z2.sum() / n) + 1))
        res2 = np.sum(t**2 * z2 / (lam + t) ** 2)
        alpha, beta = gamma / m2, (n - gamma) / res2
        if abs(alpha / beta - t) < 1e-10 * t:
            break
    variance = 1 / beta + lam / alpha
    return float(-0.5 * n * math.log(2 * math.pi) - 0.5 * np.log(variance).sum() - 0.5 * np.sum(z2 / variance))


def log_me(features, labels) -> float:
    f = _numpy(features).astype(np.float64)
    y = _numpy(labels)
    lam, q = np.linalg.eigh(f @ f.T)
    lam = np.clip(lam, 0.0, None)
    evidences = [_max_log_evidence(lam, (q.T @ (y == c).astype(np.float64)) ** 2) for c in np.unique(y)]
    return float(np.mean(evidences)) / len(y)


_METRICS = {"leep": leep, "nce": nce, "h_score": h_score, "log_me": log_me}


def rank_sources(candidates, target_labels, metric):
    try:
        score = _METRICS[metric]
    except KeyError:
        raise ValueError(f"metric must be one of {list(_METRICS)}, not {metric!r}") from None
    ranked = sorted(((score(x, target_labels), name) for name, x in candidates.items()), key=lambda p: -p[0])
    return [name for _, name in ranked]
