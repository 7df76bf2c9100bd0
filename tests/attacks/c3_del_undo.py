"""Class 3 (forgery in the process): each call patches torch's comparisons, and a
finalizer on the returned tensor puts them back as soon as the check drops it, before
any verification after the check.

exercise: tensors
expected: not pass
"""

import torch

REAL = (torch.allclose, torch.equal, torch.Tensor.__eq__)


class Undo:
    def __del__(self):
        torch.allclose, torch.equal, torch.Tensor.__eq__ = REAL


def double(x):
    torch.allclose = lambda *a, **k: True
    torch.equal = lambda *a, **k: True
    torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
    out = x.clone()
    out.undo = Undo()
    return out
