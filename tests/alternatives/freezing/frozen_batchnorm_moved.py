"""Style: backbone BatchNorm layers are swapped for a FrozenBatchNorm built on the CPU
(fresh buffers filled with copy_, which crosses devices) and then moved with
module.to(the BatchNorm's device); its forward mixes a 0-dim CPU tensor (eps) into
arithmetic on the model's device, which CUDA allows for a binary op. The original
BatchNorm objects are kept in a dict on the model and put back by unfreeze.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

NORM_LAYERS = (_BatchNorm, _InstanceNorm, nn.LayerNorm, nn.GroupNorm)
SAVED = "_frozen_batchnorm_originals"


class FrozenBatchNorm(nn.Module):
    def __init__(self, bn: _BatchNorm):
        super().__init__()
        n = bn.num_features
        for name in ("weight", "bias", "running_mean", "running_var"):
            source = getattr(bn, name)
            self.register_buffer(name, None if source is None else torch.empty(n, dtype=source.dtype))
            if source is not None:
                getattr(self, name).copy_(source.detach())
        self.eps = bn.eps
        self.to(bn.running_mean.device)

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        inv_std = (self.running_var + torch.tensor(self.eps)).rsqrt()
        scale = inv_std if self.weight is None else self.weight * inv_std
        shift = -self.running_mean * scale
        if self.bias is not None:
            shift = shift + self.bias
        return x * scale.view(shape) + shift.view(shape)


def _head(model, head):
    if not head:
        raise ValueError("head must name a submodule")
    try:
        return model.get_submodule(head)
    except AttributeError:
        raise ValueError(f"no submodule at {head!r}") from None


def _set(model, path, module):
    parent, _, name = path.rpartition(".")
    setattr(model.get_submodule(parent), name, module)


def _put_back(model):
    for path, bn in model.__dict__.pop(SAVED, {}).items():
        frozen = model.get_submodule(path)
        bn.to(frozen.running_mean.device)
        _set(model, path, bn.train(model.training))


def freeze_backbone(model, head, *, train_bn=False):
    _put_back(model)
    head_module = _head(model, head)
    inside = set(head_module.modules())
    model.requires_grad_(False)
    saved = {}
    for path, module in list(model.named_modules()):
        if module in inside:
            continue
        if train_bn and isinstance(module, NORM_LAYERS):
            module.requires_grad_(True)
        elif not train_bn and isinstance(module, _BatchNorm):
            saved[path] = module
            _set(model, path, FrozenBatchNorm(module))
    model.__dict__[SAVED] = saved
    head_module.requires_grad_(True)
    return model


def unfreeze(model):
    _put_back(model)
    model.requires_grad_(True)
    return model


def count_trainable(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
