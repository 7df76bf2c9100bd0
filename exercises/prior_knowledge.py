"""Pretrained weights as a prior: the L2-SP penalty (question 5).

Plain weight decay pulls every weight toward zero, which throws away what the source task
taught the backbone. L2-SP (Li et al., 2018) pulls the transferred weights toward their
pretrained values w0 instead, a Gaussian prior centred on w0, so fine-tuning becomes MAP
estimation. New layers have no w0 and keep ordinary weight decay. Add it to the task loss.

Devices: the model and `pretrained_state` may be on the CPU or a GPU (CUDA), both on one
device; the penalty and its gradients are on that device.
"""

from __future__ import annotations

import torch
from torch import nn


def l2_sp_penalty(
    model: nn.Module,
    pretrained_state: dict[str, torch.Tensor],
    *,
    head: str,
    alpha: float = 0.01,
    beta: float = 0.01,
) -> torch.Tensor:
    """The L2-SP penalty of `model` with respect to the pretrained weights.

        alpha / 2 * sum ||w - w0||^2   over the model's parameters outside `head` that
                                       have an entry w0 in `pretrained_state`
      + beta / 2 * sum ||w||^2         over every other parameter: the head and any new
                                       layer without an entry

    - `head` is the dotted path of the new head's submodule ("fc", "classifier.6",
      "heads.head"); the head is never pulled toward pretrained weights, even when
      `pretrained_state` holds entries under that name. "fc" is not "fc2".
    - Parameters are matched to `pretrained_state` by their names in `named_parameters()`;
      `pretrained_state` may be a full state_dict: buffers (BatchNorm running statistics)
      are not parameters and are not penalised.
    - Sums, not means, over every element; every parameter counts, trainable or frozen.

    Returns a 0-dim tensor on the model's device, differentiable with respect to the
    model's parameters (gradient alpha * (w - w0) and beta * w). Its alpha term is zero
    when the model holds exactly the pretrained weights. `pretrained_state` is only read:
    never modified and given no gradient, even if its tensors require grad or share
    memory with the model.
    """
    raise NotImplementedError
