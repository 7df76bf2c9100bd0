"""A tiny torch grader for the tamper tests: checks that compare tensors."""

import torch

from grader.authoring.checks import check


@check("double(x) is 2x (allclose)", level="basic", points=1, hint="return 2 * x")
def test_allclose(impl):
    x = torch.arange(4.0)
    assert torch.allclose(impl.double(x), 2 * x), "expected 2x"


@check("double(x) is exactly 2x (equal)", level="basic", points=1, hint="return 2 * x")
def test_equal(impl):
    x = torch.arange(4.0)
    assert torch.equal(impl.double(x), 2 * x), "expected exactly 2x"


@check("double(x) matches element-wise (==)", level="basic", points=1, hint="return 2 * x")
def test_elementwise(impl):
    x = torch.arange(4.0)
    assert bool((impl.double(x) == 2 * x).all()), "expected 2x element-wise"
