"""timm-style swap whose FrozenBatchNorm allocates its buffers like timm's FrozenBatchNorm2d(n),
torch.ones(n) / torch.zeros(n) without device=, then copies the values in: on a GPU model
the frozen layers hold CPU buffers and the forward pass raises.

Caught by: another device
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

NORM_LAYERS = (_BatchNorm, _InstanceNorm, nn.LayerNorm, nn.GroupNorm)


class FrozenBatchNorm(nn.Module):
    def __init__(self, bn: _BatchNorm):
        super().__init__()
        self.eps = bn.eps
        n = bn.num_features
        self.register_buffer("weight", torch.ones(n) if bn.affine else None)
        self.register_buffer("bias", torch.zeros(n) if bn.affine else None)
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("running_var", torch.ones(n))
        with torch.no_grad():
            if bn.affine:
                self.weight.copy_(bn.weight)
                self.bias.copy_(bn.bias)
            self.running_mean.copy_(bn.running_mean)
            self.running_var.copy_(bn.running_var)
        self._original = (bn,)

    def forward(self, x):
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)

    def restore(self, training: bool) -> _BatchNorm:
        (bn,) = self._original
        bn.to(self.running_mean.device)
        bn.running_mean.copy_(self.running_mean)
        bn.running_var.copy_(self.running_var)
        if bn.affine:
            bn.weight.data.copy_(self.weight)
            bn.bias.data.copy_(self.bias)
        return bn.train(training)


def _head_module(model: nn.Module, head: str) -> nn.Module:
    modules = dict(model.named_modules())
    if not head or head not in modules:
        raise ValueError(f"no submodule named {head!r}")
    return modules[head]


def _replace(model: nn.Module, path: str, new: nn.Module) -> None:
    parent, _, name = path.rpartition(".")
    setattr(model.get_submodule(parent), name, new)


def _restore_batchnorm(model: nn.Module) -> None:
    frozen = [(p, m) for p, m in model.named_modules() if isinstance(m, FrozenBatchNorm)]
    for path, module in frozen:
        _replace(model, path, module.restore(model.training))


def freeze_backbone(model, head, *, train_bn=False):
    _restore_batchnorm(model)
    head_module = _head_module(model, head)
    in_head = set(head_module.modules())
    for p in model.parameters():
        p.requires_grad_(False)
    backbone = [(p, m) for p, m in model.named_modules() if m not in in_head]
    for path, module in backbone:
        if train_bn and isinstance(module, NORM_LAYERS):
            module.requires_grad_(True)
        elif not train_bn and isinstance(module, _BatchNorm):
            _replace(model, path, FrozenBatchNorm(module))
    head_module.requires_grad_(True)
    return model


def unfreeze(model):
    _restore_batchnorm(model)
    for p in model.parameters():
        p.requires_grad_(True)
    return model


def count_trainable(model):
    unique = {id(p): p.numel() for p in model.parameters() if p.requires_grad}
    return sum(unique.values())
