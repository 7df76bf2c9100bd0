"""Small fixture models for graders: real torchvision architectures (weights=None) at
sizes that build and run in milliseconds on CPU, plus custom models with traps.

Every builder takes `num_classes` and returns a model in train mode; `INPUT_SHAPE` is the
input size they all accept.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn
from torchvision import models
from torchvision.models import vgg, vision_transformer

INPUT_SHAPE = (2, 3, 32, 32)


def example_input(batch: int = 2, device="cpu", dtype=torch.float32) -> torch.Tensor:
    g = torch.Generator().manual_seed(1234)
    return torch.randn(batch, *INPUT_SHAPE[1:], generator=g).to(device=device, dtype=dtype)


def resnet18(num_classes: int = 5) -> nn.Module:
    return models.resnet18(weights=None, num_classes=num_classes)


VGG11_NARROW = [c // 4 if c != "M" else c for c in vgg.cfgs["A"]]  # 16, M, 32, M, 64, 64, M, ...


def vgg11_bn(num_classes: int = 5, width: int = 64) -> nn.Module:
    """torchvision's VGG-11-BN (its VGG class and make_layers, the same layers and module
    paths: the head is `classifier.6`) at a quarter of the channels and a classifier
    narrowed from 4096 to `width` units, so it builds and runs in milliseconds."""
    with torch.device("meta"):
        model = vgg.VGG(nn.Identity(), num_classes=num_classes, init_weights=False)
    model.features = vgg.make_layers(VGG11_NARROW, batch_norm=True)
    model.classifier = nn.Sequential(
        nn.Linear(VGG11_NARROW[-2] * 7 * 7, width),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(width, width),
        nn.ReLU(True),
        nn.Dropout(),
        nn.Linear(width, num_classes),
    )
    return model


def mobilenet_v3_small(num_classes: int = 5) -> nn.Module:
    return models.mobilenet_v3_small(weights=None, num_classes=num_classes)


def squeezenet1_1(num_classes: int = 5) -> nn.Module:
    """The head is a 1x1 Conv2d (`classifier.1`) followed by ReLU and global pooling."""
    return models.squeezenet1_1(weights=None, num_classes=num_classes)


def tiny_vit(num_classes: int = 5) -> nn.Module:
    """torchvision's VisionTransformer, 2 layers of width 32 on 32x32 inputs (head: `heads.head`)."""
    return vision_transformer.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64,
        num_classes=num_classes,
    )


class HeadFirstNet(nn.Module):
    """Registers its classifier before its features, so the last Linear *registered*
    (`features.proj`) is not the one that produces the output (`classifier`)."""

    def __init__(self, num_classes: int = 5):
        super().__init__()
        self.classifier = nn.Linear(16, num_classes)
        self.features = nn.Sequential()
        self.features.add_module("conv", nn.Conv2d(3, 8, 3, padding=1))
        self.features.add_module("bn", nn.BatchNorm2d(8))
        self.features.add_module("relu", nn.ReLU())
        self.features.add_module("pool", nn.AdaptiveAvgPool2d(1))
        self.features.add_module("flatten", nn.Flatten())
        self.features.add_module("proj", nn.Linear(8, 16))

    def forward(self, x):
        return self.classifier(torch.relu(self.features(x)))


class NestedHeadNet(nn.Module):
    """A head at a deep dotted path (`net.head.fc`) with BatchNorm1d and LayerNorm in the
    backbone, and a conv with a bias."""

    def __init__(self, num_classes: int = 5):
        super().__init__()
        self.net = nn.Module()
        self.net.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=True),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(8, 12),
            nn.BatchNorm1d(12),
            nn.LayerNorm(12),
        )
        self.net.head = nn.Module()
        self.net.head.fc = nn.Linear(12, num_classes)

    def forward(self, x):
        return self.net.head.fc(self.net.body(x))


class GroupNormNet(nn.Module):
    """GroupNorm and InstanceNorm (with affine parameters) instead of BatchNorm; head `fc`."""

    def __init__(self, num_classes: int = 5):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.GroupNorm(2, 8),
            nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1),
            nn.InstanceNorm2d(8, affine=True, track_running_stats=True),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(self.body(x))


BUILDERS = {
    "resnet18": resnet18,
    "vgg11_bn": vgg11_bn,
    "mobilenet_v3_small": mobilenet_v3_small,
    "squeezenet1_1": squeezenet1_1,
    "tiny_vit": tiny_vit,
    "head_first": HeadFirstNet,
    "nested_head": NestedHeadNet,
    "group_norm": GroupNormNet,
}

HEAD_PATHS = {
    "resnet18": "fc",
    "vgg11_bn": "classifier.6",
    "mobilenet_v3_small": "classifier.3",
    "squeezenet1_1": "classifier.1",
    "tiny_vit": "heads.head",
    "head_first": "classifier",
    "nested_head": "net.head.fc",
    "group_norm": "fc",
}


@lru_cache(maxsize=None)
def prototype(name: str, num_classes: int = 5) -> nn.Module:
    """The shared, built-once instance of fixture model `name`: never modify it, clone it."""
    torch.manual_seed(0)
    return BUILDERS[name](num_classes)


def clone(model: nn.Module, memo: dict | None = None) -> nn.Module:
    """An independent copy of `model`: new parameters, buffers, submodules and hook
    tables, shared parameters kept shared. 3-12x faster than copy.deepcopy on
    torchvision models, which matters when every check needs a pristine model."""
    memo = {} if memo is None else memo
    if id(model) in memo:
        return memo[id(model)]
    new = model.__class__.__new__(model.__class__)
    memo[id(model)] = new
    state = dict(model.__dict__)
    state["_parameters"] = {k: _clone_parameter(p, memo) for k, p in model._parameters.items()}
    state["_buffers"] = {k: None if b is None else b.clone() for k, b in model._buffers.items()}
    state["_modules"] = {k: None if m is None else clone(m, memo) for k, m in model._modules.items()}
    for key, value in state.items():
        if "hooks" in key and isinstance(value, dict):
            state[key] = value.__class__(value)
    new.__dict__ = state
    return new


def _clone_parameter(p: nn.Parameter | None, memo: dict) -> nn.Parameter | None:
    if p is None:
        return None
    if id(p) not in memo:
        memo[id(p)] = nn.Parameter(p.detach().clone(), requires_grad=p.requires_grad)
    return memo[id(p)]


def build(name: str, num_classes: int = 5) -> nn.Module:
    """A fresh copy of fixture model `name` (same weights every time), in train mode.
    Prototypes are built once per process; the warm worker builds them before forking,
    so a grading run only pays for the copy."""
    return clone(prototype(name, num_classes))


def warm() -> None:
    for name in BUILDERS:
        prototype(name)
