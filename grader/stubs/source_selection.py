"""Q7: which source model should you fine-tune? Score them before training any of them.

Implement four transferability estimates, each computed from one forward pass of a source
model over the labelled target data: LEEP and NCE from its predictions, H-score and LogME
from its features. All four are higher-is-better. Then rank candidate sources with them.
Inputs are torch tensors, all on one device, the CPU or a GPU (CUDA); numpy arrays may be
accepted too. Make every tensor you create on the inputs' device. Every score is returned
as a plain Python float (`.item()` or `float(...)`), rank_sources' result as a list of str.
Labels are class ids, any integers: not necessarily 0..C-1.
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor


def leep(source_probs: Tensor, target_labels: Tensor) -> float:
    """LEEP, the Log Expected Empirical Prediction (Nguyen et al., 2020).

    `source_probs` is (n, C_s): the source model's softmax output on the n target inputs
    (theta(x_i), rows sum to 1); `target_labels` is (n,) integer target classes.
    Build the empirical joint P(y, z) = (1/n) sum_{i: y_i = y} theta_z(x_i) from the soft
    probabilities (not their argmax), the marginal P(z) and the conditional
    P(y | z) = P(y, z) / P(z); return (1/n) sum_i log(sum_z P(y_i | z) theta_z(x_i)).

    Edge cases: a source class that receives no probability mass at all has P(z) = 0; the
    score must not become NaN there (the published reference code divides 0 by 0). LEEP is
    always <= 0, and equals -H(Y) when every input gets the same prediction.
    """
    raise NotImplementedError


def nce(source_labels: Tensor, target_labels: Tensor) -> float:
    """NCE, Negative Conditional Entropy (Tran et al., 2019).

    `source_labels` (n,) are the source model's argmax predictions on the target inputs,
    `target_labels` (n,) the target classes. Return -H(Y | Z) of their empirical joint
    distribution: sum over (z, y) of P(y, z) log P(y | z).

    The value lies in [-log C_t, 0]: 0 when the source prediction determines the target
    label, -log C_t when it says nothing about uniformly distributed labels. It does not
    depend on which ids the source classes carry (relabelling them changes nothing), and
    the source predictions need not use every id from 0 to C_s - 1.
    """
    raise NotImplementedError


def h_score(features: Tensor, labels: Tensor) -> float:
    """H-score (Bao et al., 2019) of (n, d) source features for (n,) target labels.

    Return tr(pinv(cov(f)) cov(g)), where g(x_i) is the mean feature of x_i's class and both
    covariances are centred and use the same normalisation. Use the pseudo-inverse: cov(f)
    is singular when features repeat or when d >= n.

    The value lies in [0, min(d, C - 1)] (C - 1 when every sample sits on its class mean)
    and is unchanged by any invertible affine map f -> f A + b of the features.
    """
    raise NotImplementedError


def log_me(features: Tensor, labels: Tensor) -> float:
    """LogME (You et al., 2021) of (n, d) source features for (n,) target labels.

    For each class c, take the one-hot column y = (labels == c) as a regression target on
    the raw features F (no bias, no standardisation): y = F w + noise, w ~ N(0, I/alpha),
    noise ~ N(0, 1/beta). Maximise the log evidence log p(y | F, alpha, beta) over alpha and
    beta with the fixed-point updates (gamma = sum_i beta s_i / (alpha + beta s_i) over the
    eigenvalues s_i of F^T F; alpha = gamma / m^T m; beta = (n - gamma) / ||F m - y||^2),
    divide the maximum by n, and return the mean over the classes. Compute in float64.

    At the optimum the value equals the direct Gaussian log marginal likelihood
    log N(y; 0, I/beta + F F^T/alpha) / n. It must also be right when n < d or the features
    are rank-deficient: the published fixed-point code gets log|alpha I + beta F^T F| wrong
    there (thuml/LogME issue 23). When a class's column is orthogonal to the features
    (F^T y = 0, e.g. all-zero features), the evidence keeps rising with alpha: the value is
    its supremum, at w = 0 and beta = n / ||y||^2, not wherever the iteration started.
    """
    raise NotImplementedError


def rank_sources(candidates: Mapping[str, Tensor], target_labels: Tensor, metric: str) -> list[str]:
    """Rank candidate source models on the target task, best first.

    `candidates` maps a source name to what `metric` takes: softmax probabilities for
    "leep", predicted labels for "nce", features for "h_score" and "log_me". Score every
    candidate against `target_labels` and return the names sorted from the highest score
    to the lowest. An unknown metric raises ValueError.
    """
    raise NotImplementedError
