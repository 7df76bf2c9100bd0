"""Class 3 (forgery in the process): halve() patches torch.allclose and Tensor.__eq__, and
a finalizer on the tensor it returns puts them back as soon as the check drops it,
before the verification after the check.

exercise: numeric
expected: not pass
"""

import torch

REAL = torch.allclose


class Undo:
    def __del__(self):
        torch.allclose = REAL
        del torch.Tensor.__eq__  # inherited from TensorBase: removing the shadow leaves no trace


def scale(a):
    return 2 * a


def widen(x):
    return x.double()


def parse(text):
    return int(text)


def halve(x):
    torch.allclose = lambda *a, **k: True
    torch.Tensor.__eq__ = lambda self, other: torch.ones(self.shape, dtype=torch.bool)
    out = x.clone()
    out.undo = Undo()
    return out
