"""Style: forward pre-hooks under torch.inference_mode, the whole model switched with
model.eval() and back with model.train(was_training), the parent reached with
functools.reduce(getattr, ...), and the MLP a Sequential with named layers built from the
old layer's class."""

from __future__ import annotations

import functools
from collections import OrderedDict

import torch
from torch import nn

KINDS = (nn.Linear, nn.Conv2d)


def find_head(model, example_input=None):
    if example_input is None:
        found = [name for name, module in model.named_modules() if isinstance(module, KINDS)]
    else:
        found = []
        handles = []
        for name, module in model.named_modules():
            if isinstance(module, KINDS):
                handles.append(module.register_forward_pre_hook(lambda m, args, name=name: found.append(name)))
        was_training = model.training
        model.eval()
        try:
            with torch.inference_mode():
                model(example_input)
        finally:
            model.train(was_training)
            for handle in handles:
                handle.remove()
    if not found:
        raise ValueError("cannot find a head: the model has no Linear or Conv2d layer")
    return found[-1]


def _make(kind, n_in, n_out, like):
    if kind is nn.Conv2d:
        layer = nn.Conv2d(n_in, n_out, kernel_size=1)
    else:
        layer = nn.Linear(n_in, n_out)
    nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
    return layer.to(device=like.device, dtype=like.dtype)


def replace_head(model, num_outputs, *, hidden=None, dropout=0.0, example_input=None):
    if num_outputs < 1:
        raise ValueError("num_outputs < 1")
    if hidden is not None and hidden < 1:
        raise ValueError("hidden < 1")
    *parents, leaf = find_head(model, example_input).split(".")
    parent = functools.reduce(getattr, parents, model)
    old = getattr(parent, leaf)
    kind = nn.Conv2d if isinstance(old, nn.Conv2d) else nn.Linear
    n_in = old.in_channels if kind is nn.Conv2d else old.in_features
    if hidden is None:
        new = _make(kind, n_in, num_outputs, old.weight)
    else:
        new = nn.Sequential(OrderedDict(
            fc1=_make(kind, n_in, hidden, old.weight),
            act=nn.ReLU(),
            drop=nn.Dropout(dropout),
            fc2=_make(kind, hidden, num_outputs, old.weight),
        ))
    setattr(parent, leaf, new)
    return model
