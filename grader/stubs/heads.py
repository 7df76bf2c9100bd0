"""Exercise: find a pretrained model's classification head and replace it.

Transfer learning keeps the backbone and swaps the head for one sized to the new task.
`find_head` locates the layer that produces the model's output (by registration order,
or by tracing a forward pass when you are given an example input); `replace_head`
swaps it for a freshly initialised Linear, 1x1 Conv2d, or small MLP.

Devices: the model and `example_input` may be on the CPU or a GPU (CUDA), both on one
device; the new head is built on the old head's device and dtype.
"""

from __future__ import annotations

import torch
from torch import nn


def find_head(model: nn.Module, example_input: torch.Tensor | None = None) -> str:
    """Return the dotted path of the `nn.Linear` or `nn.Conv2d` layer that produces the
    model's output.

    Examples: resnet18 -> "fc", vgg11 -> "classifier.6", vit_b_16 -> "heads.head",
    squeezenet1_1 -> "classifier.1" (a 1x1 Conv2d followed by ReLU and pooling).

    - Without `example_input`: the last Linear or Conv2d registered (the order of
      `model.named_modules()`), which is right for torchvision's models.
    - With `example_input`: the last Linear or Conv2d that runs in a forward pass on it.
      A custom model may register its classifier before its features, so registration
      order is not execution order.
    - The model's train/eval mode is left as it was.
    - A model with no Linear or Conv2d layer: raise `ValueError`.
    """
    raise NotImplementedError


def replace_head(
    model: nn.Module,
    num_outputs: int,
    *,
    hidden: int | None = None,
    dropout: float = 0.0,
    example_input: torch.Tensor | None = None,
) -> nn.Module:
    """Replace the head found by `find_head(model, example_input)` and return the model.

    - The new head is freshly initialised and of the same kind as the old one: an
      `nn.Linear`, or a 1x1 `nn.Conv2d` for a conv head, taking the same input features
      and producing `num_outputs`.
    - With `hidden`: a small MLP instead, layer to `hidden` units, ReLU,
      Dropout(`dropout`), layer to `num_outputs` (1x1 convs for a conv head).
    - The new head lives on the old head's device and dtype and is trainable, even if
      the model was frozen. Every other parameter, buffer and `requires_grad` flag is
      untouched.
    - Afterwards `model(x)` has shape `(N, num_outputs)`.
    - Modify the model in place and return the same object.
    - `num_outputs < 1` or `hidden < 1`: raise `ValueError`.
    """
    raise NotImplementedError
