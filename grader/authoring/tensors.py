"""Comparing tensors in checks: closeness in float64 and a short description of the gap."""

from __future__ import annotations

import torch


def close(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-5, rtol: float = 1e-5) -> bool:
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), atol=atol, rtol=rtol)


def gap(a: torch.Tensor, b: torch.Tensor) -> str:
    if a.shape != b.shape:
        return f"shape {tuple(a.shape)} instead of {tuple(b.shape)}"
    return f"largest difference {(a.double() - b.double()).abs().max().item():.3g}" if a.numel() else "empty"
