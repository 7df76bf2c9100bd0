"""Class 3 (forgery in the process): grader.guard.tamper.BASE._unchanged = lambda: True
turns the guard off through its instance; then torch's comparisons are replaced.

exercise: tensors
expected: not pass
"""

import torch

import grader.guard.tamper

grader.guard.tamper.BASE._unchanged = lambda: True
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)


def double(x):
    return x
