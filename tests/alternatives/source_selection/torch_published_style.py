"""Alternative: torch on the inputs' device, close to the published code. LEEP from a one-hot
matmul with torch.where for empty source classes, NCE from a bincount of joint indices,
H-score with unbiased torch.cov for both covariances, LogME with thuml/LogME's fixed point
(SVD of F, epsilon-guarded updates, at most 11 steps, relative tolerance 1e-3) and the
issue-23 fix: the squared singular values padded with zeros to length d in log|A|.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _labels(x, device) -> torch.Tensor:
    return torch.unique(torch.as_tensor(x, device=device), return_inverse=True)[1]


def leep(source_probs, target_labels):
    theta = torch.as_tensor(source_probs).to(torch.float64)
    y = _labels(target_labels, theta.device)
    joint = F.one_hot(y).to(theta.dtype).T @ theta / len(y)
    p_z = joint.sum(0, keepdim=True)
    p_y_given_z = torch.where(p_z > 0, joint / p_z, torch.zeros_like(joint))
    eep = (theta * p_y_given_z[y]).sum(1)
    return float(torch.log(eep).mean())


def nce(source_labels, target_labels):
    z = _labels(source_labels, None)
    y = _labels(target_labels, z.device)
    n_y = int(y.max()) + 1
    counts = torch.bincount(z * n_y + y, minlength=(int(z.max()) + 1) * n_y).view(-1, n_y).to(torch.float64)
    joint = counts / len(y)
    p_z = joint.sum(1, keepdim=True)
    terms = joint * torch.log(joint / p_z)
    return float(torch.nan_to_num(terms).sum())


def h_score(features, labels):
    f = torch.as_tensor(features).to(torch.float64)
    y = _labels(labels, f.device)
    onehot = F.one_hot(y).to(f.dtype)
    g = (onehot / onehot.sum(0)) @ (onehot.T @ f)
    cov_f = torch.cov(f.T)
    cov_g = torch.cov(g.T)
    return float(torch.trace(torch.linalg.pinv(cov_f) @ cov_g))


def _evidence(sigma, x2, res_x2, n, d):
    alpha, beta = 1.0, 1.0
    for _ in range(11):
        t = alpha / beta
        gamma = (sigma / (sigma + t)).sum()
        m2 = (sigma * x2 / (t + sigma) ** 2).sum()
        res2 = (x2 / (1 + sigma / t) ** 2).sum() + res_x2
        alpha = float(gamma / (m2 + 1e-5))
        beta = float((n - gamma) / (res2 + 1e-5))
        if abs(alpha / beta - t) / t <= 1e-3:
            break
    padded = torch.cat([sigma, sigma.new_zeros(d - len(sigma))])
    evidence = (d / 2 * math.log(alpha) + n / 2 * math.log(beta) - 0.5 * torch.log(alpha + beta * padded).sum()
                - beta / 2 * res2 - alpha / 2 * m2 - n / 2 * math.log(2 * math.pi))
    return float(evidence) / n


def log_me(features, labels):
    f = torch.as_tensor(features).to(torch.float64)
    y = _labels(labels, f.device)
    n, d = f.shape
    u, s, _ = torch.linalg.svd(f, full_matrices=False)
    k = int((s > 1e-10 * s.max()).sum())
    u, sigma = u[:, :k], s[:k] ** 2
    scores = []
    for c in range(int(y.max()) + 1):
        target = (y == c).to(f.dtype)
        if k == 0:  # zero features: only the noise model is left, with beta = n / ||y||^2
            scores.append(-0.5 * (math.log(2 * math.pi * float(target.sum()) / n) + 1))
            continue
        x = u.T @ target
        scores.append(_evidence(sigma, x**2, (target**2).sum() - (x**2).sum(), n, d))
    return sum(scores) / len(scores)


def rank_sources(candidates, target_labels, metric):
    metrics = {"leep": leep, "nce": nce, "h_score": h_score, "log_me": log_me}
    if metric not in metrics:
        raise ValueError(f"unknown metric: {metric}")
    names = list(candidates)
    values = torch.tensor([metrics[metric](candidates[name], target_labels) for name in names])
    return [names[i] for i in torch.argsort(values, descending=True).tolist()]
