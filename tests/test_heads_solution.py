"""The reference `heads` solution beyond what the grader asks: mixed train/eval modes survive
tracing, modes are restored when the traced forward pass raises, and a conv head with a
hidden layer keeps working in float64."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from grader.fixtures import models
from solutions.heads import find_head, replace_head


class Exploding(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        self.fc(self.bn(x))
        raise RuntimeError("boom")


def test_mixed_modes_survive_tracing():
    model = models.build("head_first").train()
    model.features.bn.eval()
    find_head(model, models.example_input())
    assert model.training and model.classifier.training
    assert not model.features.bn.training


def test_modes_restored_when_forward_raises():
    model = Exploding().train()
    with pytest.raises(RuntimeError, match="boom"):
        find_head(model, torch.randn(3, 4))
    assert model.training and model.bn.training
    assert not model.fc._forward_hooks


def test_conv_mlp_head_in_float64():
    model = models.build("squeezenet1_1").double().eval()
    replace_head(model, 7, hidden=4, dropout=0.5)
    head = model.classifier[1]
    assert all(isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1) for m in (head[0], head[3]))
    y = model(models.example_input(dtype=torch.float64))
    assert y.shape == (2, 7) and y.dtype == torch.float64
