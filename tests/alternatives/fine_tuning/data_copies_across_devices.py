"""Style: older PyTorch code. Weights are copied through `.data`: each source tensor is
first converted with `.to(target_tensor)` (the target's device and dtype, a copy across
devices when the source is on the CPU and the target on a GPU) and written with
`target.data.copy_(...)`, parameters and buffers walked through named_parameters and
named_buffers; the groups use torch.nn.ModuleList for the ResNet stem."""

from __future__ import annotations

from torch import nn


def layer_groups(model):
    if isinstance(getattr(model, "layer1", None), nn.Module) and hasattr(model, "conv1"):
        first = nn.ModuleList([model.conv1, model.bn1, model.relu, model.maxpool, model.layer1])
        return [first, model.layer2, model.layer3, model.layer4, model.fc]
    return list(model.children())


def discriminative_param_groups(groups, lr, *, factor=2.6):
    seen, out = set(), []
    n = len(groups)
    for i, group in enumerate(groups):
        params = [p for p in group.parameters() if p.requires_grad and id(p) not in seen]
        seen.update(id(p) for p in params)
        if params:
            out.append({"params": params, "lr": lr / factor ** (n - 1 - i)})
    return out


def gradual_unfreeze(groups, stage):
    keep = max(len(groups) - stage, 0)
    for i, group in enumerate(groups):
        group.requires_grad_(i >= keep)


def transfer_weights(source, target):
    incoming = dict(source.named_parameters(remove_duplicate=False))
    incoming.update(source.named_buffers(remove_duplicate=False))
    own = dict(target.named_parameters(remove_duplicate=False))
    own.update(target.named_buffers(remove_duplicate=False))
    copied = set()
    for name, tensor in own.items():
        value = incoming.get(name)
        if value is not None and value.shape == tensor.shape:
            tensor.data.copy_(value.data.to(tensor.data))
            copied.add(name)
    return [name for name in target.state_dict() if name not in copied]
