"""The static scan of a submission: what reaches into the grading machinery is flagged,
what a solution normally does is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.guard.scan import scan, scan_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("source, kind, line", [
    ("import numpy\nimport pytest\n", "import", 2),
    ("from _pytest import python\n", "import", 1),
    ("import grader.run.child as c\n", "import", 1),
    ("import ctypes\n", "import", 1),
    ("import gc\n", "import", 1),
    ("from inspect import currentframe\n", "import", 1),
    ("import signal\n", "import", 1),
    ("m = __import__('pytest')\n", "import", 1),
    ("import sys\nf = sys._getframe(1)\n", "frame", 2),
    ("def f(frame):\n    return frame.f_back.f_locals\n", "frame", 2),
    ("def f(fn):\n    fn.__code__ = None\n", "frame", 2),
    ("import sys\nsys.modules['torch'] = None\n", "modules", 2),
    ("import sys\nm = sys.modules.get('grader.run.child')\n", "modules", 2),
    ("import builtins\nbuiltins.isinstance = lambda *a: True\n", "builtins", 2),
    ("__builtins__['len'] = len\n", "builtins", 1),
    ("import os\nos.write(3, b'{}')\n", "fd", 2),
    ("from os import dup2 as d\nd(0, 1)\n", "fd", 2),
    ("import os as o\nf = o.fdopen(5, 'w')\n", "fd", 2),
    ("f = open('/proc/self/fd/4', 'w')\n", "fd", 1),
    ("import os\nos.kill(os.getppid(), 9)\n", "process", 2),
    ("def f(frame):\n    return getattr(frame, 'f_' + 'back')\n", "frame", 2),
    ("def f(frame):\n    return getattr(frame, ''.join(['f_', 'glo', 'bals']))\n", "frame", 2),
    ("def f(g):\n    return getattr(g, f\"gi_{'frame'}\")\n", "frame", 2),
    ("import sys\nm = getattr(sys, 'mod' + 'ules')\n", "modules", 2),
    ("import sys\nm = getattr(sys, chr(109) + 'odules')\n", "modules", 2),
    ("import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n", "exec", 2),
    ("code = compile('x = 1', '<heads>', 'exec')\n", "exec", 1),
    ("y = eval('1 + 1')\n", "exec", 1),
])
def test_reaching_into_the_machinery_is_flagged(source, kind, line):
    flags = scan(source)
    assert any(f["kind"] == kind and f["line"] == line for f in flags), flags
    assert all(set(f) == {"kind", "line", "message"} and f["message"] for f in flags)


@pytest.mark.parametrize("source", [
    "import math, os, sys\nimport torch\nfrom torch import nn\n"
    "def f(model, path):\n    os.makedirs(path, exist_ok=True)\n    print(sys.version, file=sys.stderr)\n"
    "    with open(os.path.join(path, 'x.txt'), 'w') as fh:\n        fh.write('ok')\n"
    "    return isinstance(model, nn.Module) and math.isfinite(1.0)\n",
    "def f(:\n",  # a syntax error is the grader's to report, not the scan's
])
def test_ordinary_code_is_not_flagged(source):
    assert scan(source) == []


def test_no_shipped_implementation_is_flagged():
    files = [*ROOT.glob("solutions/*.py"), *ROOT.glob("exercises/*.py"), *ROOT.glob("tests/alternatives/*/*.py")]
    assert files
    assert {f.name: scan_file(f) for f in files if scan_file(f)} == {}


def test_one_flag_per_subject_in_line_order():
    flags = scan("import gc\nimport gc\nimport os\nos.write(1, b'')\nos.write(2, b'')\n")
    assert [(f["kind"], f["line"]) for f in flags] == [("import", 1), ("fd", 4)]


def test_the_cli_shows_flags_on_one_line():
    from rich.console import Console

    from quiz.results.terminal import render_result

    result = {"exercise": "probe", "impl": "mine", "status": "pass", "message": "all 1 checks passed", "device": "cpu",
              "duration_s": 0.1, "passed": 1, "failed": 0, "points": 1, "max_points": 1, "tests": [],
              "flags": scan("import gc\nimport os\nos.write(3, b'')\n")}
    console = Console(width=200, record=True)
    console.print(render_result(result))
    notes = [ln for ln in console.export_text().splitlines() if "grading machinery" in ln]
    assert notes == ["        note: code that reaches into the grading machinery (in its source: line 1: imports gc "
                     "(the object graph); line 3: calls os.write (writes to file descriptors))"]
    del result["flags"]  # a result saved before flags existed
    console.print(render_result(result))
