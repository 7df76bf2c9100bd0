"""First-order mutants of a Python module (mutmut / cosmic-ray style), stdlib `ast` only.

`mutants(source)` yields one `Mutant` per single change: a swapped operator (arithmetic,
augmented assignment, comparison, boolean, break/continue), a removed unary `-` or `not`,
a changed number or bool (a default value's change is named `default`), a statement
replaced by `pass`, a dropped keyword argument or decorator. Strings (messages, paths)
imports and annotations are left alone. Each mutant has an id `LINE:COL:KIND` (e.g. `27:15:Lt->LtE`,
`40:8:del-Return`, `12:71:default 200->201`), stable as long as the source is; a second
identical id on one line gets `#2`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterator

BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
          ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.MatMult: ast.Mult, ast.BitAnd: ast.BitOr,
          ast.BitOr: ast.BitAnd, ast.LShift: ast.RShift, ast.RShift: ast.LShift}
CMPOPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
          ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
BOOLOPS = {ast.And: ast.Or, ast.Or: ast.And}
REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Raise, ast.If, ast.For,
             ast.While, ast.With, ast.Assert, ast.Delete)


@dataclass(frozen=True)
class Mutant:
    id: str
    line: int
    source: str  # the whole mutated module

    @property
    def kind(self) -> str:
        return self.id.split(":", 2)[2]


def mutants(source: str) -> list[Mutant]:
    """Every first-order mutant of `source`, in source order; none equals the original."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    out: list[Mutant] = []
    seen: dict[str, int] = {}
    for node, kind, apply in _sites(tree):
        undo = apply()
        try:
            text = ast.unparse(tree)
        finally:
            undo()
        if text == original:
            continue
        base = f"{node.lineno}:{node.col_offset}:{kind}"
        seen[base] = seen.get(base, 0) + 1
        mid = base if seen[base] == 1 else f"{base}#{seen[base]}"
        out.append(Mutant(mid, node.lineno, text))
    return sorted(out, key=lambda m: (m.line, int(m.id.split(":")[1])))


Apply = Callable[[], Callable[[], None]]


def _set(obj, attr: str, value) -> Apply:
    def apply():
        old = getattr(obj, attr)
        setattr(obj, attr, value)
        return lambda: setattr(obj, attr, old)
    return apply


def _replace_item(items: list, i: int, value) -> Apply:
    def apply():
        old = items[i]
        items[i] = value
        return lambda: items.__setitem__(i, old)
    return apply


def _remove_item(items: list, i: int) -> Apply:
    def apply():
        old = items.pop(i)
        return lambda: items.insert(i, old)
    return apply


def _name(node: ast.AST) -> str:
    return type(node).__name__


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _bumped(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    return None


def _sites(tree: ast.AST) -> Iterator[tuple[ast.AST, str, Apply]]:
    defaults: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arguments):
            defaults.update(id(d) for d in node.defaults + node.kw_defaults if d is not None)
    for node in _ordered(tree):
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOPS:
            new = BINOPS[type(node.op)]
            yield node, f"{_name(node.op)}->{new.__name__}", _set(node, "op", new())
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = CMPOPS[type(op)]
                yield node, f"{_name(op)}->{new.__name__}", _replace_item(node.ops, i, new())
        elif isinstance(node, ast.BoolOp):
            new = BOOLOPS[type(node.op)]
            yield node, f"{_name(node.op)}->{new.__name__}", _set(node, "op", new())
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
            yield node, f"drop-{_name(node.op)}", _unwrap(tree, node)
        elif isinstance(node, ast.Constant):
            new = _bumped(node.value)
            if new is not None:
                label = "default " if id(node) in defaults else ""
                yield node, f"{label}{node.value!r}->{new!r}", _set(node, "value", new)
        elif isinstance(node, (ast.Break, ast.Continue)):
            new = ast.Continue() if isinstance(node, ast.Break) else ast.Break()
            yield node, f"{_name(node)}->{_name(new)}", _swap_stmt(tree, node, new)
        elif isinstance(node, ast.Call):
            for i, kw in enumerate(node.keywords):
                yield node, f"drop-kw {kw.arg or '**'}", _remove_item(node.keywords, i)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for i, dec in enumerate(node.decorator_list):
                yield node, f"drop-decorator {ast.unparse(dec)}", _remove_item(node.decorator_list, i)
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for i, stmt in enumerate(body):
                if isinstance(stmt, REMOVABLE) and not _is_docstring(stmt):
                    yield stmt, f"del-{_name(stmt)}", _replace_item(body, i, ast.Pass())


def _ordered(tree: ast.AST) -> list[ast.AST]:
    """Nodes outside annotations (never evaluated under `from __future__ import
    annotations`) in source order (line, column), ties in walk order: a stable numbering."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        notes = [getattr(node, "annotation", None), getattr(node, "returns", None)]
        for note in filter(None, notes):
            skip.update(id(n) for n in ast.walk(note))
    nodes = [n for n in ast.walk(tree) if hasattr(n, "lineno") and id(n) not in skip]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def _parent_slot(tree: ast.AST, target: ast.AST) -> tuple[ast.AST, str, int | None]:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is target:
                return parent, field, None
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is target:
                        return parent, field, i
    raise LookupError("node not in tree")


def _put(tree: ast.AST, target: ast.AST, new: ast.AST) -> Callable[[], None]:
    parent, field, i = _parent_slot(tree, target)
    if i is None:
        setattr(parent, field, new)
        return lambda: setattr(parent, field, target)
    getattr(parent, field)[i] = new
    return lambda: getattr(parent, field).__setitem__(i, target)


def _unwrap(tree: ast.AST, node: ast.UnaryOp) -> Apply:
    return lambda: _put(tree, node, node.operand)


def _swap_stmt(tree: ast.AST, node: ast.stmt, new: ast.stmt) -> Apply:
    return lambda: _put(tree, node, new)
