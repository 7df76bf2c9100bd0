"""Tamper detection for a grading run: identities of the grading machinery.

`BASE` is filled once in the warm worker after its preload (forked runs share it and pay
nothing for it). Each run's child calls `snapshot()` after collecting the checks and
before importing the candidate's module: it adds what only exists there (pytest's hook
implementations, the grader module under test) and returns `changed()`, a closure over
its own copy of everything, called after the import and after every check. Watched:

- pytest's runner and reporting (`Function`, `TestReport`, `CallInfo`, the runner's
  functions, the runtest hooks and every registered implementation, pluggy's callers);
- every binding in the grader's own modules (`grader.*`, the grader under test included)
  and the classes they define, and the pinned module copies checks use (grader.guard.pin);
- all of `vars(builtins)` and every public name of torch, numpy and pytest; `math`'s
  comparisons; the classes `torch.Tensor` and `nn.Module` with their bases; the closure
  cells of every watched function (their `__code__`, `__defaults__` and `__kwdefaults__`
  are watched write-through by the run's audit hook, grader.guard.audit, since reading
  them raises an audit event);
- `sys.gettrace()` and `sys.getprofile()` are None; torch's function-mode and
  dispatch-mode stacks are empty (outside a check, so outside grader.authoring.devices'
  own use of them);
- a dict changed and changed back before a verification (a patch undone by a
  finalizer): CPython 3.11 stamps every dict with a new version on each change
  (PEP 509), and a watched dict whose version moved while its bindings did not was
  patched and restored. The real torch module is exempt (grader.authoring.devices swaps
  `torch.Generator` in and out); checks reach torch through pinned copies instead.

`changed()` holds its own copies of what it compares, so rebinding `BASE`'s attributes
after the snapshot changes nothing, and `Guard` has no instance dict to shadow a method
in. It cannot see a change made from C (ctypes, refused by the audit hook) nor a patch
undone inside a dict that also gained a new binding: docs/threat-model.md says so.
"""

from __future__ import annotations

import builtins
import ctypes
import gc
import math
import operator
import sys
import types
from itertools import chain

_MISSING = object()
_VALUES = operator.methodcaller("values")
_VALUE = operator.attrgetter("value")
_CONTENTS = operator.attrgetter("cell_contents")
TORCH_FUNCTIONS = ("allclose", "equal", "isclose", "eq", "ne", "all", "any", "isfinite", "isnan", "isinf",
                   "is_tensor", "is_grad_enabled", "manual_seed", "no_grad", "tensor", "as_tensor")
PYTEST_RUNNER = ("pytest_runtest_protocol", "runtestprotocol", "call_and_report", "pytest_runtest_setup",
                 "pytest_runtest_call", "pytest_runtest_teardown", "pytest_runtest_makereport",
                 "check_interactive_exception", "pytest_report_teststatus", "CallInfo", "SetupState",
                 "_update_current_test_var")
HOOKS = ("pytest_runtestloop", "pytest_runtest_protocol", "pytest_runtest_logstart", "pytest_runtest_setup",
         "pytest_runtest_call", "pytest_pyfunc_call", "pytest_runtest_teardown", "pytest_runtest_makereport",
         "pytest_runtest_logreport", "pytest_runtest_logfinish", "pytest_report_teststatus", "pytest_exception_interact")
# PEP 509's ma_version_tag: after PyObject_HEAD and ma_used (CPython 3.11, 64-bit)
_TAG_OFFSET = 24 if sys.version_info[:2] == (3, 11) and ctypes.sizeof(ctypes.c_void_p) == 8 else None


def _tag_view(d: dict):
    """A live view of `d`'s version tag, or None where the layout is unknown."""
    if _TAG_OFFSET is None:
        return None
    return ctypes.c_uint64.from_address(id(d) + _TAG_OFFSET)


def _tags_work() -> bool:
    probe = {"k": 0}
    view = _tag_view(probe)
    if view is None:
        return False
    before = view.value
    probe["k"] = 1
    return view.value > before


def _real_dict(owner) -> dict:
    """The dict behind a module's or class's namespace (a class shows a mappingproxy)."""
    ns = vars(owner)
    if isinstance(ns, dict):
        return ns
    inner = [r for r in gc.get_referents(ns) if isinstance(r, dict)]
    return inner[0]


def _cells(fn) -> list:
    """The non-empty closure cells of a Python function (reading them raises no audit event)."""
    if isinstance(fn, (classmethod, staticmethod)):
        fn = fn.__func__
    if isinstance(fn, property):
        return [c for f in (fn.fget, fn.fset, fn.fdel) for c in _cells(f)]
    if not isinstance(fn, types.FunctionType) or not fn.__closure__:
        return []
    out = []
    for cell in fn.__closure__:
        try:
            cell.cell_contents
        except ValueError:
            continue
        out.append(cell)
    return out


class Guard:
    """What to watch; `verifier()` turns it into `changed()`. No instance dict: an
    attribute set on a guard cannot shadow its methods."""

    __slots__ = ("namespaces", "attrs_", "lists", "cells")

    def __init__(self) -> None:
        self.namespaces: list[tuple] = []  # (label, dict, shadowable names, tagged)
        self.attrs_: list[tuple] = []  # (label, owner, names)
        self.lists: list[tuple] = []  # (label, get)
        self.cells: list[tuple] = []  # (label, cell)

    def namespace(self, label: str, owner, *, tagged: bool = True, cells: bool = True) -> "Guard":
        """Every binding of a module's or class's dict: none may be rebound or removed, and
        none added that shadows a builtin (module) or an inherited attribute (class);
        other additions are harmless (pytest adds flags to its classes as it runs).
        `tagged`: also catch a change undone before the verification; `cells`: also
        watch the closure cells of its functions."""
        ns = _real_dict(owner)
        if isinstance(owner, type):
            shadowable = frozenset(k for base in owner.__mro__[1:] for k in vars(base))
        else:
            shadowable = frozenset(vars(builtins))
        self.namespaces.append((label, ns, shadowable, tagged))
        for key, value in list(ns.items()) if cells else ():
            self.cells += [(f"{label}.{key}", c) for c in _cells(value)]
        return self

    def cls(self, klass: type) -> "Guard":
        """A class and its bases (but `object`)."""
        for base in klass.__mro__[:-1]:
            self.namespace(f"{base.__module__}.{base.__qualname__}", base)
        return self

    def attrs(self, label: str, owner, names) -> "Guard":
        """Some attributes of a module or an instance (their bindings, not the whole dict)."""
        names = tuple(n for n in names if hasattr(owner, n))
        self.attrs_.append((label, owner, names))
        for name in names:
            self.cells += [(f"{label}.{name}", c) for c in _cells(getattr(owner, name))]
        return self

    def sequence(self, label: str, get) -> "Guard":
        """A list (returned by `get()`) whose items must stay the same objects."""
        self.lists.append((label, get))
        return self

    def verifier(self, *more: "Guard"):
        """`changed()`: the labels of what differs from now (an empty list when nothing)."""
        return _verifier([_Snapshot([self, *more])])


class _Snapshot:
    """What a verifier compares, taken from some guards. BASE's is taken once in the
    worker, so a forked run does not copy (and so touch, page by page) every watched dict."""

    def __init__(self, guards: list[Guard]) -> None:
        self.namespaces = [list(entry) + [dict(entry[1])] for g in guards for entry in g.namespaces]
        # each: [label, dict, shadowable, tagged, snapshot]
        if not _tags_work():
            for n in self.namespaces:
                n[3] = False
        self.tagged = [n for n in self.namespaces if n[3]]
        self.views = [_tag_view(n[1]) for n in self.tagged]
        self.plain = [n[1] for n in self.namespaces if not n[3]]
        self.values = [v for d in self.plain for v in d.values()]
        self.attr_entries = [(label, owner, names, operator.attrgetter(*names, "__class__") if names else None,
                              tuple(getattr(owner, n) for n in names) + (type(owner),))
                             for g in guards for label, owner, names in g.attrs_]
        self.lists = [(label, get, list(get())) for g in guards for label, get in g.lists]
        self.cells = [c for g in guards for _, c in g.cells]
        self.cell_labels = [label for g in guards for label, _ in g.cells]
        self.contents = list(map(_CONTENTS, self.cells))


def _verifier(snapshots: list[_Snapshot]):
    namespaces = [n for s in snapshots for n in s.namespaces]
    tagged = [n for s in snapshots for n in s.tagged]
    views = [v for s in snapshots for v in s.views]
    # a dict's version tag moves on every change: only untagged dicts need their values compared
    plain = [d for s in snapshots for d in s.plain]
    state = {"tags": list(map(_VALUE, views)), "values": [v for s in snapshots for v in s.values],
             "lengths": list(map(len, plain))}
    attr_entries = [e for s in snapshots for e in s.attr_entries]
    getters = [e[3] for e in attr_entries if e[3] is not None]
    owners = [e[1] for e in attr_entries if e[3] is not None]
    attr_values = [v for e in attr_entries if e[3] is not None for v in e[4]]
    lists = [e for s in snapshots for e in s.lists]
    cells = [c for s in snapshots for c in s.cells]
    cell_labels = [label for s in snapshots for label in s.cell_labels]
    contents = [c for s in snapshots for c in s.contents]
    gettrace, getprofile = sys.gettrace, sys.getprofile
    stacks = _mode_stacks()
    is_not, call, chained = operator.is_not, operator.call, chain.from_iterable

    def fast() -> bool:
        try:
            return (gettrace() is None and getprofile() is None and not any(f() for f in stacks)
                    and list(map(_VALUE, views)) == state["tags"]
                    and list(map(len, plain)) == state["lengths"]
                    and not any(map(is_not, chained(map(_VALUES, plain)), state["values"]))
                    and not any(map(is_not, chained(map(call, getters, owners)), attr_values))
                    and not any(map(is_not, map(_CONTENTS, cells), contents))
                    and not any(_differ(get(), items) for _, get, items in lists))
        except (AttributeError, ValueError):
            return False

    def changed() -> list[str]:
        if fast():
            return []
        found = []
        if gettrace() is not None:
            found.append("sys.settrace (a trace function is set)")
        if getprofile() is not None:
            found.append("sys.setprofile (a profile function is set)")
        found += [f"torch {name} stack (a mode is still active)"
                  for name, f in zip(("function-mode", "dispatch-mode"), stacks) if f()]
        moved = {id(n[1]) for n, view, tag in zip(tagged, views, state["tags"]) if view.value != tag}
        resnapshot = False
        for entry in namespaces:
            label, ns, shadowable, _, snapshot = entry
            here = [f"{label}.{k}" for k in snapshot if ns.get(k, _MISSING) is not snapshot[k]]
            added = [k for k in ns if k not in snapshot]
            here += [f"{label}.{k}" for k in added if k in shadowable]
            if not here and id(ns) in moved and not added:
                here.append(f"{label} (a binding was changed and changed back before this check)")
            if not here and added:
                entry[4] = dict(ns)  # only harmless additions: take them into the snapshot
                resnapshot = True
            found += here
        for label, owner, names, get, values in attr_entries:
            if get is None:
                continue
            try:
                unchanged = not any(map(is_not, get(owner), values))
            except AttributeError:
                unchanged = False
            if not unchanged:
                found += [f"{label}.{n}" for n, v in zip(names, values) if getattr(owner, n, _MISSING) is not v]
                found += [f"{label}.__class__"] if type(owner) is not values[-1] else []
        found += [label for label, get, items in lists if _differ(get(), items)]
        for label, cell, content in zip(cell_labels, cells, contents):
            try:
                same = cell.cell_contents is content
            except ValueError:
                same = False
            if not same:
                found.append(f"{label} (a closure cell)")
        if resnapshot and not found:
            state["tags"] = list(map(_VALUE, views))
            state["values"] = [v for d in plain for v in d.values()]
            state["lengths"] = list(map(len, plain))
        return list(dict.fromkeys(found))

    return changed


def _differ(now: list, then: list) -> bool:
    return len(now) != len(then) or any(map(operator.is_not, now, then))


def _mode_stacks() -> list:
    torch = sys.modules.get("torch")
    if torch is None:
        return []
    return [f for f in (getattr(torch._C, "_len_torch_function_stack", None),
                        getattr(torch._C, "_len_torch_dispatch_stack", None)) if f is not None]


BASE = Guard()
_BASE_SNAPSHOT: list[_Snapshot] = []


def _module(guard: Guard, module: types.ModuleType) -> None:
    """A module's bindings and the dicts of the classes it defines."""
    guard.namespace(module.__name__, module)
    for value in list(vars(module).values()):
        if isinstance(value, type) and value.__module__ == module.__name__:
            guard.namespace(f"{module.__name__}.{value.__qualname__}", value)


def prepare(pinned=()) -> None:
    """Fill `BASE` with what every run shares (the worker calls this once, after its
    preload); `pinned`: the module copies grader.guard.pin gave the graders."""
    import _pytest.python
    import _pytest.reports
    import _pytest.runner
    import numpy
    import pytest
    import torch
    import torch.testing

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "grader" and not name.startswith("grader.graders."):
            _module(BASE, module)  # a run adds its own grader module (`snapshot`)
    for copy in pinned:
        BASE.namespace(f"{copy.__name__} (as the graders see it)", copy)
    for klass in (_pytest.python.Function, _pytest.reports.TestReport, _pytest.runner.CallInfo,
                  torch.Tensor, torch.nn.Module):
        BASE.cls(klass)
    BASE.namespace("builtins", builtins)
    BASE.namespace("torch", torch, tagged=False, cells=False)  # grader.authoring.devices swaps torch.Generator
    BASE.namespace("numpy", numpy, cells=False)
    BASE.namespace("pytest", pytest, cells=False)
    BASE.attrs("torch", torch, TORCH_FUNCTIONS)
    BASE.attrs("numpy", numpy, ("allclose", "isclose", "array_equal", "all", "any", "isfinite"))
    BASE.attrs("pytest", pytest, ("approx", "raises", "skip", "fail"))
    BASE.attrs("_pytest.runner", _pytest.runner, PYTEST_RUNNER)
    BASE.attrs("_pytest.python", _pytest.python, ("pytest_pyfunc_call", "Function"))
    BASE.attrs("_pytest.reports", _pytest.reports, ("TestReport", "BaseReport"))
    BASE.attrs("torch.testing", torch.testing, ("assert_close",))
    BASE.attrs("numpy.testing", numpy.testing, ("assert_allclose", "assert_array_equal"))
    BASE.attrs("math", math, ("isclose", "isfinite", "isnan", "log", "exp", "sqrt"))
    _BASE_SNAPSHOT[:] = [_Snapshot([BASE])]


def snapshot(config, grader_modules: list[types.ModuleType]):
    """`changed` for one run: `BASE` plus pytest `config`'s registered hook
    implementations and any grader module `BASE` does not hold."""
    from grader.guard import pin

    guard = Guard()
    held = {label for label, *_ in BASE.namespaces}
    for module in grader_modules:
        if module.__name__ not in held:
            pin.pin(module)
            _module(guard, module)
    manager = config.pluginmanager
    guard.cls(type(manager))
    guard.attrs("pluginmanager", manager, ("_inner_hookexec",))
    guard.cls(type(config.hook.pytest_runtest_protocol))
    for hook_name in HOOKS:
        caller = getattr(config.hook, hook_name, None)
        if caller is None:
            continue
        guard.attrs(hook_name, caller, ("_hookexec", "_call_history"))
        guard.sequence(f"{hook_name} implementations", caller.get_hookimpls)
        for impl in caller.get_hookimpls():
            guard.attrs(f"{hook_name}[{impl.plugin_name}]", impl, ("function", "plugin", "wrapper", "hookwrapper"))
    base = _BASE_SNAPSHOT or [_Snapshot([BASE])]
    return _verifier([*base, _Snapshot([guard])])
