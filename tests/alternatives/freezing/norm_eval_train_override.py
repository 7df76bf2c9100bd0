"""Alternative style (mmdetection's `norm_eval`): the model's own `train` is overridden
on the instance so that every call puts the recorded backbone BatchNorm layers back in
eval mode; head lookup walks the dotted path by hand.
"""

from __future__ import annotations

import types

from torch import nn

BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
NORMS = BATCH_NORMS + (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d, nn.LayerNorm, nn.GroupNorm)


def _walk(model: nn.Module, path: str) -> nn.Module:
    module = model
    for part in path.split("."):
        child = module._modules.get(part)
        if child is None:
            raise ValueError(f"{path!r} does not name a submodule (stuck at {part!r})")
        module = child
    return module


def _train_with_frozen_bn(self, mode=True):
    type(self).train(self, mode)
    for bn in self.frozen_batchnorms:
        bn.eval()
    return self


def freeze_backbone(model, head, *, train_bn=False):
    head_module = _walk(model, head)
    head_ids = {id(m) for m in head_module.modules()}
    backbone = [m for m in model.modules() if id(m) not in head_ids]
    model.requires_grad_(False)
    if train_bn:
        for m in backbone:
            if isinstance(m, NORMS):
                m.requires_grad_(True)
    head_module.requires_grad_(True)
    model.frozen_batchnorms = [] if train_bn else [m for m in backbone if isinstance(m, BATCH_NORMS)]
    model.train = types.MethodType(_train_with_frozen_bn, model)
    return model.train(model.training)


def unfreeze(model):
    model.__dict__.pop("train", None)
    model.__dict__.pop("frozen_batchnorms", None)
    model.requires_grad_(True)
    return model.train(model.training)


def count_trainable(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
