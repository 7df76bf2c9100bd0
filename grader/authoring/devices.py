"""Device correctness without a GPU: inputs that live "elsewhere".

`elsewhere(x)` wraps a CPU tensor (or every parameter and buffer of a module) in a tensor
that holds the same data but reports the `lazy` device (unused otherwise, and not `meta`,
which torch's own code special-cases), as a CUDA tensor reports `cuda`. Inside
`another_device()` (a TorchDispatchMode) every aten op runs on the real CPU data and its
results follow their inputs: an op on wrapped tensors returns wrapped tensors, and a
factory call given `device=x.device` returns one too. What CUDA refuses is refused: an op
that mixes a wrapped tensor with a CPU tensor of one or more dimensions (one created
without `device=`), or writes a wrapped tensor into a CPU one, raises `DeviceMismatch`
naming the op. CUDA's exceptions are kept: CPU scalars (0-dim) as inputs, CPU index
tensors, and copies across devices (`.to`, `copy_`); NumPy conversion fails as on CUDA.

A check can run a candidate's function on such inputs on any machine, then ask
`on_elsewhere(result)` and compare `here(result)` with the CPU answer. Not modelled: code
that branches on `x.is_cuda`, and a `Generator` imported by name before the check."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

FAKE = torch.device("lazy")
_aten = torch.ops.aten
_COPIES = {_aten.copy_.default, _aten._to_copy.default, _aten.copy.default}
_FROM_DATA = {torch.tensor, torch.as_tensor, torch.asarray}
_INTERCEPTED = _FROM_DATA | {torch.Tensor.new_tensor, torch.Tensor.tolist, torch.Tensor.numpy, torch.Tensor.__array__}
_INDEXING = {_aten.index.Tensor, _aten.index_put.default, _aten.index_put_.default,
             _aten._index_put_impl_.default, _aten._unsafe_index.Tensor, _aten._unsafe_index_put.default}


class DeviceMismatch(RuntimeError):
    """An op mixed a tensor on the input's device with a CPU tensor; on CUDA it would raise."""


class Elsewhere(torch.Tensor):
    """CPU data that reports `FAKE` as its device."""

    @staticmethod
    def __new__(cls, data: torch.Tensor):
        wrapper = torch.Tensor._make_wrapper_subclass(
            cls, data.shape, strides=data.stride(), storage_offset=data.storage_offset(), dtype=data.dtype,
            layout=data.layout, device=FAKE, requires_grad=data.requires_grad)
        wrapper.cpu_data = data
        return wrapper

    def __repr__(self, *, tensor_contents=None) -> str:
        return f"Elsewhere({self.cpu_data!r})"

    def __deepcopy__(self, memo):
        copy = Elsewhere(self.cpu_data.clone()).requires_grad_(self.requires_grad)
        if getattr(self, "_is_param", False):
            copy._is_param = True
        memo[id(self)] = copy
        return copy

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        with _DeviceMode():
            return func(*args, **(kwargs or {}))


def _is_fake(device) -> bool:
    return device is not None and torch.device(device).type == FAKE.type


class _CreationMode(TorchFunctionMode):
    """Python-level creation from data (`torch.tensor(data, device=x.device)`, `x.new_tensor`,
    `x.tolist()`) bypasses the dispatcher's mode, so it is redirected here."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func not in _INTERCEPTED:
            return func(*args, **kwargs)
        if func in _FROM_DATA:
            if not _is_fake(kwargs.get("device")) or isinstance(args[0], Elsewhere):
                return func(*args, **kwargs)
            return Elsewhere(func(*args, **dict(kwargs, device="cpu")))
        if not isinstance(args[0], Elsewhere):
            return func(*args, **kwargs)
        if func is torch.Tensor.new_tensor and (kwargs.get("device") is None or _is_fake(kwargs["device"])):
            return Elsewhere(args[0].cpu_data.new_tensor(*args[1:], **dict(kwargs, device="cpu")))
        if func is torch.Tensor.tolist:
            return args[0].cpu_data.tolist()
        if func in (torch.Tensor.numpy, torch.Tensor.__array__):
            raise TypeError("can't convert a tensor on another device to numpy; use Tensor.cpu() first")
        return func(*args, **kwargs)


def _mismatch(func, t: torch.Tensor) -> DeviceMismatch:
    return DeviceMismatch(f"{func.__name__} mixes a tensor on the input's device with a CPU tensor of shape "
                          f"{tuple(t.shape)}; on a GPU that raises (created without device=...?)")


_WRITES_FIRST: dict = {}


def _writes_first(func) -> bool:
    """Whether the op writes into its first argument (add_, index_put_, out= ...)."""
    if func not in _WRITES_FIRST:
        schema = func._schema.arguments
        _WRITES_FIRST[func] = bool(schema) and schema[0].alias_info is not None and schema[0].alias_info.is_write
    return _WRITES_FIRST[func]


_META = torch._C.DispatchKeySet(torch._C.DispatchKey.Meta)


def _sync_metadata(wrapper: Elsewhere) -> Elsewhere:
    """After an in-place op that changed the data's shape (squeeze_, t_, ...), give the
    wrapper the same shape and strides."""
    data = wrapper.cpu_data
    if wrapper.shape != data.shape or wrapper.stride() != data.stride():
        torch.ops.aten.as_strided_.default.redispatch(_META, wrapper, data.shape, data.stride(), data.storage_offset())
    return wrapper


class _Unwrapped:
    """An op's arguments with the wrapped tensors replaced by their CPU data (aten
    arguments nest at most one list deep)."""

    __slots__ = ("originals", "cpu_in")

    def __init__(self):
        self.originals: dict[int, Elsewhere] = {}
        self.cpu_in: list[torch.Tensor] = []

    def one(self, x, counts: bool = True):
        if isinstance(x, Elsewhere):
            self.originals[id(x.cpu_data)] = x
            return x.cpu_data
        if counts and isinstance(x, torch.Tensor) and x.dim() > 0:
            self.cpu_in.append(x)
        return x

    def many(self, values, counts: bool = True):
        return [[self.one(v, counts) for v in x] if isinstance(x, (list, tuple)) else self.one(x, counts)
                for x in values]


class _DeviceMode(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        u = _Unwrapped()
        if func in _INDEXING:  # CUDA takes CPU index tensors, not a CPU tensor indexed by GPU ones
            first = u.one(args[0])
            indices = u.many(args[1] or [], counts=False)
            args = [first, indices, *u.many(args[2:])]
            if u.originals and id(first) not in u.originals:
                raise _mismatch(func, first)
        else:
            args = u.many(args)
        kwargs = dict(zip(kwargs, u.many(kwargs.values()))) if kwargs else {}
        device = kwargs.get("device")
        wants_fake = _is_fake(device)
        if wants_fake:
            kwargs["device"] = torch.device("cpu")
        fake_in = bool(u.originals)
        if func in _COPIES:
            to_fake = wants_fake or (fake_in and device is None)
        else:
            if fake_in and u.cpu_in:
                raise _mismatch(func, u.cpu_in[0])
            if fake_in and _writes_first(func) and isinstance(args[0], torch.Tensor) and id(args[0]) not in u.originals:
                raise _mismatch(func, args[0])
            to_fake = fake_in or wants_fake
        out = func(*args, **kwargs)

        def wrap(t):
            if not isinstance(t, torch.Tensor):
                return t
            if id(t) in u.originals:  # an in-place op returns its argument
                return _sync_metadata(u.originals[id(t)])
            return Elsewhere(t) if to_fake else t

        if isinstance(out, (list, tuple)):
            return type(out)(wrap(t) for t in out)
        return wrap(out)


class _Generator(torch.Generator):
    """`torch.Generator(device=x.device)` for the other device: a CPU generator, as the
    ops that take it run on the CPU data."""

    def __new__(cls, device=None):
        return torch._C.Generator.__new__(cls, "cpu" if _is_fake(device) else (device or "cpu"))


@contextlib.contextmanager
def another_device() -> Iterator[torch.device]:
    """Run the body with tensors from `elsewhere` behaving like tensors on another device;
    yields that device (what `x.device` reports)."""
    generator, torch.Generator = torch.Generator, _Generator
    try:
        with _CreationMode(), _DeviceMode():
            yield FAKE
    finally:
        torch.Generator = generator


def elsewhere(obj):
    """`obj` on the other device: a tensor (a new leaf sharing a CPU tensor's data,
    requires_grad kept), a module (moved in place), or a list/tuple/dict of those."""
    if isinstance(obj, nn.Module):
        with another_device():
            return obj.to(FAKE)
    if isinstance(obj, Elsewhere):
        return obj
    if isinstance(obj, torch.Tensor):
        return Elsewhere(obj.detach().cpu()).requires_grad_(obj.requires_grad)
    if isinstance(obj, (list, tuple, dict)):
        return tree_map(elsewhere, obj, is_leaf=lambda x: isinstance(x, (nn.Module, torch.Tensor)))
    return obj


def on_elsewhere(t) -> bool:
    """Whether `t` is a tensor on the other device."""
    return isinstance(t, Elsewhere)


def here(obj):
    """The CPU data of a tensor (or of each tensor in a list/tuple/dict), detached."""
    return tree_map(lambda t: (t.cpu_data if isinstance(t, Elsewhere) else t).detach()
                    if isinstance(t, torch.Tensor) else t, obj)


@contextlib.contextmanager
def mismatch_fails(what: str) -> Iterator[torch.device]:
    """`another_device()` in which a device mismatch becomes an AssertionError naming `what`,
    for a check's message."""
    try:
        with another_device() as device:
            yield device
    except DeviceMismatch as exc:
        raise AssertionError(f"{what} on inputs of another device (as on a GPU): {exc}") from None


def call_elsewhere(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` inside `mismatch_fails`, every tensor and module among the
    arguments moved to the other device first (modules in place)."""
    args, kwargs = elsewhere(list(args)), elsewhere(kwargs)
    with mismatch_fails(getattr(fn, "__name__", "the function")):
        return fn(*args, **kwargs)


def assert_elsewhere(t, what: str) -> None:
    """Fail unless `t` is a tensor on the other device."""
    assert isinstance(t, torch.Tensor), f"expected {what} to be a tensor, got {type(t).__name__}"
    assert on_elsewhere(t), (
        f"expected {what} on the inputs' device, got a tensor on {t.device} (created without device=?)"
    )
