"""Alternative: set-based bookkeeping. Param groups are de-duplicated first and priced
afterwards, unfreezing goes through a set of trainable parameter ids, and the weights go
through load_state_dict with the fitting entries only."""

from __future__ import annotations

from itertools import chain

from torch import nn
from torchvision.models import ResNet


def layer_groups(model):
    if isinstance(model, ResNet):
        return [
            nn.Sequential(nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool), model.layer1),
            model.layer2,
            model.layer3,
            model.layer4,
            model.fc,
        ]
    return [module for _, module in model._modules.items() if module is not None]


def _unique_trainable(groups):
    seen = set()
    for group in groups:
        fresh = [p for p in group.parameters() if p.requires_grad and id(p) not in seen]
        seen |= {id(p) for p in fresh}
        yield fresh


def discriminative_param_groups(groups, lr, *, factor=2.6):
    n = len(groups)
    priced = [
        {"params": params, "lr": lr / (factor ** (n - 1 - i))}
        for i, params in enumerate(_unique_trainable(groups))
    ]
    return [group for group in priced if group["params"]]


def gradual_unfreeze(groups, stage):
    unfrozen = groups[-stage:] if 0 < stage else []
    trainable = {id(p) for p in chain.from_iterable(g.parameters() for g in unfrozen)}
    for group in groups:
        for p in group.parameters():
            p.requires_grad_(id(p) in trainable)


def transfer_weights(source, target):
    target_shapes = {name: t.shape for name, t in target.state_dict().items()}
    fitting = {
        name: t for name, t in source.state_dict().items()
        if target_shapes.get(name) == t.shape
    }
    target.load_state_dict(fitting, strict=False)
    return [name for name in target_shapes if name not in fitting]
