"""Style: older PyTorch code. The new layers are built on the CPU with the default dtype
and each parameter is then moved with `p.data = p.data.to(device, dtype)`, which CUDA
accepts (CPU and CUDA tensors are compatible for set_data); find_head walks
`_modules` recursively instead of named_modules(), and traces with a forward hook that
remembers the module objects, named afterwards."""

from __future__ import annotations

import torch
from torch import nn

KINDS = (nn.Linear, nn.Conv2d)


def _walk(module, prefix=""):
    for name, child in module._modules.items():
        if child is None:
            continue
        path = f"{prefix}{name}"
        yield path, child
        yield from _walk(child, path + ".")


def find_head(model, example_input=None):
    layers = [(path, m) for path, m in _walk(model) if isinstance(m, KINDS)]
    if not layers:
        raise ValueError("no Linear or Conv2d layer in the model")
    if example_input is None:
        return layers[-1][0]
    ran = []
    handles = [m.register_forward_hook(lambda mod, inp, out: ran.append(mod)) for _, m in layers]
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with torch.no_grad():
            model(example_input)
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes:
            m.training = training
    if not ran:
        raise ValueError("no Linear or Conv2d layer ran on the example input")
    return next(path for path, m in layers if m is ran[-1])


def _moved(layer, like):
    for p in layer.parameters():
        p.data = p.data.to(like.device, like.dtype)
    return layer


def replace_head(model, num_outputs, *, hidden=None, dropout=0.0, example_input=None):
    if num_outputs < 1 or (hidden is not None and hidden < 1):
        raise ValueError(f"sizes must be >= 1, got num_outputs={num_outputs}, hidden={hidden}")
    path = find_head(model, example_input)
    parent_path, _, name = path.rpartition(".")
    parent = model.get_submodule(parent_path)
    old = getattr(parent, name)
    conv = isinstance(old, nn.Conv2d)
    n_in = old.in_channels if conv else old.in_features

    def layer(a, b):
        return _moved(nn.Conv2d(a, b, 1) if conv else nn.Linear(a, b), old.weight)

    if hidden is None:
        new = layer(n_in, num_outputs)
    else:
        new = nn.Sequential(layer(n_in, hidden), nn.ReLU(), nn.Dropout(dropout), layer(hidden, num_outputs))
    setattr(parent, name, new)
    return model
