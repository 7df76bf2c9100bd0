"""The freezing grader's BatchNorm checks compare outputs, so they only discriminate if the
fixture models' train-mode and eval-mode outputs really differ, and the hidden momentum
check only means something if MobileNetV3 keeps its non-default BatchNorm settings."""

from __future__ import annotations

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from grader.fixtures import models
from grader.fixtures import freezing_models as grader


@pytest.mark.parametrize("name", ["resnet18", "vgg11_bn", "mobilenet_v3_small", "nested_head", "head_bn"])
def test_batch_statistics_change_the_output(name):
    model = grader.build(name)
    x = models.example_input(4)
    train_out = grader.output(model, x, train=True)
    eval_out = grader.output(model, x, train=False)
    assert torch.isfinite(eval_out).all()
    assert grader.rel_diff(train_out, eval_out) > 0.1


def test_mobilenet_batchnorm_settings_differ_from_the_defaults():
    bns = [m for m in grader.build("mobilenet_v3_small").modules() if isinstance(m, _BatchNorm)]
    assert bns and all(bn.momentum == 0.01 and bn.eps == 0.001 for bn in bns)


def test_dropout_is_off_in_fixture_models():
    for name in ("vgg11_bn", "mobilenet_v3_small", "squeezenet1_1"):
        model = grader.build(name)
        x = models.example_input(4)
        assert torch.equal(grader.output(model, x, train=True), grader.output(model, x, train=True))
