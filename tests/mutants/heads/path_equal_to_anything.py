"""Ignores example_input (the last Linear registered, never traced) and returns the path as a
str subclass whose == is always True, so a check that only compares with == would pass it.

Caught by: find_head with an example input returns the last layer to run
"""

from __future__ import annotations

import torch
from torch import nn

HEAD_TYPES = (nn.Linear, nn.Conv2d)


def find_head(model: nn.Module, example_input: torch.Tensor | None = None) -> str:
    """Dotted path of the Linear or Conv2d layer that produces the model's output.

    With `example_input`, the last such layer to run in a forward pass on it (traced in
    eval mode without gradients, so no BatchNorm statistic moves); otherwise the last one
    registered. Every submodule's train/eval mode is restored.
    """
    paths = [name for name, module in model.named_modules() if isinstance(module, HEAD_TYPES)]
    if not paths:
        raise ValueError(f"{type(model).__name__} has no Linear or Conv2d layer")
    return _Path(paths[-1])


class _Path(str):
    """A path that equals every other path."""

    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


def _layers_in_execution_order(model: nn.Module, example_input: torch.Tensor) -> list[str]:
    ran: list[str] = []
    handles = [
        module.register_forward_hook(lambda *_, name=name: ran.append(name))
        for name, module in model.named_modules()
        if isinstance(module, HEAD_TYPES)
    ]
    modes = {module: module.training for module in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            model(example_input)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.train(training)
    return ran


def replace_head(
    model: nn.Module,
    num_outputs: int,
    *,
    hidden: int | None = None,
    dropout: float = 0.0,
    example_input: torch.Tensor | None = None,
) -> nn.Module:
    """Swap the head for a freshly initialised Linear (or 1x1 Conv2d) with `num_outputs`
    outputs, or for an MLP `layer -> ReLU -> Dropout -> layer` when `hidden` is given.

    The new head matches the old one's input features, device and dtype and is trainable;
    nothing else in the model changes. Returns the same model.
    """
    if num_outputs < 1:
        raise ValueError(f"num_outputs must be >= 1, got {num_outputs}")
    if hidden is not None and hidden < 1:
        raise ValueError(f"hidden must be >= 1, got {hidden}")
    path = find_head(model, example_input)
    parent_path, _, name = path.rpartition(".")
    parent = model.get_submodule(parent_path)
    setattr(parent, name, _new_head(getattr(parent, name), num_outputs, hidden, dropout))
    return model


def _new_head(old: nn.Module, num_outputs: int, hidden: int | None, dropout: float) -> nn.Module:
    factory = {"device": old.weight.device, "dtype": old.weight.dtype}
    if isinstance(old, nn.Conv2d):
        in_features = old.in_channels

        def layer(n_in, n_out):
            return nn.Conv2d(n_in, n_out, kernel_size=1, **factory)
    else:
        in_features = old.in_features

        def layer(n_in, n_out):
            return nn.Linear(n_in, n_out, **factory)

    if hidden is None:
        return layer(in_features, num_outputs)
    return nn.Sequential(
        layer(in_features, hidden), nn.ReLU(), nn.Dropout(dropout), layer(hidden, num_outputs)
    )
