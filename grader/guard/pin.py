"""Bind what checks rely on before any candidate code runs: each grader module's `torch`,
`np`, `math`, `pytest`, `nn`, `F` ... become copies of those modules' namespaces taken in
the worker. A candidate that replaces `torch.equal` (and puts it back in a finalizer
before the next verification) changes the real module, not what a check calls; the
copies themselves are watched by grader.guard.tamper, patch-and-restore included.

Only the bindings are copied: the functions, classes and tensors are the same objects,
so `isinstance(x, torch.Tensor)` and every dtype and device still hold.
"""

from __future__ import annotations

import sys
import types

PINNED = ("torch", "torch.nn", "torch.nn.functional", "torch.testing", "numpy", "numpy.testing", "math", "pytest")
_COPIES: dict[str, types.ModuleType] = {}


def copy_of(module: types.ModuleType) -> types.ModuleType:
    """The pinned copy of `module` (made once), its pinned submodules linked in."""
    name = module.__name__
    if name not in _COPIES:
        copy = types.ModuleType(name, module.__doc__)
        vars(copy).update(vars(module))
        _COPIES[name] = copy
        for key, value in list(vars(copy).items()):
            if isinstance(value, types.ModuleType) and value.__name__ in PINNED and value.__name__ != name:
                setattr(copy, key, copy_of(value))
    return _COPIES[name]


def pin(module: types.ModuleType) -> None:
    """Rebind `module`'s globals that are pinned modules to their copies."""
    for key, value in list(vars(module).items()):
        if isinstance(value, types.ModuleType) and value.__name__ in PINNED and not _is_copy(value):
            setattr(module, key, copy_of(value))


def _is_copy(module: types.ModuleType) -> bool:
    return _COPIES.get(module.__name__) is module


def copies() -> list[types.ModuleType]:
    return list(_COPIES.values())


def pin_graders() -> None:
    """Pin every imported grader module (grader.graders.*)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("grader.graders.") and module is not None:
            pin(module)
