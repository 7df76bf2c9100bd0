"""Freezes the whole model after the loop that made the normalisation layers trainable (the
calls in the wrong order), so with train_bn=True their weight and bias stay frozen: an SGD
step leaves them unchanged although they should train.

Caught by: One SGD step after freezing
"""

from __future__ import annotations

import types

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

NORM_LAYERS = (_BatchNorm, _InstanceNorm, nn.LayerNorm, nn.GroupNorm)


def freeze_backbone(model: nn.Module, head: str, *, train_bn: bool = False) -> nn.Module:
    """Leave only the submodule at dotted path `head` trainable (plus, with `train_bn`, the
    affine parameters of backbone normalisation layers); without `train_bn`, backbone
    BatchNorm layers stay in inference mode whatever `model.train()` says."""
    head_module = _submodule(model, head)
    in_head = set(head_module.modules())
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            _release_from_eval(module, model.training)
        if module in in_head:
            continue
        if train_bn and isinstance(module, NORM_LAYERS):
            module.requires_grad_(True)
        elif not train_bn and isinstance(module, _BatchNorm):
            _pin_to_eval(module)
    model.requires_grad_(False)
    head_module.requires_grad_(True)
    return model


def unfreeze(model: nn.Module) -> nn.Module:
    """Make every parameter trainable and let every BatchNorm follow train/eval again."""
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            _release_from_eval(module, model.training)
    model.requires_grad_(True)
    return model


def count_trainable(model: nn.Module) -> int:
    """Number of trainable scalars; `parameters()` yields a shared parameter once."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _submodule(model: nn.Module, path: str) -> nn.Module:
    try:
        module = model.get_submodule(path)
    except AttributeError:
        raise ValueError(f"the model has no submodule {path!r}") from None
    if module is model:
        raise ValueError("head must name a submodule, not the whole model")
    return module


def _always_eval(self: nn.Module, mode: bool = True) -> nn.Module:
    return nn.Module.train(self, False)


def _pin_to_eval(bn: _BatchNorm) -> None:
    bn.train = types.MethodType(_always_eval, bn)
    bn.eval()


def _release_from_eval(bn: _BatchNorm, mode: bool) -> None:
    if bn.__dict__.pop("train", None) is not None:
        bn.train(mode)
