"""Grader for source_selection: LEEP, NCE, H-score, LogME and ranking sources with them.

Every reference value is computed in numpy float64 by grader/fixtures/selection_tasks.py,
independently of any implementation (LogME by maximising the marginal likelihood
numerically, not by a fixed-point iteration), from the seeded data made there.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- every score a Python float (all checks go through `score`); CPU or CUDA tensors ->
  test_scores_follow_the_input_device (another device, grader/authoring/devices.py)
- LEEP: soft joint, conditional, mean log -> test_leep_matches_definition,
  test_leep_uses_soft_probabilities; no NaN for an empty source class ->
  test_leep_empty_source_class; <= 0 -> test_leep_perfect_source; -H(Y) for constant
  predictions -> test_leep_constant_predictions
- NCE: -H(Y | Z) -> test_nce_matches_definition (ids not 0..C_s-1); in [-log C_t, 0] ->
  test_nce_extremes; relabelling -> test_nce_relabelling
- H-score: definition, same normalisation -> test_h_score_matches_definition; pseudo-inverse
  (repeated or constant features, d >= n) -> test_h_score_rank_deficient; range, C - 1 ->
  test_h_score_range; affine invariance -> test_h_score_affine_invariance
- LogME: mean over classes of the evidence / n -> test_log_me_matches_evidence,
  test_log_me_prefers_separating_features; n < d, rank-deficient -> test_log_me_rank_deficient;
  float64 -> test_log_me_precision; the optimum (a converged fixed point) ->
  test_log_me_invariances; F^T y = 0 takes the supremum -> test_log_me_orthogonal_class
- target labels are ids, not positions (the mean over the classes present) ->
  test_scores_with_sparse_target_ids
- rank_sources: best first, each metric -> test_rank_sources_order,
  test_rank_sources_on_pretrained_digits; unknown metric ValueError -> test_rank_sources_unknown_metric
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch

from grader.fixtures import pretrained
from grader.fixtures.selection_tasks import (
    LOGME_TASKS, balanced_labels, blobs, entropy, logme_ill_conditioned_task, logme_task, noisy_source_labels,
    ranking_candidates, ref_h_score, ref_leep, ref_log_me, ref_nce, source_probs, tensor,
)
from grader.authoring.checks import check, raising
from grader.authoring.devices import call_elsewhere

# ---------------------------------------------------------------- helpers


def score(fn, *args) -> float:
    """Call the candidate's metric and check that it returned a Python float (np.float64,
    a subclass, passes; a 0-dim tensor does not: the stub promises Python floats)."""
    value = fn(*args)
    assert isinstance(value, float), (
        f"expected {fn.__name__} to return a Python float, got "
        + ("a Tensor (call .item() on it)" if isinstance(value, torch.Tensor) else type(value).__name__)
    )
    return value


def close(actual: float, expected: float, *, atol: float, rtol: float = 0.0) -> bool:
    return math.isfinite(actual) and abs(actual - expected) <= atol + rtol * abs(expected)


@pytest.fixture(scope="module")
def prediction_task():
    """90 target samples in 3 classes and soft predictions of a 5-class source model."""
    labels = balanced_labels(np.random.default_rng(10), 90, 3)
    return source_probs(11, labels, 5, strength=1.5), labels


@pytest.fixture(scope="module")
def feature_task():
    """40 samples, 5 features, 4 classes, with a large common offset."""
    features, labels = blobs(20, 40, 5, 4, offset=3.0, flip=0.1)
    return features, labels


@pytest.fixture(scope="module")
def logme_refs():
    return {name: ref_log_me(*make()) for name, make in LOGME_TASKS.items()}


# ---------------------------------------------------------------- LEEP


@check(
    "LEEP averages the log expected empirical prediction over the target samples",
    level="basic", points=2,
    hint="Build the empirical joint P(y, z) from the soft source probabilities (averaged over the "
    "n target samples), divide by P(z) to get P(y | z), then average log sum_z P(y_i | z) theta_z(x_i).",
)
def test_leep_matches_definition(impl, device, prediction_task):
    probs, labels = prediction_task
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    expected = ref_leep(probs, labels)
    assert close(got, expected, atol=1e-4), f"expected LEEP {expected:.5f}, got {got:.5f}"


@check(
    "LEEP of a source that predicts the same distribution for every input equals -H(Y)",
    level="basic", points=1,
    hint="With identical predictions, P(y | z) is the label frequency of y for every z; the score "
    "is then the mean log frequency of the true labels.",
)
def test_leep_constant_predictions(impl, device):
    labels = np.array([0] * 12 + [1] * 6 + [2] * 3 + [3] * 9)
    probs = np.tile(np.array([[0.5, 0.2, 0.3]], dtype=np.float32), (len(labels), 1))
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    expected = -entropy(labels)
    assert close(got, expected, atol=1e-4), f"expected -H(Y) = {expected:.5f}, got {got:.5f}"


@check(
    "LEEP uses the source model's full probability vectors, not only their argmax",
    level="interview", points=1,
    hint="theta(x) is the whole softmax output; replacing it by a one-hot argmax turns LEEP into "
    "something closer to NCE and throws away the model's uncertainty.",
)
def test_leep_uses_soft_probabilities(impl, device):
    labels = balanced_labels(np.random.default_rng(12), 60, 3)
    probs = source_probs(13, labels, 4, strength=0.8)
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    expected = ref_leep(probs, labels)
    hard = np.eye(4, dtype=np.float32)[probs.argmax(axis=1)]
    hard_value = ref_leep(hard, labels)
    looks_hard = " (that is LEEP of the argmax one-hot predictions)" if close(got, hard_value, atol=1e-4) else ""
    assert close(got, expected, atol=1e-4), (
        f"expected LEEP {expected:.5f} from the soft probabilities, got {got:.5f}{looks_hard}"
    )


@check(
    "LEEP stays finite when a source class receives no probability mass",
    level="interview", points=2,
    hint="If no target sample gives class z any probability, P(z) = 0 and P(y | z) is 0 / 0; that "
    "class contributes nothing to the sum, so define its conditional as 0 instead of dividing.",
)
def test_leep_empty_source_class(impl, device, prediction_task):
    probs, labels = prediction_task
    padded = np.insert(probs, 2, 0.0, axis=1)
    got = score(impl.leep, tensor(padded, device), tensor(labels, device))
    expected = ref_leep(probs, labels)
    assert math.isfinite(got), f"expected a finite LEEP when source class 2 has no probability mass, got {got}"
    assert close(got, expected, atol=1e-4), (
        f"expected the same LEEP as without the empty source class ({expected:.5f}), got {got:.5f}"
    )


@check(
    "LEEP is 0 for a confident source whose predicted class determines the target label",
    level="interview", points=1,
    hint="LEEP is a mean of logs of probabilities, so it can never be positive; normalise the "
    "joint P(y, z) and the marginal P(z) consistently (both over n samples).",
)
def test_leep_perfect_source(impl, device):
    source = np.random.default_rng(14).integers(0, 6, 48)
    labels = source % 3
    probs = np.eye(6, dtype=np.float32)[source]
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    assert close(got, 0.0, atol=1e-5), f"expected LEEP 0 when z determines y, got {got:.5f}"


# ---------------------------------------------------------------- NCE


@check(
    "NCE equals -H(Y | Z) of the empirical joint of source predictions and target labels",
    level="basic", points=2,
    hint="Count pairs (z, y), divide by n for P(y, z), then sum P(y, z) log(P(y, z) / P(z)). "
    "Source predictions need not use every class id.",
)
def test_nce_matches_definition(impl, device):
    labels = balanced_labels(np.random.default_rng(30), 80, 4)
    source = noisy_source_labels(31, labels, np.array([0, 3, 4, 9, 17]), keep=0.6)
    got = score(impl.nce, tensor(source, device), tensor(labels, device))
    expected = ref_nce(source, labels)
    diagnosis = ""
    if close(got, -expected, atol=1e-4):
        diagnosis = " (that is +H(Y | Z): the sign is flipped)"
    elif close(got, entropy(labels) + expected, atol=1e-4):
        diagnosis = " (that is the mutual information I(Y; Z))"
    assert close(got, expected, atol=1e-4), f"expected NCE {expected:.5f}, got {got:.5f}{diagnosis}"


@check(
    "NCE is unchanged when the source classes are relabelled",
    level="interview", points=1,
    hint="NCE depends only on which target labels co-occur with each source prediction, not on "
    "the ids of the source classes; do not assume they are 0..C_s-1 or contiguous.",
)
def test_nce_relabelling(impl, device):
    labels = balanced_labels(np.random.default_rng(32), 60, 3)
    ids = np.arange(5)
    source = noisy_source_labels(33, labels, ids, keep=0.7)
    relabel = np.array([4, 0, 3, 1, 2])
    before = score(impl.nce, tensor(source, device), tensor(labels, device))
    after = score(impl.nce, tensor(relabel[source], device), tensor(labels, device))
    assert close(after, before, atol=1e-6), (
        f"expected the same NCE after relabelling source classes, got {before:.5f} then {after:.5f}"
    )


@check(
    "NCE is 0 when the source labels determine the target labels and -log C_t when they carry no information",
    level="interview", points=1,
    hint="-H(Y | Z) is at most 0 (Y known from Z) and at least -log C_t (Z useless, Y uniform); "
    "check your sign, and that you condition on Z, not on Y.",
)
def test_nce_extremes(impl, device):
    source = np.random.default_rng(34).integers(0, 6, 60)
    determined = score(impl.nce, tensor(source, device), tensor(source % 3, device))
    assert close(determined, 0.0, atol=1e-6), f"expected NCE 0 when y = z mod 3, got {determined:.5f}"
    labels = balanced_labels(np.random.default_rng(35), 60, 4)
    constant = np.full(60, 7)
    useless = score(impl.nce, tensor(constant, device), tensor(labels, device))
    assert close(useless, -math.log(4), atol=1e-5), (
        f"expected NCE -log 4 = {-math.log(4):.5f} for a constant source prediction and 4 balanced "
        f"classes, got {useless:.5f}"
    )


# ---------------------------------------------------------------- H-score


@check(
    "H-score equals tr(pinv(cov f) cov g), g the class-conditional mean of the features",
    level="basic", points=2,
    hint="Replace each sample's feature by the mean feature of its class to get g; compute both "
    "covariances with the same normalisation (both centred, both divided by n or both by n - 1).",
)
def test_h_score_matches_definition(impl, device, feature_task):
    features, labels = feature_task
    got = score(impl.h_score, tensor(features, device), tensor(labels, device))
    expected = ref_h_score(features, labels)
    n = len(labels)
    mixed = " (off by n/(n-1): the two covariances use different normalisations)" if min(
        abs(got - expected * n / (n - 1)), abs(got - expected * (n - 1) / n)) < 1e-4 * expected else ""
    assert close(got, expected, atol=1e-6, rtol=1e-4), f"expected H-score {expected:.5f}, got {got:.5f}{mixed}"


@check(
    "H-score is unchanged by an invertible affine map of the features",
    level="interview", points=2,
    hint="Centre f with its mean, and g with its mean (the same vector); a covariance that skips "
    "the centring picks up the feature offset.",
)
def test_h_score_affine_invariance(impl, device, feature_task):
    features, labels = feature_task
    rng = np.random.default_rng(21)
    mixing = rng.normal(size=(5, 5)) + 3 * np.eye(5)
    mapped = (features.astype(np.float64) @ mixing + 40.0).astype(np.float32)
    before = score(impl.h_score, tensor(features, device), tensor(labels, device))
    after = score(impl.h_score, tensor(mapped, device), tensor(labels, device))
    assert close(after, before, atol=1e-6, rtol=1e-3), (
        f"expected the same H-score after f -> f A + b, got {before:.5f} then {after:.5f}"
    )


@check(
    "H-score reaches C - 1 for features that are constant within each class and stays within [0, min(d, C - 1)]",
    level="interview", points=1,
    hint="When every sample sits on its class mean, cov g equals cov f and the trace counts the "
    "C - 1 directions the class means span.",
)
def test_h_score_range(impl, device):
    rng = np.random.default_rng(22)
    labels = balanced_labels(rng, 40, 4)
    means = rng.normal(size=(4, 3))
    separable = (means[labels] + 1.0).astype(np.float32)
    top = score(impl.h_score, tensor(separable, device), tensor(labels, device))
    assert close(top, 3.0, atol=1e-6, rtol=1e-4), (
        f"expected H-score C - 1 = 3 for class-constant features, got {top:.5f}"
    )
    for seed in range(3):
        features, noisy = blobs(23 + seed, 40, 3, 4, separation=0.5)
        value = score(impl.h_score, tensor(features, device), tensor(noisy, device))
        assert -1e-6 <= value <= 3 + 1e-4, f"expected an H-score in [0, 3] (d = 3, C = 4), got {value:.5f}"


@check(
    "H-score uses the pseudo-inverse, so rank-deficient features give the right value",
    level="expert", points=2,
    hint="cov f is singular when features repeat, when a feature is constant (a dead ReLU unit) or "
    "when d >= n; a plain inverse fails or explodes there, and standardising divides by a zero "
    "variance, while the pseudo-inverse only inverts the directions the features span.",
)
@pytest.mark.parametrize("case", ["repeated_columns", "constant_column", "more_features_than_samples"])
def test_h_score_rank_deficient(impl, device, case):
    if case == "repeated_columns":
        features, labels = blobs(24, 40, 4, 3)
        features = features.astype(np.float64)
        deficient = np.concatenate([features, features[:, :2], features[:, :1] - features[:, 1:2]], axis=1)
        expected, what = ref_h_score(features, labels), "the H-score without the repeated columns"
    elif case == "constant_column":
        features, labels = blobs(26, 40, 4, 3)
        features = features.astype(np.float64)
        deficient = np.insert(features, 2, 0.0, axis=1)
        expected, what = ref_h_score(features, labels), "the H-score without the dead (all-zero) feature"
    else:
        deficient, labels = blobs(25, 12, 20, 3)
        deficient = deficient.astype(np.float64)
        expected, what = 2.0, "C - 1 = 2 (n = 12 samples in d = 20 span every direction)"
    got = score(impl.h_score, tensor(deficient, device), tensor(labels, device))
    assert close(got, expected, atol=1e-6, rtol=1e-4), f"expected {what}: {expected:.5f}, got {got:.5f}"


# ---------------------------------------------------------------- LogME


def logme_message(got: float, expected: float, n: int, num_classes: int) -> str:
    if close(got, expected * num_classes, atol=1e-4):
        return " (that is the sum over classes, not the mean)"
    if close(got, expected * n, atol=1e-3 * n):
        return " (not divided by n)"
    return ""


@check(
    "LogME is the mean over classes of the maximised log evidence per sample",
    level="basic", points=3,
    hint="For each class, regress its one-hot column on the raw features (no bias, no scaling): "
    "iterate alpha = gamma / m^T m and beta = (n - gamma) / ||F m - y||^2, evaluate the evidence, "
    "divide by n, then average over classes.",
)
def test_log_me_matches_evidence(impl, device, logme_refs):
    features, labels = logme_task()
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    expected = logme_refs["logme"]
    assert close(got, expected, atol=1e-5), (
        f"expected LogME {expected:.5f} (max over alpha, beta of log N(y; 0, I/beta + F F^T/alpha) / n, "
        f"averaged over classes), got {got:.5f}{logme_message(got, expected, len(labels), 3)}"
    )


@check(
    "LogME scores features that separate the target classes above uninformative ones",
    level="basic", points=1,
    hint="Higher evidence means a linear model on these features explains the labels better.",
)
def test_log_me_prefers_separating_features(impl, device):
    good, labels = blobs(40, 60, 6, 3, separation=2.0, flip=0.0)
    useless = np.random.default_rng(41).normal(size=good.shape).astype(np.float32) + 0.5
    high = score(impl.log_me, tensor(good, device), tensor(labels, device))
    low = score(impl.log_me, tensor(useless, device), tensor(labels, device))
    assert high > low, f"expected separating features to score higher than noise, got {high:.5f} vs {low:.5f}"


@check(
    "LogME is unchanged by rotating or rescaling the features",
    level="interview", points=2,
    hint="The evidence only sees F F^T / alpha: a rotation leaves F F^T alone and a rescaling is "
    "absorbed by alpha, so a converged fixed point gives the same maximum.",
)
def test_log_me_invariances(impl, device, logme_refs):
    features, labels = logme_task()
    rotation = np.linalg.qr(np.random.default_rng(42).normal(size=(6, 6)))[0]
    expected = logme_refs["logme"]
    for what, changed in [("rotation", features.astype(np.float64) @ rotation), ("scaling by 3", 3.0 * features),
                          ("scaling by 1/3", features / 3.0)]:
        got = score(impl.log_me, tensor(changed.astype(np.float32), device), tensor(labels, device))
        assert close(got, expected, atol=1e-5), (
            f"expected LogME {expected:.6f} after {what} of the features, got {got:.6f}"
        )


@check(
    "LogME is exact with fewer samples than feature dimensions and with repeated feature columns",
    level="expert", points=2, hidden=True,
    hint="A = alpha I + beta F^T F is d x d: besides one eigenvalue alpha + beta s_i^2 per nonzero "
    "singular value it has d - rank eigenvalues equal to alpha, which log|A| must count.",
)
@pytest.mark.parametrize("case", ["fewer_samples", "repeated_columns"])
def test_log_me_rank_deficient(impl, device, logme_refs, case):
    features, labels = LOGME_TASKS[case]()
    n, d = features.shape
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    expected = logme_refs[case]
    rank = np.linalg.matrix_rank(features)
    assert close(got, expected, atol=1e-5), (
        f"n = {n}, d = {d}, rank {rank}: expected LogME {expected:.6f}, got {got:.6f}"
    )


@check(
    "LogME keeps float64 precision on ill-conditioned features",
    level="expert", points=2,
    hint="Cast the features to float64 before any decomposition; F^T F squares the condition "
    "number, which float32 cannot hold.",
)
def test_log_me_precision(impl, device, logme_refs):
    features, labels = logme_ill_conditioned_task()
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    expected = logme_refs["ill_conditioned"]
    assert close(got, expected, atol=1e-6), (
        f"expected LogME {expected:.7f} to 1e-6 for features with column scales from 1e-3 to 1, got {got:.7f}"
    )


@check(
    "LogME takes the evidence's supremum when a class's one-hot column is orthogonal to the features",
    level="expert", points=1,
    hint="If F^T y = 0 (all-zero features, or features dead on every sample of the class), m = 0 "
    "and alpha = gamma / m^T m is infinite: the evidence rises with alpha towards w = 0, where "
    "beta = n / ||y||^2. Take that limit instead of stopping at your starting alpha and beta.",
)
@pytest.mark.parametrize("case", ["all_zero_features", "features_dead_on_one_class"])
def test_log_me_orthogonal_class(impl, device, case):
    labels = balanced_labels(np.random.default_rng(45), 30, 3)
    if case == "all_zero_features":
        features = np.zeros((30, 4), dtype=np.float32)
        counts = np.bincount(labels)
        expected = float(np.mean(-0.5 * (np.log(2 * math.pi * counts / len(labels)) + 1)))
    else:
        features = np.abs(np.random.default_rng(46).normal(size=(30, 4))).astype(np.float32)
        features[labels == 0] = 0.0
        expected = ref_log_me(features, labels)
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    assert close(got, expected, atol=1e-4), (  # the published code's 1e-5 guard on m^T m costs ~5e-5
        f"{case.replace('_', ' ')}: expected LogME {expected:.5f} (for a class with F^T y = 0 the maximum is "
        f"at alpha -> inf, beta = n / ||y||^2), got {got:.5f}"
    )


@check(
    "Every score is unchanged when the target classes carry other ids than 0..C-1",
    level="interview", points=1,
    hint="Target labels are class ids, not positions: map them to 0..C-1 (torch.unique with "
    "return_inverse=True) or iterate over the classes present; range(labels.max() + 1) invents "
    "empty classes whose one-hot column is all zero.",
)
def test_scores_with_sparse_target_ids(impl, device, prediction_task):
    probs, labels = prediction_task
    ids = np.array([4, 9, 2])
    source = noisy_source_labels(37, labels, np.array([1, 3, 6]), keep=0.7)
    features, feature_labels = blobs(27, 24, 3, 3)
    cases = [(impl.leep, probs), (impl.nce, source), (impl.h_score, features), (impl.log_me, 0.1 * features)]
    for fn, inputs in cases:
        target = labels if fn in (impl.leep, impl.nce) else feature_labels
        before = score(fn, tensor(inputs, device), tensor(target, device))
        after = score(fn, tensor(inputs, device), tensor(ids[target], device))
        assert close(after, before, atol=1e-6, rtol=1e-6), (
            f"expected the same {fn.__name__} for target ids {{4, 9, 2}} as for {{0, 1, 2}}, "
            f"got {before:.5f} then {after:.5f}"
        )


# ---------------------------------------------------------------- rank_sources


@check(
    "rank_sources lists the candidate sources best score first",
    level="basic", points=1,
    hint="Every metric here is higher-is-better: score each candidate with the chosen metric and "
    "sort the names by decreasing score.",
)
@pytest.mark.parametrize("metric", ["leep", "nce", "h_score", "log_me"])
def test_rank_sources_order(impl, device, metric):
    labels = balanced_labels(np.random.default_rng(80), 60, 3)
    candidates = {name: tensor(x, device) for name, x in ranking_candidates(metric, labels).items()}
    got = impl.rank_sources(candidates, tensor(labels, device), metric)
    assert isinstance(got, list), f"expected a list of names, got {type(got).__name__}"
    assert got == ["good", "medium", "poor"], f"expected ['good', 'medium', 'poor'] with {metric}, got {got}"


@check(
    "rank_sources raises ValueError for an unknown metric",
    level="basic", points=1,
    hint="Look the metric name up explicitly and raise ValueError when it is not one of "
    "leep, nce, h_score, log_me; never fall back to a default.",
)
def test_rank_sources_unknown_metric(impl, device):
    labels = balanced_labels(np.random.default_rng(81), 30, 3)
    candidates = {name: tensor(x, device) for name, x in ranking_candidates("h_score", labels[:30]).items()}
    for metric in ("logme", "accuracy"):
        problem = raising(lambda: impl.rank_sources(candidates, tensor(labels, device), metric))
        assert problem is None, f"expected ValueError for metric {metric!r}; it {problem}"


@pytest.fixture(scope="module")
def digits_transfer(device):
    """What each digits source model gives on the 30 labelled target images (see
    grader/fixtures/pretrained.py): the negative-transfer source is inserted first."""
    train = pretrained.target_splits(device).train
    inputs = {"leep": {}, "nce": {}, "log_me": {}}
    with torch.no_grad():
        for name in (pretrained.NEGATIVE, pretrained.POSITIVE):
            model = pretrained.load_source(name, device)
            features = model.features(train.x)
            probs = model.head(features).softmax(dim=1)
            inputs["leep"][name], inputs["nce"][name], inputs["log_me"][name] = probs, probs.argmax(dim=1), features
    return train.y, inputs


@check(
    "On the digits fixtures, the source that really transfers ranks first from 30 labelled target images",
    level="interview", points=1,
    hint="Score each source on the labelled target data with the inputs its metric expects "
    "(softmax probabilities, argmax labels, penultimate features) and sort by decreasing score.",
)
@pytest.mark.parametrize("metric", ["leep", "nce", "log_me"])
def test_rank_sources_on_pretrained_digits(impl, digits_transfer, metric):
    labels, inputs = digits_transfer
    got = impl.rank_sources(inputs[metric], labels, metric)
    expected = [pretrained.POSITIVE, pretrained.NEGATIVE]
    assert got == expected, (
        f"expected {expected} with {metric}: {pretrained.POSITIVE} transfers to the target digits, "
        f"{pretrained.NEGATIVE} (memorised shuffled labels) does not; got {got}"
    )


# ---------------------------------------------------------------- devices


@check(
    "Every score works on tensors of another device (a GPU), where the inputs live",
    level="interview", points=2,
    hint="Create every new tensor (joint counts, one-hot matrices, accumulators) with "
    "device= of the inputs; a tensor made without device= lives on the CPU, and indexing or "
    "adding GPU tensors into it raises.",
)
def test_scores_follow_the_input_device(impl, prediction_task, feature_task):
    probs, labels = prediction_task
    source = noisy_source_labels(36, labels, np.array([0, 3, 4]), keep=0.7)
    features, feature_labels = feature_task
    logme_features, logme_labels = blobs(0, 24, 3, 2)  # small: every op goes through the device check
    logme_features = 0.1 * logme_features
    cases = [(impl.leep, probs, labels, ref_leep(probs, labels)),
             (impl.nce, source, labels, ref_nce(source, labels)),
             (impl.h_score, features, feature_labels, ref_h_score(features, feature_labels)),
             (impl.log_me, logme_features, logme_labels, ref_log_me(logme_features, logme_labels))]
    for fn, inputs, target, expected in cases:
        got = score(functools.wraps(fn)(lambda a, b, fn=fn: call_elsewhere(fn, a, b)),
                    torch.from_numpy(inputs), torch.from_numpy(target))
        assert close(got, expected, atol=1e-4, rtol=1e-4), (
            f"expected {fn.__name__} {expected:.5f} on another device, as on the CPU, got {got:.5f}"
        )
    candidates = {name: torch.from_numpy(x) for name, x in ranking_candidates("nce", labels).items()}
    got = call_elsewhere(impl.rank_sources, candidates, torch.from_numpy(labels), "nce")
    assert got == ["good", "medium", "poor"], f"expected ['good', 'medium', 'poor'] on another device, got {got}"
