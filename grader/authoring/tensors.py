"""Comparing tensors in checks: closeness in float64 and a short description of the gap,
in English or Chinese (for the two halves of `say`)."""

from __future__ import annotations

import torch


def close(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-5, rtol: float = 1e-5) -> bool:
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), atol=atol, rtol=rtol)


def gap(a: torch.Tensor, b: torch.Tensor, lang: str = "en") -> str:
    """How `a` differs from `b`: another shape, or the largest absolute difference."""
    zh = lang == "zh"
    if a.shape != b.shape:
        return f"形状是 {tuple(a.shape)}，应为 {tuple(b.shape)}" if zh else f"shape {tuple(a.shape)} instead of {tuple(b.shape)}"
    if not a.numel():
        return "张量为空" if zh else "empty"
    largest = (a.double() - b.double()).abs().max().item()
    return f"最大差值 {largest:.3g}" if zh else f"largest difference {largest:.3g}"
