"""Grader for source_selection: LEEP, NCE, H-score, LogME and ranking sources with them.

Every reference value is computed in numpy float64 by grader/fixtures/selection_tasks.py,
independently of any implementation (LogME by maximising the marginal likelihood
numerically, not by a fixed-point iteration), from the seeded data made there.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- every score a Python float, exactly (all checks go through `score`); CPU or CUDA tensors ->
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
  test_log_me_prefers_separating_features; n < d, rank-deficient (duplicated columns) ->
  test_log_me_rank_deficient; float64 -> test_log_me_precision; the optimum (a converged
  fixed point) -> test_log_me_invariances; F^T y = 0 takes the supremum -> test_log_me_orthogonal_class
- target labels are ids, not positions (the mean over the classes present) ->
  test_scores_with_sparse_target_ids
- rank_sources: a list of str, best first, each metric -> test_rank_sources_order,
  test_rank_sources_on_pretrained_digits; unknown metric ValueError -> test_rank_sources_unknown_metric
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch

from grader.authoring.checks import check, raising, raising_zh, say
from grader.authoring.devices import call_elsewhere
from grader.authoring.exact import exact_items, type_name
from grader.fixtures import pretrained
from grader.fixtures.selection_tasks import (
    LOGME_TASKS, balanced_labels, blobs, entropy, logme_ill_conditioned_task, logme_task, noisy_source_labels,
    ranking_candidates, ref_h_score, ref_leep, ref_log_me, ref_nce, source_probs, tensor,
)

# ---------------------------------------------------------------- helpers


def score(fn, *args) -> float:
    """Call the candidate's metric and check that it returned a Python float: exactly float
    or numpy.float64 (not a subclass that could compare equal to anything, and not a 0-dim
    tensor: the stub promises Python floats)."""
    value = fn(*args)
    if type(value) not in (float, np.float64):
        hint_en, hint_zh = ("a Tensor (call .item() on it)", "Tensor（请调用 .item()）") if isinstance(
            value, torch.Tensor) else (type_name(type(value)),) * 2
        raise AssertionError(say(f"expected {fn.__name__} to return a Python float, got {hint_en}",
                                 f"{fn.__name__} 应返回 Python float，实际返回了 {hint_zh}"))
    return float(value)


def close(actual: float, expected: float, *, atol: float, rtol: float = 0.0) -> bool:
    return math.isfinite(actual) and abs(actual - expected) <= atol + rtol * abs(expected)


def ranking(got, en_context: str, zh_context: str) -> list[str]:
    return exact_items(got, list, str, f"rank_sources's result ({en_context})", f"rank_sources 的返回值（{zh_context}）")


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
    title_zh="LEEP 是目标样本上“期望经验预测”对数的平均",
    hint_zh="用源模型的软概率构造经验联合分布 P(y, z)（对 n 个目标样本取平均），除以 P(z) 得到 P(y | z)，"
    "再对 log sum_z P(y_i | z) theta_z(x_i) 求平均。",
)
def test_leep_matches_definition(impl, device, prediction_task):
    probs, labels = prediction_task
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    expected = ref_leep(probs, labels)
    assert close(got, expected, atol=1e-4), say(f"expected LEEP {expected:.5f}, got {got:.5f}",
                                                f"LEEP 应为 {expected:.5f}，实际为 {got:.5f}")


@check(
    "LEEP of a source that predicts the same distribution for every input equals -H(Y)",
    level="basic", points=1,
    hint="With identical predictions, P(y | z) is the label frequency of y for every z; the score "
    "is then the mean log frequency of the true labels.",
    title_zh="源模型对所有输入给出同一个分布时，LEEP 等于 -H(Y)",
    hint_zh="预测都相同时，对每个 z，P(y | z) 都是标签 y 的频率；得分就是真实标签频率取对数后的平均。",
)
def test_leep_constant_predictions(impl, device):
    labels = np.array([0] * 12 + [1] * 6 + [2] * 3 + [3] * 9)
    probs = np.tile(np.array([[0.5, 0.2, 0.3]], dtype=np.float32), (len(labels), 1))
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    expected = -entropy(labels)
    assert close(got, expected, atol=1e-4), say(f"expected -H(Y) = {expected:.5f}, got {got:.5f}",
                                                f"应为 -H(Y) = {expected:.5f}，实际为 {got:.5f}")


@check(
    "LEEP uses the source model's full probability vectors, not only their argmax",
    level="interview", points=1,
    hint="theta(x) is the whole softmax output; replacing it by a one-hot argmax turns LEEP into "
    "something closer to NCE and throws away the model's uncertainty.",
    title_zh="LEEP 用的是源模型完整的概率向量，而不只是 argmax",
    hint_zh="theta(x) 是整个 softmax 输出；换成 argmax 的 one-hot 向量，LEEP 就变得更像 NCE，模型的不确定性也丢掉了。",
)
def test_leep_uses_soft_probabilities(impl, device):
    labels = balanced_labels(np.random.default_rng(12), 60, 3)
    probs = source_probs(13, labels, 4, strength=0.8)
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    expected = ref_leep(probs, labels)
    hard = np.eye(4, dtype=np.float32)[probs.argmax(axis=1)]
    looks_hard = close(got, ref_leep(hard, labels), atol=1e-4)
    assert close(got, expected, atol=1e-4), say(
        f"expected LEEP {expected:.5f} from the soft probabilities, got {got:.5f}"
        + (" (that is LEEP of the argmax one-hot predictions)" if looks_hard else ""),
        f"用软概率算出的 LEEP 应为 {expected:.5f}，实际为 {got:.5f}" + ("（这是 argmax one-hot 预测的 LEEP）" if looks_hard else ""))


@check(
    "LEEP stays finite when a source class receives no probability mass",
    level="interview", points=2,
    hint="If no target sample gives class z any probability, P(z) = 0 and P(y | z) is 0 / 0; that "
    "class contributes nothing to the sum, so define its conditional as 0 instead of dividing.",
    title_zh="某个源类别完全没有分到概率时，LEEP 仍然是有限值",
    hint_zh="如果没有任何目标样本给类别 z 分到概率，P(z) = 0，P(y | z) 就成了 0 / 0；这个类别对求和没有贡献，"
    "把它的条件概率定义为 0，而不是去做除法。",
)
def test_leep_empty_source_class(impl, device, prediction_task):
    probs, labels = prediction_task
    padded = np.insert(probs, 2, 0.0, axis=1)
    got = score(impl.leep, tensor(padded, device), tensor(labels, device))
    expected = ref_leep(probs, labels)
    assert math.isfinite(got), say(f"expected a finite LEEP when source class 2 has no probability mass, got {got}",
                                   f"源类别 2 没有概率质量时，LEEP 应为有限值，实际为 {got}")
    assert close(got, expected, atol=1e-4), say(
        f"expected the same LEEP as without the empty source class ({expected:.5f}), got {got:.5f}",
        f"应与去掉这个空源类别时的 LEEP 相同（{expected:.5f}），实际为 {got:.5f}")


@check(
    "LEEP is 0 for a confident source whose predicted class determines the target label",
    level="interview", points=1,
    hint="LEEP is a mean of logs of probabilities, so it can never be positive; normalise the "
    "joint P(y, z) and the marginal P(z) consistently (both over n samples).",
    title_zh="源模型预测确定、且预测类别决定了目标标签时，LEEP 为 0",
    hint_zh="LEEP 是概率取对数后的平均，不可能为正；联合分布 P(y, z) 和边缘分布 P(z) 要用一致的方式归一化（都按 n 个样本）。",
)
def test_leep_perfect_source(impl, device):
    source = np.random.default_rng(14).integers(0, 6, 48)
    labels = source % 3
    probs = np.eye(6, dtype=np.float32)[source]
    got = score(impl.leep, tensor(probs, device), tensor(labels, device))
    assert close(got, 0.0, atol=1e-5), say(f"expected LEEP 0 when z determines y, got {got:.5f}",
                                           f"z 决定 y 时 LEEP 应为 0，实际为 {got:.5f}")


# ---------------------------------------------------------------- NCE


@check(
    "NCE equals -H(Y | Z) of the empirical joint of source predictions and target labels",
    level="basic", points=2,
    hint="Count pairs (z, y), divide by n for P(y, z), then sum P(y, z) log(P(y, z) / P(z)). "
    "Source predictions need not use every class id.",
    title_zh="NCE 等于源预测与目标标签经验联合分布的 -H(Y | Z)",
    hint_zh="统计 (z, y) 对的个数，除以 n 得到 P(y, z)，再对 P(y, z) log(P(y, z) / P(z)) 求和。源预测不一定用到每个类别编号。",
)
def test_nce_matches_definition(impl, device):
    labels = balanced_labels(np.random.default_rng(30), 80, 4)
    source = noisy_source_labels(31, labels, np.array([0, 3, 4, 9, 17]), keep=0.6)
    got = score(impl.nce, tensor(source, device), tensor(labels, device))
    expected = ref_nce(source, labels)
    diagnosis = ("", "")
    if close(got, -expected, atol=1e-4):
        diagnosis = (" (that is +H(Y | Z): the sign is flipped)", "（这是 +H(Y | Z)：符号反了）")
    elif close(got, entropy(labels) + expected, atol=1e-4):
        diagnosis = (" (that is the mutual information I(Y; Z))", "（这是互信息 I(Y; Z)）")
    assert close(got, expected, atol=1e-4), say(f"expected NCE {expected:.5f}, got {got:.5f}{diagnosis[0]}",
                                                f"NCE 应为 {expected:.5f}，实际为 {got:.5f}{diagnosis[1]}")


@check(
    "NCE is unchanged when the source classes are relabelled",
    level="interview", points=1,
    hint="NCE depends only on which target labels co-occur with each source prediction, not on "
    "the ids of the source classes; do not assume they are 0..C_s-1 or contiguous.",
    title_zh="源类别重新编号后，NCE 不变",
    hint_zh="NCE 只取决于每个源预测和哪些目标标签同时出现，与源类别的编号无关；不要假定编号是 0..C_s-1 或者连续的。",
)
def test_nce_relabelling(impl, device):
    labels = balanced_labels(np.random.default_rng(32), 60, 3)
    source = noisy_source_labels(33, labels, np.arange(5), keep=0.7)
    relabel = np.array([4, 0, 3, 1, 2])
    before = score(impl.nce, tensor(source, device), tensor(labels, device))
    after = score(impl.nce, tensor(relabel[source], device), tensor(labels, device))
    assert close(after, before, atol=1e-6), say(
        f"expected the same NCE after relabelling source classes, got {before:.5f} then {after:.5f}",
        f"源类别重新编号后 NCE 应不变，实际先是 {before:.5f}，后是 {after:.5f}")


@check(
    "NCE is 0 when the source labels determine the target labels and -log C_t when they carry no information",
    level="interview", points=1,
    hint="-H(Y | Z) is at most 0 (Y known from Z) and at least -log C_t (Z useless, Y uniform); "
    "check your sign, and that you condition on Z, not on Y.",
    title_zh="源标签决定目标标签时 NCE 为 0，源标签不含任何信息时为 -log C_t",
    hint_zh="-H(Y | Z) 最大为 0（由 Z 可知 Y），最小为 -log C_t（Z 没用，Y 均匀分布）；检查符号，并确认条件是 Z 而不是 Y。",
)
def test_nce_extremes(impl, device):
    source = np.random.default_rng(34).integers(0, 6, 60)
    determined = score(impl.nce, tensor(source, device), tensor(source % 3, device))
    assert close(determined, 0.0, atol=1e-6), say(f"expected NCE 0 when y = z mod 3, got {determined:.5f}",
                                                  f"y = z mod 3 时 NCE 应为 0，实际为 {determined:.5f}")
    labels = balanced_labels(np.random.default_rng(35), 60, 4)
    useless = score(impl.nce, tensor(np.full(60, 7), device), tensor(labels, device))
    assert close(useless, -math.log(4), atol=1e-5), say(
        f"expected NCE -log 4 = {-math.log(4):.5f} for a constant source prediction and 4 balanced classes, "
        f"got {useless:.5f}",
        f"源预测为常数、4 个类别均衡时，NCE 应为 -log 4 = {-math.log(4):.5f}，实际为 {useless:.5f}")


# ---------------------------------------------------------------- H-score


@check(
    "H-score equals tr(pinv(cov f) cov g), g the class-conditional mean of the features",
    level="basic", points=2,
    hint="Replace each sample's feature by the mean feature of its class to get g; compute both "
    "covariances with the same normalisation (both centred, both divided by n or both by n - 1).",
    title_zh="H-score 等于 tr(pinv(cov f) cov g)，g 是特征的类条件均值",
    hint_zh="把每个样本的特征换成它所在类别的平均特征，就得到 g；两个协方差用同样的归一化（都中心化，都除以 n 或都除以 n - 1）。",
)
def test_h_score_matches_definition(impl, device, feature_task):
    features, labels = feature_task
    got = score(impl.h_score, tensor(features, device), tensor(labels, device))
    expected = ref_h_score(features, labels)
    n = len(labels)
    mixed = min(abs(got - expected * n / (n - 1)), abs(got - expected * (n - 1) / n)) < 1e-4 * expected
    assert close(got, expected, atol=1e-6, rtol=1e-4), say(
        f"expected H-score {expected:.5f}, got {got:.5f}"
        + (" (off by n/(n-1): the two covariances use different normalisations)" if mixed else ""),
        f"H-score 应为 {expected:.5f}，实际为 {got:.5f}" + ("（差了 n/(n-1) 倍：两个协方差的归一化不一致）" if mixed else ""))


@check(
    "H-score is unchanged by an invertible affine map of the features",
    level="interview", points=2,
    hint="Centre f with its mean, and g with its mean (the same vector); a covariance that skips "
    "the centring picks up the feature offset.",
    title_zh="对特征做可逆仿射变换后，H-score 不变",
    hint_zh="f 用它的均值中心化，g 也用它的均值（同一个向量）中心化；协方差若不中心化，就会把特征的偏移量算进去。",
)
def test_h_score_affine_invariance(impl, device, feature_task):
    features, labels = feature_task
    mixing = np.random.default_rng(21).normal(size=(5, 5)) + 3 * np.eye(5)
    mapped = (features.astype(np.float64) @ mixing + 40.0).astype(np.float32)
    before = score(impl.h_score, tensor(features, device), tensor(labels, device))
    after = score(impl.h_score, tensor(mapped, device), tensor(labels, device))
    assert close(after, before, atol=1e-6, rtol=1e-3), say(
        f"expected the same H-score after f -> f A + b, got {before:.5f} then {after:.5f}",
        f"做 f -> f A + b 变换后 H-score 应不变，实际先是 {before:.5f}，后是 {after:.5f}")


@check(
    "H-score reaches C - 1 for features that are constant within each class and stays within [0, min(d, C - 1)]",
    level="interview", points=1,
    hint="When every sample sits on its class mean, cov g equals cov f and the trace counts the "
    "C - 1 directions the class means span.",
    title_zh="类内特征恒定时 H-score 达到 C - 1，且始终落在 [0, min(d, C - 1)] 内",
    hint_zh="每个样本都正好落在类均值上时，cov g 等于 cov f，迹数的就是类均值张成的 C - 1 个方向。",
)
def test_h_score_range(impl, device):
    rng = np.random.default_rng(22)
    labels = balanced_labels(rng, 40, 4)
    separable = (rng.normal(size=(4, 3))[labels] + 1.0).astype(np.float32)
    top = score(impl.h_score, tensor(separable, device), tensor(labels, device))
    assert close(top, 3.0, atol=1e-6, rtol=1e-4), say(f"expected H-score C - 1 = 3 for class-constant features, got {top:.5f}",
                                                      f"类内特征恒定时 H-score 应为 C - 1 = 3，实际为 {top:.5f}")
    for seed in range(3):
        features, noisy = blobs(23 + seed, 40, 3, 4, separation=0.5)
        value = score(impl.h_score, tensor(features, device), tensor(noisy, device))
        assert -1e-6 <= value <= 3 + 1e-4, say(f"expected an H-score in [0, 3] (d = 3, C = 4), got {value:.5f}",
                                               f"H-score 应在 [0, 3] 内（d = 3，C = 4），实际为 {value:.5f}")


@check(
    "H-score uses the pseudo-inverse, so rank-deficient features give the right value",
    level="expert", points=2,
    hint="cov f is singular when features repeat, when a feature is constant (a dead ReLU unit) or "
    "when d >= n; a plain inverse fails or explodes there, and standardising divides by a zero "
    "variance, while the pseudo-inverse only inverts the directions the features span.",
    title_zh="H-score 用伪逆，所以秩亏的特征也能得到正确的值",
    hint_zh="特征有重复列、某一维是常数（死掉的 ReLU 单元）或 d >= n 时，cov f 是奇异的；普通求逆会报错或数值爆炸，"
    "标准化会除以零方差，而伪逆只对特征张成的方向求逆。",
)
@pytest.mark.parametrize("case", ["repeated_columns", "constant_column", "more_features_than_samples"])
def test_h_score_rank_deficient(impl, device, case):
    if case == "repeated_columns":
        features, labels = blobs(24, 40, 4, 3)
        features = features.astype(np.float64)
        deficient = np.concatenate([features, features[:, :2], features[:, :1] - features[:, 1:2]], axis=1)
        expected, what = ref_h_score(features, labels), ("the H-score without the repeated columns", "去掉重复列后的 H-score")
    elif case == "constant_column":
        features, labels = blobs(26, 40, 4, 3)
        features = features.astype(np.float64)
        deficient = np.insert(features, 2, 0.0, axis=1)
        expected, what = ref_h_score(features, labels), ("the H-score without the dead (all-zero) feature",
                                                         "去掉死特征（全零列）后的 H-score")
    else:
        deficient, labels = blobs(25, 12, 20, 3)
        deficient = deficient.astype(np.float64)
        expected, what = 2.0, ("C - 1 = 2 (n = 12 samples in d = 20 span every direction)",
                               "C - 1 = 2（d = 20 维中的 n = 12 个样本张成全部方向）")
    got = score(impl.h_score, tensor(deficient, device), tensor(labels, device))
    assert close(got, expected, atol=1e-6, rtol=1e-4), say(f"expected {what[0]}: {expected:.5f}, got {got:.5f}",
                                                           f"应为{what[1]}：{expected:.5f}，实际为 {got:.5f}")


# ---------------------------------------------------------------- LogME


def logme_diagnosis(got: float, expected: float, n: int, num_classes: int) -> tuple[str, str]:
    if close(got, expected * num_classes, atol=1e-4):
        return " (that is the sum over classes, not the mean)", "（这是对类别求和，不是求平均）"
    if close(got, expected * n, atol=1e-3 * n):
        return " (not divided by n)", "（没有除以 n）"
    return "", ""


@check(
    "LogME is the mean over classes of the maximised log evidence per sample",
    level="basic", points=3,
    hint="For each class, regress its one-hot column on the raw features (no bias, no scaling): "
    "iterate alpha = gamma / m^T m and beta = (n - gamma) / ||F m - y||^2, evaluate the evidence, "
    "divide by n, then average over classes.",
    title_zh="LogME 是各类别最大化后的每样本对数证据的平均",
    hint_zh="对每个类别，用原始特征（不加偏置、不缩放）回归它的 one-hot 列：迭代 alpha = gamma / m^T m 和 "
    "beta = (n - gamma) / ||F m - y||^2，算出证据，除以 n，再对类别求平均。",
)
def test_log_me_matches_evidence(impl, device, logme_refs):
    features, labels = logme_task()
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    expected = logme_refs["logme"]
    why = logme_diagnosis(got, expected, len(labels), 3)
    assert close(got, expected, atol=1e-5), say(
        f"expected LogME {expected:.5f} (max over alpha, beta of log N(y; 0, I/beta + F F^T/alpha) / n, "
        f"averaged over classes), got {got:.5f}{why[0]}",
        f"LogME 应为 {expected:.5f}（对 alpha、beta 取 log N(y; 0, I/beta + F F^T/alpha) / n 的最大值，再对类别平均），"
        f"实际为 {got:.5f}{why[1]}")


@check(
    "LogME scores features that separate the target classes above uninformative ones",
    level="basic", points=1,
    hint="Higher evidence means a linear model on these features explains the labels better.",
    title_zh="能区分目标类别的特征，LogME 得分高于无信息的特征",
    hint_zh="证据越高，说明基于这些特征的线性模型越能解释标签。",
)
def test_log_me_prefers_separating_features(impl, device):
    good, labels = blobs(40, 60, 6, 3, separation=2.0, flip=0.0)
    useless = np.random.default_rng(41).normal(size=good.shape).astype(np.float32) + 0.5
    high = score(impl.log_me, tensor(good, device), tensor(labels, device))
    low = score(impl.log_me, tensor(useless, device), tensor(labels, device))
    assert high > low, say(f"expected separating features to score higher than noise, got {high:.5f} vs {low:.5f}",
                           f"可分的特征得分应高于噪声，实际为 {high:.5f} 对 {low:.5f}")


@check(
    "LogME is unchanged by rotating or rescaling the features",
    level="interview", points=2,
    hint="The evidence only sees F F^T / alpha: a rotation leaves F F^T alone and a rescaling is "
    "absorbed by alpha, so a converged fixed point gives the same maximum.",
    title_zh="对特征做旋转或缩放后，LogME 不变",
    hint_zh="证据只依赖 F F^T / alpha：旋转不改变 F F^T，缩放会被 alpha 吸收，所以收敛的不动点给出同一个最大值。",
)
def test_log_me_invariances(impl, device, logme_refs):
    features, labels = logme_task()
    rotation = np.linalg.qr(np.random.default_rng(42).normal(size=(6, 6)))[0]
    expected = logme_refs["logme"]
    for what, changed in [(("rotation", "旋转"), features.astype(np.float64) @ rotation),
                          (("scaling by 3", "放大 3 倍"), 3.0 * features), (("scaling by 1/3", "缩小为 1/3"), features / 3.0)]:
        got = score(impl.log_me, tensor(changed.astype(np.float32), device), tensor(labels, device))
        assert close(got, expected, atol=1e-5), say(f"expected LogME {expected:.6f} after {what[0]} of the features, got {got:.6f}",
                                                    f"特征{what[1]}后 LogME 应为 {expected:.6f}，实际为 {got:.6f}")


@check(
    "LogME is exact with fewer samples than feature dimensions and with duplicated feature columns",
    level="expert", points=2, hidden=True,
    hint="A = alpha I + beta F^T F is d x d: besides one eigenvalue alpha + beta s_i^2 per nonzero "
    "singular value it has d - rank eigenvalues equal to alpha, which log|A| must count.",
    title_zh="样本数少于特征维数、或特征有重复列时，LogME 依然精确",
    hint_zh="A = alpha I + beta F^T F 是 d x d 矩阵：除了每个非零奇异值对应一个特征值 alpha + beta s_i^2，"
    "还有 d - rank 个等于 alpha 的特征值，log|A| 必须把它们算进去。",
)
@pytest.mark.parametrize("case", ["fewer_samples", "repeated_columns"])
def test_log_me_rank_deficient(impl, device, logme_refs, case):
    features, labels = LOGME_TASKS[case]()
    n, d = features.shape
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    expected = logme_refs[case]
    rank = np.linalg.matrix_rank(features)
    assert close(got, expected, atol=1e-5), say(f"n = {n}, d = {d}, rank {rank}: expected LogME {expected:.6f}, got {got:.6f}",
                                                f"n = {n}，d = {d}，秩为 {rank}：LogME 应为 {expected:.6f}，实际为 {got:.6f}")


@check(
    "LogME keeps float64 precision on ill-conditioned features",
    level="expert", points=2,
    hint="Cast the features to float64 before any decomposition; F^T F squares the condition "
    "number, which float32 cannot hold.",
    title_zh="特征矩阵病态时，LogME 仍保持 float64 精度",
    hint_zh="做任何分解之前先把特征转成 float64；F^T F 会把条件数平方，float32 承受不住。",
)
def test_log_me_precision(impl, device, logme_refs):
    features, labels = logme_ill_conditioned_task()
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    expected = logme_refs["ill_conditioned"]
    assert close(got, expected, atol=1e-6), say(
        f"expected LogME {expected:.7f} to 1e-6 for features with column scales from 1e-3 to 1, got {got:.7f}",
        f"各列尺度从 1e-3 到 1 的特征，LogME 应为 {expected:.7f}（误差不超过 1e-6），实际为 {got:.7f}")


@check(
    "LogME takes the evidence's supremum when a class's one-hot column is orthogonal to the features",
    level="expert", points=1,
    hint="If F^T y = 0 (all-zero features, or features dead on every sample of the class), m = 0 "
    "and alpha = gamma / m^T m is infinite: the evidence rises with alpha towards w = 0, where "
    "beta = n / ||y||^2. Take that limit instead of stopping at your starting alpha and beta.",
    title_zh="某个类别的 one-hot 列与特征正交时，LogME 取证据的上确界",
    hint_zh="若 F^T y = 0（特征全为零，或特征在该类的每个样本上都是死的），则 m = 0，alpha = gamma / m^T m 为无穷大："
    "证据随 alpha 增大而上升，趋向 w = 0，此时 beta = n / ||y||^2。要取这个极限，而不是停在迭代的初始 alpha 和 beta 上。",
)
@pytest.mark.parametrize("case", ["all_zero_features", "features_dead_on_one_class"])
def test_log_me_orthogonal_class(impl, device, case):
    labels = balanced_labels(np.random.default_rng(45), 30, 3)
    if case == "all_zero_features":
        features = np.zeros((30, 4), dtype=np.float32)
        counts = np.bincount(labels)
        expected = float(np.mean(-0.5 * (np.log(2 * math.pi * counts / len(labels)) + 1)))
        what = ("all-zero features", "特征全为零")
    else:
        features = np.abs(np.random.default_rng(46).normal(size=(30, 4))).astype(np.float32)
        features[labels == 0] = 0.0
        expected = ref_log_me(features, labels)
        what = ("features dead on one class", "特征在某一类上全是死的")
    got = score(impl.log_me, tensor(features, device), tensor(labels, device))
    assert close(got, expected, atol=1e-4), say(  # the published code's 1e-5 guard on m^T m costs ~5e-5
        f"{what[0]}: expected LogME {expected:.5f} (for a class with F^T y = 0 the maximum is "
        f"at alpha -> inf, beta = n / ||y||^2), got {got:.5f}",
        f"{what[1]}：LogME 应为 {expected:.5f}（对 F^T y = 0 的类别，最大值在 alpha -> inf、beta = n / ||y||^2 处取到），"
        f"实际为 {got:.5f}")


@check(
    "Every score is unchanged when the target classes carry other ids than 0..C-1",
    level="interview", points=1,
    hint="Target labels are class ids, not positions: map them to 0..C-1 (torch.unique with "
    "return_inverse=True) or iterate over the classes present; range(labels.max() + 1) invents "
    "empty classes whose one-hot column is all zero.",
    title_zh="目标类别编号不是 0..C-1 时，每个得分都不变",
    hint_zh="目标标签是类别编号，不是位置：把它们映射到 0..C-1（torch.unique 加 return_inverse=True），"
    "或者只遍历实际出现的类别；range(labels.max() + 1) 会凭空造出 one-hot 列全为零的空类别。",
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
        assert close(after, before, atol=1e-6, rtol=1e-6), say(
            f"expected the same {fn.__name__} for target ids {{4, 9, 2}} as for {{0, 1, 2}}, got {before:.5f} then {after:.5f}",
            f"目标编号为 {{4, 9, 2}} 时 {fn.__name__} 应与 {{0, 1, 2}} 时相同，实际先是 {before:.5f}，后是 {after:.5f}")


# ---------------------------------------------------------------- rank_sources


@check(
    "rank_sources lists the candidate sources best score first",
    level="basic", points=1,
    hint="Every metric here is higher-is-better: score each candidate with the chosen metric and "
    "return a list of the names (plain str) sorted by decreasing score.",
    title_zh="rank_sources 按得分从高到低列出候选源模型",
    hint_zh="这里每个指标都是越高越好：用选定的指标给每个候选打分，返回按得分降序排列的名字列表（普通 str）。",
)
@pytest.mark.parametrize("metric", ["leep", "nce", "h_score", "log_me"])
def test_rank_sources_order(impl, device, metric):
    labels = balanced_labels(np.random.default_rng(80), 60, 3)
    candidates = {name: tensor(x, device) for name, x in ranking_candidates(metric, labels).items()}
    got = ranking(impl.rank_sources(candidates, tensor(labels, device), metric), metric, metric)
    assert got == ["good", "medium", "poor"], say(f"expected ['good', 'medium', 'poor'] with {metric}, got {got}",
                                                  f"用 {metric} 时应为 ['good', 'medium', 'poor']，实际为 {got}")


@check(
    "rank_sources raises ValueError for an unknown metric",
    level="basic", points=1,
    hint="Look the metric name up explicitly and raise ValueError when it is not one of "
    "leep, nce, h_score, log_me; never fall back to a default.",
    title_zh="指标名未知时，rank_sources 抛出 ValueError",
    hint_zh="显式查找指标名，不是 leep、nce、h_score、log_me 之一就抛 ValueError；不要退回到某个默认指标。",
)
def test_rank_sources_unknown_metric(impl, device):
    labels = balanced_labels(np.random.default_rng(81), 30, 3)
    candidates = {name: tensor(x, device) for name, x in ranking_candidates("h_score", labels[:30]).items()}
    for metric in ("logme", "accuracy"):
        problem = raising(lambda: impl.rank_sources(candidates, tensor(labels, device), metric))
        assert problem is None, say(f"expected ValueError for metric {metric!r}; it {problem}",
                                    f"指标 {metric!r} 应抛出 ValueError，实际{raising_zh(problem)}")


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
    title_zh="在 digits 数据上，只用 30 张有标注的目标图像，真正能迁移的源模型排在第一",
    hint_zh="在有标注的目标数据上，按各指标需要的输入（softmax 概率、argmax 标签、倒数第二层特征）给每个源模型打分，再按得分降序排列。",
)
@pytest.mark.parametrize("metric", ["leep", "nce", "log_me"])
def test_rank_sources_on_pretrained_digits(impl, digits_transfer, metric):
    labels, inputs = digits_transfer
    got = ranking(impl.rank_sources(inputs[metric], labels, metric), metric, metric)
    expected = [pretrained.POSITIVE, pretrained.NEGATIVE]
    assert got == expected, say(
        f"expected {expected} with {metric}: {pretrained.POSITIVE} transfers to the target digits, "
        f"{pretrained.NEGATIVE} (memorised shuffled labels) does not; got {got}",
        f"用 {metric} 时应为 {expected}：{pretrained.POSITIVE} 能迁移到目标数字上，"
        f"{pretrained.NEGATIVE}（记住的是打乱的标签）不能；实际为 {got}")


# ---------------------------------------------------------------- devices


@check(
    "Every score works on tensors of another device (a GPU), where the inputs live",
    level="interview", points=2,
    hint="Create every new tensor (joint counts, one-hot matrices, accumulators) with "
    "device= of the inputs; a tensor made without device= lives on the CPU, and indexing or "
    "adding GPU tensors into it raises.",
    title_zh="输入在另一种设备（GPU）上时，每个得分函数都能正常工作",
    hint_zh="每个新建的张量（联合计数、one-hot 矩阵、累加器）都要用输入的 device= 创建；不带 device= 创建的张量在 CPU 上，"
    "往里面索引或累加 GPU 张量会报错。",
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
        assert close(got, expected, atol=1e-4, rtol=1e-4), say(
            f"expected {fn.__name__} {expected:.5f} on another device, as on the CPU, got {got:.5f}",
            f"在另一种设备上 {fn.__name__} 应与 CPU 上一样为 {expected:.5f}，实际为 {got:.5f}")
    candidates = {name: torch.from_numpy(x) for name, x in ranking_candidates("nce", labels).items()}
    got = ranking(call_elsewhere(impl.rank_sources, candidates, torch.from_numpy(labels), "nce"),
                  "on another device", "在另一种设备上")
    assert got == ["good", "medium", "poor"], say(f"expected ['good', 'medium', 'poor'] on another device, got {got}",
                                                  f"在另一种设备上应为 ['good', 'medium', 'poor']，实际为 {got}")
