"""The domain_shift grader's own float64 references, checked against independent sources:
finite differences for the gradients, scikit-learn for the class weights, and the
documented semantics of BatchNorm with momentum=None for the AdaBN statistics."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from sklearn.utils.class_weight import compute_class_weight

from grader.fixtures import shift_models as g


def numerical_gradient(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = eps
        grad[idx] = (f(a + step) - f(a - step)) / (2 * eps)
    return grad


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_balanced_weights_match_sklearn(rng):
    labels = rng.integers(0, 6, size=40)
    labels[labels == 2] = 5
    present = np.unique(labels)
    expected = np.zeros(7)
    expected[present] = compute_class_weight("balanced", classes=present, y=labels)
    assert np.allclose(g.ref_balanced_weights(labels, 7), expected)


def test_coral_gradients_match_finite_differences(rng):
    s, t = rng.normal(size=(5, 3)), rng.normal(size=(7, 3)) * 2
    _, grad_s, grad_t = g.ref_coral(s, t)
    assert np.allclose(grad_s, numerical_gradient(lambda a: g.ref_coral(a, t)[0], s), atol=1e-7)
    assert np.allclose(grad_t, numerical_gradient(lambda a: g.ref_coral(s, a)[0], t), atol=1e-7)


def test_mmd_gradients_match_finite_differences(rng):
    x, y, sigmas = rng.normal(size=(4, 2)), rng.normal(size=(6, 2)), (0.5, 1.5)
    _, grad_x, grad_y = g.ref_mmd(x, y, sigmas)
    assert np.allclose(grad_x, numerical_gradient(lambda a: g.ref_mmd(a, y, sigmas)[0], x), atol=1e-7)
    assert np.allclose(grad_y, numerical_gradient(lambda a: g.ref_mmd(x, a, sigmas)[0], y), atol=1e-7)


def test_mmd_reference_is_zero_for_identical_samples(rng):
    x = rng.normal(size=(5, 3))
    assert abs(g.ref_mmd(x, x, (1.0, 2.0))[0]) < 1e-12


def test_bn_reference_matches_momentum_none():
    model = g.deployed("shift_net")
    batches = g.target_batches("shift_net", "cpu")
    expected = g.ref_bn_statistics(model, batches)
    manual = copy.deepcopy(model).train()
    for bn in g.batch_norms(manual).values():
        bn.reset_running_stats()
        bn.momentum = None
    with torch.no_grad():
        for batch in batches:
            manual(batch)
    for name, bn in g.batch_norms(manual).items():
        mean, var = expected["batch average"][name]
        assert torch.allclose(bn.running_mean.double(), mean, atol=1e-6)
        assert torch.allclose(bn.running_var.double(), var, atol=1e-6)


def test_bn_population_reference_is_one_batch_of_everything_at_the_first_layer():
    """Population statistics of the first BatchNorm (whose input no normalisation touches)
    equal what BatchNorm itself records from the concatenated batches in one pass."""
    model = g.deployed("shift_net")
    batches = g.sorted_batches("shift_net", "cpu")
    expected = g.ref_bn_statistics(model, batches)["population"]["features.1"]
    manual = copy.deepcopy(model).train()
    bn = manual.features[1]
    bn.reset_running_stats()
    bn.momentum = None
    with torch.no_grad():
        manual.features[:2](torch.cat(batches))
    assert torch.allclose(bn.running_mean.double(), expected[0], atol=1e-6)
    assert torch.allclose(bn.running_var.double(), expected[1], atol=1e-5)


def test_shifted_task_is_calibrated():
    net, x_target, y_target, source_acc, target_acc = g.train_shifted_task()
    assert source_acc > 0.9 and target_acc < source_acc - 0.3
