"""Freeze a pretrained backbone so that only the new head trains (questions 1 and 6).

You take a pretrained CNN, replace its classifier and want to train only that head.
Freeze the rest properly: gradients are the easy part; BatchNorm is where candidates
slip. Then undo it all for fine-tuning, and count what is left to train.

Devices: the model may be on the CPU or a GPU (CUDA). Its parameters and buffers stay on
its device through freezing, training and unfreezing, and whatever you create for it (a
frozen BatchNorm's buffers, saved statistics) goes there too.
"""

from __future__ import annotations

from torch import nn


def freeze_backbone(model: nn.Module, head: str, *, train_bn: bool = False) -> nn.Module:
    """Freeze everything except the submodule at the dotted path `head`.

    - `head` is a dotted path such as "fc", "classifier.6" (a child of a Sequential),
      "heads.head" or "net.head.fc". A path that names no submodule (a typo, a mere
      prefix of a name, a parameter such as "fc.weight") raises ValueError. Whether
      "" (the model itself) is refused is yours.
    - Afterwards only the head's parameters are trainable, even if they were frozen before.
    - train_bn=False: BatchNorm layers outside the head behave as in inference: in train
      mode they normalise with their running statistics and never update them, also after
      a later `model.train()`. BatchNorm inside the head trains normally.
    - train_bn=True (fastai's default): the weight and bias of normalisation layers
      (BatchNorm*, SyncBatchNorm, InstanceNorm*, LayerNorm, GroupNorm) stay trainable and
      BatchNorm trains normally; every other backbone parameter, conv biases included, is
      frozen.
    - Modify the model in place and return the same object. Swapping backbone BatchNorm
      modules for frozen equivalents (as timm does) is allowed, as long as `unfreeze`
      can undo it.
    """
    raise NotImplementedError


def unfreeze(model: nn.Module) -> nn.Module:
    """Make every parameter trainable and give every BatchNorm its normal training behaviour
    back (batch statistics and running-statistics updates in train mode, with its original
    settings), whatever `freeze_backbone` did to it, even if it was called twice.
    Modify the model in place and return the same object."""
    raise NotImplementedError


def count_trainable(model: nn.Module) -> int:
    """The number of trainable scalar parameters (not tensors): frozen parameters do not
    count, and a parameter shared by two modules counts once."""
    raise NotImplementedError
