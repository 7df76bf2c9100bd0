"""Tamper detection for a grading run: identities of the grading machinery.

`BASE` is filled once in the warm worker after its preload (so forked runs share it and
pay nothing for it); each run's child adds what only exists there (`snapshot`: pytest's
hook implementations, the grader module under test) after collecting the checks
and before importing the candidate's module, and calls `changed()` after the import and
after every check. Watched, by object identity (and, for Python functions, their code):

- pytest's runner and reporting (`Function`, `TestReport`, `CallInfo` and the runner's
  functions, the runtest hooks and every registered implementation of them, pluggy's
  callers);
- every binding in the grader's own modules (`grader.*`, the grader module under test
  included: a grader module must not rebind its globals while it runs);
- the comparison functions checks rely on (torch, numpy, math, pytest.approx/raises,
  builtins) and the classes `torch.Tensor` and `nn.Module` with their bases.

It cannot see a patch undone before the next verification, nor a change made from C
(ctypes): the threat model in docs/grading.md says so.
"""

from __future__ import annotations

import builtins
import math
import operator
import sys
import types
from itertools import chain

_MISSING = object()
_CODE = operator.attrgetter("__code__")
_VALUES = operator.methodcaller("values")
TORCH_FUNCTIONS = ("allclose", "equal", "isclose", "eq", "ne", "all", "any", "isfinite", "isnan", "isinf",
                   "is_tensor", "is_grad_enabled", "manual_seed", "no_grad", "tensor", "as_tensor")
BUILTINS = ("isinstance", "issubclass", "len", "abs", "round", "all", "any", "sum", "min", "max", "getattr",
            "hasattr", "type", "float", "int", "bool", "repr", "str", "sorted", "zip", "range", "iter", "next",
            "id", "callable", "__import__")
PYTEST_RUNNER = ("pytest_runtest_protocol", "runtestprotocol", "call_and_report", "pytest_runtest_setup",
                 "pytest_runtest_call", "pytest_runtest_teardown", "pytest_runtest_makereport",
                 "check_interactive_exception", "pytest_report_teststatus", "CallInfo", "SetupState")
HOOKS = ("pytest_runtestloop", "pytest_runtest_protocol", "pytest_runtest_logstart", "pytest_runtest_setup",
         "pytest_runtest_call", "pytest_pyfunc_call", "pytest_runtest_teardown", "pytest_runtest_makereport",
         "pytest_runtest_logreport", "pytest_runtest_logfinish", "pytest_report_teststatus", "pytest_exception_interact")


def _functions(value):
    """The Python functions behind a value (a function, property, classmethod or
    staticmethod), whose code objects must not be swapped."""
    if isinstance(value, (classmethod, staticmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if isinstance(f, types.FunctionType)]
    return [value] if isinstance(value, types.FunctionType) else []


def _differ(now: list, then: list) -> bool:
    return len(now) != len(then) or any(map(operator.is_not, now, then))


class Guard:
    """A snapshot of the grading machinery; `changed()` names what differs now. Cheap
    enough to run after every check: identities are compared as lists of ids."""

    def __init__(self) -> None:
        self._namespaces: list[tuple[str, object, dict, list, frozenset]] = []
        self._attrs: list[tuple[str, object, tuple, tuple, operator.attrgetter]] = []
        self._lists: list[tuple[str, object, list]] = []
        self._labels: list[str] = []
        self._funcs: list[types.FunctionType] = []
        self._codes: list[types.CodeType] = []
        self._flat = None

    def namespace(self, label: str, owner) -> "Guard":
        """Every binding of a module's or class's dict: none may be rebound or removed, and
        none added that would shadow a builtin (module) or an inherited attribute (class);
        other additions are harmless (pytest adds flags to its classes as it runs)."""
        ns = vars(owner)
        if isinstance(owner, type):
            shadowable = frozenset(k for base in owner.__mro__[1:] for k in vars(base))
        else:
            shadowable = frozenset(vars(builtins))
        snapshot = dict(ns)
        self._namespaces.append([label, ns, snapshot, list(snapshot.values()), shadowable])
        for key, value in snapshot.items():
            self._watch_code(f"{label}.{key}", value)
        return self

    def cls(self, klass: type) -> "Guard":
        """A class and its bases (but `object`)."""
        for base in klass.__mro__[:-1]:
            self.namespace(f"{base.__module__}.{base.__qualname__}", base)
        return self

    def attrs(self, label: str, owner, names) -> "Guard":
        """Some attributes of a module or an instance (their bindings, not the whole dict:
        a package gains submodules as they are imported)."""
        names = tuple(n for n in names if hasattr(owner, n))
        values = tuple(getattr(owner, n) for n in names)
        self._attrs.append((label, owner, names, values + (type(owner),), operator.attrgetter(*names, "__class__")))
        for name, value in zip(names, values):
            self._watch_code(f"{label}.{name}", value)
        return self

    def sequence(self, label: str, get) -> "Guard":
        """A list (returned by `get()`) whose items must stay the same objects."""
        self._lists.append((label, get, list(get())))
        return self

    def _watch_code(self, label: str, value) -> None:
        for fn in _functions(value):
            self._labels.append(label)
            self._funcs.append(fn)
            self._codes.append(fn.__code__)

    def _unchanged(self) -> bool:
        """The fast path: every identity at once, at C speed."""
        if self._flat is None:
            namespaces = [ns for _, ns, *_ in self._namespaces]
            self._flat = (namespaces, list(map(len, namespaces)),
                          [v for *_, values, _ in self._namespaces for v in values],
                          [get for *_, get in self._attrs], [owner for _, owner, *_ in self._attrs],
                          [v for *_, values, _ in self._attrs for v in values])
        namespaces, lengths, values, getters, owners, attr_values = self._flat
        try:
            return (list(map(len, namespaces)) == lengths
                    and not any(map(operator.is_not, chain.from_iterable(map(_VALUES, namespaces)), values))
                    and not any(map(operator.is_not, chain.from_iterable(map(operator.call, getters, owners)),
                                    attr_values))
                    and not any(map(operator.is_not, map(_CODE, self._funcs), self._codes)))
        except AttributeError:
            return False

    def changed(self) -> list[str]:
        found = []
        if self._unchanged():
            return [label for label, get, items in self._lists if _differ(get(), items)]
        for entry in self._namespaces:
            label, ns, snapshot, values, shadowable = entry
            if len(ns) != len(values) or any(map(operator.is_not, ns.values(), values)):
                here = [f"{label}.{k}" for k in snapshot if ns.get(k, _MISSING) is not snapshot[k]]
                here += [f"{label}.{k}" for k in ns if k not in snapshot and k in shadowable]
                if not here:  # only harmless additions: take them into the snapshot
                    entry[2], entry[3], self._flat = dict(ns), list(ns.values()), None
                found += here
        for label, owner, names, values, get in self._attrs:
            try:
                unchanged = not any(map(operator.is_not, get(owner), values))
            except AttributeError:
                unchanged = False
            if not unchanged:
                found += [f"{label}.{n}" for n, v in zip(names, values) if getattr(owner, n, _MISSING) is not v]
                found += [f"{label}.__class__"] if type(owner) is not values[-1] else []
        found += [label for label, get, items in self._lists if _differ(get(), items)]
        if any(map(operator.is_not, map(_CODE, self._funcs), self._codes)):
            found += [label for label, fn, code in zip(self._labels, self._funcs, self._codes) if fn.__code__ is not code]
        return list(dict.fromkeys(found))


BASE = Guard()


def _module(guard: Guard, module: types.ModuleType) -> None:
    """A module's bindings and the dicts of the classes it defines."""
    guard.namespace(module.__name__, module)
    for value in list(vars(module).values()):
        if isinstance(value, type) and value.__module__ == module.__name__:
            guard.namespace(f"{module.__name__}.{value.__qualname__}", value)


def prepare() -> None:
    """Fill `BASE` with what every run shares; the worker calls this once, after preload."""
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
    for klass in (_pytest.python.Function, _pytest.reports.TestReport, _pytest.runner.CallInfo,
                  torch.Tensor, torch.nn.Module):
        BASE.cls(klass)
    BASE.attrs("_pytest.runner", _pytest.runner, PYTEST_RUNNER)
    BASE.attrs("_pytest.python", _pytest.python, ("pytest_pyfunc_call", "Function"))
    BASE.attrs("_pytest.reports", _pytest.reports, ("TestReport", "BaseReport"))
    BASE.attrs("pytest", pytest, ("approx", "raises", "skip", "fail", "Function", "TestReport"))
    BASE.attrs("torch", torch, TORCH_FUNCTIONS)
    BASE.attrs("torch.testing", torch.testing, ("assert_close",))
    BASE.attrs("numpy", numpy, ("allclose", "isclose", "array_equal", "all", "any", "isfinite"))
    BASE.attrs("numpy.testing", numpy.testing, ("assert_allclose", "assert_array_equal"))
    BASE.attrs("math", math, ("isclose", "isfinite", "isnan", "log", "exp", "sqrt"))
    BASE.attrs("builtins", builtins, BUILTINS)


def snapshot(config, grader_modules: list[types.ModuleType]):
    """`changed` for one run: `BASE` plus pytest `config`'s registered hook
    implementations and any grader module `BASE` does not hold."""
    guard = Guard()
    held = {label for label, *_ in BASE._namespaces}
    for module in grader_modules:
        if module.__name__ not in held:
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
    base = BASE.changed
    return lambda: base() + guard.changed()
