"""Fixture models and the fast clone the graders copy them with."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from grader.fixtures import models


@pytest.mark.parametrize("name", list(models.BUILDERS))
def test_clone_is_an_independent_equal_copy(name):
    original = models.build(name).eval()
    twin = models.clone(original)
    x = models.example_input()
    assert torch.equal(original(x), twin(x))
    assert type(twin) is type(original)
    assert not {id(p) for p in original.parameters()} & {id(p) for p in twin.parameters()}
    twin.train()
    for p in twin.parameters():
        p.data.add_(1.0)
        p.requires_grad_(False)
    assert not original.training
    assert all(p.requires_grad for p in original.parameters())
    assert torch.equal(original(x), models.build(name).eval()(x))


def test_clone_keeps_shared_parameters_shared_and_hooks_separate():
    net = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    net[1].weight = net[0].weight
    twin = models.clone(net)
    assert twin[1].weight is twin[0].weight and twin[0].weight is not net[0].weight
    calls = []
    twin.register_forward_hook(lambda *a: calls.append(1))
    net(torch.zeros(1, 3))
    assert calls == []
    assert sum(p.numel() for p in twin.parameters()) == sum(p.numel() for p in copy.deepcopy(net).parameters())
