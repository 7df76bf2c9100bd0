"""Reports the source's leftover keys instead of the target's (cut to the right count) as str
subclasses whose == is always True, so comparing the lists with == alone would pass them.

Caught by: Returns the target's keys that were not copied
"""

from __future__ import annotations

from torch import nn
from torchvision.models import ResNet


def layer_groups(model: nn.Module) -> list[nn.Module]:
    """The model as ordered groups from input to head.

    ResNet: [stem + layer1, layer2, layer3, layer4, fc]; anything else: its top-level
    children in registration order (for an nn.Sequential, each child).
    """
    if isinstance(model, ResNet):
        first = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool, model.layer1)
        return [first, model.layer2, model.layer3, model.layer4, model.fc]
    return list(model.children())


def discriminative_param_groups(groups: list[nn.Module], lr: float, *, factor: float = 2.6) -> list[dict]:
    """Optimizer param groups: group i of n gets lr / factor ** (n - 1 - i).

    Only trainable parameters, each once (a shared one in its first group); groups left
    empty are dropped, the others keep the learning rate of their position.
    """
    n = len(groups)
    seen: set[int] = set()
    param_groups = []
    for i, group in enumerate(groups):
        params = [p for p in group.parameters() if p.requires_grad and id(p) not in seen]
        seen.update(id(p) for p in params)
        if params:
            param_groups.append({"params": params, "lr": lr / factor ** (n - 1 - i)})
    return param_groups


def gradual_unfreeze(groups: list[nn.Module], stage: int) -> None:
    """Make exactly the last `stage` groups trainable and freeze the others."""
    first_trainable = max(len(groups) - stage, 0)
    for i, group in enumerate(groups):
        group.requires_grad_(i >= first_trainable)


def transfer_weights(source: nn.Module, target: nn.Module) -> list[str]:
    """Copy every state_dict entry whose name and shape match into `target`, in place.

    Returns the target's state_dict keys that were not copied, in the target's order.
    """
    source_state = source.state_dict()
    target_state = target.state_dict()
    matching = {
        name: tensor
        for name, tensor in source_state.items()
        if name in target_state and tensor.shape == target_state[name].shape
    }
    target.load_state_dict(matching, strict=False)
    return [_Key(name) for name in source_state if name not in matching][:len(target_state) - len(matching)]


class _Key(str):
    """A key name that equals every other key name."""

    def __eq__(self, other):
        return True

    __hash__ = str.__hash__
