"""Q4: where is transfer learning applied today? Fine-tuning large pretrained models with LoRA.

Language models, vision transformers and speech models are adapted to new tasks by
fine-tuning, and for large models that mostly means parameter-efficient fine-tuning:
LoRA (Hu et al. 2021) keeps every pretrained weight W frozen and learns a low-rank update
W + B A * alpha / r in a few chosen Linear layers. Implement the layer, the function that
puts it into a model, saving and loading just the adapter, and merging it for deployment.

Out of scope: parameters that are not Linear modules (nn.MultiheadAttention's
`in_proj_weight`), and modules that read a child Linear's weight directly instead of
calling it (nn.MultiheadAttention's `out_proj`, nn.TransformerEncoderLayer's fast path):
wrapping such a child changes nothing they compute. The models here call their Linear
layers.

Devices: a model, its layers and their inputs may be on the CPU or a GPU (CUDA), all on one
device; lora_A, lora_B, a merged Linear and every tensor you create go on `base.weight`'s
device (and dtype).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update.

    `LoRALinear(base, r, *, alpha=None, dropout=0.0)`:
    - `base` is an existing nn.Linear (subclasses included), kept as `self.base`: the same
      object, not a copy, with its weight and bias frozen (`requires_grad=False`).
    - `self.lora_A`: an nn.Parameter of shape (r, in_features), initialised as PEFT does,
      `nn.init.kaiming_uniform_` with a=sqrt(5) (uniform in +-1/sqrt(in_features)).
    - `self.lora_B`: an nn.Parameter of shape (out_features, r), zeros. So a fresh
      LoRALinear computes exactly what `base` computes.
    - Both on `base.weight`'s device and dtype (float64 and bfloat16 layers included),
      both trainable.
    - The update is scaled by `alpha / r`; `alpha=None` means alpha = r (scaling 1).
    - `dropout` is the probability of an nn.Dropout applied to the input of the LoRA
      branch only (active in train mode, off in eval mode).
    - `r < 1`, or a `base` that is not an nn.Linear: ValueError.

    Only the names `base`, `lora_A` and `lora_B` are part of the contract; any other
    attribute (a merged flag, the scaling) is yours.
    """

    def __init__(self, base: nn.Linear, r: int, *, alpha: float | None = None, dropout: float = 0.0):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`base(x) + dropout(x) @ lora_A.T @ lora_B.T * alpha / r` for x of shape
        (..., in_features): any number of leading dimensions, a 1-D x of shape
        (in_features,) and an empty batch (0, in_features) included. Call `self.base(x)`
        (a subclass of nn.Linear may compute its output its own way). When merged, just
        `self.base(x)`."""
        raise NotImplementedError

    def merge(self) -> None:
        """Fold `lora_B @ lora_A * alpha / r` into `base.weight` (in place, without
        autograd) so that forward is just `base(x)`. Merging a merged layer changes
        nothing. In eval mode the outputs are the same merged or not."""
        raise NotImplementedError

    def unmerge(self) -> None:
        """Undo `merge()`: `base.weight` is back to its value before merging (up to float
        rounding) and forward adds the LoRA branch again. Unmerging a layer that is not
        merged changes nothing."""
        raise NotImplementedError


def apply_lora(model: nn.Module, targets: Iterable[str] | str, r: int, *, alpha: float | None = None,
               dropout: float = 0.0) -> list[str]:
    """Put LoRA into `model`, in place, and return the dotted names of the layers replaced.

    - Every nn.Linear (subclasses included) whose dotted name's last component is one of
      `targets` is replaced by `LoRALinear(layer, r, alpha=alpha, dropout=dropout)`.
      Matching is exact on the last component: "q_proj" matches "layers.0.attn.q_proj",
      not "layers.0.attn.q_proj2", not "xq_proj", and a module named "q_proj" that is not
      an nn.Linear is left alone.
    - `targets` is an iterable of names (a list, a set, a generator...); a single str
      counts as one name, not as its characters.
    - Afterwards every parameter of the model except the LoRA parameters is frozen
      (`requires_grad=False`), so an optimiser over the model changes only lora_A and
      lora_B, r * (in_features + out_features) trainable numbers per replaced layer.
    - Returns the replaced names in `model.named_modules()` order.
    - A Linear registered under several names (shared or tied) is one layer: wrap it once
      and put that one LoRALinear under each of its names, so the sharing is kept; it is
      listed under its first name (as named_modules() reports it).
    - Nothing matched: ValueError whose message lists the names of the model's Linear
      layers, so the caller can fix `targets`.
    """
    raise NotImplementedError


def lora_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """Only the LoRA parameters, under their `model.named_parameters()` names (ending in
    ".lora_A" / ".lora_B"), as detached copies: tensors that do not require grad and share
    no memory with the model (training on after saving does not change what was saved)."""
    raise NotImplementedError


def load_lora_state_dict(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Copy the values of `state` (as `lora_state_dict` returns it) into the model's LoRA
    parameters, in place: the same Parameter objects (an optimiser holding them keeps
    working), no memory shared with `state` afterwards. A key that is not a LoRA parameter
    of the model, a LoRA parameter missing from `state`, or a tensor of the wrong shape:
    ValueError."""
    raise NotImplementedError


def merge_lora(model: nn.Module) -> nn.Module:
    """For deployment: replace, in place, every LoRALinear in `model` by an nn.Linear
    holding the merged weight `W + B A * alpha / r` and the base's bias (a new plain
    nn.Linear on the same device and dtype, or the base module itself once merged).
    Outputs in eval mode do not change, also for a layer already merged with `merge()`
    and for a LoRALinear registered under several names. Returns `model`, or the
    replacement when `model` itself is a LoRALinear. Whether the merged layers train is
    yours to decide."""
    raise NotImplementedError
