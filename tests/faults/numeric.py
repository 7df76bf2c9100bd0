"""A tiny grader for the attack tests (tests/attacks): checks that rely on numpy's
tolerances, torch's dtypes and a ValueError, each the target of an in-process trick."""

import numpy as np
import torch

from grader.authoring.checks import check, raising


@check("scale(a) is 2a, within numpy's default tolerances", level="basic", points=1, hint="return 2 * a")
def test_scale(impl):
    a = np.arange(4.0)
    assert np.allclose(impl.scale(a), 2 * a), "expected 2a"


@check("widen(x) returns float64", level="basic", points=1, hint="x.double()")
def test_widen(impl):
    assert impl.widen(torch.ones(2)).dtype == torch.float64, "expected float64"


@check("parse(text) rejects text that is not a number", level="basic", points=1, hint="raise ValueError")
def test_parse_rejects(impl):
    problem = raising(lambda: impl.parse("forty-two"))
    assert problem is None, problem


@check("halve(x) is x / 2", level="basic", points=1, hint="return x / 2")
def test_halve(impl):
    x = torch.arange(4.0)
    out = impl.halve(x)
    assert torch.allclose(out, x / 2) and bool((out == x / 2).all()), "expected x / 2"
