"""Grader for domain_shift: balanced class weights, CORAL, MMD and AdaBN.

References, BatchNorm models and data come from grader/fixtures/shift_models.py (float64,
independent of any implementation).

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- balanced_class_weights: n / (k count_c) -> test_balanced_weights_all_present; float32 ->
  test_balanced_weights_float32, also under a float64 default dtype ->
  test_balanced_weights_float32_under_float64_default; absent class 0, not in k ->
  test_balanced_weights_absent_classes; labels outside [0, num_classes) (num_classes and -1)
  ValueError -> test_balanced_weights_reject_bad_labels; sum count_c w_c = n in
  CrossEntropyLoss -> test_balanced_weights_in_cross_entropy
- coral_loss: 0-dim ||C_S - C_T||_F^2 / (4 d^2) -> test_coral_value (every value check wants
  dim 0); unbiased, n_s != n_t -> test_coral_unbiased_different_sizes; zero for equal
  covariances -> test_coral_zero_for_equal_covariance; shift invariance ->
  test_coral_shift_invariant; differentiable in both -> test_coral_gradient
- mmd: biased, diagonal included -> test_mmd_biased_different_sizes; kernels summed over
  sigmas -> test_mmd_sum_of_kernels; default sigma -> test_mmd_default_sigma; 0 for identical,
  >= 0 -> test_mmd_zero_and_nonnegative; differentiable -> test_mmd_gradient
- adapt_batchnorm: one-shot generator, no len -> test_adabn_generator; BatchNorm1d, 2d, 3d ->
  test_adabn_cumulative_statistics, test_adabn_batchnorm1d, test_adabn_batchnorm3d; reset
  first -> test_adabn_resets_statistics; in train mode, the batch average or the population
  statistics, one way for every layer -> test_adabn_cumulative_statistics,
  test_adabn_unequal_sorted_batches, test_adabn_recovers_accuracy; no parameter changes ->
  test_adabn_keeps_parameters; momentum restored (exact type) -> test_adabn_restores_momentum;
  same object in eval mode -> test_adabn_returns_model_in_eval_mode
- CPU or CUDA tensors -> test_functions_follow_the_input_device (grader/authoring/devices.py)
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from grader.authoring.checks import check, raising, raising_zh, say
from grader.authoring.devices import assert_elsewhere, call_elsewhere, here
from grader.authoring.exact import type_name
from grader.authoring.tensors import assert_gradients, gradients_of, leaf, numpy64, scalar, tensor_out, vector
from grader.fixtures import models
from grader.fixtures.shift_models import (
    INPUTS, accuracy, batch_norms, deployed, features, randomise_statistics, ref_balanced_weights, ref_bn_statistics,
    ref_coral, ref_mmd, sorted_batches, target_batches, train_shifted_task,
)

# ---------------------------------------------------------------- helpers


def close(actual: float, expected: float, rtol: float = 1e-4, atol: float = 1e-7) -> bool:
    return abs(actual - expected) <= atol + rtol * abs(expected)


# ---------------------------------------------------------------- balanced_class_weights


@check(
    "Balanced class weights are n / (k * count) when every class is present",
    level="basic", points=1,
    hint="Count each class (torch.bincount), then weight = number of samples / (number of classes present * count).",
    title_zh="所有类别都出现时，均衡类别权重为 n / (k * count)",
    hint_zh="先统计每个类别的样本数（torch.bincount），权重 = 样本总数 / (出现的类别数 * 该类样本数)。",
)
def test_balanced_weights_all_present(impl, device):
    labels = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 0])
    got = vector(impl.balanced_class_weights(labels.to(device), 3), "balanced_class_weights", 3)
    expected = ref_balanced_weights(labels.numpy(), 3)
    assert np.allclose(got, expected, rtol=1e-5), say(f"expected weights {expected.round(4)}, got {got.round(4)}",
                                                      f"权重应为 {expected.round(4)}，实际为 {got.round(4)}")


@check(
    "Class weights are a float32 tensor, as CrossEntropyLoss with float32 logits needs",
    level="basic", points=1,
    hint="Compute in any precision but return float32 (.float()): CrossEntropyLoss(weight=...) "
    "raises when the weights are float64 and the logits float32.",
    title_zh="类别权重是 float32 张量，与 float32 logits 搭配的 CrossEntropyLoss 需要这样",
    hint_zh="中间用什么精度都行，但返回 float32（.float()）：权重是 float64、logits 是 float32 时，CrossEntropyLoss(weight=...) 会报错。",
)
def test_balanced_weights_float32(impl, device):
    out = tensor_out(impl.balanced_class_weights(torch.tensor([0, 1, 1, 2]).to(device), 4), "balanced_class_weights")
    assert out.dtype == torch.float32, say(f"expected float32 class weights, got {out.dtype}",
                                           f"类别权重应为 float32，实际为 {out.dtype}")


@check(
    "Class weights stay float32 when torch's default dtype is float64",
    level="interview", points=1,
    hint="Give every tensor you create an explicit dtype: torch.zeros(k) follows "
    "torch.get_default_dtype(), and writing float32 values into a float64 tensor by index raises.",
    title_zh="即使 torch 的默认 dtype 是 float64，类别权重仍是 float32",
    hint_zh="新建的每个张量都显式指定 dtype：torch.zeros(k) 跟随 torch.get_default_dtype()，按索引把 float32 的值写进 float64 张量会报错。",
)
def test_balanced_weights_float32_under_float64_default(impl, device):
    labels = torch.tensor([0, 2, 2, 3, 2, 0]).to(device)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        out = impl.balanced_class_weights(labels, 5)
    finally:
        torch.set_default_dtype(previous)
    got = vector(out, "balanced_class_weights", 5)
    assert out.dtype == torch.float32, say(f"default dtype float64: expected float32 class weights, got {out.dtype}",
                                           f"默认 dtype 为 float64 时，类别权重应为 float32，实际为 {out.dtype}")
    expected = ref_balanced_weights(labels.cpu().numpy(), 5)
    assert np.allclose(got, expected, rtol=1e-5), say(f"default dtype float64: expected {expected.round(4)}, got {got.round(4)}",
                                                      f"默认 dtype 为 float64 时，权重应为 {expected.round(4)}，实际为 {got.round(4)}")


@check(
    "An absent class gets weight 0 and does not count in k",
    level="interview", points=2,
    hint="k is the number of classes that actually occur in the labels, not num_classes; "
    "give the others 0 instead of dividing by a zero count.",
    title_zh="没出现的类别权重为 0，也不计入 k",
    hint_zh="k 是标签里实际出现的类别数，不是 num_classes；其余类别直接给 0，不要除以为零的计数。",
)
def test_balanced_weights_absent_classes(impl, device):
    for labels, num_classes in [(torch.tensor([0, 0, 0, 3, 3, 1, 0, 3]), 5), (torch.tensor([2, 2, 2]), 4)]:
        got = vector(impl.balanced_class_weights(labels.to(device), num_classes), "balanced_class_weights", num_classes)
        expected = ref_balanced_weights(labels.numpy(), num_classes)
        assert np.isfinite(got).all(), say(f"expected finite weights for labels {labels.tolist()}, got {got}",
                                           f"标签为 {labels.tolist()} 时权重应全为有限值，实际为 {got}")
        assert np.allclose(got, expected, rtol=1e-5), say(
            f"labels {labels.tolist()}, num_classes={num_classes}: expected {expected.round(4)}, got {got.round(4)}",
            f"标签 {labels.tolist()}，num_classes={num_classes}：应为 {expected.round(4)}，实际为 {got.round(4)}")


@check(
    "Labels outside [0, num_classes) raise ValueError",
    level="basic", points=1,
    hint="Validate the labels' minimum and maximum before counting; torch.bincount neither "
    "rejects large labels nor raises ValueError for negative ones.",
    title_zh="超出 [0, num_classes) 的标签抛出 ValueError",
    hint_zh="计数之前先检查标签的最小值和最大值；torch.bincount 既不拒绝过大的标签，遇到负标签也不会抛 ValueError。",
)
def test_balanced_weights_reject_bad_labels(impl, device):
    for bad in ([0, 1, 3], [0, -1, 1]):
        labels = torch.tensor(bad, device=device)
        problem = raising(lambda: impl.balanced_class_weights(labels, 3))
        assert problem is None, say(f"expected ValueError for labels {bad} with num_classes=3; it {problem}",
                                    f"标签 {bad}、num_classes=3 时应抛出 ValueError，实际{raising_zh(problem)}")


@check(
    "Class weights plug into CrossEntropyLoss and give every present class the same total weight",
    level="interview", points=2,
    hint="Return a floating-point tensor; summed over the samples, each present class's "
    "weight should come to n / k, so no class dominates the loss by sheer numbers.",
    title_zh="类别权重能直接用于 CrossEntropyLoss，且每个出现的类别总权重相同",
    hint_zh="返回浮点张量；按样本求和后，每个出现的类别的总权重应为 n / k，这样没有哪个类别能单靠样本多主导损失。",
)
def test_balanced_weights_in_cross_entropy(impl, device):
    labels = torch.tensor([1] * 9 + [0] * 2 + [3] * 5).to(device)
    out = impl.balanced_class_weights(labels, 4)
    vector(out, "balanced_class_weights", 4)
    assert out.is_floating_point(), say(f"expected a floating-point tensor for CrossEntropyLoss, got {out.dtype}",
                                        f"CrossEntropyLoss 需要浮点张量，实际为 {out.dtype}")
    logits = torch.randn(len(labels), 4, device=device, dtype=out.dtype)
    loss = nn.CrossEntropyLoss(weight=out.to(device))(logits, labels)
    assert torch.isfinite(loss), say(f"expected a finite weighted cross-entropy, got {loss.item()}",
                                     f"加权交叉熵应为有限值，实际为 {loss.item()}")
    totals = np.bincount(labels.cpu().numpy(), weights=numpy64(out.to(device)[labels]), minlength=4)
    expected = np.array([16 / 3, 16 / 3, 0.0, 16 / 3])
    assert np.allclose(totals, expected, rtol=1e-5), say(
        f"expected each present class to weigh n / k = {16 / 3:.4f} in total, got per-class totals {totals.round(4)}",
        f"每个出现的类别总权重应为 n / k = {16 / 3:.4f}，实际各类总权重为 {totals.round(4)}")


# ---------------------------------------------------------------- coral_loss


@check(
    "CORAL loss equals ||C_S - C_T||_F^2 / (4 d^2)",
    level="basic", points=2,
    hint="Covariance of each batch (features centred per column), squared Frobenius norm "
    "of the difference, divided by 4 d^2 where d is the feature dimension.",
    title_zh="CORAL 损失等于 ||C_S - C_T||_F^2 / (4 d^2)",
    hint_zh="分别求两批特征的协方差（按列中心化），取差的 Frobenius 范数平方，再除以 4 d^2，d 是特征维数。",
)
def test_coral_value(impl, device):
    source, target = features(8, 5, 0), features(8, 5, 1, scale=torch.linspace(0.5, 2.0, 5))
    got = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    expected, _, _ = ref_coral(numpy64(source), numpy64(target))
    assert close(got, expected), say(f"expected {expected:.6g}, got {got:.6g} (ratio {got / expected:.4g})",
                                     f"应为 {expected:.6g}，实际为 {got:.6g}（比值 {got / expected:.4g}）")


@check(
    "CORAL loss uses unbiased (n - 1) covariances, also for batches of different sizes",
    level="interview", points=2,
    hint="Divide the centred cross-product by n - 1 for each batch, with each batch's own n.",
    title_zh="CORAL 损失用无偏（除以 n - 1）协方差，两批样本数不同时也一样",
    hint_zh="每批各自用自己的 n，中心化后的叉积除以 n - 1。",
)
def test_coral_unbiased_different_sizes(impl, device):
    source, target = features(3, 4, 2), features(7, 4, 3, scale=2.0)
    got = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    expected, _, _ = ref_coral(numpy64(source), numpy64(target))
    assert close(got, expected), say(f"source n=3, target n=7: expected {expected:.6g}, got {got:.6g} (ratio {got / expected:.4g})",
                                     f"源 n=3，目标 n=7：应为 {expected:.6g}，实际为 {got:.6g}（比值 {got / expected:.4g}）")


@check(
    "CORAL loss is zero for two batches with the same covariance",
    level="basic", points=1,
    hint="Only second-order statistics enter Deep CORAL: reordering a batch changes nothing.",
    title_zh="两批特征协方差相同时，CORAL 损失为零",
    hint_zh="Deep CORAL 只用到二阶统计量：打乱一批样本的顺序不会改变任何东西。",
)
def test_coral_zero_for_equal_covariance(impl, device):
    source = features(10, 4, 4)
    target = source[torch.randperm(10, generator=torch.Generator().manual_seed(5))]
    got = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    assert abs(got) < 1e-6, say(f"expected 0 for a batch and a permutation of it, got {got:.6g}",
                                f"一批样本和它的重排之间应为 0，实际为 {got:.6g}")


@check(
    "CORAL loss is unchanged when either batch is shifted by a constant",
    level="interview", points=2,
    hint="Deep CORAL compares covariances only; a term on the feature means (as in some "
    "libraries) does not belong in it.",
    title_zh="任一批特征整体平移一个常数，CORAL 损失不变",
    hint_zh="Deep CORAL 只比较协方差；有些库额外加的特征均值项不属于它。",
)
def test_coral_shift_invariant(impl, device):
    source, target = features(8, 4, 6), features(9, 4, 7, scale=1.5)
    shift_s, shift_t = torch.tensor([3.0, -2.0, 1.0, 0.5]), torch.tensor([-1.0, 2.5, 0.0, 2.0])
    base = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    shifted = scalar(impl.coral_loss((source + shift_s).to(device), (target + shift_t).to(device)), "coral_loss")
    assert close(shifted, base, rtol=1e-3, atol=1e-6), say(
        f"expected the same loss after shifting the batches ({base:.6g}), got {shifted:.6g}",
        f"平移之后损失应不变（{base:.6g}），实际为 {shifted:.6g}")


@check(
    "CORAL loss is differentiable with the right gradient for both batches",
    level="expert", points=2,
    hint="Build the loss from torch operations on the inputs (no .item(), numpy or no_grad) "
    "so that autograd reaches both feature batches.",
    title_zh="CORAL 损失可微，对两批特征的梯度都正确",
    hint_zh="全程用 torch 运算构造损失（不用 .item()、numpy 或 no_grad），autograd 才能传到两批特征上。",
)
def test_coral_gradient(impl, device):
    source, target = leaf(features(6, 3, 8), device), leaf(features(5, 3, 9, scale=0.7), device)
    grads = gradients_of(impl.coral_loss(source, target), {"source_features": source, "target_features": target}, "coral_loss")
    _, ref_s, ref_t = ref_coral(numpy64(source), numpy64(target))
    assert_gradients(grads, {"source_features": ref_s, "target_features": ref_t})


# ---------------------------------------------------------------- mmd


@check(
    "MMD of a sample with itself is 0, and MMD is never negative",
    level="basic", points=1,
    hint="The biased estimate mean(Kxx) + mean(Kyy) - 2 mean(Kxy) keeps the diagonal "
    "k(x_i, x_i) terms; it is a squared norm, so it cannot go below zero.",
    title_zh="样本与自身的 MMD 为 0，且 MMD 永不为负",
    hint_zh="有偏估计 mean(Kxx) + mean(Kyy) - 2 mean(Kxy) 保留了对角线上的 k(x_i, x_i)；它是一个范数的平方，不可能小于零。",
)
def test_mmd_zero_and_nonnegative(impl, device):
    x = features(6, 3, 10)
    same = scalar(impl.mmd(x.to(device), x.to(device)), "mmd")
    assert abs(same) < 1e-5, say(f"expected mmd(x, x) = 0, got {same:.6g}", f"mmd(x, x) 应为 0，实际为 {same:.6g}")
    for seed in (11, 12, 13):
        value = scalar(impl.mmd(x.to(device), features(5, 3, seed).to(device), sigmas=(0.5, 2.0)), "mmd")
        assert value >= -1e-6, say(f"expected a non-negative squared MMD, got {value:.6g}",
                                   f"MMD 的平方应非负，实际为 {value:.6g}")


@check(
    "MMD with the default sigma matches the biased estimate with exp(-||a - b||^2 / 2)",
    level="basic", points=2,
    hint="The Gaussian kernel is exp(-squared distance / (2 sigma^2)); with the default "
    "sigmas=(1.0,) that is exp(-squared distance / 2).",
    title_zh="默认 sigma 下，MMD 等于用 exp(-||a - b||^2 / 2) 算出的有偏估计",
    hint_zh="高斯核是 exp(-距离平方 / (2 sigma^2))；默认 sigmas=(1.0,) 时就是 exp(-距离平方 / 2)。",
)
def test_mmd_default_sigma(impl, device):
    x, y = features(6, 3, 14), features(6, 3, 15, scale=1.3)
    got = scalar(impl.mmd(x.to(device), y.to(device)), "mmd")
    expected, _, _ = ref_mmd(numpy64(x), numpy64(y), (1.0,))
    assert close(got, expected, atol=1e-6), say(f"expected {expected:.6g}, got {got:.6g}", f"应为 {expected:.6g}，实际为 {got:.6g}")


@check(
    "MMD sums the Gaussian kernels over all sigmas",
    level="interview", points=2,
    hint="The multi-bandwidth kernel is the sum over sigmas of one Gaussian kernel each "
    "(not their mean), each with its own 2 sigma^2.",
    title_zh="MMD 对所有 sigma 的高斯核求和",
    hint_zh="多带宽核是每个 sigma 各一个高斯核的和（不是平均），每个核用自己的 2 sigma^2。",
)
def test_mmd_sum_of_kernels(impl, device):
    x, y = features(7, 4, 16), features(7, 4, 17, scale=0.8)
    sigmas = (0.5, 1.0, 2.0, 4.0)
    got = scalar(impl.mmd(x.to(device), y.to(device), sigmas=sigmas), "mmd")
    expected, _, _ = ref_mmd(numpy64(x), numpy64(y), sigmas)
    assert close(got, expected, atol=1e-6), say(f"sigmas={sigmas}: expected {expected:.6g}, got {got:.6g} (ratio {got / expected:.4g})",
                                                f"sigmas={sigmas}：应为 {expected:.6g}，实际为 {got:.6g}（比值 {got / expected:.4g}）")


@check(
    "MMD is the biased estimate, also for samples of different sizes",
    level="interview", points=2,
    hint="Average each kernel matrix over all its entries, diagonal included: n^2, m^2 and "
    "n*m terms.",
    title_zh="MMD 用有偏估计，两组样本数不同时也一样",
    hint_zh="每个核矩阵对全部元素求平均，对角线也算在内：分别是 n^2、m^2 和 n*m 项。",
)
def test_mmd_biased_different_sizes(impl, device):
    x, y = features(3, 2, 18), features(8, 2, 19, scale=0.6)
    got = scalar(impl.mmd(x.to(device), y.to(device), sigmas=(0.7, 1.5)), "mmd")
    expected, _, _ = ref_mmd(numpy64(x), numpy64(y), (0.7, 1.5))
    assert close(got, expected, atol=1e-6), say(f"n=3, m=8: expected {expected:.6g}, got {got:.6g}",
                                                f"n=3，m=8：应为 {expected:.6g}，实际为 {got:.6g}")


@check(
    "MMD is differentiable with the right gradient for both samples",
    level="expert", points=2,
    hint="Compute the distances and kernels with torch operations on the inputs (no .item(), "
    "numpy or no_grad), so that MMD can be minimised as a training loss.",
    title_zh="MMD 可微，对两组样本的梯度都正确",
    hint_zh="用 torch 运算计算距离和核（不用 .item()、numpy 或 no_grad），MMD 才能作为训练损失被最小化。",
)
def test_mmd_gradient(impl, device):
    x, y = leaf(features(5, 3, 20, scale=0.7), device), leaf(features(4, 3, 21, scale=0.7), device)
    grads = gradients_of(impl.mmd(x, y, sigmas=(0.8, 1.6)), {"x": x, "y": y}, "mmd")
    _, ref_x, ref_y = ref_mmd(numpy64(x), numpy64(y), (0.8, 1.6))
    assert_gradients(grads, {"x": ref_x, "y": ref_y})


# ---------------------------------------------------------------- adapt_batchnorm

WAYS = {"batch average": "各批次统计量的平均", "population": "全体样本的总体统计量"}


@pytest.fixture(scope="module")
def deployed_models():
    return {name: deployed(name) for name in INPUTS}


@pytest.fixture
def model_on(deployed_models, device):
    return lambda name: models.clone(deployed_models[name]).to(device)


def compare_statistics(model: nn.Module, expected: dict, label: str, label_zh: str) -> None:
    """Every BatchNorm's running statistics match one way of `expected` (ref_bn_statistics),
    the same way for every layer."""
    norms = batch_norms(model)
    misses = {}
    for way, layers in expected.items():
        for name, (mean, var) in layers.items():
            assert name in norms, say(f"expected the BatchNorm {name!r} to still be in the model",
                                      f"BatchNorm {name!r} 应当仍在模型里")
            for stat, want in (("running_mean", mean), ("running_var", var)):
                got = getattr(norms[name], stat).detach().cpu().double()
                if way not in misses and not torch.allclose(got, want, rtol=1e-4, atol=1e-5):
                    misses[way] = (f"{name}.{stat}", (got - want).abs().max().item())
        if way not in misses:
            return
    en = "; ".join(f"{where} is off by {diff:.3g} from the {way}" for way, (where, diff) in misses.items())
    zh = "；".join(f"{where} 与{WAYS[way]}相差 {diff:.3g}" for way, (where, diff) in misses.items())
    raise AssertionError(say(
        f"{label}: expected the running statistics to be either the average over batches of each batch's mean and "
        f"unbiased variance, or the mean and unbiased variance over all samples; {en}",
        f"{label_zh}：running 统计量应当要么是各批次均值和无偏方差的平均，要么是全部样本上的均值和无偏方差；{zh}"))


@check(
    "AdaBN returns the same model object, in eval mode",
    level="basic", points=1,
    hint="Put the network in train mode only while collecting statistics, and hand the "
    "model back with .eval() so it normalises with the new running statistics.",
    title_zh="AdaBN 返回同一个模型对象，并处于 eval 模式",
    hint_zh="只在收集统计量时把网络切到 train 模式，最后用 .eval() 交回模型，让它用新的 running 统计量做归一化。",
)
def test_adabn_returns_model_in_eval_mode(impl, device, model_on):
    model = model_on("shift_net")
    out = impl.adapt_batchnorm(model, target_batches("shift_net", device))
    assert out is model, say(f"expected the same model object back, got {type(out).__name__}",
                             f"应返回同一个模型对象，实际返回了 {type(out).__name__}")
    training = [name or "<model>" for name, m in model.named_modules() if m.training]
    assert not training, say(f"expected every module in eval mode, found train mode in {training[:3]}",
                             f"所有模块都应处于 eval 模式，但这些仍在 train 模式：{training[:3]}")


@check(
    "AdaBN changes no parameter",
    level="basic", points=1,
    hint="AdaBN only re-estimates statistics: forward passes under torch.no_grad(), no "
    "loss, no optimizer step.",
    title_zh="AdaBN 不改动任何参数",
    hint_zh="AdaBN 只重新估计统计量：在 torch.no_grad() 下做前向传播，不算损失，也不做优化器更新。",
)
def test_adabn_keeps_parameters(impl, device, model_on):
    model = model_on("shift_net")
    before = {name: (p.detach().clone(), p.requires_grad) for name, p in model.named_parameters()}
    impl.adapt_batchnorm(model, target_batches("shift_net", device))
    after = dict(model.named_parameters())
    assert after.keys() == before.keys(), say(f"expected the same parameters, got {sorted(after.keys() ^ before.keys())[:3]}",
                                              f"参数应保持不变，实际多出或缺少了 {sorted(after.keys() ^ before.keys())[:3]}")
    changed = [name for name, (value, _) in before.items() if not torch.equal(value, after[name].detach())]
    assert not changed, say(f"expected no parameter to change, found changes in {changed[:3]}",
                            f"参数不应改变，但这些变了：{changed[:3]}")
    flags = [name for name, (_, flag) in before.items() if after[name].requires_grad != flag]
    assert not flags, say(f"expected requires_grad flags unchanged, found changes in {flags[:3]}",
                          f"requires_grad 标志不应改变，但这些变了：{flags[:3]}")


@check(
    "AdaBN sets running statistics to the target statistics of the batches, collected in train mode",
    level="interview", points=2,
    hint="Reset the running statistics, set momentum=None (a cumulative average instead of "
    "an exponential one) and run the batches through the network in train mode.",
    title_zh="AdaBN 把 running 统计量设为在 train 模式下从这些批次收集的目标域统计量",
    hint_zh="先重置 running 统计量，把 momentum 设为 None（累积平均而不是指数滑动平均），再在 train 模式下把各个批次送进网络。",
)
@pytest.mark.parametrize("name", ["shift_net", "tiny_resnet"])
def test_adabn_cumulative_statistics(impl, device, model_on, name):
    model = model_on(name)
    batches = target_batches(name, device)
    expected = ref_bn_statistics(model, batches)
    impl.adapt_batchnorm(model, batches)
    compare_statistics(model, expected, name, name)


@check(
    "On sorted batches of unequal sizes, AdaBN gives the batch average or the population statistics, one way for every layer",
    level="interview", points=2,
    hint="Either let momentum=None average the batch statistics (each batch counts once), or pool every sample "
    "of every batch into one mean and one unbiased variance per channel; weighting the batch variances by "
    "batch size is neither, because it drops the spread between the batch means.",
    title_zh="批次大小不一且未打乱时，AdaBN 给出各批次统计量的平均或总体统计量，所有层用同一种方式",
    hint_zh="要么让 momentum=None 对各批次的统计量取平均（每个批次算一次），要么把所有批次的全部样本合起来，每个通道算一个均值和一个无偏方差；"
    "按批次大小对批内方差加权平均两者都不是，因为它丢掉了各批次均值之间的离散程度。",
)
@pytest.mark.parametrize("name", ["shift_net", "sequence_net"])
def test_adabn_unequal_sorted_batches(impl, device, model_on, name):
    model = model_on(name)
    batches = sorted_batches(name, device)
    expected = ref_bn_statistics(model, batches)
    impl.adapt_batchnorm(model, batches)
    compare_statistics(model, expected, f"{name}, batches of 2, 5 and 9 sorted inputs",
                       f"{name}，大小为 2、5、9 的已排序批次")


@check(
    "AdaBN ignores the running statistics the model had before",
    level="interview", points=2,
    hint="Reset every BatchNorm first (reset_running_stats also zeroes num_batches_tracked, "
    "which the cumulative average counts from).",
    title_zh="AdaBN 不受模型原有 running 统计量的影响",
    hint_zh="先重置每个 BatchNorm（reset_running_stats 还会把 num_batches_tracked 清零，累积平均正是从它开始计数的）。",
)
def test_adabn_resets_statistics(impl, device, model_on):
    first, second = model_on("shift_net"), model_on("shift_net")
    with torch.no_grad():
        randomise_statistics(second, seed=4, tracked=7)
    impl.adapt_batchnorm(first, target_batches("shift_net", device))
    impl.adapt_batchnorm(second, target_batches("shift_net", device))
    for (name, a), b in zip(batch_norms(first).items(), batch_norms(second).values()):
        for stat in ("running_mean", "running_var"):
            diff = (getattr(a, stat) - getattr(b, stat)).abs().max().item()
            assert diff < 1e-5, say(
                f"expected the same {name}.{stat} from the same batches whatever the old statistics; "
                f"two models differing only in them disagree by {diff:.3g}",
                f"同样的批次，不管原来的统计量是什么，{name}.{stat} 都应相同；两个只有原统计量不同的模型却相差 {diff:.3g}")


@check(
    "AdaBN re-estimates BatchNorm1d layers too, on (N, C) and (N, C, L) inputs",
    level="interview", points=2,
    hint="Find the layers by their common base class (torch.nn.modules.batchnorm._BatchNorm), "
    "not only BatchNorm2d.",
    title_zh="AdaBN 也重新估计 BatchNorm1d 层，输入为 (N, C) 或 (N, C, L)",
    hint_zh="按公共基类（torch.nn.modules.batchnorm._BatchNorm）查找这些层，不要只找 BatchNorm2d。",
)
def test_adabn_batchnorm1d(impl, device, model_on):
    model = model_on("sequence_net")
    batches = target_batches("sequence_net", device)
    expected = ref_bn_statistics(model, batches)
    impl.adapt_batchnorm(model, batches)
    compare_statistics(model, expected, "sequence_net", "sequence_net")


@check(
    "AdaBN re-estimates BatchNorm3d layers too",
    level="interview", points=1,
    hint="Every BatchNorm counts, whatever its dimension: test for torch.nn.modules.batchnorm._BatchNorm "
    "(or list BatchNorm1d, 2d and 3d), not only the 2-D one.",
    title_zh="AdaBN 也重新估计 BatchNorm3d 层",
    hint_zh="不论维度，每个 BatchNorm 都要算：判断 torch.nn.modules.batchnorm._BatchNorm（或列出 BatchNorm1d、2d、3d），不要只认二维的。",
)
def test_adabn_batchnorm3d(impl, device, model_on):
    model = model_on("volume_net")
    batches = target_batches("volume_net", device)
    expected = ref_bn_statistics(model, batches)
    impl.adapt_batchnorm(model, batches)
    compare_statistics(model, expected, "volume_net", "volume_net")


@check(
    "AdaBN restores each BatchNorm's original momentum",
    level="interview", points=1,
    hint="Remember every layer's momentum before switching to momentum=None, and put it back "
    "afterwards (None included), so later fine-tuning behaves as before.",
    title_zh="AdaBN 恢复每个 BatchNorm 原来的 momentum",
    hint_zh="切换到 momentum=None 之前记下每一层的 momentum，结束后原样放回（包括 None），之后的微调才会和以前一样。",
)
def test_adabn_restores_momentum(impl, device, model_on):
    model = model_on("shift_net")
    before = {name: bn.momentum for name, bn in batch_norms(model).items()}
    impl.adapt_batchnorm(model, target_batches("shift_net", device))
    after = {name: bn.momentum for name, bn in batch_norms(model).items()}
    odd = {name: type_name(type(m)) for name, m in after.items() if type(m) is not type(before[name])}
    assert not odd, say(f"expected each momentum back as the float or None it was, got {odd}",
                        f"每个 momentum 都应恢复成原来的 float 或 None，实际类型为 {odd}")
    assert after == before, say(f"expected momenta {before}, got {after}", f"momentum 应为 {before}，实际为 {after}")


@check(
    "AdaBN accepts a one-shot generator of batches",
    level="expert", points=2,
    hint="Iterate over `batches` exactly once and do not call len() on it: it may be a "
    "generator that streams target data.",
    title_zh="AdaBN 接受只能遍历一次的批次生成器",
    hint_zh="`batches` 只遍历一次，也不要对它调用 len()：它可能是一个流式读取目标数据的生成器。",
)
def test_adabn_generator(impl, device, model_on):
    model = model_on("shift_net")
    batches = target_batches("shift_net", device)
    expected = ref_bn_statistics(model, batches)
    try:
        impl.adapt_batchnorm(model, (batch for batch in batches))
    except TypeError as exc:
        raise AssertionError(say(f"expected a generator of batches to work; it raised TypeError: {exc}",
                                 f"传入批次生成器应当能正常运行，实际抛出了 TypeError: {exc}")) from None
    compare_statistics(model, expected, "batches from a generator", "批次来自生成器")


@pytest.fixture(scope="module")
def shifted_task():
    task = train_shifted_task()
    source_acc, target_acc = task[3], task[4]
    assert source_acc > 0.9 and target_acc < source_acc - 0.3, say("grader fixture: the shifted task is miscalibrated",
                                                                   "评分器自身的数据有误：偏移任务没有校准好")
    return task


@check(
    "AdaBN recovers the accuracy a BatchNorm network loses on a shifted target domain",
    level="expert", points=3, hidden=True,
    hint="Unlabelled target batches are enough: the re-estimated statistics must be the "
    "target's own (reset first), and the model then used in eval mode.",
    title_zh="BatchNorm 网络在发生偏移的目标域上掉的准确率，AdaBN 能找回来",
    hint_zh="有无标注的目标批次就够了：重新估计的统计量必须完全来自目标域（先重置），之后在 eval 模式下使用模型。",
)
def test_adabn_recovers_accuracy(impl, device, shifted_task):
    net, x_target, y_target, source_acc, target_acc = shifted_task
    model = copy.deepcopy(net).to(device)
    x_target, y_target = x_target.to(device), y_target.to(device)
    impl.adapt_batchnorm(model, list(x_target.split(64)))
    adapted_acc = accuracy(model.eval(), x_target, y_target)
    assert adapted_acc >= source_acc - 0.05, say(
        f"expected target accuracy back near the source accuracy {source_acc:.2f} "
        f"(unadapted: {target_acc:.2f}), got {adapted_acc:.2f} after adapt_batchnorm",
        f"目标域准确率应回到源域准确率 {source_acc:.2f} 附近（未适配时为 {target_acc:.2f}），"
        f"adapt_batchnorm 之后实际为 {adapted_acc:.2f}")


# ---------------------------------------------------------------- devices


@check(
    "Every function works on tensors of another device (a GPU) and returns its tensors there",
    level="interview", points=2,
    hint="Create every new tensor with device= (and dtype=) of the input it belongs with, e.g. "
    "torch.zeros(num_classes, device=labels.device); a tensor made without device= lives on the "
    "CPU and mixing it with a GPU tensor raises.",
    title_zh="输入在另一种设备（GPU）上时，每个函数都能工作，并把结果张量留在那里",
    hint_zh="每个新张量都用所属输入的 device=（和 dtype=）创建，例如 torch.zeros(num_classes, device=labels.device)；"
    "不带 device= 创建的张量在 CPU 上，和 GPU 张量混用会报错。",
)
def test_functions_follow_the_input_device(impl, model_on):
    labels = torch.tensor([0, 2, 2, 4, 0, 2])
    weights = call_elsewhere(impl.balanced_class_weights, labels, 5)
    assert_elsewhere(weights, "balanced_class_weights's result")
    assert np.allclose(numpy64(here(weights)), ref_balanced_weights(labels.numpy(), 5), rtol=1e-5), say(
        f"expected the same class weights as on the CPU, got {here(weights)}",
        f"类别权重应与 CPU 上的相同，实际为 {here(weights)}")
    source, target = features(12, 3, seed=5), features(9, 3, seed=6, scale=2.0)
    for fn, expected in ((impl.coral_loss, ref_coral(numpy64(source), numpy64(target))[0]),
                         (impl.mmd, ref_mmd(numpy64(source), numpy64(target), (1.0,))[0])):
        out = call_elsewhere(fn, source, target)
        assert_elsewhere(out, f"{fn.__name__}'s result")
        got = scalar(here(out), fn.__name__)
        assert close(got, expected), say(f"expected {fn.__name__} {expected:.6g} as on the CPU, got {got:.6g}",
                                         f"{fn.__name__} 应与 CPU 上一样为 {expected:.6g}，实际为 {got:.6g}")
    model = model_on("shift_net")
    adapted = call_elsewhere(impl.adapt_batchnorm, model, target_batches("shift_net", "cpu"))
    assert adapted is model, say("expected adapt_batchnorm to return the same model object",
                                 "adapt_batchnorm 应返回同一个模型对象")
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        assert_elsewhere(t, f"{name} after adapt_batchnorm")
