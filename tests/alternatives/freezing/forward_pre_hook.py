"""Alternative style: a forward pre-hook on each backbone BatchNorm switches the layer to
eval mode just before it runs, whatever train() said; unfreeze removes the hooks.
Parameters are selected by walking named_parameters against the head's prefix with a dot.
"""

from __future__ import annotations

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

NORMS = (_BatchNorm, _InstanceNorm, nn.LayerNorm, nn.GroupNorm)


def _inference_mode(module, args):
    module.training = False


def _hook(bn: _BatchNorm) -> None:
    if getattr(bn, "freeze_hook", None) is None:
        bn.freeze_hook = bn.register_forward_pre_hook(_inference_mode)


def _unhook(bn: _BatchNorm, training: bool) -> None:
    handle = bn.__dict__.pop("freeze_hook", None)
    if handle is not None:
        handle.remove()
        bn.train(training)


def freeze_backbone(model, head, *, train_bn=False):
    modules = dict(model.named_modules())
    if head not in modules or modules[head] is model:
        raise ValueError(f"unknown head: {head!r}")
    prefix = head + "."
    norm_params = {id(p) for m in model.modules() if isinstance(m, NORMS) for p in m.parameters()}
    for name, p in model.named_parameters():
        in_head = name.startswith(prefix)
        p.requires_grad_(in_head or (train_bn and id(p) in norm_params))
    for p in modules[head].parameters():
        p.requires_grad_(True)
    for path, m in modules.items():
        if isinstance(m, _BatchNorm):
            in_head = path == head or path.startswith(prefix)
            if train_bn or in_head:
                _unhook(m, model.training)
            else:
                _hook(m)
    return model


def unfreeze(model):
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            _unhook(m, model.training)
    model.requires_grad_(True)
    return model


def count_trainable(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
