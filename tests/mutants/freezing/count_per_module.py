"""count_trainable sums each module's own parameters, so a parameter shared by two modules is counted twice.

Caught by: shared by two modules once
"""

import types

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

NORMS = (_BatchNorm, _InstanceNorm, nn.LayerNorm, nn.GroupNorm)


def _find_head(model, head):
    try:
        return model.get_submodule(head)
    except AttributeError as e:
        raise ValueError(f"unknown head {head!r}") from e


def _eval_only(self, mode=True):
    return nn.Module.train(self, False)


def _pin_eval(bn):
    bn.train = types.MethodType(_eval_only, bn)
    bn.eval()


def freeze_backbone(model, head, *, train_bn=False):
    head_module = _find_head(model, head)
    head_modules = set(head_module.modules())
    for p in model.parameters():
        p.requires_grad = False
    for m in model.modules():
        if m in head_modules:
            continue
        if train_bn and isinstance(m, NORMS):
            for p in m.parameters():
                p.requires_grad = True
        elif not train_bn and isinstance(m, _BatchNorm):
            _pin_eval(m)
    for p in head_module.parameters():
        p.requires_grad = True
    return model


def unfreeze(model):
    for m in model.modules():
        if "train" in m.__dict__:
            del m.train
            m.train(model.training)
    for p in model.parameters():
        p.requires_grad = True
    return model


def count_trainable(model):
    return sum(
        p.numel() for m in model.modules() for p in m.parameters(recurse=False) if p.requires_grad
    )
