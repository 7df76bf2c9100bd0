"""Class 3 (forgery in the process): a TorchFunctionMode entered at import makes
torch.equal, torch.allclose and == say "equal" for any tensors.

exercise: tensors
expected: not pass
"""

import torch
from torch.overrides import TorchFunctionMode


class AllEqual(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in (torch.equal, torch.allclose):
            return True
        if func is torch.Tensor.__eq__:
            return torch.ones(args[0].shape, dtype=torch.bool)
        return func(*args, **(kwargs or {}))


AllEqual().__enter__()


def double(x):
    return x
