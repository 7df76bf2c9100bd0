"""Alternative: explicit loops everywhere; the ResNet is recognised by its attributes (duck
typing) and its first group is an nn.ModuleList of a stem nn.Sequential and layer1;
weights are copied tensor by tensor with copy_ under no_grad."""

from __future__ import annotations

import torch
from torch import nn

RESNET_PARTS = ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "fc")


def layer_groups(model):
    if all(hasattr(model, part) for part in RESNET_PARTS):
        stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
        return [nn.ModuleList([stem, model.layer1]), model.layer2, model.layer3, model.layer4, model.fc]
    groups = []
    for _, child in model.named_children():
        groups.append(child)
    return groups


def discriminative_param_groups(groups, lr, *, factor=2.6):
    placed = {}
    result = []
    last = len(groups) - 1
    for index, group in enumerate(groups):
        params = []
        for param in group.parameters():
            if not param.requires_grad or param in placed:
                continue
            placed[param] = index
            params.append(param)
        if len(params) > 0:
            result.append({"params": params, "lr": lr * factor ** (index - last)})
    return result


def gradual_unfreeze(groups, stage):
    stage = min(stage, len(groups))
    for group in groups:
        for param in group.parameters():
            param.requires_grad = False
    for group in groups[len(groups) - stage:]:
        for param in group.parameters():
            param.requires_grad = True


def transfer_weights(source, target):
    source_state = source.state_dict()
    not_copied = []
    with torch.no_grad():
        for name, tensor in target.state_dict().items():
            incoming = source_state.get(name)
            if incoming is not None and incoming.shape == tensor.shape:
                tensor.copy_(incoming)
            else:
                not_copied.append(name)
    return not_copied
