"""Checking tensors in checks: closeness in float64 and a short description of the gap (in
English or Chinese, for the two halves of `say`), and what a function returned: a tensor,
0-dim or of a given shape, differentiable, with gradients close to a reference."""

from __future__ import annotations

import numpy as np
import torch

from grader.authoring.checks import say


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


def expect_close(got: torch.Tensor, want: torch.Tensor, en: str, zh: str, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    """Assert `close(got, want)`; the message is `en` or `zh` followed by the gap."""
    assert close(got, want, atol, rtol), say(f"{en}; {gap(got, want)}", f"{zh}；{gap(got, want, 'zh')}")


def tensor_out(out, fn: str) -> torch.Tensor:
    assert isinstance(out, torch.Tensor), say(f"expected {fn} to return a torch.Tensor, got {type(out).__name__}",
                                              f"{fn} 应返回 torch.Tensor，实际返回了 {type(out).__name__}")
    return out


def scalar(out, fn: str) -> float:
    out = tensor_out(out, fn)
    assert out.dim() == 0, say(f"expected {fn} to return a 0-dim tensor, got shape {tuple(out.shape)}",
                               f"{fn} 应返回 0 维张量，实际形状为 {tuple(out.shape)}")
    value = float(out.detach().cpu().double())
    assert np.isfinite(value), say(f"expected a finite value from {fn}, got {value}", f"{fn} 的值应为有限数，实际为 {value}")
    return value


def vector(out, fn: str, length: int) -> np.ndarray:
    out = tensor_out(out, fn)
    assert out.shape == (length,), say(f"expected {fn} to return shape ({length},), got {tuple(out.shape)}",
                                       f"{fn} 返回的形状应为 ({length},)，实际为 {tuple(out.shape)}")
    return out.detach().cpu().double().numpy()


def numpy64(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().double().numpy()


def leaf(data: torch.Tensor, device) -> torch.Tensor:
    return data.to(device).requires_grad_(True)


def gradients_of(out, inputs: dict[str, torch.Tensor], fn: str) -> dict[str, np.ndarray]:
    scalar(out, fn)
    assert out.requires_grad, say(
        f"expected {fn}'s result to be differentiable, but it has no grad_fn (detached, .item(), numpy or no_grad?)",
        f"{fn} 的结果应当可微，但它没有 grad_fn（是不是 detach 了、用了 .item()、numpy 或 no_grad？）")
    grads = torch.autograd.grad(out.sum(), list(inputs.values()), allow_unused=True)
    for which, grad in zip(inputs, grads):
        assert grad is not None, say(f"expected a gradient with respect to {which}, got None (is it used through autograd?)",
                                     f"对 {which} 的梯度应存在，实际为 None（它有没有经过 autograd 参与计算？）")
    return {which: numpy64(grad) for which, grad in zip(inputs, grads)}


def assert_gradients(grads: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    for name, want in expected.items():
        got, top, largest = grads[name], np.abs(want).max(), np.abs(grads[name] - want).max()
        assert np.allclose(got, want, rtol=1e-3, atol=1e-6), say(
            f"gradient w.r.t. {name} differs from the reference by up to {largest:.3g} (largest reference entry {top:.3g})",
            f"对 {name} 的梯度与参考值最多相差 {largest:.3g}（参考值中绝对值最大的元素为 {top:.3g}）")
