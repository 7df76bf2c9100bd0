"""Style: a global module forward hook traces in the model's own mode, then the state_dict is
restored; the parent Sequential is rebuilt around the new head; the MLP is a custom module
using F.relu / F.dropout; a single Linear head is zero-initialised without bias (as
torchvision's ViT does)."""

from __future__ import annotations

import copy
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules.module import register_module_forward_hook


class MLPHead(nn.Module):
    def __init__(self, first: nn.Module, second: nn.Module, dropout: float):
        super().__init__()
        self.first = first
        self.second = second
        self.dropout = dropout

    def forward(self, x):
        return self.second(F.dropout(F.relu(self.first(x)), self.dropout, self.training))


def _is_head_layer(module: nn.Module) -> bool:
    return isinstance(module, (nn.Linear, nn.Conv2d))


def find_head(model, example_input=None):
    names = {id(m): n for n, m in model.named_modules() if _is_head_layer(m)}
    if example_input is None:
        order = list(names.values())
    else:
        order = []
        saved = copy.deepcopy(model.state_dict())

        def record(module, inputs, output):
            if id(module) in names:
                order.append(names[id(module)])

        handle = register_module_forward_hook(record)
        try:
            with torch.no_grad():
                model(example_input)
        finally:
            handle.remove()
            model.load_state_dict(saved)
    if not order:
        raise ValueError("no Linear or Conv2d layer in the model")
    return order[-1]


def _layer(old, n_in, n_out):
    like = {"device": old.weight.device, "dtype": old.weight.dtype}
    if isinstance(old, nn.Conv2d):
        return nn.Conv2d(n_in, n_out, 1, **like)
    return nn.Linear(n_in, n_out, **like)


def _build(old, num_outputs, hidden, dropout):
    n_in = old.in_channels if isinstance(old, nn.Conv2d) else old.in_features
    if hidden is not None:
        return MLPHead(_layer(old, n_in, hidden), _layer(old, hidden, num_outputs), dropout)
    if isinstance(old, nn.Conv2d):
        return _layer(old, n_in, num_outputs)
    head = nn.Linear(n_in, num_outputs, bias=False, device=old.weight.device, dtype=old.weight.dtype)
    nn.init.zeros_(head.weight)
    return head


def _put(model, path, new):
    parent_path, _, name = path.rpartition(".")
    parent = model.get_submodule(parent_path)
    if isinstance(parent, nn.Sequential) and parent_path:
        children = OrderedDict((k, new if k == name else m) for k, m in parent.named_children())
        rebuilt = nn.Sequential(children).train(parent.training)
        grand_path, _, parent_name = parent_path.rpartition(".")
        setattr(model.get_submodule(grand_path), parent_name, rebuilt)
    else:
        setattr(parent, name, new)


def replace_head(model, num_outputs, *, hidden=None, dropout=0.0, example_input=None):
    if not num_outputs >= 1:
        raise ValueError("num_outputs must be at least 1")
    if hidden is not None and not hidden >= 1:
        raise ValueError("hidden must be at least 1")
    path = find_head(model, example_input)
    _put(model, path, _build(model.get_submodule(path), num_outputs, hidden, dropout))
    return model
