"""Grader for domain_shift: balanced class weights, CORAL, MMD and AdaBN.

References, BatchNorm models and data come from grader/fixtures/shift_models.py (float64,
independent of any implementation).

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- balanced_class_weights: n / (k count_c) -> test_balanced_weights_all_present; float32 ->
  test_balanced_weights_float32; absent class 0, not in k -> test_balanced_weights_absent_classes;
  labels outside [0, num_classes) (num_classes and -1) ValueError ->
  test_balanced_weights_reject_bad_labels; sum count_c w_c = n in CrossEntropyLoss ->
  test_balanced_weights_in_cross_entropy
- coral_loss: 0-dim ||C_S - C_T||_F^2 / (4 d^2) -> test_coral_value (every value check wants
  dim 0); unbiased, n_s != n_t -> test_coral_unbiased_different_sizes; zero for equal
  covariances -> test_coral_zero_for_equal_covariance; shift invariance ->
  test_coral_shift_invariant; differentiable in both -> test_coral_gradient
- mmd: biased, diagonal included -> test_mmd_biased_different_sizes; kernels summed over
  sigmas -> test_mmd_sum_of_kernels; default sigma -> test_mmd_default_sigma; 0 for identical,
  >= 0 -> test_mmd_zero_and_nonnegative; differentiable -> test_mmd_gradient
- adapt_batchnorm: one-shot generator, no len -> test_adabn_generator; BatchNorm1d, 2d, 3d ->
  test_adabn_cumulative_statistics, test_adabn_batchnorm1d, test_adabn_batchnorm3d; reset
  first -> test_adabn_resets_statistics; cumulative average in train mode ->
  test_adabn_cumulative_statistics, test_adabn_recovers_accuracy; no parameter changes ->
  test_adabn_keeps_parameters; momentum restored -> test_adabn_restores_momentum; same
  object in eval mode -> test_adabn_returns_model_in_eval_mode
- CPU or CUDA tensors -> test_functions_follow_the_input_device (grader/authoring/devices.py)
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from grader.fixtures import models
from grader.fixtures.shift_models import (
    INPUTS, accuracy, batch_norms, deployed, features, randomise_statistics, ref_balanced_weights, ref_bn_statistics,
    ref_coral, ref_mmd, target_batches, train_shifted_task,
)
from grader.authoring.checks import check, raising
from grader.authoring.devices import assert_elsewhere, call_elsewhere, here

# ---------------------------------------------------------------- helpers


def scalar(out, fn: str) -> float:
    assert isinstance(out, torch.Tensor), f"expected {fn} to return a torch.Tensor, got {type(out).__name__}"
    assert out.dim() == 0, f"expected {fn} to return a 0-dim tensor, got shape {tuple(out.shape)}"
    value = float(out.detach().cpu().double())
    assert np.isfinite(value), f"expected a finite value from {fn}, got {value}"
    return value


def vector(out, fn: str, length: int) -> np.ndarray:
    assert isinstance(out, torch.Tensor), f"expected {fn} to return a torch.Tensor, got {type(out).__name__}"
    assert out.shape == (length,), f"expected {fn} to return shape ({length},), got {tuple(out.shape)}"
    return out.detach().cpu().double().numpy()


def numpy64(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def close(actual: float, expected: float, rtol: float = 1e-4, atol: float = 1e-7) -> bool:
    return abs(actual - expected) <= atol + rtol * abs(expected)


def leaf(data: torch.Tensor, device) -> torch.Tensor:
    return data.to(device).requires_grad_(True)


def gradients_of(out, inputs: dict[str, torch.Tensor], fn: str) -> dict[str, np.ndarray]:
    scalar(out, fn)
    assert out.requires_grad, (
        f"expected {fn}'s result to be differentiable, but it has no grad_fn (detached, .item(), numpy or no_grad?)"
    )
    grads = torch.autograd.grad(out.sum(), list(inputs.values()), allow_unused=True)
    for which, grad in zip(inputs, grads):
        assert grad is not None, f"expected a gradient with respect to {which}, got None (is it used through autograd?)"
    return {which: numpy64(grad) for which, grad in zip(inputs, grads)}


# ---------------------------------------------------------------- balanced_class_weights


@check(
    "Balanced class weights are n / (k * count) when every class is present",
    level="basic", points=1,
    hint="Count each class (torch.bincount), then weight = number of samples / (number of classes present * count).",
)
def test_balanced_weights_all_present(impl, device):
    labels = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 0])
    out = impl.balanced_class_weights(labels.to(device), 3)
    got = vector(out, "balanced_class_weights", 3)
    expected = ref_balanced_weights(labels.numpy(), 3)
    assert np.allclose(got, expected, rtol=1e-5), f"expected weights {expected.round(4)}, got {got.round(4)}"


@check(
    "Class weights are a float32 tensor, as CrossEntropyLoss with float32 logits needs",
    level="basic", points=1,
    hint="Compute in any precision but return float32 (.float()): CrossEntropyLoss(weight=...) "
    "raises when the weights are float64 and the logits float32.",
)
def test_balanced_weights_float32(impl, device):
    out = impl.balanced_class_weights(torch.tensor([0, 1, 1, 2]).to(device), 4)
    assert isinstance(out, torch.Tensor), f"expected a torch.Tensor, got {type(out).__name__}"
    assert out.dtype == torch.float32, f"expected float32 class weights, got {out.dtype}"


@check(
    "An absent class gets weight 0 and does not count in k",
    level="interview", points=2,
    hint="k is the number of classes that actually occur in the labels, not num_classes; "
    "give the others 0 instead of dividing by a zero count.",
)
def test_balanced_weights_absent_classes(impl, device):
    cases = [(torch.tensor([0, 0, 0, 3, 3, 1, 0, 3]), 5), (torch.tensor([2, 2, 2]), 4)]
    for labels, num_classes in cases:
        out = impl.balanced_class_weights(labels.to(device), num_classes)
        got = vector(out, "balanced_class_weights", num_classes)
        expected = ref_balanced_weights(labels.numpy(), num_classes)
        assert np.isfinite(got).all(), f"expected finite weights for labels {labels.tolist()}, got {got}"
        assert np.allclose(got, expected, rtol=1e-5), (
            f"labels {labels.tolist()}, num_classes={num_classes}: expected {expected.round(4)}, got {got.round(4)}"
        )


@check(
    "Labels outside [0, num_classes) raise ValueError",
    level="basic", points=1,
    hint="Validate the labels' minimum and maximum before counting; torch.bincount neither "
    "rejects large labels nor raises ValueError for negative ones.",
)
def test_balanced_weights_reject_bad_labels(impl, device):
    for bad in ([0, 1, 3], [0, -1, 1]):
        labels = torch.tensor(bad, device=device)
        problem = raising(lambda: impl.balanced_class_weights(labels, 3))
        assert problem is None, f"expected ValueError for labels {bad} with num_classes=3; it {problem}"


@check(
    "Class weights plug into CrossEntropyLoss and give every present class the same total weight",
    level="interview", points=2,
    hint="Return a floating-point tensor; summed over the samples, each present class's "
    "weight should come to n / k, so no class dominates the loss by sheer numbers.",
)
def test_balanced_weights_in_cross_entropy(impl, device):
    labels = torch.tensor([1] * 9 + [0] * 2 + [3] * 5).to(device)
    out = impl.balanced_class_weights(labels, 4)
    vector(out, "balanced_class_weights", 4)
    assert out.is_floating_point(), f"expected a floating-point tensor for CrossEntropyLoss, got {out.dtype}"
    logits = torch.randn(len(labels), 4, device=device, dtype=out.dtype)
    loss = nn.CrossEntropyLoss(weight=out.to(device))(logits, labels)
    assert torch.isfinite(loss), f"expected a finite weighted cross-entropy, got {loss.item()}"
    per_sample = numpy64(out.to(device)[labels])
    totals = np.bincount(labels.cpu().numpy(), weights=per_sample, minlength=4)
    expected = np.array([16 / 3, 16 / 3, 0.0, 16 / 3])
    assert np.allclose(totals, expected, rtol=1e-5), (
        f"expected each present class to weigh n / k = {16 / 3:.4f} in total, got per-class totals {totals.round(4)}"
    )


# ---------------------------------------------------------------- coral_loss


@check(
    "CORAL loss equals ||C_S - C_T||_F^2 / (4 d^2)",
    level="basic", points=2,
    hint="Covariance of each batch (features centred per column), squared Frobenius norm "
    "of the difference, divided by 4 d^2 where d is the feature dimension.",
)
def test_coral_value(impl, device):
    source, target = features(8, 5, 0), features(8, 5, 1, scale=torch.linspace(0.5, 2.0, 5))
    got = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    expected, _, _ = ref_coral(numpy64(source), numpy64(target))
    assert close(got, expected), f"expected {expected:.6g}, got {got:.6g} (ratio {got / expected:.4g})"


@check(
    "CORAL loss uses unbiased (n - 1) covariances, also for batches of different sizes",
    level="interview", points=2,
    hint="Divide the centred cross-product by n - 1 for each batch, with each batch's own n.",
)
def test_coral_unbiased_different_sizes(impl, device):
    source, target = features(3, 4, 2), features(7, 4, 3, scale=2.0)
    got = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    expected, _, _ = ref_coral(numpy64(source), numpy64(target))
    assert close(got, expected), (
        f"source n=3, target n=7: expected {expected:.6g}, got {got:.6g} (ratio {got / expected:.4g})"
    )


@check(
    "CORAL loss is zero for two batches with the same covariance",
    level="basic", points=1,
    hint="Only second-order statistics enter Deep CORAL: reordering a batch changes nothing.",
)
def test_coral_zero_for_equal_covariance(impl, device):
    source = features(10, 4, 4)
    target = source[torch.randperm(10, generator=torch.Generator().manual_seed(5))]
    got = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    assert abs(got) < 1e-6, f"expected 0 for a batch and a permutation of it, got {got:.6g}"


@check(
    "CORAL loss is unchanged when either batch is shifted by a constant",
    level="interview", points=2,
    hint="Deep CORAL compares covariances only; a term on the feature means (as in some "
    "libraries) does not belong in it.",
)
def test_coral_shift_invariant(impl, device):
    source, target = features(8, 4, 6), features(9, 4, 7, scale=1.5)
    shift_s, shift_t = torch.tensor([3.0, -2.0, 1.0, 0.5]), torch.tensor([-1.0, 2.5, 0.0, 2.0])
    base = scalar(impl.coral_loss(source.to(device), target.to(device)), "coral_loss")
    shifted = scalar(impl.coral_loss((source + shift_s).to(device), (target + shift_t).to(device)), "coral_loss")
    assert close(shifted, base, rtol=1e-3, atol=1e-6), (
        f"expected the same loss after shifting the batches ({base:.6g}), got {shifted:.6g}"
    )


@check(
    "CORAL loss is differentiable with the right gradient for both batches",
    level="expert", points=2,
    hint="Build the loss from torch operations on the inputs (no .item(), numpy or no_grad) "
    "so that autograd reaches both feature batches.",
)
def test_coral_gradient(impl, device):
    source, target = leaf(features(6, 3, 8), device), leaf(features(5, 3, 9, scale=0.7), device)
    out = impl.coral_loss(source, target)
    grads = gradients_of(out, {"source_features": source, "target_features": target}, "coral_loss")
    _, ref_s, ref_t = ref_coral(numpy64(source), numpy64(target))
    for name, expected in (("source_features", ref_s), ("target_features", ref_t)):
        got = grads[name]
        assert np.allclose(got, expected, rtol=1e-3, atol=1e-6), (
            f"gradient w.r.t. {name} differs from the reference by up to "
            f"{np.abs(got - expected).max():.3g} (largest reference entry {np.abs(expected).max():.3g})"
        )


# ---------------------------------------------------------------- mmd


@check(
    "MMD of a sample with itself is 0, and MMD is never negative",
    level="basic", points=1,
    hint="The biased estimate mean(Kxx) + mean(Kyy) - 2 mean(Kxy) keeps the diagonal "
    "k(x_i, x_i) terms; it is a squared norm, so it cannot go below zero.",
)
def test_mmd_zero_and_nonnegative(impl, device):
    x = features(6, 3, 10)
    same = scalar(impl.mmd(x.to(device), x.to(device)), "mmd")
    assert abs(same) < 1e-5, f"expected mmd(x, x) = 0, got {same:.6g}"
    for seed in (11, 12, 13):
        y = features(5, 3, seed)
        value = scalar(impl.mmd(x.to(device), y.to(device), sigmas=(0.5, 2.0)), "mmd")
        assert value >= -1e-6, f"expected a non-negative squared MMD, got {value:.6g}"


@check(
    "MMD with the default sigma matches the biased estimate with exp(-||a - b||^2 / 2)",
    level="basic", points=2,
    hint="The Gaussian kernel is exp(-squared distance / (2 sigma^2)); with the default "
    "sigmas=(1.0,) that is exp(-squared distance / 2).",
)
def test_mmd_default_sigma(impl, device):
    x, y = features(6, 3, 14), features(6, 3, 15, scale=1.3)
    got = scalar(impl.mmd(x.to(device), y.to(device)), "mmd")
    expected, _, _ = ref_mmd(numpy64(x), numpy64(y), (1.0,))
    assert close(got, expected, atol=1e-6), f"expected {expected:.6g}, got {got:.6g}"


@check(
    "MMD sums the Gaussian kernels over all sigmas",
    level="interview", points=2,
    hint="The multi-bandwidth kernel is the sum over sigmas of one Gaussian kernel each "
    "(not their mean), each with its own 2 sigma^2.",
)
def test_mmd_sum_of_kernels(impl, device):
    x, y = features(7, 4, 16), features(7, 4, 17, scale=0.8)
    sigmas = (0.5, 1.0, 2.0, 4.0)
    got = scalar(impl.mmd(x.to(device), y.to(device), sigmas=sigmas), "mmd")
    expected, _, _ = ref_mmd(numpy64(x), numpy64(y), sigmas)
    assert close(got, expected, atol=1e-6), (
        f"sigmas={sigmas}: expected {expected:.6g}, got {got:.6g} (ratio {got / expected:.4g})"
    )


@check(
    "MMD is the biased estimate, also for samples of different sizes",
    level="interview", points=2,
    hint="Average each kernel matrix over all its entries, diagonal included: n^2, m^2 and "
    "n*m terms.",
)
def test_mmd_biased_different_sizes(impl, device):
    x, y = features(3, 2, 18), features(8, 2, 19, scale=0.6)
    sigmas = (0.7, 1.5)
    got = scalar(impl.mmd(x.to(device), y.to(device), sigmas=sigmas), "mmd")
    expected, _, _ = ref_mmd(numpy64(x), numpy64(y), sigmas)
    assert close(got, expected, atol=1e-6), f"n=3, m=8: expected {expected:.6g}, got {got:.6g}"


@check(
    "MMD is differentiable with the right gradient for both samples",
    level="expert", points=2,
    hint="Compute the distances and kernels with torch operations on the inputs (no .item(), "
    "numpy or no_grad), so that MMD can be minimised as a training loss.",
)
def test_mmd_gradient(impl, device):
    x, y = leaf(features(5, 3, 20, scale=0.7), device), leaf(features(4, 3, 21, scale=0.7), device)
    sigmas = (0.8, 1.6)
    out = impl.mmd(x, y, sigmas=sigmas)
    grads = gradients_of(out, {"x": x, "y": y}, "mmd")
    _, ref_x, ref_y = ref_mmd(numpy64(x), numpy64(y), sigmas)
    for name, expected in (("x", ref_x), ("y", ref_y)):
        got = grads[name]
        assert np.allclose(got, expected, rtol=1e-3, atol=1e-6), (
            f"gradient w.r.t. {name} differs from the reference by up to {np.abs(got - expected).max():.3g} "
            f"(largest reference entry {np.abs(expected).max():.3g})"
        )


# ---------------------------------------------------------------- adapt_batchnorm


@pytest.fixture(scope="module")
def deployed_models():
    return {name: deployed(name) for name in INPUTS}


@pytest.fixture
def model_on(deployed_models, device):
    return lambda name: models.clone(deployed_models[name]).to(device)


def compare_statistics(model: nn.Module, expected: dict, label: str) -> None:
    norms = batch_norms(model)
    for name, (mean, var) in expected.items():
        assert name in norms, f"expected the BatchNorm {name!r} to still be in the model"
        bn = norms[name]
        for stat, want in (("running_mean", mean), ("running_var", var)):
            got = getattr(bn, stat).detach().cpu().double()
            assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), (
                f"{label}: {name}.{stat} should be the average of the batches' "
                f"{'means' if stat == 'running_mean' else 'unbiased variances'}; "
                f"largest difference {(got - want).abs().max().item():.3g}"
            )


@check(
    "AdaBN returns the same model object, in eval mode",
    level="basic", points=1,
    hint="Put the network in train mode only while collecting statistics, and hand the "
    "model back with .eval() so it normalises with the new running statistics.",
)
def test_adabn_returns_model_in_eval_mode(impl, device, model_on):
    model = model_on("shift_net")
    out = impl.adapt_batchnorm(model, target_batches("shift_net", device))
    assert out is model, f"expected the same model object back, got {type(out).__name__}"
    training = [name or "<model>" for name, m in model.named_modules() if m.training]
    assert not training, f"expected every module in eval mode, found train mode in {training[:3]}"


@check(
    "AdaBN changes no parameter",
    level="basic", points=1,
    hint="AdaBN only re-estimates statistics: forward passes under torch.no_grad(), no "
    "loss, no optimizer step.",
)
def test_adabn_keeps_parameters(impl, device, model_on):
    model = model_on("shift_net")
    before = {name: (p.detach().clone(), p.requires_grad) for name, p in model.named_parameters()}
    impl.adapt_batchnorm(model, target_batches("shift_net", device))
    after = dict(model.named_parameters())
    assert after.keys() == before.keys(), f"expected the same parameters, got {sorted(after.keys() ^ before.keys())[:3]}"
    changed = [name for name, (value, _) in before.items() if not torch.equal(value, after[name].detach())]
    assert not changed, f"expected no parameter to change, found changes in {changed[:3]}"
    flags = [name for name, (_, flag) in before.items() if after[name].requires_grad != flag]
    assert not flags, f"expected requires_grad flags unchanged, found changes in {flags[:3]}"


@check(
    "AdaBN sets running statistics to the cumulative average of the batches' statistics",
    level="interview", points=2,
    hint="Reset the running statistics, set momentum=None (a cumulative average instead of "
    "an exponential one) and run the batches through the network in train mode.",
)
@pytest.mark.parametrize("name", ["shift_net", "tiny_resnet"])
def test_adabn_cumulative_statistics(impl, device, model_on, name):
    model = model_on(name)
    batches = target_batches(name, device)
    expected = ref_bn_statistics(model, batches)
    impl.adapt_batchnorm(model, batches)
    compare_statistics(model, expected, name)


@check(
    "AdaBN ignores the running statistics the model had before",
    level="interview", points=2,
    hint="Reset every BatchNorm first (reset_running_stats also zeroes num_batches_tracked, "
    "which the cumulative average counts from).",
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
            assert diff < 1e-5, (
                f"expected the same {name}.{stat} from the same batches whatever the old statistics; "
                f"two models differing only in them disagree by {diff:.3g}"
            )


@check(
    "AdaBN re-estimates BatchNorm1d layers too, on (N, C) and (N, C, L) inputs",
    level="interview", points=2,
    hint="Find the layers by their common base class (torch.nn.modules.batchnorm._BatchNorm), "
    "not only BatchNorm2d.",
)
def test_adabn_batchnorm1d(impl, device, model_on):
    model = model_on("sequence_net")
    batches = target_batches("sequence_net", device)
    expected = ref_bn_statistics(model, batches)
    impl.adapt_batchnorm(model, batches)
    compare_statistics(model, expected, "sequence_net")


@check(
    "AdaBN re-estimates BatchNorm3d layers too",
    level="interview", points=1,
    hint="Every BatchNorm counts, whatever its dimension: test for torch.nn.modules.batchnorm._BatchNorm "
    "(or list BatchNorm1d, 2d and 3d), not only the 2-D one.",
)
def test_adabn_batchnorm3d(impl, device, model_on):
    model = model_on("volume_net")
    batches = target_batches("volume_net", device)
    expected = ref_bn_statistics(model, batches)
    impl.adapt_batchnorm(model, batches)
    compare_statistics(model, expected, "volume_net")


@check(
    "AdaBN restores each BatchNorm's original momentum",
    level="interview", points=1,
    hint="Remember every layer's momentum before switching to momentum=None, and put it back "
    "afterwards (None included), so later fine-tuning behaves as before.",
)
def test_adabn_restores_momentum(impl, device, model_on):
    model = model_on("shift_net")
    before = {name: bn.momentum for name, bn in batch_norms(model).items()}
    impl.adapt_batchnorm(model, target_batches("shift_net", device))
    after = {name: bn.momentum for name, bn in batch_norms(model).items()}
    assert after == before, f"expected momenta {before}, got {after}"


@check(
    "AdaBN accepts a one-shot generator of batches",
    level="expert", points=2,
    hint="Iterate over `batches` exactly once and do not call len() on it: it may be a "
    "generator that streams target data.",
)
def test_adabn_generator(impl, device, model_on):
    model = model_on("shift_net")
    batches = target_batches("shift_net", device)
    expected = ref_bn_statistics(model, batches)
    try:
        impl.adapt_batchnorm(model, (batch for batch in batches))
    except TypeError as exc:
        raise AssertionError(f"expected a generator of batches to work; it raised TypeError: {exc}") from None
    compare_statistics(model, expected, "batches from a generator")


# ---------------------------------------------------------------- AdaBN on a shifted domain

@pytest.fixture(scope="module")
def shifted_task():
    task = train_shifted_task()
    source_acc, target_acc = task[3], task[4]
    assert source_acc > 0.9 and target_acc < source_acc - 0.3, "grader fixture: the shifted task is miscalibrated"
    return task


@check(
    "AdaBN recovers the accuracy a BatchNorm network loses on a shifted target domain",
    level="expert", points=3, hidden=True,
    hint="Unlabelled target batches are enough: the re-estimated statistics must be the "
    "target's own (cumulative, reset first), and the model then used in eval mode.",
)
def test_adabn_recovers_accuracy(impl, device, shifted_task):
    net, x_target, y_target, source_acc, target_acc = shifted_task
    model = copy.deepcopy(net).to(device)
    x_target, y_target = x_target.to(device), y_target.to(device)
    impl.adapt_batchnorm(model, list(x_target.split(64)))
    adapted_acc = accuracy(model.eval(), x_target, y_target)
    assert adapted_acc >= source_acc - 0.05, (
        f"expected target accuracy back near the source accuracy {source_acc:.2f} "
        f"(unadapted: {target_acc:.2f}), got {adapted_acc:.2f} after adapt_batchnorm"
    )


# ---------------------------------------------------------------- devices


@check(
    "Every function works on tensors of another device (a GPU) and returns its tensors there",
    level="interview", points=2,
    hint="Create every new tensor with device= (and dtype=) of the input it belongs with, e.g. "
    "torch.zeros(num_classes, device=labels.device); a tensor made without device= lives on the "
    "CPU and mixing it with a GPU tensor raises.",
)
def test_functions_follow_the_input_device(impl, model_on):
    labels = torch.tensor([0, 2, 2, 4, 0, 2])
    weights = call_elsewhere(impl.balanced_class_weights, labels, 5)
    assert_elsewhere(weights, "balanced_class_weights's result")
    assert np.allclose(numpy64(here(weights)), ref_balanced_weights(labels.numpy(), 5), rtol=1e-5), (
        f"expected the same class weights as on the CPU, got {here(weights)}"
    )
    source, target = features(12, 3, seed=5), features(9, 3, seed=6, scale=2.0)
    for fn, expected in ((impl.coral_loss, ref_coral(numpy64(source), numpy64(target))[0]),
                         (impl.mmd, ref_mmd(numpy64(source), numpy64(target), (1.0,))[0])):
        out = call_elsewhere(fn, source, target)
        assert_elsewhere(out, f"{fn.__name__}'s result")
        assert close(scalar(here(out), fn.__name__), expected), (
            f"expected {fn.__name__} {expected:.6g} as on the CPU, got {scalar(here(out), fn.__name__):.6g}"
        )
    model = model_on("shift_net")
    adapted = call_elsewhere(impl.adapt_batchnorm, model, target_batches("shift_net", "cpu"))
    assert adapted is model, "expected adapt_batchnorm to return the same model object"
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        assert_elsewhere(t, f"{name} after adapt_batchnorm")
