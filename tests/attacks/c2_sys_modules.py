"""Class 2 (the static scan is evaded): reach the tamper guard through
getattr(sys, "mod" + "ules") (no import statement to flag), shadow its check through
the instance, then replace torch's comparisons.

exercise: tensors
expected: not pass
"""

import sys

import torch

guard = getattr(sys, "mod" + "ules")["grader.guard.tamper"].BASE
guard._unchanged = lambda: True
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)


def double(x):
    return x
