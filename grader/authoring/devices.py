"""Device correctness without a GPU: inputs that live "elsewhere".

`elsewhere(x)` wraps a CPU tensor (or every parameter and buffer of a module) in a tensor
that holds the same data but reports the `lazy` device (unused otherwise, and not `meta`,
which torch's own code special-cases), as a CUDA tensor reports `cuda`. Inside
`another_device()` (a TorchFunctionMode for the Python-level calls and a TorchDispatchMode
for every aten op) each op runs on the real CPU data, its results follow their inputs, and
what CUDA refuses raises `DeviceMismatch` naming the op.

The rules, each as CUDA has it (PyTorch's own source, cited by file):

Refused, as on CUDA
- An op mixing a tensor of the other device with a CPU tensor of one or more dimensions:
  "Expected all tensors to be on the same device" (aten/src/ATen/TensorIterator.cpp,
  `compute_types`; the same check in cat, mm, index_select, gather, nll_loss, ...).
- An op writing into a CPU tensor from tensors of the other device, a 0-dim CPU output
  included (`cpu_zero.add_(x.sum())`): outputs take part in the common-device check and
  the CPU-scalar exception is for inputs only (TensorIterator.cpp, `!op.is_output`).
- A 0-dim CPU tensor where the op has no CPU-scalar exception: cat and stack (stack cats
  the unsqueezed tensors), matmul, index_select, addcmul/addcdiv, clamp with tensor bounds
  (aten/src/ATen/native/TensorCompare.cpp, CLAMP_CONFIG has no allow_cpu_scalars), and a
  second CPU scalar in one op ("Trying to pass too many CPU scalars to non-CPU kernel!").
- Indexing a CPU tensor with indices of the other device ("indices should be either on cpu
  or on the same device as the indexed tensor", aten/src/ATen/native/TensorAdvancedIndexing.cpp),
  or writing values of one or more dimensions from one device into a tensor of the other.
- `.numpy()` and `np.asarray(t)`: "can't convert cuda:0 device type tensor to numpy. Use
  Tensor.cpu() to copy the tensor to host memory first." (torch/csrc/utils/tensor_numpy.cpp).

Allowed, as on CUDA
- One 0-dim CPU tensor as an input of a binary or comparison op (add, mul, div, pow, eq,
  maximum, clamp_min ...: BINARY_OP_CONFIG and set_up_comparison_op_config set
  allow_cpu_scalars, at most one per op, TensorIterator.cpp) and of lerp with a tensor
  weight (aten/src/ATen/native/Lerp.cpp).
- 0-dim CPU tensors anywhere in torch.where (`where_self_out` moves them,
  TensorCompare.cpp), as masked_fill's value (masked_fill__cuda calls value.item(),
  aten/src/ATen/native/cuda/Indexing.cu), as fill_'s value in either direction
  (aten/src/ATen/native/Fill.cpp), and as index_put_'s value in either direction
  (`value.to(self.device())` for a 0-dim value, TensorAdvancedIndexing.cpp).
- CPU index tensors for a tensor of the other device (`x[cpu_idx]`, `x[cpu_idx] = v`):
  advanced indexing moves them (TensorAdvancedIndexing.cpp).
- Copies across devices: `.to(device)`, `.to(other_tensor)`, `.cpu()`, `copy_` (either way).
- Factories given `device=x.device` (zeros, arange, randn, randperm, full, eye, empty ...),
  `*_like` and `x.new_*` follow their input unless given another device; `torch.tensor(data,
  device=x.device)`, `x.new_tensor(data)`; `torch.tensor(x)` keeps x's device; `torch.tensor`
  of a list of 0-dim tensors of the other device reads their values and makes a CPU tensor.
- `.item()`, `.tolist()`, `float(x)`, `bool(x)`: values come back to the host.
- `p.data = p.data.to(device)` (and back to the CPU): `set_data` accepts a tensor of
  another device because CPU and CUDA are "compatible shallow-copy types"
  (c10/core/TensorImpl.h, has_compatible_shallow_copy_type). The object `p` keeps its
  identity, its requires_grad and its place in the module and the optimizer.
- `module.to(device)` keeps each Parameter object (torch/nn/modules/module.py, `_apply`:
  `param.data = ...` on CUDA, swap_tensors here), so an optimizer built before the move
  still holds the model's parameters; buffers are replaced by moved copies on both.
- Optimizer state follows its parameter (`torch.zeros_like(p)`), Adam's `step` is a CPU
  scalar on CUDA as here (torch/optim/adam.py, capturable=False).
- `torch.Generator(device=x.device)`: a CPU generator here, which the ops that take it use.

A check can run a candidate's function on such inputs on any machine, then ask
`on_elsewhere(result)` and compare `here(result)` with the CPU answer. Not modelled: code
that branches on `x.is_cuda` or `torch.cuda.is_available()`, random numbers (drawn from the
CPU generator, not CUDA's), a `Generator` imported by name before the check, and a gradient
that already exists when `p.data` moves (it moves along here).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

from grader.authoring.checks import say

FAKE = torch.device("lazy")
_aten = torch.ops.aten
_COPIES = {_aten.copy_.default, _aten._to_copy.default, _aten.copy.default}
_FROM_DATA = {torch.tensor, torch.as_tensor, torch.asarray}
_SET_DATA = torch.Tensor.data.__set__
_INTERCEPTED = _FROM_DATA | {torch.Tensor.new_tensor, torch.Tensor.tolist, torch.Tensor.numpy, torch.Tensor.__array__}
_INDEXING = {_aten.index.Tensor, _aten.index_put.default, _aten.index_put_.default,
             _aten._index_put_impl_.default, _aten._unsafe_index.Tensor, _aten._unsafe_index_put.default}
_VALUE_READ = {_aten.fill_.Tensor, _aten.fill.Tensor}  # value.item(): any device, either way
_ANY_CPU_SCALARS = {_aten.where.self, _aten.where.self_out, _aten.masked_fill.Tensor, _aten.masked_fill_.Tensor} | _VALUE_READ
_ONE_CPU_SCALAR = {_aten.lerp.Tensor, _aten.lerp_.Tensor, _aten.rsub.Tensor, _aten.floor_divide.default,
                   _aten.floor_divide_.Tensor, _aten.mse_loss.default}
_NO_CPU_SCALAR = {_aten.masked_fill.Scalar, _aten.masked_fill_.Scalar}


class DeviceMismatch(RuntimeError):
    """An op mixed a tensor on the input's device with a CPU tensor; on CUDA it would raise."""


class Elsewhere(torch.Tensor):
    """CPU data that reports `FAKE` as its device. A traceable wrapper subclass (it names its
    inner tensor), so `nn.Module._apply` swaps it into the existing Parameter objects."""

    @staticmethod
    def __new__(cls, data: torch.Tensor):
        wrapper = torch.Tensor._make_wrapper_subclass(
            cls, data.shape, strides=data.stride(), storage_offset=data.storage_offset(), dtype=data.dtype,
            layout=data.layout, device=FAKE, requires_grad=data.requires_grad)
        wrapper.cpu_data = data
        return wrapper

    def __repr__(self, *, tensor_contents=None) -> str:
        return f"Elsewhere({self.cpu_data!r})"

    def __tensor_flatten__(self):
        return ["cpu_data"], None

    @staticmethod
    def __tensor_unflatten__(inner, meta, outer_size, outer_stride):
        return Elsewhere(inner["cpu_data"])

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


def _values(data):
    """`data` with each tensor of the other device replaced by its CPU data (what
    torch.tensor reads from a list of CUDA scalars: their values)."""
    if isinstance(data, Elsewhere):
        return data.cpu_data
    if isinstance(data, (list, tuple)):
        return type(data)(_values(d) for d in data)
    return data


class _CreationMode(TorchFunctionMode):
    """Python-level creation from data (`torch.tensor(data, device=x.device)`, `x.new_tensor`,
    `x.tolist()`) and `t.data = ...` bypass the dispatcher's mode, so they are redirected here."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func == _SET_DATA:
            return _set_data(*args)
        if func not in _INTERCEPTED:
            return func(*args, **kwargs)
        if func in _FROM_DATA:
            if isinstance(args[0], Elsewhere):
                return func(*args, **kwargs)
            data = _values(args[0])
            if not _is_fake(kwargs.get("device")):
                return func(data, *args[1:], **kwargs)
            return Elsewhere(func(data, *args[1:], **dict(kwargs, device="cpu")))
        if not isinstance(args[0], Elsewhere):
            return func(*args, **kwargs)
        if func is torch.Tensor.new_tensor and (kwargs.get("device") is None or _is_fake(kwargs["device"])):
            return Elsewhere(args[0].cpu_data.new_tensor(*args[1:], **dict(kwargs, device="cpu")))
        if func is torch.Tensor.tolist:
            return args[0].cpu_data.tolist()
        if func in (torch.Tensor.numpy, torch.Tensor.__array__):
            raise TypeError(f"can't convert {FAKE} device type tensor to numpy. Use Tensor.cpu() to copy the "
                            "tensor to host memory first.")
        return func(*args, **kwargs)


def _set_data(t: torch.Tensor, value: torch.Tensor) -> None:
    """`t.data = value` where one side is on the other device: CUDA accepts it (CPU and
    CUDA are compatible shallow-copy types); here the object `t` gets a tensor on value's
    device swapped in, keeping its identity, requires_grad, Parameter-ness and attributes."""
    if not isinstance(t, Elsewhere) and not isinstance(value, Elsewhere):
        return torch._C.TensorBase.data.__set__(t, value)
    grad, t.grad = t.grad, None
    new = Elsewhere(value.cpu_data) if isinstance(value, Elsewhere) else value.detach()
    if isinstance(t, nn.Parameter) and not isinstance(new, Elsewhere):
        new = nn.Parameter(new, requires_grad=t.requires_grad)
    else:
        new.requires_grad_(t.requires_grad)
    attributes = {k: v for k, v in vars(t).items() if k != "cpu_data"}
    if isinstance(t, nn.Parameter):
        attributes["_is_param"] = True
    vars(new).update(attributes if isinstance(new, Elsewhere) else {k: v for k, v in attributes.items()
                                                                     if k != "_is_param"})
    try:
        torch.utils.swap_tensors(t, new)
    except RuntimeError as exc:
        raise RuntimeError(f"t.data = ... across devices could not be emulated here ({exc})") from None
    if grad is not None:
        t.grad = grad.to(t.device)


def _mismatch(func, t: torch.Tensor) -> DeviceMismatch:
    what = "CPU scalar" if t.dim() == 0 else f"CPU tensor of shape {tuple(t.shape)}"
    what_zh = "CPU 标量" if t.dim() == 0 else f"形状为 {tuple(t.shape)} 的 CPU 张量"
    mismatch = DeviceMismatch(f"{func.__name__} mixes a tensor on the input's device with a {what}; on a GPU that "
                              "raises (created without device=...?)")
    mismatch.zh = f"{func.__name__} 把输入所在设备上的张量和{what_zh}混在一起运算；在 GPU 上会报错（创建时没有传 device=？）"
    return mismatch


_WRITTEN: dict = {}


def _written(func) -> tuple[list[int], list[str]]:
    """The positions and keyword names of the arguments the op writes into (add_'s self,
    out=, index_put_'s self ...)."""
    if func not in _WRITTEN:
        positions, names = [], []
        for i, arg in enumerate(func._schema.arguments):
            if arg.alias_info is not None and arg.alias_info.is_write:
                (names if arg.kwarg_only else positions).append(arg.name if arg.kwarg_only else i)
        _WRITTEN[func] = positions, names
    return _WRITTEN[func]


_SCALARS_ALLOWED: dict = {}


def _cpu_scalars_allowed(func) -> float:
    """How many 0-dim CPU inputs CUDA accepts next to tensors on the GPU in `func`."""
    if func not in _SCALARS_ALLOWED:
        tensors = sum("Tensor" in str(a.type) and not a.kwarg_only for a in func._schema.arguments)
        if func in _ANY_CPU_SCALARS:
            allowed = math.inf
        elif func in _ONE_CPU_SCALAR or (func not in _NO_CPU_SCALAR and torch.Tag.pointwise in func.tags
                                         and tensors == 2):
            allowed = 1
        else:
            allowed = 0
        _SCALARS_ALLOWED[func] = allowed
    return _SCALARS_ALLOWED[func]


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
    arguments nest at most one list deep), and the plain CPU tensors met on the way."""

    __slots__ = ("originals", "cpu_in", "plain")

    def __init__(self):
        self.originals: dict[int, Elsewhere] = {}
        self.cpu_in: list[torch.Tensor] = []
        self.plain: set[int] = set()

    def one(self, x, counts: bool = True):
        if isinstance(x, Elsewhere):
            self.originals[id(x.cpu_data)] = x
            return x.cpu_data
        if isinstance(x, torch.Tensor):
            self.plain.add(id(x))
            if counts:
                self.cpu_in.append(x)
        return x

    def many(self, values, counts: bool = True):
        return [[self.one(v, counts) for v in x] if isinstance(x, (list, tuple)) else self.one(x, counts)
                for x in values]


def _check_indexing(func, args, u: _Unwrapped) -> None:
    """CPU indices are fine for a tensor on the GPU; indices on the GPU are not for a CPU
    tensor; a value of one or more dimensions must be on the indexed tensor's device."""
    first, indices, value = args[0], [i for i in (args[1] or []) if isinstance(i, torch.Tensor)], args[2:3]
    on_fake = id(first) in u.originals
    if not on_fake and any(id(i) in u.originals for i in indices):
        raise _mismatch(func, first)
    value = value[0] if value else None
    if isinstance(value, torch.Tensor) and value.dim() > 0 and (id(value) in u.originals) != on_fake:
        raise _mismatch(func, value if on_fake else first)


def _check_mixing(func, args, kwargs, u: _Unwrapped) -> None:
    positions, names = _written(func)
    written = [args[i] for i in positions if i < len(args)] + [kwargs[n] for n in names if n in kwargs]
    for out in written:
        if isinstance(out, torch.Tensor) and id(out) not in u.originals and func not in _VALUE_READ:
            raise _mismatch(func, out)
    inputs = [t for t in u.cpu_in if not any(t is w for w in written)]
    for t in inputs:
        if t.dim() > 0:
            raise _mismatch(func, t)
    if len(inputs) > _cpu_scalars_allowed(func):
        raise _mismatch(func, inputs[0])


class _DeviceMode(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        u = _Unwrapped()
        if func in _INDEXING:
            args = [u.one(args[0], counts=False), u.many(args[1] or [], counts=False), *u.many(args[2:], counts=False)]
        else:
            args = u.many(args)
        kwargs = dict(zip(kwargs, u.many(kwargs.values()))) if kwargs else {}
        device = kwargs.get("device")
        wants_fake = _is_fake(device)
        if wants_fake:
            kwargs["device"] = torch.device("cpu")
        fake_in = bool(u.originals)
        if fake_in and func in _INDEXING:
            _check_indexing(func, args, u)
        elif fake_in and func not in _COPIES:
            _check_mixing(func, args, kwargs, u)
        to_fake = wants_fake or (fake_in and device is None)
        if func in _INDEXING or func in _VALUE_READ:
            to_fake = id(args[0]) in u.originals
        out = func(*args, **kwargs)

        def wrap(t):
            if not isinstance(t, torch.Tensor):
                return t
            if id(t) in u.originals:  # an in-place op returns its argument
                return _sync_metadata(u.originals[id(t)])
            if id(t) in u.plain:  # ... a CPU one (copy_ into a CPU tensor)
                return t
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
    requires_grad kept), a module (moved in place, its Parameter objects kept), or a
    list/tuple/dict of those."""
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
        raise AssertionError(say(f"{what} on inputs of another device (as on a GPU): {exc}",
                                 f"{what} 在另一设备（如 GPU）的输入上出错：{getattr(exc, 'zh', exc)}")) from None


def call_elsewhere(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` inside `mismatch_fails`, every tensor and module among the
    arguments moved to the other device first (modules in place)."""
    args, kwargs = elsewhere(list(args)), elsewhere(kwargs)
    with mismatch_fails(getattr(fn, "__name__", "the function")):
        return fn(*args, **kwargs)


def assert_elsewhere(t, what: str, what_zh: str | None = None) -> None:
    """Fail unless `t` is a tensor on the other device (`what_zh`: `what` in Chinese)."""
    what_zh = what + " " if what_zh is None else what_zh
    assert isinstance(t, torch.Tensor), say(f"expected {what} to be a tensor, got {type(t).__name__}",
                                            f"{what_zh}应为张量，实际为 {type(t).__name__}")
    assert on_elsewhere(t), say(
        f"expected {what} on the inputs' device, got a tensor on {t.device} (created without device=?)",
        f"{what_zh}应在输入所在的设备上，实际在 {t.device} 上（创建时没有传 device=？）",
    )
