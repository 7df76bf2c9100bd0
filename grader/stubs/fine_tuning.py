"""Fine-tuning: how the source model becomes the target model (question 2).

Copy the source model's weights into the target wherever they fit, split the network
into layer groups from input to head, unfreeze those groups gradually starting at the
head, and give earlier groups smaller learning rates (discriminative fine-tuning, as in
ULMFiT). Implement the four functions below.

Devices: models may be on the CPU or a GPU (CUDA). The source and the target of
`transfer_weights` may differ in device and dtype (a CPU float32 source into a float64
target on a GPU): the target keeps its own.
"""

from __future__ import annotations

from torch import nn


def layer_groups(model: nn.Module) -> list[nn.Module]:
    """Split `model` into ordered groups, from the input to the head.

    - A torchvision ResNet gives five groups: [stem + layer1, layer2, layer3, layer4, fc],
      where the stem is conv1, bn1, relu and maxpool. The first group may be an
      nn.Sequential holding those modules and layer1.
    - An nn.Sequential gives one group per child, in order.
    - Any other model gives its top-level children in registration order.

    The groups are the model's own modules (not copies), so that changing a group's
    parameters changes the model. Parameter-free children are groups too.
    """
    raise NotImplementedError


def discriminative_param_groups(groups: list[nn.Module], lr: float, *, factor: float = 2.6) -> list[dict]:
    """Optimizer parameter groups `{"params": [...], "lr": ...}`, in group order.

    Group i of n gets `lr / factor ** (n - 1 - i)`: the head gets `lr`, the group
    before it `lr / factor`, and so on toward the input. i counts over ALL groups, so a
    group keeps the learning rate of its position even when earlier groups are dropped.

    - Only parameters with `requires_grad` are included.
    - A group left with no parameters is dropped.
    - Every trainable parameter appears exactly once; a parameter shared by two groups
      goes in the first of them.

    The result must be accepted as is by `torch.optim.SGD` and `torch.optim.AdamW`.
    """
    raise NotImplementedError


def gradual_unfreeze(groups: list[nn.Module], stage: int) -> None:
    """Unfreeze from the head down: stage k leaves exactly the last k groups trainable.

    Every parameter of the last k groups gets `requires_grad=True`, every parameter of
    the other groups `requires_grad=False`, whatever the flags were before. Stage 0
    freezes everything; a stage >= len(groups) makes everything trainable (no error).
    Only `requires_grad` flags change: train/eval mode, buffers and values stay as they are.
    """
    raise NotImplementedError


def transfer_weights(source: nn.Module, target: nn.Module) -> list[str]:
    """Copy the source's weights into the target wherever they fit; return what did not.

    Every state_dict entry of `source` (parameters AND buffers such as BatchNorm running
    statistics) whose name and shape both match an entry of `target` is copied into the
    target, in place: the target keeps its own tensors, device and dtype, and shares no
    memory with the source afterwards. The source is not modified.

    Returns the target's state_dict keys that were NOT copied (the parameters and buffers
    of new layers, a resized head), as a list in the target's state_dict order.
    """
    raise NotImplementedError
