"""Static scan of a submission (AST) for code that reaches into the grading machinery.

`scan(source)` returns flags `{"kind", "line", "message"}`, at most one per kind and
subject, in line order. A flag is not a verdict: a correct solution never needs any of
these, so in single-user practice it is a note on the result, and in mock interviews and
batch grading it asks a human to look. Kinds:

- `import`: pytest, _pytest, pluggy, grader, ctypes, gc, inspect, signal, importlib
  (the test harness, raw memory, the object graph, frames, signals, dynamic imports);
- `frame`: frame and code introspection (sys._getframe, f_back, f_locals, f_globals,
  tb_frame, __closure__, __code__, __globals__, __subclasses__), also when spelled as a
  string built from constants (`getattr(f, "f_" + "back")`);
- `modules`: any use of sys.modules (also `getattr(sys, "modules")`), or an attribute of
  sys chosen at run time; `builtins`: assigning to builtins;
- `exec`: exec(), eval() and compile() (code built at run time: base64, say);
- `fd`: os-level descriptor writes (os.write, os.dup2, os.fdopen, ..., /proc/self/fd);
- `process`: signalling or killing processes (os.kill, os.killpg, os.getppid).
"""

from __future__ import annotations

import ast

MAX_FLAGS = 12
IMPORTS = {"pytest": "the test harness", "_pytest": "the test harness", "pluggy": "the test harness",
           "grader": "the grader", "ctypes": "raw memory access", "gc": "the object graph",
           "inspect": "frame introspection", "signal": "signal handling", "importlib": "dynamic imports"}
FRAME_ATTRS = {"_getframe", "currentframe", "f_back", "f_locals", "f_globals", "f_code", "tb_frame", "gi_frame",
               "cr_frame", "__closure__", "__code__", "__globals__", "__subclasses__"}
FD_CALLS = {"write", "writev", "pwrite", "dup", "dup2", "fdopen", "open", "close", "closerange", "sendfile"}
PROCESS_CALLS = {"kill", "killpg", "getppid", "setpgid", "setsid"}


def constant_text(node: ast.AST) -> str | None:
    """The string an expression always evaluates to when it is built from constants
    ("f_" + "back", f"f_{'back'}", "".join(["f_", "back"])), else None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = constant_text(node.left), constant_text(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        parts = [constant_text(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values]
        return "".join(parts) if all(p is not None for p in parts) else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple))):
        sep = constant_text(node.func.value)
        parts = [constant_text(e) for e in node.args[0].elts]
        return sep.join(parts) if sep is not None and all(p is not None for p in parts) else None
    return None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.flags: list[dict] = []
        self.os_names = {"os"}  # names bound to the os module
        self.os_funcs: dict[str, str] = {}  # from os import write as w -> {"w": "write"}

    def flag(self, kind: str, node: ast.AST, message: str) -> None:
        self.flags.append({"kind": kind, "line": getattr(node, "lineno", 0), "message": message})

    def _module(self, node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        if top in IMPORTS:
            self.flag("import", node, f"imports {name} ({IMPORTS[top]})")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._module(node, alias.name)
            if alias.name == "os":
                self.os_names.add(alias.asname or "os")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            if module == "os":
                self.os_funcs[alias.asname or alias.name] = alias.name
            if module == "sys" and alias.name in ("modules", "_getframe"):
                self.flag("modules" if alias.name == "modules" else "frame", node, f"imports sys.{alias.name}")
            if module == "builtins" or alias.name == "builtins":
                self.flag("builtins", node, "imports builtins")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = _dotted(node)
        if node.attr in FRAME_ATTRS:
            what = name if name.startswith(("sys.", "inspect.")) else f".{node.attr}"
            self.flag("frame", node, f"uses {what} (frame or code introspection)")
        elif name == "sys.modules":
            self.flag("modules", node, "uses sys.modules")
        self.generic_visit(node)

    def _dynamic_attribute(self, node: ast.Call, how: str) -> None:
        owner, name = _dotted(node.args[0]), constant_text(node.args[1])
        if name in FRAME_ATTRS:
            self.flag("frame", node, f"uses {how}(..., {name!r}) (frame or code introspection)")
        elif owner == "sys" and name == "modules":
            self.flag("modules", node, f"uses {how}(sys, 'modules')")
        elif owner == "sys" and name is None:
            self.flag("modules", node, f"uses {how}(sys, ...) with a name chosen at run time")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__builtins__":
            self.flag("builtins", node, "uses __builtins__")
        self.generic_visit(node)

    def _target(self, target: ast.AST) -> None:
        name = _dotted(target.value) if isinstance(target, (ast.Attribute, ast.Subscript)) else ""
        if name in ("builtins", "__builtins__") or name.startswith(("builtins.", "__builtins__.")):
            self.flag("builtins", target, f"assigns to {name}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        os_call = None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.os_names:
            os_call = func.attr
        elif isinstance(func, ast.Name) and func.id in self.os_funcs:
            os_call = self.os_funcs[func.id]
        if os_call in FD_CALLS:
            self.flag("fd", node, f"calls os.{os_call} (writes to file descriptors)")
        elif os_call in PROCESS_CALLS:
            self.flag("process", node, f"calls os.{os_call} (signals or processes)")
        if isinstance(func, ast.Name) and func.id in ("__import__", "setattr", "delattr"):
            target = _dotted(node.args[0]) if node.args else ""
            if func.id == "__import__":
                self.flag("import", node, "calls __import__ (dynamic imports)")
            elif target in ("builtins", "__builtins__", "sys.modules", "sys"):
                self.flag("builtins", node, f"calls {func.id} on {target}")
        if isinstance(func, ast.Name) and func.id in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
            self._dynamic_attribute(node, func.id)
        if isinstance(func, ast.Name) and func.id in ("exec", "eval", "compile"):
            self.flag("exec", node, f"calls {func.id}() (code built at run time)")
        for arg in node.args[:1]:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith(("/proc/", "/dev/fd")):
                self.flag("fd", node, f"opens {arg.value}")
        self.generic_visit(node)


def scan(source: str) -> list[dict]:
    """Flags for `source`; [] when it does not parse (grading reports the syntax error)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    scanner = _Scanner()
    scanner.visit(tree)
    seen: dict[tuple[str, str], dict] = {}
    for flag in sorted(scanner.flags, key=lambda f: f["line"]):
        seen.setdefault((flag["kind"], flag["message"]), flag)
    return list(seen.values())[:MAX_FLAGS]


def read_source(path) -> str:
    """The file's text, or "" when it cannot be read (grading reports that)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return ""


def scan_file(path) -> list[dict]:
    return scan(read_source(path))
